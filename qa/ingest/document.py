"""The records ingestion produces: an `Article` of blocks from a parser, the `Document` it is laid
out as, and that document's `Passage`s."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any

HEADING_PATH = " › "  # between the headings of a path: 第二章 受理 › 第一节 申请


@dataclass(frozen=True)
class Block:
    """A heading or a body paragraph of a parsed file.

    `level` is a heading's depth (1 for a chapter or `#`, 2 below it…; 0 when the format gives
    none, as in a news page); `label` names a numbered article (第五条) whose block it is.
    """

    kind: str  # "heading" | "para"
    text: str
    level: int = 0
    label: str | None = None


@dataclass(frozen=True)
class Dropped:
    """A piece of a file that was not kept, and the rule that left it out (`qa inspect` lists them)."""

    text: str
    rule: str  # a key of `qa.ingest.rules.RULES`


@dataclass(frozen=True)
class Article:
    """What a parser finds in one file: title, metadata where stated (None otherwise), blocks, and what it left out."""

    title: str | None
    subtitle: str | None
    publisher: str | None
    date: str | None
    author: str | None
    blocks: tuple[Block, ...]
    dropped: tuple[Dropped, ...] = ()
    kind: str = "news"  # the parser: news | markdown | structured | pdf | docx
    chars_read: int = 0  # non-space characters of the text the parser was given


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: its offsets in the document text, the heading path above it
    ("第二章 受理 › 第五条"), and the article it is, if any."""

    number: int  # 1-based among the document's body paragraphs
    start: int
    end: int
    heading: str | None
    label: str | None = None  # 第五条: the numbered article this paragraph is


@dataclass(frozen=True)
class Document:
    """One cleaned source document.

    `text` is the cleaned text: the title, then headings and paragraphs,
    separated by blank lines. Every offset in this package points into it.
    `pages` holds, for paged formats (PDF), the offset where each page starts
    (page 1 first); a block that runs on to the next page belongs to the page
    where it starts.
    """

    doc_id: str
    path: str  # relative to the corpus root, with forward slashes
    title: str
    text: str
    paragraphs: tuple[Paragraph, ...]
    sha256: str
    subtitle: str | None = None
    publisher: str | None = None
    date: str | None = None
    author: str | None = None
    url: str | None = None
    encoding: str = "utf-8"
    headings: tuple[tuple[int, int], ...] = field(default=())  # heading offsets, for display
    pages: tuple[int, ...] = ()  # offset where each page starts; empty for formats without pages
    kind: str = "news"  # which parser read it (`Article.kind`)
    chars_read: int = 0  # non-space characters of the text before cleaning (0: not recorded)
    source_line: str | None = None  # the page's date, source and reporter lines, as written (not in `text`)

    @property
    def kept_share(self) -> float:
        """The share of the characters read that cleaning kept (1.0 when not recorded)."""
        if self.chars_read <= 0:
            return 1.0
        return min(1.0, len("".join(self.text.split())) / self.chars_read)

    def page_of(self, offset: int) -> int | None:
        """The 1-based page that the text at `offset` is on, or None for a document without pages."""
        if not self.pages:
            return None
        return max(1, bisect_right(self.pages, offset))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paragraphs as lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Inverse of `to_dict`."""
        data = dict(data)
        data["paragraphs"] = tuple(Paragraph(**p) for p in data["paragraphs"])
        data["headings"] = tuple(tuple(h) for h in data.get("headings", ()))
        data["pages"] = tuple(data.get("pages", ()))  # absent in indexes built before PDF support
        return cls(**data)


@dataclass(frozen=True)
class Passage:
    """A retrievable unit: a paragraph, or a part of a long one."""

    id: str  # f"{doc_id}-{paragraph}-{part}"
    doc_id: str
    paragraph: int
    part: int
    start: int  # offsets into Document.text
    end: int
    text: str
    heading: str | None = None  # the heading path, searched with the text
    label: str | None = None  # the article it is part of (第五条)
    lead: str | None = None  # the article's lead-in, repeated for a part after the first (searched too)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)
