"""Checks questions.jsonl against docs/ (standard library only).

    python3 eval/formats/check.py

Every line parses; ids are unique; each answer is 2–20 characters and stands word for word in its document
(faq.html: its page text; dog_rules.pdf: the source text it was typeset from); every document has questions;
off-topic questions (x…) have no document and no answer. Exits 1 when anything fails.
"""

from __future__ import annotations

import collections
import html.parser
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


class _PageText(html.parser.HTMLParser):
    """The visible text of a page: everything but scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def doc_text(name: str) -> str:
    """The text an answer must stand in."""
    path = HERE / "docs" / name
    if name.endswith(".pdf"):  # typeset from its source text by make_pdf.py
        path = HERE / "sources" / (name[:-4] + ".txt")
    raw = path.read_text(encoding="utf-8")
    if name.endswith(".html"):
        page = _PageText()
        page.feed(raw)
        return "".join(page.parts)
    return raw


def main() -> int:
    errors = 0
    ids: set[str] = set()
    per_doc: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    off: collections.Counter[str] = collections.Counter()
    for line in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["id"] in ids:
            print("dup id", r["id"])
            errors += 1
        ids.add(r["id"])
        assert r["split"] in ("fit", "test") and r["question"].endswith("？"), r
        if "doc" not in r:
            assert "answer" not in r and r["id"].startswith("x"), r
            off[r["split"]] += 1
            continue
        answer = r["answer"]
        if not 2 <= len(answer) <= 20:
            print("length", r["id"], len(answer), answer)
            errors += 1
        if answer not in doc_text(r["doc"]):
            print("NOT FOUND", r["id"], r["doc"], answer)
            errors += 1
        per_doc[r["doc"]][r["split"]] += 1
    for name, counts in per_doc.items():
        print(f"{name:22s} fit={counts['fit']:2d} test={counts['test']:2d}")
        if not (counts["fit"] or counts["test"]):
            print("  no questions")
            errors += 1
    print("in-doc questions:", sum(sum(c.values()) for c in per_doc.values()), "off-topic:", dict(off))
    print("oneline_news.txt newlines:", doc_text("oneline_news.txt").count("\n"))
    print("errors:", errors)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
