"""DOCX bytes → an `Article` of headings and paragraphs (via python-docx).

Named `word` rather than `docx` so that it never shadows the `docx` package.
"""

from __future__ import annotations

import io
import re
from typing import Any

import docx
from docx.table import Table

from qa.ingest.clean import is_title_like
from qa.ingest.decode import NotTextError
from qa.ingest.document import Article, Block
from qa.ingest.html import table_lines
from qa.ingest.layout import join_lines, meta_value
from qa.ingest.structure import HEADING_MAX_CHARS, cn_numeral
from qa.text.normalize import cjk_count, strip_invisible
from qa.text.sentences import ends_sentence

HEADER_CELL_CHARS = 12  # a header cell names a column in a few words
HEADING_STYLES = ("Heading", "heading", "标题", "Title")  # Word's built-in names in English and Chinese
SUBTITLE_STYLES = ("Subtitle", "副标题")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of encrypted .docx and of old .doc files


def read_docx(data: bytes) -> Article:
    """Read the body paragraphs of a Word document.

    Args:
        data: the raw file content.

    Returns:
        Paragraphs styled Heading…/标题…/Title as headings, the others as
        paragraphs, and each table as one paragraph of 列名：值 rows, in the order of the body (page
        headers and footers are not read); the title,
        author and date from the document's core properties where present,
        else the first heading, or a short first paragraph, as the title.

    Raises:
        NotTextError: the file is encrypted, an old .doc, or damaged; the message says which.
    """
    if data.startswith(_OLE_MAGIC):
        raise NotTextError("加密的 DOCX 或旧版 .doc 文件，无法读取 / encrypted DOCX or old .doc file, cannot be read")
    try:
        document = docx.Document(io.BytesIO(data))
        return _article(document)
    except Exception as exc:
        # python-docx reads untrusted zip and XML; a damaged file can fail with
        # any exception, and one bad file must not stop the whole corpus.
        raise NotTextError(f"DOCX 文件已损坏，无法读取 / damaged DOCX, cannot be read ({type(exc).__name__})") from exc


def _title_like(text: str) -> bool:
    """A line a text file's title could be (`is_title_like`), in Chinese, that neither asks nor exclaims."""
    return is_title_like(text) and cjk_count(text) > 0 and not any(c in text for c in "！？!?；;")


def _article(document: Any) -> Article:
    blocks: list[Block] = []
    subtitle = None
    numbers = _Numbering(document)
    for part in document.iter_inner_content():  # paragraphs and tables, in the order of the body
        if isinstance(part, Table):
            lines = _table_lines(part)
            if lines:
                blocks.append(Block("para", "\n".join(lines)))
            continue
        text = _paragraph_text(part.text)
        style = part.style.name if part.style is not None else ""
        if not text:
            continue
        if style.startswith(SUBTITLE_STYLES):
            subtitle = subtitle or text
        elif style.startswith(HEADING_STYLES):
            blocks.append(_block(text, style))
        else:
            number = numbers.of(part)
            blocks.extend(_bold_lead(part, text) if not number else [Block("para", _numbered(number, text))])
    read = sum(len("".join(b.text.split())) for b in blocks) + len("".join((subtitle or "").split()))
    props = document.core_properties
    title = meta_value(props.title)
    publisher = None
    if title is None and blocks and blocks[0].kind == "heading":
        # A letterhead in bold may stand above the title (岷州市翠微路小学, then 关于举办…的通知): the title is the
        # first of the opening headings that names a kind of document; one line above it is the publisher, more are text.
        opening = next((i for i, b in enumerate(blocks[:3]) if b.kind != "heading"), min(3, len(blocks)))
        at = next((i for i in range(opening) if _DOCUMENT_KIND.search(blocks[i].text)), 0)
        title = blocks[at].text
        if at == 1:  # one line above the title: the letterhead, who issues it
            publisher, blocks = blocks[0].text, blocks[1:]
        else:
            blocks = [Block("para", b.text) for b in blocks[:at]] + blocks[at:]
    elif title is None and len(blocks) > 1 and _title_like(blocks[0].text):
        # A document typed without styles opens with its title as a plain paragraph (青禾市养犬管理规定), as
        # a text file does: it is the title, not a passage, and the citation names it rather than the file.
        title, blocks = blocks[0].text, blocks[1:]
    created = props.created
    date = created.date().isoformat() if created else None
    if date == _TEMPLATE_DATE:  # python-docx's blank template, not the document's date: leave it unknown
        date = None
    return Article(
        title, subtitle, publisher, date, meta_value(props.author), tuple(blocks), kind="docx", chars_read=read
    )


_TEMPLATE_DATE = "2013-12-23"


def _table_lines(table: Table) -> list[str]:
    """A Word table's rows as 列名：值 lines (`html.table_lines`). The first row names the columns when each of its
    cells is short text without digits (单位 | 联系人 | 电话); a cell merged across columns counts once."""
    rows = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(_paragraph_text(cell.text.replace("\n", " ")))
        if any(cells):
            rows.append(cells)
    if not rows:
        return []
    first = rows[0]
    named = len(rows) > 1 and all(
        c and len(c) <= HEADER_CELL_CHARS and not any(ch.isdigit() for ch in c) for c in first
    )
    return table_lines(rows[1:] if named else rows, first if named else None)


# A heading that names a kind of document: 关于…的通知, …管理办法, …招生简章.
_DOCUMENT_KIND = re.compile(
    r"^关于|(?:通知|公告|通告|决定|办法|规定|方案|简章|须知|纪要|章程|细则|意见|报告|手册|指南|说明书)$"
)
# A section's number opening a bold run: 一、活动时间, （二）, 第三条, 3.
_SECTION_LEAD = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|第[一二三四五六七八九十百]+条|\d{1,2}[.．、])"
)
BOLD_LEAD_CHARS = 20  # a bold section name before its text is this short


def _bold_lead(paragraph: Any, text: str) -> list[Block]:
    """A plain paragraph, or a section's heading and its text when the paragraph opens with its name in bold
    (**一、活动时间**2024年5月17日…, Word's way of heading a section without a heading style). A paragraph wholly
    in bold, short and ending no sentence, is a heading."""
    runs = [r for r in paragraph.runs if r.text]
    lead = ""
    for run in runs:
        if not run.bold:
            break
        lead += run.text
    lead = _paragraph_text(lead)
    if not lead or len(lead) > HEADING_MAX_CHARS or ends_sentence(lead) or lead.endswith(("：", ":")):
        return [Block("para", text)]
    if lead == text:
        return [Block("heading", text, level=1)]
    rest = text[len(lead) :].strip() if text.startswith(lead) else ""
    if rest and len(lead) <= BOLD_LEAD_CHARS and _SECTION_LEAD.match(lead):
        return [Block("heading", lead, level=1), Block("para", rest)]
    return [Block("para", text)]


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# Word's number formats written as the page shows them; a bullet has no number (the text is the item).
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_FORMATS: dict[str, Any] = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
    "chineseCounting": cn_numeral,
    "chineseCountingThousand": cn_numeral,
    "chineseLegalSimplified": cn_numeral,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "decimalEnclosedCircle": lambda n: _CIRCLED[n - 1] if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: _CIRCLED[n - 1] if 1 <= n <= 20 else str(n),
    "lowerLetter": lambda n: chr(ord("a") + (n - 1) % 26),
    "upperLetter": lambda n: chr(ord("A") + (n - 1) % 26),
}
_LEVELS = 9


class _Numbering:
    """The numbers Word draws before list paragraphs (1. 2. 3., （一）, ①) and keeps out of their text.

    python-docx reads a paragraph's text only, so a manual's steps typed as a numbered list would lose their
    numbers: "第三步" could not be found and each step would stand alone. A paragraph's list is its own numPr or
    its style's; lists sharing an abstract definition count on together, and one whose definition restarts a
    level (startOverride) starts it again; a deeper level starts again under each item above it.
    """

    def __init__(self, document: Any) -> None:
        self.abstract: dict[str, dict[int, tuple[int, str, str]]] = {}  # abstractNumId → level → start, fmt, text
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId → abstractNumId, restarts by level
        self.counts: dict[str, list[int]] = {}
        self.started: set[str] = set()
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for node in root.iterfind(f"{_W}abstractNum"):
            levels = {}
            for lvl in node.iterfind(f"{_W}lvl"):
                levels[int(lvl.get(f"{_W}ilvl", "0"))] = (
                    int(_val(lvl, "start") or 1),
                    _val(lvl, "numFmt") or "decimal",
                    _val(lvl, "lvlText") or "",
                )
            self.abstract[node.get(f"{_W}abstractNumId", "")] = levels
        for node in root.iterfind(f"{_W}num"):
            restarts = {}
            for override in node.iterfind(f"{_W}lvlOverride"):
                start = _val(override, "startOverride")
                if start is not None:
                    restarts[int(override.get(f"{_W}ilvl", "0"))] = int(start)
            self.nums[node.get(f"{_W}numId", "")] = (_val(node, "abstractNumId") or "", restarts)

    def of(self, paragraph: Any) -> str:
        """The number Word draws before `paragraph` ("" when it is in no numbered list), counting it."""
        found = _num_pr(paragraph._p.pPr) or _style_num_pr(paragraph.style)
        if found is None or found[0] not in self.nums:
            return ""
        num, level = found
        abstract, restarts = self.nums[num]
        levels = self.abstract.get(abstract, {})
        if level not in levels or not 0 <= level < _LEVELS:
            return ""
        counts = self.counts.setdefault(abstract, [0] * _LEVELS)
        if num not in self.started:
            self.started.add(num)
            for lvl, start in restarts.items():
                if 0 <= lvl < _LEVELS:
                    counts[lvl] = start - 1
        start, fmt, text = levels[level]
        counts[level] = max(counts[level], start - 1) + 1
        for deeper in range(level + 1, _LEVELS):
            counts[deeper] = 0
        if fmt not in _FORMATS or "%" not in text:
            return ""  # a bullet, or a format not drawn as a number
        for lvl in range(level, -1, -1):
            shown = counts[lvl] or levels.get(lvl, (1, "", ""))[0]
            form = _FORMATS.get(levels.get(lvl, (1, "decimal", ""))[1], str)
            text = text.replace(f"%{lvl + 1}", form(shown))
        return text


def _val(node: Any, tag: str) -> str | None:
    child = node.find(f"{_W}{tag}")
    return child.get(f"{_W}val") if child is not None else None


def _num_pr(ppr: Any) -> tuple[str, int] | None:
    """(numId, level) of a paragraph's or style's own numPr; None when it has none (numId 0 switches it off)."""
    pr = ppr.find(f"{_W}numPr") if ppr is not None else None
    if pr is None:
        return None
    num = _val(pr, "numId")
    return (num, int(_val(pr, "ilvl") or 0)) if num and num != "0" else None


def _style_num_pr(style: Any) -> tuple[str, int] | None:
    for _ in range(10):  # a style's list may come from the style it is based on
        if style is None:
            return None
        found = _num_pr(style.element.find(f"{_W}pPr"))
        if found is not None:
            return found
        style = style.base_style
    return None


def _numbered(number: str, text: str) -> str:
    """1. + 打开进水阀 → 1. 打开进水阀; （一）+ 活动时间 → （一）活动时间."""
    return f"{number}{text}" if number.endswith(("、", "）", ")", "．")) else f"{number} {text}"


def _block(text: str, style: str) -> Block:
    """A paragraph of style `style`: a heading at the level its style names (Heading 2 → 2), or a paragraph."""
    if not style.startswith(HEADING_STYLES):
        return Block("para", text)
    digits = "".join(ch for ch in style if ch.isdigit())
    return Block("heading", text, level=int(digits) if digits else 1)


def _paragraph_text(raw: str) -> str:
    """One paragraph's text on one line: soft line breaks joined as wrapped lines, tabs as spaces."""
    lines = [" ".join(strip_invisible(line).split()) for line in raw.split("\n")]
    text = ""
    for line in lines:
        text = join_lines(text, line)
    return text
