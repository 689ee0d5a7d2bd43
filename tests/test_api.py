"""HTTP API tests (FastAPI TestClient over the seed corpus, fake encoder only)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from helpers import write

from qa.answer.engine import Answerer
from qa.api.app import create_api
from qa.api.limits import RateLimiter
from qa.config import MAX_BODY, MAX_CHARS, MIN_CHARS, Settings
from qa.errors import ConfigError
from qa.ingest.corpus import load_corpus
from qa.search.edits import build
from qa.server import create_app
from qa.ui.cards import answer_html

QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"
ALLOWED = "http://localhost:8001"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def client(answerer) -> TestClient:
    """One app for the module; unlimited rate so the test count never trips the limiter."""
    return TestClient(create_app(answerer, Settings(rate_limit=0)), raise_server_exceptions=False)


def fresh(answerer: Answerer, **settings: object) -> TestClient:
    return TestClient(create_app(answerer, Settings(**settings)), raise_server_exceptions=False)  # type: ignore[arg-type]


def ask(client: TestClient, **body: object):
    return client.post("/api/ask", json=body)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "Traceback" not in response.text
    err = response.json()["error"]
    assert set(err) == {"code", "message", "message_en"}
    if code is not None:
        assert err["code"] == code
    assert CJK.search(err["message"]), err
    assert err["message_en"] and not CJK.search(err["message_en"]), err
    return err


def test_ask_issue_question(client):
    r = ask(client, question=QUESTION)
    assert r.status_code == 200
    data = r.json()
    assert data["answered"] is True
    assert isinstance(data["took_ms"], (int, float)) and data["took_ms"] >= 0
    first = data["passages"][0]
    assert first["quote"].startswith("今年3月")
    assert first["text"][first["quote_start"] : first["quote_end"]] == first["quote"]
    assert first["source"]["title"]
    for p in data["passages"]:
        assert p["text"][p["quote_start"] : p["quote_end"]] == p["quote"]


@pytest.mark.parametrize("top_k", [1, 2])
def test_ask_top_k_respected(client, top_k):
    passages = ask(client, question=QUESTION, top_k=top_k).json()["passages"]
    assert 1 <= len(passages) <= top_k


def test_ask_followup_uses_history(client):
    alone = ask(client, question="它是什么时候研发的？").json()
    follow = ask(client, question="它是什么时候研发的？", history=[QUESTION]).json()
    assert alone["followup_of"] is None
    assert follow["followup_of"]
    assert "电子" in follow["followup_of"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": ""}, 400, "bad_input"),
        ({"question": "   "}, 400, "bad_input"),
        ({"question": "问" * 1001}, 400, "bad_input"),
        ({}, 422, "invalid_request"),
        ({"question": 5}, 422, "invalid_request"),
        ({"question": ["a"]}, 422, "invalid_request"),
        ({"question": QUESTION, "top_k": 0}, 422, "invalid_request"),
        ({"question": QUESTION, "top_k": 51}, 422, "invalid_request"),
        ({"question": QUESTION, "history": "not a list"}, 422, "invalid_request"),
    ],
)
def test_ask_bad_bodies(client, body, status, code):
    assert_error(client.post("/api/ask", json=body), status, code)


@pytest.mark.parametrize("raw", [b"{bad", b'{"question": "a"', b"[1,]"])
def test_ask_malformed_json(client, raw):
    r = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert_error(r, 400, "malformed_json")


def test_body_too_large(client):
    raw = b'{"question": "' + b"a" * (MAX_BODY + 10) + b'"}'
    r = client.post("/api/ask", content=raw, headers={"content-type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_body_too_large_chunked(client):
    def chunks():
        yield b'{"question": "' + b"a" * MAX_BODY
        yield b'"}'

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "body_too_large")


def test_a_chunked_body_within_the_limit_reaches_the_route(client):
    """The size check reads a body sent without a length; the route must still get all of it."""

    def chunks():
        yield '{"question": "庆云县检察院'.encode()
        yield '什么时候研发了电子送达平台？", "top_k": 2}'.encode()

    r = client.post("/api/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["question"] == "庆云县检察院什么时候研发了电子送达平台？"
    assert len(r.json()["passages"]) <= 2


def test_unknown_document_id(client):
    assert_error(client.get("/api/documents/nope"), 404, "document_not_found")


def test_unknown_path_and_wrong_method_api_only(answerer):
    bare = TestClient(create_api(answerer))
    assert_error(bare.get("/api/nope"), 404, "not_found")
    assert_error(bare.get("/api/ask"), 405, "method_not_allowed")


def test_unknown_path_and_wrong_method_served_app(client):
    assert_error(client.get("/api/nope"), 404, "not_found")
    assert_error(client.get("/api/ask"), 405, "method_not_allowed")


def test_unexpected_exception_is_hidden(client, answerer, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(answerer, "ask", boom)
    r = ask(client, question=QUESTION)
    assert_error(r, 500, "internal_error")
    assert "secret detail" not in r.text


def test_health(client, seed_index, fake_encoder):
    data = client.get("/api/health").json()
    assert data["status"] == "ok"
    assert data["documents"] == 5
    assert data["passages"] == len(seed_index.passages)
    assert data["model"] == fake_encoder.name


def test_documents_offsets(client, seed_index):
    assert len(seed_index.documents) == 5
    for doc_id, doc in seed_index.documents.items():
        r = client.get(f"/api/documents/{doc_id}")
        assert r.status_code == 200
        data = r.json()
        assert data["title"] == doc.title and data["text"] == doc.text
        assert len(data["paragraphs"]) == len(doc.paragraphs) > 0
        expected = {p.id: p.text for p in seed_index.passages if p.doc_id == doc_id}
        assert {p["id"] for p in data["passages"]} == set(expected)
        for p in data["passages"]:
            assert data["text"][p["start"] : p["end"]] == expected[p["id"]]


def test_rate_limit(answerer):
    c = fresh(answerer, rate_limit=3)
    for _ in range(3):
        assert ask(c, question=QUESTION).status_code == 200
    r = ask(c, question=QUESTION)
    assert_error(r, 429, "rate_limited")
    assert r.headers["retry-after"].isdigit() and int(r.headers["retry-after"]) >= 1


def test_rate_limit_zero_is_unlimited(answerer):
    c = fresh(answerer, rate_limit=0)
    assert all(ask(c, question=QUESTION).status_code == 200 for _ in range(10))


def test_rate_limiter_clock_and_clients():
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.hit("a") == 0 and limiter.hit("a") == 0
    assert limiter.hit("b") == 0  # another client has its own budget
    now[0] += 10
    assert limiter.hit("a") == 50
    now[0] += 50
    assert limiter.hit("a") == 0
    assert RateLimiter(0).hit("a") == 0


def test_other_origins_refused_by_default(client):
    # No app lists it: the server refuses (not only the browser), and says why in a body that page can read.
    r = client.post("/api/ask", json={"question": QUESTION}, headers={"Origin": "http://evil.example"})
    assert_error(r, 403, "origin_not_allowed")
    assert "passages" not in r.json() and "evil.example" in r.json()["error"]["message"]


def test_cors_allowed_origin(answerer):
    c = fresh(answerer, allowed_origins=(ALLOWED,), rate_limit=0)
    r = c.post("/api/ask", json={"question": QUESTION}, headers={"Origin": ALLOWED})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == ALLOWED
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,x-qa-key"}
    r = c.options("/api/ask", headers={"Origin": ALLOWED, **pre})
    assert (
        r.status_code == 204
        and "x-qa-key" in r.headers["access-control-allow-headers"]
        and r.headers["access-control-allow-origin"] == ALLOWED
    )
    r = c.post("/api/ask", json={"question": QUESTION}, headers={"Origin": "http://evil.example"})
    assert_error(r, 403, "origin_not_allowed")


def test_cors_header_on_rate_limited(answerer):
    c = fresh(answerer, allowed_origins=(ALLOWED,), rate_limit=1)
    ask(c, question=QUESTION)
    r = c.post("/api/ask", json={"question": QUESTION}, headers={"Origin": ALLOWED})
    assert r.status_code == 429
    assert r.headers.get("access-control-allow-origin") == ALLOWED


def test_settings_from_env():
    s = Settings.from_env({"QA_ALLOWED_ORIGINS": "http://a.example, http://b.example/", "QA_RATE_LIMIT": "7"})
    assert s.allowed_origins == ("http://a.example", "http://b.example")
    assert s.rate_limit == 7
    assert Settings.from_env({}).allowed_origins == () and Settings.from_env({}).rate_limit == 60
    for bad in ("abc", "-1", "1.5"):
        with pytest.raises(ConfigError):
            Settings.from_env({"QA_RATE_LIMIT": bad})


def test_html_in_documents_is_data(tmp_path, fake_encoder):
    # Markup in running text is removed at ingestion; in Markdown code it is the document's text, kept verbatim.
    write(
        tmp_path / "a.md",
        "# 测试文档标题\n\n这是一段包含脚本的文字`<script>alert(1)</script>`，还有图片`<img src=x onerror=alert(2)>`在这里结束。\n\n"
        "第二段普通文字，讲述庆云县的天气情况和其他内容。\n",
    )
    index = build(load_corpus(tmp_path).documents, fake_encoder, max_chars=MAX_CHARS, min_chars=MIN_CHARS)
    local = Answerer(index, fake_encoder)
    c = fresh(local, rate_limit=0)
    r = ask(c, question="包含脚本的文字 script alert")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    texts = " ".join(p["text"] for p in r.json()["passages"])
    assert "<script>alert(1)</script>" in texts and "<img src=x onerror=alert(2)>" in texts
    md = answer_html(local.ask("包含脚本的文字 script alert"))
    assert "&lt;script&gt;" in md and "<script>" not in md and "<img" not in md


def test_ui_and_docs_mounted(client):
    r = client.get("/")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    assert client.get("/docs").status_code == 200
    assert "/api/ask" in client.get("/openapi.json").json()["paths"]
