"""The console's parts on their own: upload names and contents, the question log's limits, the overrides file."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from qa.admin.conversations import Conversations, Origin, Recorder
from qa.admin.library import check_content, safe_name
from qa.admin.overrides import Overrides
from qa.answer.results import Answer, Citation, Source
from qa.errors import InputError


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("规定.md", "规定.md"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\me\\报告.PDF", "报告.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("a\u202etxt.exe.md", "atxt.exe.md"),  # a right-to-left override would disguise the type
        ("a<b>:c.html", "a_b__c.html"),
    ],
)
def test_an_upload_name_becomes_a_plain_file_name(given: str, expected: str):
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["", "..", "/", "tool.exe", "notes", "x.meta.json", "report.doc", "URLs.txt"])
def test_an_upload_name_without_a_supported_type_is_refused(given: str):
    with pytest.raises(InputError):
        safe_name(given)


def test_a_long_upload_name_keeps_its_type():
    name = safe_name("长" * 300 + ".docx")
    assert name.endswith(".docx") and len(name) <= 120


def test_contents_over_the_limit_empty_or_a_zip_bomb_are_refused():
    with pytest.raises(InputError, match="too large"):
        check_content("a.txt", b"x" * 11, 10)
    with pytest.raises(InputError, match="empty"):
        check_content("a.txt", b"", 10)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (20 * 1024 * 1024))
    with pytest.raises(InputError, match="zip bomb"):
        check_content("a.docx", bomb.getvalue(), 10 * 1024 * 1024)
    check_content("a.docx", b"PK\x03\x04 damaged", 1024)  # damaged: accepted, indexing says why


def _answer(question: str, answered: bool = True) -> Answer:
    source = Source("d1", "标题", None, None, None, "a.txt", None, 1)
    passages = (Citation(1, "d1-1-0", "正文。", "正文。", 0, 3, 1.0, source),) if answered else ()
    return Answer(question, answered, "", passages)


def test_the_log_keeps_the_newest_rows_under_its_cap(tmp_path: Path):
    log = Conversations(tmp_path / "c.sqlite", max_rows=100, days=0, keep_ip=False)
    for n in range(130):
        log.record(_answer(f"问题{n}"), Origin("api", ip="10.0.0.1"))
    log.prune()
    total, rows = log.rows(limit=500)
    assert total == 100 and rows[0]["question"] == "问题129" and rows[-1]["question"] == "问题30"
    assert all(r["ip"] is None for r in rows)  # addresses only with QA_LOG_IP=1


def test_the_log_forgets_rows_past_its_retention(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    log = Conversations(tmp_path / "c.sqlite", max_rows=1000, days=1, keep_ip=True)
    log.record(_answer("旧问题"), Origin("chat", ip="10.0.0.1"))
    later = time.time() + 2 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    log.record(_answer("新问题"), Origin("chat", ip="10.0.0.2"))
    log.prune()
    _, rows = log.rows()
    assert [(r["question"], r["ip"]) for r in rows] == [("新问题", "10.0.0.2")]


def test_csv_cells_never_start_a_formula(tmp_path: Path):
    log = Conversations(tmp_path / "c.sqlite", max_rows=100, days=0, keep_ip=False)
    log.record(_answer('=HYPERLINK("http://x")'), Origin("api", site="+cmd", page="@SUM(1)"))
    text = log.csv()
    assert "'=HYPERLINK" in text and "'+cmd" in text and "'@SUM(1)" in text and text.startswith("\ufeff")


def test_feedback_tokens_cannot_be_forged(tmp_path: Path):
    recorder = Recorder(Conversations(tmp_path / "c.sqlite", max_rows=100, days=0, keep_ip=False))
    token = recorder.record(_answer("问题"), "chat", {}, None)
    assert recorder.rate(token, True)
    ask_id = token.split(".")[0]
    assert not recorder.rate(f"{ask_id}.forged", False) and not recorder.rate("abc", False)
    assert recorder.log.rows()[1][0]["rating"] == 1


def test_overrides_survive_a_restart_and_match_paraphrases_by_vector(tmp_path: Path):
    path = tmp_path / "console.json"
    vector = np.zeros(8, dtype=np.float32)
    vector[0] = 1.0
    first = Overrides(path)
    first.set_enabled("a.txt#123", False)
    first.pin("附近哪里可以充电？", vector, "a.txt#456", "标题", "引文")
    first.mark_out_of_scope("今天天气怎么样？", vector)
    again = Overrides(path)
    assert again.disabled() == {"a.txt#123"}
    assert [p["question"] for p in again.pins()] == ["附近哪里可以充电？"]
    assert again.is_out_of_scope(vector)
    other = np.zeros(8, dtype=np.float32)
    other[1] = 1.0
    assert not again.is_out_of_scope(other)
    assert not again.is_out_of_scope(np.ones(4, dtype=np.float32))  # a vector of another model matches nothing
    again.set_enabled("a.txt#123", True)
    assert Overrides(path).disabled() == set()
