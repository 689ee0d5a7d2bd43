"""Brackets: a rule that answers by ranges of a quantity (满1年不满10年的，年休假5天；满10年不满20年的，年休假10天) is quoted
at the range that holds what the question states of itself (我累计工作12年了)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from helpers import write

from qa.answer.engine import Answerer
from qa.ingest.corpus import load_corpus
from qa.search.edits import build
from qa.text.brackets import Bracket, asked_quantities, brackets, narrowest, outside


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("累计工作年限满1年不满10年的，年休假5天；", [Bracket("年", 1, 10, high_in=False)]),
        ("（一）70周岁至79周岁的，每人每月100元；", [Bracket("岁", 70, 79)]),
        ("成人票：18周岁（含）至59周岁游客", [Bracket("岁", 18, 59)]),
        ("6～11岁儿童须在成人监护下使用", [Bracket("岁", 6, 11)]),
        ("65周岁及以上老年人免票", [Bracket("岁", 65)]),
        ("请假3天以上、7天以内，由部门经理审核后报分管副总审批；", [Bracket("天", 3, 7)]),
        ("单笔金额2000元（含）以下，由部门负责人审批；", [Bracket("元", high=2000)]),
        ("单笔金额2000元以上至20000元（含），由财务总监审批；", [Bracket("元", 2000, 20000)]),
        ("超过两万元的，由总经理审批。", [Bracket("元", 20000, low_in=False)]),
        ("租期3年，自2024年3月1日起至2027年2月28日止。", []),  # a bare quantity and dates bound nothing
    ],
)
def test_the_brackets_a_rule_states(sentence: str, expected: list[Bracket]):
    assert brackets(sentence) == expected


def test_what_a_question_states_of_itself_and_what_it_only_asks():
    assert asked_quantities("我爸今年七十二岁，每个月能领多少高龄津贴？") == {"岁": 72}
    assert asked_quantities("我累计工作12年了，年假能有几天") == {"年": 12}
    assert asked_quantities("单笔超过两万元的报销需要谁审批？")["元"] > 20000  # just past the bound it names
    for question in ("年假能有几天？", "国家助学金一年能拿多少？", "物业费每月交多少？", "2025年加装了几部电梯？"):
        assert asked_quantities(question) == {}


def test_a_range_that_leaves_the_quantity_out_is_never_the_quote_and_the_narrowest_that_holds_it_is():
    sentences = [
        "员工连续工作满一年后，可享受带薪年休假。",
        "满1年不满10年的，年休假5天；",
        "满10年不满20年的，年休假10天；",
    ]
    asked = {"年": 12.0}
    assert outside(sentences, asked) == [False, True, False]
    assert narrowest(sentences, asked) == [False, False, True]
    assert Bracket("年", 10, 20, high_in=False).holds(10) and not Bracket("年", 10, 20, high_in=False).holds(20)
    assert Bracket("岁", 65).high == math.inf


def _answerer(folder: Path, encoder) -> Answerer:
    return Answerer(build(load_corpus(folder).documents, encoder, max_chars=300, min_chars=12), encoder, refusal=None)


def test_a_question_that_states_its_own_quantity_is_quoted_at_the_bracket_that_holds_it(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "handbook.txt",
        "员工手册\n\n一、年休假\n员工在公司连续工作满一年后，可享受带薪年休假。累计工作年限满1年不满10年的，年休假5天；"
        "满10年不满20年的，年休假10天；满20年的，年休假15天。当年未休完的年休假可顺延至次年3月31日。\n\n"
        "二、请假审批\n请假3天以内（含3天），由部门经理审批；请假3天以上、7天以内，由部门经理审核后报分管副总审批；"
        "请假7天以上，须经总经理审批。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    assert answerer.ask("我累计工作12年了，年假能有几天").passages[0].quote == "满10年不满20年的，年休假10天；"
    assert answerer.ask("我累计工作25年了，年假能有几天").passages[0].quote == "满20年的，年休假15天。"
    quote = answerer.ask("请假5天需要谁来审批？", keep_refused=True).passages[0].quote
    assert quote == "请假3天以上、7天以内，由部门经理审核后报分管副总审批；"


def test_the_passage_whose_bracket_holds_the_quantity_comes_before_one_with_none(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "allowance.txt",
        "某市高龄津贴发放办法\n\n第一条 为了提高高龄老年人生活质量，制定本办法。\n\n"
        "第七条 高龄津贴按照年龄段分档发放，具体标准如下：\n（一）70周岁至79周岁的，每人每月100元；\n"
        "（二）80周岁至89周岁的，每人每月200元；\n（三）90周岁以上的，每人每月400元。\n\n"
        "第九条 高龄津贴自申请人符合条件的次月起发放，每个月高龄津贴由民政部门按月发放到本人的社会保障卡。\n",
    )
    first = _answerer(tmp_path, fake_encoder).ask("我爸今年七十二岁，每个月能领多少高龄津贴？", keep_refused=True)
    assert first.passages[0].quote.endswith("（一）70周岁至79周岁的，每人每月100元；")
