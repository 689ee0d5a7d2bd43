"""The in-memory index: documents, passages, sentence table, dense and keyword parts.

An index changes one document at a time: `add_documents` chunks, encodes and
appends; `remove_documents` takes a document's passages out of every part
(FAISS by id, BM25 rows, sentence rows). Each passage keeps the vector id it
got when it was added, so ids never need renumbering.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, BinaryIO

import numpy as np
from tqdm import tqdm

from qa.ingest.chunk import chunk
from qa.ingest.document import Document, Passage
from qa.search.bm25 import BM25
from qa.search.encoder import Encoder
from qa.search.store import FaissStore, VectorStore, refit
from qa.text.answer_type import kinds_of
from qa.text.normalize import fold, to_simplified
from qa.text.sentences import sentence_spans
from qa.text.tokenize import Tokenizer, user_terms

SLICE = 1024  # passages encoded, stored and tokenized at a time while indexing (bounds memory)
ENCODE_CHUNK = 512  # texts per encoder call


@dataclass
class Sentences:
    """Every passage's sentences: offsets relative to the passage, and vectors.

    Rows of passage p are `first[p]:first[p + 1]`.
    """

    first: np.ndarray  # (n_passages + 1,) int64
    starts: np.ndarray  # (n_sentences,) int32
    ends: np.ndarray  # (n_sentences,) int32
    vectors: np.ndarray  # (n_sentences, dim) float16
    kinds: np.ndarray  # (n_sentences,) uint8: answer kinds each sentence holds (`qa.text.answer_type`)
    # The open file behind memory-mapped `vectors` (a saved index), read by `gather`; open from
    # loading on, so a build folder removed later (a newer build replaced it) can still be read.
    source: BinaryIO | None = field(default=None, repr=False, compare=False)
    warming: threading.Thread | None = field(default=None, repr=False, compare=False)  # `read_ahead`'s reader

    def read_ahead(self) -> threading.Thread | None:
        """Read the file behind `vectors` once, in the background, so that the kernel keeps it in the
        page cache: a server's questions then read their candidates' sentence vectors from memory
        instead of disk (at 1M passages in `bench/latency.py` the file is 4.9 GB, read at random).

        Page-cache pages are the kernel's to reclaim, not the server's memory; the file is only read
        when it fits in half the memory available. (`posix_fadvise(WILLNEED)` would say the same in one
        call, but read nothing on this project's machine.) Returns the reading thread (also kept as
        `warming`), or None when there is no file or it is not read.
        """
        if self.source is None:
            return None
        available, size = _available_memory(), os.fstat(self.source.fileno()).st_size
        if available is None or size > available // 2:
            return None
        fd = os.dup(self.source.fileno())  # its own descriptor: the index may close its file meanwhile

        def read() -> None:
            buffer, offset = bytearray(8 << 20), 0
            try:
                while offset < size and (n := os.preadv(fd, [buffer], offset)) > 0:
                    offset += n
            except OSError:
                pass
            finally:
                os.close(fd)

        self.warming = threading.Thread(target=read, name="qa-read-ahead-sentence-vectors", daemon=True)
        self.warming.start()
        return self.warming

    def of(self, row: int) -> range:
        """Sentence rows of passage `row`."""
        return range(int(self.first[row]), int(self.first[row + 1]))

    def gather(self, picks: np.ndarray) -> np.ndarray:
        """The vectors of sentence rows `picks`, as float32.

        From a saved index (vectors memory-mapped) the rows are read with `pread`, one read per
        run of consecutive rows (a passage's sentences are one run): touching the map instead
        would make the kernel map whole neighbourhoods of pages into the process (64 KB or more
        per page fault): at 1M passages `bench/latency.py` counted 1.4 GB of mapped file in the
        server after 200 questions. Page-cache pages that `pread` reads are not the process's.
        """
        vectors = self.vectors
        if not len(picks):
            return np.zeros((0, *vectors.shape[1:]), dtype=np.float32)
        if self.source is None or not isinstance(vectors, np.memmap) or not vectors.flags.c_contiguous:
            return np.asarray(vectors[picks], dtype=np.float32)
        picks = np.asarray(picks, dtype=np.int64)
        row_bytes = vectors.dtype.itemsize * int(np.prod(vectors.shape[1:]))
        cuts = np.flatnonzero(np.diff(picks) != 1) + 1
        runs = zip(np.concatenate([[0], cuts]).tolist(), np.concatenate([cuts, [len(picks)]]).tolist())
        fd = self.source.fileno()
        parts = [os.pread(fd, (b - a) * row_bytes, int(vectors.offset) + int(picks[a]) * row_bytes) for a, b in runs]
        flat = np.frombuffer(b"".join(parts), dtype=vectors.dtype)
        return flat.reshape(len(picks), *vectors.shape[1:]).astype(np.float32)

    @classmethod
    def empty(cls, dim: int) -> Sentences:
        """No passages, no sentences."""
        no = np.zeros(0, np.int32)
        return cls(np.zeros(1, np.int64), no, no, np.zeros((0, dim), np.float16), np.zeros(0, np.uint8))

    def select(self, rows: np.ndarray) -> Sentences:
        """The sentences of passages `rows` (positions, in order)."""
        counts = np.diff(self.first)[rows]
        ranges = [np.arange(self.first[r], self.first[r + 1]) for r in rows]
        pick = np.concatenate(ranges).astype(np.int64) if ranges else np.zeros(0, np.int64)
        return Sentences(
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            self.starts[pick],
            self.ends[pick],
            self.vectors[pick],
            self.kinds[pick],
        )

    @staticmethod
    def join(tables: Sequence[Sentences]) -> Sentences:
        """The tables' passages one after the other (one copy, however many tables)."""
        offsets = np.cumsum([0] + [int(t.first[-1]) for t in tables[:-1]])
        return Sentences(
            np.concatenate([tables[0].first[:1]] + [t.first[1:] + o for t, o in zip(tables, offsets)]),
            np.concatenate([t.starts for t in tables]),
            np.concatenate([t.ends for t in tables]),
            np.concatenate([t.vectors.astype(np.float16, copy=False) for t in tables]),
            np.concatenate([t.kinds for t in tables]),
        )


@dataclass
class Index:
    """Everything a question is answered from."""

    documents: dict[str, Document]
    passages: list[Passage]
    store: VectorStore
    bm25: BM25
    tokenizer: Tokenizer
    sentences: Sentences
    manifest: dict[str, Any] = field(default_factory=dict)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # vector id of each row, ascending

    @property
    def dim(self) -> int:
        """Vector size."""
        return self.store.dim

    @cached_property
    def doc_rows(self) -> dict[str, range]:
        """Each document's passage rows (a document's passages are consecutive rows); built on first use."""
        out: dict[str, range] = {}
        for row, passage in enumerate(self.passages):
            first = out.get(passage.doc_id)
            out[passage.doc_id] = range(first.start if first else row, row + 1)
        return out

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Passage rows of vector ids (ids are kept sorted, so this is a binary search)."""
        return np.searchsorted(self.ids, ids)

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` this index holds: a shared vector store (Milvus) may already hold the
        vectors of a newer build while this one still answers."""
        rows = np.minimum(self.rows_of(ids), max(len(self.ids) - 1, 0))
        return (self.ids[rows] == ids) if len(self.ids) else np.zeros(len(ids), dtype=bool)


def empty(dim: int, store: VectorStore | None = None) -> Index:
    """An index with nothing in it, ready for `add_documents` (vectors in `store`, default exact FAISS)."""
    return Index({}, [], store or FaissStore(dim), BM25().build([]), Tokenizer(), Sentences.empty(dim))


def passage_input(passage: Passage) -> str:
    """What the encoder and BM25 see for a passage: its heading, then its text."""
    return f"{passage.heading}\n{passage.text}" if passage.heading else passage.text


def encoder_input(text: str) -> str:
    """What the encoder is given for a text: traditional characters made simplified (same length),
    so that a traditional document and a simplified question meet in the vector space too."""
    return to_simplified(text)


def about(index: Index, passage: Passage) -> str:
    """What a passage is about: its document's title and its heading (every sentence shares them)."""
    title = index.documents[passage.doc_id].title
    return f"{title}\n{passage.heading}" if passage.heading else title


def keyword_input(passage: Passage, title: str) -> str:
    """What BM25 sees: the document title too, so a passage that never repeats its
    article's subject (范廷颂, 庆云县检察院) is still found by it."""
    return f"{title}\n{passage_input(passage)}" if title else passage_input(passage)


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
        The index, with an empty manifest (see `qa.search.storage`).
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
    index.store = refit(index.store, index.ids)  # the vector index type for this size (`plan`)
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
) -> int:
    """Chunk, encode, tokenize and append `documents` (whose ids the index must not hold yet).

    Passages go through in slices of `SLICE`: what is held besides the index
    itself is one slice's texts and vectors, however large a document is.

    Args:
        reuse: vectors already known by encoder input (passages and sentences of
            an earlier version of a changed document): these are not encoded again.

    Returns:
        The number of passages added.
    """
    passages = [p for doc in documents for p in chunk(doc, max_chars=max_chars, min_chars=min_chars)]
    titles = {doc.doc_id: doc.title for doc in documents} if titles_in_keywords else {}
    start = int(index.ids[-1]) + 1 if len(index.ids) else 0
    tables: list[Sentences] = []
    counts = []
    bar = tqdm(total=len(passages), desc="编码 / encoding", unit="段", disable=not progress or not passages)
    for at in range(0, len(passages), SLICE):
        part = passages[at : at + SLICE]
        spans = [sentence_spans(p.text) for p in part]
        sentences = [p.text[a:b] for p, s in zip(part, spans) for a, b in s]
        inputs = [encoder_input(passage_input(p)) for p in part] + [encoder_input(t) for t in sentences]
        vectors = encode_all(encoder, inputs, reuse)
        index.store.add(np.arange(start + at, start + at + len(part), dtype=np.int64), vectors[: len(part)])
        tables.append(_sentence_table(spans, sentences, vectors[len(part) :]))
        counts.append(index.bm25.count([index.tokenizer(keyword_input(p, titles.get(p.doc_id, ""))) for p in part]))
        bar.update(len(part))
    bar.close()
    index.documents.update((doc.doc_id, doc) for doc in documents)
    index.passages.extend(passages)
    index.__dict__.pop("doc_rows", None)
    index.ids = np.concatenate([index.ids, np.arange(start, start + len(passages), dtype=np.int64)])
    index.bm25.append(counts)
    index.sentences = Sentences.join([index.sentences, *tables])
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
    keep = np.flatnonzero(~drop)
    index.bm25.keep(keep)
    index.sentences = index.sentences.select(keep)
    index.passages = [index.passages[r] for r in keep]
    index.ids = index.ids[keep]
    for doc_id in gone:
        del index.documents[doc_id]
    index.__dict__.pop("doc_rows", None)
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
    changed = old ^ new
    # Look in whole documents first (far fewer than passages), then in the passages of those that match.
    rows = []
    for doc_id, doc in index.documents.items():
        whole = fold(f"{doc.title}\n{doc.text}")  # headings are lines of the text
        if not any(term in whole for term in changed):
            continue
        for row in index.doc_rows.get(doc_id, ()):
            text = fold(keyword_input(index.passages[row], doc.title))
            if any(term in text for term in changed):
                rows.append(row)
    rows.sort()
    titles = {doc_id: doc.title for doc_id, doc in index.documents.items()}
    passages = [index.passages[r] for r in rows]
    index.bm25.replace(rows, [index.tokenizer(keyword_input(p, titles[p.doc_id])) for p in passages])
    return len(rows)


def encode_all(encoder: Encoder, texts: Sequence[str], reuse: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """Vectors of `texts`, encoded a chunk at a time (shortest first, so batches pad little);
    texts found in `reuse` are not encoded."""
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


def _available_memory() -> int | None:
    """Bytes of memory available without swapping (Linux's MemAvailable), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # not Linux: questions read from disk
        return None
