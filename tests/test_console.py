"""The site owner's console through its HTTP API: sign-in, documents, indexing, overrides, log and report.

Every test runs a server over its own small corpus with the fake encoder (QA_ENCODER=hash).
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from helpers import write

from qa.admin.auth import FAILURE_WINDOW, MAX_FAILURES, Auth, LockedOut
from qa.config import Settings
from qa.live import LiveAnswerer
from qa.server import create_app
from qa.service import index_corpus, open_answerer

TOKEN = "console-token-0123456789"
PARKING = (
    "# 停车管理规定\n\n## 第一章 总则\n\n第一条 小区内临时停车超过四小时的，每日最多收取三十元。\n\n"
    "第二条 总质量超过十吨的车辆不得进入小区。\n\n第三条 本规定自发布之日起施行。\n"
)
LIBRARY = "图书馆开放时间\n\n市图书馆每周二至周日九点开放，周一闭馆整理。\n\n读者证工本费为五元，借书无需押金。\n"


class Console:
    """A running console: the HTTP client, its anti-CSRF header and the folders."""

    def __init__(self, root: Path, **env: str) -> None:
        self.corpus, self.index = root / "corpus", root / "index"
        settings = Settings.from_env(
            {"QA_ENCODER": "hash", "QA_CORPUS": str(self.corpus), "QA_INDEX": str(self.index),
             "QA_ADMIN_TOKEN": TOKEN, "QA_RATE_LIMIT": "0", "QA_ALLOWED_ORIGINS": "https://shop.example.cn", **env}
        )  # fmt: skip
        index_corpus(settings)
        self.live = LiveAnswerer(settings, open_answerer(settings))
        self.client = TestClient(create_app(self.live, settings))
        self.csrf = ""

    def sign_in(self) -> Console:
        response = self.client.post("/api/admin/login", json={"token": TOKEN})
        assert response.status_code == 200, response.text
        self.csrf = response.json()["csrf"]
        return self

    def call(self, method: str, path: str, **kwargs: object):
        headers = {"X-CSRF-Token": self.csrf}
        return self.client.request(method, f"/api/admin{path}", headers=headers, **kwargs)  # type: ignore[arg-type]

    def upload(self, *files: tuple[str, bytes]):
        return self.call("POST", "/documents", files=[("files", (name, data)) for name, data in files])

    def wait(self, timeout: float = 30.0) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            jobs = self.call("GET", "/jobs").json()
            if not jobs["busy"] and all(f["status"] in ("indexed", "failed") for f in jobs["files"]):
                return jobs
            time.sleep(0.05)
        raise AssertionError(f"indexing did not finish: {jobs}")

    def ask(self, question: str, **headers: str) -> dict:
        return self.client.post("/api/ask", json={"question": question}, headers=headers).json()

    def docs(self) -> dict[str, dict]:
        return {d["path"]: d for d in self.call("GET", "/documents").json()["documents"]}


@pytest.fixture
def console(tmp_path: Path) -> Console:
    write(tmp_path / "corpus" / "parking.md", PARKING)
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    return Console(tmp_path).sign_in()


def test_without_a_session_only_the_sign_in_page_answers(tmp_path: Path):
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    visitor = Console(tmp_path).client
    page = visitor.get("/admin")
    assert page.status_code == 200 and 'type="password"' in page.text and TOKEN not in page.text
    assert (
        page.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    for method, path in [("GET", "/documents"), ("GET", "/jobs"), ("GET", "/conversations"), ("GET", "/report"),
                         ("GET", "/conversations.csv"), ("POST", "/test"), ("POST", "/reindex"), ("DELETE", "/pins")]:  # fmt: skip
        response = visitor.request(method, f"/api/admin{path}")
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized", path
    assert visitor.get("/api/admin/session").status_code == 401
    assert visitor.get("/admin/secret.txt").status_code == 404  # only the page's own script and style sheet


def test_a_server_without_an_admin_token_has_no_console(tmp_path: Path):
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", encoder="hash")
    index_corpus(settings)
    client = TestClient(create_app(LiveAnswerer(settings, open_answerer(settings)), settings))
    assert client.post("/api/admin/login", json={"token": TOKEN}).status_code == 404
    assert client.get("/api/admin/documents").status_code == 404


def test_sign_in_sets_an_httponly_strict_cookie_and_a_wrong_token_is_refused(tmp_path: Path):
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    console = Console(tmp_path)
    wrong = console.client.post("/api/admin/login", json={"token": "not-the-token-at-all"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "wrong_token"
    right = console.client.post("/api/admin/login", json={"token": TOKEN})
    cookie = right.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
    assert console.client.get("/api/admin/session").json()["csrf"] == right.json()["csrf"]
    console.csrf = right.json()["csrf"]
    assert console.call("POST", "/logout").status_code == 200
    assert console.call("GET", "/documents").status_code == 401


def test_failed_sign_ins_are_slowed_then_locked_out_per_client():
    now = [0.0]
    waits: list[float] = []
    auth = Auth(TOKEN, clock=lambda: now[0], sleep=waits.append)
    for _ in range(MAX_FAILURES):
        assert auth.sign_in("1.2.3.4", "wrong") is None
    assert waits == sorted(waits) and waits[0] > 0  # each failure waits longer
    with pytest.raises(LockedOut):
        auth.sign_in("1.2.3.4", TOKEN)  # even the right token, until the window passes
    assert auth.sign_in("5.6.7.8", TOKEN) is not None  # another client is not locked out
    now[0] += FAILURE_WINDOW + 1
    assert auth.sign_in("1.2.3.4", TOKEN) is not None


def test_changes_need_the_csrf_header_or_the_bearer_token(console: Console):
    no_header = console.client.post("/api/admin/reindex")
    assert no_header.status_code == 403 and no_header.json()["error"]["code"] == "csrf"
    wrong = console.client.post("/api/admin/reindex", headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    script = TestClient(console.client.app)  # no cookie at all: a script with the bearer token
    assert script.post("/api/admin/reindex", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert script.post("/api/admin/reindex", headers={"Authorization": "Bearer wrong"}).status_code == 401
    console.wait()


def test_an_uploaded_file_goes_to_indexed_and_the_chat_answers_from_it(console: Console):
    before = console.ask("会议室要提前多久预约？")
    assert all("会议室" not in p["text"] for p in before["passages"])
    response = console.upload(("会议室规定.md", "# 会议室规定\n\n第一条 会议室须提前一天在系统中预约。\n".encode()))
    [item] = response.json()["files"]
    assert item["status"] == "queued" and item["name"] == "会议室规定.md"
    jobs = console.wait()
    assert {f["path"]: f["status"] for f in jobs["files"]}["会议室规定.md"] == "indexed"
    answer = console.ask("会议室要提前多久预约？")
    assert answer["passages"][0]["text"] == "第一条 会议室须提前一天在系统中预约。"
    listed = console.docs()["会议室规定.md"]
    assert listed["status"] == "indexed" and listed["passages"] == 1 and listed["indexed"]


def test_bad_uploads_are_refused_with_the_reason_and_nothing_lands_outside_the_corpus(tmp_path: Path):
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    console = Console(tmp_path, QA_UPLOAD_MB="1").sign_in()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"0" * (150 * 1024 * 1024))  # 150 MB of zeros in a few hundred KB
    files = console.upload(
        ("big.txt", "大".encode() * (1024 * 1024)),  # 3 MB > 1 MB
        ("tool.exe", b"MZ\x90\x00"),
        ("report.docx", bomb.getvalue()),
        ("../../etc/passwd.txt", "不该写到语料之外的文字，但名字里有路径。".encode()),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf"),
    ).json()["files"]
    by_name = {f["name"]: f for f in files}
    assert by_name["big.txt"]["status"] == "refused" and "too large" in by_name["big.txt"]["reason"]
    assert by_name["tool.exe"]["status"] == "refused" and "unsupported file type" in by_name["tool.exe"]["reason"]
    assert by_name["report.docx"]["status"] == "refused" and "zip bomb" in by_name["report.docx"]["reason"]
    assert by_name["passwd.txt"]["status"] == "queued"  # the path is dropped, the name kept
    assert by_name["broken.pdf"]["status"] == "queued"  # accepted, and then reported as unreadable
    console.wait()
    assert sorted(p.name for p in console.corpus.iterdir()) == ["broken.pdf", "library.txt", "passwd.txt"]
    assert not (tmp_path / "etc").exists()
    listed = console.docs()
    assert listed["broken.pdf"]["status"] == "failed" and "PDF" in listed["broken.pdf"]["reason"]
    assert listed["passwd.txt"]["status"] == "indexed"


def test_a_body_over_the_upload_limit_is_refused_before_it_is_read(tmp_path: Path):
    write(tmp_path / "corpus" / "library.txt", LIBRARY)
    console = Console(tmp_path, QA_UPLOAD_MB="1").sign_in()
    huge = b"x" * (30 * 1024 * 1024)
    response = console.upload(("huge.txt", huge))
    assert response.status_code == 413 and response.json()["error"]["code"] == "body_too_large"


def test_concurrent_uploads_all_reach_indexed(console: Console):
    def send(n: int) -> None:
        console.upload((f"通知{n}.txt", f"第{n}号通知\n\n本周第{n}次会议在{n}号会议室召开，请准时参加。\n".encode()))

    threads = [threading.Thread(target=send, args=(n,)) for n in range(1, 6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    console.wait()
    listed = console.docs()
    assert all(listed[f"通知{n}.txt"]["status"] == "indexed" for n in range(1, 6))
    assert len(console.live.current.index.documents) == 7


def test_editing_metadata_writes_the_sidecar_and_the_answer_cites_it(console: Console):
    doc_id = console.docs()["library.txt"]["doc_id"]
    response = console.call("PUT", f"/documents/{doc_id}/meta", json={"title": "市图书馆服务指南", "date": "2024-05-01",
                                                                      "url": "https://lib.example.cn/guide"})  # fmt: skip
    assert response.status_code == 200
    console.wait()
    sidecar = console.corpus / "library.txt.meta.json"
    assert '"title": "市图书馆服务指南"' in sidecar.read_text(encoding="utf-8")
    source = console.ask("读者证工本费多少钱？")["passages"][0]["source"]
    assert (source["title"], source["date"], source["url"]) == (
        "市图书馆服务指南",
        "2024-05-01",
        "https://lib.example.cn/guide",
    )
    bad = console.call("PUT", f"/documents/{doc_id}/meta", json={"date": "May 1"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["error"]["message_en"]
    assert console.call("PUT", f"/documents/{doc_id}/meta", json={"url": "javascript:alert(1)"}).status_code == 400


def test_deleting_a_document_removes_its_file_and_its_passages(console: Console):
    doc_id = console.docs()["parking.md"]["doc_id"]
    assert console.call("DELETE", f"/documents/{doc_id}").json()["path"] == "parking.md"
    console.wait()
    assert not (console.corpus / "parking.md").exists()
    assert doc_id not in console.live.current.index.documents
    assert all(p["source"]["path"] != "parking.md" for p in console.ask("停车费每天最多多少？")["passages"])
    assert console.call("DELETE", "/documents/../../etc").status_code in (400, 404)


def test_a_passage_turned_off_is_never_quoted_and_stays_off_after_reindexing(console: Console):
    doc_id = console.docs()["parking.md"]["doc_id"]
    detail = console.call("GET", f"/documents/{doc_id}").json()
    target = next(p for p in detail["passages"] if "三十元" in p["text"])
    assert target["enabled"] is True and detail["parser"] == "markdown+structured"
    assert console.call("PUT", f"/passages/{target['id']}", json={"enabled": False}).status_code == 200
    assert all("三十元" not in p["text"] for p in console.ask("临时停车每天最多收多少钱？")["passages"])
    console.call("POST", f"/documents/{doc_id}/reindex")
    console.wait()
    assert all("三十元" not in p["text"] for p in console.ask("临时停车每天最多收多少钱？")["passages"])
    detail = console.call("GET", f"/documents/{doc_id}").json()
    assert [p["enabled"] for p in detail["passages"] if "三十元" in p["text"]] == [False]
    console.call("PUT", f"/passages/{target['id']}", json={"enabled": True})
    assert any("三十元" in p["text"] for p in console.ask("临时停车每天最多收多少钱？")["passages"])


def test_retrieval_testing_shows_the_quote_features_terms_and_decision(console: Console):
    result = console.call("POST", "/test", json={"question": "总质量超过多少的车辆不得进入小区？"}).json()
    first = result["passages"][0]
    assert first["text"].startswith("第二条") and first["quote"] in first["text"]
    assert {f["name"] for f in first["features"]} >= {"bm25_rel", "dense", "cover"}
    assert "车辆" in first["matched_terms"] and result["answered"] in (True, False)
    assert result["terms"] and "no_answer_probability" in result
    assert console.call("POST", "/test", json={"question": " "}).status_code == 400


def test_a_dictionary_term_is_kept_whole_and_survives_indexing(console: Console):
    response = console.call("POST", "/dictionary", json={"term": "质量超过十吨"})
    assert response.status_code == 200 and response.json()["passages_retokenized"] == 1
    console.wait()
    assert "质量超过十吨" in console.live.current.index.tokenizer.terms
    assert "质量超过十吨" in (console.index / "terms.txt").read_text(encoding="utf-8")
    assert console.call("GET", "/dictionary").json()["terms"] == ["质量超过十吨"]
    assert console.call("POST", "/dictionary", json={"term": "x"}).status_code in (400, 422)


def test_questions_are_logged_with_their_source_and_feedback_and_exported(console: Console):
    answer = console.ask(
        "读者证工本费多少钱？", origin="https://shop.example.cn", referer="https://shop.example.cn/help"
    )
    console.ask("今天天气怎么样？", **{"x-qa-source": "widget"})
    assert console.client.post("/api/feedback", json={"ask_id": answer["ask_id"], "liked": False}).status_code == 200
    forged = answer["ask_id"].split(".")[0] + ".0000"
    assert console.client.post("/api/feedback", json={"ask_id": forged, "liked": True}).status_code == 404
    rows = console.call("GET", "/conversations").json()["rows"]
    assert [r["source"] for r in rows] == ["widget", "api"]
    api_row = rows[1]
    assert api_row["site"] == "https://shop.example.cn" and api_row["page"] == "https://shop.example.cn/help"
    assert api_row["rating"] == -1 and api_row["ip"] is None  # no address unless QA_LOG_IP=1
    refused = console.call("GET", "/conversations?answered=false").json()["rows"]
    assert [r["question"] for r in refused] == ["今天天气怎么样？"]
    csv = console.call("GET", "/conversations.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "读者证工本费多少钱？" in csv.text


def test_the_report_groups_unanswered_questions_and_a_pin_answers_them(console: Console):
    for _ in range(3):
        console.ask("附近哪里可以充电？")
    console.ask("今天天气怎么样？")
    groups = console.call("GET", "/report").json()["groups"]
    assert [g["count"] for g in groups][:2] == [3, 1] and groups[0]["question"] == "附近哪里可以充电？"
    passage = next(c for c in groups[0]["closest"])
    assert (
        console.call("POST", "/pins", json={"question": "附近哪里可以充电？", "passage_id": passage["id"]}).status_code
        == 200
    )
    answer = console.ask("附近哪里可以充电？")
    assert answer["answered"] and answer["passages"][0]["id"] == passage["id"]
    console.call("POST", "/out-of-scope", json={"question": "今天天气怎么样？"})
    questions = [g["question"] for g in console.call("GET", "/report").json()["groups"]]
    assert "今天天气怎么样？" not in questions
    assert console.call("GET", "/report").json()["pins"][0]["question"] == "附近哪里可以充电？"
    assert console.call("DELETE", "/pins", params={"question": "附近哪里可以充电？"}).json() == {"removed": True}


def test_documents_are_searched_and_sorted(console: Console):
    listed = console.call("GET", "/documents", params={"q": "停车"}).json()["documents"]
    assert [d["path"] for d in listed] == ["parking.md"]
    by_size = console.call("GET", "/documents", params={"sort": "size", "order": "desc"}).json()["documents"]
    assert [d["size"] for d in by_size] == sorted((d["size"] for d in by_size), reverse=True)


def test_the_console_endpoints_are_in_the_openapi_document(console: Console):
    paths = console.client.get("/openapi.json").json()["paths"]
    assert {"/api/admin/login", "/api/admin/documents", "/api/admin/test", "/api/admin/report", "/api/feedback"} <= set(
        paths
    )
