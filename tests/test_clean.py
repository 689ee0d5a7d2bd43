"""Cleaning scraped articles: boilerplate gone, metadata found, body kept.

The seed tests pin what a reader of the five bundled articles expects; the
synthetic tests check the same rules on an invented page.
"""

from __future__ import annotations

import pytest
from helpers import seed_doc

from qa.ingest.chunk import chunk
from qa.ingest.clean import parse_article

SEEDS = ["000", "001", "002", "003", "004"]

BOILERPLATE = [
    "版权",
    "当前位置",
    "返回顶部",
    "责任编辑",
    "免责声明",
    "联系我们",
    "在线咨询",
    "分享本页",
    "相关新闻",
    "手机细览",
    "今天是",
    "ICP",
    "字号",
    "技术支持",
    "本网",
    "←",
    "本版摄影",
    "News GDPP",
]

CAPTIONS = [
    "佛山市检察院举行“双导师”培养成长计划导师聘任仪式",
    "卫东区人民法院干警在院史室学习院史",
    "卫东区人民法院四支部干警重温入党誓词",
    "潮州市潮安区检察院举行",
]


def _paragraph_texts(doc):
    return [doc.text[p.start : p.end] for p in doc.paragraphs]


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_boilerplate_in_passages_or_paragraphs(seed_docs, prefix):
    doc = seed_doc(seed_docs, prefix)
    found = []
    for passage in chunk(doc):
        found += [(needle, passage.id, passage.text[:40]) for needle in BOILERPLATE if needle in passage.text]
    for number, text in enumerate(_paragraph_texts(doc), 1):
        found += [(needle, f"paragraph {number}", text[:40]) for needle in BOILERPLATE if needle in text]
    assert found == []


@pytest.mark.parametrize("prefix", SEEDS)
def test_no_boilerplate_in_title_or_headings(seed_docs, prefix):
    doc = seed_doc(seed_docs, prefix)
    shown = [doc.title] + [doc.text[a:b] for a, b in doc.headings]
    assert [(needle, s) for s in shown for needle in BOILERPLATE if needle in s] == []


@pytest.mark.parametrize("caption", CAPTIONS)
def test_photo_captions_are_not_passages(seed_docs, caption):
    for doc in seed_docs:
        for passage in chunk(doc):
            assert caption not in passage.text, passage.id
            assert caption not in (passage.heading or ""), passage.id


@pytest.mark.parametrize(
    "prefix,title",
    [
        ("000", "奋进新征程 建功新时代|东营检察:“四心”并举强党建 争当先锋铸检魂"),
        ("001", "检察日报:这个党建创新“最佳案例”名不虚传"),
        ("002", "“四个引领”让党建工作严起来实起来活起来"),
        ("003", "打造“3315”党建工作模式,跑出高质量发展加速度(1336党建工作模式实施方案)"),
        ("004", "实施“红蓝橙青”工程 打造“动车党建”品牌"),
    ],
)
def test_seed_titles(seed_docs, prefix, title):
    doc = seed_doc(seed_docs, prefix)
    assert doc.title == title
    assert doc.text.startswith(title + "\n\n")


@pytest.mark.parametrize(
    "prefix,publisher",
    [("000", "东营日报社/爱东营"), ("001", "检察日报"), ("002", "本报"), ("003", "检察日报"), ("004", None)],
)
def test_seed_publishers(seed_docs, prefix, publisher):
    assert seed_doc(seed_docs, prefix).publisher == publisher


@pytest.mark.parametrize(
    "prefix,date", [("000", None), ("001", "2022-07-08"), ("002", None), ("003", None), ("004", None)]
)
def test_seed_dates(seed_docs, prefix, date):
    assert seed_doc(seed_docs, prefix).date == date


@pytest.mark.parametrize("prefix,author", [("000", "苟金玲"), ("001", None), ("003", None), ("004", "高忠祥 于慧")])
def test_seed_authors(seed_docs, prefix, author):
    assert seed_doc(seed_docs, prefix).author == author


def test_seed_byline_gives_both_authors(seed_docs):
    author = seed_doc(seed_docs, "002").author
    assert author is not None
    assert "卢拥军" in author and "邱军伟" in author


def test_trailing_author_names_are_not_a_paragraph(seed_docs):
    doc = seed_doc(seed_docs, "004")
    assert not any("高忠祥" in text for text in _paragraph_texts(doc))
    doc = seed_doc(seed_docs, "000")
    assert not any("苟金玲" in text for text in _paragraph_texts(doc))


def test_section_heading_is_a_heading_not_a_passage(seed_docs):
    heading = "守初心,在筑牢政治忠诚上争当先锋"
    doc = seed_doc(seed_docs, "000")
    passages = chunk(doc)
    assert all(p.text != heading and not p.text.startswith(heading) for p in passages)
    under = [p for p in passages if p.heading == heading]
    assert under, "no passage carries the section heading"
    assert any(p.text.startswith("为突出党绝对领导下的政治机关") for p in under)
    # The next section's passages carry the next heading, not this one.
    nxt = next(p for p in passages if "检史陈列馆" in p.text)
    assert nxt.heading == "筑匠心,在担当实干创新上争当先锋"
    assert heading in [doc.text[a:b] for a, b in doc.headings]


def test_line_broken_mid_sentence_is_one_paragraph(seed_docs):
    doc = seed_doc(seed_docs, "002")
    joined = [t for t in _paragraph_texts(doc) if "专业素养" in t]
    assert len(joined) == 1
    assert "不断提高专业素养,开阔视野" in joined[0]
    assert not any(t.startswith("养,") for t in _paragraph_texts(doc))


def test_scraped_nav_header_is_not_the_title(seed_docs):
    doc = seed_doc(seed_docs, "001")
    assert "中国体育竞彩网" not in doc.title  # the <title> of the scraped page, with site name
    assert not doc.text.startswith("手机细览")


# --- synthetic: the same rules on an invented page ---------------------------------------------

BODY_1 = (
    "某市中级人民法院日前推出网上立案服务，当事人足不出户即可完成立案。该院负责人表示，这项措施将大幅节约群众时间。"
)
BODY_2 = "据介绍，今年以来该院网上立案数量已超过一万件，占全部立案的六成以上。"
TITLE = "某市法院推出网上立案新举措"


def _page(date_line: str = "发布时间：2023-05-06 10:00", source_line: str = "来源：新华社") -> str:
    lines = [
        "当前位置：首页 > 新闻中心 > 法院动态",
        TITLE,
        source_line,
        date_line,
        "　　" + BODY_1,
        "　　" + BODY_2,
        "责任编辑：张三",
        "版权所有 © 2023 某市法院网 京ICP备12345678号",
    ]
    return "\n".join(line for line in lines if line) + "\n"


def test_synthetic_page_title_publisher_body_footer():
    article = parse_article(_page())
    assert article.title == TITLE
    assert article.publisher == "新华社"
    paragraphs = [b.text for b in article.blocks if b.kind == "para"]
    assert paragraphs == [BODY_1, BODY_2]
    everything = " ".join(b.text for b in article.blocks) + (article.subtitle or "")
    for gone in ("当前位置", "首页", "张三", "责任编辑", "版权", "ICP", "来源"):
        assert gone not in everything


def test_synthetic_date_on_the_source_line():
    article = parse_article(_page(date_line="", source_line="来源：新华社　发布时间：2023-05-06 10:00"))
    assert article.publisher == "新华社"
    assert article.date == "2023-05-06"


def test_synthetic_date_on_its_own_line():
    article = parse_article(_page())
    assert article.date == "2023-05-06"
    assert all("发布时间" not in b.text for b in article.blocks)
    assert "发布时间" not in (article.subtitle or "")


@pytest.mark.parametrize("opener", ["责任编辑：张三", "相关新闻", "免责声明", "版权与免责声明"])
def test_synthetic_footer_stops_the_body(opener):
    related = "某市法院召开年度工作会议，部署全年重点工作任务，会议由院长主持。"
    article = parse_article("\n".join([TITLE, BODY_1, BODY_2, opener, related]))
    paragraphs = [b.text for b in article.blocks if b.kind == "para"]
    assert paragraphs == [BODY_1, BODY_2]


def test_synthetic_byline_gives_author_and_paper():
    text = "\n".join([TITLE, "■本报记者 王小明 通讯员 李红", BODY_1, BODY_2])
    article = parse_article(text)
    assert article.author is not None and "王小明" in article.author and "李红" in article.author
    assert article.publisher == "本报"
    assert [b.text for b in article.blocks if b.kind == "para"] == [BODY_1, BODY_2]


ONE_LINE_PAGE = (
    "某某新闻网 > 本地新闻 > 正文 2023-05-06 08:30:00 来源：某某日报 作者：记者 张三 【字体：大 中 小】 【打印本页】 "
    "市图书馆新馆今日开放 5月6日上午，市图书馆新馆正式对外开放，新馆建筑面积三万平方米，设有少儿阅览区和数字体验区。"
    "本网声明：凡注明“来源：某某新闻网”的所有作品，版权均属于某某新闻网，未经本网授权不得转载。"
    "（上接第一页）新馆每周二至周日开放，周一闭馆，读者凭身份证即可免费办理借阅证。"
    "相关新闻： 市博物馆举办春季特展 | 区文化馆开设书法班 责任编辑：李四 关于我们 | 联系我们 | "
    "Copyright © 2023 某某新闻网 All Rights Reserved"
)


def test_a_page_stored_on_one_line_loses_its_header_and_footer_and_keeps_every_sentence():
    article = parse_article(ONE_LINE_PAGE)
    assert article.title == "市图书馆新馆今日开放"
    assert (article.date, article.publisher, article.author) == ("2023-05-06", "某某日报", "张三")
    body = "\n".join(b.text for b in article.blocks)
    assert body.startswith("5月6日上午，市图书馆新馆正式对外开放")
    assert "周一闭馆，读者凭身份证即可免费办理借阅证。" in body  # the text after the legal notice stays
    for junk in ("正文", "打印本页", "字体：", "本网声明", "版权", "相关新闻", "责任编辑", "关于我们", "Copyright"):
        assert junk not in body, junk
    rules = {d.rule for d in article.dropped}
    assert {"navigation", "metadata", "widget", "legal", "footer"} <= rules


def test_a_one_line_page_whose_menu_comes_before_the_headline_is_read_as_a_page():
    # The site's menu opens the line, the headline holds a space, the reporter has no colon, share and font
    # widgets stand between the header and the text.
    line = (
        "首页 > 社会 > 正文 | 江城在线 手机版 | 登录 | 注册 热门：天气 | 招聘 江城东湖隧道今日通车 "
        "过江只需五分钟 2025-09-30 09:05 来源：江城晚报 记者 赵明远 通讯员 钱小禾 分享到： 微信 微博 字号：大 中 小 "
        "本报讯 9月30日上午，江城东湖隧道正式通车，隧道全长3.2公里，设计时速60公里，双向六车道。"
        "未经本网授权，不得转载、摘编或以其他方式使用本网作品。隧道通车后，从东湖西岸到高新区的车程由40分钟缩短到5分钟。"
        "责任编辑：孙丽 相关阅读： 江城地铁5号线开工 关于我们 | 联系我们 Copyright © 2025 江城在线"
    )
    article = parse_article(line)
    assert article.title == "江城东湖隧道今日通车 过江只需五分钟"
    assert (article.date, article.publisher) == ("2025-09-30", "江城晚报")
    assert "赵明远" in article.author
    body = "\n".join(b.text for b in article.blocks)
    assert body.startswith("9月30日上午，江城东湖隧道正式通车")
    assert "由40分钟缩短到5分钟。" in body
    for junk in ("首页", "手机版", "登录", "招聘", "来源", "记者 赵明远", "分享到", "字号", "未经本网授权", "责任编辑"):
        assert junk not in body, junk


_HEADLINE = "江城东湖隧道今日通车"
_TEXT = (
    "9月30日上午，江城东湖隧道正式通车，隧道全长3.2公里，设计时速60公里，双向六车道。隧道通车后，从东湖西岸到高新区的"
    "车程由40分钟缩短到5分钟，每天可分流过江车辆约4万辆次。"
)


@pytest.mark.parametrize(
    "header",
    [
        f"当前位置：首页 > 新闻中心 > 本地要闻 {_HEADLINE} 发布时间：2025-09-30 10:20 来源：江城晚报 作者：赵明远 "
        "浏览次数：1234 【字体：大 中 小】",
        f"{_HEADLINE}_江城在线 首页 > 本地 > 正文 2025-09-30 10:20:31 来源：江城晚报 责任编辑：孙丽",
        f"首页 | 新闻 | 政务 | 视频 | 专题 {_HEADLINE} 2025-09-30 来源：江城晚报",
        f"江城在线 > 本地新闻 > 正文 {_HEADLINE} 时间：2025-09-30 来源：江城晚报 记者：赵明远",
        f"{_HEADLINE} 来源：江城晚报 | 作者：赵明远 | 发布时间：2025-09-30 | 阅读：1024",
        f"首页 > 政务公开 > 通知公告 {_HEADLINE} 发布日期：2025-09-30 信息来源：江城晚报 浏览次数：356 【打印本页】 【关闭窗口】",
    ],
)
def test_the_header_of_a_one_line_page_is_read_whatever_its_order(header: str):
    article = parse_article(f"{header} {_TEXT}")
    assert (article.title, article.date, article.publisher) == (_HEADLINE, "2025-09-30", "江城晚报")
    assert [b.text for b in article.blocks] == [_TEXT]


def test_a_long_line_is_unfolded_only_when_it_opens_like_a_page_and_keeps_a_footer_phrase_before_text():
    # One header part (a source) is not a page header; the line is content that names its source.
    line = (
        "来源：新华社 今年以来，全市新建社区图书室二十个，覆盖八成以上的街道和乡镇，"
        "相关新闻：记者从市文化局获悉，明年还将新建十个，并为每个图书室配备两名管理员。"
    )
    article = parse_article(line)
    assert "全市新建社区图书室二十个" in article.blocks[0].text
    assert "并为每个图书室配备两名管理员。" in article.blocks[0].text  # a sentence follows 相关新闻：: nothing cut


def test_a_one_line_page_whose_breadcrumb_follows_the_menu_keeps_its_headline_and_every_reporter():
    # The menu and the breadcrumb hold more Chinese than the headline: the headline is what the fields follow.
    line = (
        "首页 新闻 本地 乡镇 图片 视频 专题 论坛 登录 注册 搜索 您当前的位置：首页 > 新闻中心 > 乡镇动态 "
        "桐溪县第五届杨梅文化节开幕 首日成交额突破360万元 2025-06-14 09:27:05 来源：桐溪融媒 记者：俞佳禾 "
        "实习生：柏一鸣 【字体：大 中 小】 【打印】 6月13日上午，桐溪县第五届杨梅文化节在石塘镇上溪村杨梅广场开幕，"
        "将持续至6月28日，其间将举办杨梅品鉴、采摘体验等12项活动。今年全县杨梅种植面积达5.8万亩。"
        "未经本网授权不得转载、摘编，违者必究。园区门票为每人30元，采摘带走的杨梅另按每斤25元计价。"
        "责任编辑：胡亦然 相关新闻： 石塘镇打造杨梅产业数字化服务平台 关于我们 | 网站地图"
    )
    article = parse_article(line)
    assert article.title == "桐溪县第五届杨梅文化节开幕 首日成交额突破360万元"
    assert (article.date, article.publisher, article.author) == (
        "2025-06-14",
        "桐溪融媒",
        "记者：俞佳禾 实习生：柏一鸣",
    )
    body = "\n".join(b.text for b in article.blocks)
    assert body.startswith("6月13日上午，桐溪县第五届杨梅文化节") and body.endswith("另按每斤25元计价。")
    assert {d.rule for d in article.dropped if "您当前的位置" in d.text} == {"navigation"}


def test_a_one_line_notice_keeps_its_sections_and_loses_the_site_menu_and_the_links_after_it():
    # The site's name and a long menu come before the breadcrumb; the notice's line breaks became spaces; the print
    # and close buttons and the previous and next articles follow the signature.
    line = (
        "岚州燃气有限公司 首页 走进燃气 新闻中心 通知公告 用气服务 营业网点 安全用气 网上营业厅 党建园地 联系我们 "
        "当前位置：首页 > 通知公告 关于东城区部分区域暂停供气的通知 发布时间：2025-10-08 09:15 来源：岚州燃气客服中心 "
        "浏览次数：532 尊敬的用户： 为配合东城区燃气管网改造工程，我公司将对相关区域暂停供气。现将有关事项通知如下： "
        "一、停气时间 2025年10月12日8:00至18:00，共计10小时。 二、停气范围 解放路两侧，包括锦苑小区、东城第一小学。 "
        "三、温馨提示 1. 请关闭燃气表前阀门。 2. 恢复供气后请勿自行点火，等待工作人员上门检查。 "
        "岚州燃气有限公司 2025年10月8日 【打印】 【关闭】 上一篇：关于调整营业时间的公告 下一篇：关于燃气安全检查的通知 "
        "网站首页 | 网站地图 | 联系我们 版权所有：岚州燃气有限公司 本网站最佳浏览分辨率1920×1080"
    )
    article = parse_article(line)
    assert article.title == "关于东城区部分区域暂停供气的通知"
    assert (article.date, article.publisher) == ("2025-10-08", "岚州燃气客服中心")
    blocks = [(b.kind, b.text) for b in article.blocks]
    assert ("heading", "一、停气时间") in blocks
    assert ("para", "2025年10月12日8:00至18:00，共计10小时。") in blocks
    assert ("heading", "二、停气范围") in blocks
    assert ("para", "1. 请关闭燃气表前阀门。") in blocks
    assert ("para", "2. 恢复供气后请勿自行点火，等待工作人员上门检查。") in blocks
    body = "\n".join(b.text for b in article.blocks)
    assert body.startswith("尊敬的用户：")
    for junk in ("首页", "走进燃气", "当前位置", "打印", "上一篇", "下一篇", "版权所有", "分辨率"):
        assert junk not in body, junk
