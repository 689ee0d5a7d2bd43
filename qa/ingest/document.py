"""The records ingestion produces: a cleaned `Document` and its `Passage`s."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Paragraph:
    """A body paragraph: its offsets in the document text and the heading above it."""

    number: int  # 1-based among the document's body paragraphs
    start: int
    end: int
    heading: str | None


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
    heading: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)
