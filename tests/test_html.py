"""HTML pages and `.meta.json` sidecars in a corpus folder."""

from __future__ import annotations

import json

from helpers import write

from qa.ingest.corpus import fingerprint, load_corpus
from qa.ingest.html import parse_html
from qa.ingest.inspect import inspect_file

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


def test_a_data_table_is_read_as_name_value_pairs_and_a_layout_table_as_text(tmp_path):
    page = (
        "<html><body><h1>收费标准</h1><p>各类证件的工本费如下：</p>"
        "<table><thead><tr><th>证件</th><th>工本费</th><th>备注</th></tr></thead><tbody>"
        "<tr><td>借书证</td><td>10元</td><td></td></tr>"
        "<tr><td>补办借书证</td><td>20元</td><td>遗失后<br>凭身份证办理</td></tr></tbody></table>"
        "<table><tr><td>咨询电话</td><td>0571-8800-1234</td></tr><tr><td>开放时间</td><td>9:00至17:00</td></tr></table>"
        "<table><tr><td>"
        + "本馆实行免费开放，读者凭有效证件入馆，"
        * 8
        + "</td></tr><tr><td>每周一闭馆</td></tr></table>"
        "</body></html>"
    )
    # The page alone: one line per row.
    lines = parse_html(page).text.split("\n")
    # A header row names the columns; an empty cell is left out; a <br> inside a cell is a space.
    assert "证件：借书证，工本费：10元" in lines
    assert "证件：补办借书证，工本费：20元，备注：遗失后 凭身份证办理" in lines
    # Two cells and no header: 名：值.
    assert "咨询电话：0571-8800-1234" in lines and "开放时间：9:00至17:00" in lines
    # Long cells lay the page out: their text is read as it was, never turned into pairs.
    assert any(line.startswith("本馆实行免费开放") for line in lines) and "每周一闭馆" in lines
    # Through the web-page cleaner, which joins short lines into a paragraph, the pairs stay pairs.
    write(tmp_path / "fees.html", page)
    text = load_corpus(tmp_path).documents[0].text
    assert "证件：借书证，工本费：10元" in text and "咨询电话：0571-8800-1234" in text


def test_an_html_table_in_a_text_file_or_in_markdown_becomes_rows(tmp_path):
    table = "<table><tr><td>机柜编号</td><td>A01</td></tr><tr><td>负责人</td><td>周工</td></tr></table>"
    write(
        tmp_path / "notes.txt", f"机房巡检记录\n\n巡检完毕后填写下表。\n{table}\n巡检表交给值班长存档，每月汇总一次。\n"
    )
    write(tmp_path / "notes.md", f"# 机房巡检笔记\n\n巡检完毕后填写下表。\n\n{table}\n")
    docs = {d.path: d.text for d in load_corpus(tmp_path).documents}
    assert "机柜编号：A01\n负责人：周工" in docs["notes.md"]  # Markdown keeps short lines as lines
    assert "机柜编号：A01 负责人：周工" in docs["notes.txt"]


def test_a_list_under_the_sentence_that_introduces_it_stays_with_it_under_its_question(tmp_path, fake_encoder):
    from qa.answer.engine import Answerer
    from qa.search.edits import build

    write(
        tmp_path / "faq.html",
        "<html><head><title>常见问题</title></head><body><h1>常见问题解答</h1>"
        "<h3>2. 办理居住证需要准备哪些材料？</h3>"
        "<p>申请人应到居住地派出所或中心二楼B区公安综合窗口办理，需提供以下材料：</p>"
        "<ul><li>居民身份证原件及复印件</li><li>近期一寸白底免冠照片2张</li></ul>"
        "<p>材料齐全的，自受理之日起15个工作日内制发居住证。居住证每年需签注一次，可在有效期内通过线上渠道办理签注手续。</p>"
        "<h3>3. 新生儿落户在哪里办理？</h3>"
        "<p>新生儿一般应随父亲或母亲落户，监护人应自婴儿出生之日起30日内到中心二楼B区户籍窗口办理出生登记。</p>"
        "</body></html>",
    )
    [doc] = load_corpus(tmp_path).documents
    assert [doc.text[a:b] for a, b in doc.headings] == ["2. 办理居住证需要准备哪些材料？", "3. 新生儿落户在哪里办理？"]
    first = doc.paragraphs[0]
    assert doc.text[first.start : first.end] == (
        "申请人应到居住地派出所或中心二楼B区公安综合窗口办理，需提供以下材料：\n居民身份证原件及复印件\n近期一寸白底免冠照片2张"
    )
    assert first.heading == "2. 办理居住证需要准备哪些材料？"
    answerer = Answerer(build([doc], fake_encoder, max_chars=300, min_chars=12), fake_encoder, refusal=None)
    assert "照片2张" in answerer.ask("办居住证要交几张照片？", keep_refused=True).passages[0].quote


NEWS_PAGE = """<!DOCTYPE html><html><head><title>白鹭江隧道全线贯通_鹭湾新闻网</title></head><body>
<div class="topbar"><span>今天是2025年11月6日</span> <a href="/login">登录</a> | <a href="/m/">手机版</a></div>
<header><nav><ul>
  <li><a href="/">首页</a></li><li><a href="/local/">本地要闻</a></li><li><a href="/gov/">时政</a></li>
  <li><a href="/eco/">经济</a></li><li><a href="/video/">视频</a></li>
</ul></nav></header>
<div class="breadcrumb">当前位置：<a href="/">首页</a> &gt; <a href="/local/">本地要闻</a> &gt; 正文</div>
<article><h1>白鹭江隧道全线贯通 预计明年6月通车</h1>
<div class="info"><span>发布时间：2025-11-05 18:42</span> <span>来源：鹭湾日报</span>
<span>记者：温若琳 通讯员：章启航</span></div>
<p>11月5日上午，白鹭江隧道实现全线贯通，预计2026年6月底建成通车。</p>
<p>隧道全长4.7公里，其中江底段长约2.3公里，采用双向六车道城市快速路标准建设。</p>
<div class="editor">责任编辑：林晓舟</div></article>
<footer><p>鹭湾新闻网 版权所有 未经授权不得转载</p></footer></body></html>
"""


def test_a_pages_menu_is_one_dropped_line_and_a_byline_with_colons_is_its_author(tmp_path):
    # Each <li> of the <nav> used to be a line of its own: 本地要闻, 时政… read as short headings and stood
    # over every passage; the reporters' line (记者：… 通讯员：…) was taken for one more.
    write(tmp_path / "tunnel.html", NEWS_PAGE)
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "白鹭江隧道全线贯通 预计明年6月通车"
    assert doc.author == "记者：温若琳 通讯员：章启航"
    assert doc.source_line == "发布时间：2025-11-05 18:42 来源：鹭湾日报 记者：温若琳 通讯员：章启航 责任编辑：林晓舟"
    assert doc.headings == ()
    assert [doc.text[p.start : p.end] for p in doc.paragraphs] == [
        "11月5日上午，白鹭江隧道实现全线贯通，预计2026年6月底建成通车。",
        "隧道全长4.7公里，其中江底段长约2.3公里，采用双向六车道城市快速路标准建设。",
    ]
    for word in ("本地要闻", "时政", "经济", "视频"):
        assert word not in doc.text
    assert parse_html(NEWS_PAGE).text.count("首页 | 本地要闻 | 时政 | 经济 | 视频") == 1


def test_a_form_of_labels_and_values_is_read_row_by_row_however_long_its_values(tmp_path):
    # A service guide: a label in each row's first cell, a value (some long, one a list) in the second.
    page = (
        "<html><body><h1>灵活就业人员参保登记</h1><table>"
        "<tr><th>事项名称</th><td>灵活就业人员基本养老保险参保登记</td></tr>"
        "<tr><th>申请材料</th><td><ol><li>居民身份证原件；</li><li>本人名下的银行借记卡；</li></ol></td></tr>"
        "<tr><th>办理流程</th><td>申请 &rarr; 受理 &rarr; 办结。<br>网上办理：登录“渝川人社”App，进入“灵活就业参保”栏目，"
        + "填写个人信息并上传材料，审核结果将以短信方式通知；"
        * 3
        + "</td></tr>"
        "<tr><th>收费标准</th><td>不收费</td></tr>"
        "<tr><th>办理地点</th><td>渝川市政务服务中心二楼C区社保综合窗口</td></tr>"
        "<tr><th>咨询电话</th><td>0826-63124580</td></tr>"
        "</table></body></html>"
    )
    lines = parse_html(page).text.split("\n")
    assert "申请材料：居民身份证原件；" in lines and "申请材料：本人名下的银行借记卡；" in lines
    assert "办理流程：申请 → 受理 → 办结。" in lines
    write(tmp_path / "guide.html", page)
    [doc] = load_corpus(tmp_path).documents
    paragraphs = [doc.text[p.start : p.end] for p in doc.paragraphs]
    headings = [doc.text[a:b] for a, b in doc.headings]
    # Each row is text of its own: a short value is no heading, and no row runs into the next.
    for row in ("收费标准：不收费", "办理地点：渝川市政务服务中心二楼C区社保综合窗口", "咨询电话：0826-63124580"):
        assert row in paragraphs, paragraphs
    assert not any("：" in h for h in headings), headings


REGULATION_PAGE = """<html><head><title>澄川市居民住宅二次供水管理办法_政府规章</title></head><body>
<div class="top-bar"><span>无障碍浏览</span> | <a href="/m/">手机版</a> | <a href="/en/">English</a> | <a href="/login/">用户登录</a></div>
<form><input name="q"><button>搜索</button></form>
<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li><li><a href="/zwfw/">政务服务</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/zcwj/">政策文件</a></li></ul></div>
<table class="meta"><tr><td>索引号：</td><td>113609000031C4/2023-41752</td><td>主题分类：</td><td>城乡建设</td></tr>
<tr><td>文　　号：</td><td>澄川市人民政府令第118号</td><td>有 效 性：</td><td>有效</td></tr></table>
<h1>澄川市居民住宅二次供水管理办法</h1>
<p>第一条 为了加强居民住宅二次供水管理，保障二次供水的水质和供水安全，制定本办法。</p>
<p>第二条 二次供水设施由供水企业统一运营维护管理的，其运行维护费用纳入供水价格。</p>
<div class="side"><h3>相关法规</h3><ul><li><a href="/a">澄川市城市供水管理条例</a></li>
<li><a href="/b">澄川市节约用水办法</a></li><li><a href="/c">澄川市排水管理办法</a></li><li><a href="/d">澄川市供水应急预案</a></li></ul></div>
</body></html>"""


def test_a_menu_of_links_in_any_list_is_a_dropped_menu_and_label_cells_join_their_values(tmp_path):
    # The site's menu is a <ul> of links styled as a bar, not a <nav>: item by item it read as one long heading
    # over the page; the metadata table's label cells (索引号：) stood apart from their values behind a comma.
    write(tmp_path / "rules.html", REGULATION_PAGE)
    [doc] = load_corpus(tmp_path).documents
    assert doc.headings == ()
    for word in ("政务公开", "手机版", "搜索"):
        assert word not in doc.text
    assert "索引号：113609000031C4/2023-41752，主题分类：城乡建设" in doc.text
    assert "文号：澄川市人民政府令第118号，有效性：有效" in doc.text
    dropped = [d["text"] for d in inspect_file(tmp_path / "rules.html").to_dict()["dropped"]]
    assert any("澄川市节约用水办法" in d for d in dropped)  # links with long titles: no menu, left out as an end
    assert "首页 | 政务公开 | 政务服务 | 互动交流 | 政策文件" in dropped
    assert "无障碍浏览 | 手机版 | English | 用户登录" in dropped
