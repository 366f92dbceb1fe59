"""Alembic revision scripts (one module per revision, ids ``0001``, ``0002``...)."""
