"""The embeddable widget (`/widget.js`) in Chromium, on a page of another origin: the JS API and its events,
two widgets side by side, a phone screen and its rotation, and a hostile page stylesheet.

Marked `real` and `browser`: the bot answers with the real model over the bundled corpus.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browserkit import chromium, ensure_chromium, free_port, serve_folder, wait_for

pytestmark = [pytest.mark.real, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"
ANSWER = "今年3月,庆云县检察院自主研发电子送达平台"  # the start of the quote the bundled corpus gives
OTHER_QUESTION = "东营市人民检察院多年来一直保持着什么荣誉称号？"
OTHER_ANSWER = "全国文明单位"  # eval/seed_qa.jsonl s02

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>host</title>{head}</head>
<body><h1>宿主页面 / host page</h1><div><button id="mine" type="button">page button</button></div>
{scripts}</body></html>"""
HOSTILE = """<style>
body > div, body > * { display: none !important; opacity: .1 !important; transform: scale(.2) !important; }
qa-widget { display: none !important; }
button { font-size: 1px !important; padding: 0 !important; border: 9px solid red !important; }
* { font-family: monospace !important; line-height: 0 !important; box-sizing: content-box !important; }
body > h1 { display: block !important; opacity: 1 !important; transform: none !important; }
</style>"""

# Inside the widget's (open) shadow root, in page scripts.
ROOT_OF = "document.querySelectorAll('qa-widget')[{i}].shadowRoot"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The bot over the bundled corpus, and a folder of host pages served from another origin."""
    ensure_chromium()
    tmp = tmp_path_factory.mktemp("widget")
    bot, host = free_port(), free_port()
    env = {
        **os.environ,
        "QA_CORPUS": str(tmp / "corpus"),
        "QA_INDEX": str(tmp / "index"),
        "QA_ALLOWED_ORIGINS": f"http://127.0.0.1:{host}",
    }
    shutil.copytree(ROOT / "corpus", tmp / "corpus")
    subprocess.run([sys.executable, "-m", "qa", "index"], env=env, check=True, capture_output=True, cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(bot)], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    pages = tmp / "pages"
    pages.mkdir()
    tag = f'<script src="http://127.0.0.1:{bot}/widget.js" defer {{}}></script>'
    one = tag.format('data-title="站内问答" data-welcome="您好，请提问。"')
    two = tag.format('data-title="问答一"') + tag.format('data-title="Second bot" data-lang="en"')
    for name, head, scripts in [
        ("one.html", "", one),
        ("two.html", "", two),
        ("hostile.html", HOSTILE, one),
    ]:
        (pages / name).write_text(PAGE.format(head=head, scripts=scripts), encoding="utf-8")
    static = serve_folder(pages, host)
    try:
        wait_for(f"http://127.0.0.1:{bot}/api/health", server)
        yield {"bot": f"http://127.0.0.1:{bot}", "host": f"http://127.0.0.1:{host}"}
    finally:
        server.terminate()
        server.wait(timeout=20)
        static.shutdown()


@pytest.fixture(scope="module")
def browser(servers: dict[str, str]) -> Iterator[object]:
    with chromium() as b:
        yield b


def _host_page(browser: object, servers: dict[str, str], name: str, width: int = 1200, height: int = 900) -> object:
    page = browser.new_page(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(f"{servers['host']}/{name}", wait_until="load")
    page.wait_for_selector("qa-widget .qa-w-btn", timeout=30000)  # Playwright's CSS reaches into open shadow roots
    return page


def _ask_in_panel(page: object, i: int, question: str) -> None:
    widget = page.locator("qa-widget").nth(i)  # type: ignore[attr-defined]
    widget.locator(".qa-w-form input").fill(question)
    widget.locator(".qa-w-form input").press("Enter")
    widget.locator(".qa-w-card mark").first.wait_for(timeout=60000)


def _focused(page: object, i: int = 0) -> str:
    """The class of the element focused inside widget `i` ("" when the focus is elsewhere)."""
    script = f"{ROOT_OF.format(i=i)}.activeElement?.className || ''"
    return str(page.evaluate(script))  # type: ignore[attr-defined]


def test_ask_from_the_host_page_shows_the_quote_and_fires_events(browser: object, servers: dict[str, str]) -> None:
    page = _host_page(browser, servers, "one.html")
    result = page.evaluate(  # type: ignore[attr-defined]
        """async q => {
            const seen = [], onWindow = [];
            QAWidget.on('answer', d => seen.push(d.question));
            window.addEventListener('qa-widget:answer', e => onWindow.push(e.detail.question));
            const answer = await QAWidget.ask(q);
            return {seen, onWindow, answered: answer.answered, passages: answer.passages.length};
        }""",
        QUESTION,
    )
    assert result == {"seen": [QUESTION], "onWindow": [QUESTION], "answered": True, "passages": 3}
    panel = page.locator("qa-widget .qa-w-panel")  # type: ignore[attr-defined]
    assert panel.is_visible()  # ask() opened it
    assert "您好，请提问。" in panel.inner_text()  # data-welcome
    assert panel.locator(".qa-w-card mark").first.inner_text().startswith(ANSWER)
    assert "实施“红蓝橙青”工程" in panel.locator(".qa-w-src").first.inner_text()
    # Nothing from the answer became markup: only the tags the widget itself writes.
    tags = page.evaluate(f"[...{ROOT_OF.format(i=0)}.querySelectorAll('.qa-w-card *')].map(e => e.tagName)")  # type: ignore[attr-defined]
    assert set(tags) <= {"B", "MARK", "DIV", "A", "SPAN"}
    # The citation link opens the paragraph on the bot and tells the host page.
    page.evaluate("window.clicked = []; QAWidget.on('citation-click', d => clicked.push(d.passage.rank))")  # type: ignore[attr-defined]
    with page.expect_popup() as popup:  # type: ignore[attr-defined]
        panel.locator(".qa-w-src a").first.click()
    doc = popup.value
    doc.wait_for_load_state()
    assert doc.url.startswith(servers["bot"] + "/doc/") and "?p=" in doc.url
    assert ANSWER in doc.locator("p.hit").inner_text()
    assert page.evaluate("clicked") == [1]  # type: ignore[attr-defined]


def test_two_widgets_side_by_side(browser: object, servers: dict[str, str]) -> None:
    page = _host_page(browser, servers, "two.html")
    buttons = page.locator("qa-widget .qa-w-btn")  # type: ignore[attr-defined]
    assert buttons.count() == 2 and page.evaluate("QAWidget.instances.length") == 2  # type: ignore[attr-defined]
    a, b = (buttons.nth(i).bounding_box() for i in range(2))
    assert buttons.nth(0).is_visible() and buttons.nth(1).is_visible()
    overlap_x = a["x"] < b["x"] + b["width"] and b["x"] < a["x"] + a["width"]
    overlap_y = a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]
    assert not (overlap_x and overlap_y), (a, b)
    assert buttons.nth(0).inner_text().endswith("问答一") and buttons.nth(1).inner_text().endswith("Second bot")

    first, second = page.locator("qa-widget").nth(0), page.locator("qa-widget").nth(1)  # type: ignore[attr-defined]
    buttons.nth(1).click()
    assert second.locator(".qa-w-panel").is_visible() and not first.locator(".qa-w-panel").is_visible()
    assert second.locator(".qa-w-form input").get_attribute("placeholder") == "Ask a question, press Enter"
    _ask_in_panel(page, 1, OTHER_QUESTION)
    assert OTHER_ANSWER in second.locator(".qa-w-card mark").first.inner_text()
    assert "Open source" in second.locator(".qa-w-src").first.inner_text()

    buttons.nth(0).click()
    assert first.locator(".qa-w-panel").is_visible()
    assert first.locator(".qa-w-form input").get_attribute("placeholder") == "输入问题，按 Enter 发送"
    assert first.locator(".qa-w-q").count() == 0  # the other widget's question is not in this one's log
    _ask_in_panel(page, 0, QUESTION)
    assert first.locator(".qa-w-q").all_inner_texts() == [QUESTION]
    assert second.locator(".qa-w-q").all_inner_texts() == [OTHER_QUESTION]


def test_phone_panel_fills_the_screen_and_keeps_the_conversation(browser: object, servers: dict[str, str]) -> None:
    page = _host_page(browser, servers, "one.html", width=390, height=844)
    widget = page.locator("qa-widget")  # type: ignore[attr-defined]
    widget.locator(".qa-w-btn").click()
    panel = widget.locator(".qa-w-panel")
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 390, "height": 844}
    assert widget.locator(".qa-w-close").is_visible()
    assert page.evaluate(f"{ROOT_OF.format(i=0)}.activeElement?.name") == "q"  # type: ignore[attr-defined]  # opening focuses the input
    _ask_in_panel(page, 0, QUESTION)

    page.set_viewport_size({"width": 844, "height": 390})  # type: ignore[attr-defined]  # rotated
    assert panel.bounding_box() == {"x": 0, "y": 0, "width": 844, "height": 390}
    assert widget.locator(".qa-w-q").all_inner_texts() == [QUESTION]
    assert widget.locator(".qa-w-card mark").first.inner_text().startswith(ANSWER)

    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    assert not panel.is_visible()
    assert _focused(page) == "qa-w-btn"  # back on the button
    assert widget.locator(".qa-w-btn").get_attribute("aria-expanded") == "false"

    page.reload(wait_until="load")  # type: ignore[attr-defined]  # the conversation is kept for the session
    widget.locator(".qa-w-btn").click()
    assert widget.locator(".qa-w-q").all_inner_texts() == [QUESTION]
    assert widget.locator(".qa-w-card mark").first.inner_text().startswith(ANSWER)


def test_hostile_page_css_does_not_reach_the_widget(browser: object, servers: dict[str, str]) -> None:
    sizes = []
    for name in ("one.html", "hostile.html"):
        page = _host_page(browser, servers, name)
        button = page.locator("qa-widget .qa-w-btn")  # type: ignore[attr-defined]
        assert button.is_visible()
        sizes.append(button.bounding_box())
        assert page.evaluate("getComputedStyle(document.querySelector('#mine')).fontSize") == (  # type: ignore[attr-defined]
            "1px" if name == "hostile.html" else "13.3333px"
        )  # the rule does apply to the page's own buttons
        page.close()  # type: ignore[attr-defined]
    assert sizes[0] == sizes[1]
    assert sizes[0]["height"] > 30


def test_app_key_config_headers_and_links(browser: object, servers: dict[str, str]) -> None:
    """With a key, the app's config fills what the tag leaves out, and each question carries the key and the
    token. The bot's app endpoints are stood in for here (`page.route`), so this runs against any server."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    asked: list[dict[str, object]] = []
    config = {
        "app": "demo",
        "title": "应用标题",
        "welcome": "Welcome to the demo app",
        "examples": ["问题甲", "问题乙"],
        "lang": "en",
        "top_k": 2,
        "kb": "other",
    }
    text = "前文<img src=x onerror=alert(1)>引文后文"
    passage = {
        "rank": 1,
        "text": text,
        "quote": "引文",
        "quote_start": text.index("引文"),
        "quote_end": text.index("引文") + 2,
        "score": 0.9,
        "link": "javascript:alert(1)",
        "source": {
            "doc_id": "a/b c",
            "title": "<b>标题</b>",
            "publisher": None,
            "date": None,
            "page": None,
            "paragraph": 4,
            "section": "第二章 › 第五条",
            "url": None,
        },
    }

    def fake_config(route: Any) -> None:
        assert route.request.headers["x-qa-key"] == "pk_demo"
        route.fulfill(json=config)

    def fake_ask(route: Any) -> None:  # Playwright answers the CORS preflight of a fulfilled request itself
        asked.append({"headers": route.request.headers, "body": route.request.post_data_json})
        route.fulfill(json={"answered": True, "message": "", "passages": [passage]})

    page.route("**/api/apps/config", fake_config)  # type: ignore[attr-defined]
    page.route("**/api/ask", fake_ask)  # type: ignore[attr-defined]
    page.set_content(  # type: ignore[attr-defined]
        PAGE.format(
            head="",
            scripts=f'<script src="{servers["bot"]}/widget.js" data-app-key="pk_demo" '
            'data-token="tok123" data-title="明确的标题"></script>',
        )
    )
    # set_content's page has no origin the bot allows, but the routes answer before the bot is asked.
    widget = page.locator("qa-widget")  # type: ignore[attr-defined]
    widget.locator(".qa-w-btn").click()
    assert widget.locator(".qa-w-btn").inner_text().endswith("明确的标题")  # the tag's title wins over the app's
    assert widget.locator(".qa-w-welcome").inner_text() == "Welcome to the demo app"
    assert widget.locator(".qa-w-form input").get_attribute("placeholder") == "Ask a question, press Enter"
    widget.locator(".qa-w-chip", has_text="问题乙").click()
    widget.locator(".qa-w-card mark").wait_for(timeout=10000)
    sent = asked[0]
    assert sent["body"] == {"question": "问题乙", "history": [], "top_k": 2}  # no kb: the key names the app
    assert sent["headers"]["x-qa-key"] == "pk_demo"  # type: ignore[index]
    assert sent["headers"]["authorization"] == "Bearer tok123"  # type: ignore[index]
    assert sent["headers"]["x-qa-source"] == "widget"  # type: ignore[index]
    card = widget.locator(".qa-w-card")
    assert card.locator("mark").inner_text() == "引文"
    assert "<img src=x onerror=alert(1)>" in card.inner_text()  # shown as text, never made an element
    assert card.locator("img").count() == 0
    assert "<b>标题</b> · 第二章 · 第五条 · para. 4" in card.locator(".qa-w-src").inner_text()
    href = card.locator(".qa-w-src a").get_attribute("href")  # a javascript: link falls back to the bot's page
    assert href == f"{servers['bot']}/doc/a%2Fb%20c?p=4&lang=en#p4"
    page.close()  # type: ignore[attr-defined]
