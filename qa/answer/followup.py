"""Follow-up questions without an LLM: put back the subject a short question leaves out.

Two shapes are recognised:

- "那庆云县呢？" (那 X 呢): the previous question, asked about X instead of its
  own subject (the first place or organisation it names);
- a question with a pronoun (它, 其, 该院, 这个…) or almost no content words
  ("什么时候研发的？"): the question plus the previous question's rarest terms.

Anything else stands alone. Pure functions: the caller passes the tokenizer
and the term weights.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

_NA_NE = re.compile(r"^(?:那么?|那个|还有|另外|而)\s*(?P<x>.+?)\s*(?:呢|怎么样|如何|又如何|又怎样)?\s*[？?]?$")
_ENDS_NE = re.compile(r"呢\s*[？?]?$")
_PRONOUN = re.compile(
    r"(它|它们|其|该院|该县|该市|该区|该项|该平台|该机制|这个|那个|这项|这些|那些|此项|他们|他|她|此)"
)
_PLACE = r"[\u4e00-\u9fff]{2,4}?(?:省|市|县|区|州|镇|乡|村|旗)"
_ORG_SUFFIX = r"(?:人民)?(?:检察院|法院|政府|公安局|党委|委员会|大学|学院|公司|医院)"
_SUBJECT = re.compile(rf"{_PLACE}{_ORG_SUFFIX}?|[\u4e00-\u9fff]{{2,6}}?{_ORG_SUFFIX}")
# Request phrases that open a question and are never part of its subject.
_OPENING = re.compile(r"^(?:请问|请|麻烦|能否|可以)?(?:介绍一下|介绍|说说|讲讲|谈谈|说一下|讲一下|关于)?")
MIN_CONTENT_TERMS = 3
CARRIED_TERMS = 4


def resolve(
    question: str,
    history: Sequence[str],
    tokenize: Callable[[str], list[str]],
    weight: Callable[[str], float],
) -> str:
    """The text to search for `question` in the light of the previous questions.

    Args:
        question: the new question (already cleaned).
        history: previous questions, oldest first (raw, as the user typed them).
        tokenize: the index's tokenizer (content words only).
        weight: idf of a term (how telling it is).

    Returns:
        `question` itself when it stands alone, else an expanded question.
    """
    previous = ""
    for earlier in history:
        text = " ".join(str(earlier).split())
        if text:
            previous = _expand(text, previous, tokenize, weight) if previous else text
    return _expand(question, previous, tokenize, weight) if previous else question


def _expand(question: str, previous: str, tokenize: Callable[[str], list[str]], weight: Callable[[str], float]) -> str:
    short = len(question) <= 16
    match = _NA_NE.match(question)
    if short and match and (_ENDS_NE.search(question) or question.startswith("那")):
        return _swap_subject(previous, match.group("x").strip(" ，,"))
    terms = tokenize(question)
    if not _PRONOUN.search(question) and len(set(terms)) >= MIN_CONTENT_TERMS:
        return question
    found = _subject(previous)
    subject = found.group(0) if found and found.group(0) not in question else ""
    carried = [t for t in dict.fromkeys(tokenize(previous)) if t not in question and t not in subject]
    carried = [t for t in carried if not any(t != o and t in o for o in carried)]  # keep 送达平台, not 送达
    carried.sort(key=weight, reverse=True)
    return " ".join([question, subject, *carried[:CARRIED_TERMS]]).strip()


def _swap_subject(previous: str, new: str) -> str:
    """The previous question about `new` instead of its own subject."""
    old = _subject(previous)
    if old is None:
        return f"{new} {previous}"
    span = old.group(0)
    place = re.match(_PLACE, span)
    if place and not re.search(_ORG_SUFFIX + "$", new):
        # "那庆云县呢" after "东营市检察院…": replace the place, keep the organisation.
        return previous.replace(place.group(0), new, 1)
    return previous.replace(span, new, 1)


def _subject(text: str) -> re.Match[str] | None:
    """The first place or organisation a question names."""
    return _SUBJECT.search(text, len(_OPENING.match(text).group(0)))  # type: ignore[union-attr]
