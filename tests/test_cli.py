"""The `qa` command, run in-process with the fake encoder standing in for the real model."""

from __future__ import annotations

import contextlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import write

from qa.cli import main

GBK_TEXT = "乐陵市检察院举办开放日活动\n\n乐陵市检察院日前举办检察开放日活动，邀请四十二名人大代表走进检察院。\n"
GOOD_TEXT = "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像，当事人可远程出庭。\n"
GBK_QUESTION = "乐陵市检察院开放日邀请了多少名人大代表？"
GOOD_QUESTION = "宁津县人民法院启用了几个智慧法庭？"


@dataclass
class Run:
    code: int
    out: str
    err: str


def run(argv: list[str]) -> Run:
    """Run `qa …` in-process, capturing stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return Run(code, out.getvalue(), err.getvalue())


def use_fake_model(mp: pytest.MonkeyPatch, corpus: Path, index: Path) -> None:
    """Point QA_CORPUS/QA_INDEX at `corpus`/`index`, with the fake encoder (QA_ENCODER=hash)."""
    mp.setenv("QA_CORPUS", str(corpus))
    mp.setenv("QA_INDEX", str(index))
    mp.setenv("QA_ENCODER", "hash")


@dataclass
class Built:
    corpus: Path
    index: Path
    first: Run
    second: Run


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    """A small corpus (GBK, UTF-8, empty and binary files) indexed twice with `qa index`."""
    root = tmp_path_factory.mktemp("cli")
    corpus, index = root / "corpus", root / "index"
    write(corpus / "gbk.txt", GBK_TEXT, encoding="gbk")
    write(corpus / "good.txt", GOOD_TEXT)
    write(corpus / "empty.txt", "")
    write(corpus / "binary.txt", bytes(range(256)) * 20)
    with pytest.MonkeyPatch.context() as mp:
        use_fake_model(mp, corpus, index)
        first = run(["index"])
        second = run(["index"])
    return Built(corpus, index, first, second)


@pytest.fixture
def cli(built, monkeypatch) -> Built:
    use_fake_model(monkeypatch, built.corpus, built.index)
    return built


def _one_error_line(result: Run) -> str:
    assert "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    return lines[0]


def test_index_reports_skipped_files(built):
    assert built.first.code == 0, built.first.err
    assert re.search(r"跳过 2 个文件", built.first.out), built.first.out
    assert re.search(r"2 篇文档", built.first.out), built.first.out
    assert "empty.txt" in built.first.err and "binary.txt" in built.first.err
    assert "Traceback" not in built.first.err


def test_index_timings_say_where_the_time_went(tmp_path, monkeypatch):
    write(tmp_path / "corpus" / "good.txt", GOOD_TEXT)
    use_fake_model(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    result = run(["index", "--timings"])
    assert result.code == 0, result.err
    line = next(x for x in result.out.splitlines() if x.startswith("各阶段用时 / time per stage: "))
    stages = dict(part.rsplit(" ", 2)[:2] for part in line.split(": ", 1)[1].split(" · "))
    assert {"read", "chunk", "encode", "kinds", "tokenize", "save"} <= stages.keys()
    assert all(float(seconds) >= 0 for seconds in stages.values())
    again = run(["index", "--timings"]).out  # up to date: the time spent finding that out
    assert "已是最新" in again and "time per stage: hash " in again
    assert "time per stage" not in run(["index"]).out  # only when asked


def test_index_twice_is_up_to_date(built):
    assert built.second.code == 0
    assert "已是最新" in built.second.out
    assert "已是最新" not in built.first.out
    assert re.search(r"跳过 2 个文件", built.second.out)


def test_index_says_when_it_moved_the_vector_index_to_the_type_its_size_calls_for(tmp_path, monkeypatch):
    from qa.search import faiss_store as store

    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write(corpus / "good.txt", GOOD_TEXT)
    write(corpus / "gbk.txt", GBK_TEXT, encoding="gbk")
    use_fake_model(monkeypatch, corpus, index)
    assert run(["index"]).code == 0
    monkeypatch.setattr(store, "EXACT_BELOW", 2)  # a newer version's rule: this size wants quantized codes
    moved = run(["index"])
    assert moved.code == 0, moved.err
    assert "已更新 / updated: +0 新增 · 0 更新 · 0 删除 · 向量索引按规模改为 pq-fp16 ×40" in moved.out, moved.out
    assert "vector index refitted to pq-fp16 ×40" in moved.out
    assert "已是最新" in run(["index"]).out


def test_ask_json_answers_from_the_gbk_file(cli):
    result = run(["ask", "--json", GBK_QUESTION])
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["question"] == GBK_QUESTION
    assert data["answered"] is True
    first = data["passages"][0]
    assert first["source"]["path"] == "gbk.txt"
    assert first["source"]["title"] == "乐陵市检察院举办开放日活动"
    assert "四十二名人大代表" in first["quote"]


def test_ask_plain_text_shows_quote_and_source(cli):
    result = run(["ask", GBK_QUESTION])
    assert result.code == 0, result.err
    assert "四十二名人大代表" in result.out
    assert "gbk.txt" in result.out
    assert "【" in result.out  # the quote is marked inside its passage


def test_ask_empty_question_exits_2(cli):
    result = run(["ask", ""])
    assert result.code == 2
    assert result.out == ""
    assert "问题不能为空" in _one_error_line(result)


def test_ask_too_long_question_exits_2(cli):
    result = run(["ask", "问" * 10_000])
    assert result.code == 2
    assert "问题过长" in _one_error_line(result)


def test_ask_without_question_exits_2(cli):
    result = run(["ask"])
    assert result.code == 2
    _one_error_line(result)


def test_ask_batch_writes_one_json_object_per_question(cli, tmp_path):
    questions = [GBK_QUESTION, GOOD_QUESTION, "乐陵市检察院举办了什么活动？"]
    batch = write(tmp_path / "questions.txt", f"{questions[0]}\n\n{questions[1]}\n   \n{questions[2]}\n")
    result = run(["ask", "--json", "--batch", str(batch)])
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert len(lines) == 3, result.out
    objects = [json.loads(line) for line in lines]
    assert [o["question"] for o in objects] == questions
    assert objects[0]["passages"][0]["source"]["path"] == "gbk.txt"
    assert objects[1]["passages"][0]["source"]["path"] == "good.txt"


def test_ask_batch_reports_a_bad_line_and_goes_on(cli, tmp_path):
    batch = write(tmp_path / "questions.txt", "问" * 2000 + "\n" + GBK_QUESTION + "\n")
    result = run(["ask", "--json", "--batch", str(batch)])
    assert result.code == 0, result.err
    objects = [json.loads(line) for line in result.out.strip().splitlines()]
    assert len(objects) == 2
    assert objects[0]["answered"] is False and objects[0]["error"]["code"] == "bad_input"
    assert objects[1]["passages"][0]["source"]["path"] == "gbk.txt"


def test_ask_without_index_exits_1_and_says_to_run_qa_index(built, monkeypatch, tmp_path):
    use_fake_model(monkeypatch, built.corpus, tmp_path / "no-index")
    result = run(["ask", GBK_QUESTION])
    assert result.code == 1
    assert result.out == ""
    assert "qa index" in _one_error_line(result)


def test_ask_after_corpus_change_says_to_run_qa_index(built, monkeypatch, tmp_path):
    import shutil

    corpus = tmp_path / "corpus"
    shutil.copytree(built.corpus, corpus)
    write(corpus / "new.txt", GOOD_TEXT.replace("宁津县", "武城县"))
    use_fake_model(monkeypatch, corpus, built.index)
    result = run(["ask", GBK_QUESTION])
    assert result.code == 1
    assert "qa index" in _one_error_line(result)


def test_top_k_out_of_range_exits_2(cli):
    result = run(["ask", "--top-k", "0", GBK_QUESTION])
    assert result.code == 2
    _one_error_line(result)


def test_serve_loads_the_index_while_gradio_is_imported_and_answers(cli, monkeypatch):
    import uvicorn
    from fastapi.testclient import TestClient

    started: list = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: started.append(app))
    result = run(["serve", "--port", "7999"])
    assert result.code == 0, result.err
    (app,) = started
    answer = TestClient(app).post("/api/ask", json={"question": GOOD_QUESTION}).json()
    assert answer["passages"][0]["quote"].startswith("宁津县人民法院近日启用三个智慧法庭")


def test_serve_without_index_exits_1_before_listening(built, monkeypatch, tmp_path):
    import uvicorn

    use_fake_model(monkeypatch, built.corpus, tmp_path / "no-index")
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: pytest.fail("the server started"))
    result = run(["serve"])
    assert result.code == 1
    assert "qa index" in _one_error_line(result)


def test_inspect_shows_passages_with_their_article_and_what_was_dropped(tmp_path):
    write(
        tmp_path / "rules.md",
        "# 会议室使用规定\n\n2023年2月1日 办公室印发\n\n## 第一章 预约\n\n第一条 会议室须提前一天在系统中预约。\n\n"
        "第二条 预约有下列情形之一的，视为无效：\n（一）未填写使用部门的；\n（二）超过四小时的。\n\n"
        "第三条 本规定自印发之日起施行。\n\n![平面图](plan.png)\n",
    )
    result = run(["inspect", str(tmp_path / "rules.md")])
    assert result.code == 0, result.err
    assert "标题 / title: 会议室使用规定" in result.out and "日期 / date: 2023-02-01" in result.out
    assert (
        "第一章 预约 › 第二条\n    第二条 预约有下列情形之一的，视为无效：\n    （一）未填写使用部门的；" in result.out
    )
    assert "图片 / image: ![平面图](plan.png)" in result.out
    data = json.loads(run(["inspect", "--json", str(tmp_path / "rules.md")]).out)
    assert [p["label"] for p in data["passages"]] == [None, "第一条", "第二条", "第三条"]
    assert data["headings"] == [{"level": 1, "text": "第一章 预约"}] and data["skipped"] is None


def test_inspect_says_why_a_file_is_skipped_and_refuses_what_it_cannot_read(tmp_path):
    write(tmp_path / "empty.txt", "")
    data = json.loads(run(["inspect", "--json", str(tmp_path / "empty.txt")]).out)
    assert data["skipped"] == "空文件 / empty file" and data["passages"] == []
    missing = run(["inspect", str(tmp_path / "nope.md")])
    assert missing.code == 2 and "nope.md" in _one_error_line(missing)
    write(tmp_path / "a.exe", b"MZ")
    wrong = run(["inspect", str(tmp_path / "a.exe")])
    assert wrong.code == 2 and "unsupported file type" in _one_error_line(wrong)


def test_index_warns_about_a_file_that_cleaning_mostly_removed(tmp_path, monkeypatch):
    legal = "\n".join(f"友情链接{n} | 版权所有 某某网 京ICP备1234567{n}号" for n in range(12))
    write(tmp_path / "corpus" / "page.txt", f"社区活动安排\n\n这是正文的一句话，讲述了社区活动的安排。\n\n{legal}\n")
    use_fake_model(monkeypatch, tmp_path / "corpus", tmp_path / "index")
    result = run(["index"])
    assert result.code == 0
    assert "page.txt" in result.err and "cleaning kept" in result.err and "qa inspect" in result.err
