"""The in-memory index: documents, passages, sentence table, dense and keyword parts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qa.ingest.chunk import chunk
from qa.ingest.document import Document, Passage
from qa.search.bm25 import BM25
from qa.search.encoder import Encoder
from qa.search.store import FaissStore, VectorStore
from qa.text.answer_type import kinds_of
from qa.text.sentences import sentence_spans
from qa.text.tokenize import Tokenizer, user_terms


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

    def of(self, row: int) -> range:
        """Sentence rows of passage `row`."""
        return range(int(self.first[row]), int(self.first[row + 1]))


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

    @property
    def dim(self) -> int:
        """Vector size."""
        return self.store.dim


def passage_input(passage: Passage) -> str:
    """What the encoder and BM25 see for a passage: its heading, then its text."""
    return f"{passage.heading}\n{passage.text}" if passage.heading else passage.text


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
    passages = [p for doc in documents for p in chunk(doc, max_chars=max_chars, min_chars=min_chars)]
    tokenizer = Tokenizer(user_terms(doc.text for doc in documents))
    titles = {doc.doc_id: doc.title for doc in documents} if titles_in_keywords else {}
    bm25 = BM25().build([tokenizer(keyword_input(p, titles.get(p.doc_id, ""))) for p in passages])
    store = FaissStore(encoder.dim)
    store.add(np.arange(len(passages)), encoder.encode([passage_input(p) for p in passages], progress=progress))
    return Index(
        documents={doc.doc_id: doc for doc in documents},
        passages=passages,
        store=store,
        bm25=bm25,
        tokenizer=tokenizer,
        sentences=build_sentences(passages, encoder, progress=progress),
    )


def build_sentences(passages: list[Passage], encoder: Encoder, *, progress: bool = False) -> Sentences:
    """Split every passage into sentences, encode them and note the kinds of answer they hold."""
    first = [0]
    starts: list[int] = []
    ends: list[int] = []
    texts: list[str] = []
    for passage in passages:
        for a, b in sentence_spans(passage.text):
            starts.append(a)
            ends.append(b)
            texts.append(passage.text[a:b])
        first.append(len(starts))
    vectors = encoder.encode(texts, progress=progress) if texts else np.zeros((0, encoder.dim), np.float32)
    return Sentences(
        first=np.array(first, dtype=np.int64),
        starts=np.array(starts, dtype=np.int32),
        ends=np.array(ends, dtype=np.int32),
        vectors=vectors.astype(np.float16),
        kinds=np.array([kinds_of(t) for t in texts], dtype=np.uint8),
    )
