"""PDF and DOCX ingestion: text, headings, pages in citations, and clear reasons for files that cannot be read.

Every file is generated here: PDFs with reportlab's built-in CID font
STSong-Light (no font file needed), DOCX files with python-docx.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from helpers import write
from PIL import Image
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from qa.answer.engine import Answerer
from qa.answer.results import Citation, Source
from qa.ingest.corpus import load_corpus
from qa.ingest.document import Document
from qa.ingest.layout import drop_page_furniture, join_lines, paged_blocks
from qa.render import render, source_line
from qa.search.edits import build
from qa.ui.cards import card

FONT = "STSong-Light"
LINE_CHARS = 24
HEADER = "星海科技二〇二三年年度报告"
TITLE = "星海科技2023年年度报告"
SPANNING = "公司在宁波新建的生产基地已经完成主体工程建设，预计明年上半年正式投产，届时年产能将提高到五百万台，可以满足未来三年的订单需求。"


def wrap(text: str, width: int = LINE_CHARS) -> list[str]:
    """Break a paragraph into lines of `width` characters, as a typesetter would."""
    return [text[i : i + width] for i in range(0, len(text), width)]


def make_pdf(
    path: Path, pages: list[list[str]], title: str | None = None, author: str | None = None, header: str | None = HEADER
) -> Path:
    """A PDF with one line of text per entry, a running header (if any) and a page-number footer on every page."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(path))
    if title:
        pdf.setTitle(title)
    if author:
        pdf.setAuthor(author)
    for number, lines in enumerate(pages, start=1):
        pdf.setFont(FONT, 11)
        if header:
            pdf.drawString(72, 800, header)
        for row, line in enumerate(lines):
            pdf.drawString(72, 760 - 20 * row, line)
        pdf.drawString(280, 40, f"第 {number} 页")
        pdf.showPage()
    pdf.save()
    return path


def report_pages() -> list[list[str]]:
    """Three pages of a company report; the paragraph about Ningbo runs from page 2 on to page 3."""
    spanning = wrap(SPANNING)
    return [
        [
            "第一章 公司概况",
            *wrap(
                "星海科技有限公司成立于二〇〇八年，总部位于杭州市滨江区，主要从事工业传感器和智能仪表的设计、生产与销售，现有员工一千二百余人。"
            ),
            "第二章 市场情况",
            *wrap("报告期内，公司产品远销东南亚和欧洲的三十多个国家，海外收入占全部营业收入的比例上升到百分之三十五。"),
        ],
        [
            "第三章 研发投入",
            *wrap("二〇二三年，公司研发投入达到三点二亿元，同比增长百分之十八，主要用于新一代光纤传感器的研制。"),
            *spanning[:2],
        ],
        [
            *spanning[2:],
            "第四章 风险提示",
            *wrap("原材料价格波动和汇率变化可能对公司的经营业绩产生不利影响，公司将通过套期保值降低风险。"),
        ],
    ]


def make_scanned_pdf(path: Path) -> Path:
    """A "scanned" PDF: a page with only an image and a drawn rectangle, no text layer."""
    pdf = canvas.Canvas(str(path))
    image = Image.new("RGB", (60, 40), (200, 200, 200))
    pdf.drawImage(ImageReader(image), 100, 400, width=300, height=200)
    pdf.rect(90, 390, 320, 220)
    pdf.showPage()
    pdf.save()
    return path


def make_docx(path: Path) -> Path:
    """A notice with a Title, English and Chinese heading styles, a soft line break, and core properties."""
    document = docx.Document()
    document.add_heading("关于开展安全生产检查的通知", level=0)
    document.add_heading("一、检查范围", level=1)
    document.add_paragraph("本次检查覆盖全市所有危险化学品生产企业和大型商场，重点检查消防通道是否畅通。")
    chinese = document.styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)  # as Word names it in Chinese
    document.add_paragraph("二、检查时间", style=chinese)
    broken = document.add_paragraph("检查工作从三月一日开始，")
    broken.add_run().add_break()  # a soft line break inside one paragraph
    broken.add_run("到三月三十一日结束，各单位要提前做好自查。")
    document.add_paragraph("")  # empty paragraphs are not paragraphs
    document.core_properties.author = "李明"
    document.core_properties.created = dt.datetime(2024, 2, 20, 9, 30)
    document.save(str(path))
    return path


@pytest.fixture
def report(tmp_path: Path) -> Document:
    make_pdf(tmp_path / "report.pdf", report_pages(), title=TITLE, author="王芳")
    [doc] = load_corpus(tmp_path).documents
    return doc


def _paragraph_with(doc: Document, needle: str):
    found = [p for p in doc.paragraphs if needle in doc.text[p.start : p.end]]
    assert len(found) == 1, [doc.text[p.start : p.end] for p in doc.paragraphs]
    return found[0]


def test_reportlab_chinese_pdf_text_is_extractable(tmp_path: Path):
    from pypdf import PdfReader

    path = make_pdf(tmp_path / "a.pdf", [["长江是中国最长的河流。"]])
    assert "长江是中国最长的河流。" in PdfReader(path).pages[0].extract_text()


def test_pdf_text_metadata_and_headings(report: Document):
    assert report.title == TITLE
    assert report.author == "王芳"
    assert report.path == "report.pdf"
    headings = [report.text[a:b] for a, b in report.headings]
    assert headings == ["第一章 公司概况", "第二章 市场情况", "第三章 研发投入", "第四章 风险提示"]
    first = _paragraph_with(report, "星海科技有限公司")
    # wrapped CJK lines are joined with no space or line break where the page broke them
    assert report.text[first.start : first.end].endswith(
        "主要从事工业传感器和智能仪表的设计、生产与销售，现有员工一千二百余人。"
    )
    assert first.heading == "第一章 公司概况"
    assert len(report.paragraphs) == 5


def test_pdf_page_headers_and_numbers_are_dropped(report: Document):
    assert HEADER not in report.text
    assert "第 1 页" not in report.text and "第 3 页" not in report.text


def test_pdf_pages_of_paragraphs(report: Document):
    assert report.page_of(_paragraph_with(report, "星海科技有限公司").start) == 1
    assert report.page_of(_paragraph_with(report, "研发投入达到").start) == 2
    assert report.page_of(_paragraph_with(report, "汇率变化").start) == 3


def test_pdf_paragraph_across_pages_is_one_paragraph_on_its_first_page(report: Document):
    spanning = _paragraph_with(report, "宁波")
    assert report.text[spanning.start : spanning.end] == SPANNING
    assert report.page_of(spanning.start) == 2
    assert report.page_of(spanning.end - 1) == 2


def test_question_about_page_2_is_answered_with_page_2(report: Document, fake_encoder):
    index = build([report], fake_encoder, max_chars=300, min_chars=12)
    answer = Answerer(index, fake_encoder, refusal=None).ask("公司的研发投入达到多少？", keep_refused=True)
    top = answer.passages[0]
    assert "三点二亿元" in top.quote
    assert top.source.page == 2
    assert top.source.title == TITLE
    assert "第 2 页 · 第 3 段" in card(top)
    assert "page 2 · paragraph 3" in card(top, lang="en")
    assert "第 2 页 · 第 3 段" in render(answer)
    assert answer.to_dict()["passages"][0]["source"]["page"] == 2


def test_pdf_title_falls_back_to_its_first_heading(tmp_path: Path):
    lines = ["会议纪要", *wrap("会议决定下周一起在全厂推行新的安全操作规程，由各车间主任负责落实。")]
    make_pdf(tmp_path / "minutes.pdf", [lines], header=None)
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "会议纪要"  # reportlab writes "untitled" in the metadata: a placeholder, not a title
    assert doc.author is None  # nor is its "anonymous" an author
    assert doc.text == "会议纪要\n\n会议决定下周一起在全厂推行新的安全操作规程，由各车间主任负责落实。"


def test_docx_headings_and_paragraphs(tmp_path: Path, fake_encoder):
    make_docx(tmp_path / "notice.docx")
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "关于开展安全生产检查的通知"
    assert (doc.author, doc.date) == ("李明", "2024-02-20")
    assert doc.pages == () and doc.page_of(0) is None
    assert [doc.text[a:b] for a, b in doc.headings] == ["一、检查范围", "二、检查时间"]
    texts = [doc.text[p.start : p.end] for p in doc.paragraphs]
    assert texts == [
        "本次检查覆盖全市所有危险化学品生产企业和大型商场，重点检查消防通道是否畅通。",
        "检查工作从三月一日开始，到三月三十一日结束，各单位要提前做好自查。",
    ]
    index = build([doc], fake_encoder, max_chars=300, min_chars=12)
    by_heading = {p.heading: p.text for p in index.passages}
    assert by_heading["一、检查范围"].startswith("本次检查覆盖全市")
    assert by_heading["二、检查时间"].startswith("检查工作从三月一日开始")
    answer = Answerer(index, fake_encoder, refusal=None).ask("检查工作什么时候结束？", keep_refused=True)
    assert answer.passages[0].source.page is None
    assert " 页" not in source_line(answer.passages[0].source)


def test_a_docx_table_is_read_in_place_as_rows_of_column_name_and_value(tmp_path: Path, fake_encoder):
    document = docx.Document()
    document.add_heading("关于开展防汛检查的通知", level=0)
    document.add_heading("五、联系方式", level=1)
    document.add_paragraph("检查工作中如有问题，请与以下联系人联系：")
    table = document.add_table(rows=3, cols=3)
    for row, cells in zip(
        table.rows,
        [
            ("单位", "联系人", "电话"),
            ("区水利局", "周雅琴", "0859-3321 7815"),
            ("区应急管理局", "何佳慧", "0859-3326 9138"),
        ],
    ):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.add_paragraph("附件：防汛安全检查隐患清单")
    specs = document.add_table(rows=2, cols=2)  # no header row: each row is a name and its value
    for row, cells in zip(specs.rows, [("文号", "清汛办〔2026〕12号"), ("印发日期", "2026年5月18日")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    document.save(str(tmp_path / "notice.docx"))
    [doc] = load_corpus(tmp_path).documents
    assert [doc.text[p.start : p.end] for p in doc.paragraphs] == [
        "检查工作中如有问题，请与以下联系人联系：",
        "单位：区水利局，联系人：周雅琴，电话：0859-3321 7815\n单位：区应急管理局，联系人：何佳慧，电话：0859-3326 9138",
        "附件：防汛安全检查隐患清单",
        "文号：清汛办〔2026〕12号\n印发日期：2026年5月18日",
    ]
    answerer = Answerer(build([doc], fake_encoder, max_chars=300, min_chars=12), fake_encoder, refusal=None)
    first = answerer.ask("区应急管理局的联系人是谁？", keep_refused=True).passages[0]
    assert "何佳慧" in first.quote and "周雅琴" not in first.quote


REGULATION = [
    "青禾市养犬管理规定",
    "（2023年6月15日青禾市人民代表大会常务委员会第九次会议通过）",
    "第一条 为了规范养犬行为，保障公民人身安全和健康，制定本规定。",
    "第二条 本规定适用于本市行政区域内的养犬及相关管理活动。",
    "第三条 市公安机关是本市养犬管理工作的主管部门。",
]


def test_a_docx_typed_without_styles_is_titled_by_its_first_line_and_dated_by_its_adoption(tmp_path: Path):
    document = docx.Document()
    for line in REGULATION:
        document.add_paragraph(line)
    document.core_properties.created = dt.datetime(2026, 12, 1, 9, 0)  # when the file was made
    document.save(str(tmp_path / "dogs.docx"))
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "青禾市养犬管理规定"  # not the file's name
    assert doc.date == "2023-06-15"  # the adoption line, not when the file was made
    assert all(doc.text[p.start : p.end] != "青禾市养犬管理规定" for p in doc.paragraphs)
    assert [p.label for p in doc.paragraphs if p.label] == ["第一条", "第二条", "第三条"]


def test_a_pdf_regulation_is_dated_by_its_adoption_not_by_when_the_file_was_made(tmp_path: Path):
    make_pdf(tmp_path / "dogs.pdf", [REGULATION], title="青禾市养犬管理规定", header=None)  # reportlab stamps today
    [doc] = load_corpus(tmp_path).documents
    assert doc.date == "2023-06-15"


def test_scanned_pdf_is_skipped_and_the_rest_still_loads(tmp_path: Path):
    make_scanned_pdf(tmp_path / "scan.pdf")
    make_docx(tmp_path / "notice.docx")
    write(tmp_path / "note.txt", "通知\n\n明天上午九点在三楼会议室召开全体职工大会，请准时参加。\n")
    warnings: list[str] = []
    corpus = load_corpus(tmp_path, warn=warnings.append)
    assert sorted(d.path for d in corpus.documents) == ["note.txt", "notice.docx"]
    [skipped] = corpus.skipped
    assert skipped.path == "scan.pdf"
    assert "扫描" in skipped.reason and "scanned" in skipped.reason
    assert len(warnings) == 1 and "scan.pdf" in warnings[0] and "扫描" in warnings[0]


def _reasons(tmp_path: Path) -> dict[str, str]:
    warnings: list[str] = []
    corpus = load_corpus(tmp_path, warn=warnings.append)
    assert len(warnings) == len(corpus.skipped)
    return {s.path: s.reason for s in corpus.skipped}


def test_broken_pdf_and_docx_are_skipped_with_a_reason(tmp_path: Path):
    noise = random.Random(7).randbytes(4096)
    write(tmp_path / "noise.pdf", noise)
    write(tmp_path / "noise.docx", noise)
    whole = make_pdf(tmp_path / "whole.pdf", report_pages()).read_bytes()
    write(tmp_path / "cut.pdf", whole[: len(whole) // 3])  # a download that stopped early
    write(tmp_path / "old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise)  # an OLE file: encrypted or a .doc
    write(tmp_path / "ok.txt", "长江是中国最长的河流，全长约六千三百公里。\n")
    reasons = _reasons(tmp_path)
    assert set(reasons) == {"noise.pdf", "noise.docx", "cut.pdf", "old.docx"}
    assert "PDF" in reasons["noise.pdf"] and "损坏" in reasons["noise.pdf"]
    assert "DOCX" in reasons["noise.docx"] and "损坏" in reasons["noise.docx"]
    assert "PDF" in reasons["cut.pdf"]
    assert "加密" in reasons["old.docx"] and ".doc" in reasons["old.docx"]


def test_encrypted_pdf_is_skipped_as_encrypted(tmp_path: Path):
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(tmp_path / "secret.pdf"), encrypt="mima123")
    pdf.setFont(FONT, 11)
    pdf.drawString(72, 760, "这是一份需要密码才能打开的文件。")
    pdf.showPage()
    pdf.save()
    reasons = _reasons(tmp_path)
    assert "加密" in reasons["secret.pdf"] and "encrypted" in reasons["secret.pdf"]


def test_document_pages_round_trip_and_old_dicts_still_load(report: Document):
    assert report.pages[0] == 0 and len(report.pages) == 3
    assert Document.from_dict(report.to_dict()) == report
    old = report.to_dict()
    del old["pages"]
    assert Document.from_dict(old).page_of(0) is None


def test_card_shows_the_page_and_escapes_the_source():
    source = Source("d1", "<b>年报</b>", None, "2024-01-05", None, "a.pdf", None, 12, page=3)
    citation = Citation(1, "d1-12-0", "正文。", "正文。", 0, 3, 1.0, source)
    html = card(citation)
    assert "第 3 页 · 第 12 段" in html
    assert "<b>年报</b>" not in html and "&lt;b&gt;年报&lt;/b&gt;" in html
    assert source_line(source) == "<b>年报</b> · 2024-01-05 · a.pdf · 第 3 页 · 第 12 段"


def test_join_lines_keeps_spaces_only_between_half_width_text():
    assert join_lines("长江是中国", "最长的河流。") == "长江是中国最长的河流。"
    assert join_lines("the Yangtze", "river") == "the Yangtze river"
    assert join_lines("长度约 6300", "公里") == "长度约 6300公里"
    # A break inside a number set among Chinese characters is a typesetter's, not a space.
    assert join_lines("会议通过　2", "023年9月1日起施行") == "会议通过　2023年9月1日起施行"
    assert join_lines("page 2", "3 items") == "page 2 3 items"
    assert join_lines("共 12", "34 人") == "共 12 34 人"  # spaces around the numbers: two numbers
    assert join_lines("下午14:30至1", "7:30结束") == "下午14:30至17:30结束"  # a time cut in two
    assert join_lines("电话：0598", "-6632045") == "电话：0598-6632045"  # a phone number cut in two
    assert join_lines("电话：0598-", "6632045 全国服务热线") == "电话：0598-6632045 全国服务热线"
    assert join_lines("infor-", "mation") == "information"


def test_page_furniture_and_paragraph_heuristics():
    one = wrap("第一页的正文很长，" * 6 + "到此结束。", 20)
    two = wrap("第二页接着写，" * 5 + "直到这里", 20)
    three = ["才结束。", "附录"]
    pages = [["年报 2023", "目录", *one, "1"], ["年报 2023", *two, "- 2 -"], ["年报 2023", *three, "第 3 页 共 3 页"]]
    kept = drop_page_furniture(pages)
    assert kept == [["目录", *one], two, three]
    blocks, starts = paged_blocks(kept)
    assert [(b.kind, b.text[:4]) for b in blocks] == [
        ("heading", "目录"),
        ("para", "第一页的"),
        ("para", "第二页接"),  # runs on to page 3, belongs to page 2
        ("heading", "附录"),
    ]
    assert blocks[2].text.endswith("直到这里才结束。")
    assert starts == [1, 1, 2, 3]


def test_a_scan_whose_only_text_is_page_numbers_is_called_probably_scanned(tmp_path: Path):
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    pdf = canvas.Canvas(str(tmp_path / "scan.pdf"))
    for number in (1, 2):
        pdf.drawImage(ImageReader(Image.new("RGB", (60, 40), (200, 200, 200))), 100, 400, width=300, height=200)
        pdf.setFont(FONT, 9)
        pdf.drawString(280, 40, f"- {number} -")  # a scanner's page stamp: the only text on the page
        pdf.showPage()
    pdf.save()
    reason = _reasons(tmp_path)["scan.pdf"]
    assert "扫描" in reason and "probably scanned" in reason


CONTRACT = """物业服务合同

合同编号：WY-2026-0317

甲方（委托方）：青禾市锦澜苑小区业主委员会
负责人：赵文博
联系电话：139 5821 0376

乙方（受托方）：青禾市恒安达物业管理有限公司
地址：青禾市望江东路29号
资质证书编号：WY-2019-0086

根据《中华人民共和国民法典》的规定，甲乙双方经协商一致，订立本合同。

第一条 服务期限
本合同服务期限为三年，自2026年7月1日起至2029年6月30日止。

第二条 物业服务费
住宅物业服务费按建筑面积每月每平方米2.35元计收。

第三条 争议解决
因本合同发生争议的，双方协商解决；协商不成的，按照有关规定向物业所在地人民法院起诉。

甲方（盖章）：青禾市锦澜苑小区业主委员会
日期：2026年6月12日

乙方（盖章）：青禾市恒安达物业管理有限公司
日期：2026年6月12日
"""


def test_a_contract_signed_with_dates_is_read_whole_and_its_fields_head_nothing(tmp_path: Path, fake_encoder):
    # 日期：… lines in the signature block are no page header: the parties' addresses and phones stay.
    write(tmp_path / "contract.txt", CONTRACT)
    [doc] = load_corpus(tmp_path).documents
    assert doc.kind == "text+structured" and doc.kept_share == 1.0
    first = doc.text[doc.paragraphs[0].start : doc.paragraphs[0].end]
    assert first.startswith("合同编号：WY-2026-0317") and "地址：青禾市望江东路29号" in first
    index = build([doc], fake_encoder, max_chars=300, min_chars=12)
    assert all(not (p.heading or "").startswith(("资质证书编号", "甲方", "乙方")) for p in index.passages)
    # 合同 is the title's, and 是怎么规定的 how it asks: nothing beyond the article is asked.
    answer = Answerer(index, fake_encoder, refusal=None).ask("合同第三条是怎么规定的？", keep_refused=True)
    assert answer.passages[0].quote.startswith("第三条 争议解决")


def test_a_line_broken_at_a_count_of_characters_is_full_though_its_digits_make_it_narrow():
    # A PDF's typesetter broke every line at 16 characters: the one holding times is narrower, yet wrapped.
    text = "三、报名方式（一）现场报名：每天上午8:30至11:30、下午14:30至17:30，地点为学校行政楼一楼招生大厅。"
    lines = ["三、报名方式", *wrap(text[6:], 16)]
    assert lines[1] == "（一）现场报名：每天上午8:30"
    pages = [
        ["简章", "一、学校简介", *wrap("东川职业技术学校始建于一九八六年，现为省级示范性中等职业学校。", 16), *lines]
    ]
    blocks, _ = paged_blocks(pages, typeset=True)
    assert ("para", text[6:]) in [(b.kind, b.text) for b in blocks]
    assert [b.text for b in blocks if b.kind == "heading"] == ["简章", "一、学校简介", "三、报名方式"]
    # A text file's lines are as written: there a narrow line ends its paragraph.
    assert ("para", text[6:]) not in [(b.kind, b.text) for b in paged_blocks(pages)[0]]


def test_a_pdf_contracts_field_lines_head_no_article_and_each_article_keeps_its_page(tmp_path: Path):
    # The parties' fields are short lines with no sentence end: they were headings, the last of them
    # (工作单位：…) heading every article after it.
    first = [
        "房屋租赁合同",
        "出租方（甲方）：陈建峰",
        "联系电话：158-2816-0937",
        "承租方（乙方）：刘思雨",
        "工作单位：岷州市博远教育咨询有限公司",
        "甲、乙双方在平等、自愿、协商一致的基础上，订立本合同。",
        "第一条 房屋基本情况",
        "该房屋建筑面积为89.6平方米，户型为两室一厅一卫。",
    ]
    second = ["第二条 租赁期限", "租赁期限为两年，自2024年7月1日起至2026年6月30日止。"]
    make_pdf(tmp_path / "lease.pdf", [first, second], header=None)
    [doc] = load_corpus(tmp_path).documents
    assert not any("工作单位" in (p.heading or "") or "联系电话" in (p.heading or "") for p in doc.paragraphs)
    fields = next(p for p in doc.paragraphs if "出租方（甲方）：陈建峰" in doc.text[p.start : p.end])
    assert "工作单位：岷州市博远教育咨询有限公司" in doc.text[fields.start : fields.end]
    term = next(p for p in doc.paragraphs if "2026年6月30日" in doc.text[p.start : p.end])
    assert term.heading == "第二条 租赁期限" and doc.page_of(term.start) == 2
    assert doc.page_of(fields.start) == 1


def test_a_word_notice_typed_without_heading_styles_is_titled_and_sectioned_by_its_bold_runs(tmp_path: Path):
    # A letterhead and the title in bold, each section's name in bold at the start of its paragraph.
    document = docx.Document()
    for bold in ("岷州市翠微路小学", "关于举办第十二届校园科技节暨家长开放日的通知"):
        document.add_paragraph().add_run(bold).bold = True
    document.add_paragraph("尊敬的各位家长：")
    for name, text in (
        ("一、活动时间", "2024年5月17日（星期五）8:30—15:30。"),
        ("二、活动地点", "学校本部（岷州市翠微路56号）。"),
    ):
        paragraph = document.add_paragraph()
        paragraph.add_run(name).bold = True
        paragraph.add_run(text)
    emphasis = document.add_paragraph()
    emphasis.add_run("请家长务必准时到校。").bold = True
    document.save(str(tmp_path / "notice.docx"))
    [doc] = load_corpus(tmp_path).documents
    assert doc.title == "关于举办第十二届校园科技节暨家长开放日的通知"
    paragraphs = [(p.heading, doc.text[p.start : p.end]) for p in doc.paragraphs]
    assert ("一、活动时间", "2024年5月17日（星期五）8:30—15:30。") in paragraphs
    assert ("二、活动地点", "学校本部（岷州市翠微路56号）。") in paragraphs
    assert doc.publisher == "岷州市翠微路小学"
    assert "请家长务必准时到校。" in doc.text


def _restarted_list(document) -> str:
    """A new Word list instance of the 'List Number' style's definition that starts again at 1 (what Word writes
    for "Restart at 1"); its numId."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    numbering = document.part.numbering_part.element
    style = document.styles["List Number"].element
    num = style.pPr.numPr.numId.val
    abstract = next(n for n in numbering.num_lst if n.numId == num).abstractNumId.val
    new = max(n.numId for n in numbering.num_lst) + 1
    numbering.append(
        parse_xml(
            f'<w:num {nsdecls("w")} w:numId="{new}"><w:abstractNumId w:val="{abstract}"/>'
            '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        )
    )
    return str(new)


def test_a_word_manuals_numbered_steps_keep_the_numbers_word_draws(tmp_path: Path, fake_encoder):
    # Steps typed as Word's own numbered list: the numbers are drawn by Word and are not in the paragraphs' text.
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_heading("HW-580型洗碗机使用说明书", 0)
    document.add_heading("4.1 开机准备", 2)
    for step in (
        "检查洗涤水箱内的滤网是否安装到位。",
        "打开进水截止阀，确认进水压力正常。",
        "按下电源键，机器自动进水。",
    ):
        document.add_paragraph(step, style="List Number")
    document.add_heading("4.3 关机与排水", 2)
    restart = _restarted_list(document)
    for step in ("按下电源键关闭机器。", "拔出溢流管，将洗涤水箱内的污水排尽。"):
        paragraph = document.add_paragraph(step, style="List Number")
        paragraph._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{restart}"/></w:numPr>')
        )
    document.save(str(tmp_path / "manual.docx"))
    [doc] = load_corpus(tmp_path).documents
    by_heading = {p.heading: doc.text[p.start : p.end] for p in doc.paragraphs}
    assert by_heading["4.1 开机准备"].startswith("1. 检查洗涤水箱内的滤网")
    assert "\n2. 打开进水截止阀" in by_heading["4.1 开机准备"] and "\n3. 按下电源键" in by_heading["4.1 开机准备"]
    assert by_heading["4.3 关机与排水"].startswith("1. 按下电源键关闭机器。")  # the second list starts again
    assert "\n2. 拔出溢流管" in by_heading["4.3 关机与排水"]
    index = build([doc], fake_encoder, max_chars=300, min_chars=12)
    answer = Answerer(index, fake_encoder, refusal=None).ask("开机准备的第二步是什么？", keep_refused=True)
    assert answer.passages[0].quote == "2. 打开进水截止阀，确认进水压力正常。"


def test_a_page_number_drawn_before_the_body_is_dropped_and_a_running_header_once_a_page():
    # A typesetter that draws the masthead and footer first puts 第 1 页 共 2 页 among the page's first lines; the
    # page's own title under a running header of the same words is the title, not furniture.
    body = wrap("居民朋友应合理安排外出时间，尽量避开高温时段，少量多次饮水。" * 2, 24)
    more = wrap("一旦发现身边有人出现中暑症状，应立即将其转移到阴凉通风处。" * 2, 24)
    pages = [
        [
            "健康通讯",
            "内部资料 免费赠阅",
            "健康通讯",
            "2024年第3期 青禾社区卫生服务中心 主办",
            "第 1 页 共 2 页",
            "卷首语",
            *body,
        ],
        ["健康通讯", "内部资料 免费赠阅", "第 2 页 共 2 页", *more],
    ]
    kept = drop_page_furniture(pages)
    assert kept[0][:4] == ["健康通讯", "2024年第3期 青禾社区卫生服务中心 主办", "", "卷首语"]
    assert kept[1] == more
    blocks, _ = paged_blocks(kept, typeset=True)
    assert [b.text for b in blocks[:3]] == ["健康通讯", "2024年第3期 青禾社区卫生服务中心 主办", "卷首语"]
    assert blocks[2].kind == "heading"
