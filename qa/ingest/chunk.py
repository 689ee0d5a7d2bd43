"""Documents → passages along paragraphs, long ones split at sentence ends."""

from __future__ import annotations

from qa.ingest.document import Document, Passage
from qa.text.sentences import sentence_spans

MAX_CHARS = 300
MIN_CHARS = 12


def chunk(doc: Document, max_chars: int = MAX_CHARS, min_chars: int = MIN_CHARS) -> list[Passage]:
    """Cut a document into passages.

    A paragraph of up to `max_chars` characters is one passage. A longer one
    is split at sentence ends into parts of at most `max_chars`, each part
    repeating the last sentence of the part before it. A paragraph shorter
    than `min_chars` is merged into the next paragraph under the same
    heading (or the previous one when it is last).

    Args:
        doc: the cleaned document.
        max_chars: the longest passage wanted.
        min_chars: paragraphs shorter than this are fragments.

    Returns:
        Passages in document order; each one's text is `doc.text[start:end]`.
    """
    passages: list[Passage] = []
    for number, start, end, heading in _merged_paragraphs(doc, min_chars):
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
                )
            )
    return passages


def _merged_paragraphs(doc: Document, min_chars: int) -> list[tuple[int, int, int, str | None]]:
    merged: list[tuple[int, int, int, str | None]] = []
    pending: tuple[int, int, int, str | None] | None = None
    for para in doc.paragraphs:
        current = (para.number, para.start, para.end, para.heading)
        if pending is not None and pending[3] == para.heading:
            current = (pending[0], pending[1], para.end, para.heading)
        elif pending is not None:
            merged.append(pending)
        pending = None
        if current[2] - current[1] < min_chars:
            pending = current
            continue
        merged.append(current)
    if pending is not None:
        if merged and merged[-1][3] == pending[3]:
            last = merged.pop()
            pending = (last[0], last[1], pending[2], last[3])
        merged.append(pending)
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
