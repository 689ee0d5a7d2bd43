"""Answering questions over the seed index built with the fake encoder (no real model)."""

from __future__ import annotations

import json

import pytest

from qa.answer.engine import _area_name
from qa.errors import InputError

QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"
TITLE_004 = "实施“红蓝橙青”工程 打造“动车党建”品牌"
PATH_004 = "004_566c0a783eacff27.txt"

ANSWER_KEYS = {"question", "answered", "message", "passages", "took_ms"}
PASSAGE_KEYS = {"rank", "id", "text", "quote", "quote_start", "quote_end", "score", "source"}
SOURCE_KEYS = {"doc_id", "title", "publisher", "date", "author", "path", "url", "paragraph", "page", "section"}


@pytest.fixture(scope="module")
def answer(answerer):
    return answerer.ask(QUESTION, keep_refused=True)


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_answer_passage_is_found_with_its_source(answer):
    hits = [c for c in answer.passages if "今年3月" in c.quote]
    assert hits, [c.quote for c in answer.passages]
    hit = hits[0]
    assert "电子送达平台" in hit.quote
    assert hit.source.title == TITLE_004
    assert hit.source.path == PATH_004
    assert hit.heading == "“橙检工程”践行检察使命"


def test_first_passage_answers_the_question(answerer):
    result = answerer.ask(QUESTION, keep_refused=True)
    assert "今年3月" in result.passages[0].quote
    assert result.answered


def test_quotes_are_slices_of_their_passages(answer):
    assert answer.passages
    for c in answer.passages:
        assert c.quote == c.text[c.quote_start : c.quote_end]
        assert 0 <= c.quote_start < c.quote_end <= len(c.text)
        assert c.quote.strip() == c.quote


def test_passages_come_from_the_index_with_matching_sources(answer, seed_index):
    docs = seed_index.documents
    by_id = {p.id: p for p in seed_index.passages}
    assert [c.rank for c in answer.passages] == list(range(1, len(answer.passages) + 1))
    for c in answer.passages:
        passage = by_id[c.id]
        doc = docs[passage.doc_id]
        assert c.text == passage.text
        assert (c.source.doc_id, c.source.title, c.source.path, c.source.paragraph) == (
            doc.doc_id,
            doc.title,
            doc.path,
            passage.paragraph,
        )
        assert (c.source.publisher, c.source.date, c.source.author) == (doc.publisher, doc.date, doc.author)


def test_json_contract(answer):
    data = answer.to_dict()
    json.dumps(data, ensure_ascii=False)  # JSON-ready
    assert set(data) >= ANSWER_KEYS
    assert data["question"] == QUESTION
    assert isinstance(data["answered"], bool)
    assert isinstance(data["message"], str) and _has_cjk(data["message"])
    assert isinstance(data["took_ms"], (int, float)) and data["took_ms"] >= 0
    assert data["passages"]
    for p in data["passages"]:
        assert set(p) >= PASSAGE_KEYS
        assert set(p["source"]) == SOURCE_KEYS
        assert p["quote"] == p["text"][p["quote_start"] : p["quote_end"]]
        assert isinstance(p["score"], float)


def test_json_is_every_field_of_the_answer_with_rounded_numbers(answer):
    from dataclasses import asdict, replace

    first = replace(answer.passages[0], also_in=("twin-1",))  # tuples become lists
    answer = replace(answer, passages=(first, *answer.passages[1:]), suggestions=("东营",))
    expected = json.loads(json.dumps(asdict(answer), ensure_ascii=False))
    expected["took_ms"] = round(answer.took_ms, 1)
    for p in expected["passages"]:
        p["score"] = round(p["score"], 4)
    assert json.loads(json.dumps(answer.to_dict(), ensure_ascii=False)) == expected
    assert list(answer.to_dict()) == list(expected)  # the same keys in the same order
    assert [list(p) for p in answer.to_dict()["passages"]] == [list(p) for p in expected["passages"]]


def test_answered_question_about_dongying(answerer):
    result = answerer.ask("东营市人民检察院获评什么称号？")
    assert result.answered
    top = result.passages[0]
    assert top.source.path.startswith("000_")
    assert "全国文明单位" in top.text
    assert result.message.startswith("找到")


def test_off_topic_question_is_refused_without_passages(answerer):
    result = answerer.ask("今天天气怎么样")
    assert not result.answered
    assert result.passages == ()
    assert result.message == "未在资料中找到相关内容。"
    assert json.loads(json.dumps(result.to_dict()))["passages"] == []


def test_a_place_that_opens_a_compound_word_is_named_in_the_refusal(answerer):
    # jieba holds 上海图书馆 as one word; the corpus never mentions 上海, though it does mention 图书馆-like words.
    result = answerer.ask("上海图书馆办读者证要交押金吗？")
    assert not result.answered
    assert result.message == "未在资料中找到相关内容：资料中没有提到“上海”。"


def test_who_holds_an_office_is_answered_by_a_passage_that_names_someone_in_it(answerer):
    # The corpus names the 检察长 of 庆云县检察院 in one sentence only.
    result = answerer.ask("庆云县检察院的检察长是谁？")
    assert result.answered
    assert "颜倩倩" in result.passages[0].quote
    # It names a 副检察长 of 南沙区检察院, never its 检察长, and the refusal says so.
    refused = answerer.ask("南沙区检察院的检察长是谁？")
    assert not refused.answered
    assert refused.message == "未在资料中找到相关内容：找到的资料没有写明谁担任“检察长”。"
    assert "检察长" in refused.message_en


def test_the_holder_of_an_office_of_one_place_is_not_the_holder_named_for_another(answerer):
    # Only 庆云县检察院's 政治部主任 is named; the question asks about 东营市检察院's.
    assert answerer.ask("庆云县检察院的政治部主任是谁？").passages[0].quote.count("周铭祥") == 1
    assert not answerer.ask("东营市检察院的政治部主任是谁？").answered
    # Its 第二检察部主任 is named; a 第三检察部主任 is not, and another department's head does not answer.
    assert "解蔷" in answerer.ask("庆云县检察院的第二检察部主任是谁？").passages[0].quote
    assert not answerer.ask("庆云县检察院的第三检察部主任是谁？").answered


def test_a_question_about_another_city_is_refused_and_the_refusal_names_it(answerer):
    # Only 庆云县's article tells of the 电子送达平台; another article mentions 东营市, but not this one.
    assert answerer.ask("庆云县检察院什么时候自主研发了电子送达平台？").answered
    result = answerer.ask("东营市检察院什么时候自主研发了电子送达平台？")
    assert not result.answered and result.passages == ()
    assert "东营市" in result.message and "东营市" in result.message_en


def test_an_everyday_word_the_dictionary_tags_as_a_place_is_no_place(answerer):
    # jieba tags 上楼, 福利 and 入口 as places; no document mentions them, and that refuses nothing.
    words = answerer.index.tokenizer.words("刚买回来搬上楼，新员工有什么福利，入口在哪？")
    assert answerer.places(words) == ()
    result = answerer.ask("庆云县检察院什么时候自主研发了电子送达平台，上楼后去哪用？")
    assert "上楼" not in result.message
    assert answerer.places(answerer.index.tokenizer.words("深圳的检察院在哪？")) == ("深圳",)


def test_a_city_named_without_its_shi_is_one_the_document_must_name(answerer):
    # 北京 is in another article of the corpus, not in 庆云县's; 德州 is in 庆云县's.
    assert answerer.ask("德州庆云检察院什么时候自主研发了电子送达平台？").answered
    result = answerer.ask("北京的检察院什么时候自主研发了电子送达平台？")
    assert not result.answered and "“北京”" in result.message and "北京" in result.message_en


@pytest.mark.parametrize(
    ("place", "area"),
    [
        ("上海", True),
        ("山东", True),
        ("广州", True),
        ("德州", True),
        ("长度", False),
        ("商城", False),
        ("东营市", False),
    ],
)
def test_a_place_is_a_city_or_province_when_the_dictionary_knows_it_with_its_level(place, area):
    # 广州 ends in 州 but has no level; 长度 is tagged as a place by jieba; 商城 is a county (商城县) but mostly a
    # shopping mall; 东营市 has its level.
    assert _area_name(place) is area


def test_refused_passages_only_with_keep_refused(answerer):
    assert answerer.ask("今天天气怎么样", keep_refused=True).passages


@pytest.mark.parametrize(
    "question",
    ["", "   ", "\x00\x01", "\u200b\n\t", "问" * 10_000],
    ids=["empty", "spaces", "control", "invisible", "10000-chars"],
)
def test_bad_questions_raise_input_error_in_chinese(answerer, question):
    with pytest.raises(InputError, match="问题") as info:
        answerer.ask(question)
    assert _has_cjk(info.value.zh)
    assert info.value.en and not _has_cjk(info.value.en)
    assert info.value.to_dict()["code"] == "bad_input"


def test_too_long_question_names_the_limit(answerer):
    with pytest.raises(InputError, match="1000"):
        answerer.ask("问" * 10_000)


def test_non_text_question(answerer):
    with pytest.raises(InputError):
        answerer.ask(None)  # type: ignore[arg-type]


def test_control_characters_are_stripped_and_question_still_answered(answerer, answer):
    noisy = "庆云县检察院\x00什么时候\x07自主研发了\x1b电子送达平台？\u200b"
    result = answerer.ask(noisy, keep_refused=True)
    assert result.question == QUESTION
    assert [c.id for c in result.passages] == [c.id for c in answer.passages]
    assert any("今年3月" in c.quote for c in result.passages)


def test_top_k_limits_the_passages(answerer):
    assert len(answerer.ask(QUESTION, top_k=2, keep_refused=True).passages) == 2


def test_a_long_list_asked_for_is_filled_beyond_the_candidate_depth(answerer):
    from qa.search.retrieve import DEPTH

    passages = answerer.ask(QUESTION, top_k=3 * DEPTH, keep_refused=True).passages
    assert len(passages) == 3 * DEPTH  # the seed corpus has 85 passages, few of them near-duplicates
    assert len({p.id for p in passages}) == len(passages)


def test_refused_answer_suggests_the_closest_documents(answerer, seed_index):
    """A refusal names what the corpus does know (document titles), not nothing."""
    result = answerer.ask("如何申请美国签证？")
    assert not result.answered and result.passages == ()
    titles = {d.title for d in seed_index.documents.values()}
    assert 1 <= len(result.suggestions) <= 3 and set(result.suggestions) <= titles
    assert result.to_dict()["suggestions"] == list(result.suggestions)
