"""A corpus folder → documents, with a one-line reason for every file skipped."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.ingest.clean import Article, parse_article
from qa.ingest.decode import NotTextError, decode
from qa.ingest.document import Document, Paragraph
from qa.ingest.html import parse_html
from qa.ingest.pdf import read_pdf
from qa.ingest.word import read_docx

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
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


def corpus_files(
    root: Path, skipped: list[Skipped] | None = None, warn: Callable[[str], None] | None = None
) -> list[Path]:
    """Supported regular files under `root`, recursively, in a stable order.

    Hidden files and folders are ignored. Symlinked folders are not followed (no
    loops). Only regular files (or links to one) are returned: reading a FIFO
    named x.txt would block forever. What is left out for those reasons, broken
    links and unreadable folders, is reported in `skipped` and to `warn`.

    Args:
        root: the corpus folder.
        skipped: if given, gets a `Skipped` for each entry left out, with the reason.
        warn: called with one line for each entry left out.
    """
    found: list[Path] = []
    left: list[tuple[Path, str]] = []

    def unreadable(exc: OSError) -> None:
        if exc.filename is not None and Path(exc.filename) != root:
            left.append((Path(exc.filename), f"无法读取文件夹 / cannot read the folder ({exc.strerror})"))

    for folder, dirs, files in os.walk(root, onerror=unreadable, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        left += [(Path(folder) / d, _LINKED_FOLDER) for d in dirs if (Path(folder) / d).is_symlink()]
        for name in sorted(files):
            path = Path(folder) / name
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            reason = _not_a_regular_file(path)
            if reason is None:
                found.append(path)
            else:
                left.append((path, reason))
    for path, reason in left:
        rel = path.relative_to(root).as_posix()
        if skipped is not None:
            skipped.append(Skipped(rel, reason))
        if warn:
            warn(f"跳过 / skipped {rel}: {reason}")
    return found


_LINKED_FOLDER = "链接的文件夹不会被读取 / symlinked folder not followed"


def _not_a_regular_file(path: Path) -> str | None:
    """Why `path` cannot be read as a document (a FIFO, a device, a broken link…), or None."""
    try:
        mode = path.stat().st_mode  # follows links: a link to a regular file is fine
    except FileNotFoundError:
        return "链接指向的文件不存在 / broken symbolic link" if path.is_symlink() else "文件已不存在 / file vanished"
    except OSError as exc:
        return f"无法访问 / cannot access ({exc.strerror or exc})"
    return None if stat.S_ISREG(mode) else "不是普通文件 / not a regular file"


def load_corpus(root: Path, warn: Callable[[str], None] | None = None) -> Corpus:
    """Read every supported file under `root`.

    Args:
        root: the corpus folder.
        warn: called with one line for each skipped file.

    Returns:
        The documents read and the files skipped with their reasons.
    """
    corpus = Corpus()
    for path in corpus_files(root, corpus.skipped, warn):  # FIFOs, broken links… are skipped here
        got = read_or_skip(root, path, warn)
        if isinstance(got, Skipped):
            corpus.skipped.append(got)
        else:
            corpus.documents.append(got)
    return corpus


def read_or_skip(root: Path, path: Path, warn: Callable[[str], None] | None = None) -> Document | Skipped:
    """One corpus file as a document, or the one-line reason it was skipped (also sent to `warn`)."""
    rel = path.relative_to(root).as_posix()
    try:
        return read_document(path, rel)
    except (NotTextError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if warn:
            warn(f"跳过 / skipped {rel}: {reason}")
        return Skipped(rel, reason)


def read_document(path: Path, rel: str) -> Document:
    """Read, decode, clean and describe one file.

    Raises:
        NotTextError: the file is empty, binary, undecodable, encrypted, damaged,
            a scanned PDF, or has no text left.
        OSError: the file cannot be read.
    """
    data = path.read_bytes()
    suffix = path.suffix.lower()
    encoding, url, title = "utf-8", None, None  # what only text and HTML files say
    pdf = read_pdf(data) if suffix == ".pdf" else None
    if pdf is not None:
        article = pdf.article
    elif suffix == ".docx":
        article = read_docx(data)
    else:
        article, encoding, url, title = _text_article(data, suffix)
    if not any(b.kind == "para" for b in article.blocks):
        raise NotTextError("清理后没有正文 / no text left after cleaning")
    extra = _sidecar(path)
    doc = build_document(
        article,
        rel=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        title=extra.get("title") or title,
        url=extra.get("url") or url,
        overrides=extra,
    )
    return _with_pages(doc, article, pdf.block_pages, pdf.page_count) if pdf else doc


def _text_article(data: bytes, suffix: str) -> tuple[Article, str, str | None, str | None]:
    """A text, Markdown or HTML file → (article, encoding, URL, HTML title)."""
    text, encoding = decode(data)
    url = None
    html_title = None
    if suffix in (".html", ".htm"):
        page = parse_html(text)
        text, url, html_title = page.text, page.url, page.title
    elif suffix in (".md", ".markdown"):
        text = strip_markdown(text)
    return parse_article(text), encoding, url, html_title


def _with_pages(doc: Document, article: Article, block_pages: tuple[int, ...], page_count: int) -> Document:
    """`doc` with the offset where each page starts, from the page each article block starts on.

    `build_document` lays the blocks out in order but leaves out a heading
    that repeats the title, so blocks are matched to the laid-out spans by text.
    """
    spans = sorted([*doc.headings, *((p.start, p.end) for p in doc.paragraphs)])
    placed: list[tuple[int, int]] = []  # (offset, page) of each laid-out block
    for block, page in zip(article.blocks, block_pages):
        if len(placed) < len(spans) and doc.text[slice(*spans[len(placed)])] == block.text:
            placed.append((spans[len(placed)][0], page))
    starts = [0]
    for number in range(2, page_count + 1):
        starts.append(next((offset for offset, page in placed if page >= number), len(doc.text)))
    return replace(doc, pages=tuple(starts))


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


CLEANER_VERSION = 3  # bump whenever cleaning, chunking or sentence splitting changes


def fingerprint(root: Path, params: Mapping[str, object] | None = None) -> tuple[str, dict[str, str]]:
    """Content hash of a corpus folder, and of each of its documents.

    Args:
        root: the corpus folder.
        params: ingestion settings that change the passages (chunk sizes…).

    Returns:
        (fingerprint, {relative path: state}) where a document's state is
        the sha256 of its file, plus that of its metadata sidecar if it has
        one; a file that cannot be read has the state "unreadable".
    """
    states: dict[str, str] = {}
    for path in corpus_files(root):
        parts = []
        for item in (path, path.with_suffix(SIDECAR), path.with_name(path.name + SIDECAR)):
            if item == path or item.is_file():
                try:
                    parts.append(file_sha256(item) if item.is_file() else "unreadable")
                except OSError:
                    parts.append("unreadable")
        states[path.relative_to(root).as_posix()] = "+".join(parts)
    digest = hashlib.sha256(json.dumps([CLEANER_VERSION, dict(params or {}), sorted(states.items())]).encode())
    return digest.hexdigest(), states


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
