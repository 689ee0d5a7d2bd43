"""Documents → passages along paragraphs, long ones split at sentence ends."""

from __future__ import annotations

import re

from qa.config import MAX_CHARS, MIN_CHARS
from qa.ingest.document import Document, Passage
from qa.text.sentences import sentence_spans

LEAD_CHARS = 120  # the longest lead-in a later part of a paragraph repeats
# A paragraph that asks (问题：卡纸。, Q: …, 忘记打卡怎么办？) is answered by the next one: they stay together.
_ASKS = re.compile(r"^\s*(?:问题?|提问|Q|q)\s*[：:]|[？?]\s*$")


def chunk(doc: Document, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS) -> list[Passage]:
    """Cut a document into passages.

    A paragraph of up to `max_chars` characters is one passage (an article of a regulation
    with all its items is one paragraph). A longer one is split at sentence ends (and line
    ends) into parts of at most `max_chars`, each part repeating the last sentence of the
    part before it; a part after the first carries the paragraph's lead-in (its first line,
    when it introduces items or is a numbered article) as `Passage.lead`, searched with it. A
    paragraph shorter than `min_chars`, or one that asks a question (a FAQ's 问：… line), is
    merged into the next paragraph under the same heading (a fragment that is last, into the
    previous one).

    Args:
        doc: the cleaned document.
        max_chars: the longest passage wanted.
        min_chars: paragraphs shorter than this are fragments.

    Returns:
        Passages in document order; each one's text is `doc.text[start:end]`.
    """
    passages: list[Passage] = []
    labels = {p.number: p.label for p in doc.paragraphs}
    for number, start, end, heading in _merged_paragraphs(doc, min_chars):
        lead = lead_in(doc.text[start:end], labels.get(number))
        for part, (a, b) in enumerate(_parts(doc.text, start, end, max_chars)):
            passages.append(
                Passage(
                    id=f"{doc.doc_id}-{number}-{part}",
                    doc_id=doc.doc_id,
                    paragraph=number,
                    part=part,
                    start=a,
                    end=b,
                    text=doc.text[a:b],
                    heading=heading,
                    label=labels.get(number),
                    lead=lead if part and lead and not doc.text[a:b].startswith(lead) else None,
                )
            )
    return passages


def lead_in(text: str, label: str | None) -> str | None:
    """A paragraph's lead-in: the first line of a numbered article or of lines that introduce
    items (it ends with a colon), at most LEAD_CHARS; an article on one line has its label
    (第五条); None for a paragraph that has none."""
    first, sep, _ = text.partition("\n")
    if label:
        return (first if sep else label)[:LEAD_CHARS]
    return first[:LEAD_CHARS] if sep and first.rstrip().endswith((":", "：")) else None


def _merged_paragraphs(doc: Document, min_chars: int) -> list[tuple[int, int, int, str | None]]:
    """(number, start, end, heading) spans, fragments merged within their section (a numbered
    article is a section of its own: 第一条 总则内容。 is never glued to 第二条)."""
    sections: list[list[tuple[int, int, int, str | None]]] = []
    previous = None
    for para in doc.paragraphs:
        if not sections or previous is None or previous.heading != para.heading or para.label or previous.label:
            sections.append([])
        previous = para
        sections[-1].append((para.number, para.start, para.end, para.heading))
    merged: list[tuple[int, int, int, str | None]] = []
    for section in sections:
        out: list[tuple[int, int, int, str | None]] = []
        carry: tuple[int, int, int, str | None] | None = None
        for number, start, end, heading in section:
            asks = _ASKS.search(doc.text[start:end]) is not None
            if carry is not None:
                number, start = carry[0], carry[1]  # a fragment joins the paragraph after it
            carry = (number, start, end, heading) if end - start < min_chars or asks else None
            if carry is None:
                out.append((number, start, end, heading))
        if carry is not None:  # a fragment at the end joins the paragraph before it
            if out:
                last = out.pop()
                carry = (last[0], last[1], carry[2], carry[3])
            out.append(carry)
        merged.extend(out)
    return merged


def _parts(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    if end - start <= max_chars:
        return [(start, end)]
    sentences = _bounded(text, sentence_spans(text, start, end), max_chars)
    parts: list[tuple[int, int]] = []
    i = 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j][1] - sentences[i][0] <= max_chars:
            j += 1
        parts.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        # Overlap one sentence, unless the part held only one (no progress otherwise).
        i = j - 1 if j - 1 > i else j
    return parts


def _bounded(text: str, spans: list[tuple[int, int]], max_chars: int) -> list[tuple[int, int]]:
    """Break sentences longer than `max_chars` at commas, then hard."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        while b - a > max_chars:
            window = text[a : a + max_chars]
            cut = max(window.rfind(c) for c in "，,、：:")
            cut = cut + 1 if cut > max_chars // 3 else max_chars
            out.append((a, a + cut))
            a += cut
        out.append((a, b))
    return out
