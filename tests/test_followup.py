"""Follow-up questions: the subject a short question leaves out is put back (pure function)."""

from __future__ import annotations

from qa.answer.followup import resolve
from qa.text.tokenize import Tokenizer

TOKENIZE = Tokenizer()


def weight(term: str) -> float:
    return float(len(term))


def test_na_x_ne_asks_the_previous_question_about_x() -> None:
    assert resolve("那庆云县呢？", ["东营市检察院什么时候建成了检史陈列馆？"], TOKENIZE, weight) == (
        "庆云县检察院什么时候建成了检史陈列馆？"
    )


def test_na_x_ne_with_an_organisation_replaces_the_whole_subject() -> None:
    out = resolve("那济阳区检察院呢", ["庆云县检察院的检察长是谁？"], TOKENIZE, weight)
    assert out == "济阳区检察院的检察长是谁？"


def test_pronoun_question_carries_the_previous_subject_and_terms() -> None:
    out = resolve("它是什么时候研发的？", ["庆云县检察院的电子送达平台是做什么用的？"], TOKENIZE, weight)
    assert out.startswith("它是什么时候研发的？")
    assert "庆云县检察院" in out and "送达" in out and "平台" in out


def test_a_question_that_stands_alone_is_unchanged() -> None:
    question = "济阳区检察院打造了什么党建工作模式？"
    assert resolve(question, ["庆云县检察院的电子送达平台是做什么用的？"], TOKENIZE, weight) == question


def test_chained_follow_ups_resolve_in_order() -> None:
    history = ["庆云县检察院的检察长是谁？", "那东营市呢？"]
    assert resolve("那济阳区呢？", history, TOKENIZE, weight) == "济阳区检察院的检察长是谁？"


def test_no_history_means_no_change() -> None:
    assert resolve("它是什么？", [], TOKENIZE, weight) == "它是什么？"
