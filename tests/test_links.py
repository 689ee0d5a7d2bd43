"""Citations that open the owner's page at the quote: text fragments, the URL list (urls.txt, sitemap.xml), the cards."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from helpers import FAKE_DIM, write

from qa.answer.engine import Answerer
from qa.answer.links import text_fragment
from qa.answer.results import Citation, Source
from qa.config import Settings
from qa.ingest.corpus import corpus_files, fingerprint, load_corpus
from qa.ingest.urls import match_sitemap, parse_sitemap, parse_urls
from qa.search import builds
from qa.search.encoder import HashEncoder
from qa.search.update import update_index
from qa.server import create_app
from qa.ui.cards import card

PAGE = "https://example.gov.cn/notices/2024-winter.html"


def directive(link: str | None) -> list[str]:
    """The decoded parts of a link's text directive."""
    assert link is not None
    return [unquote(part) for part in link.split(":~:text=", 1)[1].split(",")]


# --- text_fragment -------------------------------------------------------------------------------


def test_a_short_chinese_sentence_is_one_percent_encoded_text_start():
    link = text_fragment(PAGE, "供暖期为每年11月15日至次年3月15日。")
    assert link == PAGE + "#:~:text=%E4%BE%9B%E6%9A%96%E6%9C%9F%E4%B8%BA%E6%AF%8F%E5%B9%B411%E6%9C%8815%E6%97%A5" + (
        "%E8%87%B3%E6%AC%A1%E5%B9%B43%E6%9C%8815%E6%97%A5%E3%80%82"
    )
    assert directive(link) == ["供暖期为每年11月15日至次年3月15日。"]


def test_dash_ampersand_comma_and_spaces_are_encoded():
    link = text_fragment(PAGE, "COVID-19 期间 A&B 公司捐赠 1,000 台")
    assert link is not None
    fragment = link.split("#", 1)[1]
    assert (
        fragment
        == ":~:text=COVID%2D19%20%E6%9C%9F%E9%97%B4%20A%26B%20%E5%85%AC%E5%8F%B8%E6%8D%90%E8%B5%A0%201%2C000%20%E5%8F%B0"
    )
    assert fragment.count(",") == 0 and fragment.count("-") == 0 and "&" not in fragment and " " not in fragment


def test_whitespace_inside_a_quote_is_collapsed():
    assert directive(text_fragment(PAGE, "用户可以通过  WeChat\t小程序提交。")) == ["用户可以通过 WeChat 小程序提交。"]


def test_a_long_quote_is_cut_at_clause_marks_into_start_and_end():
    quote = "今年3月，庆云县检察院自主研发了电子送达平台，实现法律文书线上送达，大大提高了办案效率。"
    # "今年3月" is shorter than six characters: the start runs on to the next clause mark.
    assert directive(text_fragment(PAGE, quote)) == [
        "今年3月，庆云县检察院自主研发了电子送达平台",
        "大大提高了办案效率。",
    ]


def test_a_quote_starting_with_a_year_and_one_with_ascii_words():
    quote = "2021年，市政府投入资金3.5亿元，完成了老旧小区供暖管网改造工程，惠及居民12万户。"
    assert directive(text_fragment(PAGE, quote)) == ["2021年，市政府投入资金3.5亿元", "惠及居民12万户。"]
    quote = "用户可以通过WeChat小程序或者App提交申请，系统会在24小时内给出审核结果，逾期视为通过。"
    assert directive(text_fragment(PAGE, quote)) == [
        "用户可以通过WeChat小程序或者App提交申请",
        "逾期视为通过。",
    ]


def test_a_multi_line_quote_takes_its_first_and_last_lines():
    quote = "第一，供暖期为每年11月15日至次年3月15日；\n第二，室内温度不低于18摄氏度；\n第三，居民可以拨打12345热线。"
    assert directive(text_fragment(PAGE, quote)) == [
        "第一，供暖期为每年11月15日至次年3月15日",
        "居民可以拨打12345热线。",
    ]
    # Each line is its own element on a page: the start is found in the first, the end in the last.
    assert directive(text_fragment(PAGE, "（一）申请表；\n（二）身份证明。")) == ["（一）申请表", "（二）身份证明。"]


def test_a_long_quote_without_clause_marks_is_matched_whole():
    quote = "本办法自发布之日起施行原有规定与本办法不一致的以本办法为准各单位应当认真贯彻执行"
    assert directive(text_fragment(PAGE, quote)) == [quote]
    # One cut, but the tail is too short to stand alone: whole.
    assert directive(text_fragment(PAGE, quote + "，特此通知。")) == [quote + "，特此通知。"]


def test_digits_around_an_ascii_comma_or_colon_are_not_cut():
    quote = "会议定于上午09:30在三楼会议室召开，共有1,200名代表参加本次大会并听取报告。"
    assert directive(text_fragment(PAGE, quote)) == [
        "会议定于上午09:30在三楼会议室召开",
        "共有1,200名代表参加本次大会并听取报告。",
    ]


def test_a_start_found_earlier_in_the_document_gets_the_clause_before_as_prefix():
    before = "标题\n\n评测指标包括：\n困惑度打分\n下游任务基准\n"
    assert directive(text_fragment(PAGE, "困惑度", before)) == ["下游任务基准-", "困惑度"]
    # Not found before: no prefix. A list marker is not page text.
    assert directive(text_fragment(PAGE, "困惑度", "标题\n\n准确率\n")) == ["困惑度"]
    assert directive(text_fragment(PAGE, "困惑度", "困惑度打分\n- 下游任务基准")) == ["下游任务基准-", "困惑度"]
    # A browser matches regardless of case.
    assert directive(text_fragment(PAGE, "WeChat小程序", "可以用WECHAT小程序。\n下一行")) == ["下一行-", "WeChat小程序"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://a.cn/p#sec", "https://a.cn/p#sec:~:text="),  # an anchor is kept
        ("https://a.cn/p#sec:~:text=old", "https://a.cn/p#sec:~:text="),  # an old directive replaced
        ("https://a.cn/p#:~:text=old", "https://a.cn/p#:~:text="),
        ("http://a.cn/p?q=1&r=2", "http://a.cn/p?q=1&r=2#:~:text="),
        ("  https://a.cn/p  ", "https://a.cn/p#:~:text="),
    ],
)
def test_an_existing_fragment(url, expected):
    assert text_fragment(url, "通知全文。") == expected + "%E9%80%9A%E7%9F%A5%E5%85%A8%E6%96%87%E3%80%82"


@pytest.mark.parametrize(
    "url",
    ["ftp://a.cn/p", "javascript:alert(1)", "file:///etc/passwd", "/doc/abc", "a.cn/p", "https://", "https://a.cn/a b"],
)
def test_only_http_urls_get_a_link(url):
    assert text_fragment(url, "通知全文。") is None


def test_an_empty_quote_links_the_page_itself():
    assert text_fragment("https://a.cn/p#:~:text=old", " \n") == "https://a.cn/p"
    assert text_fragment("https://a.cn/p#sec", "") == "https://a.cn/p#sec"


# --- urls.txt and sitemap.xml ----------------------------------------------------------------------

SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url><loc>https://example.gov.cn/notices/2024-winter.html</loc><lastmod>2024-11-01</lastmod></url>
  <url><loc> https://example.gov.cn/news/%E9%80%9A%E7%9F%A5.html </loc></url>
  <url><loc>javascript:alert(1)</loc></url>
  <url><loc>https://example.gov.cn/about/</loc></url>
</urlset>"""


def test_parse_urls_reads_lines_and_reports_bad_ones():
    entries, warnings = parse_urls(
        "# 网址表\n\nnews/a.md   https://a.cn/a.html\n./有 空格.md https://a.cn/b\nc.md ftp://a.cn/c\nd.md\n"
    )
    assert entries == [(3, "news/a.md", "https://a.cn/a.html"), (4, "有 空格.md", "https://a.cn/b")]
    assert len(warnings) == 2
    assert "第 5 行" in warnings[0] and "not an http/https URL" in warnings[0] and "ftp://a.cn/c" in warnings[0]
    assert "第 6 行" in warnings[1] and "no URL" in warnings[1]


def test_parse_sitemap_takes_page_locs():
    locs, warnings = parse_sitemap(SITEMAP)
    assert locs == [
        "https://example.gov.cn/notices/2024-winter.html",
        "https://example.gov.cn/news/%E9%80%9A%E7%9F%A5.html",
        "https://example.gov.cn/about/",
    ]
    assert len(warnings) == 1 and "javascript:alert(1)" in warnings[0]
    assert parse_sitemap(b"<urlset><url><loc>")[0] == []
    assert "sitemap.xml" in parse_sitemap(b"<urlset><url><loc>")[1][0]


def test_sitemap_urls_match_files_by_stem_and_never_guess():
    locs = [
        "https://s.cn/notices/2024-winter.html",
        "https://s.cn/news/%E9%80%9A%E7%9F%A5.html",  # 通知
        "https://s.cn/a/same.html",
        "https://s.cn/b/same.html",
        "https://s.cn/x/twice.html",
        "https://s.cn/y/twice.html",
        "https://s.cn/about/",
    ]
    files = ["2024-winter.md", "docs/通知.docx", "a/same.md", "b/same.md", "twice.md", "alone.md"]
    found, warnings = match_sitemap(locs, files)
    assert found == {
        "2024-winter.md": "https://s.cn/notices/2024-winter.html",
        "docs/通知.docx": "https://s.cn/news/%E9%80%9A%E7%9F%A5.html",
        "a/same.md": "https://s.cn/a/same.html",  # two files, two URLs: the folders decide
        "b/same.md": "https://s.cn/b/same.html",
    }
    assert len(warnings) == 1 and "twice.md" in warnings[0]  # two URLs for one file: neither is taken
    found, warnings = match_sitemap(["https://s.cn/same.html"], ["a/same.md", "b/same.md"])
    assert found == {} and "a/same.md" in warnings[0]  # one URL for two files: neither


def corpus_with_urls(root: Path) -> Path:
    write(root / "news/a.md", "# 冬季供暖\n\n今年冬季供暖从十一月十五日开始，请居民做好准备工作。\n")
    write(root / "notices/2024-winter.md", "# 停暖通知\n\n因管网检修，部分小区将于本周六暂停供暖一天。\n")
    write(root / "side.md", "# 侧车\n\n这篇文档的网址写在侧车文件里，侧车优先于网址表。\n")
    write(root / "side.md.meta.json", '{"url": "https://side.cn/s"}')
    write(
        root / "page.html",
        '<html><head><link rel="canonical" href="https://own.cn/page"><title>网页</title></head>'
        "<body><p>这是一个保存下来的网页，它声明了自己的规范网址。</p></body></html>",
    )
    write(root / "plain.md", "# 无网址\n\n这篇文档没有任何网址，引用只能链接到本站副本。\n")
    write(
        root / "urls.txt",
        "# 文件 网址\nnews/a.md https://a.cn/news/a.html\nside.md https://a.cn/side\nmissing.md https://a.cn/m\n"
        "plain.md mailto:x@a.cn\n",
    )
    write(
        root / "sitemap.xml",
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://a.cn/notices/2024-winter.html</loc></url><url><loc>https://a.cn/x/page.html</loc></url>"
        "<url><loc>https://a.cn/y/a.html</loc></url></urlset>",
    )
    return root


def test_urls_precedence_sidecar_list_page_sitemap(tmp_path):
    lines: list[str] = []
    corpus = load_corpus(corpus_with_urls(tmp_path), warn=lines.append)
    urls = {d.path: d.url for d in corpus.documents}
    assert urls == {
        "news/a.md": "https://a.cn/news/a.html",  # urls.txt before the sitemap's a.html
        "notices/2024-winter.md": "https://a.cn/notices/2024-winter.html",  # the sitemap
        "side.md": "https://side.cn/s",  # the sidecar first
        "page.html": "https://own.cn/page",  # the page's own canonical before the sitemap
        "plain.md": None,
    }
    assert corpus.skipped == []  # urls.txt and sitemap.xml are neither documents nor skipped files
    assert any("missing.md" in line and "第 4 行" in line for line in lines)
    assert any("mailto:x@a.cn" in line and "第 5 行" in line for line in lines)


def test_config_files_are_left_out_only_at_the_top(tmp_path):
    root = corpus_with_urls(tmp_path)
    write(root / "sub/urls.txt", "一个子文件夹里名为 urls.txt 的文件是普通文档，照常读取。\n")
    rels = [p.relative_to(root).as_posix() for p in corpus_files(root)]
    assert "urls.txt" not in rels and "sub/urls.txt" in rels
    assert "urls.txt" not in fingerprint(root)[1]


def test_fingerprint_follows_the_url_list_per_file(tmp_path):
    root = corpus_with_urls(tmp_path)
    lines: list[str] = []
    digest, states = fingerprint(root, warn=lines.append)
    assert any("missing.md" in line for line in lines)
    assert "url:" not in states["plain.md"] and "url:" in states["news/a.md"]
    text = (root / "urls.txt").read_text(encoding="utf-8")
    write(root / "urls.txt", text.replace("https://a.cn/news/a.html", "https://a.cn/news/a-2024.html"))
    digest2, states2 = fingerprint(root)
    assert digest2 != digest
    assert [rel for rel in states if states[rel] != states2[rel]] == ["news/a.md"]


def test_changing_urls_txt_reindexes_the_affected_document(tmp_path):
    root = corpus_with_urls(tmp_path / "corpus")
    encoder = HashEncoder(dim=FAKE_DIM)
    first = update_index(root, tmp_path / "index", lambda: encoder, encoder.name)
    assert sorted(first.added) == ["news/a.md", "notices/2024-winter.md", "page.html", "plain.md", "side.md"]
    assert first.skipped == []
    text = (root / "urls.txt").read_text(encoding="utf-8")
    write(root / "urls.txt", text + "plain.md https://a.cn/plain.html\n")
    second = update_index(root, tmp_path / "index", lambda: encoder, encoder.name)
    assert second.updated == ["plain.md"] and second.added == [] and second.removed == []
    index = builds.load(tmp_path / "index", model=encoder.name)
    assert {d.path: d.url for d in index.documents.values()}["plain.md"] == "https://a.cn/plain.html"
    assert not update_index(root, tmp_path / "index", lambda: encoder, encoder.name).built  # unchanged now


# --- the answer contract and the cards ---------------------------------------------------------------


def test_api_ask_carries_a_link_for_a_document_with_a_url_and_null_otherwise(tmp_path):
    root = corpus_with_urls(tmp_path / "corpus")
    encoder = HashEncoder(dim=FAKE_DIM)
    update_index(root, tmp_path / "index", lambda: encoder, encoder.name)
    answerer = Answerer(builds.load(tmp_path / "index", model=encoder.name), encoder)
    client = TestClient(create_app(answerer, Settings(rate_limit=0)), raise_server_exceptions=False)

    def first(question: str) -> dict:
        r = client.post("/api/ask", json={"question": question, "top_k": 1})
        assert r.status_code == 200, r.text
        data = r.json()
        assert data["passages"], data
        return data["passages"][0]

    hit = first("冬季供暖从几月几号开始？")
    assert hit["source"]["path"] == "news/a.md"
    assert hit["link"].startswith("https://a.cn/news/a.html#:~:text=")
    assert unquote(hit["link"].split(":~:text=")[1]) == hit["quote"]  # a short quote, matched whole
    bare = first("哪篇文档没有任何网址？")
    assert bare["source"]["path"] == "plain.md"
    assert bare["source"]["url"] is None and bare["link"] is None
    assert set(hit) >= {"rank", "id", "text", "quote", "quote_start", "quote_end", "score", "source", "also_in"}


def citation(link: str | None, url: str | None = None) -> Citation:
    source = Source("d1", "通知", None, None, None, "a.md", url, 2)
    return Citation(1, "d1-2-0", "正文。", "正文。", 0, 3, 1.0, source, link=link)


def test_card_opens_the_owner_page_at_the_quote_and_keeps_the_copy_here():
    link = 'https://a.cn/p?x=1&y="2"#:~:text=%E6%AD%A3'
    html = card(citation(link, "https://a.cn/p"))
    assert 'href="https://a.cn/p?x=1&amp;y=&quot;2&quot;#:~:text=%E6%AD%A3" target="_blank" rel="noopener' in html
    assert "查看原文" in html and "本站副本" in html
    assert 'href="/doc/d1?p=2#p2" target="_blank" rel="noopener">本站副本' in html
    assert "copy here" in card(citation(link), lang="en")


def test_card_without_a_link_opens_the_copy_here_only():
    for link in (None, "javascript:alert(1)"):
        html = card(citation(link))
        assert "javascript" not in html and "本站副本" not in html
        assert 'href="/doc/d1?p=2#p2" target="_blank" rel="noopener">查看原文' in html
