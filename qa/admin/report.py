"""The questions the documents don't answer: refused and 👎 questions grouped by meaning, most asked first.

Questions are encoded with the bot's own encoder and grouped greedily: a question joins the first
group whose first question it paraphrases (cosine ≥ GROUP_SIMILARITY). Each group comes with the
passages closest to it, from which the owner can pin one as the answer (`Overrides.pin`), or the
group can be marked out of scope and leaves the report.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qa.admin.conversations import Conversations
from qa.admin.overrides import PIN_SIMILARITY, Overrides
from qa.answer.engine import Answerer
from qa.search.index import encoder_input

# Cosine at which two questions ask the same thing: m3e-small puts paraphrases (快递柜在哪里 / 快递柜放在哪儿)
# above 0.91 and different questions on one topic (快递柜在哪里 / 垃圾桶在哪里) below 0.87.
GROUP_SIMILARITY = PIN_SIMILARITY
MAX_QUESTIONS = 2000  # the latest refused or 👎 questions read
CLOSEST = 3  # passages shown with each group


def unanswered(
    log: Conversations, answerer: Answerer, overrides: Overrides, *, days: int = 30, limit: int = 50
) -> list[dict[str, Any]]:
    """Groups of refused or 👎 questions of the last `days` days, most asked first (at most `limit`)."""
    import time

    rows = log.unanswered(since=time.time() - days * 86400)[-MAX_QUESTIONS:]
    if not rows:
        return []
    texts = list(dict.fromkeys(r["question"] for r in rows))
    vectors = dict(zip(texts, answerer.encoder.encode([encoder_input(t) for t in texts])))
    groups: list[dict[str, Any]] = []
    for row in rows:
        vector = vectors[row["question"]]
        group = _closest_group(groups, vector)
        if group is None:
            group = {"vector": vector, "question": row["question"], "rows": []}
            groups.append(group)
        group["rows"].append(row)
    groups = [g for g in groups if not overrides.is_out_of_scope(g["vector"])]
    groups.sort(key=lambda g: (-len(g["rows"]), -g["rows"][-1]["time"]))
    return [_describe(g, answerer) for g in groups[:limit]]


def _closest_group(groups: list[dict[str, Any]], vector: np.ndarray) -> dict[str, Any] | None:
    if not groups:
        return None
    sims = np.array([g["vector"] for g in groups]) @ vector
    at = int(np.argmax(sims))
    return groups[at] if sims[at] >= GROUP_SIMILARITY else None


def _describe(group: dict[str, Any], answerer: Answerer) -> dict[str, Any]:
    rows = group["rows"]
    citations, _ = answerer.retrieve(group["question"], CLOSEST)
    return {
        "question": group["question"],
        "questions": list(dict.fromkeys(r["question"] for r in rows))[:20],
        "count": len(rows),
        "refused": sum(1 for r in rows if not r["answered"]),
        "disliked": sum(1 for r in rows if r["rating"] == -1),
        "last": rows[-1]["time_iso"],
        "closest": [
            {
                "id": c.id,
                "title": c.source.title,
                "section": c.source.section,
                "paragraph": c.source.paragraph,
                "quote": c.quote,
                "text": c.text,
            }
            for c in citations
        ],
    }
