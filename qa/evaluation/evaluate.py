"""`qa eval`: answer quality as numbers anyone can rerun.

A SQuAD-format file (CMRC 2018 is one) is turned into documents through the
project's own cleaning and chunking, indexed in memory together with any
distractor documents, and every question is asked through `Answerer.ask`,
the code path of `qa ask`. A hit means a gold answer string is inside the
passage (compared after NFKC, lower case, no spaces).
"""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from qa.answer.engine import Answerer
from qa.answer.results import Answer
from qa.config import MAX_CHARS, MIN_CHARS
from qa.errors import InputError
from qa.ingest.clean import parse_article
from qa.ingest.corpus import build_document, load_corpus
from qa.ingest.document import Document
from qa.search.edits import build
from qa.search.encoder import Encoder
from qa.search.index import Index
from qa.text.normalize import fold

SPLITS = ("all", "fit", "test")


@dataclass(frozen=True)
class Question:
    """A labelled question: answers are gold strings (empty for a question the documents cannot answer)."""

    id: str
    text: str
    answers: tuple[str, ...]
    split: str
    doc: str | None = None  # the file that answers it (path in the corpus), when the set names one


@dataclass(frozen=True)
class Outcome:
    """What happened to one question."""

    id: str
    rank: int | None  # 1-based rank of the first passage holding an answer
    quoted: bool  # an answer is inside the first passage's quote
    answered: bool  # the bot answered (did not say "no answer")
    answerable: bool  # the question has gold answers
    ms: float  # wall-clock time of ask() and its JSON
    invalid: bool = False  # ask() refused the question as bad input (e.g. empty); counted as a miss
    doc_first: bool | None = None  # the first passage is from the gold file (None: the set names no file)


def split_of(key: str) -> str:
    """A stable fit/test split by a hash of `key` (a CMRC context id: no context is in both)."""
    return "fit" if zlib.crc32(key.encode("utf-8")) % 2 == 0 else "test"


def read_jsonl(path: Path) -> list[Question]:
    """Rows {id, question, answer?, split?} (eval/seed_qa.jsonl, eval/offtopic.jsonl) as questions."""
    out = []
    for n, line in enumerate(_read(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            answers = (str(row["answer"]),) if row.get("answer") else ()
            doc = str(row["doc"]) if row.get("doc") else None
            out.append(Question(str(row.get("id", n)), str(row["question"]), answers, row.get("split", "fit"), doc))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path} 第 {n} 行格式错误：{exc!r}", f"{path} line {n} is malformed: {exc!r}") from exc
    return out


def read_squad(path: Path) -> tuple[list[Document], list[Question]]:
    """A SQuAD-format file as documents (one per context, through our own cleaning) and questions."""
    try:
        return _squad(path, json.loads(_read(path))["data"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"无法读取 SQuAD 格式文件 {path}：{exc!r}", f"cannot read {path} as a SQuAD-format file: {exc!r}"
        ) from exc


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"无法读取 {path}（须为 UTF-8）：{exc}", f"cannot read {path} (must be UTF-8): {exc}") from exc


def _squad(path: Path, articles: list[Any]) -> tuple[list[Document], list[Question]]:
    docs, questions = [], []
    for a, article in enumerate(articles):
        for p, para in enumerate(article["paragraphs"]):
            key = str(para.get("id") or f"{a}-{p}")
            raw = f"{article.get('title') or key}\n\n{para['context']}"
            rel = f"{path.stem}/{key}.txt"
            docs.append(build_document(parse_article(raw), rel=rel, sha256=str(zlib.crc32(raw.encode()))))
            for qa in para["qas"]:
                answers = tuple(dict.fromkeys(x["text"] for x in qa.get("answers", []) if x["text"].strip()))
                questions.append(Question(str(qa["id"]), qa["question"], answers, split_of(key)))
    return docs, questions


def load_set(path: Path, corpus_dir: Path) -> tuple[list[Document], list[Question]]:
    """Documents and questions of an evaluation file.

    A `.jsonl` file holds questions about the corpus folder; anything else is
    read as SQuAD JSON whose contexts are the documents.
    """
    if not path.is_file():
        raise InputError(f"找不到评测文件：{path}", f"evaluation file not found: {path}")
    if path.suffix == ".jsonl":
        return load_corpus(corpus_dir).documents, read_jsonl(path)
    return read_squad(path)


def _norm(text: str) -> str:
    return "".join(fold(text).split())


def contains(text: str, answers: Sequence[str]) -> bool:
    """True when a gold answer is inside `text` (after NFKC, lower case, no spaces)."""
    folded = _norm(text)
    return any(key in folded for key in map(_norm, answers) if key)


def judge(answer: Answer, gold: Sequence[str], ms: float, qid: str = "", doc: str | None = None) -> Outcome:
    """Score one answer against the gold strings (and the gold file, when given). Pure."""
    keys = [_norm(g) for g in gold if _norm(g)]
    rank = next(
        (c.rank for c in answer.passages if any(k in _norm(c.text) for k in keys)),
        None,
    )
    first = answer.passages[0] if answer.passages else None
    quoted = first is not None and any(k in _norm(first.quote) for k in keys)
    doc_first = (
        None
        if doc is None
        else first is not None and (first.source.path == doc or first.source.path.endswith(f"/{doc}"))
    )
    return Outcome(qid, rank, quoted, answer.answered, bool(keys), ms, doc_first=doc_first)


def metrics(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """answer@1, answer@5, MRR@10, answer-in-quote@1, no-answer rates and latency. Pure."""
    ans = [o for o in outcomes if o.answerable]
    un = [o for o in outcomes if not o.answerable]
    ms = np.array([o.ms for o in outcomes]) if outcomes else np.zeros(1)

    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return {
        "questions": len(outcomes),
        "answerable": len(ans),
        "answer@1": share([o.rank == 1 for o in ans]),
        "answer@5": share([o.rank is not None and o.rank <= 5 for o in ans]),
        "mrr@10": round(sum(1 / o.rank for o in ans if o.rank and o.rank <= 10) / len(ans), 4) if ans else None,
        "answer_in_quote@1": share([o.quoted for o in ans]),
        "doc@1": share([bool(o.doc_first) for o in ans if o.doc_first is not None]),  # gold file first
        "no_answer_rate": share([not o.answered for o in ans]),  # answerable questions refused
        "unanswerable": len(un),
        "unanswerable_answered": share([o.answered for o in un]),  # off-topic questions answered
        "invalid": sum(o.invalid for o in outcomes),  # rejected as bad input (empty…), counted as misses
        "latency_ms": {"p50": round(float(np.percentile(ms, 50)), 1), "p95": round(float(np.percentile(ms, 95)), 1)},
    }


def ask_all(answerer: Answerer, questions: Sequence[Question], top_k: int, progress: bool) -> list[Outcome]:
    """Ask every question the way `qa ask --json` does, timing each."""
    out = []
    for q in tqdm(questions, desc="提问 / asking", unit="q", disable=not progress):
        started = time.perf_counter()
        try:
            answer = answerer.ask(q.text, top_k=top_k, keep_refused=True)
        except InputError:
            ms = (time.perf_counter() - started) * 1000
            out.append(Outcome(q.id, None, False, False, any(a.strip() for a in q.answers), ms, invalid=True))
            continue
        json.dumps(answer.to_dict(), ensure_ascii=False)
        out.append(judge(answer, q.answers, (time.perf_counter() - started) * 1000, q.id, q.doc))
    return out


def build_eval_index(
    docs: list[Document],
    distractors: Sequence[Path],
    encoder: Encoder,
    progress: bool,
    warn: Callable[[str], None],
) -> tuple[Index, int]:
    """The temporary index of the evaluation documents plus distractors; returns it and the distractor count."""
    extra: list[Document] = []
    for folder in distractors:
        if not folder.is_dir():
            raise InputError(f"找不到干扰文档文件夹：{folder}", f"distractor folder not found: {folder}")
        loaded = load_corpus(folder)
        extra.extend(loaded.documents)
        if loaded.skipped:  # one line, not one per file: news sets hold many stubs
            first = ", ".join(f"{s.path} ({s.reason})" for s in loaded.skipped[:3])
            warn(f"跳过 / skipped {len(loaded.skipped)} 个文件 / files in {folder}: {first}…")
    index = build(docs + extra, encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS, progress=progress)
    return index, len(extra)


def format_report(report: dict[str, Any]) -> str:
    """The report as a short table."""
    m = report["metrics"]

    def f(value: float | None) -> str:
        return "—" if value is None else f"{value:.3f}"

    lines = [
        f"评测 / eval: {report['file']} · split={report['split']} · {m['questions']} 问 / questions",
        f"索引 / index: {report['documents']} 篇文档（含 {report['distractors']} 篇干扰）· "
        f"{report['passages']} 段 / passages · 模型 / model {report['model']}",
        "",
        "| answer@1 | answer@5 | MRR@10 | answer-in-quote@1 | no-answer rate | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
        f"| {f(m['answer@1'])} | {f(m['answer@5'])} | {f(m['mrr@10'])} | {f(m['answer_in_quote@1'])} | "
        f"{f(m['no_answer_rate'])} | {m['latency_ms']['p50']} | {m['latency_ms']['p95']} |",
    ]
    if m.get("doc@1") is not None:
        lines.append(f"文件排第一 / gold file first (doc@1): {f(m['doc@1'])}")
    if m.get("invalid"):
        lines.append(f"无效问题 / invalid questions (empty…): {m['invalid']}，按未命中计 / counted as misses")
    if m["unanswerable"]:
        lines.append(
            f"无答案问题 / unanswerable: {m['unanswerable']} · 误答率 / answered {f(m['unanswerable_answered'])}"
        )
    return "\n".join(lines)


def run_eval(
    settings: Any,
    path: Path,
    *,
    distractors: Sequence[Path] = (),
    top_k: int = 10,
    split: str = "all",
    limit: int = 0,
    encoder: Encoder | None = None,
    calibration: Path | None = None,
    progress: bool = False,
    warn: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the temporary index, ask every question of `split`, return the report.

    Args:
        settings: `qa.config.Settings` (model, corpus folder for `.jsonl` files).
        path: a SQuAD-format JSON file, or a `.jsonl` question file about the corpus folder.
        distractors: folders of extra documents indexed alongside.
        top_k: passages asked for per question (MRR@10 needs 10).
        split: "all", or the "fit" / "test" half (by context for SQuAD files).
        limit: ask at most this many questions (0 = all).
        encoder: the encoder to use (default: the configured model behind the vector cache).
        calibration: a calibration file to use instead of the packaged one.
    """
    from qa.answer.quote import QuoteModel
    from qa.answer.refusal import Refusal
    from qa.linear import DEFAULT_PATH as DEFAULT_CALIBRATION
    from qa.search.ranker import Ranker
    from qa.service import cached_encoder

    if limit < 0:
        raise InputError("--limit 不能为负数", "--limit must not be negative")
    if split not in SPLITS:
        raise InputError(f"split 须为 {'/'.join(SPLITS)}", f"split must be one of {', '.join(SPLITS)}")
    docs, questions = load_set(path, settings.corpus_dir)
    chosen = [q for q in questions if split == "all" or q.split == split][: limit or None]
    if not chosen:
        raise InputError(f"{path} 中没有 split={split} 的问题", f"{path} has no questions in split {split}")
    encoder = encoder or cached_encoder(settings)
    started = time.perf_counter()
    index, n_extra = build_eval_index(docs, distractors, encoder, progress, warn)
    built = time.perf_counter() - started
    source = calibration or DEFAULT_CALIBRATION
    answerer = Answerer(
        index, encoder, Refusal.load_default(source), Ranker.load_default(source), QuoteModel.load_default(source)
    )
    outcomes = ask_all(answerer, chosen, top_k, progress)
    return {
        "file": str(path),
        "split": split,
        "top_k": top_k,
        "model": encoder.name,
        "documents": len(index.documents),
        "distractors": n_extra,
        "passages": len(index.passages),
        "index_seconds": round(built, 1),
        "ranker": answerer.ranker is not None,
        "refusal": answerer.refusal is not None,
        "metrics": metrics(outcomes),
    }
