"""Documents → passages along paragraphs; long paragraphs split at sentence ends with overlap."""

from __future__ import annotations

import re

import pytest

from qa.ingest.chunk import chunk
from qa.ingest.clean import Article, Block
from qa.ingest.corpus import build_document
from qa.text.sentences import sentence_spans


def make_doc(*blocks: tuple[str, str], title: str = "测试文章标题"):
    article = Article(
        title=title,
        subtitle=None,
        publisher=None,
        date=None,
        author=None,
        blocks=tuple(Block(kind, text) for kind, text in blocks),
    )
    return build_document(article, rel="test/article.txt", sha256="0" * 64)


def long_paragraph(n: int = 30) -> str:
    # Sentences of different lengths (20–23 characters), each ending in 。
    return "".join(f"第{i}项工作由庆云县检察院{'第' * (i % 4)}部门牵头完成。" for i in range(1, n + 1))


SHORT = "这是一个不太长的段落，它只有一句话而已。"


def test_passage_text_is_the_document_slice(seed_docs):
    for doc in seed_docs:
        passages = chunk(doc, max_chars=120, min_chars=12)
        assert passages
        for p in passages:
            assert p.text == doc.text[p.start : p.end]
            assert p.doc_id == doc.doc_id


def test_short_paragraph_is_one_passage():
    doc = make_doc(("para", SHORT), ("para", "第二段也是一个完整的句子，长度适中。"))
    passages = chunk(doc, max_chars=300, min_chars=12)
    assert [p.text for p in passages] == [SHORT, "第二段也是一个完整的句子，长度适中。"]
    assert [(p.paragraph, p.part) for p in passages] == [(1, 0), (2, 0)]


def test_paragraph_of_exactly_max_chars_is_not_split():
    text = "一" * 99 + "。"
    doc = make_doc(("para", text))
    assert [p.text for p in chunk(doc, max_chars=100, min_chars=12)] == [text]


@pytest.fixture
def split_doc():
    return make_doc(("heading", "一、工作情况"), ("para", long_paragraph()), ("para", SHORT))


def test_long_paragraph_parts_fit_and_end_at_sentence_ends(split_doc):
    passages = [p for p in chunk(split_doc, max_chars=100, min_chars=12) if p.paragraph == 1]
    assert len(passages) > 3
    for p in passages:
        assert len(p.text) <= 100
        assert p.text.endswith("。")
        assert re.match(r"第\d+项", p.text), p.text[:10]  # starts at a sentence start
        assert p.heading == "一、工作情况"


def test_long_paragraph_parts_cover_it_in_order(split_doc):
    para = split_doc.paragraphs[0]
    passages = [p for p in chunk(split_doc, max_chars=100, min_chars=12) if p.paragraph == 1]
    assert passages[0].start == para.start
    assert passages[-1].end == para.end
    assert [p.part for p in passages] == list(range(len(passages)))
    for a, b in zip(passages, passages[1:]):
        assert a.start < b.start <= a.end


def test_consecutive_parts_share_exactly_one_sentence(split_doc):
    passages = [p for p in chunk(split_doc, max_chars=100, min_chars=12) if p.paragraph == 1]
    for a, b in zip(passages, passages[1:]):
        last = sentence_spans(split_doc.text, a.start, a.end)[-1]
        first = sentence_spans(split_doc.text, b.start, b.end)[0]
        assert last == first
        overlap = split_doc.text[b.start : a.end]
        assert overlap == split_doc.text[last[0] : last[1]]
        assert overlap.count("。") == 1


def test_passage_ids(split_doc, seed_docs):
    for doc in [split_doc, *seed_docs]:
        passages = chunk(doc, max_chars=100, min_chars=12)
        assert [p.id for p in passages] == [f"{doc.doc_id}-{p.paragraph}-{p.part}" for p in passages]
        assert len({p.id for p in passages}) == len(passages)


def test_single_sentence_longer_than_max_is_cut_at_commas():
    clause = "庆云县检察院依托动车组理念创建党建品牌"  # 19 characters
    sentence = "，".join([clause] * 8) + "。"  # one sentence of 160 characters
    doc = make_doc(("para", sentence))
    passages = chunk(doc, max_chars=60, min_chars=12)
    assert len(passages) > 1
    assert all(len(p.text) <= 60 for p in passages)
    assert passages[0].start == doc.paragraphs[0].start and passages[-1].end == doc.paragraphs[0].end
    assert all(p.text.endswith(("，", "。")) for p in passages)


def test_fragment_is_merged_into_next_paragraph():
    doc = make_doc(("para", "图文："), ("para", SHORT), ("para", "第三段同样是一个完整的句子。"))
    passages = chunk(doc, max_chars=300, min_chars=12)
    assert len(passages) == 2
    assert passages[0].text.startswith("图文：") and passages[0].text.endswith(SHORT)
    assert passages[0].paragraph == 1
    assert all(p.text == doc.text[p.start : p.end] for p in passages)


def test_last_fragment_is_merged_into_previous_paragraph():
    doc = make_doc(("para", SHORT), ("para", "完。"))
    passages = chunk(doc, max_chars=300, min_chars=12)
    assert len(passages) == 1
    assert passages[0].text.startswith(SHORT) and passages[0].text.endswith("完。")


def test_fragment_is_not_merged_across_headings_forward():
    doc = make_doc(("heading", "一、概况"), ("para", SHORT), ("heading", "二、做法"), ("para", "短。"), ("para", SHORT))
    passages = chunk(doc, max_chars=300, min_chars=12)
    assert [p.heading for p in passages] == ["一、概况", "二、做法"]
    assert passages[1].text.startswith("短。")


def test_fragment_at_end_of_section_is_merged_into_previous():
    doc = make_doc(
        ("heading", "一、概况"), ("para", SHORT), ("para", "短句。"), ("heading", "二、做法"), ("para", SHORT)
    )
    passages = chunk(doc, max_chars=300, min_chars=12)
    assert all(len(p.text) >= 12 for p in passages), [p.text for p in passages]
    assert passages[0].text.endswith("短句。")


def test_sentence_spans_keep_closing_quote_with_sentence():
    text = "“我们一定把这件实事办好。”他说。随后大家继续开会。"
    spans = sentence_spans(text)
    quote_at = text.index("”")
    assert spans[0][0] == 0 and spans[0][0] <= quote_at < spans[0][1]
    assert all(text[a] not in "”’」』）)" for a, _ in spans)
    assert text[spans[-1][0] : spans[-1][1]] == "随后大家继续开会。"


def test_sentence_spans_cover_every_character_once():
    text = "  第一句。第二句！第三句？“第四句……”第五句；最后没有句号  "
    spans = sentence_spans(text)
    assert "".join(text[a:b] for a, b in spans) == text.strip()
    assert all(b1 <= a2 for (_, b1), (a2, _) in zip(spans, spans[1:]))
    assert all(text[a:b] == text[a:b].strip() for a, b in spans)


def test_sentence_spans_of_a_range():
    text = "前文。甲句。乙句。后文。"
    assert [text[a:b] for a, b in sentence_spans(text, 3, 9)] == ["甲句。", "乙句。"]


def test_document_layout_title_headings_paragraphs():
    doc = make_doc(("heading", "测试文章标题"), ("heading", "一、概况"), ("para", SHORT), title="测试文章标题")
    assert doc.text == f"测试文章标题\n\n一、概况\n\n{SHORT}"  # a heading repeating the title is dropped
    assert [doc.text[a:b] for a, b in doc.headings] == ["一、概况"]
    [para] = doc.paragraphs
    assert (doc.text[para.start : para.end], para.number, para.heading) == (SHORT, 1, "一、概况")


def test_a_paragraph_that_asks_stays_with_the_answer_after_it():
    doc = make_doc(
        ("para", "问题：打印出来的页面有竖条纹。"),
        ("para", "解决：取出硒鼓，左右轻轻摇晃五六次后装回。"),
        ("para", "访客停车可以免费吗？"),
        ("para", "访客凭前台登记的二维码可以免费停车两小时。"),
        ("para", SHORT),
    )
    texts = [p.text for p in chunk(doc, max_chars=300, min_chars=12)]
    assert texts == [
        "问题：打印出来的页面有竖条纹。\n\n解决：取出硒鼓，左右轻轻摇晃五六次后装回。",
        "访客停车可以免费吗？\n\n访客凭前台登记的二维码可以免费停车两小时。",
        SHORT,
    ]
