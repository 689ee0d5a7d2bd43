"""FAISS as a vector store backend: an index file in the build folder, its type chosen by size.

The FAISS index type follows the corpus size (`plan`): exact inner product
over float32 vectors below EXACT_BELOW, then a scan of 4-bit product-quantizer
codes whose shortlist is re-ranked on float16 codes. On m3e-small's vectors a
question's ten nearest passages are a near-tie among hundreds (the vectors
crowd into a narrow cone): 8-bit codes alone cap recall@10 below 0.99, and
inverted lists (IVF, still built on request and read) must probe a quarter of
the corpus; float16 re-ranking keeps recall at 0.99 (`bench/faiss_types.py`
measures exact, 8-bit, IVF and product quantization side by side). Every type
removes vectors for good and gives stored vectors back by id; the type and its
parameters go into the manifest.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import faiss
import numpy as np

FILE = "vectors.faiss"

# Below this many vectors exact float32 search costs about as much as the rest of a question
# (`bench/faiss_types.py`), and needs no training.
EXACT_BELOW = 10_000
PARALLEL_ABOVE = 300_000  # a single search uses every core above this many vectors (one core below)
IVF_TRAIN_PER_LIST = 40  # training vectors per inverted list (FAISS warns below 39)
PQ_PART = 2  # dimensions per 4-bit product-quantizer code (m3e-small: 256 codes, 128 bytes a vector)
PQ_RERANK = 40  # the shortlist, k times this, re-ranked on float16 vectors
PQ_TRAIN = 65_536  # training vectors for the product quantizer (16 centroids per part)
PQ_CODES = 16  # centroids per part (4 bits)


def plan(n: int) -> dict[str, Any]:
    """The index type for `n` vectors: {"type": "flat"} (exact inner products) below EXACT_BELOW,
    else {"type": "pq-fp16", "part", "rerank"}: every vector's 4-bit product-quantizer code (one
    per `part` dimensions) scanned with SIMD for a shortlist of `rerank`·k, re-ranked on the
    vectors' float16 codes.

    The vectors crowd into a narrow cone, so a question's ten nearest are a near-tie among
    many: inverted lists had to probe a quarter of a 100,000-vector index to find them, while
    the product-quantizer scan reads 128 bytes per vector and its float16 re-ranking keeps
    recall@10 near 0.99 (`bench/faiss_types.py` measures both, docs/benchmarks.md).
    Inverted lists ("ivf-fp16") are still built on request (`make_store(spec=…)`) and read.
    """
    if n < EXACT_BELOW:
        return {"type": "flat"}
    return {"type": "pq-fp16", "part": PQ_PART, "rerank": PQ_RERANK}


class FaissStore:
    """Inner-product search over an id-mapped FAISS index (real removal): exact, product-quantizer
    codes re-ranked on float16 codes, or IVF."""

    NAME: ClassVar[str] = "faiss"

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        """Args: dim: vector size. index: an existing index (from `load` or `make_store`); default exact."""
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def _inner(self) -> Any:
        """The index inside the id map (or the index itself, IVF keeping ids in its lists), as its own class."""
        return faiss.downcast_index(self.index.index if isinstance(self.index, faiss.IndexIDMap) else self.index)

    def describe(self) -> dict[str, Any]:
        """The index type and its parameters, as `plan` gives them (for the manifest)."""
        inner = self._inner()
        if isinstance(inner, faiss.IndexRefine):
            base: Any = faiss.downcast_index(inner.base_index)
            codes = int(base.pq.M)
            return {"type": "pq-fp16", "part": self.dim // codes, "rerank": int(inner.k_factor)}
        if isinstance(inner, faiss.IndexIVFScalarQuantizer):
            kind = "ivf-fp16" if inner.sq.qtype == faiss.ScalarQuantizer.QT_fp16 else "ivf-sq8"
            return {"type": kind, "nlist": int(inner.nlist), "nprobe": int(inner.nprobe)}
        if isinstance(inner, faiss.IndexScalarQuantizer):
            return {"type": "sq8"}
        return {"type": "flat"}

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their ids."""
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and inner products; missing slots (-1) are dropped."""
        k = min(k, self.count())
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # One thread for a small index: a question is one vector, concurrent requests already use
        # every core, and OpenMP threads waiting for a busy core made searches 5–10× slower here.
        faiss.omp_set_num_threads((os.cpu_count() or 1) if self.count() > PARALLEL_ABOVE else 1)
        scores, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids from the index for good (codes and vectors both)."""
        ids = np.asarray(ids, dtype=np.int64)
        mapped: Any = self.index
        inner = self._inner()
        if not isinstance(inner, faiss.IndexRefine):  # FAISS removes for itself (made in an IndexIDMap2)
            return int(mapped.remove_ids(ids))
        # FAISS's refine index has no removal of its own; its two parts do (each keeps the order of
        # what stays), so remove the same positions from both and drop them from the id map.
        id_map = faiss.vector_to_array(mapped.id_map)
        gone = np.isin(id_map, ids)
        if not gone.any():
            return 0
        positions = np.flatnonzero(gone).astype(np.int64)
        for part in (inner.base_index, inner.refine_index):
            part.remove_ids(faiss.IDSelectorBatch(len(positions), faiss.swig_ptr(positions)))
        inner.ntotal = inner.base_index.ntotal
        kept = np.ascontiguousarray(id_map[~gone])
        mapped.id_map.clear()
        faiss.copy_array_to_vector(kept, mapped.id_map)
        mapped.ntotal = len(kept)
        mapped.construct_rev_map()
        return int(gone.sum())

    def count(self) -> int:
        """Number of vectors."""
        return int(self.index.ntotal)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id (IndexIDMap2 keeps the id → position map that makes this possible)."""
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(ids), dtype=np.float32)

    def save(self, folder: Path) -> list[str]:
        """Write `vectors.faiss` (FAISS's own format) into the build folder."""
        faiss.write_index(self.index, str(Path(folder) / FILE))
        return [FILE]

    @classmethod
    def load(cls, folder: Path, options: Mapping[str, str] | None = None) -> FaissStore:
        """Read the store `save` wrote into `folder`."""
        index = faiss.read_index(str(Path(folder) / FILE))
        return cls(index.d, index)

    def close(self) -> None:
        """Nothing to release: the index is in memory."""

    def planned(self, n: int) -> dict[str, Any] | None:
        """`plan(n)` when this index is of another type, else None."""
        return None if self.suits(self.describe(), n) else plan(n)

    def refit(self, ids: np.ndarray) -> FaissStore:
        """This store when its type suits holding `ids`, else its vectors in the type that does (`refit`)."""
        return refit(self, ids)

    @classmethod
    def create(cls, dim: int, index_dir: Path | None = None, options: Mapping[str, str] | None = None) -> FaissStore:
        """An empty exact store (a full build moves it to the type its size calls for when it ends)."""
        return cls(dim)

    @classmethod
    def suits(cls, described: Mapping[str, Any], n: int) -> bool:
        """Whether a FAISS index described as `describe` does suits `n` vectors: the type `plan(n)`
        gives, with its shortlist size."""
        want = plan(n)
        return described.get("type") == want["type"] and described.get("rerank") == want.get("rerank")

    @classmethod
    def label(cls, described: Mapping[str, Any]) -> str:
        """A FAISS index type in a few words: "pq-fp16 ×40" (shortlist k × 40), "ivf-fp16 4096/256"
        (lists / probed), or "flat"."""
        if "rerank" in described:
            return f"{described['type']} ×{described['rerank']}"
        if "nlist" in described:
            return f"{described['type']} {described['nlist']}/{described['nprobe']}"
        return str(described["type"])

    @classmethod
    def discard(cls, build: Path, kept: Sequence[Path], options: Mapping[str, str] | None = None) -> None:
        """Nothing outside the build folder to release: the index file goes with the folder."""


def make_store(dim: int, n: int, train: np.ndarray | None = None, spec: dict[str, Any] | None = None) -> FaissStore:
    """An empty store of the type `plan(n)` (or `spec`) gives.

    Args:
        dim: vector size.
        n: how many vectors it will hold.
        train: vectors to fit the quantizer on (a sample is taken); needed unless exact.
        spec: an explicit type: "flat", "sq8", "pq-fp16" with part and rerank, or "ivf-fp16" / "ivf-sq8"
            with nlist and nprobe (benchmarks compare them).
    """
    spec = spec or plan(n)
    if spec["type"] == "flat":
        return FaissStore(dim)
    if train is None or not len(train):
        raise ValueError("a quantized index needs training vectors")
    rng = np.random.default_rng(0)
    inner: Any
    if spec["type"] == "pq-fp16":
        # A shortlist by 4-bit product-quantizer codes scanned with SIMD ("fast scan"), re-ranked on
        # the float16 codes of its vectors, which also give stored vectors back.
        part = spec["part"] if dim % spec["part"] == 0 else 1
        pq: Any = faiss.IndexPQFastScan(dim, dim // part, 4, faiss.METRIC_INNER_PRODUCT)
        pq.pq.cp.min_points_per_centroid = 1  # 16 centroids per part: any sample of 16 or more will do
        sample = _sample(train, PQ_TRAIN, rng)
        if len(sample) < PQ_CODES:  # a tiny store (tests): repeated, its shortlist holds every vector anyway
            sample = np.tile(sample, (-(-PQ_CODES // len(sample)), 1))
        pq.train(np.ascontiguousarray(sample, dtype=np.float32))
        codes: Any = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        refine = faiss.IndexRefine(pq, codes)
        refine.own_fields = True  # the refine index frees its parts; Python must not free them too
        pq.this.disown()
        codes.this.disown()
        refine.k_factor = float(spec["rerank"])
        return FaissStore(dim, faiss.IndexIDMap2(refine))
    if spec["type"] == "sq8":
        inner = faiss.IndexScalarQuantizer(dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT)
        limit = 100_000
    else:
        code = faiss.ScalarQuantizer.QT_fp16 if spec["type"] == "ivf-fp16" else faiss.ScalarQuantizer.QT_8bit
        inner = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(dim), dim, spec["nlist"], code, faiss.METRIC_INNER_PRODUCT
        )
        inner.nprobe = spec["nprobe"]
        inner.cp.spherical = True  # unit-length centroids: lists balanced on vectors that share one direction
        # From 10,000 vectors on, 4·√n lists get about 20 vectors each: enough (recall above), so FAISS
        # need not print its warning about fewer than 39 per list to `qa index`'s user.
        inner.cp.min_points_per_centroid = 16
        inner.by_residual = False  # codes of the vectors themselves: one range for all, none clipped far
        limit = spec["nlist"] * IVF_TRAIN_PER_LIST
    if spec["type"] != "ivf-fp16":
        # Each dimension's range is the sample's, widened by a fifth each way: vectors added later
        # (incremental updates) are rarely clipped, for 1.4× coarser steps.
        inner.sq.rangestat = faiss.ScalarQuantizer.RS_minmax
        inner.sq.rangestat_arg = 0.2
    inner.train(np.ascontiguousarray(_sample(train, limit, rng), dtype=np.float32))
    if spec["type"] == "sq8":
        return FaissStore(dim, faiss.IndexIDMap2(inner))  # ids → positions: removal, vectors back by id
    # An IVF index keeps ids in its lists itself; a hash-table direct map finds a vector by id.
    inner.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]
    return FaissStore(dim, inner)


def _sample(train: np.ndarray, limit: int, rng: np.random.Generator) -> np.ndarray:
    """`train`, or `limit` of its rows drawn at random (in their order) when it has more."""
    return train if len(train) <= limit else train[np.sort(rng.choice(len(train), limit, replace=False))]


def refit(store: FaissStore, ids: np.ndarray) -> FaissStore:
    """`store` itself when its type suits its size, else its vectors moved into a store that does.

    A corpus that grows past EXACT_BELOW moves to product-quantizer codes, one built
    by an earlier version with inverted lists moves to them too, and one that shrinks
    below the threshold goes back to exact vectors.
    """
    if FaissStore.suits(store.describe(), len(ids)):
        return store
    want = plan(len(ids))
    vectors = store.vectors(ids)
    fresh = make_store(store.dim, len(ids), train=vectors, spec=want)
    for at in range(0, len(ids), 65536):
        fresh.add(ids[at : at + 65536], vectors[at : at + 65536])
    return fresh
