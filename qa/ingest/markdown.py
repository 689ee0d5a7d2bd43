"""Markdown → an `Article`, read by markdown-it-py (CommonMark, with tables and footnotes).

What each construct becomes:

* `#`…`######` headings: headings at that level (the first `#` heading is the title);
* paragraphs: paragraphs, a hard-wrapped line joined to the one before it unless that one
  ends a sentence or the line opens an item or an article;
* lists: each top-level item is one paragraph holding its nested items, one per line (a list
  of short items is one paragraph); ordered items keep their number (1. …);
* tables: one paragraph, a line per row made of 列名：值 pairs (a row is one sentence, quoted whole);
* fenced and indented code: verbatim;
* HTML blocks and inline tags, comments: removed, the text inside kept; images: removed;
  links: their text kept;
* footnotes: the marker goes (recorded), each note is the last line 注1：… of the paragraph citing it (a
  note nothing cites is a paragraph where the notes stand);
* task list items: [x] and [ ] become ☑ and ☐;
* a YAML front matter block (--- … ---): read for title, date, author and publisher.

Everything removed is recorded with its rule (`Article.dropped`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from qa.ingest.document import Article, Block, Dropped
from qa.ingest.html import strip_markup
from qa.ingest.layout import join_lines
from qa.ingest.structure import HEADING_MAX_CHARS, opens_part
from qa.text.normalize import strip_invisible
from qa.text.sentences import ends_sentence

SHORT_ITEM = 40  # characters: a list whose items are all this short is one paragraph
WRAPPED = 30  # characters: a line at least this long that ends no sentence was wrapped, not broken on purpose
_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
_TASK = re.compile(r"^\[([ xX])\] ")
_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_KEYS = {
    "title": "title",
    "标题": "title",
    "date": "date",
    "日期": "date",
    "author": "author",
    "作者": "author",
    "publisher": "publisher",
    "source": "publisher",
    "来源": "publisher",
}
_KEEP_BREAK = "。！？!?；;：:”」』)）"
# A line that opens with a field's name (序号：2，任务：…, a table's row written out by an HTML block) starts a line.
_FIELD = re.compile(r"[^\s，。：:；;,、]{1,8}[：:]\S")


def parse_markdown(text: str) -> Article:
    """Read a Markdown document (see the module docstring).

    Args:
        text: decoded file text.

    Returns:
        Its title (front matter, else the first `#` heading), headings with their levels,
        paragraphs, and every piece of markup or image left out.
    """
    dropped: list[Dropped] = []
    meta, body = _front_matter(text, dropped)
    blocks = _place_notes(_blocks(_PARSER.parse(_uncited_notes(body)), dropped))
    title = meta.get("title")
    if title is None and blocks and blocks[0].kind == "heading" and blocks[0].level == 1:
        title = blocks[0].text
    kept = sum(len("".join(b.text.split())) for b in blocks)
    return Article(
        title=title,
        subtitle=None,
        publisher=meta.get("publisher"),
        date=_iso(meta.get("date")),
        author=meta.get("author"),
        blocks=tuple(blocks),
        dropped=tuple(dropped),
        kind="markdown",
        chars_read=kept + sum(len("".join(d.text.split())) for d in dropped),
    )


def looks_like_markdown(text: str) -> bool:
    """True when a plain-text file is written in Markdown: a `#` heading, a table, a code fence,
    or two list lines."""
    lines = text.split("\n")
    if any(re.match(r"^\s{0,3}(#{1,6}\s+\S|```|~~~|\|?\s*:?-{3,}:?\s*\|)", line) for line in lines):
        return True
    return sum(1 for line in lines if re.match(r"^\s{0,3}[-*+]\s+\S", line)) >= 2


# Inline Markdown that plain text hardly ever holds otherwise: ![image](…), [link](…), and **strong** set off by
# a space or punctuation on one side at least (news masks digits and words with asterisks: 1973年**月**日).
_EDGE = r"\s，。！？；：、,.!?;:（）()“”\"'《》【】\[\]<>-"
_STRONG = r"\*\*[^*\s][^*\n]*?(?<![\s*])\*\*"
_INLINE = re.compile(rf"!?\[[^\]\n]*\]\([^)\s]+\)|(?:^|(?<=[{_EDGE}])){_STRONG}|{_STRONG}(?=$|[{_EDGE}])", re.MULTILINE)


def strip_inline(text: str) -> tuple[str, list[Dropped]]:
    """Plain text with the inline Markdown of its lines read (a text dump quoting a Markdown page): **注意**
    becomes 注意, a link its text, an image goes. Only lines holding one of those forms are read, by
    markdown-it-py's inline parser, so that the * and _ of ordinary text (5*3*2, 申请人：____, a masked
    1973年**月**日) stay as written.

    Returns:
        (the text, the images and markup left out).
    """
    if not _INLINE.search(text):
        return text, []
    dropped: list[Dropped] = []
    lines = text.split("\n")
    for at, line in enumerate(lines):
        if _INLINE.search(line):
            tokens = _PARSER.parseInline(line)
            lines[at] = _text(tokens[0], dropped) if tokens else line
    return "\n".join(lines), dropped


def _front_matter(text: str, dropped: list[Dropped]) -> tuple[dict[str, str], str]:
    match = _FRONT.match(text)
    if not match:
        return {}, text
    meta: dict[str, str] = {}
    for line in match.group(1).split("\n"):
        key, sep, value = line.partition(":")
        field = _FRONT_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'")
        if sep and field and value:
            meta.setdefault(field, value)
    dropped.append(Dropped(_front_line(match.group(1)), "metadata"))
    return meta, text[match.end() :]


_REF = ("\ue000", "\ue001")  # around a footnote's label where the text cites it, until `_place_notes` reads it
_REFS = re.compile(f"{_REF[0]}([^{_REF[1]}]*){_REF[1]}")
_NOTE = ("\ue002", "\ue003")  # around the label before each block of a footnote's own text
_NOTES = re.compile(f"^{_NOTE[0]}([^{_NOTE[1]}]*){_NOTE[1]}")


_DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*", re.MULTILINE)


def _uncited_notes(text: str) -> str:
    """`text` with each footnote that nothing cites written as a plain note (注2：…): markdown-it-py's footnotes
    leave such a note out without a word."""
    for label in dict.fromkeys(_DEFINITION.findall(text)):
        if f"[^{label}]" not in _DEFINITION.sub("", text):
            text = re.sub(rf"^\[\^{re.escape(label)}\]:[ \t]*", f"\n注{label}：", text, flags=re.MULTILINE)
    return text


def _place_notes(blocks: list[Block]) -> list[Block]:
    """Each footnote's text as the last line of the paragraph that first cites it (原因是…没有做幂等校验 → 注1：超时后
    消息会被重新投递…), as a reader finds it; a note nothing cites stays where the notes stand."""
    cited: dict[str, int] = {}
    for at, block in enumerate(blocks):
        for label in _REFS.findall(block.text):
            cited.setdefault(label, at)
    notes: dict[int, list[str]] = {}
    kept: list[tuple[int, Block]] = []
    for at, block in enumerate(blocks):
        note = _NOTES.match(block.text)
        text = _REFS.sub("", _NOTES.sub("", block.text))
        if note and note.group(1) in cited:
            notes.setdefault(cited[note.group(1)], []).append(text)
        else:
            kept.append((at, replace(block, text=text)))
    out = []
    for at, block in kept:
        if at in notes and block.kind == "para":
            block = replace(block, text="\n".join([block.text, *notes.pop(at)]))
        out.append(block)
        if at in notes:  # a heading cites it: the note is the paragraph after it
            out.append(Block("para", "\n".join(notes.pop(at))))
    return out


def _front_line(source: str) -> str:
    """A front matter block as the line a citation's source shows: each field as 名：值, a list's items joined by 、
    (attendees：程嘉禾、罗一帆), not YAML (--- title: … attendees: - 程嘉禾 - 罗一帆 ---). YAML that does not parse is
    shown as written, less its fences."""
    import yaml

    try:
        fields = yaml.safe_load(source)
    except yaml.YAMLError:
        fields = None
    if not isinstance(fields, dict):
        return " ".join(source.split())
    return " ".join(f"{key}：{_yaml_value(value)}" for key, value in fields.items() if _yaml_value(value))


def _yaml_value(value: object) -> str:
    if isinstance(value, dict):
        return "，".join(f"{k}：{_yaml_value(v)}" for k, v in value.items() if _yaml_value(v))
    if isinstance(value, (list, tuple)):
        return "、".join(text for text in (_yaml_value(v) for v in value) if text)
    return "" if value is None else " ".join(str(value).split())


def _iso(value: str | None) -> str | None:
    from qa.ingest.meta import date_of

    return date_of(value) if value else None


def _blocks(tokens: Sequence[Token], dropped: list[Dropped], depth: int = 0) -> list[Block]:
    out: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        end = _close(tokens, i)
        if token.type == "heading_open":
            text = _text(tokens[i + 1], dropped)
            if text:
                out.append(Block("heading", " ".join(text.split()), level=int(token.tag[1])))
        elif token.type == "paragraph_open":
            text = _text(tokens[i + 1], dropped)
            if text and _bold_heading(tokens[i + 1], text):
                # A line wholly in bold (**一、开放时间**) is a heading, beside the last heading written with #.
                level = next((b.level for b in reversed(out) if b.kind == "heading"), 2)
                out.append(Block("heading", " ".join(text.split()), level=max(level, 2)))
            elif text:
                out.append(Block("para", text))
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            out.extend(_list(tokens[i : end + 1], dropped))
        elif token.type == "table_open":
            rows = _table(tokens[i : end + 1], dropped)
            if rows:
                out.append(Block("para", "\n".join(rows)))
        elif token.type in ("fence", "code_block") and token.content.strip():
            out.append(Block("para", token.content.strip("\n")))
        elif token.type == "html_block":
            out.extend(_html(token.content, dropped, depth))
        elif token.type == "footnote_open":
            # The note's own blocks, the first one led by its label (注1：…) as a printed note is.
            notes = _blocks(tokens[i + 1 : end], dropped, depth)
            if notes:
                label = token.meta.get("label", "")
                notes[0] = replace(notes[0], text=f"注{label}：{notes[0].text}")
                notes = [replace(b, text=f"{_NOTE[0]}{label}{_NOTE[1]}{b.text}") for b in notes]
            out.extend(notes)
        i = end + 1 if token.nesting == 1 and token.type not in ("blockquote_open", "footnote_block_open") else i + 1
    return out


def _bold_heading(inline: Token, text: str) -> bool:
    """True when a paragraph is one short line wholly in bold, with no sentence ending in it."""
    children = [c for c in inline.children or () if not (c.type == "text" and not c.content.strip())]
    return (
        len(children) >= 3
        and children[0].type == "strong_open"
        and children[-1].type == "strong_close"
        and all(c.type in ("text", "code_inline") for c in children[1:-1])
        and "\n" not in text
        and len(text) <= HEADING_MAX_CHARS
        and not ends_sentence(text)
        and not text.endswith(("：", ":"))
    )


def _close(tokens: Sequence[Token], i: int) -> int:
    """The position of the token that closes the one opened at `i` (`i` itself for a leaf)."""
    if tokens[i].nesting != 1:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _list(tokens: Sequence[Token], dropped: list[Dropped]) -> list[Block]:
    """Each top-level item with everything nested in it, as lines; short items make one paragraph."""
    top = tokens[0].level + 1
    items: list[list[str]] = []
    number = ""  # an ordered item's number, put before its first text
    for token in tokens[1:-1]:
        if token.type == "list_item_open":
            if token.level == top:
                items.append([])
            number = f"{token.info}{token.markup} " if token.info else ""
        elif token.type == "inline" and items:
            text = _TASK.sub(lambda m: "☐ " if m.group(1) == " " else "☑ ", _text(token, dropped))
            if text:
                items[-1].extend((number + text).split("\n"))
                number = ""
        elif token.type in ("fence", "code_block") and items and token.content.strip():
            items[-1].extend(token.content.strip("\n").split("\n"))
    texts = ["\n".join(lines) for lines in items if lines]
    if texts and all("\n" not in t and len(t) <= SHORT_ITEM for t in texts):
        return [Block("para", "\n".join(texts))]
    return [Block("para", t) for t in texts]


def _table(tokens: Sequence[Token], dropped: list[Dropped]) -> list[str]:
    """Rows as 列名：值，列名：值 lines (the header row names the columns); a row is one sentence."""
    header: list[str] = []
    rows: list[list[str]] = []
    in_head = False
    for token in tokens:
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type == "tr_open" and not in_head:
            rows.append([])
        elif token.type == "inline":
            cell = " ".join(_text(token, dropped).split())
            (header if in_head else rows[-1]).append(cell)
    lines = [
        "，".join(f"{name}：{value}" if name else value for name, value in zip(header, row) if value) for row in rows
    ]
    lines = [line for line in lines if line]
    return lines or (["，".join(h for h in header if h)] if any(header) else [])


def _html(source: str, dropped: list[Dropped], depth: int) -> list[Block]:
    """An HTML block: the markup goes, the text in it is read as Markdown again (it may hold some)."""
    text, markup = strip_markup(source)
    if markup:
        dropped.append(Dropped(" ".join(markup)[:200], "markup"))
    if not text.strip() or depth > 1:
        return [Block("para", line.strip()) for line in text.split("\n") if line.strip()] if depth > 1 else []
    return _blocks(_PARSER.parse(text), dropped, depth + 1)


def _text(inline: Token, dropped: list[Dropped]) -> str:
    """The text of an inline token: link text kept, images and tags dropped, wrapped lines joined."""
    parts: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "footnote_ref":
            dropped.append(Dropped(f"[^{child.meta.get('label', '')}]", "markup"))
            parts.append(f"{_REF[0]}{child.meta.get('label', '')}{_REF[1]}")  # where its note goes (`_place_notes`)
        elif child.type == "image":
            dropped.append(Dropped(f"![{child.content}]({child.attrGet('src') or ''})", "image"))
        elif child.type == "html_inline":
            if re.match(r"<br\s*/?>", child.content, re.IGNORECASE):
                parts.append("\n")
            else:
                dropped.append(Dropped(child.content, "markup"))
    return _join("".join(parts))


def _join(text: str) -> str:
    """Lines of one paragraph: a line joins the one before when that one was wrapped (it is long and
    no sentence ends it) and this one opens no item or article; short lines (出租方：王建华) stay lines."""
    out: list[str] = []
    for raw in text.split("\n"):
        line = " ".join(strip_invisible(raw).split())
        if not line:
            continue
        if (
            out
            and len(out[-1]) >= WRAPPED
            and not out[-1].endswith(tuple(_KEEP_BREAK))
            and not opens_part(line)
            and not _FIELD.match(line)
        ):
            out[-1] = join_lines(out[-1], line)
        else:
            out.append(line)
    return "\n".join(out)
