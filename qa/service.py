"""Wiring for the entry points: settings → encoder → index → answerer."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

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


def make_encoder(settings: Settings) -> Encoder:
    """The configured sentence-transformers encoder (loaded now)."""
    return SentenceTransformerEncoder(settings.model_ref)


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
        model_name or model_identity(settings.model_ref),
        rebuild=rebuild,
        warn=warn,
        progress=progress,
    )


def open_answerer(settings: Settings, *, encoder: Encoder | None = None, check_corpus: bool = True) -> Answerer:
    """Load the index (refusing a stale or mismatched one) and the encoder.

    Args:
        settings: where things are.
        encoder: an encoder to use instead of the configured model (tests).
        check_corpus: compare the corpus folder with the manifest (skipped
            when the folder does not exist, e.g. an index deployed alone).
    """
    name = encoder.name if encoder is not None else model_identity(settings.model_ref)
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
