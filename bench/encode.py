"""Encoding speed: plain sentence-transformers (torch) against our ONNX Runtime encoder, fp32 and int8, same texts, same run.

    .venv/bin/python bench/encode.py                      # bundled corpus paragraphs + seed questions
    .venv/bin/python bench/encode.py --passages eval/distractors/inews-devtest --limit 2000

Measures (1) passage throughput: the corpus's passages (heading + text, as
indexed), encoded in one call by each encoder, rotating the order over
--rounds rounds; (2) single-question latency: every question of
eval/seed_qa.jsonl encoded alone, as `ask()` does. Reports medians, the
ratios to torch, and the lowest and mean cosine between each encoder's
vectors and the fp32 ONNX ones. Prints one table, writes
bench/results/encode.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from report import save  # noqa: E402

from qa.config import MAX_CHARS, MIN_CHARS, Settings  # noqa: E402
from qa.ingest.chunk import chunk  # noqa: E402
from qa.ingest.corpus import load_corpus  # noqa: E402
from qa.search.encoder import make_encoder  # noqa: E402
from qa.search.index import passage_input  # noqa: E402


def passages(folder: Path, limit: int) -> list[str]:
    docs = load_corpus(folder).documents
    texts = [passage_input(p) for d in docs for p in chunk(d, max_chars=MAX_CHARS, min_chars=MIN_CHARS)]
    return texts[:limit] if limit else texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", default=str(ROOT / "corpus"), help="folder of documents (default corpus/)")
    parser.add_argument("--limit", type=int, default=0, help="at most this many passages (0 = all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "encode.json"))
    args = parser.parse_args()
    texts = passages(Path(args.passages), args.limit)
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "seed_qa.jsonl").open(encoding="utf-8")]
    encoders = {
        "sentence-transformers (torch)": make_encoder(Settings(encoder="torch")),
        "ours (ONNX Runtime, fp32)": make_encoder(Settings(encoder="onnx")),
        "ours (ONNX Runtime, int8)": make_encoder(Settings(encoder="onnx-int8")),
    }
    names = list(encoders)
    vectors = {name: enc.encode(texts) for name, enc in encoders.items()}  # also warms each one up
    rate: dict[str, list[float]] = {name: [] for name in encoders}
    query: dict[str, list[float]] = {name: [] for name in encoders}
    for r in range(args.rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:  # each encoder goes first once in 3 rounds
            enc = encoders[name]
            started = time.perf_counter()
            enc.encode(texts)
            rate[name].append(len(texts) / (time.perf_counter() - started))
            for q in questions:
                started = time.perf_counter()
                enc.encode([q])
                query[name].append((time.perf_counter() - started) * 1000)
    chars = sum(len(t) for t in texts)
    torch_name, fp32_name = names[:2]
    rows = {}
    for name in names:
        cosine = (vectors[name] * vectors[fp32_name]).sum(axis=1)
        rows[name] = {
            "model": encoders[name].name,
            "passages_per_s": round(statistics.median(rate[name]), 1),
            "chars_per_s": round(statistics.median(rate[name]) * chars / len(texts)),
            "question_p50_ms": round(statistics.median(query[name]), 1),
            "question_p95_ms": round(float(np.percentile(query[name], 95)), 1),
            "min_cosine_to_fp32": round(float(cosine.min()), 5),
            "mean_cosine_to_fp32": round(float(cosine.mean()), 5),
        }
    for row in rows.values():
        row["throughput_vs_torch"] = round(row["passages_per_s"] / rows[torch_name]["passages_per_s"], 2)
        row["question_speedup_vs_torch"] = round(rows[torch_name]["question_p50_ms"] / row["question_p50_ms"], 2)
    result = {
        "command": " ".join(["python", *sys.argv]),
        "passages": len(texts),
        "mean_chars": round(chars / len(texts)),
        "questions": len(questions),
        "rounds": args.rounds,
        "encoders": rows,
        "throughput_ratio": rows[fp32_name]["throughput_vs_torch"],  # fp32 ONNX / torch (as before int8)
        "question_latency_ratio": rows[fp32_name]["question_speedup_vs_torch"],
        "min_cosine": rows[torch_name]["min_cosine_to_fp32"],  # torch against fp32 ONNX
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()),
    }
    print(
        f"{len(texts)} passages (mean {result['mean_chars']} characters), {len(questions)} questions, "
        f"{args.rounds} rounds, load average {' '.join(f'{x:.2f}' for x in result['load_average'])}"
    )
    print(
        "| encoder | passages/s | characters/s | × torch | question p50 ms | question p95 ms | "
        "cosine to fp32 min / mean |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        print(
            f"| {name} | {row['passages_per_s']} | {row['chars_per_s']} | {row['throughput_vs_torch']} | "
            f"{row['question_p50_ms']} | {row['question_p95_ms']} | "
            f"{row['min_cosine_to_fp32']:.5f} / {row['mean_cosine_to_fp32']:.5f} |"
        )
    save(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
