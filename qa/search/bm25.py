"""Okapi BM25 over pre-tokenized passages, scored with a sparse matrix."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse


class BM25:
    """BM25 with term weights precomputed at build time.

    Scoring a query is a sum of a few sparse columns: no Python loop over
    the corpus. Rows are passage positions 0..n-1.
    """

    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        """Args: k1, b: the usual BM25 parameters."""
        self.k1 = k1
        self.b = b
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.matrix = sparse.csc_matrix((0, 0), dtype=np.float32)

    def build(self, docs: Sequence[Sequence[str]]) -> BM25:
        """Index token lists; returns self."""
        counts = [Counter(tokens) for tokens in docs]
        vocab: dict[str, int] = {}
        for c in counts:
            for term in c:
                vocab.setdefault(term, len(vocab))
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float32)
        avg = float(lengths.mean()) if len(lengths) and lengths.mean() > 0 else 1.0
        rows, cols, tfs = [], [], []
        for row, c in enumerate(counts):
            for term, tf in c.items():
                rows.append(row)
                cols.append(vocab[term])
                tfs.append(tf)
        n = len(counts)
        tf_arr = np.array(tfs, dtype=np.float32)
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=len(vocab)).astype(np.float32)
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        norm = self.k1 * (1 - self.b + self.b * lengths[np.array(rows, dtype=np.int64)] / avg)
        weight = self.idf[np.array(cols, dtype=np.int64)] * tf_arr * (self.k1 + 1) / (tf_arr + norm)
        self.matrix = sparse.csc_matrix((weight, (rows, cols)), shape=(n, len(vocab)), dtype=np.float32)
        self.vocab = vocab
        return self

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for `query` tokens (repeats count once)."""
        cols = sorted({self.vocab[t] for t in query if t in self.vocab})
        if not cols:
            return np.zeros(self.matrix.shape[0], dtype=np.float32)
        return np.asarray(self.matrix[:, cols].sum(axis=1), dtype=np.float32).ravel()

    def search(self, query: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores) with a positive score, best first."""
        scores = self.scores(query)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]

    def idf_of(self, term: str) -> float:
        """The idf of a term (0 when unseen)."""
        col = self.vocab.get(term)
        return float(self.idf[col]) if col is not None else 0.0

    def save(self, folder: Path, name: str = "bm25") -> list[str]:
        """Write `name.npz` and `name.json`; returns the file names."""
        sparse.save_npz(folder / f"{name}.npz", self.matrix, compressed=False)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"k1": self.k1, "b": self.b, "terms": terms, "idf": [float(x) for x in self.idf]}
        (folder / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return [f"{name}.npz", f"{name}.json"]

    @classmethod
    def load(cls, folder: Path, name: str = "bm25") -> BM25:
        """Read what `save` wrote."""
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        bm25 = cls(meta["k1"], meta["b"])
        bm25.vocab = {t: i for i, t in enumerate(meta["terms"])}
        bm25.idf = np.array(meta["idf"], dtype=np.float32)
        bm25.matrix = sparse.csc_matrix(sparse.load_npz(folder / f"{name}.npz"), dtype=np.float32)
        return bm25
