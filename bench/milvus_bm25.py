"""Milvus Lite's own BM25 full-text search (jieba analyzer) against our BM25, on CMRC 2018 trial contexts.

    .venv/bin/python bench/milvus_bm25.py

Data: CMRC 2018 (Cui et al., 2019), CC BY-SA 4.0 — eval/cmrc2018/cmrc2018_trial.json, 256
Wikipedia paragraphs and 1,002 questions. Each raw context is one passage; a question's gold
passage is its own context. Both sides index the same texts:

- Milvus: a VARCHAR field with `analyzer_params={"tokenizer": "jieba"}` (jieba search mode), a
  BM25 Function into a SPARSE_FLOAT_VECTOR, index SPARSE_INVERTED_INDEX, metric BM25; queries are
  raw question text, analyzed inside Milvus. Needs `pip install 'qa-zh[milvus]'`.
- ours: `qa.search.bm25.BM25` over `qa.text.tokenize.Tokenizer()` tokens (folding, jieba search
  mode without HMM, stopwords dropped); query latency includes tokenizing the question.

Both jieba dictionaries are loaded before anything is timed. Build = create + insert + flush for
Milvus, tokenize + build for ours. Prints one table, writes bench/results/milvus_bm25.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import jieba

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.search.bm25 import BM25  # noqa: E402
from qa.text.tokenize import Tokenizer  # noqa: E402

DATA = ROOT / "eval" / "cmrc2018" / "cmrc2018_trial.json"
OUT = ROOT / "bench" / "results" / "milvus_bm25.json"
ATTRIBUTION = "CMRC 2018 (Cui et al., 2019), CC BY-SA 4.0"
K = 10
Search = Callable[[str], list[int]]


def load_cmrc() -> tuple[list[str], list[tuple[str, int]]]:
    """Passages (one per context) and (question, position of its own context)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))["data"]
    texts: list[str] = []
    questions: list[tuple[str, int]] = []
    for article in data:
        for paragraph in article["paragraphs"]:
            texts.append(paragraph["context"])
            questions.extend((qa["question"], len(texts) - 1) for qa in paragraph["qas"])
    return texts, questions


def ours(texts: list[str]) -> Search:
    """Our BM25, built over the project's tokenizer."""
    tokenizer = Tokenizer()
    bm25 = BM25().build([tokenizer(text) for text in texts])
    return lambda question: bm25.search(tokenizer(question), K)[0].tolist()


def milvus(texts: list[str], folder: str) -> Search:
    """Milvus Lite full-text search: the BM25 function turns text into sparse vectors inside Milvus."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    client = MilvusClient(str(Path(folder) / "bm25.db"))
    schema = client.create_schema(auto_id=False, enable_dynamic_field=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field(
        "text", DataType.VARCHAR, max_length=65535, enable_analyzer=True, analyzer_params={"tokenizer": "jieba"}
    )
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(
        Function(
            name="bm25", function_type=FunctionType.BM25, input_field_names=["text"], output_field_names=["sparse"]
        )
    )
    index = client.prepare_index_params()
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    client.create_collection("cmrc", schema=schema, index_params=index, consistency_level="Strong")
    client.insert("cmrc", [{"id": i, "text": text} for i, text in enumerate(texts)])
    client.flush("cmrc")

    def search(question: str) -> list[int]:
        hits = client.search(
            "cmrc",
            data=[question],
            anns_field="sparse",
            limit=K,
            search_params={"metric_type": "BM25"},
            output_fields=["id"],
        )
        return [int(hit["id"]) for hit in hits[0]]

    return search


def measure(build: Callable[[], Search], questions: list[tuple[str, int]]) -> dict[str, float]:
    """Build seconds, hit@1, hit@10 and per-question latency percentiles (ms)."""
    started = time.perf_counter()
    search = build()
    built = time.perf_counter() - started
    search(questions[0][0])  # first query pays one-off costs (gRPC channel, caches)
    hit1 = hit10 = 0
    latencies: list[float] = []
    for question, gold in questions:
        started = time.perf_counter()
        found = search(question)
        latencies.append((time.perf_counter() - started) * 1000)
        hit1 += found[:1] == [gold]
        hit10 += gold in found
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "build_s": round(built, 3),
        "hit@1": round(hit1 / len(questions), 4),
        "hit@10": round(hit10 / len(questions), 4),
        "p50_ms": round(cuts[49], 3),
        "p95_ms": round(cuts[94], 3),
    }


def main() -> int:
    import milvus_lite
    import pymilvus

    texts, questions = load_cmrc()
    jieba.initialize()  # Milvus Lite runs in this process and tokenizes with jieba's global dictionary
    Tokenizer()("预热")  # ours loads its own copy
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "Milvus Lite BM25 (jieba analyzer)": measure(lambda: milvus(texts, folder), questions),
            "ours: qa BM25 + Tokenizer": measure(lambda: ours(texts), questions),
        }
    print(f"{ATTRIBUTION}: {len(texts)} passages (raw contexts), {len(questions)} questions")
    print("| engine | build s | hit@1 | hit@10 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['build_s']:.2f} | {r['hit@1']:.3f} | {r['hit@10']:.3f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} |"
        )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "command": " ".join([".venv/bin/python", *sys.argv]),
        "data": {
            "source": str(DATA.relative_to(ROOT)),
            "attribution": ATTRIBUTION,
            "passages": len(texts),
            "questions": len(questions),
        },
        "results": results,
        "versions": {
            "pymilvus": pymilvus.__version__,
            "milvus_lite": milvus_lite.__version__,
            "jieba": jieba.__version__,
            "python": platform.python_version(),
        },
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    OUT.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
