"""Query latency at three sizes, end to end through `ask()`, with txtai side by side in the same run.

    .venv/bin/python bench/latency.py                          # base (~13k real), 100k, 1M
    .venv/bin/python bench/latency.py --sizes base,100000 --questions 100
    .venv/bin/python bench/latency.py --no-txtai

Corpora: bench/scale.py (real text; beyond the ~13k base passages, varied
passages whose vectors are pooled from real sentence vectors: labelled
"pooled vectors"). Each size is built once into bench/work/ (not timed).

Ours: a fresh process loads the index folder as `qa serve` does, lets the
server's background read of the sentence vectors into the page cache finish
(page cache, not the process's memory: `page_cache_read_s`), and answers
the CMRC 2018 test-half questions (Cui et al., 2019, CC BY-SA 4.0) one at a
time through `Answerer.ask` plus its JSON: question encoding, BM25 and vector
search, features, ranking, quote selection. Peak RSS is that process's.
txtai 9.14: a fresh process indexes the same passages (heading + text, the
same vectors, no re-encoding) with `hybrid=True` and answers `search(q, 10)`,
encoding each question with sentence-transformers (what txtai runs); its
passages and vectors are read from the same index folder. Prints
one table (medians and ratios from this one run), writes bench/results/latency.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from report import save  # noqa: E402
from scale import ATTRIBUTION, base_index, grown_index, questions  # noqa: E402

from qa.config import Settings  # noqa: E402


def percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {"p50_ms": round(statistics.median(times), 1), "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1)}


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts again at exec. (`ru_maxrss` does
    not: a child spawned right after the parent moved a large index to another type reported the
    parent's peak.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # not Linux


def rss_parts_mb() -> dict[str, float]:
    """Resident memory now, split: anonymous (the process's own) and file-backed (pages of the
    memory-mapped sentence vectors in the page cache: shared, clean, reclaimable)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {k.lower() + "_mb": round(int(fields[k].split()[0]) / 1024, 1) for k in ("RssAnon", "RssFile")}


def ours(root: Path, n_questions: int) -> dict:
    """Load the index as a server does and time ask() + JSON for each question."""
    from qa.answer.engine import Answerer
    from qa.answer.quote import QuoteModel
    from qa.answer.refusal import Refusal
    from qa.search import builds
    from qa.search.encoder import make_encoder
    from qa.search.ranker import Ranker
    from qa.service import warm_up

    started = time.perf_counter()
    index = builds.load(root)
    encoder = make_encoder(Settings.from_env(os.environ))  # QA_ENCODER as a server reads it
    answerer = Answerer(index, encoder, Refusal.load_default(), Ranker.load_default(), QuoteModel.load_default())
    loaded = time.perf_counter() - started
    warm_up(answerer)  # as a server does when it starts: one question, and the sentence vectors' read-ahead
    waited = time.perf_counter()
    if index.sentences.warming is not None:  # a server that has been up a few seconds: its sentence
        index.sentences.warming.join()  # vectors are in the page cache (`Sentences.read_ahead`)
    warmed = time.perf_counter() - waited
    asked = [q.text for q in questions("test")][:n_questions]
    for q in asked[:5]:
        answerer.ask(q)  # warm-up: dictionary, sessions, first pages of the memory maps
    times = []
    for q in asked:
        t = time.perf_counter()
        json.dumps(answerer.ask(q, top_k=5).to_dict(), ensure_ascii=False)
        times.append((time.perf_counter() - t) * 1000)
    manifest = index.manifest
    disk = sum(f["bytes"] for f in manifest["files"].values())
    return {
        **percentiles(times),
        "questions": len(times),
        "load_s": round(loaded, 1),
        "page_cache_read_s": round(warmed, 1) if index.sentences.warming is not None else None,
        "peak_rss_mb": peak_rss_mb(),
        **rss_parts_mb(),
        "passages": len(index.passages),
        "disk_bytes_per_passage": round(disk / len(index.passages)),
        "vectors": manifest.get("vectors"),
        "encoder": encoder.name,
    }


def txtai(root: Path, n_questions: int) -> dict:
    """Index the same passages and vectors in txtai (hybrid) and time search(q, 10)."""
    import tempfile

    from txtai_side import build_txtai, txtai_search

    from qa.ingest.document import Passage
    from qa.search.encoder import SentenceTransformerEncoder
    from qa.search.faiss_store import FaissStore
    from qa.search.index import passage_input

    folder = root / "current"
    with (folder / "passages.jsonl").open(encoding="utf-8") as handle:
        texts = [passage_input(Passage(**json.loads(line))) for line in handle if line.strip()]
    store = FaissStore.load(folder)
    import numpy as np

    vectors = store.vectors(np.load(folder / "ids.npy"))
    del store
    model = SentenceTransformerEncoder(Settings.from_env(os.environ).model_ref)  # the index's model
    before = peak_rss_mb()
    with tempfile.TemporaryDirectory() as work:
        embeddings, build_s = build_txtai(texts, vectors, lambda batch: model.encode(batch), Path(work))
        del vectors
        asked = [q.text for q in questions("test")][:n_questions]
        for q in asked[:5]:
            txtai_search(embeddings, q, 10)
        times = []
        for q in asked:
            t = time.perf_counter()
            txtai_search(embeddings, q, 10)
            times.append((time.perf_counter() - t) * 1000)
    return {
        **percentiles(times),
        "questions": len(times),
        "build_s": round(build_s, 1),
        "peak_rss_mb": peak_rss_mb(),
        "peak_rss_before_build_mb": before,
    }


def child(kind: str, root: Path, n_questions: int) -> dict:
    """Run `kind` in a fresh process (so that its peak RSS is its own)."""
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--root", str(root), "--questions", str(n_questions)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="base,100000,1000000", help="base and/or passage counts")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--no-txtai", action="store_true")
    parser.add_argument("--txtai-sizes", default="", help="sizes to run txtai at (default: every size)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "latency.json"))
    parser.add_argument("--child", choices=("ours", "txtai"), help=argparse.SUPPRESS)
    parser.add_argument("--root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run = ours if args.child == "ours" else txtai
        print(json.dumps(run(Path(args.root), args.questions)))
        return 0
    from qa.search.encoder import make_encoder

    base = base_index(make_encoder(Settings.from_env(os.environ)))  # the encoder `ours` asks with (QA_ENCODER)
    rows = []
    print(
        "| passages | vectors | ours p50 / p95 ms | ours peak RSS MB (own + mapped file, at the end) | disk B/passage "
        "| txtai p50 / p95 ms | txtai peak RSS MB | txtai ÷ ours (p50) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for size in args.sizes.split(","):
        root = base if size == "base" else grown_index(base, int(size))
        mine = child("ours", root, args.questions)
        skip = args.no_txtai or (args.txtai_sizes and size not in args.txtai_sizes.split(","))
        theirs = {} if skip else child("txtai", root, args.questions)
        ratio = round(theirs["p50_ms"] / mine["p50_ms"], 1) if "p50_ms" in theirs and "p50_ms" in mine else None
        row = {"size": size, "root": root.name, "ours": mine, "txtai": theirs, "txtai_over_ours_p50": ratio}
        rows.append(row)
        label = "real" if size == "base" else "pooled"
        print(
            f"| {mine.get('passages', mine.get('error', '?'))} | {label} | {mine.get('p50_ms')} / {mine.get('p95_ms')} | "
            f"{mine.get('peak_rss_mb')} ({mine.get('rssanon_mb')} + {mine.get('rssfile_mb')}) | "
            f"{mine.get('disk_bytes_per_passage')} | "
            f"{theirs.get('p50_ms', '—')} / {theirs.get('p95_ms', '—')} | {theirs.get('peak_rss_mb', '—')} | "
            f"{ratio if ratio is not None else theirs.get('error', '—')} |",
            flush=True,
        )
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load_end": os.getloadavg()},
        "data": ATTRIBUTION,
        "rows": rows,
    }
    save(args.out, result)
    print(f"load average {os.getloadavg()[0]:.2f} · wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
