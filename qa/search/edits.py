"""Changing an index in memory: build one, add and remove documents, give it a new user dictionary.

An index changes one document at a time: `add_documents` chunks, encodes and
appends; `remove_documents` takes a document's passages out of every part
(the vector store by id, BM25 rows, sentence rows). Each passage keeps the
vector id it got when it was added, so ids never need renumbering.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from tqdm import tqdm

from qa.ingest.chunk import chunk
from qa.ingest.document import Document
from qa.search.encoder import Encoder
from qa.search.index import Index, empty, encoder_input, keyword_input, passage_input
from qa.search.sentences import Sentences
from qa.text.answer_type import kinds_of
from qa.text.normalize import fold
from qa.text.sentences import sentence_spans
from qa.text.tokenize import Tokenizer, user_terms
from qa.timing import Stages

SLICE = 1024  # passages encoded, stored and tokenized at a time while indexing (bounds memory)
ENCODE_CHUNK = 512  # texts per encoder call


def build(
    documents: list[Document],
    encoder: Encoder,
    *,
    max_chars: int,
    min_chars: int,
    progress: bool = False,
    titles_in_keywords: bool = True,
) -> Index:
    """Build an index of `documents` in memory.

    Args:
        documents: cleaned documents.
        encoder: the embedding model (or a fake one).
        max_chars, min_chars: chunking sizes (see `qa.ingest.chunk`).
        progress: show progress bars while encoding.
        titles_in_keywords: index each passage's document title with it in BM25.

    Returns:
        The index, with an empty manifest (see `qa.search.builds`).
    """
    index = empty(encoder.dim)
    set_terms(index, user_terms(doc.text for doc in documents))
    add_documents(
        index,
        documents,
        encoder,
        max_chars=max_chars,
        min_chars=min_chars,
        progress=progress,
        titles_in_keywords=titles_in_keywords,
    )
    index.store = index.store.refit(index.ids)  # the vector index type for this size
    return index


def add_documents(
    index: Index,
    documents: Sequence[Document],
    encoder: Encoder,
    *,
    max_chars: int,
    min_chars: int,
    progress: bool = False,
    reuse: Mapping[str, np.ndarray] | None = None,
    titles_in_keywords: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
    stages: Stages | None = None,
) -> int:
    """Chunk, encode, tokenize and append `documents` (whose ids the index must not hold yet).

    Passages go through in slices of `SLICE`: what is held besides the index
    itself is one slice's texts and vectors, however large a document is.

    Args:
        reuse: vectors already known by encoder input (passages and sentences of
            an earlier version of a changed document): these are not encoded again.
        on_progress: called with (passages done, passages in all) as each encoder call finishes (the console's bar).
        stages: receives the seconds spent chunking, splitting, encoding, tagging and tokenizing.

    Returns:
        The number of passages added.
    """
    stage = stages or Stages()
    with stage("chunk"):
        passages = [p for doc in documents for p in chunk(doc, max_chars=max_chars, min_chars=min_chars)]
    titles = {doc.doc_id: doc.title for doc in documents} if titles_in_keywords else {}
    start = int(index.ids[-1]) + 1 if len(index.ids) else 0
    tables: list[Sentences] = []
    counts = []
    bar = tqdm(total=len(passages), desc="编码 / encoding", unit="段", disable=not progress or not passages)
    done = 0.0

    def tick(step: float) -> None:
        nonlocal done
        shown = min(round(done), len(passages))
        done += step
        now = min(round(done), len(passages))
        if now > shown:
            bar.update(now - shown)
            if on_progress is not None:
                on_progress(now, len(passages))

    for at in range(0, len(passages), SLICE):
        part = passages[at : at + SLICE]
        with stage("sentences"):
            spans = [sentence_spans(p.text) for p in part]
            sentences = [p.text[a:b] for p, s in zip(part, spans) for a, b in s]
            inputs = [encoder_input(passage_input(p)) for p in part] + [encoder_input(t) for t in sentences]
        with stage("encode"):
            # The bar counts passages (its rate and ETA are in passages); a slice's texts are its passages and
            # their sentences, so each text encoded advances it by the slice's passages ÷ texts.
            share = len(part) / len(inputs)
            vectors = encode_all(encoder, inputs, reuse, lambda n: tick(n * share))  # noqa: B023 - called at once
            index.store.add(np.arange(start + at, start + at + len(part), dtype=np.int64), vectors[: len(part)])
        with stage("kinds"):
            tables.append(_sentence_table(spans, sentences, vectors[len(part) :]))
        with stage("tokenize"):
            counts.append(index.bm25.count([index.tokenizer(keyword_input(p, titles.get(p.doc_id, ""))) for p in part]))
        tick(at + len(part) - done)  # what rounding left
    bar.close()
    with stage("extend"):
        index.extend(documents, passages, np.arange(start, start + len(passages), dtype=np.int64), counts, tables)
    return len(passages)


def remove_documents(index: Index, doc_ids: Iterable[str]) -> dict[str, np.ndarray]:
    """Take documents out of every part of the index.

    Returns:
        Their passage and sentence vectors by text, for `add_documents(reuse=…)`.
    """
    gone = set(doc_ids) & index.documents.keys()
    if not gone:
        return {}
    drop = np.array([p.doc_id in gone for p in index.passages], dtype=bool)
    rows = np.flatnonzero(drop)
    texts = [encoder_input(passage_input(index.passages[r])) for r in rows]
    known: dict[str, np.ndarray] = dict(zip(texts, index.store.vectors(index.ids[rows])))
    for r in rows:
        text = index.passages[r].text
        for s in index.sentences.of(int(r)):
            a, b = int(index.sentences.starts[s]), int(index.sentences.ends[s])
            known.setdefault(encoder_input(text[a:b]), index.sentences.vectors[s].astype(np.float32))
    index.store.remove(index.ids[rows])
    index.keep(np.flatnonzero(~drop), gone)
    return known


def set_terms(index: Index, terms: Sequence[str]) -> int:
    """Give the tokenizer a new user dictionary; re-tokenize (never re-encode) passages it affects.

    Returns:
        The number of passages tokenized again.
    """
    old, new = set(index.tokenizer.terms), set(terms)
    if old == new:
        return 0
    index.tokenizer = Tokenizer(sorted(new))
    rows = rows_with(index, old ^ new)
    titles = {doc_id: doc.title for doc_id, doc in index.documents.items()}
    passages = [index.passages[r] for r in rows]
    index.bm25.replace(rows, [index.tokenizer(keyword_input(p, titles[p.doc_id])) for p in passages])
    return len(rows)


def rows_with(index: Index, terms: Iterable[str]) -> list[int]:
    """The passage rows whose keyword text (title, heading, text) contains one of `terms` (folded), in order."""
    terms = list(terms)
    rows = []
    # Look in whole documents first (far fewer than passages), then in the passages of those that match.
    for doc_id, doc in index.documents.items():
        whole = fold(f"{doc.title}\n{doc.text}")  # headings are lines of the text
        if not any(term in whole for term in terms):
            continue
        for row in index.doc_rows.get(doc_id, ()):
            text = fold(keyword_input(index.passages[row], doc.title))
            if any(term in text for term in terms):
                rows.append(row)
    return sorted(rows)


def encode_all(
    encoder: Encoder,
    texts: Sequence[str],
    reuse: Mapping[str, np.ndarray] | None = None,
    advance: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Vectors of `texts`, encoded a chunk at a time (shortest first, so batches pad little);
    texts found in `reuse` are not encoded. `advance` is told how many texts each chunk finished."""
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    reuse = reuse or {}
    todo = []
    for i, text in enumerate(texts):
        if text in reuse:
            out[i] = reuse[text]
        else:
            todo.append(i)
    todo.sort(key=lambda i: len(texts[i]))
    for at in range(0, len(todo), ENCODE_CHUNK):
        part = todo[at : at + ENCODE_CHUNK]
        out[part] = encoder.encode([texts[i] for i in part])
        if advance is not None:
            advance(len(part))
    if advance is not None and len(todo) < len(texts):
        advance(len(texts) - len(todo))  # the reused ones
    return out


def _sentence_table(spans: list[list[tuple[int, int]]], texts: list[str], vectors: np.ndarray) -> Sentences:
    first = np.concatenate([[0], np.cumsum([len(s) for s in spans])]).astype(np.int64)
    flat = [x for s in spans for x in s]
    return Sentences(
        first=first,
        starts=np.array([a for a, _ in flat], dtype=np.int32),
        ends=np.array([b for _, b in flat], dtype=np.int32),
        vectors=vectors.astype(np.float16),
        kinds=np.array([kinds_of(t) for t in texts], dtype=np.uint8),
    )
