"""The records ingestion produces: a cleaned `Document` and its `Passage`s."""

from __future__ import annotations

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

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (paragraphs as lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Inverse of `to_dict`."""
        data = dict(data)
        data["paragraphs"] = tuple(Paragraph(**p) for p in data["paragraphs"])
        data["headings"] = tuple(tuple(h) for h in data.get("headings", ()))
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
