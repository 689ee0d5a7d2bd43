"""Sentence boundaries for Chinese text, as character spans."""

from __future__ import annotations

import re

# A sentence ends at 。！？!?；; or an ellipsis, together with any closing
# quotes/brackets that belong to it (“……。”他说 → the ” stays with the sentence),
# and at a line break: a paragraph of lines (an article's items, a table's rows) has one per line.
_END = re.compile(r"(?:[。！？!?；;]+|…{1,2}|\.{3,})[”’」』）)\]】]*|\n")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Split `text[start:end]` into sentences.

    Args:
        text: the text.
        start: first character to consider.
        end: one past the last character (default: end of text).

    Returns:
        (start, end) offsets into `text`, whitespace trimmed, in order,
        covering every non-space character of the range exactly once.
    """
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    for match in _END.finditer(text, start, stop):
        _add(text, pos, match.end(), spans)
        pos = match.end()
    _add(text, pos, stop, spans)
    return _attach_attributions(text, spans)


ATTRIBUTION_MAX = 24


def _attach_attributions(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Keep “…。”他介绍。 together: a short sentence right after a closing quote names its speaker."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and text[out[-1][1] - 1] in "”’」』" and b - a <= ATTRIBUTION_MAX and text[a] not in "“‘「『":
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _add(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


_SENTENCE_END = re.compile(r"(?:[。！？!?；;…]|\.{3})[”’」』）)\]】]*$")


def ends_sentence(line: str) -> bool:
    """True when `line` ends with sentence-final punctuation."""
    # Only the tail matters; searching the whole line made re-joining a long paragraph quadratic.
    return bool(_SENTENCE_END.search(line.rstrip()[-32:]))
