"""Everyday words a question uses for what documents write formally: 狗 for 犬, 房东 for 出租人, 坏了 for 故障.

Regulations, contracts and manuals keep to a written register that people asking do not. A question's
word stands for the written form its corpus uses more (`qa.search.retrieve._corpus_word`), so keyword search and the
evidence that a passage covers the question see the document's word. The dense leg needs no help here:
the embedding places 狗 and 犬 close already.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

COLLOQUIAL_PATH = Path(__file__).resolve().parent.parent / "data" / "colloquial.txt"


@lru_cache(maxsize=1)
def written_forms() -> dict[str, tuple[str, ...]]:
    """Everyday word → its written forms, from `qa/data/colloquial.txt`."""
    forms: dict[str, tuple[str, ...]] = {}
    for line in COLLOQUIAL_PATH.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if len(words) >= 2 and not line.startswith("#"):
            forms[words[0]] = tuple(words[1:])
    return forms
