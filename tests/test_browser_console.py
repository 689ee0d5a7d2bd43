"""The console in Chromium, as a new site owner uses it: sign in, upload, watch the status, ask in the chat,
turn a passage off, find a refused question in the report and pin an answer to it; pick another knowledge
base, make an app for it, rotate its key and turn it off.

Marked `real` and `browser`: a `qa serve` with the real model, driven by Playwright in Debian's Chromium.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from browserkit import ask_in_chat, chromium, ensure_chromium, free_port, wait_for

pytestmark = [pytest.mark.real, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "browser-console-token-42"
RULES = (
    "# 社区电动车充电管理办法\n\n2023年5月8日 社区居委会会议通过\n\n## 第一章 总则\n\n"
    "第一条 为规范电动自行车充电，防止火灾，制定本办法。\n\n"
    "第二条 电动自行车应当在小区东门的集中充电棚充电，充电棚每天六点至二十二点开放。\n\n"
    "第三条 严禁将电动自行车推入楼道或者从窗户拉线充电，违者由物业劝阻并登记。\n"
)
LEAVE = (
    "# 员工休假制度\n\n2024年1月2日 人力资源部发布\n\n"
    "第一条 员工累计工作满一年不满十年的，每年享有带薪年休假五天；满十年不满二十年的，年休假十天。\n\n"
    "第二条 员工请病假，应当提交医院出具的病假证明，并由部门负责人签字。\n"
)
SITE = "https://hr.example.com"
QUESTION = "员工每年有几天带薪年休假？"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    ensure_chromium()
    tmp = tmp_path_factory.mktemp("console")
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    port = free_port()
    env = {
        **os.environ,
        "QA_CORPUS": str(tmp / "corpus"),
        "QA_INDEX": str(tmp / "index"),
        "QA_KB_ROOT": str(tmp / "kbs"),
        "QA_ADMIN_TOKEN": TOKEN,
    }
    subprocess.run([sys.executable, "-m", "qa", "index"], env=env, check=True, capture_output=True, cwd=ROOT)
    (tmp / "kbs" / "hr" / "corpus").mkdir(parents=True)  # a second knowledge base, with one document
    (tmp / "kbs" / "hr" / "corpus" / "leave.md").write_text(LEAVE, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "qa", "index", "--kb", "hr"], env=env, check=True, capture_output=True, cwd=ROOT
    )
    (tmp / "upload").mkdir()
    (tmp / "upload" / "charging.md").write_text(RULES, encoding="utf-8")
    (tmp / "upload" / "scan.pdf").write_bytes(b"%PDF-1.4\n% a damaged file\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(port)], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/api/health", process)
        yield f"http://127.0.0.1:{port}|{tmp / 'upload'}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[object]:
    with chromium() as b:
        yield b


def _console(browser: object, base: str, width: int = 1200) -> object:
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(base + "/admin", wait_until="load")
    page.wait_for_selector("#token", state="visible")
    page.fill("#token", TOKEN)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#docs tbody tr")
    return page


def _row(page: object, path: str) -> object:
    return page.locator("#docs tbody tr", has=page.locator(".path", has_text=path))  # type: ignore[attr-defined]


def test_a_wrong_token_is_refused_and_nothing_else_shows(browser: object, server: str) -> None:
    base = server.split("|")[0]
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(base + "/admin", wait_until="load")
    page.wait_for_selector("#token", state="visible")
    page.fill("#token", "not-the-token")
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#signin-error:not(:empty)")  # (the page's CSP forbids evaluated strings)
    assert "令牌不正确" in page.inner_text("#signin-error")
    assert page.locator("#app").is_hidden()


def test_owner_uploads_watches_asks_turns_off_and_pins(browser: object, server: str) -> None:
    base, upload = server.split("|")
    page = _console(browser, base)
    page.set_input_files("#picker", [str(Path(upload) / "charging.md"), str(Path(upload) / "scan.pdf")])
    _row(page, "charging.md").wait_for()
    page.wait_for_selector("#docs tr:has(.path:text('charging.md')) td[data-status=indexed]", timeout=120000)
    page.wait_for_selector("#docs tr:has(.path:text('scan.pdf')) td[data-status=failed]", timeout=120000)
    assert "PDF" in _row(page, "scan.pdf").locator("td.status").inner_text()

    chat = page.context.new_page()
    chat.goto(base + "/", wait_until="load")
    chat.wait_for_selector("#qa-input textarea", timeout=60000)
    ask_in_chat(chat, "电动车应该到哪里充电？")
    assert "集中充电棚" in chat.locator("#qa-chat .qa-card").first.inner_text()

    _row(page, "charging.md").locator("button", has_text="查看").click()
    passage = page.locator("#doc .passage", has_text="集中充电棚")
    passage.locator("button.toggle").click()
    page.wait_for_selector("#doc .passage.off")
    ask_in_chat(chat, "电动车充电棚几点开放？")
    assert "集中充电棚" not in chat.locator("#qa-chat").inner_text().split("电动车充电棚几点开放？")[-1]

    ask_in_chat(chat, "小区里的快递柜在哪里？")
    page.click("[data-tab=report]")
    group = page.locator("#report .group", has_text="小区里的快递柜在哪里？")
    group.wait_for()
    group.locator("button.pin").first.click()
    page.wait_for_selector("#pins li:has-text('小区里的快递柜在哪里？')")
    ask_in_chat(chat, "小区里的快递柜在哪里？")
    after_pin = chat.locator("#qa-chat").inner_text().split("小区里的快递柜在哪里？")[-1]
    assert "未在资料中找到" not in after_pin
    ask_in_chat(chat, "快递柜在小区什么位置？")  # a paraphrase gets the pinned passage too
    paraphrase = chat.locator("#qa-chat").inner_text().split("快递柜在小区什么位置？")[-1]
    assert "未在资料中找到" not in paraphrase and after_pin.strip()[:40] == paraphrase.strip()[:40]


def test_the_console_fits_a_phone(browser: object, server: str) -> None:
    base = server.split("|")[0]
    page = _console(browser, base, width=390)
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    page.click("[data-tab=test]")
    page.fill("#test-q", "庆云县检察院研发了什么平台？")
    page.click("#test-form button[type=submit]")
    page.wait_for_selector("#test-out .features")
    assert page.locator("#test-out mark").count() >= 1


def _ask(base: str, key: str, question: str) -> httpx.Response:
    """/api/ask as the app's site would call it: its key, and the browser's Origin of the site."""
    headers = {"X-QA-Key": key, "Origin": SITE}
    return httpx.post(base + "/api/ask", json={"question": question}, headers=headers, timeout=60)


def test_owner_picks_a_knowledge_base_and_embeds_it_with_an_app(browser: object, server: str) -> None:
    from playwright.sync_api import expect

    base = server.split("|")[0]
    page = _console(browser, base)
    expect(page.locator("#kb")).to_be_visible()  # two knowledge bases: the picker shows
    page.select_option("#kb", "hr")
    _row(page, "leave.md").wait_for()
    assert page.locator("#docs tbody .path").all_inner_texts() == ["leave.md"]
    expect(page.locator("#overview")).to_contain_text("1 篇文档")
    assert page.get_attribute("#export", "href") == "/api/admin/conversations.csv?kb=hr"

    page.click("[data-tab=apps]")
    builtin = page.locator("#apps tbody tr[data-app=default]")
    expect(builtin.locator("td.state")).to_have_attribute("data-state", "builtin")
    assert builtin.locator("button").count() == 0  # QA_ALLOWED_ORIGINS' app is not changed from here
    page.fill("#app-id", "hr-site")
    assert page.input_value("#app-kb") == "hr"  # the knowledge base being looked at
    page.fill("#app-title", "员工手册问答")
    page.fill("#app-examples", "年假有几天？\n病假要什么证明？")
    page.fill("#app-origins", SITE + "/\n")
    page.fill("#app-rate", "20")
    page.click("#app-save")
    shown = page.locator("#app-out .snippet[data-kind=key] pre")
    shown.wait_for()
    key = shown.inner_text()
    assert key.startswith("pk_")
    script = page.locator("#app-out .snippet[data-kind=script] pre").inner_text()
    assert script == f'<script src="{base}/widget.js" data-app-key="{key}" defer></script>'
    assert (
        f'<iframe src="{base}/app/{key}" title="员工手册问答"'
        in page.locator("#app-out [data-kind=iframe] pre").inner_text()
    )
    assert page.locator("#app-out [data-kind=secret] pre").inner_text().startswith("sk_")
    assert "请保存到网站后端，之后不再显示" in page.locator("#app-out .warn").inner_text()
    row = page.locator("#apps tbody tr[data-app=hr-site]")
    expect(row.locator("td.key code")).to_have_text(key)
    assert [c.strip() for c in row.locator("td").all_inner_texts()[1:3]] == ["hr", SITE]
    expect(row.locator("td.state")).to_have_attribute("data-state", "on")

    first = _ask(base, key, QUESTION)
    assert first.status_code == 200, first.text
    assert first.json()["kb"] == "hr"
    assert {p["source"]["path"] for p in first.json()["passages"]} == {"leave.md"}
    assert "五天" in first.json()["passages"][0]["text"]
    elsewhere = httpx.post(
        base + "/api/ask",
        json={"question": QUESTION},
        headers={"X-QA-Key": key, "Origin": "https://evil.example"},
    )
    assert elsewhere.status_code == 403 and elsewhere.json()["error"]["code"] == "origin_not_allowed"

    page.once("dialog", lambda dialog: dialog.accept())  # "the old key stops working now"
    row.locator("button.rotate").click()
    expect(row.locator("td.key code")).not_to_have_text(key)
    rotated = row.locator("td.key code").inner_text()
    assert rotated.startswith("pk_") and page.locator("#app-out .snippet[data-kind=key] pre").inner_text() == rotated
    assert f'data-app-key="{rotated}"' in page.locator("#app-out [data-kind=script] pre").inner_text()
    old = _ask(base, key, QUESTION)
    assert old.status_code == 401 and old.json()["error"]["code"] == "bad_key"
    assert _ask(base, rotated, QUESTION).json()["kb"] == "hr"

    row.locator("button.revoke").click()
    expect(row.locator("td.state")).to_have_attribute("data-state", "revoked")
    assert "已停用" in row.locator("td.state").inner_text()
    off = _ask(base, rotated, QUESTION)
    assert off.status_code == 403 and off.json()["error"]["code"] == "app_revoked"

    row.locator("button.edit").click()  # the form changes the app (PUT); its key stays
    assert page.is_disabled("#app-id") and page.input_value("#app-origins") == SITE
    page.fill("#app-origins", f"{SITE}\nhttps://m.hr.example.com")
    page.click("#app-save")
    expect(row.locator("td.origins")).to_contain_text("https://m.hr.example.com")
    assert row.locator("td.key code").inner_text() == rotated and not page.is_disabled("#app-id")

    page.click("#lang")  # English is there too
    expect(row.locator("td.state")).to_contain_text("off")
    expect(page.locator("[data-tab=apps]")).to_have_text("Apps")
    page.click("#lang")

    page.reload(wait_until="load")  # the knowledge base chosen is kept for the tab's session
    _row(page, "leave.md").wait_for()
    assert page.input_value("#kb") == "hr"
    assert page.locator("#docs tbody .path").all_inner_texts() == ["leave.md"]


def test_the_apps_tab_fits_a_phone(browser: object, server: str) -> None:
    base = server.split("|")[0]
    page = _console(browser, base, width=390)
    page.click("[data-tab=apps]")
    page.wait_for_selector("#apps tbody tr[data-app=default]")
    page.fill("#app-id", "phone-site")
    page.fill("#app-origins", "https://m.example.com")
    page.click("#app-save")
    page.wait_for_selector("#app-out [data-kind=iframe] pre")
    page.wait_for_selector("#apps tbody tr[data-app=phone-site]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
