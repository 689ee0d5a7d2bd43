"""What the site owner decided in the console: passages turned off, pinned answers, out-of-scope questions.

Kept in one JSON file under the index folder, outside any build, so that it survives re-indexing:
a passage is named by its file and the hash of its text (a passage whose text did not change keeps
its setting, whatever row or id it gets), and a pinned answer or an out-of-scope question by its
text and its vector (its paraphrases match it by cosine). The answerer asks an `Overrides` which
rows it must never quote and which it must put first (`qa.answer.engine.Policy`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np

from qa.search.index import Index

PIN_SIMILARITY = 0.9  # cosine of a question with a pinned one above which it is a paraphrase of it
MAX_ENTRIES = 5000  # pins, out-of-scope questions or turned-off passages kept at most, each


def passage_key(path: str, text: str) -> str:
    """A passage's name that outlives re-indexing: its file and the hash of its text."""
    return f"{path}#{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"


class Overrides:
    """The owner's decisions, read and written as one JSON file (thread-safe)."""

    def __init__(self, path: Path) -> None:
        """Args: path: the JSON file (created on the first change)."""
        self.path = path
        self._lock = threading.Lock()
        self._data = self._read()
        self._rows: tuple[int, frozenset[int], dict[str, int]] | None = None  # (id(index), blocked rows, rows by key)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return {
            "disabled": list(data.get("disabled", [])),
            "pins": list(data.get("pins", [])),
            "out_of_scope": list(data.get("out_of_scope", [])),
        }

    def _write(self) -> None:
        """Write the file atomically (a crash leaves the previous version)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".overrides-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self._data, handle, ensure_ascii=False)
        os.replace(tmp, self.path)
        self._rows = None

    # passages turned off -----------------------------------------------------------------------

    def disabled(self) -> set[str]:
        """Keys of the passages turned off."""
        return set(self._data["disabled"])

    def set_enabled(self, key: str, enabled: bool) -> None:
        """Turn a passage (by `passage_key`) on or off."""
        with self._lock:
            keys = [k for k in self._data["disabled"] if k != key]
            self._data["disabled"] = keys if enabled else [*keys, key][-MAX_ENTRIES:]
            self._write()

    # pinned answers and out-of-scope questions ----------------------------------------------------

    def pins(self) -> list[dict[str, Any]]:
        """Pinned answers: {question, key, title, quote} (vectors left out)."""
        return [{k: v for k, v in p.items() if k != "vector"} for p in self._data["pins"]]

    def pin(self, question: str, vector: np.ndarray, key: str, title: str = "", quote: str = "") -> None:
        """Make passage `key` the answer to `question` and its paraphrases (replacing an earlier pin of it)."""
        entry = {"question": question, "vector": _floats(vector), "key": key, "title": title, "quote": quote}
        with self._lock:
            kept = [p for p in self._data["pins"] if p["question"] != question]
            self._data["pins"] = [*kept, entry][-MAX_ENTRIES:]
            self._write()

    def unpin(self, question: str) -> bool:
        """Remove the pin of `question`; False when there was none."""
        with self._lock:
            kept = [p for p in self._data["pins"] if p["question"] != question]
            found = len(kept) != len(self._data["pins"])
            self._data["pins"] = kept
            self._write()
        return found

    def out_of_scope(self) -> list[str]:
        """Questions the owner marked as out of scope (their groups leave the report)."""
        return [q["question"] for q in self._data["out_of_scope"]]

    def mark_out_of_scope(self, question: str, vector: np.ndarray) -> None:
        """Mark `question` (and its paraphrases) as out of scope."""
        with self._lock:
            kept = [q for q in self._data["out_of_scope"] if q["question"] != question]
            self._data["out_of_scope"] = [*kept, {"question": question, "vector": _floats(vector)}][-MAX_ENTRIES:]
            self._write()

    def is_out_of_scope(self, vector: np.ndarray) -> bool:
        """True when a question (by its vector) paraphrases one marked out of scope."""
        return _best(self._data["out_of_scope"], vector)[1] >= PIN_SIMILARITY

    # what the answerer asks ----------------------------------------------------------------------

    def _index_rows(self, index: Index) -> tuple[frozenset[int], dict[str, int]]:
        cached = self._rows
        if cached is not None and cached[0] == id(index):
            return cached[1], cached[2]
        docs = index.documents
        keys = {passage_key(docs[p.doc_id].path, p.text): row for row, p in enumerate(index.passages)}
        off = self.disabled()
        blocked = frozenset(row for key, row in keys.items() if key in off)
        self._rows = (id(index), blocked, keys)
        return blocked, keys

    def blocked_rows(self, index: Index) -> frozenset[int]:
        """Rows of `index` that must never be quoted."""
        return self._index_rows(index)[0]

    def row_of(self, index: Index, key: str) -> int | None:
        """The row of `index` that passage `key` is now, or None when its text is gone."""
        return self._index_rows(index)[1].get(key)

    def pinned_rows(self, index: Index, vector: np.ndarray) -> list[int]:
        """The pinned passage of the closest pinned question, when this question paraphrases it."""
        pin, similarity = _best(self._data["pins"], vector)
        if pin is None or similarity < PIN_SIMILARITY:
            return []
        row = self.row_of(index, pin["key"])
        return [] if row is None or row in self.blocked_rows(index) else [row]


def _floats(vector: np.ndarray) -> list[float]:
    return [round(float(x), 5) for x in np.asarray(vector, dtype=np.float32).ravel()]


def _best(entries: list[dict[str, Any]], vector: np.ndarray) -> tuple[dict[str, Any] | None, float]:
    """The entry whose vector is closest to `vector` (cosine; vectors are unit length), and that cosine."""
    if not entries:
        return None, -1.0
    matrix = np.array([e["vector"] for e in entries], dtype=np.float32)
    if matrix.shape[1] != np.asarray(vector).size:  # vectors of another model: they mean nothing here
        return None, -1.0
    sims = matrix @ np.asarray(vector, dtype=np.float32).ravel()
    at = int(np.argmax(sims))
    return entries[at], float(sims[at])
