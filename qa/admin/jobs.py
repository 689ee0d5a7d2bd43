"""Indexing in the background: each changed file goes queued → parsing → embedding → indexed, or failed with why.

One worker thread takes everything queued, reads each file (a file that cannot be read is
`failed` with the reason `qa index` would print), updates the index on disk with the encoder the
server already holds, and swaps the new index in (`Live.reload`). Until that swap the server goes
on answering from the previous index. The status of each file is kept in SQLite, so the console
shows it after a restart too.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.admin.database import connect, create
from qa.errors import QAError
from qa.ingest.corpus import read_or_skip
from qa.ingest.document import Document

STATES = ("queued", "parsing", "embedding", "indexed", "failed")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    reason TEXT,
    progress REAL NOT NULL DEFAULT 0,
    updated REAL NOT NULL,
    indexed REAL
);
"""


@dataclass(frozen=True)
class FileStatus:
    """Where one file stands."""

    path: str
    status: str  # one of STATES
    reason: str | None  # why it failed
    progress: float  # 0..1 while embedding
    updated: float  # when the status last changed (seconds since the epoch)
    indexed: float | None  # when it was last indexed


class Statuses:
    """The status of each file, in SQLite."""

    def __init__(self, path: Path) -> None:
        """Args: path: the database file (shared with the question log)."""
        self.path = path
        create(path, _SCHEMA)

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

    def set(self, paths: list[str], status: str, reason: str | None = None, progress: float = 0.0) -> None:
        """Give `paths` a status (an indexed one also gets its indexing time)."""
        now = time.time()
        with self._db() as db:
            for path in paths:
                db.execute(
                    "INSERT INTO files (path, status, reason, progress, updated, indexed) VALUES (?,?,?,?,?,?) "
                    "ON CONFLICT(path) DO UPDATE SET status=excluded.status, reason=excluded.reason, "
                    "progress=excluded.progress, updated=excluded.updated, "
                    "indexed=COALESCE(excluded.indexed, files.indexed)",
                    (path, status, reason, progress, now, now if status == "indexed" else None),
                )

    def forget(self, path: str) -> None:
        """Drop a deleted file's status."""
        with self._db() as db:
            db.execute("DELETE FROM files WHERE path = ?", (path,))

    def all(self) -> dict[str, FileStatus]:
        """Every file's status by path."""
        with self._db() as db:
            rows = db.execute("SELECT path, status, reason, progress, updated, indexed FROM files").fetchall()
        return {r[0]: FileStatus(*r) for r in rows}


class Jobs:
    """The queue of files to index and the worker that indexes them."""

    def __init__(
        self,
        corpus: Path,
        statuses: Statuses,
        update: Callable[[Callable[[int, int], None]], Any],
        reload: Callable[[], Any],
    ) -> None:
        """Args:
        corpus: the corpus folder.
        statuses: where statuses are kept.
        update: brings the index on disk up to date (`qa index`), given a progress callback.
        reload: swaps the index on disk in for the one serving.
        """
        self.corpus, self.statuses, self._update, self._reload = corpus, statuses, update, reload
        self._queue: dict[str, None] = {}  # paths waiting, in order
        self._wanted = False  # an update is asked for with no file to read (a new dictionary term)
        self._wake = threading.Condition()
        self._busy = False
        self.last_error: str | None = None
        threading.Thread(target=self._run, name="qa-indexer", daemon=True).start()

    def submit(self, paths: list[str]) -> None:
        """Queue files (new, changed or deleted: the update finds out which) for indexing."""
        self.statuses.set(paths, "queued")
        with self._wake:
            self._queue.update(dict.fromkeys(paths))
            self._wake.notify()

    def update(self) -> None:
        """Ask for an update and a swap although no file changed (the dictionary did)."""
        with self._wake:
            self._wanted = True
            self._wake.notify()

    def idle(self) -> bool:
        """True when nothing is queued or running."""
        with self._wake:
            return not self._queue and not self._wanted and not self._busy

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until idle (tests and scripts); False on timeout."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.idle():
                return True
            time.sleep(0.05)
        return False

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._queue and not self._wanted:
                    self._wake.wait()
                batch = list(self._queue)
                self._queue.clear()
                self._wanted = False
                self._busy = True
            try:
                self._index(batch)
            finally:
                with self._wake:
                    self._busy = False

    def _index(self, batch: list[str]) -> None:
        readable = [path for path in batch if self._parse(path)]
        self.statuses.set(readable, "embedding")

        def progress(done: int, total: int) -> None:
            self.statuses.set(readable, "embedding", progress=done / total if total else 1.0)

        try:
            self._update(progress)
            self._reload()
        except QAError as exc:
            self.last_error = exc.zh
            self.statuses.set(readable, "failed", f"{exc.zh} / {exc.en}")
            return
        except Exception as exc:  # the worker must survive anything a file or the disk throws at it
            self.last_error = repr(exc)
            self.statuses.set(readable, "failed", f"索引失败 / indexing failed ({type(exc).__name__})")
            return
        self.last_error = None
        self.statuses.set(readable, "indexed", progress=1.0)

    def _parse(self, rel: str) -> bool:
        """Read one file as `qa index` will; False (and the file `failed`, with why) when it cannot be indexed."""
        path = self.corpus / rel
        if not path.exists():  # deleted: the update removes it from the index
            self.statuses.forget(rel)
            return False
        self.statuses.set([rel], "parsing")
        got = read_or_skip(self.corpus, path)
        if isinstance(got, Document):
            return True
        self.statuses.set([rel], "failed", got.reason)
        return False
