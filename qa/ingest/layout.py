"""Text lines from PDF/DOCX and plain text files → headings and paragraphs: line joining, page furniture,
metadata placeholders.

A PDF text layer has no paragraphs, only lines wrapped at the page width (and a plain text
file copied from one is the same), so paragraphs are rebuilt from the shape of the lines:

* a line ends its paragraph when it ends with 。！？!?”」』 (the end of a
  sentence) or when it is clearly shorter than a full line (under
  `SHORT_LINE` of the document's usual full-line width, and of its usual count
  of characters): the last line of a paragraph rarely reaches the right margin,
  a wrapped one always does;
* a blank line inside a page, where the extractor gives one, also ends a paragraph;
* a line that opens an article, a chapter or a numbered item (第五条, 第二章, （一）, 1.)
  starts a paragraph;
* a paragraph that is one short line with no sentence punctuation in it is a
  heading (第一章 总则, 一、基本情况);
* wrapped lines are joined with nothing between CJK characters, and with a
  space only between two half-width characters (Latin words, numbers);
* a paragraph that runs on to the next page belongs to the page where it
  starts;
* page furniture is dropped: a line near the top or bottom of a page that is
  only a page number (3, - 3 -, 第 3 页, 3/10, Page 3 of 10), or that repeats
  there, digits aside, on most pages (a running header or footer).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import replace

from qa.ingest.document import Article, Block, Dropped
from qa.ingest.html import strip_markup
from qa.ingest.structure import HEADING_MAX_CHARS, division, opens_part, opens_section
from qa.text.normalize import strip_invisible
from qa.text.sentences import ends_sentence

SHORT_LINE = 0.8  # a line under this share of the full-line width ends its paragraph
OUTLIERS = 20  # the longest of every this many lines is left out of the full-line width (a table row, a URL)
EDGE_LINES = 3  # lines at the top and at the bottom of a page where headers, footers and page numbers sit (a
# masthead of two lines and its page number)
REPEATED_SHARE = 0.6  # a line at the edge of at least this share of the pages (and two of them) is furniture
PARAGRAPH_END = "。！？!?”」』"

_PAGE_NUMBER = re.compile(
    r"^[-–—·\s]*(?:(?:page|p\.)\s*)?(?:第\s*)?[\d一二三四五六七八九十百]{1,4}(?:\s*页)?"
    r"(?:\s*(?:/|／|of)\s*\d{1,4}|\s*[,，]?\s*共\s*\d{1,4}\s*页)?[-–—·\s]*$",
    re.IGNORECASE,
)
# A page number that says so (第 2 页 共 5 页, 第3页, 2 / 5 页, Page 2 of 5): furniture wherever the page's text
# puts it, since a typesetter may draw the footer before the body.
_MARKED_PAGE = re.compile(
    r"^[-–—·\s]*(?:第\s*[\d一二三四五六七八九十百]{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|[\d]{1,4}\s*[/／]\s*\d{1,4}\s*页|page\s*\d{1,4}\s*of\s*\d{1,4})[-–—·\s]*$",
    re.IGNORECASE,
)
_PLACEHOLDERS = {
    "untitled",
    "anonymous",
    "unknown",
    "unspecified",
    "python-docx",
    "administrator",
    "admin",
    "user",
    "microsoft office user",
    "word document",
    "微软用户",
    "微软中国",
    "无标题",
    "未命名",
}
_FILE_NAME = re.compile(r"^microsoft (?:word|powerpoint) - |\.(?:docx?|pdf|wps|txt|rtf|pptx?)$", re.IGNORECASE)


def display_width(text: str) -> int:
    """Width of `text` in half-width cells: CJK and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def join_lines(left: str, right: str) -> str:
    """Join two wrapped lines of one paragraph.

    A space is kept only between two half-width characters (so English words
    and numbers stay apart), unless the break cuts a number set among Chinese
    characters; a CJK line break leaves nothing, and a word hyphenated at the
    end of a line is mended.
    """
    if not left or not right:
        return left or right
    if left.endswith("-") and left[-2:-1].isalpha() and left[-2:-1].isascii() and right[0].islower():
        return left[:-1] + right
    if _half_width(left[-1]) and _half_width(right[0]) and not _split_number(left, right):
        return f"{left} {right}"
    return left + right


_TIME_OR_DECIMAL = re.compile(r"[:.][0-9]")


def _split_number(left: str, right: str) -> bool:
    """True when a line break falls inside a number set among Chinese characters (通过　2 | 023年, 电话：0598 |
    -6632045): a Chinese typesetter breaks anywhere, an English one only between words."""
    head, tail = left.rstrip("0123456789-"), right.lstrip("0123456789-")
    return (
        head != left
        and tail != right
        and bool(head)
        and not _half_width(head[-1])
        # 至1 | 7:30, 约1 | 2.5米; a phone number at the line's end (电话：0598 | -6632045)
        and (not tail or tail[0].isspace() or not _half_width(tail[0]) or _TIME_OR_DECIMAL.match(tail) is not None)
    )


def _half_width(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) not in "WF"


def drop_page_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove page numbers and running headers/footers.

    Args:
        pages: the stripped lines of each page ("" for a blank line).

    Returns:
        The same pages without the lines near a page's top or bottom that
        are a page number or repeat (digits aside) on most pages, and without
        the lines anywhere that say they are a page number (第 2 页 共 5 页):
        inside a page, such a line ends the paragraph before it, as the
        footer it stands for did.
    """
    edges = [_edge_indexes(lines) for lines in pages]
    counts: Counter[str] = Counter()
    for lines, edge in zip(pages, edges):
        counts.update({_furniture_key(lines[i]) for i in edge})
    with_text = sum(1 for lines in pages if any(lines))
    needed = max(2, math.ceil(REPEATED_SHARE * with_text))
    repeated = {key for key, n in counts.items() if n >= needed}
    out = []
    for lines, edge in zip(pages, edges):
        kept: list[str] = []
        dropped: set[str] = set()
        for i, line in enumerate(lines):
            key = _furniture_key(line)
            # A running header is on a page once: a second 房屋租赁合同 at the top of the first page is its title.
            if i in edge and (_PAGE_NUMBER.match(line) or (key in repeated and key not in dropped)):
                dropped.add(key)
            else:
                kept.append("" if i not in edge and _MARKED_PAGE.match(line) else line)
        out.append(kept)
    return out


def _edge_indexes(lines: list[str]) -> set[int]:
    """Positions of the first and last `EDGE_LINES` non-blank lines of a page."""
    filled = [i for i, line in enumerate(lines) if line]
    return set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])


def _furniture_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


def paged_blocks(pages: list[list[str]], *, typeset: bool = False) -> tuple[list[Block], list[int]]:
    """Rebuild headings and paragraphs from the wrapped lines of each page.

    Args:
        pages: the stripped lines of each page ("" for a blank line), page furniture already dropped.
        typeset: the lines are a PDF's, wrapped by a typesetter (a line is full by its width or by its count).

    Returns:
        The blocks in reading order, and the 1-based page where each one starts.
    """
    full = _full_width([display_width(line) for lines in pages for line in lines if line])
    # A typesetter that breaks at a count of characters, not at a width, leaves lines with digits narrower: in a PDF
    # (`typeset`) such a line is full by its count (…每天上午8:30 | 至11:30…). A text file's lines are as written.
    count = _full_width([len(line) for lines in pages for line in lines if line]) if typeset else math.inf
    blocks: list[Block] = []
    starts: list[int] = []
    current: list[str] = []
    for number, lines in enumerate(pages, start=1):
        for line in lines:
            if line and current and opens_part(line):
                blocks.append(_block(current))
                current = []
            if line and not current:
                starts.append(number)
            if line:
                current.append(line)
            if current and (not line or _ends_paragraph(line, full, count)):
                blocks.append(_block(current))
                current = []
    if current:
        blocks.append(_block(current))
    return blocks, starts


def _full_width(widths: list[int]) -> int:
    """The width of a full (wrapped) line in this document."""
    if not widths:
        return 0
    ordered = sorted(widths)
    return ordered[-1 - len(ordered) // OUTLIERS]


def _ends_paragraph(line: str, full: int, count: float) -> bool:
    return line.endswith(tuple(PARAGRAPH_END)) or (
        display_width(line) < SHORT_LINE * full and len(line) < SHORT_LINE * count
    )


def _block(lines: list[str]) -> Block:
    text = lines[0]
    for line in lines[1:]:
        text = join_lines(text, line)
    return Block("heading" if len(lines) == 1 and is_heading_text(text) else "para", text)


def is_heading_text(text: str) -> bool:
    """A line that can be a heading: short, no sentence ends in it, and it introduces nothing (各社区：)."""
    return (
        len(text) <= HEADING_MAX_CHARS
        and not ends_sentence(text)
        and not any(ch in text for ch in "。！？!?；;")
        and not text.endswith((":", "："))  # a salutation or a lead-in, not a heading
    )


def meta_value(value: object) -> str | None:
    """A metadata field as text, or None when it is empty or a known placeholder.

    Word, WPS and PDF generators fill in "Administrator", "untitled",
    "Microsoft Word - 文件名.docx" and the like; none of them describes the document.
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or text.lower() in _PLACEHOLDERS or _FILE_NAME.search(text):
        return None
    return text


# A form's field, 名称：值 (资质证书编号：YXWY-2019-0086, 乙方（盖章）：…公司): it heads nothing, even before a paragraph.
_FIELD_LINE = re.compile(r"^[^：:\s]{1,10}[：:]\s*\S")


def unheaded(blocks: list[Block], starts: list[int]) -> tuple[list[Block], list[int]]:
    """A PDF's blocks with the short lines that head nothing made paragraphs, as in a plain text
    (`_short_runs`, `_notes`): a contract's field lines (联系电话：…, 工作单位：…) would head every article after
    them. The first block (the title) stays; `starts` (each block's page) follow the blocks."""
    kept, merged = _short_runs(_notes(blocks[1:]))
    pages = starts[:1] + [page for page, into in zip(starts[1:], merged) if not into]
    return [*blocks[:1], *kept], pages


def _short_runs(blocks: list[Block]) -> tuple[list[Block], list[bool]]:
    """Short lines that head nothing — a form's fields, a signature, the lines at the end — are one
    paragraph, not a string of headings: a heading is followed by a paragraph, or is a 第…章 division or a
    numbered section (一、产品规格, whose lines may all be short); a field line (名称：值) is never one.
    Returns the blocks, and for each block given whether it went into the one before."""
    out: list[Block] = []
    merged: list[bool] = []
    for i, block in enumerate(blocks):
        after = blocks[i + 1] if i + 1 < len(blocks) else None
        heads = after is not None and (after.kind == "para" or division(after.text) is not None)
        section = division(block.text) is not None or opens_section(block.text)
        field = _FIELD_LINE.match(block.text) is not None and not block.text.rstrip().endswith(("？", "?"))
        if block.kind == "heading" and (not heads or field) and not section:
            block = Block("para", block.text)
            if out and out[-1].kind == "para" and _is_short_line(out[-1]):
                out[-1] = Block("para", f"{out[-1].text}\n{block.text}")
                merged.append(True)
                continue
        out.append(block)
        merged.append(False)
    return out, merged


def _section_levels(blocks: list[Block]) -> list[Block]:
    """Numbered sections (一、…) of a plain text are headings of level 1, and the headings under one
    (【警告】, （一）故障代码) of level 2, so that a passage is cited under both: 二、安全注意事项 › 【警告】."""
    out: list[Block] = []
    inside = False
    for block in blocks:
        if block.kind == "heading" and block.level == 0:
            if opens_section(block.text):
                block, inside = replace(block, level=1), True
            elif inside:
                block = replace(block, level=2)
        out.append(block)
    return out


def _notes(blocks: list[Block]) -> list[Block]:
    """A line wholly in brackets (（门诊办公室整理，2025年4月修订）) is a note under the title, never a heading:
    it would head every passage after it. （一）故障代码 opens with its number and stays one."""
    return [Block("para", b.text) if b.kind == "heading" and _NOTE.match(b.text) else b for b in blocks]


_NOTE = re.compile(r"^[（(][^（）()]*[）)]$")
_INLINE_HEAD = re.compile(r"^(【[^【】]{1,12}】)\s*(?=\S)")  # 【规格】10mg: the bracketed name, then its text
BRACKETED_SECTIONS = 3
# A field that dates or numbers the file (核准日期：2023年08月16日, 合同编号：…), before its title.
_DATED_FIELD = re.compile(r"^[^：:\s]{0,6}(?:日期|时间|编号|文号|版本|编码)\s*[：:]")


def _bracketed_text(blocks: list[Block]) -> list[Block]:
    """The short line under a section named in brackets is its text, not another heading: 【规格】 10mg（以…计）."""
    out = list(blocks)
    for i in range(1, len(out)):
        before, block = out[i - 1], out[i]
        heads = _BRACKETED.match(block.text) or opens_section(block.text) or division(block.text) is not None
        if before.kind == "heading" and _BRACKETED.match(before.text) and block.kind == "heading" and not heads:
            out[i] = Block("para", block.text)
    return out


_BRACKETED = re.compile(r"^【[^【】]{1,12}】$")


def _is_short_line(block: Block) -> bool:
    return all(len(line) <= HEADING_MAX_CHARS for line in block.text.split("\n"))


def parse_plain(text: str) -> Article:
    """A plain text file that is not a scraped page (a regulation, a manual): its paragraphs rebuilt
    from its lines as for a PDF page, the first heading-like line as its title, HTML fragments removed and
    inline Markdown read (`qa.ingest.markdown.strip_inline`).

    Nothing else is dropped: no rule written for web pages runs on it.
    """
    from qa.ingest.markdown import strip_inline  # here: qa.ingest.markdown imports this module

    text, markup = strip_markup(text)
    text, inline = strip_inline(text)
    lines = [" ".join(strip_invisible(line).split()) for line in text.split("\n")]
    # A section named in brackets with its text on the same line (【规格】10mg) is a heading and its paragraph, in a
    # text whose sections are so named (【适应症】 on a line of its own, three times or more; not 【重要】 before a headline).
    if sum(1 for line in lines if _BRACKETED.match(line)) >= BRACKETED_SECTIONS:
        lines = [part for line in lines for part in (_INLINE_HEAD.split(line, maxsplit=1)[1:] or [line])]
    blocks = _bracketed_text(paged_blocks([lines])[0])
    # The title is the first heading-like line after the field lines that may open the file (核准日期：…).
    at = next((i for i, b in enumerate(blocks) if not (b.kind == "heading" and _DATED_FIELD.match(b.text))), 0)
    title = blocks[at].text if at < len(blocks) and blocks[at].kind == "heading" else None
    rest = [*blocks[:at], *blocks[at + 1 :]] if title else blocks
    blocks = _section_levels(_short_runs(_notes(rest))[0])
    dropped = ((Dropped(" ".join(markup)[:200], "markup"),) if markup else ()) + tuple(inline)
    return Article(
        title=title,
        subtitle=None,
        publisher=None,
        date=None,
        author=None,
        blocks=tuple(blocks),
        dropped=dropped,
        kind="text",
        chars_read=sum(len("".join(line.split())) for line in lines),
    )
