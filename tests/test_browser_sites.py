"""Two sites' apps on one server, seen from pages of other origins in Chromium: each widget answers from its
own knowledge base, a key copied to a third site is refused there, the app's iframe shows only on its own
sites, and a burst of questions gets a JSON error the page can read.

The fake encoder (QA_ENCODER=hash) is enough: what is checked is who may ask what, not ranking.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import chromium, ensure_chromium, free_port, serve_folder, wait_for

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
PARKING = "小区停车管理办法\n\n业主每户可申请一个固定车位，月租金为三百元，在物业服务中心办理。\n"
LEAVE = "员工年假规定\n\n员工入职满一年后，每年享有带薪年假十天，须提前三个工作日在考勤系统中申请。\n"
PAGE = '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title><body><h1>{title}</h1>{body}'


def _qa(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "qa", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The bot with two knowledge bases and two apps listing site A; pages on site A and on site C."""
    ensure_chromium()
    tmp = tmp_path_factory.mktemp("sites")
    bot, port_a, port_c = free_port(), free_port(), free_port()
    a, c, bot_url = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_c}", f"http://127.0.0.1:{bot}"
    (tmp / "corpus").mkdir()
    (tmp / "corpus" / "parking.txt").write_text(PARKING, encoding="utf-8")
    (tmp / "kbs" / "hr" / "corpus").mkdir(parents=True)
    (tmp / "kbs" / "hr" / "corpus" / "leave.txt").write_text(LEAVE, encoding="utf-8")
    env = {
        **os.environ,
        "QA_ENCODER": "hash",
        "QA_CORPUS": str(tmp / "corpus"),
        "QA_INDEX": str(tmp / "index"),
        "QA_KB_ROOT": str(tmp / "kbs"),
        "QA_RATE_LIMIT": "0",
    }
    _qa(env, "index")
    _qa(env, "index", "--kb", "hr")
    park = json.loads(_qa(env, "apps", "add", "park", "--origin", a, "--title", "停车问答"))
    hr = json.loads(_qa(env, "apps", "add", "hr", "--kb", "hr", "--origin", a, "--rate-limit", "8"))
    server = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(bot)], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    tag = '<script src="{bot}/widget.js" data-app-key="{key}" defer></script>'
    pages = {"a": tmp / "site-a", "c": tmp / "site-c"}
    for folder in pages.values():
        folder.mkdir()
    both = tag.format(bot=bot_url, key=park["key"]) + tag.format(bot=bot_url, key=hr["key"])
    frame = '<iframe src="{bot}/app/{key}" title="问答" style="width:400px;height:500px"></iframe>'
    (pages["a"] / "both.html").write_text(PAGE.format(title="site A", body=both), encoding="utf-8")
    (pages["a"] / "frame.html").write_text(
        PAGE.format(title="site A", body=frame.format(bot=bot_url, key=hr["key"])), encoding="utf-8"
    )
    (pages["a"] / "blank.html").write_text(PAGE.format(title="site A", body=""), encoding="utf-8")
    copied = tag.format(bot=bot_url, key=hr["key"])
    (pages["c"] / "copied.html").write_text(PAGE.format(title="site C", body=copied), encoding="utf-8")
    (pages["c"] / "frame.html").write_text(
        PAGE.format(title="site C", body=frame.format(bot=bot_url, key=hr["key"])), encoding="utf-8"
    )
    statics = [serve_folder(pages["a"], port_a), serve_folder(pages["c"], port_c)]
    try:
        wait_for(f"{bot_url}/api/health", server)
        yield {"bot": bot_url, "a": a, "c": c, "park": park, "hr": hr}
    finally:
        server.terminate()
        server.wait(timeout=20)
        for static in statics:
            static.shutdown()


@pytest.fixture(scope="module")
def browser(sites: dict[str, Any]) -> Iterator[Any]:
    with chromium() as b:
        yield b


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_selector("qa-widget .qa-w-btn", timeout=30000)
    return page


ASK = """async ([i, q]) => {
  try { const a = await QAWidget.get(i).ask(q); return {ok: true, text: a.passages.map(p => p.text).join('|')}; }
  catch (e) { return {ok: false, code: e.code || null, message: e.message}; }
}"""


def test_two_apps_on_one_page_answer_each_from_its_own_knowledge_base(browser: Any, sites: dict[str, Any]) -> None:
    page = _open(browser, f"{sites['a']}/both.html")
    page.wait_for_function("() => window.QAWidget && QAWidget.instances.length === 2")
    parking = page.evaluate(ASK, [0, "车位月租金多少？"])
    assert parking["ok"] and "三百元" in parking["text"] and "年假" not in parking["text"]
    leave = page.evaluate(ASK, [1, "考勤系统里怎么申请年假？"])
    assert leave["ok"] and "考勤系统" in leave["text"] and "车位" not in leave["text"]
    # The hr app never reaches the parking rules, whatever it is asked.
    crossed = page.evaluate(ASK, [1, "车位月租金多少？"])
    assert "三百元" not in crossed.get("text", "")
    # Each panel shows its own answer.
    first = page.locator("qa-widget").nth(0).locator(".qa-w-log").inner_text()
    assert "三百元" in first and "考勤系统" not in first
    page.close()


def test_a_key_copied_to_another_site_is_refused_there_with_a_reason(browser: Any, sites: dict[str, Any]) -> None:
    page = _open(browser, f"{sites['c']}/copied.html")
    result = page.evaluate(ASK, [0, "年假有几天？"])
    assert not result["ok"] and result["code"] == "origin_not_allowed"
    panel = page.locator("qa-widget").nth(0).locator(".qa-w-log").inner_text()
    assert "未获准" in panel and "十天" not in panel
    page.close()


def test_the_apps_iframe_shows_on_its_own_site_only(browser: Any, sites: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(f"{sites['a']}/frame.html", wait_until="load")
    frame = page.frame_locator("iframe")
    frame.locator("qa-widget .qa-w-form input").wait_for(timeout=30000)
    page.close()

    page = browser.new_page()
    page.goto(f"{sites['c']}/frame.html", wait_until="load")
    page.wait_for_timeout(1500)
    inner = page.frames[1] if len(page.frames) > 1 else None
    try:
        shown = inner is not None and inner.evaluate("() => document.querySelectorAll('qa-widget').length") > 0
    except Exception:  # an error page Chromium put in its place
        shown = False
    assert not shown  # refused: frame-ancestors (and the Referer check) keep it out of site C
    page.close()


def test_a_burst_of_questions_gets_an_error_the_page_can_read(browser: Any, sites: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(f"{sites['a']}/blank.html", wait_until="load")
    codes = page.evaluate(
        """async ([bot, key]) => {
          const out = [];
          for (let i = 0; i < 10; i++) {
            const r = await fetch(bot + '/api/ask', {method: 'POST',
              headers: {'Content-Type': 'application/json', 'X-QA-Key': key},
              body: JSON.stringify({question: '年假有几天？'})});
            const body = await r.json();
            out.push(r.status === 200 ? 200 : body.error.code);
          }
          return out;
        }""",
        [sites["bot"], sites["hr"]["key"]],
    )
    assert "rate_limited" in codes and codes[0] == 200  # the hr app allows 8 a minute per visitor
    page.close()
