"""Which FAISS index type at which size: latency and recall@10 against exact search.

    .venv/bin/python bench/faiss_types.py                     # 13k (real), 50k, 100k, 300k, 1M
    .venv/bin/python bench/faiss_types.py --sizes 13078,100000

Vectors: the base set's real passage vectors (bench/scale.py), then the
pooled vectors of varied passages up to each size (a base passage with one
to three sentences swapped; its vector the normalised mean of its sentences'
real vectors), the same ones bench/latency.py searches. Queries: the real vectors of the CMRC 2018 test-half
questions (Cui et al., 2019, CC BY-SA 4.0). For each size: exact search
(IndexFlatIP), an exhaustive scan of 8-bit codes, a scan of 4-bit
product-quantizer codes re-ranked on float16 codes at several shortlist sizes
(plan()), and IVF (spherical k-means) over float16 codes with √n lists and with
4·√n lists at several probe counts (the earlier choices), all built by
`qa.search.faiss_store.make_store` and searched on one thread; recall@10 is the share of the exact top 10 found in the top
10. `qa.search.faiss_store.plan` is the setting chosen from this table. Prints one
table, writes bench/results/faiss_types.json.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import faiss  # noqa: E402
import numpy as np  # noqa: E402
from report import save  # noqa: E402
from scale import base_index, pooled_vectors, questions, variations  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.search import builds  # noqa: E402
from qa.search.cache import CachedEncoder, default_cache_path  # noqa: E402
from qa.search.encoder import make_encoder  # noqa: E402
from qa.search.faiss_store import make_store, plan  # noqa: E402
from qa.search.index import Index, encoder_input  # noqa: E402


def vectors_of_size(base: Index, n: int, seed: int = 0) -> np.ndarray:
    """The base passages' real vectors, then the pooled vectors of varied passages up to `n`
    (exactly those `bench/scale.py` gives the varied passages of the latency benchmark)."""
    real = base.store.vectors(base.ids)
    extra = n - len(real)
    if extra <= 0:
        return real[:n]
    _, _, first, picks = variations(base.sentences, extra, np.random.default_rng(seed))
    out = np.empty((n, real.shape[1]), np.float32)
    out[: len(real)] = real
    for a in range(0, extra, 65536):  # a slice at a time: 1M passages' sentence vectors are gigabytes
        b = min(extra, a + 65536)
        part = np.asarray(base.sentences.vectors[picks[first[a] : first[b]]])
        out[len(real) + a : len(real) + b] = pooled_vectors(part, first[a : b + 1] - first[a])
    return out


def timed_search(index: faiss.Index, queries: np.ndarray, k: int = 10) -> tuple[np.ndarray, list[float]]:
    """Top-k ids one query at a time (as `ask()` searches), with each query's milliseconds."""
    found = np.zeros((len(queries), k), np.int64)
    times = []
    for i, q in enumerate(queries):
        started = time.perf_counter()
        _, ids = index.search(q.reshape(1, -1), k)
        times.append((time.perf_counter() - started) * 1000)
        found[i] = ids[0]
    return found, times


def recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(found.tolist(), exact.tolist())]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="13078,50000,100000,300000,1000000")
    parser.add_argument("--questions", type=int, default=300)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "faiss_types.json"))
    args = parser.parse_args()
    settings = Settings()
    model = make_encoder(settings)
    base = builds.load(base_index(model))
    encoder = CachedEncoder(model, default_cache_path(settings.cache_dir))
    queries = encoder.encode([encoder_input(q.text) for q in questions("test")][: args.questions])
    faiss.omp_set_num_threads(1)  # as a server searches (qa.search.faiss_store.FaissStore.search)
    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        data = vectors_of_size(base, n)
        flat = faiss.IndexFlatIP(data.shape[1])
        flat.add(data)
        exact, times = timed_search(flat, queries)
        rows.append({"n": n, "type": "flat", "recall@10": 1.0, **_ms(times), "mb": round(data.nbytes / 2**20)})
        print(_line(rows[-1]), flush=True)
        chosen = plan(n)
        sample = data[np.random.default_rng(0).choice(n, min(n, 100_000), replace=False)]
        started = time.perf_counter()
        sq8 = make_store(data.shape[1], n, train=sample, spec={"type": "sq8"}).index
        sq8.add_with_ids(data, np.arange(n))
        build = time.perf_counter() - started
        mb = round(n * data.shape[1] / 2**20)
        rows.append(_measured(sq8, queries, exact, build, mb, chosen["type"] == "sq8", n=n, type="sq8"))
        del sq8
        # Product-quantizer codes re-ranked on float16 codes (plan()), several shortlist sizes.
        for rerank in (10, 20, 40, 80):
            spec = {"type": "pq-fp16", "part": 2, "rerank": rerank}
            started = time.perf_counter()
            pq = make_store(data.shape[1], n, train=data, spec=spec).index
            pq.add_with_ids(data, np.arange(n))
            build = time.perf_counter() - started
            mb = round((data.shape[1] // 4 + 2 * data.shape[1]) * n / 2**20)  # 4-bit codes + float16
            rows.append(_measured(pq, queries, exact, build, mb, chosen == spec, n=n, type="pq-fp16", rerank=rerank))
            del pq
        # IVF over float16 codes (the earlier choices): √n lists, and 4·√n lists probing 128–256.
        few = 2 ** round(np.log2(np.sqrt(n)))
        many = max(1, min(2 ** round(np.log2(4 * np.sqrt(n))), n // 2))
        for nlist, probes in ((few, (few // 8, few // 4, few // 2)), (many, (128, 192, 256))):
            if not nlist:
                continue
            started = time.perf_counter()
            ivf = make_store(data.shape[1], n, train=data, spec={"type": "ivf-fp16", "nlist": nlist, "nprobe": 1}).index
            ivf.add_with_ids(data, np.arange(n))
            build = time.perf_counter() - started
            inner = faiss.extract_index_ivf(ivf)
            for nprobe in probes:
                if nprobe > nlist or nprobe < 1:
                    continue
                inner.nprobe = nprobe
                mb = round(ivf.sa_code_size() * n / 2**20)
                chose = chosen.get("nlist") == nlist and chosen.get("nprobe") == nprobe
                kind = {"n": n, "type": "ivf-fp16", "nlist": nlist, "nprobe": nprobe}
                rows.append(_measured(ivf, queries, exact, build, mb, chose, **kind))
            del ivf
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "queries": len(queries),
        "vectors": "real (base set) + pooled real sentence vectors beyond it",
        "rows": rows,
    }
    save(args.out, result)
    print(f"load average {os.getloadavg()[0]:.2f} · {len(queries)} questions · wrote {args.out}")
    return 0


def _measured(
    index: faiss.Index, queries: np.ndarray, exact: np.ndarray, build: float, mb: int, chosen: bool, **kind: Any
) -> dict[str, Any]:
    """One table row: `kind` (n, type, parameters), recall@10 against `exact`, latency, build time, size."""
    found, times = timed_search(index, queries)
    row = {**kind, "recall@10": round(recall(found, exact), 4), **_ms(times), "build_s": round(build, 1)}
    row.update(mb=mb, chosen=chosen)
    print(_line(row), flush=True)
    return row


def _ms(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2)}


def _line(row: dict) -> str:
    mark = " ← plan()" if row.get("chosen") else ""
    extra = f" nlist={row['nlist']} nprobe={row['nprobe']}" if "nprobe" in row else ""
    extra = f" rerank={row['rerank']}" if "rerank" in row else extra
    return (
        f"| {row['n']:>9,} | {row['type']:<8}{extra:<24} | recall@10 {row['recall@10']:.3f} | "
        f"p50 {row['p50_ms']:6.2f} ms | p95 {row['p95_ms']:6.2f} ms | {row['mb']:>5} MB |{mark}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
