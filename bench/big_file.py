"""One large text file through `qa index`: wall time, CPU time and peak memory.

    .venv/bin/python bench/big_file.py                  # a 50 MB file, fast stand-in encoder
    .venv/bin/python bench/big_file.py --mb 5 --real    # the real model (m3e-small): ~4k characters/s

The file is made of the bundled corpus's paragraphs, numbered and shuffled, as
one document. By default vectors come from a stand-in encoder (random 64-dim,
labelled as such) so that what is measured is everything but the model:
decoding, cleaning, chunking, sentence splitting, answer-kind tagging, jieba
tokenization, BM25, FAISS and writing the index. `--real` measures the whole
thing with the configured model. Prints one table, writes bench/results/big_file.json.
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import save

ROOT = Path(__file__).resolve().parent.parent

# Run in a child process, so that its peak memory is its own.
CHILD = """
import sys
import os
import numpy as np
from qa.search import encoder
from qa.cli import main

class StandIn:
    name, dim = "stand-in-random-64", 64
    def encode(self, texts, *, progress=False):
        v = np.random.default_rng(len(texts)).standard_normal((len(texts), 64)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

if sys.argv[3] == "fake":  # a registered encoder of its own, picked by setting as any other
    encoder.ENCODERS["stand-in"] = (lambda settings: StandIn(), lambda settings: StandIn.name)
    os.environ["QA_ENCODER"] = "stand-in"
sys.exit(main(["index", "--corpus", sys.argv[1], "--index", sys.argv[2]]))
"""


def make_file(path: Path, megabytes: float) -> int:
    """Write the big file; returns its size in bytes."""
    paragraphs = [
        line
        for doc in sorted((ROOT / "corpus").iterdir())
        for line in doc.read_text(encoding="utf-8").split("\n")
        if len(line) > 30
    ]
    rng = random.Random(1)
    lines, size, n = ["大文件测试"], 0, 0
    while size < megabytes * 1024 * 1024:
        line = f"第{n}条：{rng.choice(paragraphs)}"
        lines.append(line)
        size += len(line.encode("utf-8")) + 2
        n += 1
    path.write_text("\n\n".join(lines), encoding="utf-8")
    return path.stat().st_size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=50.0, help="file size in MB (default 50)")
    parser.add_argument("--real", action="store_true", help="encode with the configured model, not the stand-in")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "big_file.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        size = make_file(corpus / "big.txt", args.mb)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(corpus), str(Path(tmp) / "index"), "real" if args.real else "fake"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        index_bytes = sum(p.stat().st_size for p in (Path(tmp) / "index").rglob("*") if p.is_file())
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    result = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "encoder": "configured model" if args.real else "stand-in (random 64-dim vectors: the model is not measured)",
        "file_mb": round(size / 2**20, 1),
        "wall_s": round(wall, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),  # Linux reports KiB
        "index_mb": round(index_bytes / 2**20, 1),
        "qa_index_says": done.stdout.strip(),
        "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "load_average": list(__import__("os").getloadavg()),
    }
    print("| file | encoder | wall s | CPU s | peak RSS MB | index MB |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {result['file_mb']} MB | {'real' if args.real else 'stand-in'} | {result['wall_s']} | "
        f"{result['cpu_s']} | {result['peak_rss_mb']} | {result['index_mb']} |"
    )
    print(result["qa_index_says"])
    save(args.out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
