"""Admin actions (index reload) need QA_ADMIN_TOKEN; document ids and file URLs cannot leave the corpus."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from helpers import FAKE_DIM, write

from qa.config import Settings
from qa.errors import ConfigError
from qa.live import LiveAnswerer
from qa.search.encoder import HashEncoder
from qa.search.update import update_index
from qa.server import create_app
from qa.service import open_answerer

TOKEN = "s3cret-admin-token-0123456789"
OLD = "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像。\n"
NEW = "陵城区开通夜间门诊\n\n陵城区人民医院开通夜间门诊，每晚开放到十点。\n"
OLD_Q = "宁津县人民法院启用了几个智慧法庭？"
NEW_Q = "陵城区人民医院夜间门诊开放到几点？"
PASSWD = "root:x:0:0"


def index(settings: Settings) -> None:
    encoder = HashEncoder(dim=FAKE_DIM)
    update_index(settings.corpus_dir, settings.index_dir, lambda: encoder, encoder.name)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    write(tmp_path / "corpus" / "old.txt", OLD)
    write(
        tmp_path / "corpus" / "other.txt",
        "禹城市推行一窗受理\n\n禹城市政务服务中心推行一窗受理改革，群众办事只需跑一次。\n",
    )
    s = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", rate_limit=0, admin_token=TOKEN)
    index(s)
    return s


def live(settings: Settings) -> LiveAnswerer:
    return LiveAnswerer(settings, open_answerer(settings, encoder=HashEncoder(dim=FAKE_DIM)))


def client(settings: Settings) -> TestClient:
    return TestClient(create_app(live(settings), settings), raise_server_exceptions=False)


def paths(response) -> list[str]:
    return [p["source"]["path"] for p in response.json()["passages"]]


def reload(c: TestClient, token: str | None = TOKEN, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return c.post("/api/admin/reload", headers=headers, params=params)


def test_reload_is_off_without_a_configured_token(settings):
    c = client(Settings(**{**settings.__dict__, "admin_token": None}))
    r = reload(c)
    assert r.status_code == 403 and r.json()["error"]["code"] == "admin_disabled"
    assert "QA_ADMIN_TOKEN" in r.json()["error"]["message"]


@pytest.mark.parametrize("token", [None, "wrong-token-wrong-token", TOKEN + "x", TOKEN[:-1]])
def test_reload_refuses_a_missing_or_wrong_token(settings, token):
    r = reload(client(settings), token)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"


def test_a_short_token_is_refused_at_start():
    with pytest.raises(ConfigError, match="QA_ADMIN_TOKEN"):
        Settings.from_env({"QA_ADMIN_TOKEN": "1234"})


def test_token_is_not_shown_in_settings_repr():
    assert TOKEN not in repr(Settings.from_env({"QA_ADMIN_TOKEN": TOKEN}))


def test_reload_serves_the_new_index_without_restart(settings):
    c = client(settings)
    assert c.post("/api/ask", json={"question": OLD_Q}).json()["passages"][0]["source"]["path"] == "old.txt"
    (settings.corpus_dir / "old.txt").unlink()
    write(settings.corpus_dir / "new.txt", NEW)
    index(settings)  # `qa index` in another process, say
    r = reload(c)
    assert r.status_code == 200, r.text
    assert r.json()["documents"] == 2 and r.json()["built_at"]
    assert "old.txt" not in paths(c.post("/api/ask", json={"question": OLD_Q}))
    assert paths(c.post("/api/ask", json={"question": NEW_Q}))[0] == "new.txt"
    assert c.get("/api/health").json()["documents"] == 2


def test_reload_with_update_indexes_the_corpus_first(settings):
    c = client(settings)
    write(settings.corpus_dir / "new.txt", NEW)
    r = reload(c, update="true")
    assert r.status_code == 200 and r.json()["changes"] == "+1 新增 · 0 更新 · 0 删除"
    assert paths(c.post("/api/ask", json={"question": NEW_Q}))[0] == "new.txt"


def test_a_broken_new_index_is_refused_and_the_old_one_keeps_serving(settings):
    c = client(settings)
    vectors = settings.index_dir / "current" / "vectors.faiss"
    vectors.write_bytes(b"garbage")
    r = reload(c)
    assert r.status_code == 409 and r.json()["error"]["code"] == "index_corrupt"
    assert "vectors.faiss" in r.json()["error"]["message"] and "原索引" in r.json()["error"]["message"]
    assert paths(c.post("/api/ask", json={"question": OLD_Q}))[0] == "old.txt"


@pytest.mark.parametrize(
    "url",
    [
        "/api/documents/..%2F..%2F..%2Fetc%2Fpasswd",
        "/api/documents/../../../etc/passwd",
        "/api/documents/%2Fetc%2Fpasswd",
        "/doc/..%2F..%2F..%2Fetc%2Fpasswd",
        "/doc/../../../../etc/passwd",
        "/doc/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/api/documents/old.txt",
        "/gradio_api/file=/etc/passwd",
        "/gradio_api/file=../../../../etc/passwd",
        "/file=/etc/passwd",
        "/widget.js/../../../etc/passwd",
    ],
)
def test_urls_cannot_reach_files_outside_the_corpus(settings, url):
    r = client(settings).get(url)
    assert r.status_code in (400, 403, 404, 405), (url, r.status_code)
    assert PASSWD not in r.text


def test_documents_are_reachable_by_id_only(settings):
    c = client(settings)
    doc_id = c.post("/api/ask", json={"question": OLD_Q}).json()["passages"][0]["source"]["doc_id"]
    assert c.get(f"/api/documents/{doc_id}").json()["path"] == "old.txt"
    assert c.get(f"/doc/{doc_id}").status_code == 200


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_requests_during_a_reload_all_succeed(settings):
    """Eight clients ask without pause while the index is reloaded three times: not one request fails."""
    app = create_app(live(settings), settings)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.1)
    statuses: list[int] = []
    stop = threading.Event()

    def client_loop() -> None:
        with httpx.Client(base_url=base, timeout=30) as http:
            while not stop.is_set():
                statuses.append(http.post("/api/ask", json={"question": OLD_Q}).status_code)

    workers = [threading.Thread(target=client_loop) for _ in range(8)]
    for w in workers:
        w.start()
    try:
        with httpx.Client(base_url=base, timeout=60) as admin:
            for n in range(3):
                time.sleep(0.5)
                write(settings.corpus_dir / f"new{n}.txt", NEW.replace("十点", f"{n + 9}点"))
                r = admin.post(
                    "/api/admin/reload", params={"update": "true"}, headers={"Authorization": f"Bearer {TOKEN}"}
                )
                assert r.status_code == 200, r.text
            time.sleep(0.5)
            assert admin.get("/api/health").json()["documents"] == 5
    finally:
        stop.set()
        for w in workers:
            w.join()
        server.should_exit = True
        thread.join(timeout=10)
    assert len(statuses) > 20 and set(statuses) == {200}, (len(statuses), set(statuses))
