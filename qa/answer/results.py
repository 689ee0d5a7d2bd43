"""Result records and the JSON contract shared by the CLI, the UI and the HTTP API."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Source:
    """Where a passage comes from; absent metadata is None, never a guess."""

    doc_id: str
    title: str
    publisher: str | None
    date: str | None
    author: str | None
    path: str
    url: str | None
    paragraph: int
    page: int | None = None  # 1-based page of a PDF; None for formats without pages
    section: str | None = None  # where in the document, as it is cited: "第二章 受理 › 第五条" (headings › article)


@dataclass(frozen=True)
class Citation:
    """One returned passage with its quote (offsets are into `text`)."""

    rank: int
    id: str
    text: str
    quote: str
    quote_start: int
    quote_end: int
    score: float
    source: Source
    heading: str | None = None
    also_in: tuple[str, ...] = ()  # ids of near-duplicate passages collapsed into this one
    link: str | None = None  # the owner's page (`source.url`) scrolled to the quote (`qa.answer.links`); else None


@dataclass(frozen=True)
class Answer:
    """The answer to one question."""

    question: str
    answered: bool
    message: str
    passages: tuple[Citation, ...] = ()
    took_ms: float = 0.0
    message_en: str = ""
    confidence: float | None = None
    followup_of: str | None = None  # the question text actually searched, when a follow-up was expanded
    suggestions: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract: question, answered, message, passages[...], took_ms (plus extras).

        What `dataclasses.asdict` gives (every field, in order), with rounded scores and times and
        lists for tuples; made field by field, without asdict's deep copy of every value.
        """
        data = _fields(self)
        data["passages"] = [
            _fields(c) | {"score": round(c.score, 4), "source": _fields(c.source), "also_in": list(c.also_in)}
            for c in self.passages
        ]
        data["took_ms"] = round(self.took_ms, 1)
        data["suggestions"] = list(self.suggestions)
        return data


def _fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields by name, in order (values as they are)."""
    return {f.name: getattr(record, f.name) for f in fields(record)}
