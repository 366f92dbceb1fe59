"""Session storage: one schema (SQLAlchemy Core) on SQLite (default, WAL) or PostgreSQL, written by a
recorder thread in batches so a live session never waits on the database."""

from station.storage.db import Database, open_database
from station.storage.recorder import Recorder

__all__ = ["Database", "Recorder", "open_database"]
