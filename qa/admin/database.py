"""The console's SQLite file: one connection per call, committed on success, in WAL mode (readers never wait)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to `path` that commits when the block ends without an error, and is closed either way."""
    db = sqlite3.connect(path, timeout=10)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        yield db
        db.commit()
    finally:
        db.close()


def create(path: Path, schema: str) -> None:
    """Make the file's folder and the tables of `schema` where they are missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with connect(path) as db:
        db.executescript(schema)
