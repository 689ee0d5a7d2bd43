"""A corpus folder → documents, with a one-line reason for every file skipped."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qa.ingest.clean import Article, parse_article
from qa.ingest.decode import NotTextError, decode
from qa.ingest.document import Document, Paragraph
from qa.ingest.html import parse_html

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
SIDECAR = ".meta.json"
_META_KEYS = ("title", "publisher", "date", "author", "url")


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class Corpus:
    """What a corpus folder yields."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def doc_id_for(relpath: str) -> str:
    """A stable, URL-safe id for a document, from its relative path."""
    return hashlib.sha1(relpath.encode("utf-8")).hexdigest()[:12]


def corpus_files(root: Path) -> list[Path]:
    """Supported files under `root`, recursively, in a stable order.

    Symlinked folders are not followed (no loops); hidden files are ignored.
    """
    found: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.lower().endswith(SUFFIXES):
                found.append(Path(folder) / name)
    return found


def load_corpus(root: Path, warn: Callable[[str], None] | None = None) -> Corpus:
    """Read every supported file under `root`.

    Args:
        root: the corpus folder.
        warn: called with one line for each skipped file.

    Returns:
        The documents read and the files skipped with their reasons.
    """
    corpus = Corpus()
    for path in corpus_files(root):
        rel = path.relative_to(root).as_posix()
        try:
            corpus.documents.append(read_document(path, rel))
        except (NotTextError, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            corpus.skipped.append(Skipped(rel, reason))
            if warn:
                warn(f"跳过 / skipped {rel}: {reason}")
    return corpus


def read_document(path: Path, rel: str) -> Document:
    """Read, decode, clean and describe one file.

    Raises:
        NotTextError: the file is empty, binary, undecodable or has no text left.
        OSError: the file cannot be read.
    """
    data = path.read_bytes()
    text, encoding = decode(data)
    url = None
    html_title = None
    if path.suffix.lower() in (".html", ".htm"):
        page = parse_html(text)
        text, url, html_title = page.text, page.url, page.title
    elif path.suffix.lower() in (".md", ".markdown"):
        text = strip_markdown(text)
    article = parse_article(text)
    if not any(b.kind == "para" for b in article.blocks):
        raise NotTextError("no text left after cleaning / 清理后没有正文")
    extra = _sidecar(path)
    return build_document(
        article,
        rel=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        title=extra.get("title") or html_title,
        url=extra.get("url") or url,
        overrides=extra,
    )


_MD_LINE = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+(?=\S))")
_MD_INLINE = re.compile(r"(\*\*|__|`)(.+?)\1|!?\[([^\]]*)\]\([^)]*\)")


def strip_markdown(text: str) -> str:
    """Markdown → plain lines: heading/quote/list markers, emphasis, code ticks and link syntax removed."""

    def inline(match: re.Match[str]) -> str:
        return match.group(2) if match.group(2) is not None else match.group(3)

    return "\n".join(_MD_INLINE.sub(inline, _MD_LINE.sub("", line)) for line in text.split("\n"))


def build_document(
    article: Article,
    *,
    rel: str,
    sha256: str,
    encoding: str = "utf-8",
    title: str | None = None,
    url: str | None = None,
    overrides: dict[str, str] | None = None,
) -> Document:
    """Lay an article out as a `Document`: title, headings and paragraphs joined by blank lines."""
    title = title or article.title or Path(rel).stem
    blocks = [b for b in article.blocks if not (b.kind == "heading" and b.text == title)]
    pieces = [title]
    paragraphs: list[Paragraph] = []
    headings: list[tuple[int, int]] = []
    heading: str | None = None
    pos = len(title)
    for block in blocks:
        pos += 2
        start, end = pos, pos + len(block.text)
        if block.kind == "heading":
            heading = block.text
            headings.append((start, end))
        else:
            paragraphs.append(Paragraph(len(paragraphs) + 1, start, end, heading))
        pieces.append(block.text)
        pos = end
    fields = {k: getattr(article, k) for k in ("publisher", "date", "author")}
    fields.update({k: v for k, v in (overrides or {}).items() if k in ("publisher", "date", "author") and v})
    return Document(
        doc_id=doc_id_for(rel),
        path=rel,
        title=title,
        text="\n\n".join(pieces),
        paragraphs=tuple(paragraphs),
        headings=tuple(headings),
        sha256=sha256,
        subtitle=article.subtitle,
        url=url,
        encoding=encoding,
        **fields,
    )


def _sidecar(path: Path) -> dict[str, str]:
    """Metadata from `NAME.meta.json` or `NAME.EXT.meta.json` beside the file, if any."""
    for candidate in (path.with_suffix(SIDECAR), path.with_name(path.name + SIDECAR)):
        if candidate.is_file():
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            if isinstance(data, dict):
                return {k: str(v) for k, v in data.items() if k in _META_KEYS and v}
    return {}


CLEANER_VERSION = 2  # bump whenever cleaning, chunking or sentence splitting changes


def fingerprint(root: Path, params: Mapping[str, object] | None = None) -> tuple[str, dict[str, str]]:
    """Content hash of a corpus folder.

    Args:
        root: the corpus folder.
        params: ingestion settings that change the passages (chunk sizes…).

    Returns:
        (fingerprint, {relative path: sha256 of the file}). Unreadable
        files are listed with an empty hash.
    """
    files: dict[str, str] = {}
    for path in corpus_files(root):
        path.relative_to(root).as_posix()
        for item in (path, path.with_suffix(SIDECAR), path.with_name(path.name + SIDECAR)):
            if item == path or item.is_file():
                key = item.relative_to(root).as_posix()
                try:
                    files[key] = _file_sha256(item)
                except OSError:
                    files[key] = ""
    digest = hashlib.sha256(json.dumps([CLEANER_VERSION, dict(params or {}), sorted(files.items())]).encode())
    return digest.hexdigest(), files


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
