"""Milvus Lite's own BM25 full-text search (jieba analyzer) against our BM25, on CMRC 2018 trial contexts.

    .venv/bin/python bench/milvus_bm25.py                                                  # 256 contexts
    .venv/bin/python bench/milvus_bm25.py --distractors eval/distractors/inews-devtest \
        --out bench/results/milvus_bm25-13k.json                                            # + news passages
    .venv/bin/python bench/milvus_bm25.py --grown 100000 --distractors eval/distractors/inews-devtest \
        --out bench/results/milvus_bm25-100k.json                                           # + varied copies

Data: CMRC 2018 (Cui et al., 2019), CC BY-SA 4.0 — eval/cmrc2018/cmrc2018_trial.json, 256
Wikipedia paragraphs and 1,002 questions. Each raw context is one passage; a question's gold
passage is its own context. Both sides index the same texts:

- Milvus: a VARCHAR field with `analyzer_params={"tokenizer": "jieba"}` (jieba search mode), a
  BM25 Function into a SPARSE_FLOAT_VECTOR, index SPARSE_INVERTED_INDEX, metric BM25; queries are
  raw question text, analyzed inside Milvus. Needs `pip install 'qa-zh[milvus]'`.
- ours: `qa.search.bm25.BM25` over `qa.text.tokenize.Tokenizer()` tokens (folding, jieba search
  mode without HMM, stopwords dropped); query latency includes tokenizing the question.

Larger scale (the CMRC contexts, gold passages and questions stay the same; everything added is a
wrong passage, indexed as the same text on both sides):

- `--distractors DIR` (repeatable): every passage of the documents in DIR, as `qa eval` indexes
  them (`load_corpus`, `chunk` with `MAX_CHARS`/`MIN_CHARS`); the indexed text is `passage_input`
  (heading, then text).
- `--grown N`: then varied copies from the current build of a `bench/scale.py` index folder
  (`--grown-from`, default the 100,000-passage set; its `passages.jsonl`), in file order, until N
  passages in all. Only the varied copies (ids `<base passage id>~<n>`) are taken, not the base
  rows (the CMRC chunks and news passages already present). A varied copy keeps its base passage's
  document and most of its sentences (`scale.grow` swaps one to three), so a copy of a CMRC
  context's chunk may still hold the answer: hit@k counts the gold context OR any varied copy of
  a passage of the gold context's document (matched by document id, `qa.evaluation.evaluate.read_squad`);
  `hit@1 exact` (gold context only) is shown too. When the folder has too few varied copies, all
  are taken and the total is below N (the table gives the real count).
- `--questions N`: only the first N questions; `--out PATH`: where the JSON goes.

Both jieba dictionaries are loaded before anything is timed. Build = create + insert + flush for
Milvus (inserted in batches of 2,000 rows), tokenize + build for ours. Prints one table, writes
bench/results/milvus_bm25.json unless `--out` says otherwise.
"""

from __future__ import annotations

import argparse
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

from qa.config import MAX_CHARS, MIN_CHARS  # noqa: E402
from qa.evaluation.evaluate import read_squad  # noqa: E402
from qa.ingest.chunk import chunk  # noqa: E402
from qa.ingest.corpus import load_corpus  # noqa: E402
from qa.search import builds  # noqa: E402
from qa.search.bm25 import BM25  # noqa: E402
from qa.search.index import passage_input  # noqa: E402
from qa.text.tokenize import Tokenizer  # noqa: E402

DATA = ROOT / "eval" / "cmrc2018" / "cmrc2018_trial.json"
OUT = ROOT / "bench" / "results" / "milvus_bm25.json"
GROWN = ROOT / "bench" / "work" / "base-m3e-small@73e5507dd0+int8-100000"
ATTRIBUTION = "CMRC 2018 (Cui et al., 2019), CC BY-SA 4.0"
K = 10
BATCH = 2000  # rows per Milvus insert call (one gRPC message each)
Search = Callable[[str], list[int]]
COPIES = "varied copies of CMRC contexts"
Question = tuple[str, int, frozenset[int]]  # text, its gold context, every position counted as a hit


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


def distractor_passages(folder: Path) -> list[str]:
    """Every passage of the documents in `folder`, chunked and formatted as the index does."""
    if not folder.is_dir():
        raise SystemExit(f"distractor folder not found: {folder}")
    docs = load_corpus(folder).documents
    return [passage_input(p) for d in docs for p in chunk(d, max_chars=MAX_CHARS, min_chars=MIN_CHARS)]


def varied_passages(root: Path, count: int) -> tuple[list[str], list[str], Path]:
    """Up to `count` varied copies (text, document id) from the current build under `root`, in file order."""
    folder = builds.build_dir(root)
    if folder is None:
        raise SystemExit(f"no index build under {root} (make one with bench/scale.py)")
    texts: list[str] = []
    doc_ids: list[str] = []
    with (folder / "passages.jsonl").open(encoding="utf-8") as rows:
        for line in rows:
            if len(texts) >= count:
                break
            row = json.loads(line)
            if "~" not in row["id"]:  # a base row: a CMRC chunk or a news passage, not a varied copy
                continue
            heading, text = row.get("heading"), row["text"]
            texts.append(f"{heading}\n{text}" if heading else text)  # = passage_input
            doc_ids.append(row["doc_id"])
    return texts, doc_ids, folder


def context_doc_ids() -> list[str]:
    """The document id of each CMRC context, in load_cmrc order (one document per context)."""
    docs, _ = read_squad(DATA)
    return [doc.doc_id for doc in docs]


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
    for at in range(0, len(texts), BATCH):
        client.insert("cmrc", [{"id": i, "text": texts[i]} for i in range(at, min(len(texts), at + BATCH))])
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


def measure(build: Callable[[], Search], questions: list[Question], copies: bool) -> dict[str, float]:
    """Build seconds, hit@1, hit@10 and per-question latency percentiles (ms); with `copies`, hits count
    varied copies of the gold context too and hit@1 exact (gold context only) is added."""
    started = time.perf_counter()
    search = build()
    built = time.perf_counter() - started
    search(questions[0][0])  # first query pays one-off costs (gRPC channel, caches)
    hit1 = hit10 = exact1 = 0
    latencies: list[float] = []
    for question, gold, hits in questions:
        started = time.perf_counter()
        found = search(question)
        latencies.append((time.perf_counter() - started) * 1000)
        hit1 += bool(found) and found[0] in hits
        hit10 += any(f in hits for f in found)
        exact1 += found[:1] == [gold]
    cuts = statistics.quantiles(latencies, n=100)
    result = {
        "build_s": round(built, 3),
        "hit@1": round(hit1 / len(questions), 4),
        "hit@10": round(hit10 / len(questions), 4),
        "p50_ms": round(cuts[49], 3),
        "p95_ms": round(cuts[94], 3),
    }
    if copies:
        result["hit@1_exact"] = round(exact1 / len(questions), 4)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--distractors",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="add every passage of the documents in DIR as wrong passages (repeatable)",
    )
    parser.add_argument(
        "--grown", type=int, default=0, metavar="N", help="add varied copies from --grown-from until N passages in all"
    )
    parser.add_argument(
        "--grown-from",
        type=Path,
        default=GROWN,
        metavar="DIR",
        help="bench/scale.py index folder with varied copies (default: the 100,000 set)",
    )
    parser.add_argument("--questions", type=int, default=0, metavar="N", help="only the first N questions (0 = all)")
    parser.add_argument("--out", type=Path, default=OUT, help="JSON output (default bench/results/milvus_bm25.json)")
    args = parser.parse_args()

    import milvus_lite
    import pymilvus

    texts, pairs = load_cmrc()
    n_contexts = len(texts)
    parts = {"contexts": n_contexts}
    for folder in args.distractors:
        extra = distractor_passages(folder)
        parts[str(folder)] = len(extra)
        texts.extend(extra)
    hits: dict[int, set[int]] = {i: {i} for i in range(n_contexts)}
    grown_build = None
    if args.grown:
        varied, doc_ids, grown_build = varied_passages(args.grown_from, args.grown - len(texts))
        context_of = {doc_id: i for i, doc_id in enumerate(context_doc_ids())}
        for offset, doc_id in enumerate(doc_ids):
            if doc_id in context_of:
                hits[context_of[doc_id]].add(len(texts) + offset)
        parts["varied copies"] = len(varied)
        parts[COPIES] = sum(len(h) - 1 for h in hits.values())
        texts.extend(varied)
    if args.questions:
        pairs = pairs[: args.questions]
    questions = [(q, gold, frozenset(hits[gold])) for q, gold in pairs]
    copies = bool(args.grown)
    scaled = bool(args.distractors or args.grown)

    jieba.initialize()  # Milvus Lite runs in this process and tokenizes with jieba's global dictionary
    Tokenizer()("预热")  # ours loads its own copy
    with tempfile.TemporaryDirectory() as folder:
        results = {
            "Milvus Lite BM25 (jieba analyzer)": measure(lambda: milvus(texts, folder), questions, copies),
            "ours: qa BM25 + Tokenizer": measure(lambda: ours(texts), questions, copies),
        }
    if scaled:
        added = " + ".join(f"{n:,} {name}" for name, n in parts.items() if name not in ("contexts", COPIES))
        print(
            f"{ATTRIBUTION}: {len(texts):,} passages ({n_contexts} raw contexts + {added}), {len(questions)} questions"
        )
    else:
        print(f"{ATTRIBUTION}: {len(texts)} passages (raw contexts), {len(questions)} questions")
    if copies:
        source = grown_build.relative_to(ROOT)
        print(f"{parts[COPIES]:,} of the varied copies are copies of CMRC context passages (from {source})")
        if len(texts) < args.grown:
            print(
                f"only {parts['varied copies']:,} varied copies in {args.grown_from}: {len(texts):,} < {args.grown:,}"
            )
    if copies:
        print("hit@k: gold context or a varied copy of it; hit@1 exact: gold context only")
        print("| engine | passages | build s | hit@1 | hit@1 exact | hit@10 | p50 ms | p95 ms |")
        print("|---|---|---|---|---|---|---|---|")
    elif scaled:
        print("| engine | passages | build s | hit@1 | hit@10 | p50 ms | p95 ms |")
        print("|---|---|---|---|---|---|---|")
    else:
        print("| engine | build s | hit@1 | hit@10 | p50 ms | p95 ms |")
        print("|---|---|---|---|---|---|")
    for name, r in results.items():
        cells = [name, f"{len(texts):,}"] if scaled else [name]
        cells += [f"{r['build_s']:.2f}", f"{r['hit@1']:.3f}"]
        cells += [f"{r['hit@1_exact']:.3f}"] if copies else []
        cells += [f"{r['hit@10']:.3f}", f"{r['p50_ms']:.2f}", f"{r['p95_ms']:.2f}"]
        print(f"| {' | '.join(cells)} |")
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "source": str(DATA.relative_to(ROOT)),
        "attribution": ATTRIBUTION,
        "passages": len(texts),
        "questions": len(questions),
    }
    if scaled:
        data["passages_by_source"] = parts
        data["distractors"] = [str(folder) for folder in args.distractors]
    if grown_build is not None:
        data["grown"] = {
            "target": args.grown,
            "from": str(grown_build.relative_to(ROOT)),
            "hit_counts_varied_copies": True,
        }
    report = {
        "command": " ".join([".venv/bin/python", *sys.argv]),
        "data": data,
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
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
