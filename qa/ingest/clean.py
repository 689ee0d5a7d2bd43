"""Scraped article text (a news page, a text dump) → title, metadata and clean heading/paragraph blocks.

The rules are general (see `boilerplate` and `meta`); the only document-level
reasoning is about layout: the header zone before the first body paragraph,
the gap of blank lines an image leaves, and lines a scraper broke mid-sentence.
Every line left out is recorded with the rule that left it out (`Article.dropped`).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from qa.ingest import boilerplate, meta
from qa.ingest.document import Article, Block, Dropped
from qa.ingest.html import strip_markup
from qa.ingest.markdown import strip_inline
from qa.ingest.structure import HEADING_MAX_CHARS, issued, opens_part, opens_section
from qa.text.normalize import cjk_count, strip_invisible
from qa.text.sentences import ends_sentence

TITLE_MAX_CHARS = 80
# A line break a scraper wrote as the two characters \n, next to Chinese text.
_ESCAPED_BREAK = re.compile(r"(?<=[^\x00-\x7f])\\n|\\n(?=[^\x00-\x7f])")


@dataclass
class _Line:
    text: str
    gap: int  # blank lines before it
    kind: str = "body"  # "body" | "short"
    marked: bool = False  # the page marks it a heading (<h1>…<h6>)
    row: bool = False  # a row of a table on the page (办理时限：5个工作日): text, whole


@dataclass
class _Meta:
    publisher: str | None = None
    byline_publisher: str | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)


def parse_article(
    text: str, *, markup: bool = True, headings: frozenset[str] = frozenset(), rows: frozenset[str] = frozenset()
) -> Article:
    """Clean one article.

    Args:
        text: decoded file text (any line endings already normalised to \\n).
        markup: remove HTML fragments left in the text (a page-break <div>) and read its inline Markdown
            (**注意**, links, images: `qa.ingest.markdown.strip_inline`); False for the
            visible text of a web page, where a < is a character of the page.
        headings: lines the page marks as headings (<h2>…): headings even when a sentence ends
            in them (an FAQ's 公积金的缴存比例是多少？).
        rows: the lines of the page's tables (办理时限：5个工作日): text however short, each a line of its own.

    Returns:
        The article's title, subtitle, publisher, date and author where it
        states them (None otherwise), its heading and paragraph blocks with
        all boilerplate removed, and every line or clause left out with its rule.
    """
    found = _Meta()
    dropped: list[Dropped] = []
    if markup:
        text, tags = strip_markup(text)
        dropped.extend([Dropped(" ".join(tags)[:200], "markup")] if tags else [])
        text, inline = strip_inline(text)
        dropped.extend(inline)
    read = len(re.sub(r"\s", "", text))
    lines = _content_lines(_lines_with_gaps(text), found, dropped, headings, rows)
    _drop_image_captions(lines, dropped)
    lines = _join_broken_lines(lines)
    title, header, body = _split_header(lines)
    blocks = _blocks(header + body, dropped)
    publisher = found.publisher or _first_dateline(blocks) or found.byline_publisher
    return Article(
        title=title,
        subtitle=" ".join(line.text for line in header) or None,
        publisher=publisher,
        date=found.date,
        author=" ".join(found.authors) or None,
        blocks=blocks,
        dropped=tuple(dropped),
        kind="news",
        chars_read=read,
    )


def _lines_with_gaps(text: str) -> list[_Line]:
    out: list[_Line] = []
    gap = 0
    for raw in _ESCAPED_BREAK.sub("\n", text).split("\n"):
        line = strip_invisible(raw).strip()
        if not line:
            gap += 1
            continue
        out.append(_Line(line, gap))
        gap = 0
    return out


def _content_lines(
    lines: list[_Line],
    found: _Meta,
    dropped: list[Dropped],
    headings: frozenset[str] = frozenset(),
    rows: frozenset[str] = frozenset(),
) -> list[_Line]:
    """Drop boilerplate, pull metadata lines out, stop at the footer; record each line left out."""
    kept: list[_Line] = []
    in_body = False
    lines = _unfolded(lines, dropped)
    for at, line in enumerate(lines):
        if len(line.text) > boilerplate.LONG_LINE:  # mostly content: only the matching clauses go
            line.text, removed = boilerplate.strip_clauses(line.text)
            dropped.extend(Dropped(text, rule) for text, rule in removed)
        s = line.text
        if not s:
            continue
        rule = _rule(s, found, in_body)
        if rule == "footer" and in_body:
            dropped.append(Dropped(s, "footer"))
            dropped.extend(Dropped(rest.text, "after-footer") for rest in lines[at + 1 :])
            break
        if rule is not None:
            dropped.append(Dropped(s, rule))
            continue
        marked = s in headings and len(s) <= TITLE_MAX_CHARS
        line.marked = marked
        line.row = s in rows and not marked
        line.kind = (
            "short" if marked or (not line.row and (_is_short(s) or (not kept and is_title_like(s)))) else "body"
        )
        in_body = in_body or (line.kind == "body" and bool(kept))
        kept.append(line)
    while in_body and kept and kept[-1].kind == "short" and meta.is_name_line(kept[-1].text):
        name = kept.pop().text
        found.authors.insert(0, " ".join(name.split()))
        dropped.append(Dropped(name, "byline"))
    return kept


def _unfolded(lines: list[_Line], dropped: list[Dropped]) -> list[_Line]:
    """Long lines cut into a scraped page's header parts, headline and text (`boilerplate.unfold`); a
    footer run into the end of a line is left out."""
    out: list[_Line] = []
    for line in lines:
        if len(line.text) <= boilerplate.LONG_LINE:
            out.append(line)
            continue
        parts, tail = boilerplate.unfold(line.text)
        out.extend(_Line(part, line.gap if k == 0 else 0) for k, part in enumerate(parts))
        if tail:
            dropped.append(Dropped(tail, "footer"))
    return out


def _rule(s: str, found: _Meta, in_body: bool) -> str | None:
    """The rule that leaves line `s` out (recording metadata it states), or None to keep it."""
    short = len(s) <= boilerplate.LONG_LINE
    if short and boilerplate.starts_footer(s):
        return "footer"
    taken = _take_meta(s, found, in_body)
    if taken:
        return taken
    rule = (boilerplate.rule_of(s) if short else boilerplate.long_navigation(s)) or boilerplate.caption_rule(s)
    if rule:
        return rule
    return "no-chinese-header" if not in_body and cjk_count(s) == 0 else None


def _take_meta(s: str, found: _Meta, in_body: bool) -> str | None:
    """Record a metadata or byline line: "metadata" / "byline" when the line is consumed, else None.

    A long line is a metadata line only when no sentence ends in it: a one-line article
    that starts with 来源：… is content with a source, not a header.
    """
    if not in_body and meta.is_meta_line(s) and (len(s) <= boilerplate.LONG_LINE or "。" not in s):
        found.publisher = found.publisher or meta.source_of(s)
        found.date = found.date or meta.date_of(s)
        author = meta.author_field(s)
        if author:
            found.authors.append(author)
        return "metadata"
    by = meta.byline(s)
    if by is None:
        return None
    found.authors.append(by[0])
    found.byline_publisher = found.byline_publisher or by[1]
    return "byline"


# A sentence that introduces a list (申请人应到派出所办理，需提供以下材料：): body text, however short.
_LEAD_IN = re.compile(r"[^：:\s]{8,}[：:]$")


# A salutation (尊敬的用户：, 各位家长：) opens the text: it is no heading.
_SALUTATION = re.compile(r"^(尊敬的|亲爱的|各位|全体)[^：:，。]{1,12}[：:]$")


def _introduces_list(text: str) -> bool:
    """True when `text` ends in a clause that introduces a list (…需提供以下材料：); only its end is read."""
    return text.endswith(("：", ":")) and _LEAD_IN.search(text[-HEADING_MAX_CHARS:]) is not None


def _is_short(s: str) -> bool:
    """A heading-like line: short, and no sentence ends in it, nor does it introduce a list."""
    if len(s) > HEADING_MAX_CHARS or ends_sentence(s) or _introduces_list(s) or _SALUTATION.match(s):
        return False
    return not any(ch in s for ch in "。！？!?；;")


def is_title_like(s: str) -> bool:
    """The first line may be a long headline: no sentence ends inside it."""
    return len(s) <= TITLE_MAX_CHARS and not any(ch in s[:-1] for ch in "。；;") and not s.endswith("。")


def _drop_image_captions(lines: list[_Line], dropped: list[Dropped]) -> None:
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
        and not lines[i].marked  # the page marks it as a heading (<h2>)
        and not (i + 1 < len(lines) and lines[i + 1].kind == "body" and lines[i + 1].gap <= usual)
    ]
    dropped.extend(Dropped(lines[i].text, "image-gap") for i in drop)
    for i in reversed(drop):
        del lines[i]


def _join_broken_lines(lines: list[_Line]) -> list[_Line]:
    """Re-join a paragraph that the page broke in mid-sentence."""
    out: list[_Line] = []
    for line in lines:
        prev = out[-1] if out else None
        if (
            prev
            and prev.kind == "body"
            and line.kind != "short"
            and not ends_sentence(prev.text)
            and line.gap <= 1
            and not opens_part(line.text)
            and not line.row
            and not prev.row
        ):
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
        and not lines[0].row  # a page's table above its headline (索引号：…，主题分类：…) is text
    ):
        title, rest = lines[0].text, lines[1:]
    first_body = next((i for i, line in enumerate(rest) if line.kind == "body"), len(rest))
    return title, rest[:first_body], rest[first_body:]


def _blocks(lines: list[_Line], dropped: list[Dropped]) -> tuple[Block, ...]:
    """Consecutive short lines become one heading; body lines are paragraphs.

    Headings with no paragraph after them are not lost: at the end of an article that has
    paragraphs they are recorded as dropped; in a text made only of short lines (an outline,
    a list) they are its paragraphs.
    """
    blocks: list[Block] = []
    listing = False  # the last paragraph introduces a list (…需提供以下材料：): short lines after it are its items
    for at, line in enumerate(lines):
        # A numbered line followed by text is the heading of a section, not an item of the list (…通知如下：
        # 一、停水时间 2025年9月20日…); one followed by another short line is an item (…材料： 一、身份证 二、户口本).
        numbered = opens_part(line.text) or opens_section(line.text)
        section = numbered and at + 1 < len(lines) and lines[at + 1].kind == "body"
        if line.kind == "short" and listing and not line.marked and not section:
            blocks[-1] = Block("para", f"{blocks[-1].text}\n{line.text}")
            continue
        if line.kind == "short" and blocks and blocks[-1].kind == "heading" and not opens_part(line.text):
            blocks[-1] = Block("heading", f"{blocks[-1].text} {line.text}")
        else:
            blocks.append(Block("heading" if line.kind == "short" else "para", line.text))
        listing = blocks[-1].kind == "para" and _introduces_list(line.text)
    if not any(b.kind == "para" for b in blocks):
        return tuple(Block("para", b.text) for b in blocks)
    end = len(blocks)
    while end and blocks[end - 1].kind == "heading":
        end -= 1
    kept = blocks[:end]
    for block in blocks[end:]:  # short lines at the end: a signature with a date stays, the rest goes
        if issued(block.text):
            kept.append(Block("para", block.text))
        else:
            dropped.append(Dropped(block.text, "trailing-heading"))
    return tuple(kept)


def _first_dateline(blocks: tuple[Block, ...]) -> str | None:
    first = next((b for b in blocks if b.kind == "para"), None)
    return meta.dateline_publisher(first.text) if first else None


def looks_scraped(text: str) -> bool:
    """True when a text file shows the marks of a scraped web page: a navigation trail, a copyright
    or ICP line, a 来源：/发布时间： header before the text, a byline or a 责任编辑 footer. A 日期：… line after
    the text begins is a contract's or a notice's signature block, not a page's header."""
    in_text = False
    for raw in text.split("\n")[:400]:
        line = strip_invisible(raw).strip()
        if not line or len(line) > 200:
            in_text = in_text or bool(line)
            continue
        rule = boilerplate.rule_of(line)
        if (
            rule in ("navigation", "legal")
            or boilerplate.starts_footer(line)
            or (meta.is_meta_line(line) and not in_text)
        ):
            return True
        if meta.byline(line) is not None:
            return True
        in_text = in_text or len(line) > boilerplate.LONG_LINE or "。" in line
    return False
