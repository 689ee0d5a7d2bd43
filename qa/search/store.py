"""The vector store interface, and FAISS as its first backend."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np


class VectorStore(Protocol):
    """Vectors keyed by integer ids, searched by inner product."""

    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add `vectors` (n, dim) under `ids` (n,)."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) for one query vector, best first."""
        ...

    def remove(self, ids: np.ndarray) -> int:
        """Remove `ids`; returns how many were present."""
        ...

    def count(self) -> int:
        """Number of stored vectors."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids` (n, dim), in that order."""
        ...

    def save(self, path: Path) -> None:
        """Write the store to the file `path`."""
        ...


class FaissStore:
    """Exact inner-product search over an id-mapped FAISS index (real removal)."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        """Args: dim: vector size. index: an existing index (from `load`)."""
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and inner products; missing slots (-1) are dropped."""
        k = min(k, self.count())
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids from the index for good."""
        return int(self.index.remove_ids(np.asarray(ids, dtype=np.int64)))  # type: ignore[arg-type]

    def count(self) -> int:
        """Number of vectors."""
        return int(self.index.ntotal)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id (IndexIDMap2 keeps the id → position map that makes this possible)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(ids), dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write with FAISS's own format."""
        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path) -> FaissStore:
        """Read a store written by `save`."""
        index = faiss.read_index(str(path))
        return cls(index.d, index)
