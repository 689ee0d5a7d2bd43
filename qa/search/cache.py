"""A vector cache on disk, so evaluation and calibration encode each text once per model.

Encoding is the slow part of building an index (minutes for thousands of
articles on two cores); an evaluation run rebuilds its temporary index every
time, so its vectors are kept in one SQLite file keyed by model and text.
Misses are encoded and committed in chunks: an interrupted run keeps what it
finished and the next run resumes there.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qa.search.encoder import Encoder

CHUNK = 256  # texts encoded (and committed) at a time
_LOOKUP = 500  # keys per SELECT (SQLite's parameter limit is higher, but be modest)


class CachedEncoder:
    """An `Encoder` that looks texts up in a cache file before encoding them."""

    def __init__(self, encoder: Encoder, path: Path) -> None:
        """Args: encoder: the real encoder. path: the SQLite file (created when missing)."""
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path))
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vec BLOB NOT NULL)")

    def _key(self, text: str) -> bytes:
        return hashlib.sha1(f"{self.name}\n{text}".encode()).digest()

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Vectors of `texts`: cached ones read, the others encoded and stored."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        keys = [self._key(t) for t in texts]
        found = self._lookup(list(dict.fromkeys(keys)))
        missing: dict[bytes, str] = {}
        for row, key in enumerate(keys):
            if key in found:
                out[row] = found[key]
            else:
                missing.setdefault(key, texts[row])
        if missing:
            fresh = self._encode_missing(missing, progress)
            for row, key in enumerate(keys):
                if key in fresh:
                    out[row] = fresh[key]
        return out

    def _lookup(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        for i in range(0, len(keys), _LOOKUP):
            part = keys[i : i + _LOOKUP]
            marks = ",".join("?" * len(part))
            for key, blob in self._db.execute(f"SELECT key, vec FROM vectors WHERE key IN ({marks})", part):
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape == (self.dim,):
                    found[bytes(key)] = vec
        return found

    def _encode_missing(self, missing: dict[bytes, str], progress: bool) -> dict[bytes, np.ndarray]:
        # Sort by length so that each chunk pads little (as sentence-transformers does within one call).
        items = sorted(missing.items(), key=lambda kv: len(kv[1]))
        fresh: dict[bytes, np.ndarray] = {}
        bar = tqdm(total=len(items), desc="编码 / encoding", unit="text", disable=not progress)
        for i in range(0, len(items), CHUNK):
            part = items[i : i + CHUNK]
            vectors = self.encoder.encode([text for _, text in part])
            rows = [(key, vec.astype(np.float32).tobytes()) for (key, _), vec in zip(part, vectors)]
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            fresh.update((key, vec) for (key, _), vec in zip(part, vectors))
            bar.update(len(part))
        bar.close()
        return fresh

    def close(self) -> None:
        """Close the cache file."""
        self._db.close()


def default_cache_path(folder: Path | None = None) -> Path:
    """`folder/vectors.sqlite` (QA_CACHE_DIR), else `~/.cache/qa-zh/vectors.sqlite`."""
    base = folder or Path.home() / ".cache" / "qa-zh"
    return base / "vectors.sqlite"
