"""HTML pages and `.meta.json` sidecars in a corpus folder."""

from __future__ import annotations

import json

from helpers import write

from qa.ingest.corpus import fingerprint, load_corpus
from qa.ingest.html import parse_html

PAGE = """<!DOCTYPE html>
<html><head>
<meta charset="utf-8">
<title>网站标题_某某新闻网</title>
<link rel="canonical" href="https://example.com/a">
<meta property="og:url" content="https://example.com/og-a">
<style>body { color: red; } .nav { display: none; }</style>
<script>alert(1)</script>
</head><body>
<nav><a href="/">首页</a> &gt; <a href="/news">新闻</a></nav>
<h1>庆云县检察院上线电子送达平台</h1>
<p>今年3月，庆云县检察院自主研发电子送达平台，实现法律文书自助式送达。</p>
<p>该平台上线以来，已累计送达法律文书三百余份，受到当事人欢迎。</p>
<script type="text/javascript">var x = "<p>脚本里的字</p>"; alert(2);</script>
<footer>版权所有 © 2023 某某新闻网</footer>
</body></html>
"""

OG_ONLY = """<html><head><title>第二篇</title>
<meta property="og:url" content="https://example.com/b"></head>
<body><h1>德州市检察院开展普法活动</h1>
<p>德州市检察院近日走进社区开展普法宣传活动，发放宣传资料五百余份。</p></body></html>
"""


def test_html_page_url_title_and_clean_text(tmp_path):
    write(tmp_path / "a.html", PAGE)
    corpus = load_corpus(tmp_path)
    assert corpus.skipped == []
    [doc] = corpus.documents
    assert doc.url == "https://example.com/a"  # canonical wins over og:url
    assert doc.title == "庆云县检察院上线电子送达平台"
    for junk in ("alert(1)", "alert(2)", "脚本里的字", "color: red", "display: none", "{", "网站标题", "版权", "首页"):
        assert junk not in doc.text
    paragraphs = [doc.text[p.start : p.end] for p in doc.paragraphs]
    assert paragraphs == [
        "今年3月，庆云县检察院自主研发电子送达平台，实现法律文书自助式送达。",
        "该平台上线以来，已累计送达法律文书三百余份，受到当事人欢迎。",
    ]


def test_html_og_url_when_no_canonical(tmp_path):
    write(tmp_path / "b.htm", OG_ONLY)
    [doc] = load_corpus(tmp_path).documents
    assert doc.url == "https://example.com/b"
    assert doc.title == "德州市检察院开展普法活动"


def test_html_title_falls_back_to_title_tag():
    page = parse_html("<html><head><title>网页标题</title></head><body><p>正文内容。</p></body></html>")
    assert page.title == "网页标题"
    assert "网页标题" not in page.text


def test_html_two_h1_do_not_merge_into_one_title():
    page = parse_html(
        "<html><body><header><h1>某某新闻网</h1></header>"
        "<article><h1>庆云县检察院上线电子送达平台</h1><p>今年3月，庆云县检察院自主研发电子送达平台。</p></article>"
        "</body></html>"
    )
    assert page.title in {"某某新闻网", "庆云县检察院上线电子送达平台"}


ARTICLE = "乐陵市检察院举办开放日活动\n\n乐陵市检察院日前举办检察开放日活动，邀请四十二名人大代表走进检察院。\n"


def test_sidecar_sets_url_and_publisher(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "a.meta.json", json.dumps({"url": "https://example.com/x", "publisher": "德州日报"}))
    corpus = load_corpus(tmp_path)
    assert [d.path for d in corpus.documents] == ["a.txt"]  # the sidecar is not a document
    doc = corpus.documents[0]
    assert doc.url == "https://example.com/x"
    assert doc.publisher == "德州日报"
    assert doc.title == "乐陵市检察院举办开放日活动"


def test_sidecar_with_full_file_name(tmp_path):
    write(tmp_path / "b.txt", ARTICLE)
    write(tmp_path / "b.txt.meta.json", json.dumps({"url": "https://example.com/y", "date": "2023-05-06"}))
    [doc] = load_corpus(tmp_path).documents
    assert doc.url == "https://example.com/y"
    assert doc.date == "2023-05-06"


def test_broken_sidecar_is_ignored(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "a.meta.json", "{not json")
    [doc] = load_corpus(tmp_path).documents
    assert doc.url is None
    assert doc.title == "乐陵市检察院举办开放日活动"


def test_sidecar_change_changes_the_fingerprint(tmp_path):
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / "a.meta.json", json.dumps({"url": "https://example.com/x"}))
    before, _ = fingerprint(tmp_path)
    write(tmp_path / "a.meta.json", json.dumps({"url": "https://example.com/changed"}))
    after, _ = fingerprint(tmp_path)
    assert before != after
