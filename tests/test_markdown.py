"""Markdown and text with markup: what is kept, what is dropped and why; nothing silently lost.

Documents are in tests/data/formats/ or written here.
"""

from __future__ import annotations

from pathlib import Path

from helpers import TESTS_DIR, write

from qa.ingest.chunk import chunk
from qa.ingest.corpus import load_corpus, read_document
from qa.ingest.inspect import inspect_file
from qa.ingest.markdown import looks_like_markdown, parse_markdown

FORMATS = TESTS_DIR / "data" / "formats"


def texts(path: Path) -> list[str]:
    return [p.text for p in chunk(read_document(path, path.name))]


def test_notes_keep_nested_lists_tables_code_and_link_text():
    notes = read_document(FORMATS / "study_notes.md", "study_notes.md")
    assert notes.title == "检索增强学习笔记"
    passages = chunk(notes)
    by_heading = {p.heading: p.text for p in passages}
    # A nested list stays with its parent item, one line each.
    assert by_heading["分词"].startswith("中文分词\n结巴分词支持精确模式和搜索引擎模式\n用户词典可以加入领域新词")
    # A table becomes one line per row of 列名：值 pairs.
    assert by_heading["向量模型对比"].split("\n") == [
        "模型：m3e-small，维度：512，语言：中文",
        "模型：bge-base-zh，维度：768，语言：中文",
    ]
    code = [p.text for p in passages if p.heading == "安装命令"]
    assert "pip install faiss-cpu <不要加 gpu>" in code  # code stays verbatim, markup and all
    assert "更多内容见结巴分词的官方文档。" in code  # the link's text, without its address
    joined = "\n".join(p.text for p in passages)
    assert "flow.png" not in joined and "流程图" not in joined and "以后补充" not in joined


def test_what_markdown_drops_is_listed_with_its_rule():
    report = inspect_file(FORMATS / "study_notes.md").to_dict()
    rules = {d["rule"]: d["text"] for d in report["dropped"]}
    assert rules == {"image": "![流程图](img/flow.png)", "markup": "<!-- 以后补充 -->"}
    assert [h["text"] for h in report["headings"]] == ["分词", "向量模型对比", "安装命令"]


def test_a_list_only_outline_is_indexed_with_its_items_under_their_parents():
    found = texts(FORMATS / "outline.md")
    assert found == [
        "训练框架\ndeepspeed\nmegatron-lm\n张量并行\n流水线并行",
        "显存优化\n混合精度\n梯度检查点\nZeRO 分片",
    ]


def test_front_matter_gives_metadata_and_headings_their_levels():
    article = parse_markdown(
        "---\ntitle: 周报\ndate: 2024-05-06\nauthor: 李雷\n---\n\n## 本周进展\n\n### 后端\n\n完成了接口联调。\n\n## 下周计划\n\n上线灰度版本。\n"
    )
    assert (article.title, article.date, article.author) == ("周报", "2024-05-06", "李雷")
    assert [(b.kind, b.text, b.level) for b in article.blocks] == [
        ("heading", "本周进展", 2),
        ("heading", "后端", 3),
        ("para", "完成了接口联调。", 0),
        ("heading", "下周计划", 2),
        ("para", "上线灰度版本。", 0),
    ]


def test_heading_paths_follow_levels(tmp_path: Path):
    write(
        tmp_path / "w.md",
        "# 周报\n\n## 本周进展\n\n### 后端\n\n完成了接口联调工作。\n\n## 下周计划\n\n上线灰度版本并观察指标。\n",
    )
    assert [p.heading for p in chunk(read_document(tmp_path / "w.md", "w.md"))] == ["本周进展 › 后端", "下周计划"]


def test_wrapped_markdown_lines_join_and_short_lines_stay_lines():
    article = parse_markdown(
        "这是一段被编辑器自动折行的很长的中文段落，作者在写作时每隔三十来个字就换一次行\n继续写完这句话。\n\n"
        "出租方：王建华\n承租方：陈思远\n"
    )
    assert [b.text for b in article.blocks] == [
        "这是一段被编辑器自动折行的很长的中文段落，作者在写作时每隔三十来个字就换一次行继续写完这句话。",
        "出租方：王建华\n承租方：陈思远",
    ]


def test_a_text_file_written_in_markdown_is_read_as_markdown(tmp_path: Path):
    write(
        tmp_path / "readme.txt",
        "# 使用说明\n\n## 安装\n\n- 下载安装包\n- 双击运行安装程序\n\n| 版本 | 日期 |\n|---|---|\n| 2.1 | 三月 |\n",
    )
    assert looks_like_markdown((tmp_path / "readme.txt").read_text(encoding="utf-8"))
    assert texts(tmp_path / "readme.txt") == ["下载安装包\n双击运行安装程序", "版本：2.1，日期：三月"]


def test_a_page_break_div_in_a_text_file_is_never_a_passage():
    found = texts(FORMATS / "pagebreak.txt")
    assert found == [
        "本年度社区图书室共接待读者一万二千余人次，较上年增长百分之十八。",
        "图书室新购图书八百册，其中少儿读物占三成，另接受居民捐赠图书二百一十册。",
        "下一年度计划开设周末亲子阅读课，每月两次，由志愿者轮流主讲。",
    ]


def test_inline_markdown_in_a_text_file_is_read_but_masked_digits_stay(tmp_path: Path):
    write(
        tmp_path / "notice.txt",
        "停车场收费通知\n\n小型车每小时五元，一天最多收费三十元。\n\n**注意**：夜间22:00后免费，详见[收费标准](https://example.com/fee)。\n\n"
        "![收费牌](fee.png) 月卡每月三百元。\n\n违章车辆苏af***3的车主李某，1973年**月**日出生。\n",
    )
    found = texts(tmp_path / "notice.txt")
    joined = "\n".join(found)
    assert "注意：夜间22:00后免费，详见收费标准。" in joined
    assert "**注意**" not in joined and "example.com" not in joined and "fee.png" not in joined
    assert "月卡每月三百元。" in joined
    assert "苏af***3" in joined and "1973年**月**日出生" in joined  # masked, not emphasis: kept as written
    dropped = inspect_file(tmp_path / "notice.txt").to_dict()["dropped"]
    assert any(d["rule"] == "image" and "fee.png" in d["text"] for d in dropped)
    # A regulation typed as plain text (numbered articles) is read the same way.
    write(
        tmp_path / "rules.txt",
        "停车管理规定\n\n第一条 **夜间**免费停车。\n\n第二条 收费标准见[公示牌](https://example.com/p)。\n",
    )
    assert "\n\n".join(texts(tmp_path / "rules.txt")) == "第一条 夜间免费停车。\n\n第二条 收费标准见公示牌。"


def test_a_one_line_article_loses_only_the_copyright_clauses_and_the_editor_field():
    article = read_document(FORMATS / "oneline_news.txt", "oneline_news.txt")
    [passage] = chunk(article)
    assert passage.text.startswith("本报讯 今年秋季，青禾县第一中学新建的天文观测台正式投入使用")
    assert "观测台每周三和周六晚上向学生开放" in passage.text and passage.text.endswith(
        "每学期组织不少于四次联合观测课。"
    )
    assert "未经本网授权" not in passage.text and "Copyright" not in passage.text and "编辑" not in passage.text
    dropped = {d["rule"] for d in inspect_file(FORMATS / "oneline_news.txt").to_dict()["dropped"]}
    assert dropped == {"legal", "footer"}


def test_a_file_of_navigation_only_is_skipped_with_the_rule_and_its_first_characters(tmp_path: Path):
    write(tmp_path / "nav.txt", "首页 > 新闻中心 > 通知公告\n版权所有：某某网 京ICP备12345678号\n")
    write(tmp_path / "ok.md", "# 说明\n\n正文内容在这里，说明了办理流程。\n")
    warnings: list[str] = []
    corpus = load_corpus(tmp_path, warn=warnings.append)
    [skipped] = corpus.skipped
    assert skipped.path == "nav.txt"
    assert "导航" in skipped.reason and "navigation" in skipped.reason and "首页 > 新闻中心" in skipped.reason
    assert [d.path for d in corpus.documents] == ["ok.md"]


def test_indexing_names_a_file_that_lost_more_than_half_of_its_text(tmp_path: Path):
    body = "这是正文的一句话，讲述了社区活动的安排。"
    legal = "\n".join(f"友情链接{n} | 版权所有 某某网 京ICP备1234567{n}号" for n in range(12))
    write(tmp_path / "page.txt", f"社区活动安排\n\n{body}\n\n{legal}\n")
    warnings: list[str] = []
    [doc] = load_corpus(tmp_path, warn=warnings.append).documents
    assert doc.kept_share < 0.5
    assert len(warnings) == 1 and "page.txt" in warnings[0] and "qa inspect" in warnings[0]


def test_a_footnote_is_read_as_a_note_and_its_marker_leaves_the_heading():
    # Read as CommonMark alone, "[^1]: …" is a link definition: the note vanished, unlisted.
    article = parse_markdown(
        "# 机房巡检笔记[^1]\n\n## 温湿度\n\n温度保持在18～27℃[^t]。\n\n"
        "[^1]: 本笔记仅供内部使用。\n[^t]: 夏季按\n    空调说明书调整。\n"
    )
    assert [b.text for b in article.blocks if b.kind == "heading"] == ["机房巡检笔记", "温湿度"]
    paragraphs = [b.text for b in article.blocks if b.kind == "para"]
    # Each note stands with what cites it, as a reader finds it: the title's note after the title, the
    # temperature's as the last line of its paragraph.
    assert paragraphs == ["注1：本笔记仅供内部使用。", "温度保持在18～27℃。\n注t：夏季按\n空调说明书调整。"]
    assert [d.text for d in article.dropped] == ["[^1]", "[^t]"]


def test_task_list_boxes_become_marks_that_keep_whether_the_task_is_done():
    article = parse_markdown("## 巡检\n\n- [x] 检查空调出风口\n- [ ] 检查漏水感应线\n")
    assert [b.text for b in article.blocks if b.kind == "para"] == ["☑ 检查空调出风口\n☐ 检查漏水感应线"]


def test_a_line_wholly_in_bold_is_a_heading_beside_those_written_with_hashes():
    text = (
        "# 云栖峡风景区游客须知\n\n**一、开放时间**\n\n旺季：08:00—18:00，17:00停止售票及入园\n\n"
        "## 🎫 购票与入园\n\n门票当日有效，限入园一次。\n\n**三、推荐游览线路**\n\n经典半日游：游客中心 → 飞云瀑 → 南门出口\n\n"
        "**请勿翻越护栏。**\n\n**注意：** 雨天栈道湿滑。\n"
    )
    article = parse_markdown(text)
    headings = [b.text for b in article.blocks if b.kind == "heading"]
    assert headings == ["云栖峡风景区游客须知", "一、开放时间", "🎫 购票与入园", "三、推荐游览线路"]
    # A bold sentence, and a bold label before its text, are text.
    paras = [b.text for b in article.blocks if b.kind == "para"]
    assert "请勿翻越护栏。" in paras and "注意： 雨天栈道湿滑。" in paras


def test_front_matter_is_the_source_line_as_fields_not_yaml_and_an_html_tables_rows_stay_apart():
    article = parse_markdown(
        "---\ntitle: 周例会纪要\ndate: 2024-05-16\nlocation: 3楼 会议室\nattendees:\n  - 程嘉禾\n  - 罗一帆\n---\n\n"
        "## 任务分工\n\n<table>\n<tr><th>任务</th><th>负责人</th><th>截止日期</th></tr>\n"
        "<tr><td>离线缓存功能开发与自测</td><td>欧阳立</td><td>5月22日</td></tr>\n"
        "<tr><td>附件上传组件提示文字修改</td><td>罗一帆</td><td>5月20日</td></tr>\n</table>\n"
    )
    (front,) = [d.text for d in article.dropped if d.rule == "metadata"]
    assert front == "title：周例会纪要 date：2024-05-16 location：3楼 会议室 attendees：程嘉禾、罗一帆"
    assert article.blocks[-1].text == (
        "任务：离线缓存功能开发与自测，负责人：欧阳立，截止日期：5月22日\n"
        "任务：附件上传组件提示文字修改，负责人：罗一帆，截止日期：5月20日"
    )


def test_a_footnote_nothing_cites_stays_where_the_notes_stand_and_a_cited_one_answers_with_its_sentence(
    tmp_path, fake_encoder
):
    from helpers import write

    from qa.answer.engine import Answerer
    from qa.ingest.corpus import load_corpus
    from qa.search.edits import build

    text = (
        "# 周例会纪要\n\n## 一、遗留问题\n\n- 短信通知重复发送\n  - 原因是消费者在超时重试时没有做幂等校验[^1]\n\n"
        "## 二、其他事项\n\n下周例会改到周四上午。\n\n[^1]: 消费者默认超时时间为 30 秒，超时后消息会被重新投递。\n"
        "[^2]: 本纪要由罗一帆整理。\n"
    )
    article = parse_markdown(text)
    paragraphs = [b.text for b in article.blocks if b.kind == "para"]
    assert (
        paragraphs[0]
        == "短信通知重复发送\n原因是消费者在超时重试时没有做幂等校验\n注1：消费者默认超时时间为 30 秒，超时后消息会被重新投递。"
    )
    assert paragraphs[-1] == "注2：本纪要由罗一帆整理。"
    write(tmp_path / "notes.md", text)
    index = build(load_corpus(tmp_path).documents, fake_encoder, max_chars=300, min_chars=12)
    first = Answerer(index, fake_encoder, refusal=None).ask("消费者超时以后消息会怎样？", keep_refused=True).passages[0]
    assert first.heading == "一、遗留问题" and "重新投递" in first.text
