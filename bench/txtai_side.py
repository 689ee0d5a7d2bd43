"""txtai 9.14.0 hybrid search (dense + BM25) over our passages, so a latency benchmark can run it beside the bot.

    from bench.txtai_side import build_txtai, txtai_search
    emb, build_s = build_txtai(texts, vectors, model.encode, workdir)
    top = txtai_search(emb, "问题？", k=10)          # passage positions 0..n-1

    .venv/bin/python bench/txtai_side.py [N]   # self-check, then build s / peak RSS / p50 / p95 at N (10000)

What txtai is asked for, and what it does with it (read from txtai 9.14.0's source):

* ``Embeddings(method="external", transform=f, hybrid=True, content=False)``. ``hybrid=True`` expands to
  ``scoring={"method": "bm25", "terms": True, "normalize": True}`` plus a dense index; results are fused by
  a convex combination (weights 0.5 / 0.5) of the dense inner product and the normalised BM25 score, over
  ``10*k`` candidates from each side (dense candidates need score > 0).
* Vectors are not re-encoded: txtai hands the external ``transform`` the passages' texts in order, in
  batches of ``batch`` (1024), at index time, and ``[question]`` at search time. During ``build_txtai``
  the transform returns ``vectors[i:j]`` for the next batch (and checks the texts are the expected ones);
  afterwards it calls ``query_encoder``. txtai L2-normalises whatever it gets (on its own copy).
* Dense backend: txtai's default, Faiss, ``index_factory(512, "IVF{c},Flat", METRIC_INNER_PRODUCT)`` with
  ``c = min(round(4*sqrt(n)), n // 39)`` trained on all n vectors, ``nprobe = round(c / 16)``; n <= 5000
  gets ``IDMap,Flat`` (exact). So n = 10,000 -> IVF256 / nprobe 16, 100,000 -> IVF1265 / nprobe 79,
  1,000,000 -> IVF4000 / nprobe 250.
* Keyword side: txtai's BM25 (k1 1.2, b 0.75) with its default ``Tokenizer()``, which segments per Unicode
  UAX #29, lower-cases and drops punctuation, no stop words. Chinese gets *one token per Han character*:
  "若游戏中离，则多少分钟内不得进行配对？" -> 若 游 戏 中 离 则 多 少 分 钟 内 不 得 进 行 配 对, and
  "北京大学于2018年发布了GPT-4模型，价格为3.5万元。" -> 北 京 大 学 于 2018 年 发 布 了 gpt 4 模 型 价 格
  为 3.5 万 元. So it is character-unigram BM25; characters found in more than 10% of passages ("common
  terms": 的, 是, 在 ...) only re-score the top ``5*limit`` candidates of the rarer characters.

Side effects worth knowing: the BM25 postings go to an SQLite temporary database (``sqlite3.connect("")``:
held in the page cache, spilled to an anonymous, already-unlinked file in $SQLITE_TMPDIR / $TMPDIR /
/var/tmp when it grows: 2.3 GB at n = 1M); txtai spools the vectors twice to ``.npy`` temp files (about
2 x n x 2 KiB), which ``build_txtai`` puts in ``workdir`` and txtai deletes before returning; each search opens a
ThreadPool of ``min(ceil(n / 25000), cpu_count)`` threads for the BM25 side; Faiss uses its OpenMP threads.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

QueryEncoder = Callable[[list[str]], np.ndarray]


def build_txtai(
    texts: Sequence[str], vectors: np.ndarray, query_encoder: QueryEncoder, workdir: Path
) -> tuple[Any, float]:
    """Index `texts` (passage i has the precomputed L2-normalised float32 vector vectors[i], shape (n, d)) with
    txtai hybrid search; returns (the txtai Embeddings, build seconds).

    `query_encoder(list_of_texts) -> (m, d) array` encodes questions at search time (e.g. SentenceTransformer.encode);
    it is never called on the passages. `workdir` receives txtai's temporary vector spools during the build.
    """
    from txtai import Embeddings

    texts = list(texts)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ValueError(f"vectors has shape {vectors.shape}, expected ({len(texts)}, d)")
    state = {"next": 0, "building": True}

    # txtai calls a plain function as is but *instantiates* any other callable (a bound method would be called
    # with no arguments), so this must stay a closure.
    def transform(batch: list[str]) -> np.ndarray:
        if not state["building"]:
            return np.asarray(query_encoder(list(batch)), dtype=np.float32)
        start = state["next"]
        end = start + len(batch)
        if batch != texts[start:end]:
            raise RuntimeError(f"txtai asked for vectors out of order at passage {start}")
        state["next"] = end
        return vectors[start:end]

    def documents() -> Iterator[tuple[int, str, None]]:
        for i, text in enumerate(texts):
            yield i, text, None

    embeddings = Embeddings(method="external", transform=transform, hybrid=True, content=False)
    workdir.mkdir(parents=True, exist_ok=True)
    saved, tempfile.tempdir = tempfile.tempdir, str(workdir)
    try:
        start = time.perf_counter()
        embeddings.index(documents())
        seconds = time.perf_counter() - start
    finally:
        tempfile.tempdir = saved
        state["building"] = False
    if state["next"] != len(texts) or embeddings.count() != len(texts):
        raise RuntimeError(f"txtai took {state['next']} vectors and indexed {embeddings.count()} of {len(texts)}")
    return embeddings, seconds


def txtai_search(embeddings: Any, question: str, k: int = 10) -> list[int]:
    """txtai's top-k passage positions for one question (timed by the caller; includes encoding the question)."""
    return [int(uid) for uid, _score in embeddings.search(question, limit=k)]


def _self_check(n: int) -> None:
    """Build over n inews passages (random unit vectors, 3 real ones), check 3 lookups, time 200 CMRC questions."""
    import json
    import os
    import re
    import resource
    import sys

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    root = Path(__file__).resolve().parent.parent
    sys.path.insert(0, str(root))
    from sentence_transformers import SentenceTransformer

    from qa.config import default_model_path

    # Passages: inews-devtest sentences packed in order into ~200 characters, then reshuffled until there are n.
    raw = "\n".join(
        p.read_text(encoding="utf-8") for p in sorted((root / "eval/distractors/inews-devtest").glob("*.txt"))
    )
    sentences = [s.strip() for s in re.findall(r"[^。！？!?\n]+[。！？!?]?", raw) if s.strip()]
    rng, order, texts = np.random.default_rng(0), list(range(len(sentences))), list[str]()
    while len(texts) < n:
        current = ""
        for i in order:
            current += sentences[i]
            if len(current) >= 200:
                texts.append(current)
                current = ""
                if len(texts) == n:
                    break
        rng.shuffle(order)
    model = SentenceTransformer(str(default_model_path()), device="cpu")
    vectors = np.empty((n, model.encode(["维度"]).shape[1]), dtype=np.float32)
    for i in range(0, n, 100_000):  # random unit vectors (timing only) ...
        block = rng.standard_normal((min(100_000, n - i), vectors.shape[1]), dtype=np.float32)
        vectors[i : i + len(block)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    probes = [0, n // 3, n - 1]  # ... except these, which, asked by their own text, must come back first
    vectors[probes] = model.encode([texts[i] for i in probes], normalize_embeddings=True)
    data = json.loads((root / "eval/cmrc2018/cmrc2018_trial.json").read_text(encoding="utf-8"))
    questions = [q["question"] for a in data["data"] for p in a["paragraphs"] for q in p["qas"]][:200]

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with tempfile.TemporaryDirectory() as tmp:
        emb, build_s = build_txtai(texts, vectors, model.encode, Path(tmp))
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # a lifetime peak: one n per process
    for i in probes:
        top = txtai_search(emb, texts[i], k=10)
        assert top[0] == i and all(0 <= j < n for j in top), (i, top)
    for q in questions[:5]:  # warm-up
        txtai_search(emb, q)
    times = []
    for q in questions:
        start = time.perf_counter()
        txtai_search(emb, q, k=10)
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    print(f"txtai built {emb.config['build']['settings']}, nprobe {emb.ann.nprobe()}; load {os.getloadavg()}")
    print(
        f"n={n} build_s={build_s:.1f} peak_rss_mb={rss_peak:.0f} (before build {rss_before:.0f}) "
        f"p50_ms={p50:.1f} p95_ms={p95:.1f} questions={len(times)}",
        flush=True,
    )
    emb.close()


if __name__ == "__main__":
    import sys

    _self_check(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
