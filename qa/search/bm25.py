"""Okapi BM25 over pre-tokenized passages, scored with a sparse matrix.

The term counts are kept next to the weights, so that passages can be
removed, added or re-tokenized without tokenizing the others again; the
weights (which depend on every passage through idf and the mean length)
are then recomputed in a few vectorised operations.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from qa.text.normalize import is_cjk
from qa.text.tokenize import in_order


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
        self._ends: dict[tuple[str, str], list[str]] = {}  # vocabulary words by first and last character
        self._ends_key: tuple[int, int] | None = None
        self.idf = np.zeros(0, dtype=np.float32)
        self.counts = sparse.csr_matrix((0, 0), dtype=np.float32)  # term counts, rows × vocab
        self.matrix = sparse.csc_matrix((0, 0), dtype=np.float32)  # BM25 weights, same shape

    def build(self, docs: Sequence[Sequence[str]]) -> BM25:
        """Index token lists (replacing anything indexed before); returns self."""
        self.vocab = {}
        self.counts = self._rows(docs)
        self._weigh()
        return self

    def add(self, docs: Sequence[Sequence[str]]) -> None:
        """Append token lists as new rows at the end."""
        self.append([self.count(docs)])

    def count(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Term counts of `docs` (growing the vocabulary), to `append` later: lets a caller
        tokenize a slice at a time without keeping every token list."""
        return self._rows(docs)

    def append(self, parts: Sequence[sparse.csr_matrix]) -> None:
        """Append count matrices made by `count`, in order, as new rows."""
        self.counts = sparse.vstack([self._widen(m) for m in [self.counts, *parts]], format="csr")
        self._weigh()

    def keep(self, rows: np.ndarray) -> None:
        """Keep only `rows` (positions, in order); the others are removed for good."""
        self.counts = self.counts[np.asarray(rows, dtype=np.int64)]
        self._weigh()

    def replace(self, rows: Sequence[int], docs: Sequence[Sequence[str]]) -> None:
        """Re-index rows `rows` with new token lists (after the tokenizer's dictionary changed)."""
        if not len(rows):
            return
        new = self._rows(docs).tocoo()
        old = self._widen(self.counts).tocoo()
        drop = np.isin(old.row, np.asarray(rows))
        position = np.asarray(rows, dtype=np.int64)[new.row]
        self.counts = sparse.csr_matrix(
            (
                np.concatenate([old.data[~drop], new.data]),
                (np.concatenate([old.row[~drop], position]), np.concatenate([old.col[~drop], new.col])),
            ),
            shape=old.shape,
            dtype=np.float32,
        )
        self._weigh()

    def _rows(self, docs: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        """Count matrix of `docs`, growing the vocabulary with their new terms."""
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        for row, tokens in enumerate(docs):
            for term, tf in Counter(tokens).items():
                rows.append(row)
                cols.append(self.vocab.setdefault(term, len(self.vocab)))
                tfs.append(tf)
        return sparse.csr_matrix(
            (np.array(tfs, dtype=np.float32), (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64))),
            shape=(len(docs), len(self.vocab)),
            dtype=np.float32,
        )

    def _widen(self, matrix: sparse.csr_matrix) -> sparse.csr_matrix:
        """`matrix` with columns for terms added to the vocabulary since it was made."""
        matrix = matrix.tocsr()
        matrix.resize((matrix.shape[0], len(self.vocab)))
        return matrix

    def _weigh(self) -> None:
        """Drop terms no row uses, then recompute idf and the weight matrix from the counts."""
        counts = self._widen(self.counts)
        counts.sum_duplicates()
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        used = np.flatnonzero(df > 0)
        if len(used) < counts.shape[1]:
            terms = sorted(self.vocab, key=self.vocab.__getitem__)
            self.vocab = {terms[i]: j for j, i in enumerate(used.tolist())}
            counts = counts[:, used].tocsr()
            df = df[used]
        n = counts.shape[0]
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        avg = float(lengths.mean()) if n and lengths.mean() > 0 else 1.0
        self.idf = np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)
        row_of = np.repeat(np.arange(n), np.diff(counts.indptr))
        tf = counts.data
        norm = self.k1 * (1 - self.b + self.b * lengths[row_of] / avg)
        weight = self.idf[counts.indices] * tf * (self.k1 + 1) / (tf + norm)
        self.counts = counts
        self.matrix = sparse.csr_matrix(
            (weight.astype(np.float32), counts.indices, counts.indptr), shape=counts.shape, dtype=np.float32
        ).tocsc()

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every passage for `query` tokens (repeats count once)."""
        out = np.zeros(self.matrix.shape[0], dtype=np.float32)
        matrix = self.matrix  # by column: a term's postings are one slice, each row at most once
        for col in sorted({self.vocab[t] for t in query if t in self.vocab}):
            a, b = matrix.indptr[col], matrix.indptr[col + 1]
            out[matrix.indices[a:b]] += matrix.data[a:b]
        return out

    def search(self, query: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (rows, scores) with a positive score, best first."""
        scores = self.scores(query)
        k = min(k, int((scores > 0).sum()))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top]

    def abbreviated(self, term: str) -> str | None:
        """The corpus word that `term`, a Chinese word the corpus never uses, shortens: one that begins with its
        first character, ends with its last, holds its characters in order and is at most two longer
        (租期 → 租赁期, 电动车 → 电动自行车); the most common such word, or None."""
        if not 2 <= len(term) <= 4 or not all(is_cjk(c) for c in term):
            return None
        key = (id(self.vocab), len(self.vocab))
        if self._ends_key != key:  # the vocabulary changed (built, loaded, added to): index its words again
            ends: dict[tuple[str, str], list[str]] = {}
            for word in self.vocab:
                if 3 <= len(word) <= 7 and all(is_cjk(c) for c in word):
                    ends.setdefault((word[0], word[-1]), []).append(word)
            self._ends, self._ends_key = ends, key
        found = [
            w
            for w in self._ends.get((term[0], term[-1]), ())
            if len(term) < len(w) <= len(term) + 2 and in_order(term, w)
        ]
        return min(found, key=lambda w: (self.idf_of(w), w), default=None)

    def idf_of(self, term: str) -> float:
        """The idf of a term (0 when unseen)."""
        col = self.vocab.get(term)
        return float(self.idf[col]) if col is not None else 0.0

    def save(self, folder: Path, name: str = "bm25") -> list[str]:
        """Write `name.npz` (weights), `name-counts-*.npy` and `name.json`; returns the file names."""
        sparse.save_npz(folder / f"{name}.npz", self.matrix, compressed=False)
        counts = self.counts.tocsr()
        parts = {"data": counts.data, "indices": counts.indices, "indptr": counts.indptr}
        for part, array in parts.items():
            with (folder / f"{name}-counts-{part}.npy").open("wb") as handle:
                np.save(handle, array)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        meta = {"k1": self.k1, "b": self.b, "terms": terms, "idf": [float(x) for x in self.idf]}
        (folder / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return [f"{name}.npz", *(f"{name}-counts-{part}.npy" for part in parts), f"{name}.json"]

    @classmethod
    def load(cls, folder: Path, name: str = "bm25") -> BM25:
        """Read what `save` wrote."""
        meta = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        bm25 = cls(meta["k1"], meta["b"])
        bm25.vocab = {t: i for i, t in enumerate(meta["terms"])}
        bm25.idf = np.array(meta["idf"], dtype=np.float32)
        bm25.matrix = sparse.csc_matrix(sparse.load_npz(folder / f"{name}.npz"), dtype=np.float32)
        # The counts are only needed to change the index (`qa index`): memory-mapped, they cost a
        # server no memory until then.
        parts = [np.load(folder / f"{name}-counts-{part}.npy", mmap_mode="r") for part in ("data", "indices", "indptr")]
        bm25.counts = sparse.csr_matrix(tuple(parts), shape=bm25.matrix.shape, copy=False)
        sizes = {len(bm25.idf), len(bm25.vocab), bm25.matrix.shape[1]}
        if bm25.matrix.shape != bm25.counts.shape or len(sizes) != 1:
            raise ValueError("BM25 parts disagree / BM25 各部分大小不一致")
        return bm25
