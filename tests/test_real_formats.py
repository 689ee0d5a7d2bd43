"""Real-model tests over documents of every kind (regulation, manual, notes, outline, one-line page,
page-break text) mixed with the bundled corpus, through `qa index` and `qa ask --json --batch`.

The answer must be inside the first quote, from the right file; off-topic questions are refused.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.real

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ROOT / "tests" / "data" / "formats"
# question → (file, text inside the first quote)
ANSWERABLE = {
    "临时停放的车辆每天最多收多少停车费？": ("parking_rules.md", "每日最高不得超过三十元"),
    "总质量超过多少的车辆不能进入居住区？": ("parking_rules.md", "车辆总质量超过十吨"),
    "新建居住区每户要配建多少个停车位？": ("parking_rules.md", "一点二个车位"),
    "第二条是怎么规定的？": ("parking_rules.md", "本办法适用于本市行政区域内居住区的停车管理活动"),
    # The title's words and how the question asks (是怎么规定的) ask nothing beyond the article: it is quoted from
    # its start, not at the item that happens to hold 规定.
    "停车管理办法第四条是怎么规定的？": ("parking_rules.md", "第四条 有下列情形之一的"),
    # About the document itself: the adoption line and the article saying when it takes effect.
    "停车管理办法是在哪次会议上通过的？": ("parking_rules.md", "第三十二次常务会议"),
    "停车管理办法什么时候生效？": ("parking_rules.md", "2022年8月1日起施行"),  # 生效 where it says 施行
    "电热水壶最多能加多少水？": ("kettle_manual.txt", "1.7升"),
    "热水壶里的水垢怎么清除？": ("kettle_manual.txt", "白醋"),
    "bge-base-zh的向量维度是多少？": ("study_notes.md", "768"),
    "显存优化有哪些方法？": ("outline.md", "混合精度"),
    "天文观测台什么时候向学生开放？": ("oneline_news.txt", "每周三和周六晚上"),
    "社区图书室今年新购了多少册图书？": ("pagebreak.txt", "八百册"),
    # Two lines side by side: the paragraph about S2线 repeats every word asked about S1线, and names S1线 too.
    "S1线设了几座车站？": ("metro_news.txt", "设车站12座"),
    "S2线全长多少公里？": ("metro_news.txt", "21.7公里"),
    # The line most like the question is a topic or an FAQ's question; the answer is the line after it.
    "会议室应该怎么预约？": ("office_faq.md", "提前一天预约"),
    "快递应该寄到哪里？": ("office_faq.md", "一楼收发室"),
    "访客停车收费吗？": ("office_faq.md", "免费停车两小时"),
}
OFF_TOPIC = ["今天天气怎么样？", "深圳的住房公积金怎么提取？", "GPT-4有多少参数？", "如何申请美国签证？"]


def _qa(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], input=stdin, capture_output=True, text=True, env=env, timeout=600, cwd=ROOT
    )


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("formats")
    corpus = root / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    for path in FORMATS.iterdir():
        shutil.copy(path, corpus / path.name)
    env = {**os.environ, "QA_CORPUS": str(corpus), "QA_INDEX": str(root / "index")}
    done = _qa("index", env=env)
    assert done.returncode == 0, done.stderr
    assert "跳过 0 个文件" in done.stdout
    questions = [*ANSWERABLE, *OFF_TOPIC]
    done = _qa("ask", "--json", "--batch", "-", env=env, stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    return {row["question"]: row for row in map(json.loads, done.stdout.splitlines())}


@pytest.mark.parametrize("question", list(ANSWERABLE))
def test_the_answer_is_inside_the_first_quote_from_the_right_file(answers: dict[str, dict], question: str) -> None:
    path, expected = ANSWERABLE[question]
    answer = answers[question]
    assert answer["answered"], answer["message"]
    first = answer["passages"][0]
    assert first["source"]["path"] == path
    assert expected in first["quote"], first["quote"]
    assert "<" not in first["text"] and "](" not in first["text"]


def test_a_regulation_passage_is_cited_by_chapter_and_article(answers: dict[str, dict]) -> None:
    first = answers["总质量超过多少的车辆不能进入居住区？"]["passages"][0]
    assert first["source"]["section"] == "第二章 车位使用 › 第四条"
    assert first["source"]["date"] == "2022-06-15"
    assert first["text"].startswith("第四条 有下列情形之一的")  # the item comes with its lead-in


@pytest.mark.parametrize("question", OFF_TOPIC)
def test_off_topic_questions_are_refused(answers: dict[str, dict], question: str) -> None:
    assert not answers[question]["answered"]
    assert answers[question]["passages"] == []
