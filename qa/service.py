"""Wiring for the entry points: settings → encoder → index → answerer."""

from __future__ import annotations

from collections.abc import Callable, Collection
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from qa.answer.engine import Answerer
from qa.answer.quote import QuoteModel
from qa.answer.refusal import Refusal
from qa.config import Settings
from qa.ingest.corpus import fingerprint
from qa.search import builds
from qa.search.cache import CachedEncoder, default_cache_path
from qa.search.encoder import Encoder, encoder_identity, make_encoder
from qa.search.ranker import Ranker
from qa.search.update import IndexReport, corpus_params, update_index


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
    on_progress: Callable[[int, int], None] | None = None,
    force: Collection[str] = (),
) -> IndexReport:
    """Bring the index of the configured corpus up to date.

    Args:
        settings: where the corpus and index live, which encoder and vector store.
        rebuild: rebuild everything even when an incremental update would do.
        warn: receives one line per skipped file and other notices.
        progress: show progress bars.
        encoder_factory, model_name: an encoder to use instead of the configured one (a server
            reuses the one it has loaded), and its identity.
        on_progress: called with (passages encoded, passages to encode) (the console's progress bar).
        force: files (relative to the corpus folder) indexed again even if unchanged.
    """
    return update_index(
        settings.corpus_dir,
        settings.index_dir,
        encoder_factory or partial(make_encoder, settings),
        model_name or encoder_identity(settings),
        rebuild=rebuild,
        warn=warn,
        progress=progress,
        backend=settings.vector_store,
        options=settings.vector_options,
        on_progress=on_progress,
        force=force,
    )


def open_answerer(settings: Settings, *, encoder: Encoder | None = None, check_corpus: bool = True) -> Answerer:
    """Load the index (refusing a stale or mismatched one) and the encoder.

    Args:
        settings: where things are.
        encoder: an encoder already loaded (a server's reload keeps its own).
        check_corpus: compare the corpus folder with the manifest (skipped
            when the folder does not exist, e.g. an index deployed alone).
    """
    name = encoder.name if encoder is not None else encoder_identity(settings)
    digest = None
    if check_corpus and settings.corpus_dir.is_dir():
        digest, _ = fingerprint(settings.corpus_dir, corpus_params(settings.index_dir))
    index = builds.load(settings.index_dir, model=name, fingerprint=digest, options=settings.vector_options)
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
