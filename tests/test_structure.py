"""Structured documents: regulations cited by article, manuals by step, notices by their signature.

The documents are in tests/data/formats/, written for these tests; every index uses the fake encoder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import TESTS_DIR, write

from qa.answer.engine import Answerer
from qa.ingest.chunk import chunk
from qa.ingest.corpus import load_corpus, read_document
from qa.ingest.document import Document
from qa.ingest.structure import (
    about_issuing,
    cn_number,
    has_issuing,
    issued,
    item_marker,
    looks_structured,
    named_article,
)
from qa.render import source_line
from qa.search.bm25 import BM25
from qa.search.edits import build
from qa.text.tokenize import Tokenizer

FORMATS = TESTS_DIR / "data" / "formats"


def _answerer(folder: Path, encoder) -> Answerer:
    """An answerer over the documents written into `folder`, with passages small enough to show the structure."""
    return Answerer(build(load_corpus(folder).documents, encoder, max_chars=300, min_chars=12), encoder)


def doc(name: str) -> Document:
    return read_document(FORMATS / name, name)


def passages_of(name: str) -> dict[str, str]:
    """Passage texts by "heading › label" (or by the first characters when neither is set)."""
    found = {}
    for p in chunk(doc(name)):
        key = " › ".join(x for x in (p.heading, p.label) if x) or p.text[:8]
        found[key] = p.text
    return found


def test_chinese_numbers_markers_and_named_articles():
    assert [cn_number(x) for x in ("一", "十", "十二", "二十", "一百零五", "两", "20", "abc")] == [
        1, 10, 12, 20, 105, 2, 20, None,
    ]  # fmt: skip
    assert item_marker("（二）车辆总质量超过十吨的；") == ("paren-cn", 2)
    assert item_marker("② 关闭阀门") == ("circled", 2)
    assert item_marker("3. 接通电源") == ("num", 3)
    assert item_marker("2023年的计划") is None and item_marker("10月1日起") is None
    assert named_article("第十二条是怎么规定的？") == (12, None, None)
    assert named_article("第五条第二项说的是什么？") == (5, 2, None)
    assert named_article("第五条第（三）项怎么说？") == (5, 3, None)
    # 款 is a paragraph of the article, not an item: 第四条第一款 is its first paragraph.
    assert named_article("第四条第一款是怎么规定的？") == (4, None, 1)
    assert named_article("第四条第二款第(三)项") == (4, 3, 2)
    assert named_article("停车费每天最多收多少？") is None


def test_issuing_lines_give_a_date_and_sentences_that_mention_one_do_not():
    assert issued("2022年6月15日 某市人民政府第三十二次常务会议通过") == "2022-06-15"
    assert issued("（2016年3月22日最高人民检察院第十二届检察委员会第四十九次会议通过）") == "2016-03-22"
    assert issued("某区司法局 2022年9月1日印发") == "2022-09-01"
    assert issued("某市教育局 2024年1月10日") == "2024-01-10"
    assert issued("2019年3月5日，国务院发布了新的规定，要求各地在年底前完成整改工作，并报送相关材料。") is None


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("这个办法是在哪次会议上通过的？", True),
        ("本规则从哪天开始实施？", True),
        ("这份通知是哪个单位下发的？", True),
        ("这份合同是哪天签订的？", True),
        ("如何实施垃圾分类？", False),  # the verb without asking who or when
        ("临时停车每天收多少钱？", False),
        ("房屋租期从哪天开始？", False),  # when, but not about the document's issuing
        ("这个防汛通知是哪天发的？", True),  # 发的 of an official document
        ("快递是哪天发的？", False),  # but not of a parcel
    ],
)
def test_a_question_about_who_issued_a_document_or_when(question: str, asks: bool):
    assert about_issuing(question) is asks


def test_a_passage_with_an_issuing_line_an_effective_date_or_a_signature_is_told_from_one_without():
    assert has_issuing("2022年6月15日 某市人民政府第三十二次常务会议通过")
    assert has_issuing("第七条 本办法自2022年8月1日起施行。")
    assert has_issuing("第二十四条 本办法自2021年5月1日起试行，试行期2年。")
    assert has_issuing("某某街道办事处\n2023年12月1日")
    assert not has_issuing("第四条 临时停放的车辆，每日最高不得超过三十元。")
    assert not has_issuing("租赁期自2024年3月1日起至2025年2月28日止，共计12个月。")


def test_a_regulation_has_one_passage_per_article_with_its_items_under_its_chapter():
    regulation = doc("parking_rules.md")
    assert regulation.title == "某市居住区停车管理办法（试行）"
    assert regulation.date == "2022-06-15"  # from the adoption line, which stays a passage of its own
    found = passages_of("parking_rules.md")
    assert "2022年6月15日 某市人民政府第三十二次常务会议通过" in found.values()
    article = found["第二章 车位使用 › 第四条"]  # "第 二 章 车位使用" → spaces inside the name closed
    assert article.split("\n") == [
        "第四条 有下列情形之一的，物业服务企业可以拒绝车辆进入居住区：",
        "（一）车辆装载易燃易爆危险物品的；",
        "（二）车辆总质量超过十吨的；",
        "（三）车辆未按规定登记且业主无法说明来访事由的。",
    ]
    # An article's second paragraph (款) stays in the article; the chapter heading is not glued to it.
    assert found["第二章 车位使用 › 第五条"].endswith("每日最高不得超过三十元。")
    assert "第三章 附则 › 第七条" in found and all("##" not in text for text in found.values())


def test_a_long_article_is_split_and_each_part_repeats_its_lead_in(tmp_path: Path):
    items = "\n".join(
        f"（{n}）第{n}类车辆应当停放在地下车库的指定区域，并服从现场管理人员的指挥调度；"
        for n in "一二三四五六七八九十"
    )
    write(
        tmp_path / "rules.txt",
        f"停车规则\n\n第一条 总则内容。\n\n第二条 下列车辆的停放规定如下：\n{items}\n\n第三条 本规则自发布之日起施行。\n",
    )
    parts = [p for p in chunk(read_document(tmp_path / "rules.txt", "rules.txt"), max_chars=120) if p.label == "第二条"]
    assert len(parts) > 1 and parts[0].lead is None and parts[0].text.startswith("第二条 下列车辆")
    assert all(p.lead == "第二条 下列车辆的停放规定如下：" for p in parts[1:])
    assert all(len(p.text) <= 120 for p in parts)


def test_a_regulation_is_cited_by_chapter_and_article(fake_encoder):
    index = build(load_corpus(FORMATS).documents, fake_encoder, max_chars=300, min_chars=12)
    answer = Answerer(index, fake_encoder).ask("第五条是怎么规定的？")
    first = answer.passages[0]
    assert answer.answered and first.source.section == "第二章 车位使用 › 第五条"
    assert first.quote.startswith("第五条 物业服务企业依照本办法第四条规定")
    assert "某市居住区停车管理办法（试行） · 第二章 车位使用 · 第五条" in source_line(first.source)


def test_a_question_naming_an_item_quotes_that_item(fake_encoder):
    index = build(load_corpus(FORMATS).documents, fake_encoder, max_chars=300, min_chars=12)
    first = Answerer(index, fake_encoder).ask("第四条第二项说的是什么？").passages[0]
    assert first.source.section == "第二章 车位使用 › 第四条"
    assert first.quote == "（二）车辆总质量超过十吨的；"


def test_a_question_naming_a_paragraph_or_a_bracketed_item_quotes_that_part(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "renovation.txt",
        "某市住宅装修管理规定\n\n"
        "第一条 为了加强住宅装修管理，制定本规定。\n\n第二条 本规定适用于本市住宅室内装修活动。\n\n"
        "第三条 市住房城乡建设部门负责本规定的实施。\n\n"
        "第四条 装修人在开工前，应当向物业管理单位申报登记，并提交下列材料：\n"
        "（一）不动产权证书；\n（二）申请人身份证件；\n（三）装饰装修方案。\n"
        "物业管理单位应当自收到完整申报材料之日起3个工作日内予以登记。\n\n"
        "第五条 装修人不得在夜间施工。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    first = answerer.ask("第四条第一款是怎么规定的？").passages[0]
    assert first.quote.startswith("第四条 装修人在开工前") and first.quote.endswith("（三）装饰装修方案。")
    second = answerer.ask("第四条第二款是怎么规定的？").passages[0]
    assert second.quote == "物业管理单位应当自收到完整申报材料之日起3个工作日内予以登记。"
    item = answerer.ask("第四条第（三）项是什么？").passages[0]
    assert item.quote == "（三）装饰装修方案。"


def test_a_question_about_breaking_an_article_gets_the_article_that_says_what_follows(tmp_path: Path, fake_encoder):
    assert named_article("违反本办法第九条规定重复领取的，如何处理？") is None
    assert named_article("违反第十二条要罚多少？") is None and named_article("第十二条违反了怎么办？") == (
        12,
        None,
        None,
    )
    write(
        tmp_path / "allowance.txt",
        "某市高龄津贴发放办法\n\n"
        "第九条 同一老年人只能在一处领取高龄津贴，不得在本市和其他地区重复领取。\n\n"
        "第十条 高龄津贴按月发放，每月10日前发放到老年人本人的社会保障卡。\n\n"
        "第十八条 违反本办法第九条规定，重复领取高龄津贴的，由区民政部门责令退回多领取的津贴。\n",
    )
    first = _answerer(tmp_path, fake_encoder).ask("违反本办法第九条规定重复领取高龄津贴的，如何处理？").passages[0]
    assert first.quote.startswith("第十八条") and "责令退回多领取的津贴" in first.quote


def test_a_question_naming_a_chapter_or_the_supplementary_provisions_gets_them_first(tmp_path: Path, fake_encoder):
    from qa.ingest.structure import division_keys, named_division

    assert division_keys("第五章 附则") == [("章", 5), ("附则", 0)] and division_keys("六、附则") == [("附则", 0)]
    assert division_keys("第二章　受理") == [("章", 2)] and division_keys("总则") == []
    assert named_division("第三章讲的是什么？") == ("章", 3) and named_division("附则有哪些内容？") == ("附则", 0)
    assert named_division("民法总则是哪年通过的？") is None and named_division("第五条是什么？") is None
    for name, subject in (("pets.txt", "养犬"), ("noise.txt", "噪声")):
        articles = [
            "第一章 总则",
            f"第一条 为了规范{subject}管理，制定本规定。",
            f"第二条 本规定适用于本市行政区域内的{subject}管理活动。",
            "第二章 管理措施",
            f"第三条 {subject}管理由区人民政府统一负责，街道办事处具体实施。",
            f"第四条 违反{subject}管理规定的，由主管部门责令改正。",
            "第三章 附则",
            f"第五条 本{subject}管理规定自2024年1月1日起施行。",
        ]
        write(tmp_path / name, f"某市{subject}管理规定\n\n" + "\n\n".join(articles) + "\n")
    answerer = _answerer(tmp_path, fake_encoder)
    first = answerer.ask("养犬管理规定的附则有哪些内容？", keep_refused=True).passages[0]
    assert first.source.path == "pets.txt" and first.quote.startswith("第五条 本养犬管理规定自2024年1月1日起施行")
    chapter = answerer.ask("噪声管理规定第二章讲的是什么？", keep_refused=True).passages[0]
    assert chapter.source.path == "noise.txt" and chapter.quote.startswith("第三条 噪声管理由区人民政府统一负责")
    # A chapter no document has is refused, and the refusal says which: the words of the question match many.
    missing = answerer.ask("噪声管理规定第七章讲的是什么？")
    assert not missing.answered and "“第七章”" in missing.message and "第七章" in missing.message_en


def test_a_named_step_of_a_manual_is_the_quote_and_its_numbered_rule_no_regulation_article(
    tmp_path: Path, fake_encoder
):
    write(
        tmp_path / "washer.txt",
        "滚筒洗衣机使用说明书\n\n二、安全注意事项\n1. 必须使用带有可靠接地线的单独插座。\n2. 请勿用湿手插拔电源插头。\n"
        "3. 请勿洗涤沾有汽油的衣物。\n\n三、使用步骤\n1. 打开水龙头，插上电源。\n2. 按电源键开机。\n"
        "3. 打开机门放入衣物，然后关好机门。\n4. 在洗涤剂盒中加入洗涤剂。\n5. 选择洗涤程序。\n",
    )
    write(
        tmp_path / "rules.txt",
        "某市停车管理办法\n\n第一条 为了规范停车管理，制定本办法。\n\n第二条 本办法适用于本市居住区的停车管理。\n\n"
        "第三条 物业服务企业负责停车秩序的维护。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    step = answerer.ask("洗衣机使用步骤的第三步是什么？", keep_refused=True).passages[0]
    assert step.quote == "3. 打开机门放入衣物，然后关好机门。"
    # 第2条 of the manual's safety list, not 第二条 of the parking rules.
    rule = answerer.ask("洗衣机安全注意事项第2条是什么？", keep_refused=True).passages[0]
    assert rule.source.path == "washer.txt" and rule.quote == "2. 请勿用湿手插拔电源插头。"
    article = answerer.ask("停车管理办法第二条是怎么规定的？", keep_refused=True).passages[0]
    assert article.source.path == "rules.txt" and article.quote.startswith("第二条 本办法适用于")


def test_a_manuals_numbered_sections_head_their_short_lines_and_the_headings_under_them(tmp_path: Path):
    write(
        tmp_path / "washer.txt",
        "滚筒洗衣机使用说明书\n\n一、产品规格\n额定洗涤容量：10公斤\n额定电压：220V\n净重：72公斤\n\n"
        "二、安全注意事项\n【警告】\n1. 必须使用带有可靠接地线的单独插座，插座额定电流不低于10A。\n"
        "2. 请勿用湿手插拔电源插头；电源线损坏时，须由售后服务人员更换。\n【注意】\n"
        "1. 首次使用前，须拆除机器背面的4颗运输螺栓。\n\n三、使用步骤\n1. 打开水龙头，将电源插头插入插座。\n",
    )
    by_heading = {p.heading: p.text for p in chunk(read_document(tmp_path / "washer.txt", "washer.txt"))}
    # Before, 一、产品规格 and 二、安全注意事项 were lines of the specification paragraph.
    assert by_heading["一、产品规格"] == "额定洗涤容量：10公斤\n额定电压：220V\n净重：72公斤"
    assert by_heading["二、安全注意事项 › 【警告】"].startswith("1. 必须使用带有可靠接地线的单独插座")
    assert by_heading["二、安全注意事项 › 【注意】"] == "1. 首次使用前，须拆除机器背面的4颗运输螺栓。"
    assert by_heading["三、使用步骤"] == "1. 打开水龙头，将电源插头插入插座。"


def test_a_package_insert_is_titled_by_its_name_and_each_bracketed_section_heads_its_text(tmp_path: Path):
    # Its dates open the file; its sections are named in brackets, some with their text on the same line.
    write(
        tmp_path / "leaflet.txt",
        "核准日期：2023年08月16日\n修改日期：2024年02月29日\n\n枸橼酸瑞洛司特片说明书\n\n【药品名称】\n"
        "通用名称：枸橼酸瑞洛司特片\n商品名称：舒畅宁\n\n【性状】本品为浅黄色薄膜衣片。\n\n【适应症】\n"
        "用于缓解季节性过敏性鼻炎引起的打喷嚏、流清涕、鼻痒及眼痒、流泪等症状；也可用于慢性特发性荨麻疹所致的皮肤瘙痒。\n\n"
        "【规格】10mg（以瑞洛司特计）\n\n"
        "【用法用量】\n成人及12岁以上儿童：一次1片，一日1次，睡前服用。\n\n【注意事项】\n"
        "1. 服药期间不得驾驶机、车、船。\n2. 服用本品期间不宜饮酒。\n3. 过敏体质者慎用。\n",
    )
    doc = read_document(tmp_path / "leaflet.txt", "leaflet.txt")
    assert doc.title == "枸橼酸瑞洛司特片说明书"
    by_heading = {p.heading: p.text for p in chunk(doc)}
    assert by_heading["【性状】"] == "本品为浅黄色薄膜衣片。"
    assert by_heading["【规格】"] == "10mg（以瑞洛司特计）"
    assert by_heading["【药品名称】"] == "通用名称：枸橼酸瑞洛司特片\n商品名称：舒畅宁"
    assert "核准日期：2023年08月16日" in doc.text  # nothing is dropped


def test_a_manual_keeps_each_section_steps_together_and_its_service_line():
    manual = doc("kettle_manual.txt")
    assert manual.title == "电热水壶使用说明书"
    found = passages_of("kettle_manual.txt")
    steps = found["二、日常使用"].split("\n")
    assert [s[:2] for s in steps] == ["1.", "2.", "3."]
    assert "最高水位线" in steps[0]
    # A contact line is content in a manual: no web-page rule runs on a plain structured text.
    assert any("400-800-1234" in text for text in found.values())


def test_a_signature_at_the_end_gives_the_notice_its_date_and_issuer(tmp_path: Path):
    write(
        tmp_path / "notice.txt",
        "关于开展冬季消防安全检查的通知\n\n各社区居委会：\n\n"
        "为做好冬季消防安全工作，现将有关事项通知如下。\n\n"
        "一、检查范围\n1. 辖区内所有高层住宅楼。\n2. 沿街商铺和农贸市场。\n3. 老旧小区的电动车集中充电点。\n\n"
        "二、工作要求\n各社区要在十二月二十日前完成自查，并将检查结果报街道应急办。\n\n"
        "某某街道办事处\n2023年12月1日\n",
    )
    notice = read_document(tmp_path / "notice.txt", "notice.txt")
    assert notice.date == "2023-12-01" and notice.publisher == "某某街道办事处"
    assert notice.text.rstrip().endswith("某某街道办事处\n2023年12月1日")  # kept, not dropped as a heading


def test_structured_text_is_told_from_prose():
    assert looks_structured((FORMATS / "kettle_manual.txt").read_text(encoding="utf-8"))
    assert looks_structured("第一条 甲。\n第二条 乙。\n第三条 丙。")
    assert not looks_structured((FORMATS / "oneline_news.txt").read_text(encoding="utf-8"))
    assert not looks_structured("今天天气很好。\n我们去公园散步。\n2023年是个好年份。")


@pytest.mark.parametrize("name", sorted(p.name for p in FORMATS.iterdir()))
def test_no_passage_carries_markup(name: str):
    for p in chunk(doc(name)):
        assert "<div" not in p.text and "&nbsp;" not in p.text and "![" not in p.text and "](" not in p.text
        assert not p.text.lstrip().startswith(("#", "- ", "* ", "|")), p.text


def test_the_ranker_is_told_which_candidates_hold_the_issuing_line_asked_for(fake_encoder):
    from qa.search.ranker import FEATURES
    from qa.search.retrieve import candidates, prepare

    index = build(load_corpus(FORMATS).documents, fake_encoder, max_chars=300, min_chars=12)
    column = FEATURES.index("issuing")

    def flagged(question: str) -> set[str]:
        query = prepare(index, question, fake_encoder.encode([question])[0])
        hits = candidates(index, query, 50, None)
        return {index.passages[h.row].text.split("\n")[0] for h in hits if h.features[column]}

    assert flagged("停车管理办法是在哪次会议上通过的？") == {
        "2022年6月15日 某市人民政府第三十二次常务会议通过",
        "第七条 本办法自2022年8月1日起施行。",
    }
    assert flagged("临时停车每天最多收多少钱？") == set()  # not asked: no candidate is flagged


def test_a_quote_that_only_restates_the_question_goes_on_to_the_answer(tmp_path: Path, fake_encoder):
    # A notes file whose list items are topics over their answers, and a manual's 问题：/解决： pairs:
    # the line most like the question is the topic, and the answer is the line after it.
    write(
        tmp_path / "office.md",
        "# 办公室备忘\n\n## 常见问题\n\n- 忘记打卡怎么办\n  - 当月可以在系统里补卡三次\n"
        "- 工位电脑坏了\n  - 拨打内线分机8012报修\n",
    )
    write(
        tmp_path / "printer.txt",
        "激光打印机用户手册\n\n一、常见问题\n问题：卡纸。\n解决：关闭电源，打开后盖，双手握住纸张缓慢拉出。\n"
        "问题：打印出来的页面有竖条纹。\n解决：取出硒鼓，左右轻轻摇晃五六次后装回。\n\n"
        "二、保修说明\n整机自购买之日起保修一年，硒鼓属于耗材，不在保修范围内。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    for question, answer in [
        ("忘记打卡了怎么办？", "补卡三次"),
        ("工位电脑坏了找谁修？", "分机8012"),
        ("打印机卡纸了应该怎么处理？", "双手握住纸张缓慢拉出"),
        ("打印的页面有竖条纹怎么解决？", "左右轻轻摇晃五六次"),
    ]:
        first = answerer.ask(question, keep_refused=True).passages[0]
        assert answer in first.quote, (question, first.quote)
    # A sentence that answers is not stretched: 保修 is quoted alone.
    first = answerer.ask("硒鼓保修吗？", keep_refused=True).passages[0]
    assert first.quote == "整机自购买之日起保修一年，硒鼓属于耗材，不在保修范围内。"


def test_a_quote_of_the_line_that_opens_a_list_goes_to_the_item_that_answers(tmp_path: Path, fake_encoder):
    # The lead-in shares most words with the question, but only an item under it says how far.
    write(
        tmp_path / "ebike.txt",
        "青禾市住宅小区电动自行车停放管理规定\n\n"
        "第四条　物业服务企业应当在住宅小区内设置电动自行车集中停放场所，并符合下列要求：\n"
        "（一）与住宅建筑保持不小于六米的防火间距；\n"
        "（二）每五十个停车位至少配备两具灭火器；\n"
        "（三）顶棚采用不燃材料建造。\n\n"
        "第五条　禁止在楼梯间、走道和安全出口停放电动自行车。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    first = answerer.ask("电动自行车集中停放场所离住宅建筑要多远？", keep_refused=True).passages[0]
    assert first.quote == "（一）与住宅建筑保持不小于六米的防火间距；"
    # A question asking for the whole list still gets the lead-in and the lines under it.
    first = answerer.ask("电动自行车集中停放场所要符合哪些要求？", keep_refused=True).passages[0]
    assert first.quote.startswith("第四条") or first.quote.startswith("物业服务企业"), first.quote
    assert "顶棚" in first.quote


def test_a_lead_in_that_holds_the_time_asked_is_the_quote_and_a_list_question_gets_its_items(
    tmp_path: Path, fake_encoder
):
    # The time limit stands in the sentence that introduces the list of papers, not in any item.
    write(
        tmp_path / "dogs.txt",
        "青禾市养犬管理规定\n\n"
        "第三条　市公安机关是本市养犬管理工作的主管部门，负责犬只登记和违法养犬行为的查处。\n\n"
        "第四条　本市实行养犬登记制度。个人饲养犬只的，应当自取得犬只之日起三十日内，持下列材料到居住地的"
        "公安派出所办理养犬登记：\n"
        "（一）居民身份证；\n"
        "（二）犬只近期正面和侧面照片；\n"
        "（三）动物诊疗机构出具的狂犬病免疫证明。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    first = answerer.ask("饲养犬只要在多少天内办理养犬登记？", keep_refused=True).passages[0]
    assert "三十日内" in first.quote
    first = answerer.ask("办理养犬登记要带哪些材料？", keep_refused=True).passages[0]
    assert "持下列材料" in first.quote and "居民身份证" in first.quote and "狂犬病免疫证明" in first.quote


def test_a_sentence_that_opens_with_another_model_is_not_the_quote(tmp_path: Path, fake_encoder):
    # The answer sentence does not repeat X1; the sentence about X2 repeats every word asked.
    write(
        tmp_path / "robot.txt",
        "扫地机器人新品介绍\n\n"
        "X1面向大户型家庭，机身直径35厘米。满电状态下可连续清扫约180分钟，最大吸力为6000帕。"
        "X2满电状态下可连续清扫约120分钟，最大吸力为4000帕。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    assert "180分钟" in answerer.ask("X1满电状态下可连续清扫多久？", keep_refused=True).passages[0].quote
    assert "120分钟" in answerer.ask("X2满电状态下可连续清扫多久？", keep_refused=True).passages[0].quote
    # A number with a unit is a quantity, not a model: 2.4GHz does not make a sentence about another thing.
    write(tmp_path / "robot.txt", "打印机说明\n\n打印机可以连无线网络。本机只支持2.4GHz频段，不支持5GHz频段。\n")
    quote = _answerer(tmp_path, fake_encoder).ask("支持5GHz频段吗？", keep_refused=True).passages[0].quote
    assert "不支持5GHz" in quote


def test_a_question_asking_how_much_or_how_long_is_refused_when_the_passage_found_states_none(
    tmp_path: Path, fake_encoder
):
    # Every word asked is in the manual, but no price is: quoting the greeting would answer nothing.
    write(
        tmp_path / "coffee.txt",
        "雾岚咖啡机使用说明书\n\n感谢您选购雾岚咖啡机。一台雾岚咖啡机可以制作意式浓缩和美式咖啡。\n\n"
        "清洁：每次使用后清洗滴水盘；除垢程序约需25分钟。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    answer = answerer.ask("一台雾岚咖啡机卖多少钱？")
    assert not answer.answered and answer.passages == ()
    assert "找到的资料没有写明金额" in answer.message and "state no amount of money" in answer.message_en
    answer = answerer.ask("雾岚咖啡机除垢程序要多久？")
    assert answer.answered and "25分钟" in answer.passages[0].quote


def test_how_long_is_answered_by_the_runner_up_when_the_first_passage_states_no_length(tmp_path: Path, fake_encoder):
    # The packing list holds every word asked (路由器, 保修) and no length of time; the warranty holds one.
    write(
        tmp_path / "router.md",
        "# 星岚路由器用户指南\n\n## 一、包装清单\n\n- 路由器主机 ×1\n- 路由器电源适配器 ×1\n- 路由器保修卡 1份\n\n"
        "## 七、保修说明\n\n本路由器自购买之日起 3 年内免费保修，电源适配器 1 年。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    answer = answerer.ask("这个路由器保修几年？")
    assert answer.answered and "3 年内免费保修" in answer.passages[0].quote
    assert "包装清单" in (answer.passages[1].heading or "")


def test_an_faq_written_as_asked_and_answered_is_quoted_at_the_answer_under_no_note_heading(
    tmp_path: Path, fake_encoder
):
    # The note under the title used to head every passage; the 问 line repeats the words asked and answers nothing.
    write(
        tmp_path / "faq.txt",
        "岚湾区第二人民医院 门诊常见问题解答\n（门诊办公室整理，2025年4月修订）\n\n"
        "问：怎样预约挂号？\n答：可以关注医院公众号预约，也可以拨打预约专线0597-6628120，每天7:30—20:00。\n\n"
        "问：挂号费是多少？\n答：普通门诊挂号费12元，主任医师号40元。\n",
    )
    [doc] = load_corpus(tmp_path).documents
    assert doc.headings == ()
    answerer = _answerer(tmp_path, fake_encoder)
    first = answerer.ask("怎样预约挂号，电话预约打哪个号？", keep_refused=True).passages[0]
    assert "0597-6628120" in first.quote and "问：" not in first.quote
    assert first.heading is None


def test_what_to_do_is_quoted_with_the_steps_its_lead_in_introduces(tmp_path: Path, fake_encoder):
    # 咋办 asks for a procedure: the lead-in and its steps, not the first step alone.
    write(
        tmp_path / "router.md",
        "# 星岚路由器用户指南\n\n## 六、恢复出厂设置\n\n如忘记管理员密码，可将路由器恢复出厂设置：\n\n"
        "1. 保持路由器通电；\n2. 用针状物按住机身背面的 RESET 孔 8 秒以上；\n3. 等待约 2 分钟，路由器重启完成。\n\n"
        "## 七、保修说明\n\n本路由器自购买之日起 3 年内免费保修。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    quote = answerer.ask("忘了管理员密码咋办？", keep_refused=True).passages[0].quote
    assert quote.startswith("如忘记管理员密码，可将路由器恢复出厂设置：") and "RESET" in quote and "重启完成" in quote


def test_a_question_about_a_numbered_line_no_document_names_is_refused_and_says_which(tmp_path: Path, fake_encoder):
    from qa.search.index import numbered_lines

    assert numbered_lines("地铁二号线、12号线和十二号线") == ["2号线", "12号线", "12号线"]
    write(
        tmp_path / "metro.txt",
        "鹭湾地铁建设进展\n\n鹭湾地铁2号线全长26公里，计划于2027年开通运营。白鹭江隧道预计明年6月通车。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    answer = answerer.ask("鹭湾地铁3号线什么时候开通？")
    assert not answer.answered and "“3号线”" in answer.message
    answer = answerer.ask("鹭湾地铁二号线什么时候开通？")
    assert answer.answered and "2027年" in answer.passages[0].quote


def test_a_lettered_zone_no_document_names_is_refused_and_says_which(tmp_path: Path, fake_encoder):
    from qa.search.index import lettered_parts

    assert lettered_parts("车库B区、C 座和A口") == ["b区", "c座", "a口"] and lettered_parts("VIP区") == []
    write(
        tmp_path / "garage.txt",
        "关于地下车库地坪翻新施工的通知\n\n第一阶段：B区车库地坪翻新，施工时间为6月3日至6月14日，B区车辆请停放到北门临时停车场。\n\n"
        "第二阶段：C区车库地坪翻新，施工时间为6月17日至6月28日。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    answer = answerer.ask("车库施工期间D区的车位怎么安排？")
    assert not answer.answered and "“d区”" in answer.message
    answer = answerer.ask("车库施工期间B区的车停到哪里？", keep_refused=True)
    assert "没有提到" not in answer.message and "北门临时停车场" in answer.passages[0].quote


def test_an_faq_page_keeps_each_heading_and_quotes_the_answer_not_its_numbered_question(tmp_path: Path, fake_encoder):
    # 5G is a band (5GHz), not a model no document names. The 三、故障处理 heading after a <details> block stood in
    # the wide gap an image leaves, and was dropped as a caption. A numbered question line (Q8：…？) is not the quote.
    write(
        tmp_path / "faq.html",
        "<html><body><h1>岚净扫地机器人常见问题</h1>\n<p>本页面适用于岚净 S8 扫地机器人。</p>\n\n"
        "<h2>二、App 与网络连接</h2>\n<details>\n  <summary>Q5：机器人无法连接 Wi-Fi 怎么办？</summary>\n"
        "  <p>机器人仅支持 2.4GHz Wi-Fi，不支持 5GHz 网络。请确认路由器已开启 2.4GHz 频段。</p>\n</details>\n"
        "<details>\n  <summary>Q7：可以保存几张地图？</summary>\n  <p>S8 可保存 3 张地图，适合复式住宅使用。</p>\n</details>\n\n"
        "<h2>三、故障处理</h2>\n<dl>\n  <dt>Q8：机器人提示“错误 E3”是什么意思？</dt>\n"
        "  <dd>E3 表示主刷被缠绕或卡住。请将机器翻转，取下主刷清理。若清理后仍报错，请联系售后。</dd>\n</dl>\n"
        "</body></html>\n",
    )
    [doc] = load_corpus(tmp_path).documents
    assert [doc.text[a:b] for a, b in doc.headings] == ["二、App 与网络连接", "三、故障处理"]
    answerer = _answerer(tmp_path, fake_encoder)
    answer = answerer.ask("家里是5G的Wi-Fi，机器人连不上怎么办", keep_refused=True)
    assert "5g" not in answer.message.lower()
    assert "2.4GHz" in answer.passages[0].text
    first = answerer.ask("机器人提示错误E3是什么意思？", keep_refused=True).passages[0]
    assert first.heading == "三、故障处理" and not first.quote.startswith("Q8")
    assert not answerer.ask("机器人提示错误E5是什么意思？").answered


def test_the_next_meeting_does_not_answer_a_question_about_this_one(tmp_path: Path, fake_encoder):
    # The last item's sentence about the next meeting repeats 例会, 地点 and 召开; the header line answers.
    write(
        tmp_path / "minutes.md",
        "# 青枫社区2025年第三季度工作例会会议纪要\n\n会议时间：2025年7月18日下午2:30\n\n"
        "会议地点：社区党群服务中心二楼第一会议室\n\n## 一、加装电梯\n\n梧桐苑小区3号楼已完成业主意见征集。\n\n"
        "## 二、其他事项\n\n社区便民服务热线调整为0579-83217706。下次例会定于2025年10月17日在社区党群服务中心三楼例会地点召开。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    quotes = [p.quote for p in answerer.ask("这次例会在什么地点召开？", keep_refused=True).passages]
    assert not any("下次" in q for q in quotes) and any("二楼第一会议室" in q for q in quotes)
    assert "2025年10月17日" in answerer.ask("下次例会什么时候召开？", keep_refused=True).passages[0].quote


def test_a_table_row_is_quoted_whole_and_named_with_a_word_between_its_characters(tmp_path: Path, fake_encoder):
    # 成人门票 names the row of 成人票; the 观光车 row's price for the way back stands after a semicolon in its cell.
    write(
        tmp_path / "tickets.md",
        "# 云栖峡风景区游客须知\n\n## 二、门票价格\n\n| 票种 | 价格（元） | 说明 |\n|---|---|---|\n"
        "| 免票 | 0 | 每张成人门票可带一名6周岁以下儿童，儿童须成人陪同 |\n| 成人票 | 90 | 18周岁至59周岁游客 |\n"
        "| 观光车 | 20 | 单程；往返票35元 |\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    assert answerer.ask("成人门票多少钱一张？", keep_refused=True).passages[0].quote.startswith("票种：成人票")
    quote = answerer.ask("观光车坐来回要多少钱？", keep_refused=True).passages[0].quote
    assert quote.startswith("票种：观光车") and quote.endswith("往返票35元")


def test_a_short_line_is_quoted_whole(tmp_path: Path, fake_encoder):
    # The item's second clause, after a semicolon, says what to do; the first repeats the words asked.
    write(
        tmp_path / "rules.md",
        "# 云栖峡风景区游客须知\n\n## 禁止行为\n\n- 禁止携带宠物入园（导盲犬除外）\n"
        "- 禁止使用无人机航拍；确需拍摄的，须提前3个工作日向景区管理处书面报备\n- 严禁野炊、烧烤、燃放烟花爆竹\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    quote = answerer.ask("景区能用无人机航拍吗？", keep_refused=True).passages[0].quote
    assert quote == "禁止使用无人机航拍；确需拍摄的，须提前3个工作日向景区管理处书面报备"


def test_a_table_row_keyed_by_what_the_question_names_is_the_quote(tmp_path: Path, fake_encoder):
    # The 二孩 row names 全日托 too, in its last column, and repeats more of the words asked.
    write(
        tmp_path / "subsidy.md",
        "# 托育补贴政策解读\n\n## 补贴标准\n\n"
        "| 入托类型 | 补贴标准 | 说明 |\n|---|---|---|\n"
        "| 全日托 | 每孩每月600元 | 每日在园6小时以上 |\n"
        "| 二孩及以上家庭 | 每月补贴另加200元 | 仅限全日托和半日托，一个月补贴一次 |\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    quote = answerer.ask("全日托一个月补贴多少钱？", keep_refused=True).passages[0].quote
    assert "600元" in quote and "二孩" not in quote


def test_a_sentence_on_the_row_of_another_fault_code_is_not_the_quote(tmp_path: Path, fake_encoder):
    # The 处理方法 sentence of the E2 row names no code, and repeats the words asked about E3.
    write(
        tmp_path / "dryer.md",
        "# 除湿机说明书\n\n## 故障代码\n\n"
        "- E2：盘管温度传感器故障。处理方法：请联系售后服务中心检修，不要自行拆机。\n"
        "- E3：风机运转异常。可能原因：进风口被堵塞。处理方法：清除堵塞物后重新开机。\n"
        "- P1：水箱已满。处理方法：倒掉积水。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    quote = answerer.ask("显示E3的处理方法是什么，要联系售后服务中心检修吗？", keep_refused=True).passages[0].quote
    assert "清除堵塞物" in quote


def test_a_question_word_that_shortens_a_document_word_finds_it(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "contract.txt",
        "房屋租赁合同\n\n第一条 房屋坐落于青禾市临川区桂园路16号。\n\n"
        "第二条 租赁期自2024年3月1日起至2025年2月28日止，共计12个月。\n\n"
        "第三条 月租金为2800元，每月5日前支付。\n",
    )
    first = _answerer(tmp_path, fake_encoder).ask("房屋租期从哪天开始？", keep_refused=True).passages[0]
    assert "2024年3月1日起" in first.quote


def test_only_an_administrative_area_the_answer_never_names_refuses(tmp_path: Path, fake_encoder):
    write(tmp_path / "tree.txt", "猴面包树\n\n非洲猴面包树的果实长约15至20厘米，果肉可以食用。\n")
    write(
        tmp_path / "aid.txt",
        "企业补贴申请指南\n\n高新区企业申请研发补贴，应当在每年3月底前提交申请表和研发费用明细。\n",
    )
    write(tmp_path / "ruler.txt", "钢卷尺\n\n钢卷尺的长度为5米，刻度精确到毫米。\n")  # 长度 is a word of the corpus
    answerer = _answerer(tmp_path, fake_encoder)
    # The dictionary tags 长度 as a place, and 开发区 ends in 区: neither is an area the answer must name.
    assert answerer.ask("非洲的猴面包树果实的长度约是多少厘米？").answered
    assert answerer.ask("开发区的企业申请研发补贴要提交什么？").answered
    refused = answerer.ask("青禾市的企业申请研发补贴要提交什么？")
    assert not refused.answered and "青禾市" in refused.message


def test_a_word_before_what_a_manual_is_about_that_it_never_writes_does_not_refuse(tmp_path: Path, fake_encoder):
    # 公司 and 卫生间 say where the printer or the heater stands, not another kind of it: the manual answers.
    write(
        tmp_path / "printer.txt",
        "青禾 LP-2200 激光打印机 用户手册\n\n五、常见问题\n问题：卡纸。\n"
        "解决：关闭电源，打开后盖，双手握住纸张两侧缓慢向外拉出，不要用力撕扯。\n",
    )
    write(
        tmp_path / "heater.txt",
        "储水式电热水器使用说明书\n\n五、常见故障\n安全阀滴水：加热时内胆水压升高，安全阀少量滴水属于正常泄压，不影响使用。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    # (This tiny corpus never uses 公司, so the fake encoder's coverage rule may still refuse; no refusal may say
    # that the documents never mention a 公司打印机.)
    for question in ("公司打印机卡纸了怎么处理？", "卫生间热水器的安全阀滴水正常吗？"):
        result = answerer.ask(question, keep_refused=True)
        assert "没有提到" not in result.message, result.message
        assert "向外拉出" in result.passages[0].quote or "正常泄压" in result.passages[0].quote


def test_an_everyday_word_finds_the_word_a_regulation_or_contract_writes(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "pets.txt",
        "临川区犬只管理办法\n\n第三条 每户居民限养一只犬，饲养犬只应当办理登记。\n\n"
        "第六条 携犬出户时，应当为犬束犬链，犬链长度不超过二米。\n\n"
        "第九条 犬只在户外排泄的，携犬人应当立即清除粪便；未清除的，处五十元罚款。\n",
    )
    write(
        tmp_path / "lease.txt",
        "房屋租赁合同\n\n第四条 出租人应当在承租人退租之日起七日内退还押金。\n\n第五条 每月租金一千五百元，按月支付。\n",
    )
    write(tmp_path / "park.txt", "公园开放时间\n\n滨河公园每天早上六点开放，晚上十点关闭，游客可以散步、跑步。\n")
    answerer = _answerer(tmp_path, fake_encoder)
    # 狗 and 房东 occur in no document: each stands for the word the documents write (犬, 出租人).
    dog = answerer.ask("每户居民可以养几只狗？")
    assert dog.answered and "限养一只犬" in dog.passages[0].quote
    landlord = answerer.ask("房东要在几天之内退押金？")
    assert landlord.answered and "七日内" in landlord.passages[0].quote


def test_an_everyday_word_stays_when_the_corpus_writes_it_more():
    from qa.search.retrieve import _corpus_word

    regulation = BM25().build([["犬只", "登记"], ["犬", "犬链"], ["犬", "粪便"], ["狗", "新闻"]])
    assert _corpus_word(regulation, "狗") == "犬"  # 犬 in two passages, 狗 in one
    pets = BM25().build([["狗", "猫"], ["狗", "狗粮"], ["犬", "品种"]])
    assert _corpus_word(pets, "狗") == "狗"  # pet news says 狗: the question's word stays
    assert _corpus_word(pets, "房东") == "房东"  # no written form in the corpus: unchanged
    assert _corpus_word(regulation, "狗粮") == "狗粮"  # not in the table, not a shortening


def test_a_lead_in_that_holds_the_number_asked_stays_the_quote_when_the_items_hold_other_numbers(
    tmp_path: Path, fake_encoder
):
    write(
        tmp_path / "team.txt",
        "临川区应急志愿服务队管理办法\n\n"
        "第三条 年满18周岁、身体健康，并具备下列条件之一的居民，可以报名参加应急志愿服务队：\n"
        "（一）持有急救证书满2年的；\n（二）从事消防工作5年以上的。\n\n"
        "第四条 队员每年参加训练不少于4次。\n",
    )
    quote = _answerer(tmp_path, fake_encoder).ask("报名参加应急志愿服务队要年满多少周岁？", keep_refused=True)
    assert "年满18周岁" in quote.passages[0].quote  # not an item's 2年 or 5年


@pytest.mark.parametrize(
    ("notes", "question", "answer"),
    [
        (
            "# 读书会筹备记录\n\n## 分工\n\n- 周六签到处（志愿者在图书馆门口值守）\n  - 上午 9:00-9:30，两位志愿者\n"
            "  - 桌椅由小林借\n- 茶歇由阿梅负责，预算300元\n",
            "周六在图书馆门口值守签到是几点到几点？",
            "9:00-9:30",
        ),
        (  # money asked: the topic line's only number is a date
            "# 家委会碰头会记录\n\n## 秋游\n\n- 湿地公园门票（10月25日当天买）\n  - 跟队家长25元/人，学生免票\n"
            "- 大巴由王爸联系\n",
            "秋游湿地公园门票家长要花多少钱？",
            "25元/人",
        ),
    ],
)
def test_a_topic_line_of_notes_goes_on_to_the_line_under_it_that_holds_the_kind_asked(
    tmp_path: Path, fake_encoder, notes: str, question: str, answer: str
):
    write(tmp_path / "notes.md", notes)
    quote = _answerer(tmp_path, fake_encoder).ask(question, keep_refused=True)
    assert answer in quote.passages[0].quote


@pytest.mark.parametrize(
    ("question", "kept", "dropped"),
    [
        ("滤网多长时间清理一次？", {"滤网", "清理"}, {"多长时间", "长时间", "时间"}),
        ("在手机上最多能提前几天约号？", {"手机", "提前"}, {"几天"}),
        ("一次最多借几本书？", {"书"}, {"几本书", "几本", "本书"}),
        ("孩子几岁可以办卡？", {"孩子", "卡"}, {"几岁"}),
        ("哪一天开始报名？", {"报名"}, {"哪一天", "一天"}),
        ("房屋租期从哪天开始？", {"租期", "开始"}, {"天"}),  # jieba cuts 哪 / 天
        ("图书馆几点钟开门？", {"图书馆", "开门"}, {"几点钟", "钟"}),
        ("第几条规定了罚款？", {"规定", "罚款"}, {"第几", "几条", "第几条"}),
    ],
)
def test_question_words_and_the_words_inside_them_are_not_searched(question: str, kept: set, dropped: set):
    words = set(Tokenizer()(question))
    assert kept <= words and not dropped & words


def test_a_duration_asked_finds_the_duration_not_a_sentence_that_says_long_time(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "heater.txt",
        "储水式电热水器使用说明书\n\n一、注意事项\n\n1. 冬季长时间不用时，应当放净热水器内胆中的水，以防冻裂。\n\n"
        "二、使用方法\n\n1. 首次使用时，一箱冷水从15℃加热到65℃，大约需要110分钟。\n",
    )
    first = _answerer(tmp_path, fake_encoder).ask("烧一箱热水要多长时间？", keep_refused=True).passages[0]
    assert "110分钟" in first.quote


def test_a_question_asking_how_long_is_quoted_the_sentence_with_a_length_of_time(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "washer.txt",
        "滚筒洗衣机使用说明书\n\n三、洗涤步骤\n\n1. 打开水龙头，将电源插头插入插座，按电源键开机，显示屏点亮。\n"
        "2. 打开机门放入衣服，衣服总量不宜超过滚筒容积的四分之三，洗完之前机门打不开。\n"
        "3. 拉出洗涤剂盒，在主洗涤格中加入洗涤剂，柔顺剂加入软化剂格，加入量不得超过刻度线。\n"
        "4. 旋转程序旋钮选择洗涤程序，可按温度、转速键调整参数，再按启动键开始洗涤。\n"
        "5. 程序结束后蜂鸣器鸣响，显示屏显示End，约2分钟后自动解锁。\n",
    )
    quote = _answerer(tmp_path, fake_encoder).ask("洗完衣服机门打不开，要等多久？", keep_refused=True)
    assert "约2分钟后自动解锁" in quote.passages[0].quote


def test_a_short_form_a_regulation_defines_is_found_for_the_name():
    from qa.text.tokenize import short_forms

    assert short_forms("第二条 临川区物业服务纠纷人民调解委员会（以下简称调委会）依照本规则调解下列纠纷") == {
        "调解委员会": ("调委会", "临川区物业服务纠纷人民")
    }
    assert short_forms("由国家市场监督管理总局（简称“市场监管总局”）负责") == {
        "市场监督管理总局": ("市场监管总局", "由国家")
    }
    # Not an abbreviation of the words before it: no name is guessed.
    assert short_forms("业主或者住宅使用人（以下简称装修人）对住宅室内进行装饰装修") == {}
    assert short_forms("房屋管理机构（以下简称物业管理单位）申报登记") == {}
    assert short_forms("调委会（以下简称调委会）") == {}


def test_a_question_naming_the_body_in_full_finds_the_article_that_writes_only_its_short_form(
    tmp_path: Path, fake_encoder
):
    write(
        tmp_path / "mediation.txt",
        "临川区物业纠纷调解规则\n\n"
        "第二条 临川区物业服务纠纷人民调解委员会（以下简称调委会）依照本规则调解物业服务纠纷。\n\n"
        "第三条 物业服务纠纷的当事人可以拨打街道办事处的电话咨询。\n\n"
        "第四条 调委会的联系电话为0791-86001234，工作日有人接听。\n\n"
        "第五条 调委会调解纠纷，不收取任何费用。\n\n"
        "第六条 调委会收到申请后，应当在三个工作日内决定是否受理。\n",
    )
    write(tmp_path / "park.txt", "公园开放时间\n\n滨河公园每天早上六点开放，晚上十点关闭，游客可以散步、跑步。\n")
    answerer = _answerer(tmp_path, fake_encoder)
    # The regulation writes 调委会 past its second article; the question writes the body's name out.
    result = answerer.ask("物业纠纷调解委员会的联系电话是多少？", keep_refused=True)
    assert "0791-86001234" in result.passages[0].quote


def test_a_question_about_who_reported_an_article_or_when_is_answered_with_its_source_line(
    tmp_path: Path, fake_encoder
):
    from qa.ingest.meta import asks_source

    assert asks_source("这篇隧道报道的记者是谁？") == ("author",) and asks_source("该文的责任编辑是谁？") == ("editor",)
    assert asks_source("该新闻的发布日期是哪天？") == ("date",)
    assert asks_source("这篇文章来源于哪家媒体？") == ("publisher",)
    assert asks_source("这篇隧道新闻是哪个记者写的？") == ("author",)
    assert asks_source("记者从哪个部门获悉改造计划？") == () and asks_source("隧道是哪天通车的？") == ()
    write(
        tmp_path / "tunnel.txt",
        "首页 > 社会 > 正文 | 江城在线 手机版 | 登录 | 注册 热门：天气 | 招聘 江城东湖隧道今日通车 "
        "过江只需五分钟 2025-09-30 09:05 来源：江城晚报 记者 赵明远 通讯员 钱小禾 分享到： 微信 微博 字号：大 中 小 "
        "本报讯 9月30日上午，江城东湖隧道正式通车，隧道全长3.2公里，设计时速60公里，双向六车道。"
        "隧道通车后，从东湖西岸到高新区的车程由40分钟缩短到5分钟。责任编辑：孙丽 关于我们 | 联系我们 Copyright © 2025",
    )
    write(tmp_path / "rules.txt", "江城市隧道管理办法\n\n第一条 隧道内禁止停车。\n\n第二条 隧道内限速60公里。\n")
    answerer = _answerer(tmp_path, fake_encoder)
    line = "2025-09-30 09:05 来源：江城晚报 记者 赵明远 通讯员 钱小禾 责任编辑：孙丽"
    for question in ("这篇隧道报道的记者是谁？", "东湖隧道的新闻是哪天发布的？", "这篇隧道报道的责任编辑是谁？"):
        answer = answerer.ask(question)
        first = answer.passages[0]
        assert answer.answered and first.quote == line, question
        assert first.source.paragraph == 0 and "第 0 段" not in source_line(first.source)
    # A question about the article's content is answered from its text, as before.
    assert "3.2公里" in answerer.ask("东湖隧道全长多少公里？", keep_refused=True).passages[0].quote


def test_a_table_row_asked_about_stays_the_quote_when_the_question_asks_who_is_responsible(
    tmp_path: Path, fake_encoder
):
    # 负责人 is an office: the quote must name the holder, and the row asked about names one already.
    write(
        tmp_path / "club.md",
        "# 羽毛球俱乐部会议纪要\n\n## 分工与预算\n\n"
        "| 事项 | 负责人 | 截止时间 | 费用 |\n|---|---|---|---|\n"
        "| 续签体育馆场地合同 | 陈立群 | 2026年2月15日 | 4800元 |\n"
        "| 采购比赛用球 | 刘海峰 | 2026年3月31日 | 2400元 |\n"
        "| 裁判劳务费 | 周敏 | 2026年4月12日 | 1600元 |\n",
    )
    first = _answerer(tmp_path, fake_encoder).ask("采购比赛用球的负责人是谁？", keep_refused=True).passages[0]
    assert "刘海峰" in first.quote and "陈立群" not in first.quote


def test_a_question_counting_something_is_quoted_at_the_sentence_that_counts_it(tmp_path: Path, fake_encoder):
    write(
        tmp_path / "estate.txt",
        "锦澜苑小区简介\n\n锦澜苑小区位于滨江路188号，锦澜苑小区总建筑面积126500平方米。楼栋12栋，共计968户。\n",
    )
    answerer = _answerer(tmp_path, fake_encoder)
    assert "968户" in answerer.ask("锦澜苑小区一共住了多少户？", keep_refused=True).passages[0].quote
    assert "126500平方米" in answerer.ask("锦澜苑小区总建筑面积是多少平方米？", keep_refused=True).passages[0].quote


def test_a_signature_dated_in_chinese_numerals_dates_the_notice(tmp_path: Path):
    # An official notice signs its date in Chinese numerals (二〇二四年五月十四日), as the standard for them asks.
    write(
        tmp_path / "notice.txt",
        "关于地下车库地坪翻新施工的通知\n\n各位业主：\n\n车库地坪将于6月3日起分区翻新，施工期间请将车辆停放到临时停车场。\n\n"
        "锦澜苑物业服务中心\n二〇二四年五月十四日\n",
    )
    notice = read_document(tmp_path / "notice.txt", "notice.txt")
    assert notice.date == "2024-05-14" and notice.publisher == "锦澜苑物业服务中心"
    assert issued("二〇二三年十二月三十一日印发") == "2023-12-31" and issued("今年五月十四日召开") is None
