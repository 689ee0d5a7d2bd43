"""Raw article text → title, metadata and clean heading/paragraph blocks.

The rules are general (see `boilerplate` and `meta`); the only document-level
reasoning is about layout: the header zone before the first body paragraph,
the gap of blank lines an image leaves, and lines a scraper broke mid-sentence.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from qa.ingest import boilerplate, meta
from qa.text.normalize import cjk_count, strip_invisible
from qa.text.sentences import ends_sentence

HEADING_MAX_CHARS = 40
TITLE_MAX_CHARS = 80


@dataclass(frozen=True)
class Block:
    """A heading or a body paragraph of the cleaned article."""

    kind: str  # "heading" | "para"
    text: str


@dataclass(frozen=True)
class Article:
    """What `parse_article` finds in one raw text."""

    title: str | None
    subtitle: str | None
    publisher: str | None
    date: str | None
    author: str | None
    blocks: tuple[Block, ...]


@dataclass
class _Line:
    text: str
    gap: int  # blank lines before it
    kind: str = "body"  # "body" | "short"


@dataclass
class _Meta:
    publisher: str | None = None
    byline_publisher: str | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)


def parse_article(text: str) -> Article:
    """Clean one article.

    Args:
        text: decoded file text (any line endings already normalised to \\n).

    Returns:
        The article's title, subtitle, publisher, date and author where it
        states them (None otherwise), and its heading and paragraph blocks
        with all boilerplate removed.
    """
    found = _Meta()
    lines = _content_lines(_lines_with_gaps(text), found)
    _drop_image_captions(lines)
    lines = _join_broken_lines(lines)
    title, header, body = _split_header(lines)
    blocks = _blocks(header + body)
    publisher = found.publisher or _first_dateline(blocks) or found.byline_publisher
    return Article(
        title=title,
        subtitle=" ".join(line.text for line in header) or None,
        publisher=publisher,
        date=found.date,
        author=" ".join(found.authors) or None,
        blocks=blocks,
    )


def _lines_with_gaps(text: str) -> list[_Line]:
    out: list[_Line] = []
    gap = 0
    for raw in text.split("\n"):
        line = strip_invisible(raw).strip()
        if not line:
            gap += 1
            continue
        out.append(_Line(line, gap))
        gap = 0
    return out


def _content_lines(lines: list[_Line], found: _Meta) -> list[_Line]:
    """Drop boilerplate, pull metadata lines out, stop at the footer."""
    kept: list[_Line] = []
    in_body = False
    for line in lines:
        s = line.text
        if boilerplate.starts_footer(s):
            if in_body:
                break
            continue
        if _take_meta(s, found, in_body) or boilerplate.is_boilerplate(s):
            continue
        if boilerplate.is_caption(s) or (not in_body and cjk_count(s) == 0):
            continue
        line.kind = "short" if _is_short(s) or (not kept and _is_title_like(s)) else "body"
        in_body = in_body or (line.kind == "body" and bool(kept))
        kept.append(line)
    while in_body and kept and kept[-1].kind == "short" and meta.is_name_line(kept[-1].text):
        found.authors.insert(0, " ".join(kept.pop().text.split()))
    return kept


def _take_meta(s: str, found: _Meta, in_body: bool) -> bool:
    """Record a metadata or byline line; True when the line is consumed."""
    if not in_body and meta.is_meta_line(s):
        found.publisher = found.publisher or meta.source_of(s)
        found.date = found.date or meta.date_of(s)
        author = meta.author_field(s)
        if author:
            found.authors.append(author)
        return True
    by = meta.byline(s)
    if by is None:
        return False
    found.authors.append(by[0])
    found.byline_publisher = found.byline_publisher or by[1]
    return True


def _is_short(s: str) -> bool:
    """A heading-like line: short, and no sentence ends in it."""
    if len(s) > HEADING_MAX_CHARS or ends_sentence(s):
        return False
    return not any(ch in s for ch in "。！？!?；;")


def _is_title_like(s: str) -> bool:
    """The first line may be a long headline: no sentence ends inside it."""
    return len(s) <= TITLE_MAX_CHARS and not any(ch in s[:-1] for ch in "。；;") and not s.endswith("。")


def _drop_image_captions(lines: list[_Line]) -> None:
    """Remove caption lines that sit in the larger blank gap an image leaves.

    Headings and captions are both short lines; within one document the
    captions are the ones preceded by the widest gap, wider than the usual
    gap between paragraphs by at least two blank lines, and not followed
    directly by a paragraph of their own.
    """
    first_body = next((i for i, line in enumerate(lines) if line.kind == "body" and i > 0), len(lines))
    body_gaps = [line.gap for line in lines[first_body + 1 :] if line.kind == "body"]
    usual = int(statistics.median(body_gaps)) if body_gaps else 1
    shorts = [i for i in range(first_body, len(lines)) if lines[i].kind == "short"]
    levels = {lines[i].gap for i in shorts}
    if len(levels) < 2 or max(levels) < usual + 2:
        return
    widest = max(levels)
    drop = [
        i
        for i in shorts
        if lines[i].gap == widest
        and not (i + 1 < len(lines) and lines[i + 1].kind == "body" and lines[i + 1].gap <= usual)
    ]
    for i in reversed(drop):
        del lines[i]


def _join_broken_lines(lines: list[_Line]) -> list[_Line]:
    """Re-join a paragraph that the page broke in mid-sentence."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if prev and prev.kind == "body" and line.kind != "short" and not ends_sentence(prev.text) and line.gap <= 1:
            prev.text += line.text
            continue
        if (
            prev
            and prev.kind == "body"
            and line.kind == "short"
            and not ends_sentence(prev.text)
            and len(prev.text) > HEADING_MAX_CHARS
            and line.gap <= 1
            and _continues(line.text)
        ):
            prev.text += line.text
            continue
        out.append(line)
    return out


def _continues(s: str) -> bool:
    """A short line that reads as the tail of a sentence (starts with punctuation)."""
    return s[:1] in "，,、；;：:）)”’"


def _split_header(lines: list[_Line]) -> tuple[str | None, list[_Line], list[_Line]]:
    """Title, the other header lines (subtitle, deck), and the body."""
    if not lines:
        return None, [], []
    title = None
    rest = lines
    if (
        len(lines[0].text) <= TITLE_MAX_CHARS
        and cjk_count(lines[0].text)
        and (lines[0].kind == "short" or len(lines) > 1)
    ):
        title, rest = lines[0].text, lines[1:]
    first_body = next((i for i, line in enumerate(rest) if line.kind == "body"), len(rest))
    return title, rest[:first_body], rest[first_body:]


def _blocks(lines: list[_Line]) -> tuple[Block, ...]:
    """Consecutive short lines become one heading; body lines are paragraphs."""
    blocks: list[Block] = []
    for line in lines:
        if line.kind == "short" and blocks and blocks[-1].kind == "heading":
            blocks[-1] = Block("heading", f"{blocks[-1].text} {line.text}")
        else:
            blocks.append(Block("heading" if line.kind == "short" else "para", line.text))
    while blocks and blocks[-1].kind == "heading":
        blocks.pop()
    return tuple(blocks)


def _first_dateline(blocks: tuple[Block, ...]) -> str | None:
    first = next((b for b in blocks if b.kind == "para"), None)
    return meta.dateline_publisher(first.text) if first else None
