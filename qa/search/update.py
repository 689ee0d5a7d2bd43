"""Bring the index of a corpus folder up to date, one document at a time.

`qa index` compares every document's content hash with the manifest: new
files are added, changed ones re-embedded, deleted ones removed from every
part of the index; unchanged documents are neither read nor encoded again.
A full rebuild happens only when there is no usable index, the model or the
cleaning/chunking rules changed, or `--rebuild` asks for one. Either way the
result is written as a new build and swapped in atomically (`builds.save`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from tqdm import tqdm

from qa.config import MAX_CHARS, MIN_CHARS, chunk_params
from qa.errors import IndexCorruptError, QAError
from qa.ingest.corpus import CLEANER_VERSION, Skipped, corpus_files, doc_id_for, fingerprint, read_or_skip
from qa.ingest.document import Document
from qa.search import builds, vectors
from qa.search.cache import CachedEncoder
from qa.search.edits import add_documents, remove_documents, set_terms
from qa.search.encoder import Encoder
from qa.search.index import Index, empty
from qa.text.normalize import fold
from qa.text.tokenize import user_terms
from qa.timing import Stages

RESUME = ".resume-vectors.sqlite"  # vectors encoded by an unfinished build, kept until one finishes
# Vectors from which moving them into another FAISS index type (a quantizer training) is said before it starts.
REFIT_NOTICE = 100_000
BIG_FILE = 10 * 2**20  # bytes: reading and cleaning such a file takes long enough to say so


@dataclass
class IndexReport:
    """What `update_index` did."""

    built: bool  # a new build was written
    documents: int
    passages: int
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    reason: str = ""  # why everything was rebuilt ("" for an incremental update or none)
    added: list[str] = field(default_factory=list)  # relative paths
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    refitted: dict[str, Any] | None = None  # the vector store's new `describe()`, when its size called for another
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage (`qa.timing.Stages`)

    @property
    def changes(self) -> str:
        """The changes in one line: "+3 新增 · 1 更新 · 2 删除"."""
        return f"+{len(self.added)} 新增 · {len(self.updated)} 更新 · {len(self.removed)} 删除"


def update_index(
    corpus_dir: Path,
    index_dir: Path,
    encoder_factory: Callable[[], Encoder],
    model_name: str,
    *,
    rebuild: bool = False,
    warn: Callable[[str], None] | None = None,
    progress: bool = False,
    backend: str = vectors.DEFAULT_BACKEND,
    options: Mapping[str, Mapping[str, str]] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    force: Collection[str] = (),
) -> IndexReport:
    """Add, re-embed and remove documents so that the index matches `corpus_dir`.

    Args:
        corpus_dir: the documents folder.
        index_dir: the index root.
        encoder_factory: makes the encoder (only called when something must be encoded).
        model_name: identity of that encoder, to compare with the manifest.
        rebuild: rebuild everything even when an incremental update would do.
        warn: receives one line per skipped file and other notices.
        progress: show progress bars.
        backend: the configured vector store (a name in `vectors.BACKENDS`); another one in the
            manifest means a full build, into a store its class `create`s.
        options: each vector store's settings by backend name (`Settings.vector_options`).
        on_progress: called with (passages encoded, passages to encode) as encoding goes on.
        force: files (paths relative to `corpus_dir`) read and indexed again even if unchanged.

    The owner's dictionary terms (`TERMS` in `index_dir`, one a line; the console writes them) are
    kept whole by the tokenizer besides the corpus's own quoted terms.
    """
    if not corpus_dir.is_dir():
        raise QAError(f"语料文件夹不存在：{corpus_dir}", f"corpus folder not found: {corpus_dir}")
    started = time.perf_counter()
    options = options or {}
    stage = Stages()
    with builds.build_lock(index_dir, warn):
        builds.tidy(index_dir, options)  # what a killed `qa index` left behind
        terms = owner_terms(index_dir)
        with stage("hash"):
            digest, states = fingerprint(corpus_dir, corpus_params(index_dir), warn)
        manifest, reason = _read_manifest(index_dir, warn)
        reason = "强制重建 / --rebuild" if rebuild else reason or _full_reason(manifest, model_name, backend)
        index: Index | None = None
        before: dict[str, str] = {}
        if not reason and manifest is not None:
            same = not force and manifest.get("corpus", {}).get("fingerprint") == digest and _intact(index_dir, warn)
            if same and _vectors_suit(manifest):
                report = _unchanged(manifest, started)
                report.stages = stage.seconds  # what finding nothing to do took
                return report
            # An unchanged corpus whose vector index no longer follows `plan` (an index made by an
            # earlier version) goes on: nothing is read or encoded, and `refit` below moves the vectors.
            index, reason = _load_previous(index_dir, model_name, options, warn)
            before = manifest.get("corpus", {}).get("files", {}) if index is not None else {}
            before = {rel: state for rel, state in before.items() if rel not in force}
        resume = index_dir / RESUME
        # Made on first use (a deletion-only update never loads the model), and behind a cache of this
        # build's vectors: a `qa index` killed while encoding resumes where it stopped next time.
        encoder = cache(lambda: CachedEncoder(encoder_factory(), resume))
        if index is None:
            with stage("model"):
                dim = encoder().dim
            index = empty(dim, vectors.backend(backend).create(dim, index_dir, options.get(backend, {})))
        report = _apply(index, corpus_dir, states, before, manifest, encoder, warn, progress, on_progress, terms, stage)
        report.reason = reason
        with stage("refit"):
            _refit(index, report, warn)
        with stage("save"):
            manifest = _manifest(corpus_dir, digest, states, report.skipped, model_name, index)
            builds.save(index, index_dir, manifest, options)
        if encoder.cache_info().currsize:
            encoder().close()
        resume.unlink(missing_ok=True)
    report.documents, report.passages = len(index.documents), len(index.passages)
    report.seconds = time.perf_counter() - started
    report.stages = stage.seconds
    return report


TERMS = "terms.txt"  # the owner's dictionary, in the index folder


def owner_terms(index_dir: Path) -> tuple[str, ...]:
    """The owner's dictionary terms (folded, one a line in `TERMS`); () when there is none."""
    try:
        text = (Path(index_dir) / TERMS).read_text(encoding="utf-8")
    except OSError:
        return ()
    return tuple(sorted({fold(t.strip()) for t in text.split("\n") if 2 <= len(t.strip()) <= 30}))


def corpus_params(index_dir: Path) -> dict[str, object]:
    """What besides the files shapes an index: the chunk sizes and the owner's terms (in the fingerprint).

    Without owner terms this is `chunk_params()` alone, so an index built before terms existed still matches.
    """
    terms = owner_terms(index_dir)
    return {**chunk_params(), **({"terms": list(terms)} if terms else {})}


def _refit(index: Index, report: IndexReport, warn: Callable[[str], None] | None) -> None:
    """Move the vectors into the kind of store that suits the index's new size, when it calls for another."""
    want = index.store.planned(len(index.ids))
    if want is None:
        return
    if warn and len(index.ids) >= REFIT_NOTICE:
        kind = type(index.store).label(want)
        warn(f"向量索引按规模改为 {kind}，需要一些时间… / refitting the vector index to {kind}, this takes a while…")
    index.store = index.store.refit(index.ids)
    if not report.reason:  # an update moved an existing index (a full build always ends with this step)
        report.refitted = want


def _apply(
    index: Index,
    corpus_dir: Path,
    states: dict[str, str],
    before: dict[str, str],
    manifest: dict[str, Any] | None,
    encoder: Callable[[], Encoder],
    warn: Callable[[str], None] | None,
    progress: bool,
    on_progress: Callable[[int, int], None] | None = None,
    terms: Sequence[str] = (),
    stage: Stages | None = None,
) -> IndexReport:
    """Remove, read, re-tokenize and add what changed between `before` and `states`."""
    stage = stage or Stages()
    old_skips = {s["path"]: s["reason"] for s in (manifest or {}).get("corpus", {}).get("skipped", [])}
    unchanged = {rel for rel, state in states.items() if before.get(rel) == state}
    skipped = [Skipped(rel, old_skips[rel]) for rel in sorted(unchanged) if rel in old_skips]
    left: list[Skipped] = []
    found = corpus_files(corpus_dir, left)  # FIFOs, broken links, linked folders… are left out here
    for item in left:
        if warn and old_skips.get(item.path) != item.reason:  # said once, like the files skipped when read
            warn(f"跳过 / skipped {item.path}: {item.reason}")
    skipped += left
    paths = [p for p in found if p.relative_to(corpus_dir).as_posix() not in unchanged]
    docs: list[Document] = []
    for path in tqdm(paths, desc="读取 / reading", unit="文件", disable=not progress or len(paths) < 2):
        size = (
            path.stat().st_size if progress and warn and path.exists() else 0
        )  # a vanished file: read_or_skip says so
        if warn and size > BIG_FILE:
            warn(f"正在读取大文件 / reading a large file: {path.name} ({size / 2**20:.1f} MB)")
        with stage("read"):
            got = read_or_skip(corpus_dir, path, warn)
        (skipped if isinstance(got, Skipped) else docs).append(got)  # type: ignore[arg-type]
    indexed_before = {index.documents[i].path for i in index.documents}
    kept = {rel for rel in indexed_before if rel in unchanged}
    gone = indexed_before - kept
    reuse = remove_documents(index, [doc_id_for(rel) for rel in gone])
    with stage("terms"):
        found_terms = user_terms([*(d.text for d in index.documents.values()), *(d.text for d in docs)])
        set_terms(index, sorted({*found_terms, *terms}))
    if docs:
        add_documents(
            index,
            docs,
            encoder(),
            max_chars=MAX_CHARS,
            min_chars=MIN_CHARS,
            progress=progress,
            reuse=reuse,
            on_progress=on_progress,
            stages=stage,
        )
    now = {d.path for d in docs}
    return IndexReport(
        True,
        0,
        0,
        sorted(skipped, key=lambda s: s.path),
        added=sorted(now - indexed_before),
        updated=sorted(now & indexed_before),
        removed=sorted(gone - now),
    )


def _read_manifest(index_dir: Path, warn: Callable[[str], None] | None) -> tuple[dict[str, Any] | None, str]:
    """The current manifest, or (None, why) when it is unreadable and everything is rebuilt."""
    try:
        return builds.read_manifest(index_dir), ""
    except IndexCorruptError as exc:
        if warn:
            warn(_damaged(exc))
        return None, "原索引损坏 / previous index corrupt"


def _damaged(exc: IndexCorruptError) -> str:
    """The notice for a damaged index that `qa index` is about to rebuild (not the advice to run it)."""
    zh, en = exc.zh.split("。请运行")[0], exc.en.split(" Run `")[0].rstrip(".")
    return f"{zh}。现在完整重建。 / {en}. Rebuilding everything now."


def _intact(index_dir: Path, warn: Callable[[str], None] | None) -> bool:
    """Whether the up-to-date index is also undamaged (if not, it is loaded, found corrupt and rebuilt)."""
    try:
        builds.verify(index_dir)
    except IndexCorruptError:
        return False
    return True


def _load_previous(
    index_dir: Path, model_name: str, options: Mapping[str, Mapping[str, str]], warn: Callable[[str], None] | None
) -> tuple[Index | None, str]:
    """The current index to update, or (None, why) when it cannot be used and everything is rebuilt."""
    try:
        return builds.load(index_dir, model=model_name, options=options), ""
    except IndexCorruptError as exc:
        if warn:
            warn(_damaged(exc))
        return None, "原索引损坏 / previous index corrupt"


def _vectors_suit(manifest: dict[str, Any]) -> bool:
    """Whether the manifest's vector store suits its size (its backend says), without loading it."""
    try:
        kind = vectors.backend(vectors.backend_of(manifest))
    except QAError:
        return False
    return kind.suits(manifest.get("vectors", {}), int(manifest.get("passages", 0)))


def _unchanged(manifest: dict[str, Any], started: float) -> IndexReport:
    return IndexReport(
        False,
        manifest.get("documents", 0),
        manifest.get("passages", 0),
        [Skipped(**s) for s in manifest.get("corpus", {}).get("skipped", [])],
        time.perf_counter() - started,
    )


def _manifest(
    corpus_dir: Path, digest: str, states: dict[str, str], skipped: list[Skipped], model_name: str, index: Index
) -> dict[str, Any]:
    return {
        "model": {"name": model_name, "dim": index.dim},
        "chunking": chunk_params(),
        "cleaner": CLEANER_VERSION,
        "corpus": {
            "root": str(corpus_dir),
            "fingerprint": digest,
            "files": states,
            "skipped": [{"path": s.path, "reason": s.reason} for s in skipped],
        },
    }


def _full_reason(manifest: dict | None, model_name: str, backend: str = vectors.DEFAULT_BACKEND) -> str:
    """Why the index must be rebuilt from nothing ("" when an incremental update will do)."""
    if manifest is None:
        return "尚无索引 / no index yet"
    if manifest.get("model", {}).get("name") != model_name:
        return "模型已更换 / model changed"
    if vectors.backend_of(manifest) != backend:
        return "向量库已更换 / vector store changed"
    try:
        builds.check(manifest, model=None, fingerprint=None)
    except QAError:
        return "索引格式已更新 / index format changed"
    if manifest.get("chunking") != chunk_params() or manifest.get("cleaner") != CLEANER_VERSION:
        return "切分或清洗规则已更新 / chunking or cleaning rules changed"
    return ""
