"""The record of questions asked through the chat, the API and the widget, in SQLite under the index folder.

One row per question: when, where from (chat, API or widget, the site and page), the question,
answered or refused, the passages quoted, and the visitor's 👍/👎 when given. The client's
address is kept only when the owner turns it on (`QA_LOG_IP=1`). Rows older than the retention
period go, and beyond the size cap the oldest go first. Nothing here is read by the answerer.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import secrets
import sqlite3
import threading
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.admin.database import connect, create
from qa.answer.results import Answer

SOURCES = ("chat", "api", "widget")
MAX_FIELD = 500  # characters kept of a site or page address
PRUNE_EVERY = 200  # rows written between two prunings
_SCHEMA = """
CREATE TABLE IF NOT EXISTS asks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time REAL NOT NULL,
    source TEXT NOT NULL,
    site TEXT,
    page TEXT,
    question TEXT NOT NULL,
    answered INTEGER NOT NULL,
    passages TEXT NOT NULL,
    rating INTEGER,
    ip TEXT
);
CREATE INDEX IF NOT EXISTS asks_time ON asks(time);
"""


@dataclass(frozen=True)
class Origin:
    """Where a question came from: the interface, the embedding site and page, the client address."""

    source: str = "api"  # one of SOURCES
    site: str | None = None  # the Origin header
    page: str | None = None  # the Referer header
    ip: str | None = None


class Conversations:
    """The question log (thread-safe; one SQLite connection per call)."""

    def __init__(self, path: Path, *, max_rows: int, days: int, keep_ip: bool) -> None:
        """Args: path: the database file. max_rows: size cap. days: retention (0 = forever). keep_ip: store addresses."""
        self.path = path
        self.max_rows, self.days, self.keep_ip = max_rows, days, keep_ip
        self._lock = threading.Lock()
        self._writes = 0
        create(path, _SCHEMA)

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

    def record(self, answer: Answer, origin: Origin) -> int:
        """Store one answered or refused question; returns its id (for 👍/👎)."""
        quoted = [
            {"id": c.id, "doc_id": c.source.doc_id, "title": c.source.title, "quote": c.quote} for c in answer.passages
        ]
        row = (
            time.time(),
            origin.source if origin.source in SOURCES else "api",
            _bounded(origin.site),
            _bounded(origin.page),
            answer.question,
            int(answer.answered),
            json.dumps(quoted, ensure_ascii=False),
            origin.ip if self.keep_ip else None,
        )
        with self._lock, self._db() as db:
            cursor = db.execute(
                "INSERT INTO asks (time, source, site, page, question, answered, passages, ip) VALUES (?,?,?,?,?,?,?,?)",
                row,
            )
            self._writes += 1
            if self._writes % PRUNE_EVERY == 1:
                self._prune(db)
            return int(cursor.lastrowid or 0)

    def rate(self, ask_id: int, liked: bool | None) -> bool:
        """Set the 👍 (True) / 👎 (False) of a question, or clear it (None); False when there is no such question."""
        value = None if liked is None else (1 if liked else -1)
        with self._lock, self._db() as db:
            return db.execute("UPDATE asks SET rating = ? WHERE id = ?", (value, int(ask_id))).rowcount == 1

    def _prune(self, db: sqlite3.Connection) -> None:
        if self.days > 0:
            db.execute("DELETE FROM asks WHERE time < ?", (time.time() - self.days * 86400,))
        db.execute("DELETE FROM asks WHERE id <= (SELECT MAX(id) FROM asks) - ?", (self.max_rows,))

    def prune(self) -> None:
        """Apply the retention period and the size cap now."""
        with self._lock, self._db() as db:
            self._prune(db)

    def rows(
        self,
        *,
        limit: int = 100,
        offset: int = 0,
        answered: bool | None = None,
        query: str = "",
        disliked: bool = False,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total matching, rows newest first) for the console's list."""
        where, args = _filters(answered, query, disliked)
        with self._db() as db:
            db.row_factory = sqlite3.Row
            total = db.execute(f"SELECT COUNT(*) FROM asks {where}", args).fetchone()[0]
            found = db.execute(
                f"SELECT * FROM asks {where} ORDER BY id DESC LIMIT ? OFFSET ?", [*args, int(limit), int(offset)]
            ).fetchall()
        return int(total), [_row(r) for r in found]

    def unanswered(self, since: float = 0.0) -> list[dict[str, Any]]:
        """Every refused or 👎 question since `since` (the report's input), oldest first."""
        with self._db() as db:
            db.row_factory = sqlite3.Row
            found = db.execute(
                "SELECT * FROM asks WHERE (answered = 0 OR rating = -1) AND time >= ? ORDER BY id", (since,)
            ).fetchall()
        return [_row(r) for r in found]

    def csv(self) -> str:
        """Every row as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read the Chinese)."""
        _, rows = self.rows(limit=self.max_rows)
        out = io.StringIO()
        out.write("\ufeff")
        writer = csv.writer(out)
        writer.writerow(["id", "time", "source", "site", "page", "question", "answered", "rating", "passages", "ip"])
        for r in rows:
            quoted = " | ".join(f"{p['title']}: {p['quote']}" for p in r["passages"])
            writer.writerow(
                [r["id"], r["time_iso"], r["source"], _cell(r["site"]), _cell(r["page"]), _cell(r["question"]),
                 r["answered"], r["rating"], _cell(quoted), r["ip"]]
            )  # fmt: skip
        return out.getvalue()


def _filters(answered: bool | None, query: str, disliked: bool) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    if answered is not None:
        clauses.append("answered = ?")
        args.append(int(answered))
    if disliked:
        clauses.append("rating = -1")
    if query:
        clauses.append("question LIKE ? ESCAPE '\\'")
        args.append("%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:200] + "%")
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


def _row(r: sqlite3.Row) -> dict[str, Any]:
    data = dict(r)
    data["answered"] = bool(data["answered"])
    data["passages"] = json.loads(data["passages"])
    data["time_iso"] = time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(data["time"]))
    return data


def _bounded(value: str | None) -> str | None:
    return value[:MAX_FIELD] if value else None


def _cell(text: str | None) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (=, +, -, @, a tab at the start)."""
    text = text or ""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def origin_of(headers: Mapping[str, str], client: str | None, source: str) -> Origin:
    """An `Origin` from request headers and the client address."""
    return Origin(source=source, site=headers.get("origin"), page=headers.get("referer"), ip=client)


class Recorder:
    """What the chat, the API and the widget call: log a question, and take a visitor's 👍/👎 on it.

    A visitor gets a feedback token for each answer, `id.signature`: the signature (an HMAC with a
    secret of this server process) stops anyone from rating questions they did not ask.
    """

    def __init__(self, log: Conversations) -> None:
        """Args: log: where questions are kept."""
        self.log = log
        self._secret = secrets.token_bytes(32)

    def record(self, answer: Answer, source: str, headers: Mapping[str, str], client: str | None) -> str:
        """Log one answer (from `source`, with the request's headers and client address); returns its feedback token."""
        ask_id = self.log.record(answer, origin_of(headers, client, source))
        return f"{ask_id}.{self._sign(ask_id)}"

    def rate(self, token: str, liked: bool | None) -> bool:
        """Apply 👍 (True), 👎 (False) or no rating (None) to the question of `token`; False for a bad token."""
        ask_id, _, signature = str(token).partition(".")
        if not ask_id.isdigit() or not hmac.compare_digest(signature, self._sign(int(ask_id))):
            return False
        return self.log.rate(int(ask_id), liked)

    def _sign(self, ask_id: int) -> str:
        return hmac.new(self._secret, str(ask_id).encode(), hashlib.sha256).hexdigest()[:20]
