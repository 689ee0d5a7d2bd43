"""Build the index of a corpus folder when (and only when) it is out of date."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qa.config import MAX_CHARS, MIN_CHARS, chunk_params
from qa.errors import QAError
from qa.ingest.corpus import Skipped, fingerprint, load_corpus
from qa.search import storage
from qa.search.encoder import Encoder
from qa.search.index import build


@dataclass
class IndexReport:
    """What `update_index` did."""

    built: bool
    documents: int
    passages: int
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ""


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


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], Encoder],
    model_name: str,
    *,
    rebuild: bool = False,
    warn: Callable[[str], None] | None = None,
    progress: bool = False,
) -> IndexReport:
    """Rebuild the index of `corpus_dir` if the corpus or model changed.

    Args:
        corpus_dir: the documents folder.
        index_dir: the index root.
        encoder_factory: makes the encoder (only called when a build is needed).
        model_name: identity of that encoder, to compare with the manifest.
        rebuild: build even when up to date.
        warn: receives one line per skipped file and other notices.
        progress: show progress bars.
    """
    if not corpus_dir.is_dir():
        raise QAError(f"语料文件夹不存在：{corpus_dir}", f"corpus folder not found: {corpus_dir}")
    started = time.perf_counter()
    with build_lock(index_dir, warn):
        digest, files = fingerprint(corpus_dir, chunk_params())
        manifest = storage.read_manifest(index_dir)
        reason = _stale_reason(manifest, digest, model_name) if not rebuild else "强制重建 / --rebuild"
        if manifest is not None and not reason:
            return IndexReport(
                False,
                manifest.get("documents", 0),
                manifest.get("passages", 0),
                [Skipped(**s) for s in manifest.get("corpus", {}).get("skipped", [])],
                time.perf_counter() - started,
            )
        corpus = load_corpus(corpus_dir, warn=warn)
        encoder = encoder_factory()
        index = build(corpus.documents, encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS, progress=progress)
        storage.save(
            index,
            index_dir,
            {
                "model": {"name": model_name, "dim": encoder.dim},
                "chunking": chunk_params(),
                "corpus": {
                    "root": str(corpus_dir),
                    "fingerprint": digest,
                    "files": files,
                    "skipped": [{"path": s.path, "reason": s.reason} for s in corpus.skipped],
                },
            },
        )
    return IndexReport(
        True,
        len(corpus.documents),
        len(index.passages),
        corpus.skipped,
        time.perf_counter() - started,
        reason or "新建 / new",
    )


def _stale_reason(manifest: dict | None, digest: str, model_name: str) -> str:
    """Why the index must be rebuilt ("" when it is up to date)."""
    if manifest is None:
        return "尚无索引 / no index yet"
    if manifest.get("model", {}).get("name") != model_name:
        return "模型已更换 / model changed"
    try:
        storage.check(manifest, model=None, fingerprint=None)
    except QAError:
        return "索引格式已更新 / index format changed"
    if manifest.get("corpus", {}).get("fingerprint") != digest:
        return "语料已变化 / corpus changed"
    return ""
