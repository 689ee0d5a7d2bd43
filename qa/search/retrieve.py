"""Hybrid retrieval: dense and BM25 candidates, described by features, ranked."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np

from qa.ingest.structure import about_issuing, has_issuing
from qa.search.bm25 import BM25
from qa.search.fusion import rrf
from qa.search.index import (
    Index,
    codes_in,
    names_key,
    row_keys,
    rows_about_other_keys,
    sentences_about_another,
    sentences_about_next_time,
)
from qa.search.ranker import Ranker, rr
from qa.text.answer_type import KINDS, question_kind
from qa.text.brackets import asked_quantities, outside
from qa.text.colloquial import written_forms
from qa.text.match import char_bigrams, contains, coverage
from qa.text.normalize import fold
from qa.text.tokenize import in_order

_V = TypeVar("_V")

# Candidates taken from each leg. 50, 30, 20, 15 and 10 give the same answer@1/@5, MRR and quote hits
# on the CMRC fit half (`qa eval eval/cmrc2018/cmrc2018_trial.json --split fit --distractors …`), and 20
# and 10 the same on the fit halves of the seed and off-topic questions; 10 refuses fewer answerable
# questions (0.015 against 0.019) and scores about half as many candidates as 20.
DEPTH = 10


@dataclass(frozen=True)
class Hit:
    """A ranked passage row with the evidence behind its score."""

    row: int
    score: float
    dense: float
    keyword: float
    sentence_sims: tuple[float, ...] = ()  # cosine of the question with each sentence
    features: tuple[float, ...] = field(default=(), repr=False)


@dataclass(frozen=True)
class Query:
    """A question prepared for one index."""

    text: str
    tokens: list[str]
    terms: list[tuple[str, float]]  # unique tokens with idf weights
    vector: np.ndarray
    kind: str | None = None  # the kind of answer asked for (`qa.text.answer_type.question_kind`)
    issuing: bool = False  # asks who issued the document or when (`qa.ingest.structure.about_issuing`)
    searched: str = ""  # the text searched: `text` folded, with names written as the documents' short forms

    @property
    def bigrams(self) -> frozenset[str]:
        """The character bigrams of the text searched (`qa.text.match.char_bigrams`)."""
        return char_bigrams(self.searched or self.text)

    @cached_property
    def quantities(self) -> dict[str, float]:
        """What the question states of itself, by unit (工作12年 → 年: 12; `qa.text.brackets.asked_quantities`);
        read by ranking and by quoting, found once."""
        return asked_quantities(self.text)

    @property
    def codes(self) -> tuple[str, ...]:
        """The model numbers and codes the question names (T1线 → t1), folded (`qa.search.index.codes_in`)."""
        return tuple(codes_in(self.text))


def prepare(index: Index, text: str, vector: np.ndarray) -> Query:
    """Tokenize `text` with the index's tokenizer and weight its terms by idf.

    Each word is searched as the corpus writes it (`_corpus_word`: 犬 for 狗, 租赁期 for 租期), and a name
    by the short form the documents define for it (`Index.short_forms`); terms the
    corpus never uses weigh as much as its rarest term: a question about something absent should look
    poorly covered.
    """
    bm25 = index.bm25
    searched = _short_written(index, fold(text))
    tokens = [_corpus_word(bm25, t) for t in index.tokenizer(searched)]
    ceiling = float(bm25.idf.max()) if len(bm25.idf) else 1.0
    weights: dict[str, float] = {}
    for token in tokens:
        weights[token] = bm25.idf_of(token) if token in bm25.vocab else ceiling
    return Query(text, tokens, list(weights.items()), vector, question_kind(text), about_issuing(text), searched)


def _short_written(index: Index, text: str) -> str:
    """`text` with each name the documents define a short form for written short, as a regulation writes it
    past its definition: 物业纠纷调解委员会的电话 → 调委会的电话 where the documents define "临川区物业服务纠纷
    人民调解委员会（以下简称调委会）". The words before the name's end go too when the full name holds them in order."""
    for name, (short, rest) in index.short_forms.items():
        at = text.find(name)
        while at >= 0:
            start = at
            while start > 0 and in_order(text[start - 1 : at], rest):
                start -= 1
            text = text[:start] + short + text[at + len(name) :]
            at = text.find(name, start + len(short))
    return text


def _corpus_word(bm25: BM25, token: str) -> str:
    """The word the corpus writes for the question's `token`.

    An everyday word stands for its written form when the corpus uses that form in more passages
    (狗 → 犬 in a dog regulation; 狗 stays in pet news). A word the corpus never uses may shorten one it
    does (租期 for 租赁期).
    """
    forms = [f for f in written_forms().get(token, ()) if f in bm25.vocab]
    if forms:
        return min([token, *forms] if token in bm25.vocab else forms, key=lambda w: (bm25.idf_of(w), w != token))
    return token if token in bm25.vocab else bm25.abbreviated(token) or token


def search(
    index: Index,
    query: Query,
    k: int,
    ranker: Ranker | None = None,
    depth: int = DEPTH,
    pinned: Sequence[int] = (),
    blocked: frozenset[int] = frozenset(),
) -> list[Hit]:
    """Top-k passages for a question.

    Candidates are the union of the dense and BM25 top `depth`; each gets a
    feature row, and the fitted `ranker` orders them (reciprocal-rank fusion
    when there is none).

    Args:
        pinned: rows that are candidates whatever their scores and come first, in the ranker's
            order among themselves (the article a question names: 第十二条是怎么规定的？).
        blocked: rows that are never candidates (passages the owner turned off).

    Returns:
        Hits, best first.
    """
    hits = candidates(index, query, max(depth, k), ranker, pinned, blocked)  # a long list asked gets as many
    if pinned:
        first = set(pinned)
        hits = [h for h in hits if h.row in first] + [h for h in hits if h.row not in first]
    return hits[:k]


def candidates(
    index: Index,
    query: Query,
    depth: int,
    ranker: Ranker | None,
    pinned: Sequence[int] = (),
    blocked: frozenset[int] = frozenset(),
) -> list[Hit]:
    """Every candidate with features, ordered by the ranker (or RRF).

    Features are computed for all candidates at once: one search for each
    question term and bigram in the candidates' joined texts, and one product
    of the question vector with all their sentence vectors; nothing loops over
    the corpus, and nothing is encoded.
    """
    depth += min(len(blocked), depth)  # passages turned off must not shrink the list of candidates
    ids, dense_scores = index.store.search(query.vector, depth)
    mine = index.known(ids)
    ids, dense_scores = ids[mine], dense_scores[mine]
    dense_rows = index.rows_of(ids)
    bm25_all = index.bm25.scores(query.tokens)
    kw_ids = _top(bm25_all, depth)
    rows = [r for r in dict.fromkeys([*pinned, *dense_rows.tolist(), *kw_ids.tolist()]) if r not in blocked]
    if not rows:
        return []
    floor = float(dense_scores[-1]) if len(dense_scores) else 0.0  # a non-candidate scores at most this
    dense = np.full(len(rows), floor)
    dense_rr = np.zeros(len(rows))
    kw_rr = np.zeros(len(rows))
    where = {r: i for i, r in enumerate(rows)}
    for rank, r in enumerate(dense_rows.tolist()):
        if r in where:
            dense[where[r]] = dense_scores[rank]
            dense_rr[where[r]] = rr(rank)
    for rank, r in enumerate(kw_ids.tolist()):
        if r in where:
            kw_rr[where[r]] = rr(rank)
    best_kw = float(bm25_all.max()) if len(bm25_all) else 0.0
    best_dense = float(dense_scores[0]) if len(dense_scores) else 0.0
    spans = _Spans.of(index, rows)
    sims = spans.split((index.sentences.gather(spans.picks) @ query.vector).tolist())
    other = _about_others(index, rows, spans, query)
    # A sentence about another model or line (T2线 where T1线 is asked), or on a table row keyed by something the
    # question does not name while it names another row's key, is no evidence for its passage, as it is never the
    # quote; a passage whose every sentence is about another keeps only its weakest.
    judged = [[x for x, o in zip(s, mine) if not o] or [min(s)] if any(mine) else s for s, mine in zip(sims, other)]
    sent = np.array([max(s, default=d) for s, d in zip(judged, dense.tolist())])
    best_sent = max((max(s, default=0.0) for s in judged), default=0.0)
    lexical = _lexical(index, rows, spans, query.terms, query.bigrams, [o for mine in other for o in mine])
    kw = bm25_all[rows].astype(np.float64)
    matrix = np.column_stack(
        [
            kw / best_kw if best_kw > 0 else np.zeros(len(rows)),
            kw_rr,
            dense,
            dense - best_dense,
            dense_rr,
            sent,
            sent - best_sent,
            lexical["cover"],
            lexical["title_cover"],
            lexical["rest_cover"],
            lexical["bigram"],
            lexical["sent_cover"],
            np.log1p([len(index.passages[r].text) for r in rows]),
            _kind(index, spans, query.kind),
            [float(query.issuing and has_issuing(index.passages[r].text)) for r in rows],
        ]
    )
    if ranker is not None:
        scores = ranker.score(matrix).tolist()
    else:
        # Without a fitted ranker: RRF leaning on BM25, the stronger leg on the seed questions
        # (gold passage first for 50 of 54 by BM25, 29 of 54 by m3e-small).
        fused = dict(rrf([dense_rows.tolist(), kw_ids.tolist()], weights=[1.0, 1.5]))
        scores = [fused.get(r, 0.0) for r in rows]
    order = sorted(range(len(rows)), key=lambda i: -scores[i])
    dense_list, kw_list, features = dense.tolist(), kw.tolist(), matrix.tolist()
    return [
        Hit(rows[i], float(scores[i]), dense_list[i], kw_list[i], tuple(sims[i]), tuple(features[i])) for i in order
    ]


@dataclass(frozen=True)
class _Spans:
    """The sentence rows of a list of candidate passages, flattened: candidate i owns picks[at[i]:at[i + 1]]."""

    picks: np.ndarray  # sentence-table rows
    owner: np.ndarray  # the candidate each belongs to
    at: np.ndarray  # (n + 1,) bounds per candidate

    @classmethod
    def of(cls, index: Index, rows: list[int]) -> _Spans:
        first = index.sentences.first
        starts = first[rows]
        counts = first[np.asarray(rows) + 1] - starts
        at = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        picks = np.repeat(starts - at[:-1], counts) + np.arange(at[-1])
        return cls(picks.astype(np.int64), np.repeat(np.arange(len(rows)), counts), at)

    def split(self, values: list[_V]) -> list[list[_V]]:
        """Per-sentence values cut into one list per candidate."""
        bounds = self.at.tolist()
        return [values[a:b] for a, b in zip(bounds, bounds[1:])]


def _lexical(
    index: Index,
    rows: list[int],
    spans: _Spans,
    terms: list[tuple[str, float]],
    bigrams: frozenset[str],
    ignored: Sequence[bool] = (),
) -> dict[str, np.ndarray]:
    """Term and bigram coverage features of candidate passages `rows`, all at once.

    The same values as `qa.text.match.coverage` / `bigram_coverage` on each
    text: substring matches in folded text, the passage, its heading, its title. The sentences `ignored`
    (one flag per sentence of `spans`) are left out of their passage's text.
    """
    passages = [index.passages[r] for r in rows]
    raw = _without(index, passages, spans, ignored) if any(ignored) else [p.text for p in passages]
    grams = sorted(bigrams)
    weights = np.array([w for _, w in terms], dtype=np.float64)
    total = float(weights.sum())
    names = [t for t, _ in terms]
    texts = [fold(t) for t in raw]
    heads = [fold(p.heading) if p.heading else "" for p in passages]
    titles = [fold(index.documents[p.doc_id].title) for p in passages]
    n = len(rows)
    zero = np.zeros(n)
    bigram = (contains(grams, texts) | contains(grams, heads)).mean(axis=1) if grams else zero
    if total <= 0:
        return {"cover": zero, "title_cover": zero, "rest_cover": zero, "bigram": bigram, "sent_cover": zero}
    in_text, in_head, in_title = contains(names, texts), contains(names, heads), contains(names, titles)
    given = in_title | in_head  # the terms the title and heading already give
    rest_w = (~given) @ weights
    return {
        "cover": ((in_text | in_head) @ weights) / total,
        "title_cover": (in_title @ weights) / total,
        "rest_cover": np.divide((in_text & ~given) @ weights, rest_w, out=np.zeros(n), where=rest_w > 0),
        "bigram": bigram,
        "sent_cover": _sentence_cover(index, raw, spans, texts, in_text, terms, total),
    }


def _without(index: Index, passages: list, spans: _Spans, ignored: Sequence[bool]) -> list[str]:
    """The passages' texts with the sentences `ignored` blanked out (same length, so spans still hold)."""
    table = index.sentences
    texts = [list(p.text) for p in passages]
    for k in np.flatnonzero(np.asarray(ignored, dtype=bool)).tolist():
        i, pick = int(spans.owner[k]), int(spans.picks[k])
        a, b = int(table.starts[pick]), int(table.ends[pick])
        texts[i][a:b] = " " * (b - a)
    return ["".join(t) for t in texts]


def _sentence_cover(
    index: Index,
    texts: list[str],
    spans: _Spans,
    folded: list[str],
    in_text: np.ndarray,
    terms: list[tuple[str, float]],
    total: float,
) -> np.ndarray:
    """The best term coverage of one sentence, per candidate passage (`texts`, folded: `folded`).

    Where folding kept a passage's length, a term is in a sentence when one of
    its occurrences in the folded passage starts and ends inside the sentence's
    span; else (rare: NFKC expanded a character) that passage's sentences are folded one by one.
    """
    table = index.sentences
    starts, ends = table.starts[spans.picks].tolist(), table.ends[spans.picks].tolist()
    at = spans.at.tolist()
    hit = np.zeros((len(starts), len(terms)), dtype=bool)
    for i, j in zip(*np.nonzero(in_text)):  # a few hundred (passage, term) pairs, each a few finds
        term, text, lo, hi = terms[j][0], folded[i], at[i], at[i + 1]
        found = text.find(term)
        while found >= 0:
            k = bisect_right(starts, found, lo, hi) - 1
            if k >= lo and found + len(term) <= ends[k]:
                hit[k, j] = True
            found = text.find(term, found + 1)
    scores = hit @ np.array([w for _, w in terms]) / total
    out = np.zeros(len(texts))
    filled = np.flatnonzero(np.diff(spans.at) > 0)
    if len(filled):
        out[filled] = np.maximum.reduceat(scores, spans.at[filled])
    for i, text in enumerate(texts):
        if len(folded[i]) != len(text) and at[i] < at[i + 1]:
            out[i] = max(coverage(terms, text[x:y]) for x, y in zip(starts[at[i] : at[i + 1]], ends[at[i] : at[i + 1]]))
    return out


def _about_others(index: Index, rows: list[int], spans: _Spans, query: Query) -> list[list[bool]]:
    """Per candidate, per sentence: about another model or line than the question's codes
    (`qa.search.index.sentences_about_another`), on a table row keyed by something other than the row values
    the question names (`qa.search.index.rows_about_other_keys`), about the next meeting when the question is
    not (`qa.search.index.sentences_about_next_time`), or stating brackets that leave out the quantity the question
    states (`qa.text.brackets.outside`). All False when none of these is in play."""
    texts = [index.passages[row].text for row in rows]
    keys = {i: row_keys(text) for i, text in enumerate(texts) if "：" in text}
    folded = fold(query.text)
    asked = frozenset(key for found in keys.values() for key in found if key and names_key(folded, key))
    quantities = query.quantities
    bounds = spans.at.tolist()
    if not query.codes and not asked and not quantities and not any("下" in text for text in texts):
        return [[False] * (b - a) for a, b in zip(bounds, bounds[1:])]
    table = index.sentences
    starts, ends = table.starts[spans.picks].tolist(), table.ends[spans.picks].tolist()
    out = []
    for i, (text, a, b) in enumerate(zip(texts, bounds, bounds[1:])):
        at = list(zip(starts[a:b], ends[a:b]))
        other = sentences_about_another(text, at, query.codes) if query.codes else [False] * (b - a)
        if i in keys:
            other = [o or k for o, k in zip(other, rows_about_other_keys(text, at, asked, keys[i]))]
        other = [o or n for o, n in zip(other, sentences_about_next_time(text, at, query.text))]
        if quantities:  # a bracket that leaves out what the question states of itself (满1年不满10年 for 工作12年)
            other = [o or q for o, q in zip(other, outside([text[a:b] for a, b in at], quantities))]
        out.append(other)
    return out


def _kind(index: Index, spans: _Spans, kind: str | None) -> np.ndarray:
    """1 for a candidate with a sentence holding the kind of answer the question asks for, else 0."""
    out = np.zeros(len(spans.at) - 1)
    if kind is None or not len(spans.picks):
        return out
    holds = (index.sentences.kinds[spans.picks] & (1 << KINDS.index(kind))) > 0
    np.maximum.at(out, spans.owner, holds.astype(np.float64))
    return out


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, int((scores > 0).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.argsort(-scores[top], kind="stable")]
