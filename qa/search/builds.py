"""The index as a directory of builds: a manifest plus the parts' files, written atomically.

Layout under the index root::

    current -> builds/20261122T193000-1234   (symlink, swapped atomically)
    builds/20261122T193000-1234/manifest.json, passages.jsonl, ...
    .lock                                     (held while building)

A build is written to a temporary folder, fsynced, renamed into `builds/`,
and only then made `current` by replacing the symlink, so an interrupted
build never leaves a broken index behind. This module knows the parts only
through `Index.save` / `Index.load` and the files they name, and a vector
store only through its backend's `discard` (what a pruned build held elsewhere).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa import __version__
from qa.errors import ConfigError, IndexCorruptError, IndexMismatchError, IndexNotFoundError
from qa.ingest.corpus import file_sha256
from qa.search import vectors
from qa.search.index import Index
from qa.text.tokenize import TOKENIZER_NAME

# 2: sentences carry answer-kind masks; 3: vector ids per passage, BM25 term counts;
# 4: sentence vectors and BM25 counts in .npy files read by memory map, the vector store's type in the manifest;
# 5: a clock time (8:30, 17:00) is a time in the answer-kind masks; 6: durations (30分钟, 十五日内) are a kind;
# 7: amounts of money (600元, 5万元) are a kind
FORMAT = 7
HASH_ON_LOAD = 256 * 2**20  # bytes: larger files are checked by size when loading, by sha256 in `qa index`
REBUILD = "qa index --rebuild"
Options = Mapping[str, Mapping[str, str]]  # each vector store backend's settings, by its name


@contextmanager
def build_lock(root: Path, wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold `root/.lock` so that two builds never write the same index at once."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait:
                wait("另一个 qa index 正在运行，等待它完成… / another `qa index` is running, waiting…")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_dir(root: Path) -> Path | None:
    """The folder holding the current build under `root`, or None."""
    if (root / "manifest.json").is_file():
        return root
    current = root / "current"
    return current.resolve() if (current / "manifest.json").is_file() else None


def read_manifest(root: Path) -> dict[str, Any] | None:
    """The current manifest under `root`, or None when there is no index."""
    folder = build_dir(root)
    return None if folder is None else _manifest_in(folder)


def _manifest_in(folder: Path) -> dict[str, Any] | None:
    """The manifest of one build folder."""
    try:
        data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(
            f"索引清单损坏：{folder / 'manifest.json'}（{exc}）。请运行 `{REBUILD}` 重建。",
            f"index manifest is corrupt: {folder / 'manifest.json'} ({exc}). Run `{REBUILD}`.",
        ) from exc
    return data if isinstance(data, dict) else None


def save(index: Index, root: Path, manifest: dict[str, Any], options: Options | None = None) -> Path:
    """Write `index` as the new current build under `root`.

    Args:
        index: the built index.
        root: the index root folder (created when missing).
        manifest: fields describing the build (model, corpus, chunking…);
            format, version, counts, build time and file hashes are added.
        options: each vector store's settings by backend name (to release what pruned builds held).

    Returns:
        The build folder.
    """
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    stamp = f"{dt.datetime.now().strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}"
    tmp = builds / f".tmp-{stamp}"
    tmp.mkdir()
    files = index.save(tmp)
    for name in files:
        _fsync(tmp / name)
    full = {
        **manifest,
        "format": FORMAT,
        "version": __version__,
        "built_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "passages": len(index.passages),
        "documents": len(index.documents),
        "sentences": int(len(index.sentences.starts)),
        "tokenizer": {"name": TOKENIZER_NAME, "userdict": index.tokenizer.FILE, "terms": len(index.tokenizer.terms)},
        "vectors": vectors.describe(index.store),
        "files": {name: _describe(tmp / name) for name in files},
    }
    _write_text(tmp / "manifest.json", json.dumps(full, ensure_ascii=False, indent=2))
    _fsync(tmp)
    final = builds / stamp
    os.rename(tmp, final)
    _fsync(builds)
    previous = build_dir(root)
    link = root / f".current-{stamp}"
    os.symlink(Path("builds") / stamp, link)
    os.replace(link, root / "current")
    _fsync(root)
    index.manifest = full
    _prune(root, [final, previous], options or {})
    return final


def load(
    root: Path, *, model: str | None = None, fingerprint: str | None = None, options: Options | None = None
) -> Index:
    """Load the current index under `root`, refusing one that does not fit.

    Args:
        root: the index root folder.
        model: the identity of the model that will encode questions; None skips the check.
        fingerprint: the corpus fingerprint now; None skips the check.
        options: each vector store's settings by backend name (credentials of a server).

    Raises:
        IndexNotFoundError, IndexMismatchError, IndexCorruptError: with the command that fixes it.
    """
    for attempt in range(3):
        folder = build_dir(root)  # resolved once: every file below comes from this one build
        try:
            return _load_build(root, folder, model, fingerprint, options or {})
        except IndexCorruptError:
            # A `qa index` that swapped `current` (and pruned) while we read is not corruption: read the new build.
            if attempt == 2 or build_dir(root) == folder:
                raise
    raise AssertionError("unreachable")


def _load_build(root: Path, folder: Path | None, model: str | None, fingerprint: str | None, options: Options) -> Index:
    manifest = None if folder is None else _manifest_in(folder)
    if folder is None or manifest is None:
        raise IndexNotFoundError(
            f"未找到索引：{root}。请先运行 `qa index` 构建索引。",
            f"no index at {root}. Build it first with `qa index`.",
        )
    check(manifest, model=model, fingerprint=fingerprint)
    _verify_files(folder, manifest, hash_below=HASH_ON_LOAD)
    try:
        return Index.load(folder, manifest, options)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise IndexCorruptError(
            f"索引文件无法读取：{folder}（{exc}）。请运行 `{REBUILD}` 重建。",
            f"cannot read the index in {folder} ({exc}). Run `{REBUILD}`.",
        ) from exc


def verify(root: Path) -> None:
    """Check every file of the current build against the manifest (sizes and sha256).

    Raises:
        IndexCorruptError: naming the first damaged file and the command that repairs it.
    """
    folder = build_dir(root)
    manifest = None if folder is None else _manifest_in(folder)
    if folder is not None and manifest is not None:
        _verify_files(folder, manifest)


def tidy(root: Path, options: Options | None = None) -> None:
    """Remove what interrupted builds left (temporary folders, stray links, old builds).

    Call it only while holding the build lock: then no build in progress owns them.
    """
    builds = root / "builds"
    if not builds.is_dir():
        return
    current = build_dir(root)
    done = sorted(p for p in builds.iterdir() if not p.name.startswith(".") and p.resolve() != current)
    _prune(root, [current, done[-1] if done else None], options or {})


def check(manifest: dict[str, Any], *, model: str | None, fingerprint: str | None) -> None:
    """Raise `IndexMismatchError` when the manifest does not fit the model or corpus."""
    if manifest.get("format") != FORMAT or manifest.get("tokenizer", {}).get("name") != TOKENIZER_NAME:
        raise IndexMismatchError(
            f"索引格式（{manifest.get('format')}）与本程序不兼容。请运行 `{REBUILD}` 重建。",
            f"the index format ({manifest.get('format')}) does not match this program. Run `{REBUILD}`.",
        )
    built_with = manifest.get("model", {}).get("name")
    if model is not None and built_with != model:
        raise IndexMismatchError(
            f"索引由模型 {built_with} 构建，当前模型是 {model}。请运行 `{REBUILD}` 重建，或把 QA_MODEL 改回原模型。",
            f"the index was built with model {built_with}, the current model is {model}. "
            f"Run `{REBUILD}` or set QA_MODEL back.",
        )
    if fingerprint is not None and manifest.get("corpus", {}).get("fingerprint") != fingerprint:
        raise IndexMismatchError(
            "语料已变化，索引已过期。请运行 `qa index` 更新索引。",
            "the corpus has changed since the index was built. Run `qa index` to update it.",
        )


def _verify_files(folder: Path, manifest: dict[str, Any], hash_below: int | None = None) -> None:
    """Sizes and sha256 of every file; with `hash_below`, larger files are checked by size only."""
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        problem = None
        if not path.is_file():
            problem = ("缺失", "missing")
        elif path.stat().st_size != expected.get("bytes"):
            problem = ("大小不符（文件被截断或改动）", "wrong size (truncated or altered)")
        elif hash_below is not None and path.stat().st_size > hash_below:
            continue
        elif file_sha256(path) != expected.get("sha256"):
            problem = ("校验和不符（文件被改动）", "checksum mismatch (altered)")
        if problem:
            raise IndexCorruptError(
                f"索引文件{problem[0]}：{path}。请运行 `{REBUILD}` 重建。",
                f"index file {problem[1]}: {path}. Run `{REBUILD}`.",
            )


def _describe(path: Path) -> dict[str, Any]:
    return {"bytes": path.stat().st_size, "sha256": file_sha256(path)}


def _write_text(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _prune(root: Path, keep: list[Path | None], options: Options) -> None:
    """Remove older builds and leftovers of interrupted ones.

    The build just replaced is kept until the next save: a server that
    resolved `current` a moment ago may still be reading it. A removed build's
    vector store is told first, so that it can release what it held elsewhere
    (a Milvus collection no kept build shares).
    """
    kept = [k.resolve() for k in keep if k is not None]
    for item in (root / "builds").iterdir():
        if item.resolve() not in kept:
            _discard_vectors(item, kept, options)
            shutil.rmtree(item, ignore_errors=True)
    for item in root.glob(".current-*"):
        item.unlink(missing_ok=True)


def _discard_vectors(build: Path, kept: list[Path], options: Options) -> None:
    """Let the backend of a build about to be removed release its vectors (nothing when unreadable)."""
    try:
        manifest = _manifest_in(build) if (build / "manifest.json").is_file() else None
        name = vectors.backend_of(manifest or {})
        vectors.backend(name).discard(build, kept, options.get(name, {}))
    except (IndexCorruptError, ConfigError, ImportError):
        return
