"""One server, many sites: knowledge bases kept apart, app keys and visitor tokens checked against the
origin on the server, every route limited, and framing allowed only where an app says."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from qa.api.apps import App, Apps, sign_token
from qa.config import Settings
from qa.kbs import settings_for
from qa.live import LiveAnswerer
from qa.server import behind_proxies, create_app
from qa.service import index_corpus, open_answerer

PARKING = "小区停车管理办法\n\n业主每户可申请一个固定车位，月租金为三百元，在物业服务中心办理。\n"
LEAVE = "员工年假规定\n\n员工入职满一年后，每年享有带薪年假十天，须提前三个工作日在考勤系统中申请。\n"
SHOP, OLD, EVIL = "https://shop.example", "https://old.example", "https://evil.example"


def make_settings(root: Path, **env: str) -> Settings:
    return Settings.from_env(
        {"QA_ENCODER": "hash", "QA_CORPUS": str(root / "corpus"), "QA_INDEX": str(root / "index"),
         "QA_KB_ROOT": str(root / "kbs"), "QA_RATE_LIMIT": "0", "QA_ALLOWED_ORIGINS": OLD, **env}
    )  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sites")
    (root / "corpus").mkdir()
    (root / "corpus" / "parking.txt").write_text(PARKING, encoding="utf-8")
    (root / "kbs" / "hr" / "corpus").mkdir(parents=True)
    (root / "kbs" / "hr" / "corpus" / "leave.txt").write_text(LEAVE, encoding="utf-8")
    settings = make_settings(root)
    index_corpus(settings)
    index_corpus(settings_for(settings, "hr"))
    return root


def server(root: Path, **env: str) -> tuple[TestClient, Apps]:
    """A fresh server (own limits and apps file) over the two knowledge bases."""
    settings = make_settings(root, QA_APPS=str(root / f"apps-{time.monotonic_ns()}.json"), **env)
    client = TestClient(create_app(LiveAnswerer(settings, open_answerer(settings)), settings))
    return client, Apps(settings)


def ask(client: TestClient, question: str, **kwargs: object):
    headers = kwargs.pop("headers", {})
    return client.post("/api/ask", json={"question": question, **kwargs}, headers=headers)  # type: ignore[arg-type]


def paths(response) -> set[str]:
    return {p["source"]["path"] for p in response.json()["passages"]}


def refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"] and response.json()["error"]["message_en"]


def test_a_question_never_meets_another_knowledge_bases_passages(root: Path):
    client, _ = server(root)
    # 考勤系统 is written only in the hr knowledge base.
    default = ask(client, "考勤系统里怎么申请年假？")
    assert default.status_code == 200 and "leave.txt" not in paths(default)
    hr = ask(client, "考勤系统里怎么申请年假？", kb="hr")
    assert hr.json()["answered"] and paths(hr) == {"leave.txt"} and hr.json()["kb"] == "hr"
    assert "十天" in hr.json()["passages"][0]["quote"] or "考勤系统" in hr.json()["passages"][0]["quote"]
    assert "parking.txt" not in paths(ask(client, "车位月租金多少？", kb="hr"))


def test_knowledge_bases_open_on_first_use_and_are_listed(root: Path):
    client, _ = server(root)
    before = {kb["name"]: kb for kb in client.get("/api/kbs").json()["kbs"]}
    assert set(before) == {"default", "hr"}
    assert before["hr"]["loaded"] is False and before["hr"]["documents"] == 1  # read from its manifest
    ask(client, "年假几天？", kb="hr")
    after = {kb["name"]: kb for kb in client.get("/api/kbs").json()["kbs"]}
    assert (
        after["hr"]["loaded"] is True
        and after["hr"]["passages"] >= 1
        and after["hr"]["memory_bytes"] > len(LEAVE.encode())
    )
    refused(ask(client, "年假几天？", kb="finance"), 404, "unknown_kb")
    refused(ask(client, "年假几天？", kb="../hr"), 404, "unknown_kb")  # a name never walks out of kbs/
    refused(client.get("/api/health?kb=..%2Fetc"), 404, "unknown_kb")


def test_an_apps_key_works_from_its_sites_only_and_reaches_only_its_knowledge_base(root: Path):
    client, apps = server(root)
    shop = apps.add(App("shop", kb="hr", origins=(SHOP,), title="人事问答"))
    key = {"X-QA-Key": shop.key}
    good = ask(client, "年假几天？", headers={**key, "Origin": SHOP})
    assert good.status_code == 200 and paths(good) == {"leave.txt"}
    assert good.headers["access-control-allow-origin"] == SHOP
    copied = ask(client, "年假几天？", headers={**key, "Origin": EVIL})
    refused(copied, 403, "origin_not_allowed")
    assert copied.headers["access-control-allow-origin"] == EVIL  # so that page can show why
    refused(ask(client, "车位月租金多少？", kb="default", headers={**key, "Origin": SHOP}), 403, "kb_not_allowed")
    config = client.get("/api/apps/config", headers={**key, "Origin": SHOP}).json()
    assert config["title"] == "人事问答" and config["kb"] == "hr" and "secret" not in config and "key" not in config


def test_unknown_rotated_and_revoked_keys_are_refused(root: Path):
    client, apps = server(root)
    shop = apps.add(App("shop", kb="hr", origins=(SHOP,)))
    refused(ask(client, "年假几天？", headers={"X-QA-Key": "pk_guess", "Origin": SHOP}), 401, "bad_key")
    fresh = apps.rotate("shop")
    refused(ask(client, "年假几天？", headers={"X-QA-Key": shop.key, "Origin": SHOP}), 401, "bad_key")
    assert ask(client, "年假几天？", headers={"X-QA-Key": fresh.key, "Origin": SHOP}).status_code == 200
    apps.revoke("shop")
    refused(ask(client, "年假几天？", headers={"X-QA-Key": fresh.key, "Origin": SHOP}), 403, "app_revoked")
    apps.revoke("shop", revoked=False)
    assert ask(client, "年假几天？", headers={"X-QA-Key": fresh.key, "Origin": SHOP}).status_code == 200


def test_visitor_tokens_signed_by_the_owners_backend(root: Path):
    client, apps = server(root)
    shop = apps.add(App("shop", kb="hr", origins=(SHOP,)))

    def with_token(token: str, origin: str = SHOP):
        return ask(client, "年假几天？", headers={"Authorization": f"Bearer {token}", "Origin": origin})

    good = with_token(sign_token(shop, seconds=300, visitor="u-42"))
    assert good.status_code == 200 and paths(good) == {"leave.txt"}
    refused(with_token(sign_token(shop, seconds=-120)), 401, "token_expired")
    forged = jwt.encode({"app": "shop", "exp": int(time.time()) + 300}, "sk_not_the_secret", algorithm="HS256")
    refused(with_token(forged), 401, "bad_token")
    refused(with_token(sign_token(shop, seconds=3 * 86400)), 401, "token_too_long")
    refused(with_token("not-a-token"), 401, "bad_token")
    refused(with_token(sign_token(shop, seconds=300), origin=EVIL), 403, "origin_not_allowed")
    old = sign_token(shop, seconds=300)
    apps.rotate("shop")
    refused(with_token(old), 401, "bad_token")


def test_embeds_without_a_key_keep_working_from_the_old_origin_list(root: Path):
    client, _ = server(root)
    legacy = ask(client, "车位月租金多少？", headers={"Origin": OLD})
    assert legacy.status_code == 200 and paths(legacy) == {"parking.txt"}
    refused(ask(client, "年假几天？", kb="hr", headers={"Origin": OLD}), 403, "kb_not_allowed")
    refused(ask(client, "车位月租金多少？", headers={"Origin": EVIL}), 403, "origin_not_allowed")
    # The bot's own pages and server-to-server calls need no key, and may name any knowledge base.
    assert paths(ask(client, "年假几天？", kb="hr")) == {"leave.txt"}
    own = ask(client, "年假几天？", kb="hr", headers={"Origin": "http://testserver"})
    assert own.status_code == 200


def test_each_app_has_its_own_rate_limit_and_daily_quota(root: Path):
    client, apps = server(root, QA_RATE_LIMIT="100")
    slow = apps.add(App("slow", kb="hr", origins=(SHOP,), rate_limit=2))
    capped = apps.add(App("capped", kb="hr", origins=(SHOP,), daily_quota=3))
    for _ in range(2):
        assert ask(client, "年假几天？", headers={"X-QA-Key": slow.key, "Origin": SHOP}).status_code == 200
    limited = ask(client, "年假几天？", headers={"X-QA-Key": slow.key, "Origin": SHOP})
    refused(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) > 0
    for _ in range(3):
        assert ask(client, "年假几天？", headers={"X-QA-Key": capped.key, "Origin": SHOP}).status_code == 200
    refused(ask(client, "年假几天？", headers={"X-QA-Key": capped.key, "Origin": SHOP}), 429, "quota_exceeded")
    assert ask(client, "年假几天？", kb="hr").status_code == 200  # the server's own limit is untouched


def test_the_chat_uis_gradio_routes_are_limited_like_the_api(root: Path):
    client, _ = server(root, QA_RATE_LIMIT="5")
    with client:
        codes = [
            client.post("/gradio_api/call/chat", json={"data": ["车位月租金多少？"]}).status_code for _ in range(8)
        ]
        assert codes[:5] == [200] * 5 and codes[5:] == [429] * 3
        assert client.post("/kb/hr/gradio_api/call/chat", json={"data": ["年假几天？"]}).status_code == 429
        assert client.get("/doc/x").status_code == 429
    client, apps = server(root)
    with client:
        big = client.post("/gradio_api/call/chat", content=b"{" + b" " * 200_000 + b"}",
                          headers={"content-type": "application/json"})  # fmt: skip
        refused(big, 413, "body_too_large")
        refused(client.post("/gradio_api/call/chat", json={"data": ["年假"]}, headers={"Origin": EVIL}), 403,
                "origin_not_allowed")  # fmt: skip
        # An app of one knowledge base cannot use another's chat endpoints.
        apps.add(App("shop", kb="hr", origins=(SHOP,)))
        shop_key = {"X-QA-Key": apps.get("shop").key, "Origin": SHOP}  # type: ignore[union-attr]
        refused(
            client.post("/gradio_api/call/chat", json={"data": ["车位？"]}, headers=shop_key), 403, "kb_not_allowed"
        )
        assert (
            client.post("/kb/hr/gradio_api/call/chat", json={"data": ["年假？"]}, headers=shop_key).status_code == 200
        )
        answered = client.post("/kb/hr/gradio_api/call/chat", json={"data": ["年假几天？"]})
        assert answered.status_code == 200
        stream = client.get(f"/kb/hr/gradio_api/call/chat/{answered.json()['event_id']}").text
        cards = json.loads(stream.split("data: ", 1)[1])[0]  # the chat's HTML cards, from the hr documents
        assert "考勤系统" in cards and "车位" not in cards


def test_pages_may_be_framed_only_by_the_sites_their_apps_list(root: Path):
    client, apps = server(root)
    shop = apps.add(App("shop", kb="hr", origins=(SHOP,), title="<b>人事</b>"))
    with client:
        assert client.get("/").headers["content-security-policy"] == f"frame-ancestors 'self' {OLD}"
        hr = client.get("/kb/hr/")
        assert hr.status_code == 200 and hr.headers["content-security-policy"] == f"frame-ancestors 'self' {SHOP}"
    page = client.get(f"/app/{shop.key}", headers={"Referer": f"{SHOP}/help/page.html"})
    assert page.status_code == 200 and f"frame-ancestors 'self' {SHOP}" in page.headers["content-security-policy"]
    assert "&lt;b&gt;人事&lt;/b&gt;" in page.text and "<b>人事" not in page.text
    framed = client.get(f"/app/{shop.key}", headers={"Referer": f"{EVIL}/copy.html"})
    assert framed.status_code == 403 and "evil.example" in framed.text
    assert client.get("/app/pk_unknown").status_code == 404
    apps.revoke("shop")
    assert client.get(f"/app/{shop.key}").status_code == 404


def test_the_client_address_comes_from_x_forwarded_for_only_behind_a_listed_proxy(root: Path):
    settings = make_settings(root, QA_RATE_LIMIT="1", QA_TRUSTED_PROXIES="10.0.0.5")
    app = behind_proxies(create_app(LiveAnswerer(settings, open_answerer(settings)), settings), settings)
    proxy = TestClient(app, client=("10.0.0.5", 4000))
    for visitor in ("203.0.113.7", "203.0.113.8"):  # two visitors behind the proxy: one budget each
        assert ask(proxy, "车位？", headers={"X-Forwarded-For": visitor}).status_code == 200
    refused(ask(proxy, "车位？", headers={"X-Forwarded-For": "203.0.113.7"}), 429, "rate_limited")
    stranger = TestClient(app, client=("198.51.100.9", 4000))  # not a proxy: its header is ignored
    assert ask(stranger, "车位？", headers={"X-Forwarded-For": "203.0.113.99"}).status_code == 200
    refused(ask(stranger, "车位？", headers={"X-Forwarded-For": "203.0.113.100"}), 429, "rate_limited")


def test_app_settings_are_checked(root: Path):
    _, apps = server(root)
    from qa.errors import InputError

    with pytest.raises(InputError):
        apps.add(App("shop", origins=("javascript:alert(1)",)))
    with pytest.raises(InputError):
        apps.add(App("Shop Two"))
    with pytest.raises(InputError):
        apps.add(App("shop", kb="../etc"))
    apps.add(App("shop", origins=("HTTPS://Shop.Example:443/path/",)))
    assert apps.get("shop").origins == (SHOP,)  # type: ignore[union-attr]
    with pytest.raises(InputError):
        apps.add(App("shop"))


def test_the_console_manages_each_knowledge_base_and_the_apps(root: Path):
    client, _ = server(root, QA_ADMIN_TOKEN="t" * 24)
    csrf = client.post("/api/admin/login", json={"token": "t" * 24}).json()["csrf"]
    headers = {"X-CSRF-Token": csrf}
    docs = client.get("/api/admin/documents?kb=hr").json()["documents"]
    assert [d["path"] for d in docs] == ["leave.txt"]
    assert [d["path"] for d in client.get("/api/admin/documents").json()["documents"]] == ["parking.txt"]
    ask(client, "考勤系统怎么申请？", kb="hr")  # logged in hr's console, not in the default one
    assert client.get("/api/admin/conversations?kb=hr").json()["total"] == 1
    assert client.get("/api/admin/conversations").json()["total"] == 0
    refused(client.get("/api/admin/documents?kb=nope"), 404, "unknown_kb")

    made = client.post("/api/admin/apps", json={"id": "shop", "kb": "hr", "origins": [SHOP]}, headers=headers)
    assert made.status_code == 200 and made.json()["secret"].startswith("sk_")
    key = made.json()["key"]
    assert ask(client, "年假几天？", headers={"X-QA-Key": key, "Origin": SHOP}).status_code == 200
    listed = client.get("/api/admin/apps").json()["apps"]
    assert [a["id"] for a in listed] == ["default", "shop"] and all("secret" not in a for a in listed)
    rotated = client.post("/api/admin/apps/shop/rotate", headers=headers).json()["key"]
    refused(ask(client, "年假几天？", headers={"X-QA-Key": key, "Origin": SHOP}), 401, "bad_key")
    client.post("/api/admin/apps/shop/revoke", json={"revoked": True}, headers=headers)
    refused(ask(client, "年假几天？", headers={"X-QA-Key": rotated, "Origin": SHOP}), 403, "app_revoked")
    refused(client.post("/api/admin/apps", json={"id": "x", "kb": "nope"}, headers=headers), 404, "unknown_kb")
    assert client.post("/api/admin/apps", json={"id": "y"}).status_code == 403  # no anti-CSRF header
    kbs = {k["name"]: k for k in client.get("/api/admin/kbs").json()["kbs"]}
    assert kbs["hr"]["loaded"] and kbs["hr"]["documents"] == 1
