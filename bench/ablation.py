"""Which retrieval and quote ideas move the numbers: 2-fold cross-validation inside the CMRC "fit" half.

    .venv/bin/python bench/ablation.py --distractors eval/distractors/inews-train1000

The index holds every CMRC 2018 trial context (CC BY-SA 4.0, Cui et al. 2019)
plus the distractor news. Only questions of the "fit" half are used, split
again in two by context: each variant is fitted on one fold and measured on
the other, so choosing ideas here never looks at the "test" half that
`qa eval --split test` reports. Prints one table, writes bench/results/ablation.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.answer.engine import Answerer  # noqa: E402
from qa.answer.quote import FEATURES as QF  # noqa: E402
from qa.answer.quote import choose, sentence_features, sentence_scores  # noqa: E402
from qa.config import MAX_CHARS, MIN_CHARS, Settings  # noqa: E402
from qa.evaluation.evaluate import contains, read_squad  # noqa: E402
from qa.ingest.corpus import load_corpus  # noqa: E402
from qa.linear import fit_listwise, fit_logistic  # noqa: E402
from qa.search.edits import build  # noqa: E402
from qa.search.index import about  # noqa: E402
from qa.search.ranker import FEATURES as RF  # noqa: E402
from qa.search.retrieve import DEPTH, candidates, prepare  # noqa: E402
from qa.service import cached_encoder  # noqa: E402
from qa.text.match import char_bigrams  # noqa: E402

Scorer = Callable[[np.ndarray], np.ndarray]


def fold_of(qid_context: str) -> int:
    """Second split of the fit half, by context."""
    return zlib.crc32(("fold:" + qid_context).encode()) % 2


def rank_metrics(groups: Sequence[tuple[np.ndarray, np.ndarray]], score: Scorer) -> dict[str, float]:
    """answer@1, @5, MRR@10 of candidates ordered by `score`, over (features, labels) groups."""
    at1 = at5 = mrr = 0.0
    for x, y in groups:
        order = np.argsort(-score(x), kind="stable")
        hits = np.flatnonzero(y[order])
        rank = int(hits[0]) + 1 if len(hits) else None
        at1 += rank == 1
        at5 += rank is not None and rank <= 5
        mrr += 1 / rank if rank and rank <= 10 else 0.0
    n = max(1, len(groups))
    return {"answer@1": at1 / n, "answer@5": at5 / n, "mrr@10": mrr / n}


def linear(cols: Sequence[str], train: Sequence[tuple[np.ndarray, np.ndarray]]) -> Scorer:
    """A logistic ranker over the named columns fitted on `train`."""
    idx = [RF.index(c) for c in cols]
    w, b = fit_logistic(np.vstack([x[:, idx] for x, _ in train]), np.concatenate([y for _, y in train]))
    return lambda x: x[:, idx] @ w + b


def listwise(cols: Sequence[str], train: Sequence[tuple[np.ndarray, np.ndarray]]) -> Scorer:
    """A softmax-over-candidates ranker over the named columns fitted on `train`."""
    idx = [RF.index(c) for c in cols]
    w = fit_listwise([(x[:, idx], y) for x, y in train])
    return lambda x: x[:, idx] @ w


def column(name: str) -> Scorer:
    """Order by one feature."""
    return lambda x: x[:, RF.index(name)]


def rrf60(x: np.ndarray) -> np.ndarray:
    """Reciprocal-rank fusion with k=60 (ranks recovered from the 1/(1+rank) features)."""
    out = np.zeros(len(x))
    for name in ("bm25_rr", "dense_rr"):
        r = x[:, RF.index(name)]
        out += np.where(r > 0, 1.0 / (60 + 1.0 / np.where(r > 0, r, 1.0)), 0.0)
    return out


VARIANTS: dict[str, Sequence[str]] = {
    "bm25 + dense (learned)": ("bm25_rel", "bm25_rr", "dense", "dense_rel", "dense_rr"),
    "+ sentence cosine": ("bm25_rel", "bm25_rr", "dense", "dense_rel", "dense_rr", "sent", "sent_rel"),
    "+ term coverage": ("bm25_rel", "bm25_rr", "dense", "dense_rel", "dense_rr", "sent", "sent_rel", "cover"),
    "+ char bigrams": (
        "bm25_rel",
        "bm25_rr",
        "dense",
        "dense_rel",
        "dense_rr",
        "sent",
        "sent_rel",
        "cover",
        "bigram",
    ),  # fmt: skip
    "all features": RF,
    "all but title coverage": tuple(f for f in RF if f != "title_cover"),
    "all but title-aware coverage": tuple(f for f in RF if f != "rest_cover"),
    "all but length": tuple(f for f in RF if f != "log_len"),
}


def main() -> int:
    """Collect candidate features once, then fit and score every variant on both folds."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=str(ROOT / "eval" / "cmrc2018" / "cmrc2018_trial.json"))
    p.add_argument("--distractors", action="append", default=[])
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "ablation.json"))
    p.add_argument("--no-titles", action="store_true", help="BM25 without document titles (the old way)")
    args = p.parse_args()

    encoder = cached_encoder(Settings())
    docs, questions = read_squad(Path(args.data))
    extra = [doc for d in args.distractors for doc in load_corpus(Path(d)).documents]
    index = build(
        docs + extra, encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS, titles_in_keywords=not args.no_titles
    )
    n_extra = len(extra)
    fit = [q for q in questions if q.split == "fit"]
    contexts = {q.id: q.id.rsplit("_QUERY", 1)[0] for q in fit}
    started = time.perf_counter()
    vectors = encoder.encode([q.text for q in fit])
    groups: list[list[tuple[np.ndarray, np.ndarray]]] = [[], []]
    sents: list[list[tuple[np.ndarray, np.ndarray, list[float], list[str], list[tuple[int, int]], str, list]]] = [
        [],
        [],
    ]
    answerer = Answerer(index, encoder)
    recall = 0
    for q, vec in zip(fit, vectors):
        query = prepare(index, q.text, vec)
        hits = candidates(index, query, DEPTH, None)
        y = np.array([contains(index.passages[h.row].text, q.answers) for h in hits], dtype=np.float64)
        recall += bool(y.any())
        f = fold_of(contexts[q.id])
        groups[f].append((np.array([h.features for h in hits]), y))
        grams = char_bigrams(q.text)
        for h, label in zip(hits, y):
            if label:
                spans, texts, _ = answerer.sentences(h.row)
                sy = np.array([contains(t, q.answers) for t in texts], dtype=np.float64)
                if sy.any():
                    topic = about(index, index.passages[h.row])
                    sx = sentence_features(query.terms, grams, texts, h.sentence_sims, topic)
                    blend = sentence_scores(query.terms, texts, h.sentence_sims)
                    sents[f].append((sx, sy, blend, texts, spans, index.passages[h.row].text, query.terms))
    print(f"{len(fit)} fit questions, candidates collected in {time.perf_counter() - started:.0f} s;"
          f" answer among candidates for {recall / len(fit):.3f}")  # fmt: skip

    rows: dict[str, dict[str, float]] = {}
    fixed: dict[str, Scorer] = {"BM25 alone": column("bm25_rel"), "dense alone": column("dense"), "RRF k=60": rrf60}
    for name, scorer in fixed.items():
        rows[name] = _mean([rank_metrics(groups[i], scorer) for i in (0, 1)])
    for name, cols in VARIANTS.items():
        if all(c in RF for c in cols):
            rows[name] = _mean([rank_metrics(groups[1 - i], linear(cols, groups[i])) for i in (0, 1)])
            rows[f"{name}, listwise"] = _mean([rank_metrics(groups[1 - i], listwise(cols, groups[i])) for i in (0, 1)])
    quote_rows = _quotes(sents)
    titles = "without" if args.no_titles else "with"
    print(f"\nCMRC 2018 trial fit half, 2-fold CV · {len(index.passages)} passages ({n_extra} distractor documents)"
          f" · BM25 {titles} titles\n")  # fmt: skip
    print("| ranking | answer@1 | answer@5 | MRR@10 |\n|---|---|---|---|")
    for name, m in rows.items():
        print(f"| {name} | {m['answer@1']:.3f} | {m['answer@5']:.3f} | {m['mrr@10']:.3f} |")
    print("\n| quote inside a passage holding the answer | sentence accuracy |\n|---|---|")
    for name, acc in quote_rows.items():
        print(f"| {name} | {acc:.3f} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        json.dumps(
            {"passages": len(index.passages), "titles": not args.no_titles, "ranking": rows, "quote": quote_rows},
            indent=2,
        )
        + "\n"
    )
    return 0


def _quotes(sents: list[list]) -> dict[str, float]:
    """Share of gold passages whose chosen quote holds the answer, per quote scorer."""

    def accuracy(items: list, scores_of: Callable) -> float:
        good = 0
        for sx, sy, blend, _texts, spans, text, terms in items:
            a, b = choose(spans, list(scores_of(sx, blend)), text, terms)
            good += any(sy[i] for i, (s, e) in enumerate(spans) if a <= s and e <= b)
        return good / max(1, len(items))

    out = {
        "coverage + cosine blend (no model)": np.mean([accuracy(sents[i], lambda sx, bl: bl) for i in (0, 1)]),
        "term coverage alone": np.mean([accuracy(sents[i], lambda sx, bl: sx[:, 0]) for i in (0, 1)]),
        "sentence cosine alone": np.mean([accuracy(sents[i], lambda sx, bl: sx[:, QF.index("sim")]) for i in (0, 1)]),
    }
    variants = (
        ("learned, without title-aware coverage", [c for c in QF if not c.startswith("rest_")]),
        ("learned, all", list(QF)),
    )
    for label, cols in variants:
        idx = [QF.index(c) for c in cols]
        accs = []
        for i in (0, 1):
            train = sents[1 - i]
            w, b = fit_logistic(np.vstack([t[0][:, idx] for t in train]), np.concatenate([t[1] for t in train]))
            accs.append(accuracy(sents[i], lambda sx, bl, w=w, b=b, idx=idx: sx[:, idx] @ w + b))
        out[label] = float(np.mean(accs))
        accs = []
        for i in (0, 1):
            w = fit_listwise([(t[0][:, idx], t[1]) for t in sents[1 - i]])
            accs.append(accuracy(sents[i], lambda sx, bl, w=w, idx=idx: sx[:, idx] @ w))
        out[f"{label}, listwise"] = float(np.mean(accs))
    return {k: float(v) for k, v in out.items()}


def _mean(parts: list[dict[str, float]]) -> dict[str, float]:
    return {k: float(np.mean([p[k] for p in parts])) for k in parts[0]}


if __name__ == "__main__":
    raise SystemExit(main())
