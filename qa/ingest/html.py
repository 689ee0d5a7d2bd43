"""HTML → plain text lines (scripts and styles dropped) plus the page's own metadata.

A table of short cells becomes one line per row, 列名：值 pairs under a header row (机柜编号：A01 for a
two-cell row), as Markdown tables do; a table of long cells, or one holding another, lays a page out and
is read as lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCK = {
    "p",
    "div",
    "br",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "td",
    "th",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
    "hr",
    "figure",
    "figcaption",
    "title",
    "nav",
    "aside",
    "main",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "head"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass
class HtmlPage:
    """Text and metadata pulled out of one HTML page."""

    text: str
    title: str | None = None
    url: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    headings: frozenset[str] = frozenset()  # the text of each <h1>…<h6>, spaces collapsed
    rows: frozenset[str] = frozenset()  # the lines the page's tables were read as (办理时限：5个工作日)


CELL_CHARS = 100  # a table whose cells are all this short holds data, not a page's layout


def table_lines(rows: list[list[str]], header: list[str] | None) -> list[str]:
    """A table's data `rows` as lines of 列名：值 pairs by its `header` (名：值 for a two-cell row without one); a
    table of headers only is its header line."""
    lines = []
    for row in rows:
        if header and len(header) == len(row):
            pairs = [f"{k.rstrip('：:')}：{v}" if k else v for k, v in zip(header, row) if v]
        elif len(row) == 2 and row[0] and row[1]:
            pairs = [f"{row[0].rstrip('：:')}：{row[1]}"]
        else:
            pairs = _labelled([c for c in row if c])
        if pairs:
            lines.append("，".join(pairs))
    if not lines and header:
        lines = ["，".join(c for c in header if c)]
    return lines


def _labelled(cells: list[str]) -> list[str]:
    """Cells with each label cell (索引号：, 文　　号：) joined to the value after it: 索引号：113609…, 文号：…令第118号."""
    out: list[str] = []
    for cell in cells:
        if out and out[-1].endswith(("：", ":")) and not cell.endswith(("：", ":")):
            out[-1] = f"{_CJK_SPACES.sub('', out[-1]).rstrip('：:')}：{cell}"
        else:
            out.append(cell)
    return out


_CJK_SPACES = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # 有 效 性 → 有效性
FORM_ROWS = 3  # a table of label and value rows needs this many to be a form (a service guide, a spec sheet)
_LABEL = re.compile(r"[^\s：:，,。；;]{2,10}[：:]?")  # 办理时限, 申请材料：


def form_lines(rows: list[list[str]]) -> list[str] | None:
    """A form's rows (a label, then its value: 办理时限 | 5个工作日) as 名：值 lines, one for each line of a value (a list
    in the cell: 申请材料：居民身份证原件, 申请材料：银行借记卡); None unless every row with text is one short label
    and one value."""
    pairs = [[c.strip() for c in row] for row in rows if any(c.strip() for c in row)]
    if len(pairs) < FORM_ROWS or any(len(row) != 2 or not _LABEL.fullmatch(" ".join(row[0].split())) for row in pairs):
        return None
    lines: list[str] = []
    for label, value in pairs:
        parts = [" ".join(line.split()) for line in value.split("\n") if line.strip()]
        name = " ".join(label.split()).rstrip("：:")
        lines.extend(f"{name}：{part}" for part in parts)
    return lines


@dataclass
class _Table:
    """A <table> being read: where its text starts in the page's parts, and its rows of cells."""

    start: int
    rows: list[list[str]] = field(default_factory=list)
    heads: list[bool] = field(default_factory=list)  # per row: a header row (<thead>, or all <th>)
    cell: list[str] | None = None
    th_only: bool = True
    in_head: bool = False
    layout: bool = False  # holds another table: a page's layout, left as lines

    def rows_text(self) -> str | None:
        """The rows as lines of 列名：值 pairs (of 名：值 for a two-cell row), a form's rows as 名：值 lines however
        long their values (`form_lines`), or None for a layout table."""
        if not self.layout:
            form = form_lines(self.rows)
            if form is not None:
                return "\n".join(form)
        kept = [(head, [" ".join(c.split()) for c in row]) for head, row in zip(self.heads, self.rows)]
        kept = [(head, row) for head, row in kept if any(row)]
        rows = [row for _, row in kept]
        if self.layout or len(rows) < 2 or any(len(c) > CELL_CHARS for row in rows for c in row):
            return None
        header = rows[0] if kept[0][0] else None
        return "\n".join(table_lines([row for head, row in kept if not head], header) or [])


MENU_ITEMS = 4  # a site's menu has at least this many items …
MENU_WORD = 8  # … each a link of at most this many characters


@dataclass
class _LinkList:
    """A <ul> or <ol> being read: where it started in the text, and per item its characters and those in links."""

    start: int
    items: list[list[int]] = field(default_factory=list)

    def is_menu(self) -> bool:
        return len(self.items) >= MENU_ITEMS and all(0 < linked == chars <= MENU_WORD for chars, linked in self.items)


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.tables: list[_Table] = []  # the tables open, innermost last
        self.heading: list[str] | None = None  # the text of the <h…> being read
        self.headings: set[str] = set()
        self.rows: set[str] = set()
        self.skip_depth = 0
        self.in_title = False
        self.in_h1 = False
        self.title = ""
        self.h1 = ""
        self.url: str | None = None
        self.meta: dict[str, str] = {}
        self.nav: list[int] = []  # where each <nav> open started in `parts`
        self.lists: list[_LinkList] = []  # the <ul>/<ol> open, innermost last
        self.links = 0  # <a> elements open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag == "link" and "canonical" in attr.get("rel", "").lower().split() and attr.get("href"):
            self.url = attr["href"].strip()
        elif tag == "meta":
            key = (attr.get("property") or attr.get("name") or "").lower()
            if key and attr.get("content"):
                self.meta[key] = attr["content"].strip()
        if tag == "title":
            self.in_title = True
        if tag == "h1" and not self.h1:
            self.in_h1 = True
        if tag in _HEADINGS:
            self.heading = []
        if tag in _SKIP and tag != "head":
            self.skip_depth += 1
        if tag == "nav":
            self.nav.append(len(self.parts))
        if tag in ("ul", "ol"):
            self.lists.append(_LinkList(len(self.parts)))
        elif tag == "li" and self.lists:
            self.lists[-1].items.append([0, 0])
        elif tag == "a":
            self.links += 1
        if tag in _BLOCK:
            self.parts.append("\n\n" if tag in _HEADINGS or tag == "p" else "\n")
        self._table_start(tag)

    def _table_start(self, tag: str) -> None:
        if tag == "table":
            if self.tables:
                self.tables[-1].layout = True
            self.tables.append(_Table(start=len(self.parts)))
        elif not self.tables:
            return
        table = self.tables[-1]
        if tag == "thead":
            table.in_head = True
        elif tag == "tr":
            table.rows.append([])
            table.heads.append(table.in_head)
            table.th_only = True
        elif tag in ("td", "th") and table.rows:
            table.th_only = table.th_only and tag == "th"
            table.cell = []
            table.rows[-1].append("")
        elif tag in ("br", "li", "p", "div") and table.cell is not None:
            table.cell.append("\n")  # a line of the cell: a space in a table's row, a line of a form's value

    def _table_end(self, tag: str) -> None:
        if not self.tables:
            return
        table = self.tables[-1]
        if tag in ("td", "th") and table.cell is not None and table.rows:
            table.rows[-1][-1] = "".join(table.cell)
            table.cell = None
        elif tag == "tr" and table.rows:
            table.heads[-1] = table.heads[-1] or (table.th_only and any(table.rows[-1]))
        elif tag == "thead":
            table.in_head = False
        elif tag == "table":
            self.tables.pop()
            text = table.rows_text()
            if text is not None:
                self.parts[table.start :] = ["\n\n", text, "\n\n"]
                self.rows.update(" ".join(line.split()) for line in text.split("\n"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP and tag != "head":
            self.skip_depth -= 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skip_depth = max(0, self.skip_depth - 1)
        if tag == "title":
            self.in_title = False
        if tag == "h1":
            self.in_h1 = False
        if tag in _HEADINGS and self.heading is not None:
            self.headings.add(" ".join("".join(self.heading).split()))
            self.heading = None
        if tag in _BLOCK:
            self.parts.append("\n\n" if tag in _HEADINGS or tag == "p" else "\n")
        self._table_end(tag)
        if tag == "a":
            self.links = max(0, self.links - 1)
        if tag in ("ul", "ol") and self.lists:
            menu = self.lists.pop()
            if menu.is_menu():
                # A list of a few words each a link (首页, 政务公开, 政务服务 …) is a site's menu, however it is styled.
                self._one_line(menu.start)
        if tag == "nav" and self.nav:
            # A site's menu is one line, its items between bars (首页 | 本地要闻 | 时政), as cleaning knows a menu:
            # item by item, each would read as a short heading over the page.
            self._one_line(self.nav.pop())

    def _one_line(self, start: int) -> None:
        """The lines written since `start` as one menu line, its items between bars."""
        items = [" ".join(x.split()) for x in "".join(self.parts[start:]).split("\n")]
        self.parts[start:] = ["\n", " | ".join(x for x in items if x), "\n"]

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip_depth:
            return
        if self.in_h1:
            self.h1 += data
        if self.heading is not None:
            self.heading.append(data)
        if self.tables and self.tables[-1].cell is not None:
            self.tables[-1].cell.append(data)
        if self.lists and self.lists[-1].items:
            item, words = self.lists[-1].items[-1], len("".join(data.split()))
            item[0] += words
            item[1] += words if self.links else 0
        self.parts.append(data)


def parse_html(source: str) -> HtmlPage:
    """Extract readable text and metadata from an HTML document.

    Args:
        source: the HTML source.

    Returns:
        The page's text with one block element per line, its headline (the
        first <h1>, else og:title, else <title>), and its canonical URL
        (<link rel=canonical>, else og:url).
    """
    parser = _Extractor()
    parser.feed(source)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    title = parser.h1.strip() or parser.meta.get("og:title") or parser.title.strip() or None
    url = parser.url or parser.meta.get("og:url") or None
    return HtmlPage(
        text=text,
        title=" ".join(title.split()) if title else None,
        url=url,
        meta=parser.meta,
        headings=frozenset(parser.headings - {""}),
        rows=frozenset(parser.rows - {""}),
    )


# Markup left in a text file: a comment, a tag (<div style="page-break-after:always;"></div>, <br>), an entity.
_MARKUP = re.compile(
    r"<!--.*?-->|</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>|&(?:[A-Za-z]{2,8}|#\d{1,7}|#x[0-9A-Fa-f]{1,6});", re.DOTALL
)


# A space an entity (&nbsp;) or a tag left before Chinese punctuation: 三成 ，→ 三成，
_PUNCT_GAP = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) +(?=[\u3000-\u303f\uff00-\uffef])")


def strip_markup(text: str) -> tuple[str, list[str]]:
    """Text with the HTML fragments in it read as HTML: tags and comments removed (block tags break
    the line), scripts and styles dropped, entities decoded. Text without markup is returned as it is.

    Returns:
        (the text, the pieces of markup removed).
    """
    found = [match.group(0) for match in _MARKUP.finditer(text)]
    if not found:
        return text, []
    return _PUNCT_GAP.sub("", parse_html(text).text), found
