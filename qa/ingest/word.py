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
from qa.ingest.structure import HEADING_MAX_CHARS
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
            blocks.extend(_bold_lead(part, text))
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
