"""The corpus folder as the console changes it: uploads checked and written safely, sidecars, deletions.

Nothing a visitor sends becomes a path: an uploaded file's name is reduced to a plain file name
(no folder, no `..`, no control characters) of a supported type, and every file the console
touches is looked up among the corpus's own files by its document id, never joined from input.
"""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from qa.errors import InputError
from qa.ingest.corpus import SIDECAR, SUFFIXES, corpus_files, doc_id_for
from qa.ingest.urls import CONFIG_FILES

MAX_NAME = 120  # characters of an uploaded file's name
MAX_FILES = 20  # files in one upload
# A .docx is a zip: refused when it would unpack to more than this, or this many times its size (a zip bomb).
MAX_UNPACKED = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_MEMBERS = 2000
META_FIELDS = {"title": 200, "publisher": 100, "date": 10, "url": 2000, "author": 100}  # field → longest value
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class CorpusFile:
    """A document file of the corpus folder."""

    doc_id: str
    path: str  # relative to the corpus folder
    size: int
    modified: float


def safe_name(name: str) -> str:
    """An uploaded file's name as a plain file name of a supported type.

    Raises:
        InputError: nothing usable is left, or the type is not one the bot reads.
    """
    base = re.split(r"[/\\]", unicodedata.normalize("NFC", name or ""))[-1]
    base = "".join(ch for ch in base if not unicodedata.category(ch).startswith("C"))  # controls, bidi overrides
    base = _UNSAFE.sub("_", base).strip().lstrip(".")
    if not base or base in (".", ".."):
        raise InputError("文件名无效。", "invalid file name.")
    if base.lower() in CONFIG_FILES:
        raise InputError(
            f"{base} 是语料的网址清单，不是文档：请直接放到语料文件夹中。",
            f"{base} is the corpus's URL list, not a document: put it in the corpus folder directly.",
        )
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES or base.lower().endswith(SIDECAR):
        raise InputError(
            f"不支持的文件类型：{base[:60]}（支持 {' '.join(SUFFIXES)}）",
            f"unsupported file type: {base[:60]} (supported: {' '.join(SUFFIXES)})",
        )
    return f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix.lower()}"


def check_content(name: str, data: bytes, max_bytes: int) -> None:
    """Refuse an upload that is too large or a .docx that is a zip bomb (a damaged file is accepted: indexing
    reports why it cannot be read).

    Raises:
        InputError: the reason, in Chinese and English.
    """
    if len(data) > max_bytes:
        raise InputError(
            f"文件过大：{name}（上限 {max_bytes // 2**20} MB）",
            f"file too large: {name} (limit {max_bytes // 2**20} MB)",
        )
    if not data:
        raise InputError(f"空文件：{name}", f"empty file: {name}")
    if name.endswith(".docx") and data[:2] == b"PK":
        _check_zip(name, data)


def _check_zip(name: str, data: bytes) -> None:
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return  # damaged: indexing will say so
    unpacked = sum(m.file_size for m in members)
    if len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED or unpacked > MAX_RATIO * max(len(data), 1):
        raise InputError(
            f"拒绝：{name} 解压后过大（{unpacked // 2**20} MB，{len(members)} 个成员），可能是压缩炸弹。",
            f"refused: {name} would unpack to {unpacked // 2**20} MB in {len(members)} members (a zip bomb?).",
        )


class Library:
    """The corpus folder's documents, as the console lists and changes them."""

    def __init__(self, root: Path) -> None:
        """Args: root: the corpus folder."""
        self.root = root

    def files(self) -> dict[str, CorpusFile]:
        """Every document file by document id."""
        out = {}
        for path in corpus_files(self.root):
            rel = path.relative_to(self.root).as_posix()
            try:
                stat = path.stat()
            except OSError:
                continue
            out[doc_id_for(rel)] = CorpusFile(doc_id_for(rel), rel, stat.st_size, stat.st_mtime)
        return out

    def file(self, doc_id: str) -> CorpusFile:
        """The file of document `doc_id`.

        Raises:
            InputError: no such document in the corpus folder.
        """
        found = self.files().get(doc_id)
        if found is None:
            raise InputError(f"语料中没有这篇文档：{doc_id[:40]}", f"no such document in the corpus: {doc_id[:40]}")
        return found

    def save(self, name: str, data: bytes) -> str:
        """Write an upload (already checked) as `name` in the corpus folder, replacing a file of that name.

        Written to a hidden temporary file first and renamed, so that an indexer never reads half a file.
        Returns the path relative to the corpus folder.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, self.root / name)
        return name

    def delete(self, doc_id: str) -> str:
        """Remove a document's file and its metadata sidecar; returns its path."""
        found = self.file(doc_id)
        path = self.root / found.path
        for item in (path, *_sidecars(path)):
            item.unlink(missing_ok=True)
        return found.path

    def write_meta(self, doc_id: str, fields: dict[str, str | None]) -> str:
        """Set a document's title / publisher / date / url / author in its `.meta.json` sidecar (an empty
        value removes the field); returns the path of the document.

        Raises:
            InputError: an unknown field, a value too long, a date not YYYY-MM-DD, a URL not http(s).
        """
        found = self.file(doc_id)
        path = self.root / found.path
        sidecar = next((s for s in _sidecars(path) if s.is_file()), path.with_name(path.name + SIDECAR))
        try:
            current = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar.is_file() else {}
        except (OSError, ValueError):
            current = {}
        current = current if isinstance(current, dict) else {}
        for key, value in fields.items():
            value = _meta_value(key, value)
            if value:
                current[key] = value
            else:
                current.pop(key, None)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".meta-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(current, handle, ensure_ascii=False, indent=2)
        os.replace(tmp, sidecar)
        return found.path


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_suffix(SIDECAR), path.with_name(path.name + SIDECAR)


def _meta_value(key: str, value: str | None) -> str:
    if key not in META_FIELDS:
        raise InputError(f"未知字段：{key[:20]}", f"unknown field: {key[:20]}")
    text = " ".join(str(value or "").split())
    if len(text) > META_FIELDS[key]:
        raise InputError(f"{key} 过长（上限 {META_FIELDS[key]} 字）", f"{key} too long (limit {META_FIELDS[key]})")
    if text and key == "date" and not _DATE.match(text):
        raise InputError("日期格式须为 YYYY-MM-DD", "date must be YYYY-MM-DD")
    if text and key == "url" and not text.startswith(("http://", "https://")):
        raise InputError("链接须以 http:// 或 https:// 开头", "url must start with http:// or https://")
    return text
