"""`qa index` from nothing beside txtai 9.14 on the corpus `make eval` uses, in one run.

    .venv/bin/python -m pip install -e '.[bench]'        # txtai 9.14.0
    .venv/bin/python bench/index_speed.py [--limit N] [--no-txtai] [--out bench/results/index_speed.json]

The corpus is the CMRC 2018 trial contexts (one `.txt` file each, as `qa eval` reads them) and the
news articles of `eval/distractors/inews-devtest` (`make distractors`), copied into
`bench/work/index_speed/corpus`; `--limit N` keeps the first N files of each, for a quick look.

* **Ours**: `python -m qa index --corpus … --index <empty folder> --timings` in a child process, with the
  configured encoder (`QA_ENCODER`, default int8 ONNX). Wall time from spawn to exit (reading, cleaning,
  chunking, encoding, BM25, saving), peak RSS of the child, and the seconds of each stage it prints.
* **txtai**: in a child process, `Embeddings(path=<the same model folder>, hybrid=True, content=False)`:
  sentence-transformers on torch, as txtai's users run it, with its own BM25 over the same passages our
  index holds (heading and text, as our encoder sees them). Wall time from spawn to exit, model load
  included; reading and cleaning files are not txtai's work here, so ours carries them and txtai does not.

Both children run one after the other, never together. Prints one table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from report import save

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work" / "index_speed"
STAGES = re.compile(r"time per stage: (.*)$", re.M)


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Run `args`; returns (wall seconds, the child's peak RSS in bytes, its stdout). Exits on failure."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (Linux: ru_maxrss in KiB)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if child.returncode:
            raise SystemExit(f"{' '.join(args[:5])}… failed ({child.returncode}):\n{err.read()[-3000:]}")
        return seconds, usage.ru_maxrss * 1024, out.read()


def make_corpus(cmrc: Path, distractors: Path, limit: int) -> Path:
    """The evaluation corpus as files, written once (again when --limit changes)."""
    sys.path.insert(0, str(ROOT / "bench"))
    from ingest import write_cmrc

    folder = WORK / f"corpus-{limit or 'all'}"
    if (folder / ".done").is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "cmrc").mkdir(parents=True)
    write_cmrc(cmrc, folder / "cmrc")
    news = sorted(p for p in distractors.iterdir() if p.is_file() and not p.name.startswith("."))
    if not news:
        raise SystemExit(f"no distractors in {distractors}: run `make distractors` first")
    if limit:
        for extra in sorted((folder / "cmrc").iterdir())[limit:]:
            extra.unlink()
        news = news[:limit]
    (folder / "news").mkdir()
    for path in news:
        shutil.copyfile(path, folder / "news" / path.name)
    (folder / ".done").touch()
    return folder


def ours(corpus: Path) -> dict:
    index = WORK / "index-ours"
    shutil.rmtree(index, ignore_errors=True)
    args = [sys.executable, "-m", "qa", "index", "--corpus", str(corpus), "--index", str(index), "--timings"]
    seconds, rss, out = run_child(args)
    found = STAGES.search(out)
    stages = {}
    for part in found.group(1).split(" · ") if found else []:
        name, value, _ = part.rsplit(" ", 2)
        stages[name] = float(value)
    sys.path.insert(0, str(ROOT))
    from qa.search import builds
    from qa.search.index import passage_input

    loaded = builds.load(index)
    texts = [passage_input(p) for p in loaded.passages]
    model = loaded.manifest["model"]["name"]
    loaded.store.close()
    loaded.sentences.close()
    (WORK / "passages.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in texts), "utf-8")
    return {
        "system": f"qa index ({model})",
        "passages": len(texts),
        "seconds": round(seconds, 1),
        "ms_per_passage": round(seconds / len(texts) * 1000, 1),
        "peak_rss_mb": round(rss / 2**20),
        "stages": stages,
    }


def txtai(model: str) -> dict:
    args = [sys.executable, str(Path(__file__).resolve()), "--txtai-child", str(WORK / "passages.jsonl"), model]
    seconds, rss, out = run_child(args)
    inside = json.loads(out.strip().splitlines()[-1])
    return {
        "system": "txtai 9.14.0 hybrid (sentence-transformers, torch)",
        "passages": inside["passages"],
        "seconds": round(seconds, 1),
        "ms_per_passage": round(seconds / inside["passages"] * 1000, 1),
        "peak_rss_mb": round(rss / 2**20),
        "stages": {"index": round(inside["index_seconds"], 1)},
    }


def txtai_child(passages: Path, model: str) -> None:
    """Build txtai's hybrid index of `passages` (JSON lines) with the model folder; print what it took."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    texts = [json.loads(line) for line in passages.read_text("utf-8").splitlines()]
    from txtai import Embeddings

    embeddings = Embeddings(path=model, hybrid=True, content=False)
    started = time.perf_counter()
    embeddings.index((i, text, None) for i, text in enumerate(texts))
    print(json.dumps({"passages": len(texts), "index_seconds": time.perf_counter() - started}))


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--txtai-child":
        txtai_child(Path(sys.argv[2]), sys.argv[3])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distractors", default=str(ROOT / "eval/distractors/inews-devtest"))
    parser.add_argument("--cmrc", default=str(ROOT / "eval/cmrc2018/cmrc2018_trial.json"))
    parser.add_argument("--limit", type=int, default=0, help="first N files of each source (0 = all)")
    parser.add_argument("--no-txtai", action="store_true", help="time ours only")
    parser.add_argument("--out", default=str(ROOT / "bench/results/index_speed.json"))
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from qa.config import Settings

    corpus = make_corpus(Path(args.cmrc), Path(args.distractors), args.limit)
    rows = [ours(corpus)]
    if not args.no_txtai:
        rows.append(txtai(Settings.from_env(os.environ).model_ref))
    print(f"\n{len(list(corpus.rglob('*.txt')))} files · {date.today()} · {platform.processor() or platform.machine()}")
    print("| system | passages | seconds | ms per passage | peak RSS MB |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['system']} | {row['passages']} | {row['seconds']} | {row['ms_per_passage']} | {row['peak_rss_mb']} |"
        )
    if len(rows) == 2:
        print(f"txtai ÷ ours (time per passage): {rows[1]['ms_per_passage'] / rows[0]['ms_per_passage']:.2f}")
    total = sum(rows[0]["stages"].values()) or 1
    print("our stages: " + " · ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in rows[0]["stages"].items()))
    save(args.out, {"date": str(date.today()), "files": len(list(corpus.rglob("*.txt"))), "rows": rows})


if __name__ == "__main__":
    main()
