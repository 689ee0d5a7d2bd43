"""The formats questions asked the way a user does: the documents and the bundled corpus in one folder,
`qa index`, then `qa ask --json --batch`. A refused answer has no passages, so it counts as a miss.

    .venv/bin/python eval/formats/through_ask.py [--split test|fit] [--docs FILE ...] [--set FOLDER]

Prints, for the half asked: the right file first, the answer inside the first quote, the off-topic questions
answered, and each miss and each off-topic question answered. `qa eval` keeps a refused answer's passages; this does not.
With --docs, only those documents of docs/ are indexed with the bundled corpus, and only their questions are
asked, with every off-topic question of the half: a few documents of one's own, as a new user would try them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("fit", "test"), default="test")
    parser.add_argument("--docs", nargs="+", metavar="FILE", help="only these documents of docs/ (file names)")
    parser.add_argument(
        "--set", type=Path, default=HERE, help="a folder holding docs/ and questions.jsonl (default: this one)"
    )
    args = parser.parse_args()
    folder = args.set
    if not (folder / "questions.jsonl").is_file() or not (folder / "docs").is_dir():
        parser.error(f"{folder} holds no questions.jsonl and docs/")
    rows = [json.loads(line) for line in (folder / "questions.jsonl").read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["split"] == args.split]
    docs = sorted((folder / "docs").iterdir())
    if args.docs:
        missing = sorted(set(args.docs) - {d.name for d in docs})
        if missing:
            parser.error(f"not in {folder / 'docs'}: {', '.join(missing)}")
        docs = [d for d in docs if d.name in args.docs]
        rows = [r for r in rows if r.get("doc", "") in args.docs or "answer" not in r]
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        for path in [*docs, *(ROOT / "corpus").iterdir()]:
            shutil.copy(path, corpus / path.name)
        qa = [sys.executable, "-m", "qa"]
        where = ["--corpus", str(corpus), "--index", str(index)]
        subprocess.run([*qa, "index", *where], check=True, cwd=ROOT, capture_output=True)
        asked = "\n".join(r["question"] for r in rows) + "\n"
        done = subprocess.run(
            [*qa, "ask", *where, "--json", "--batch", "-"],
            input=asked,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    files = quotes = answerable = answered_off = off = 0
    for row, answer in zip(rows, answers):
        first = answer["passages"][0] if answer["passages"] else None
        if "answer" not in row:
            off += 1
            answered_off += answer["answered"]
            if answer["answered"]:
                print(f"answered {row['id']} {row['question']} · {first['quote'][:60] if first else ''}")
            continue
        answerable += 1
        files += bool(first) and Path(first["source"]["path"]).name == row["doc"]
        in_quote = bool(first) and row["answer"] in first["quote"]
        quotes += in_quote
        if not in_quote:
            print(f"miss {row['id']} {row['question']} · {first['quote'][:60] if first else answer['message']}")
    print(
        f"{args.split}: right file first {files}/{answerable} · answer in the first quote {quotes}/{answerable} · "
        f"off-topic answered {answered_off}/{off}"
    )


if __name__ == "__main__":
    main()
