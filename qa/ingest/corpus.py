"""A corpus folder → documents, with a one-line reason for every file skipped."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.ingest import boilerplate
from qa.ingest.clean import looks_scraped, parse_article
from qa.ingest.decode import NotTextError, decode
from qa.ingest.document import HEADING_PATH, Article, Block, Document, Dropped, Paragraph
from qa.ingest.html import parse_html
from qa.ingest.layout import parse_plain
from qa.ingest.markdown import looks_like_markdown, parse_markdown
from qa.ingest.pdf import PdfText, read_pdf
from qa.ingest.rules import describe
from qa.ingest.structure import looks_structured, restructure
from qa.ingest.urls import CONFIG_FILES, UrlList, last_list, url_list
from qa.ingest.word import read_docx

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
SIDECAR = ".meta.json"
KEPT_WARNING = 0.5  # `qa index` names a file when cleaning kept less than this share of its characters
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

    Hidden files and folders are ignored, and so are the URL list's `urls.txt` and
    `sitemap.xml` at the top (configuration, `qa.ingest.urls`). Symlinked folders are not followed (no
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
            if name in CONFIG_FILES and Path(folder) == Path(root):
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
        warn: called with one line for each skipped file, and for each bad line of the URL list.

    Returns:
        The documents read and the files skipped with their reasons.
    """
    corpus = Corpus()
    paths = corpus_files(root, corpus.skipped, warn)  # FIFOs, broken links… are skipped here
    for line in url_list(root, [p.relative_to(root).as_posix() for p in paths]).warnings:
        if warn:
            warn(line)
    for path in paths:
        got = read_or_skip(root, path, warn)
        if isinstance(got, Skipped):
            corpus.skipped.append(got)
        else:
            corpus.documents.append(got)
    return corpus


def read_or_skip(root: Path, path: Path, warn: Callable[[str], None] | None = None) -> Document | Skipped:
    """One corpus file as a document, or the one-line reason it was skipped (also sent to `warn`).

    A document that lost more than half of its characters to cleaning is read, and `warn` says so.
    """
    rel = path.relative_to(root).as_posix()
    try:
        doc = read_document(path, rel)
    except (NotTextError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if warn:
            warn(f"跳过 / skipped {rel}: {reason}")
        return Skipped(rel, reason)
    if warn and doc.kept_share < KEPT_WARNING:
        share = f"{doc.kept_share:.0%}"
        warn(
            f"注意 / note {rel}: 清理后只保留了 {share} 的文字，可用 qa inspect 查看删去的内容 / "
            f"cleaning kept {share} of its text; qa inspect shows what was dropped"
        )
    return doc


def read_document(path: Path, rel: str) -> Document:
    """Read, decode, parse, clean and describe one file.

    Raises:
        NotTextError: the file is empty, binary, undecodable, encrypted, damaged,
            a scanned PDF, or has no body text left; the message says which.
        OSError: the file cannot be read.
    """
    data = path.read_bytes()
    return document_of(path, rel, data, read_article(data, path.suffix.lower()))


def document_of(
    path: Path, rel: str, data: bytes, parsed: tuple[Article, str, str | None, str | None, PdfText | None]
) -> Document:
    """The document of file `path` (bytes `data`) from what `read_article` made of it, its sidecar applied.

    Its `url` is the sidecar's, else its line in `urls.txt`, else the page's own, else a `sitemap.xml` match
    (`qa.ingest.urls`).
    """
    article, encoding, url, title, pdf = parsed
    extra = sidecar(path)
    doc = build_document(
        article,
        rel=rel,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        title=extra.get("title") or title,
        url=extra.get("url") or urls_of(_root_of(path, rel), rel).url(rel, url),
        overrides=extra,
    )
    return _with_pages(doc, article, pdf.block_pages, pdf.page_count) if pdf else doc


def read_article(data: bytes, suffix: str) -> tuple[Article, str, str | None, str | None, PdfText | None]:
    """A file's bytes → (article with its structure found, encoding, URL, page title, PDF pages), by format.

    Raises:
        NotTextError: as `read_document`; also when nothing of the file is left to index.
    """
    article, encoding, url, title, pdf = parse_file(data, suffix)
    if not any(b.kind == "para" for b in article.blocks):
        raise NotTextError(why_empty(article))
    return article, encoding, url, title, pdf


def parse_file(data: bytes, suffix: str) -> tuple[Article, str, str | None, str | None, PdfText | None]:
    """As `read_article`, but an article with no paragraph left is returned (`qa inspect` shows why).

    Raises:
        NotTextError: the file is empty, binary, undecodable, encrypted, damaged or scanned.
    """
    encoding, url, title = "utf-8", None, None  # what only text and HTML files say
    pdf = read_pdf(data) if suffix == ".pdf" else None
    if pdf is not None:
        article = pdf.article
    elif suffix == ".docx":
        article = read_docx(data)
    else:
        article, encoding, url, title = _text_article(data, suffix)
    if any(b.kind == "para" for b in article.blocks):
        article = restructure(article)
    return article, encoding, url, title, pdf


def why_empty(article: Article) -> str:
    """Why a file that has text has no body left: what the rules took, with its first characters."""
    if not article.dropped:
        shown = article.title or ""
        return f"没有正文，只有标题「{shown[:30]}」 / no body text, only a title «{shown[:30]}»"
    rules = list(dict.fromkeys(d.rule for d in article.dropped))
    sample = " ".join(" ".join(d.text.split()) for d in article.dropped)[:40]
    zh = "、".join(describe(r, "zh") for r in rules[:3])
    en = ", ".join(describe(r, "en") for r in rules[:3])
    return f"只有{zh}，没有正文：「{sample}」 / only {en}, no body text: «{sample}»"


def _text_article(data: bytes, suffix: str) -> tuple[Article, str, str | None, str | None]:
    """A text, Markdown or HTML file → (article, encoding, URL, HTML title).

    A web page goes through the news cleaner; Markdown (or a text file written in it) through
    the Markdown parser; a plain text that is no scraped page but has numbered parts (a
    regulation, a manual) is read line by line with nothing dropped; other text is cleaned as
    a scraped page.
    """
    text, encoding = decode(data)
    if suffix in (".html", ".htm"):
        page = parse_html(text)
        article = parse_article(page.text, markup=False, headings=page.headings, rows=page.rows)
        first = article.title
        if page.title and first and first not in page.title and page.title not in first:
            # The page names its headline (<h1>): the line the cleaner took for one is a site name or a masthead
            # above it (欢迎访问澄川市人民政府门户网站！), left out, and said so.
            article = replace(article, dropped=(*article.dropped, Dropped(first, "masthead")))
        return article, encoding, page.url, page.title
    if suffix in (".md", ".markdown") or looks_like_markdown(text):
        return parse_markdown(text), encoding, None, None
    if looks_structured(text) and not looks_scraped(text):
        return parse_plain(text), encoding, None, None
    return parse_article(text), encoding, None, None


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
    """Lay an article out as a `Document`: title, headings and paragraphs joined by blank lines.

    Each paragraph gets its heading path (第二章 受理 › 第一节 申请, by the headings' levels; a
    heading without a level starts a new path) and the label of the article it is (第五条).
    """
    title = title or article.title or Path(rel).stem
    blocks = [b for b in article.blocks if not (b.kind == "heading" and b.text == title)]
    pieces = [title]
    paragraphs: list[Paragraph] = []
    headings: list[tuple[int, int]] = []
    pos = len(title)
    for block, path in zip(blocks, heading_paths(blocks)):
        pos += 2
        start, end = pos, pos + len(block.text)
        if block.kind == "heading":
            headings.append((start, end))
        else:
            paragraphs.append(Paragraph(len(paragraphs) + 1, start, end, HEADING_PATH.join(path) or None, block.label))
        pieces.append(block.text)
        pos = end
    fields = {k: getattr(article, k) for k in ("publisher", "date", "author")}
    fields.update({k: v for k, v in (overrides or {}).items() if k in ("publisher", "date", "author") and v})
    text = "\n\n".join(pieces)
    return Document(
        doc_id=doc_id_for(rel),
        path=rel,
        title=title,
        text=text,
        paragraphs=tuple(paragraphs),
        headings=tuple(headings),
        sha256=sha256,
        subtitle=article.subtitle,
        url=url,
        encoding=encoding,
        kind=article.kind,
        chars_read=article.chars_read,
        source_line=source_line(article),
        **fields,
    )


SOURCE_LINE_MAX = 200


def source_line(article: Article) -> str | None:
    """The lines a page states its date, source and reporters in (read into the metadata, left out of the text),
    then its editor's field (责任编辑：孙雅琪, from the header or the footer), joined as written: what a question
    about who reported or edited the article, or when it was published, is answered with."""
    lines = [" ".join(d.text.split()) for d in article.dropped if d.rule in ("metadata", "byline")]
    editors = (boilerplate.editor_field(d.text) for d in article.dropped if d.rule in ("footer", "legal", "contact"))
    lines.extend(dict.fromkeys(e for e in editors if e))
    return " ".join(lines)[:SOURCE_LINE_MAX] or None


def heading_paths(blocks: list[Block]) -> list[tuple[str, ...]]:
    """The headings each block stands under (a heading: itself included), by the headings' levels.

    A heading closes the ones at its level and below; a heading without a level (0: the format
    gives none) starts a new path.
    """
    out: list[tuple[str, ...]] = []
    path: list[tuple[int, str]] = []
    for block in blocks:
        if block.kind == "heading":
            while path and (path[-1][0] >= block.level or path[-1][0] == 0 or block.level == 0):
                path.pop()
            path.append((block.level, block.text))
        out.append(tuple(text for _, text in path))
    return out


def sidecar(path: Path) -> dict[str, str]:
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


def urls_of(root: Path, rel: str) -> UrlList:
    """The URL list of corpus folder `root`, matched to files that include `rel` (kept while unchanged)."""
    got = last_list(root)
    if got is not None and got.covers(rel):
        return got
    return url_list(root, [p.relative_to(root).as_posix() for p in corpus_files(root)])


def _root_of(path: Path, rel: str) -> Path:
    """The corpus folder of file `path` named `rel` in it (its own folder if `rel` is not its path's tail)."""
    depth = rel.count("/")
    tail = f"/{path.as_posix()}".endswith(f"/{rel}")
    return path.parents[depth] if tail and depth < len(path.parents) else path.parent


CLEANER_VERSION = 16  # bump whenever cleaning, parsing, chunking or sentence splitting changes


def fingerprint(
    root: Path, params: Mapping[str, object] | None = None, warn: Callable[[str], None] | None = None
) -> tuple[str, dict[str, str]]:
    """Content hash of a corpus folder, and of each of its documents.

    Args:
        root: the corpus folder.
        params: ingestion settings that change the passages (chunk sizes…).
        warn: called with each bad line of the URL list (`urls.txt`, `sitemap.xml`).

    Returns:
        (fingerprint, {relative path: state}) where a document's state is
        the sha256 of its file, plus that of its metadata sidecar if it has
        one, plus that of its entry in the URL list if it has one; a file
        that cannot be read has the state "unreadable".
    """
    states: dict[str, str] = {}
    paths = corpus_files(root)
    urls = url_list(root, [p.relative_to(root).as_posix() for p in paths])
    for line in urls.warnings:
        if warn:
            warn(line)
    for path in paths:
        parts = []
        for item in (path, path.with_suffix(SIDECAR), path.with_name(path.name + SIDECAR)):
            if item == path or item.is_file():
                try:
                    parts.append(file_sha256(item) if item.is_file() else "unreadable")
                except OSError:
                    parts.append("unreadable")
        rel = path.relative_to(root).as_posix()
        listed = urls.state(rel)
        states[rel] = "+".join([*parts, f"url:{listed}"] if listed else parts)
    digest = hashlib.sha256(json.dumps([CLEANER_VERSION, dict(params or {}), sorted(states.items())]).encode())
    return digest.hexdigest(), states


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
