"""Wiring for the entry points: settings → encoder → index → answerer."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

from qa.answer.engine import Answerer
from qa.answer.quote import QuoteModel
from qa.answer.refusal import Refusal
from qa.config import Settings, chunk_params
from qa.ingest.corpus import fingerprint
from qa.search import storage
from qa.search.cache import CachedEncoder, default_cache_path
from qa.search.encoder import Encoder, SentenceTransformerEncoder, model_identity
from qa.search.indexer import IndexReport, update_index
from qa.search.ranker import Ranker
from qa.search.store import FaissStore, VectorStore

log = logging.getLogger("qa")


def make_encoder(settings: Settings) -> Encoder:
    """The configured encoder, loaded now; its name is `encoder_identity(settings)`.

    QA_ENCODER=auto: the int8-quantized ONNX graph when the model allows ONNX (×1.85 plain
    sentence-transformers' throughput, retrieval within 0.5 point of fp32: README "Speed and
    scale"), else sentence-transformers on torch. `onnx-int8` / `onnx` ask for one graph; `torch`
    is sentence-transformers. A graph that cannot be made is a ModelError that names the setting to
    use instead, never a silent switch: int8 vectors have their own identity, and an index must be
    searched with the encoder that built it.
    """
    ref = settings.model_ref
    kind = _encoder_kind(settings)
    if kind == "torch":
        return SentenceTransformerEncoder(ref)
    from qa.search.onnx import OnnxEncoder

    return OnnxEncoder(ref, _onnx_folder(settings), model_identity(ref), int8=kind == "onnx-int8")


def encoder_identity(settings: Settings) -> str:
    """The name `make_encoder(settings)` gives its encoder, without loading the model: what an index
    built with it is labelled with (`qa index`) and checked against (`qa ask`, `qa serve`)."""
    from qa.search.onnx import INT8_SUFFIX

    name = model_identity(settings.model_ref)
    return name + INT8_SUFFIX if _encoder_kind(settings) == "onnx-int8" else name


def _encoder_kind(settings: Settings) -> str:
    """QA_ENCODER with `auto` resolved: `onnx-int8` for a model ONNX can run, else `torch`."""
    if settings.encoder != "auto":
        return settings.encoder
    from qa.search.onnx import supported

    return "onnx-int8" if supported(Path(settings.model_ref)) else "torch"


def _onnx_folder(settings: Settings) -> Path:
    return default_cache_path(settings.cache_dir).parent / "onnx"


def cached_encoder(settings: Settings) -> Encoder:
    """The configured encoder behind the on-disk vector cache (evaluation and calibration)."""
    return CachedEncoder(make_encoder(settings), default_cache_path(settings.cache_dir))


def index_corpus(
    settings: Settings,
    *,
    rebuild: bool = False,
    warn: Callable[[str], None] | None = None,
    progress: bool = False,
    encoder_factory: Callable[[], Encoder] | None = None,
    model_name: str | None = None,
) -> IndexReport:
    """Bring the index of the configured corpus up to date."""
    return update_index(
        settings.corpus_dir,
        settings.index_dir,
        encoder_factory or partial(make_encoder, settings),
        model_name or encoder_identity(settings),
        rebuild=rebuild,
        warn=warn,
        progress=progress,
        new_store=partial(new_store, settings),
        backend=settings.vector_store,
    )


def new_store(settings: Settings, dim: int) -> VectorStore:
    """The empty vector store of a full build: FAISS in the index folder, or a new Milvus collection.

    Each full build gets its own collection (`<QA_MILVUS_COLLECTION>_<time>`), so the build being
    replaced keeps answering until the new one is swapped in; later incremental updates change
    that collection in place, and `qa index` drops the collections no kept build uses.
    """
    if settings.vector_store != "milvus":
        return FaissStore(dim)
    from qa.search.milvus import MilvusStore

    uri = settings.milvus_uri or str((settings.index_dir / "milvus.db").resolve())
    if uri.endswith(".db"):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d_%H%M%S_%f")
    return MilvusStore(uri, f"{settings.milvus_collection}_{stamp}", dim, token=os.environ.get("QA_MILVUS_TOKEN", ""))


def open_answerer(settings: Settings, *, encoder: Encoder | None = None, check_corpus: bool = True) -> Answerer:
    """Load the index (refusing a stale or mismatched one) and the encoder.

    Args:
        settings: where things are.
        encoder: an encoder to use instead of the configured model (tests).
        check_corpus: compare the corpus folder with the manifest (skipped
            when the folder does not exist, e.g. an index deployed alone).
    """
    name = encoder.name if encoder is not None else encoder_identity(settings)
    digest = None
    if check_corpus and settings.corpus_dir.is_dir():
        digest, _ = fingerprint(settings.corpus_dir, chunk_params())
    index = storage.load(settings.index_dir, model=name, fingerprint=digest)
    return Answerer(
        index,
        encoder or make_encoder(settings),
        Refusal.load_default(),
        Ranker.load_default(),
        QuoteModel.load_default(),
    )


def start_loading(settings: Settings) -> Future[Answerer]:
    """Open and warm up the answerer in a background thread, so that a server can import its web
    framework meanwhile (Gradio takes seconds to import; reading the index, the model's
    session and its first run release the GIL for much of their time). `result()` gives the
    answerer or raises what opening it raised."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qa-load")
    loading = pool.submit(lambda: warm_up(open_answerer(settings)))
    pool.shutdown(wait=False)
    return loading


def warm_up(answerer: Answerer) -> Answerer:
    """Ask once, so that the tokenizer's dictionary and the model's session are ready before the
    first user's question (at start and after a reload alike), and start reading the sentence
    vectors into the page cache (`Sentences.read_ahead`): a server's work, not a one-shot `qa ask`'s."""
    answerer.index.sentences.read_ahead()
    answerer.ask("预热 warm-up")
    return answerer


class LiveAnswerer:
    """The answerer a server uses now, and the admin's way to swap in a new index.

    `reload` loads the index in the calling thread while requests go on being
    answered by the current one; the swap is a single assignment, so a request
    that started before it finishes with the index it started with.
    """

    def __init__(self, settings: Settings, answerer: Answerer) -> None:
        """Args: settings: where the corpus and index live. answerer: the one serving now."""
        self.settings = settings
        self._current = answerer
        self._lock = threading.Lock()  # one reload at a time

    @property
    def current(self) -> Answerer:
        """The answerer to use for the next request."""
        return self._current

    def reload(self, update: bool = False) -> dict[str, Any]:
        """Load the index on disk (after `qa index` if `update`) and start answering from it.

        Raises:
            QAError: the new index is missing, corrupt or does not fit; the current one keeps serving.
        """
        with self._lock:
            old = self._current
            changes = None
            if update:
                report = index_corpus(self.settings, encoder_factory=lambda: old.encoder, model_name=old.encoder.name)
                changes = report.changes if report.built else None
            fresh = warm_up(open_answerer(self.settings, encoder=old.encoder))
            self._current = fresh
        return {
            "status": "reloaded",
            "documents": len(fresh.index.documents),
            "passages": len(fresh.index.passages),
            "built_at": fresh.index.manifest.get("built_at"),
            "previous_built_at": old.index.manifest.get("built_at"),
            "changes": changes,
        }
