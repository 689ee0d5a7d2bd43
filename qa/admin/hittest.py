"""Retrieval testing (命中测试): exactly what a visitor would get, and why each passage is where it is.

For each passage shown: its quote and score, each ranker feature's value and its contribution
(weight × value) to the score, the question's terms it contains, and for the answer as a whole
the no-answer probability and the decision. Read-only; nothing is logged.
"""

from __future__ import annotations

from typing import Any

from qa.answer.engine import Answerer
from qa.search.ranker import FEATURES
from qa.search.retrieve import DEPTH, candidates
from qa.text.normalize import fold


def explain(answerer: Answerer, question: str, top_k: int = 5) -> dict[str, Any]:
    """The answer to `question` with the evidence behind it (see the module docstring).

    Raises:
        InputError: the question is empty or too long (as for `ask`).
    """
    answer = answerer.ask(question, top_k=top_k, keep_refused=True)
    text = answer.followup_of or answer.question
    query, pinned, blocked = answerer.plan(text)
    index = answerer.index
    hits = {
        index.passages[h.row].id: h
        for h in candidates(index, query, max(DEPTH, top_k * 2), answerer.ranker, pinned, blocked)
    }
    weights = dict(zip(FEATURES, answerer.ranker.weights)) if answerer.ranker is not None else {}
    pinned_ids = {index.passages[r].id for r in pinned}
    passages = []
    for citation in answer.passages:
        hit = hits.get(citation.id)
        values = dict(zip(FEATURES, hit.features)) if hit is not None else {}
        folded = fold(f"{citation.heading or ''}\n{citation.text}")
        passages.append(
            {
                **answer.to_dict()["passages"][citation.rank - 1],
                "pinned": citation.id in pinned_ids,
                "dense": round(hit.dense, 4) if hit else None,
                "bm25": round(hit.keyword, 4) if hit else None,
                "features": [
                    {"name": name, "value": round(value, 4), "contribution": round(weights.get(name, 0.0) * value, 4)}
                    for name, value in values.items()
                ],
                "matched_terms": [term for term, _ in query.terms if term in folded],
            }
        )
    confidence = answer.confidence
    return {
        "question": answer.question,
        "searched": text,
        "answered": answer.answered,
        "message": answer.message,
        "message_en": answer.message_en,
        "no_answer_probability": None if confidence is None else round(1.0 - confidence, 4),
        "terms": [{"term": term, "weight": round(weight, 3)} for term, weight in query.terms],
        "ranker": answerer.ranker is not None,
        "passages": passages,
        "took_ms": round(answer.took_ms, 1),
    }
