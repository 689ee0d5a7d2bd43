"""Real-browser tests: Playwright drives Debian's Chromium against `qa serve` started here.

Marked `real` and `browser`. Chromium is installed with apt when missing (CI runs as root);
only where apt is impossible are these skipped, with the reason printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browserkit import ask_in_chat, chromium, ensure_chromium, free_port, serve_folder, wait_for

pytestmark = [pytest.mark.real, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent
XSS = "<script>alert('xss')</script><img src=x onerror=alert(2)>"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The bot over the seed corpus plus one hostile file, and the examples/ folder on another origin."""
    ensure_chromium()
    tmp = tmp_path_factory.mktemp("browser")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    (corpus / "xss.md").write_text(  # markup in Markdown code is the document's own text, kept verbatim
        f"# 网页安全测试\n\n这段文字含有恶意代码`{XSS}`，用于检验网页安全防护。\n", encoding="utf-8"
    )
    bot, page = free_port(), free_port()
    env = {
        **os.environ,
        "QA_CORPUS": str(corpus),
        "QA_INDEX": str(tmp / "index"),
        "QA_ALLOWED_ORIGINS": f"http://127.0.0.1:{page}",
    }
    subprocess.run([sys.executable, "-m", "qa", "index"], env=env, check=True, capture_output=True, cwd=ROOT)
    server = subprocess.Popen(
        [sys.executable, "-m", "qa", "serve", "--port", str(bot)], env=env, cwd=ROOT, stderr=subprocess.PIPE
    )
    examples = tmp / "examples"
    shutil.copytree(ROOT / "examples", examples)
    for html in examples.glob("*.html"):  # point the examples at this test's bot
        html.write_text(html.read_text(encoding="utf-8").replace("127.0.0.1:7860", f"127.0.0.1:{bot}"), "utf-8")
    static = serve_folder(examples, page)
    try:
        wait_for(f"http://127.0.0.1:{bot}/api/health", server)
        yield {"bot": f"http://127.0.0.1:{bot}", "page": f"http://127.0.0.1:{page}", "index": str(tmp / "index")}
    finally:
        server.terminate()
        server.wait(timeout=20)
        static.shutdown()


@pytest.fixture(scope="module")
def browser(servers: dict[str, str]) -> Iterator[object]:
    with chromium() as b:
        yield b


def _chat(browser: object, servers: dict[str, str], width: int = 1200) -> object:
    page = browser.new_page(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page.goto(servers["bot"] + "/", wait_until="load")
    page.wait_for_selector("#qa-input textarea", timeout=60000)
    return page


def test_ask_quote_source_and_highlighted_paragraph(browser: object, servers: dict[str, str]) -> None:
    page = _chat(browser, servers)
    ask_in_chat(page, "庆云县检察院什么时候自主研发了电子送达平台？")
    first_quote = page.locator("#qa-chat mark").first.inner_text()  # type: ignore[attr-defined]
    assert first_quote.startswith("今年3月,庆云县检察院自主研发电子送达平台")
    source = page.locator("#qa-chat .qa-source").first  # type: ignore[attr-defined]
    assert "实施“红蓝橙青”工程 打造“动车党建”品牌" in source.inner_text()
    with page.expect_popup() as popup:  # type: ignore[attr-defined]
        source.locator("a").first.click()
    doc = popup.value
    doc.wait_for_load_state()
    assert first_quote in doc.locator("p.hit").inner_text()
    assert doc.evaluate("getComputedStyle(document.querySelector('p.hit')).backgroundColor") != "rgba(0, 0, 0, 0)"


def test_follow_up_in_the_conversation(browser: object, servers: dict[str, str]) -> None:
    page = _chat(browser, servers)
    ask_in_chat(page, "庆云县检察院研发了什么平台？")
    before = page.locator("#qa-chat .qa-card").count()  # type: ignore[attr-defined]
    ask_in_chat(page, "它是什么时候研发的？")
    first_of_follow_up = page.locator("#qa-chat .qa-card").nth(before)  # type: ignore[attr-defined]
    assert first_of_follow_up.locator("mark").inner_text().startswith("今年3月")


def test_document_html_never_runs(browser: object, servers: dict[str, str]) -> None:
    page = _chat(browser, servers)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    ask_in_chat(page, "恶意代码用于检验什么？")
    text = page.locator("#qa-chat").inner_text()  # type: ignore[attr-defined]
    assert "<script>alert('xss')</script>" in text and "onerror=alert(2)" in text
    page.wait_for_timeout(1000)  # type: ignore[attr-defined]
    assert dialogs == []


def test_widget_on_a_page_of_another_origin(browser: object, servers: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(servers["page"] + "/widget.html", wait_until="load")
    page.locator(".qa-w-btn").click()
    page.locator(".qa-w-form input").fill("庆云县检察院什么时候自主研发了电子送达平台？")
    page.locator(".qa-w-form input").press("Enter")
    page.wait_for_selector(".qa-w-card mark", timeout=60000)
    assert page.locator(".qa-w-card mark").first.inner_text().startswith("今年3月")
    assert "实施“红蓝橙青”工程" in page.locator(".qa-w-src").first.inner_text()
    assert dialogs == []


def test_gradio_web_component_on_a_page_of_another_origin(browser: object, servers: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.goto(servers["page"] + "/gradio-app.html", wait_until="load")
    box = page.locator("gradio-app #qa-input textarea")
    box.wait_for(timeout=60000)
    box.fill("庆云县检察院什么时候自主研发了电子送达平台？")
    box.press("Enter")
    page.wait_for_selector("gradio-app #qa-chat .qa-card mark", timeout=60000)
    assert page.locator("gradio-app #qa-chat mark").first.inner_text().startswith("今年3月")


def test_iframe_on_a_page_of_another_origin(browser: object, servers: dict[str, str]) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    page.goto(servers["page"] + "/iframe.html", wait_until="load")
    frame = page.frame_locator("iframe")
    box = frame.locator("#qa-input textarea")
    box.wait_for(timeout=60000)
    box.fill("庆云县检察院什么时候自主研发了电子送达平台？")
    box.press("Enter")
    frame.locator("#qa-chat .qa-card mark").first.wait_for(timeout=60000)
    assert frame.locator("#qa-chat mark").first.inner_text().startswith("今年3月")


def test_copy_a_citation(browser: object, servers: dict[str, str]) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(servers["bot"] + "/", wait_until="load")
    page.wait_for_selector("#qa-input textarea", timeout=60000)
    ask_in_chat(page, "庆云县检察院什么时候自主研发了电子送达平台？")
    page.locator("#qa-chat a.qa-copy").first.click()
    page.wait_for_timeout(300)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("“今年3月,庆云县检察院自主研发电子送达平台")
    assert (
        "实施“红蓝橙青”工程 打造“动车党建”品牌 · “橙检工程”践行检察使命 · 第 14 段" in copied
    )  # title · heading · paragraph
    context.close()


def test_thumbs_up_is_saved_with_the_question_and_passages(browser: object, servers: dict[str, str]) -> None:
    page = _chat(browser, servers)
    ask_in_chat(page, "庆云县检察院什么时候自主研发了电子送达平台？")
    page.get_by_role("button", name=re.compile(r"^like$", re.I)).last.click()  # type: ignore[attr-defined]
    saved = Path(servers["index"]) / "feedback.jsonl"
    for _ in range(50):
        if saved.exists() and saved.read_text(encoding="utf-8").strip():
            break
        time.sleep(0.2)
    rows = [json.loads(line) for line in saved.read_text(encoding="utf-8").splitlines()]
    assert rows[-1]["question"] == "庆云县检察院什么时候自主研发了电子送达平台？"
    assert rows[-1]["liked"] is True and len(rows[-1]["passages"]) == 5
