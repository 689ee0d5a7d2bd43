"""Chromium opens a citation's `link` on the owner's page scrolled to the quoted sentence (a text fragment).

The owner's site is a long Chinese page served here; the corpus holds a copy of it whose URL comes from
`urls.txt`. The index uses the fake encoder (the quoted paragraphs are found by their words). Marked
`browser`: Chromium is installed with apt when missing, skipped only where that is impossible.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from browserkit import chromium, ensure_chromium, free_port, serve_folder
from fastapi.testclient import TestClient
from helpers import FAKE_DIM, write

from qa.answer.engine import Answerer
from qa.config import Settings
from qa.search import builds
from qa.search.encoder import HashEncoder
from qa.search.update import update_index
from qa.server import create_app
from qa.ui.cards import answer_html

pytestmark = [pytest.mark.browser]

TOPICS = [
    "社区卫生服务中心开展了义诊活动，为老年居民免费测量血压和血糖",
    "区图书馆延长了周末开放时间，并增设了儿童阅读区和自习座位",
    "街道办事处组织志愿者清理河道垃圾，改善了周边的生态环境",
    "公交公司调整了三条线路的发车间隔，早晚高峰运力明显提升",
    "市场监管部门抽查了农贸市场的计量器具，发现问题当场整改",
    "教育部门公布了义务教育阶段招生政策，明确了划片入学的范围",
    "文化馆举办了书法和剪纸培训班，吸引了许多退休职工报名参加",
    "消防救援站走进校园开展安全演练，讲解了火灾逃生的基本方法",
]
SHORT = "2023年，全市新建热源厂两座，新增供热面积四百万平方米。"
LONG = (
    "供热单位应当在供暖期开始前完成锅炉和换热站的设备检修，确保供热管网运行安全，"
    "并通过官方网站向社会公布服务电话、收费标准和投诉渠道。"
)

ASCII = "市民可以通过“e-Heating”App或WeChat小程序在线缴纳供暖费，也可以前往各营业网点办理。"  # `-` is encoded


def owner_page() -> str:
    """A long notice: navigation, a title, many paragraphs; the two answers far below the fold."""
    filler = [
        f"<p>第{i + 1}条动态：{TOPICS[i % len(TOPICS)]}，相关工作将在第{i + 2}周继续推进。</p>" for i in range(36)
    ]
    body = [*filler[:18], f'<p id="short">{SHORT}</p>', *filler[18:30], f'<p id="long">{LONG}</p>', *filler[30:33]]
    body += [f'<p id="ascii">{ASCII}</p>', *filler[33:]]
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>2024年冬季供暖工作通知</title></head>'
        '<body><nav><a href="/">首页</a> <a href="/notices/">通知公告</a></nav>'
        "<h1>2024年冬季供暖工作通知</h1><p>发布时间：2024年10月20日</p>" + "\n".join(body) + "</body></html>"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    """The owner's site on a local port, and the bot's API over a copy of its page (URL from urls.txt)."""
    ensure_chromium()
    tmp = tmp_path_factory.mktemp("fragment")
    write(tmp / "site/notices/2024-winter.html", owner_page())
    port = free_port()
    server = serve_folder(tmp / "site", port)
    url = f"http://127.0.0.1:{port}/notices/2024-winter.html"
    write(tmp / "corpus/2024-winter.html", owner_page())
    write(tmp / "corpus/other.md", "# 其他\n\n" + "".join(f"{t}。" for t in TOPICS) + "\n")
    write(tmp / "corpus/urls.txt", f"# 本站网页\n2024-winter.html {url}\n")
    encoder = HashEncoder(dim=FAKE_DIM)
    update_index(tmp / "corpus", tmp / "index", lambda: encoder, encoder.name)
    answerer = Answerer(builds.load(tmp / "index", model=encoder.name), encoder)
    try:
        yield {
            "url": url,
            "api": TestClient(create_app(answerer, Settings(rate_limit=0))),
            "answerer": answerer,
        }
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def browser(site: dict[str, object]) -> Iterator[object]:
    with chromium() as b:
        yield b


def first_passage(site: dict[str, object], question: str) -> dict:
    r = site["api"].post("/api/ask", json={"question": question, "top_k": 1})  # type: ignore[attr-defined]
    assert r.status_code == 200, r.text
    passages = r.json()["passages"]
    assert passages and passages[0]["link"], r.json()
    return passages[0]


# The element whose text holds the quote's first line: is it on screen, and was the page scrolled to it?
ON_SCREEN = """line => {
  const el = [...document.querySelectorAll('p')].find(p => p.textContent.includes(line));
  if (!el) return null;
  const r = el.getBoundingClientRect();
  return {id: el.id, scrolled: window.scrollY, top: r.top, bottom: r.bottom, height: innerHeight};
}"""


def where(page: object, quote: str) -> dict:
    page.wait_for_selector("#long", state="attached")  # type: ignore[attr-defined]
    page.wait_for_function("() => window.scrollY > 0", timeout=5000)  # type: ignore[attr-defined]
    got = page.evaluate(ON_SCREEN, quote.splitlines()[0])  # type: ignore[attr-defined]
    assert got is not None, quote
    return got


def assert_shown(got: dict, element: str) -> None:
    assert got["id"] == element
    assert got["scrolled"] > 0 and got["top"] >= 0 and got["bottom"] <= got["height"], got


@pytest.mark.parametrize(
    ("question", "element", "parts"),
    [
        ("2023年全市新建了几座热源厂，新增供热面积是多少？", "short", 1),  # a sentence, whole
        ("供热单位在供暖期开始前要公布哪些信息？", "long", 2),  # a long sentence: start,end
        ("怎样在线缴纳供暖费？", "ascii", 2),  # ASCII words and a hyphen in the start
    ],
)
def test_goto_link_scrolls_to_the_quote(browser, site, question, element, parts):
    hit = first_passage(site, question)
    link = hit["link"]
    assert link.startswith(str(site["url"]) + "#:~:text=")
    directive = link.split(":~:text=", 1)[1]
    assert len(directive.split(",")) == parts, unquote(directive)
    assert "%2D" in directive if element == "ascii" else "-" not in directive
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(link, wait_until="load")
        assert_shown(where(page, hit["quote"]), element)
    finally:
        page.close()


def test_the_chat_card_link_opens_the_owner_page_at_the_quote(browser, site):
    answer = site["answerer"].ask("供热单位在供暖期开始前要公布哪些信息？", top_k=1)
    html = answer_html(answer)
    assert "本站副本" in html
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.set_content(f"<!doctype html><meta charset=utf-8><body>{html}</body>")
        with page.expect_popup() as popup:
            page.locator("a.qa-open").first.click()  # a user's click, as in the chat
        opened = popup.value
        opened.wait_for_load_state("load")
        assert opened.url.split("#")[0] == site["url"]
        assert_shown(where(opened, answer.passages[0].quote), "long")
        opened.close()
    finally:
        page.close()


def test_without_the_fragment_the_page_opens_at_the_top(browser, site):
    """The control: the same page without a text fragment is not scrolled (what the tests above measure)."""
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    try:
        page.goto(str(site["url"]), wait_until="load")
        page.wait_for_selector("#long", state="attached")
        assert page.evaluate("window.scrollY") == 0
    finally:
        page.close()
