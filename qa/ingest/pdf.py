"""PDF bytes → an `Article` of headings and paragraphs, with the page each one starts on (text layer, via pypdf)."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import DependencyError

from qa.ingest.decode import NotTextError
from qa.ingest.document import Article
from qa.ingest.layout import drop_page_furniture, meta_value, paged_blocks, unheaded
from qa.text.normalize import strip_invisible

SCANNED = "扫描版 PDF，没有文字层（需要先做 OCR） / scanned PDF without a text layer (run OCR first)"
ALMOST_SCANNED = (
    "PDF 几乎没有文字层（每页不到 {n} 个字），可能是扫描件，需要先做 OCR / "
    "almost no text layer (under {n} characters a page): probably scanned, run OCR first"
)
SCANNED_CHARS = 20  # characters a page: a PDF with fewer and no paragraph is a scan with stray text


@dataclass(frozen=True)
class PdfText:
    """What a PDF yields: its article, the 1-based page of each block, and its number of pages."""

    article: Article
    block_pages: tuple[int, ...]
    page_count: int


def read_pdf(data: bytes) -> PdfText:
    """Read the text layer of a PDF.

    Args:
        data: the raw file content.

    Returns:
        The headings and paragraphs (see `qa.ingest.layout` for how wrapped
        lines become paragraphs), the page each starts on, and the title,
        author and date from the PDF's metadata where it has them.

    Raises:
        NotTextError: the PDF is encrypted, damaged, or scanned (no text layer); the message says which.
    """
    try:
        with _quiet_pypdf():
            return _read(data)
    except NotTextError:
        raise
    except DependencyError as exc:
        raise NotTextError(
            "加密的 PDF（AES），需要安装 cryptography 才能读取 / encrypted PDF (AES): install cryptography"
        ) from exc
    except Exception as exc:
        # pypdf parses untrusted bytes lazily, and a damaged file can fail in any
        # call with any exception; one bad file must not stop the whole corpus.
        raise NotTextError(f"PDF 文件已损坏，无法读取 / damaged PDF, cannot be read ({type(exc).__name__})") from exc


def _read(data: bytes) -> PdfText:
    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        raise NotTextError("加密的 PDF，需要密码才能打开 / encrypted PDF, a password is needed to open it")
    texts = [page.extract_text() or "" for page in reader.pages]
    if not texts:
        raise NotTextError("PDF 没有页面 / PDF without pages")
    if not any(strip_invisible(text).strip() for text in texts):
        raise NotTextError(SCANNED)
    # the blank lines around a page's text are not paragraph breaks: a paragraph may go on over the page
    pages = [[strip_invisible(line).strip() for line in text.strip().split("\n")] for text in texts]
    blocks, starts = paged_blocks(drop_page_furniture(pages), typeset=True)
    read = sum(len("".join(text.split())) for text in texts)
    if read < SCANNED_CHARS * len(texts) and not any(b.kind == "para" for b in blocks):
        raise NotTextError(ALMOST_SCANNED.format(n=SCANNED_CHARS))
    blocks, starts = unheaded(blocks, starts)
    title, author, date = _metadata(reader)
    if title is None and blocks and blocks[0].kind == "heading":
        title = blocks[0].text
    article = Article(title, None, None, date, author, tuple(blocks), kind="pdf", chars_read=read)
    return PdfText(article, tuple(starts), len(texts))


def _metadata(reader: PdfReader) -> tuple[str | None, str | None, str | None]:
    """(title, author, ISO date) from the document information dictionary; None where absent or unreadable."""
    info = reader.metadata
    if info is None:
        return None, None, None
    try:
        created = info.creation_date
    except ValueError:  # a malformed /CreationDate string
        created = None
    return meta_value(info.title), meta_value(info.author), created.date().isoformat() if created else None


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings about damaged files while reading: the skip reason says it once."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
