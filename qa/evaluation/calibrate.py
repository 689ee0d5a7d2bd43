"""`qa calibrate`: fit the passage ranker and the no-answer model on labelled questions.

Data (all in the repository's `eval/` folder):
- `seed_qa.jsonl`: questions over the bundled corpus with gold answer strings;
- `offtopic.jsonl`: questions the bundled corpus cannot answer;
- `cmrc2018/cmrc2018_trial.json`: CMRC 2018 trial (CC BY-SA 4.0, Cui et al. 2019);
- `formats/questions.jsonl` over `formats/docs/` (regulations, manuals, Markdown…, indexed with the
  bundled corpus): answerable and off-topic questions.
Every set is split into "fit" and "test" halves; only "fit" is used to fit,
and the report printed (and stored in the calibration file) is on "test".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.answer.engine import QUERY_CHARS, Answerer, Evidence
from qa.answer.quote import FEATURES as QUOTE_FEATURES
from qa.answer.quote import QuoteModel, sentence_features
from qa.answer.refusal import FEATURES as REFUSAL_FEATURES
from qa.answer.refusal import Refusal
from qa.config import MAX_CHARS, MIN_CHARS, Settings
from qa.errors import ConfigError
from qa.evaluation.evaluate import Question, build_eval_index, contains, read_jsonl, read_squad
from qa.ingest.corpus import load_corpus
from qa.linear import fit_listwise
from qa.search.edits import build
from qa.search.encoder import Encoder, base_model
from qa.search.index import Index, about, encoder_input
from qa.search.ranker import FEATURES as RANKER_FEATURES
from qa.search.ranker import Ranker
from qa.search.retrieve import DEPTH, candidates, prepare, search


def ranker_examples(index: Index, encoder: Encoder, questions: list[Question]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question: candidate features and labels (answer string inside the passage)."""
    groups = []
    vectors = encoder.encode([encoder_input(q.text) for q in questions])
    for q, vec in zip(questions, vectors):
        hits = candidates(index, prepare(index, q.text, vec), DEPTH, None)
        labels = np.array([contains(index.passages[h.row].text, q.answers) for h in hits], dtype=np.float64)
        if labels.any():
            groups.append((np.array([h.features for h in hits], dtype=np.float64), labels))
    return groups


def quote_examples(answerer: Answerer, questions: list[Question], depth: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Sentence features and labels (answer inside the sentence) of retrieved passages that hold the answer.

    Passages where no single sentence holds the answer (it spans two) or every
    sentence does teach nothing about choosing, and are left out.
    """
    index, encoder = answerer.index, answerer.encoder
    xs: list[np.ndarray] = []
    ys: list[bool] = []
    vectors = encoder.encode([encoder_input(q.text) for q in questions])
    for q, vec in zip(questions, vectors):
        query = prepare(index, q.text, vec)
        grams = query.bigrams
        for hit in search(index, query, depth, answerer.ranker):
            _, sentences, _ = answerer.sentences(hit.row)
            labels = [contains(s, q.answers) for s in sentences]
            if any(labels) and not all(labels):
                sims = hit.sentence_sims
                topic = about(index, index.passages[hit.row])
                xs.append(sentence_features(query.terms, grams, sentences, sims, topic))
                ys.extend(labels)
    return np.vstack(xs) if xs else np.zeros((0, len(QUOTE_FEATURES))), np.array(ys, dtype=np.float64)


def evidence(answerer: Answerer, questions: list[Question]) -> tuple[list[Evidence], list[Any]]:
    """Refusal evidence and the top citation for each question."""
    out, tops = [], []
    for q in questions:
        citations, ev = answerer.retrieve(q.text[:QUERY_CHARS], 5)
        out.append(ev)
        tops.append(citations)
    return out, tops


def calibrate(
    settings: Settings,
    data: Path,
    out: Path,
    distractors: Sequence[Path] = (),
    log: Callable[[str], None] = print,
    encoder: Encoder | None = None,
    refusal_only: bool = False,
) -> str:
    """Fit the ranker and the refusal model; write `out`; return the report as text.

    Args:
        settings: model and corpus folder.
        data: the folder with seed_qa.jsonl, offtopic.jsonl and cmrc2018/.
        out: the calibration file to write.
        distractors: folders of news indexed next to the CMRC contexts, so that the
            ranker learns to tell the gold passage from look-alikes.
        log: progress lines.
        encoder: the encoder to fit with (default: the configured one behind the vector cache).
        refusal_only: keep the ranker and the quote model of the calibration file `out` and fit only the
            no-answer model on what they give: what a change to the refusal evidence (the answer kinds a quote
            holds, the question's words) needs, without moving the ranking. Both must be fitted for this encoder.

    The models are labelled with the encoder's base model (`m3e-small@…`, not `…+int8`): the answerer
    uses models fitted for a model with every variant of it, and would ignore a variant's label.
    """
    from qa.service import cached_encoder

    encoder = encoder or cached_encoder(settings)
    model = base_model(encoder.name)
    kept_ranker = Ranker.load_default(out) if refusal_only else None
    kept_quoter = QuoteModel.load_default(out) if refusal_only else None
    if refusal_only and not (kept_ranker and kept_quoter and kept_ranker.model == model and kept_quoter.model == model):
        raise ConfigError(
            f"{out} 中没有为 {model} 拟合的排序与引文模型，不能只拟合“无答案”模型。",
            f"{out} holds no ranker and quote model fitted for {model}: cannot fit the no-answer model alone.",
        )
    log("编码种子语料 / encoding the bundled corpus…")
    seed = build(load_corpus(settings.corpus_dir).documents, encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS)
    cmrc_docs, cmrc_q = read_squad(data / "cmrc2018" / "cmrc2018_trial.json")
    log(f"编码 CMRC 2018 trial（{len(cmrc_docs)} 段上下文）与干扰文档 / encoding CMRC contexts and distractors…")
    cmrc, n_extra = build_eval_index(cmrc_docs, distractors, encoder, True, log)
    seed_q, off_q = read_jsonl(data / "seed_qa.jsonl"), read_jsonl(data / "offtopic.jsonl")
    formats, formats_q = seed, []
    if (data / "formats" / "questions.jsonl").is_file():  # a data folder of one's own may hold no such set
        log("编码其他格式的文档 / encoding the documents of other kinds…")
        formats_docs = load_corpus(data / "formats" / "docs").documents + load_corpus(settings.corpus_dir).documents
        formats = build(formats_docs, encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS)
        formats_q = read_jsonl(data / "formats" / "questions.jsonl")
    fmt = {s: [q for q in formats_q if q.split == s] for s in ("fit", "test")}
    part = {
        s: (
            [q for q in seed_q if q.split == s],
            [q for q in off_q if q.split == s],
            [q for q in cmrc_q if q.split == s],
        )
        for s in ("fit", "test")
    }

    if kept_ranker is not None:
        log("沿用排序与引文模型 / keeping the ranker and the quote model…")
        ranker = kept_ranker
    else:
        log("拟合排序模型 / fitting the ranker…")
        # Listwise (softmax over each question's candidates): fits "the answer first", which a
        # classifier of single passages only approximates (bench/ablation.py measures both).
        groups = ranker_examples(seed, encoder, part["fit"][0]) + ranker_examples(cmrc, encoder, part["fit"][2])
        groups += ranker_examples(formats, encoder, [q for q in fmt["fit"] if q.answers])
        weights = fit_listwise(groups)
        ranker = Ranker(model, RANKER_FEATURES, tuple(float(w) for w in weights), 0.0)

    seed_a, cmrc_a = Answerer(seed, encoder, None, ranker), Answerer(cmrc, encoder, None, ranker)
    formats_a = Answerer(formats, encoder, None, ranker)
    if kept_quoter is not None:
        quoter = kept_quoter
    else:
        log("拟合引文模型 / fitting the quote model…")
        x1, y1 = quote_examples(seed_a, part["fit"][0])
        x2, y2 = quote_examples(cmrc_a, part["fit"][2])
        x3, y3 = quote_examples(formats_a, [q for q in fmt["fit"] if q.answers])
        quoter = QuoteModel.fit(model, QUOTE_FEATURES, np.vstack([x1, x2, x3]), np.concatenate([y1, y2, y3]))
    seed_a.quoter = cmrc_a.quoter = formats_a.quoter = quoter

    log("拟合“无答案”模型 / fitting the no-answer model…")
    x, y, group = _refusal_set(seed_a, cmrc_a, *part["fit"], formats_a, fmt["fit"])
    refusal = Refusal.fit(model, REFUSAL_FEATURES, x, y)
    refusal = replace(refusal, threshold=pick_threshold(refusal, x, y, group))

    report = _report(seed_a, cmrc_a, refusal, *part["test"], formats_a, fmt["test"])
    report["cmrc"]["distractors"] = n_extra
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "model": model,
        "ranker": ranker.to_dict(),
        "quote": quoter.to_dict(),
        "refusal": refusal.to_dict(),
        "report": report,
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return json.dumps(report, ensure_ascii=False, indent=2) + f"\n已写入 / written: {out}"


def _refusal_set(
    seed_a: Answerer,
    cmrc_a: Answerer,
    seed_q: list[Question],
    off_q: list[Question],
    cmrc_q: list[Question],
    formats_a: Answerer,
    formats_q: list[Question],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Answerable: seed questions on the seed corpus, CMRC on CMRC, the other kinds of documents' questions on
    them. Not: off-topic (on the seed corpus and on the other kinds of documents) and cross-corpus questions.

    Returns features, labels and the group (0..6) of every row.
    """
    groups = [
        (seed_a, seed_q, 1),
        (cmrc_a, cmrc_q, 1),
        (formats_a, [q for q in formats_q if q.answers], 1),
        (seed_a, off_q, 0),
        (seed_a, cmrc_q, 0),
        (cmrc_a, seed_q, 0),
        (formats_a, [q for q in formats_q if not q.answers], 0),
    ]
    xs: list[tuple[float, ...]] = []
    ys: list[int] = []
    gs: list[int] = []
    for g, (answerer, qs, label) in enumerate(groups):
        evs, _ = evidence(answerer, qs)
        xs.extend(e.features() for e in evs)
        ys.extend([label] * len(evs))
        gs.extend([g] * len(evs))
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64), np.array(gs)


def pick_threshold(model: Refusal, x: np.ndarray, y: np.ndarray, group: np.ndarray, max_refused: float = 0.02) -> float:
    """The highest threshold that still wrongly refuses at most `max_refused` of answerable questions.

    Every answerable group (seed, CMRC) must stay within `max_refused` on its own; a
    higher threshold only lowers the share of off-topic questions answered.
    """
    p = 1.0 / (1.0 + np.exp(-np.clip(model.score(x), -50, 50)))
    positive = [g for g in np.unique(group) if y[group == g].all()]
    best = model.threshold
    for t in np.arange(0.50, 0.991, 0.01):
        refused = max(float(np.mean(p[group == g] < t)) for g in positive)
        if refused <= max_refused:
            best = float(round(t, 2))
    return best


def _report(
    seed_a: Answerer,
    cmrc_a: Answerer,
    refusal: Refusal,
    seed_q: list[Question],
    off_q: list[Question],
    cmrc_q: list[Question],
    formats_a: Answerer,
    formats_q: list[Question],
) -> dict[str, Any]:
    """Held-out ("test" split) numbers."""
    report: dict[str, Any] = {"split": "test", "refusal_features": list(REFUSAL_FEATURES)}
    answerable = [q for q in formats_q if q.answers]
    foreign = [q for q in formats_q if not q.answers]
    for name, answerer, qs in (("seed", seed_a, seed_q), ("cmrc", cmrc_a, cmrc_q), ("formats", formats_a, answerable)):
        evs, tops = evidence(answerer, qs)
        top1 = [bool(c) and contains(c[0].text, q.answers) for q, c in zip(qs, tops)]
        quoted = [bool(c) and contains(c[0].quote, q.answers) for q, c in zip(qs, tops)]
        refused = [not refusal.answerable(e.features()) for e in evs]
        report[name] = {
            "questions": len(qs),
            "answer@1": _mean(top1),
            "answer_in_quote@1": _mean(quoted),
            "wrongly_refused": _mean(refused),
        }
    for name, answerer, qs in (
        ("offtopic_on_seed", seed_a, off_q),
        ("cmrc_on_seed", seed_a, cmrc_q),
        ("offtopic_on_formats", formats_a, foreign),
    ):
        evs, _ = evidence(answerer, qs)
        report[name] = {
            "questions": len(qs),
            "wrongly_answered": _mean([refusal.answerable(e.features()) for e in evs]),
        }
    return report


def _mean(values: list[bool]) -> float:
    return round(sum(values) / len(values), 4) if values else 0.0
