"""Alembic migrations of the station database, shipped inside the package and applied by
:func:`station.storage.open_database` (never by hand on a station).

Revision ids are ``"0001"``, ``"0002"``...; the newest is :data:`station.storage.schema.SCHEMA_VERSION`.
Migrations are written out in full (they never import :mod:`station.storage.schema`), so an old
revision keeps creating exactly the tables it created when it was written.
"""
