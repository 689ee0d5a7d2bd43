"""A corpus folder → documents, and a one-line reason for every file skipped."""

from __future__ import annotations

import pytest
from helpers import write

from qa.ingest.corpus import load_corpus

GOOD = "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像，当事人可远程出庭。\n"
GBK = "乐陵市检察院举办开放日活动\n\n乐陵市检察院日前举办检察开放日活动，邀请四十二名人大代表走进检察院。\n"
NESTED = "夏津县检察院开展普法进校园\n\n夏津县检察院干警走进第三实验小学，为六百名学生讲授防范校园欺凌知识。\n"
MARKDOWN = "# 临邑县法院审结一起合同纠纷\n\n临邑县人民法院近日审结一起买卖合同纠纷案，判令被告支付货款十八万元。\n"


@pytest.fixture
def mixed_corpus(tmp_path):
    write(tmp_path / "good.txt", GOOD)
    write(tmp_path / "gbk.txt", GBK, encoding="gbk")
    write(tmp_path / "empty.txt", "")
    write(tmp_path / "binary.txt", bytes(range(256)) * 20)
    write(tmp_path / "notes.md", MARKDOWN)
    write(tmp_path / "sub" / "nested.txt", NESTED)
    write(tmp_path / "slides.pptx", b"PK\x03\x04\x14\x00\x06\x00")  # .pdf and .docx are read since 0.1.0
    return tmp_path


def test_good_files_are_loaded(mixed_corpus):
    corpus = load_corpus(mixed_corpus)
    assert sorted(d.path for d in corpus.documents) == ["gbk.txt", "good.txt", "notes.md", "sub/nested.txt"]


def test_gbk_file_is_decoded(mixed_corpus):
    docs = {d.path: d for d in load_corpus(mixed_corpus).documents}
    gbk = docs["gbk.txt"]
    assert gbk.title == "乐陵市检察院举办开放日活动"
    assert "邀请四十二名人大代表走进检察院" in gbk.text
    assert gbk.encoding.lower() in {"gb18030", "gbk", "gb2312"}


def test_nested_file_keeps_its_relative_path(mixed_corpus):
    docs = {d.path: d for d in load_corpus(mixed_corpus).documents}
    assert "为六百名学生讲授防范校园欺凌知识" in docs["sub/nested.txt"].text


def test_empty_and_binary_files_are_skipped_with_reasons(mixed_corpus):
    skipped = {s.path: s.reason for s in load_corpus(mixed_corpus).skipped}
    assert set(skipped) == {"empty.txt", "binary.txt"}
    assert any(word in skipped["empty.txt"] for word in ("empty", "空"))
    assert any(word in skipped["binary.txt"] for word in ("binary", "二进制"))


def test_unsupported_files_are_neither_loaded_nor_skipped(mixed_corpus):
    corpus = load_corpus(mixed_corpus)
    assert all(not d.path.endswith(".pptx") for d in corpus.documents)
    assert all(not s.path.endswith(".pptx") for s in corpus.skipped)


def test_warn_gets_one_line_per_skipped_file(mixed_corpus):
    lines: list[str] = []
    load_corpus(mixed_corpus, warn=lines.append)
    assert len(lines) == 2
    assert all("\n" not in line for line in lines)
    assert sum("empty.txt" in line for line in lines) == 1
    assert sum("binary.txt" in line for line in lines) == 1


def test_document_ids_are_stable_and_distinct(mixed_corpus):
    first = {d.path: d.doc_id for d in load_corpus(mixed_corpus).documents}
    second = {d.path: d.doc_id for d in load_corpus(mixed_corpus).documents}
    assert first == second
    assert len(set(first.values())) == len(first)


def test_document_id_depends_on_path_not_folder(tmp_path):
    write(tmp_path / "one" / "a.txt", GOOD)
    write(tmp_path / "two" / "a.txt", GOOD)
    ids_one = {d.path: d.doc_id for d in load_corpus(tmp_path / "one").documents}
    ids_two = {d.path: d.doc_id for d in load_corpus(tmp_path / "two").documents}
    assert ids_one == ids_two  # same relative path, same id: ids survive moving the corpus


def test_file_with_nothing_left_after_cleaning_is_skipped(tmp_path):
    write(tmp_path / "nav.txt", "当前位置：首页 > 新闻\n返回顶部\n版权所有 © 2023 某某网\n")
    corpus = load_corpus(tmp_path)
    assert corpus.documents == []
    assert [s.path for s in corpus.skipped] == ["nav.txt"]


def test_hidden_files_are_ignored(tmp_path):
    write(tmp_path / "good.txt", GOOD)
    write(tmp_path / ".draft.txt", GBK)
    write(tmp_path / ".git" / "notes.txt", NESTED)
    corpus = load_corpus(tmp_path)
    assert [d.path for d in corpus.documents] == ["good.txt"]
    assert corpus.skipped == []


def test_markdown_heading_marker_is_not_in_the_title(mixed_corpus):
    docs = {d.path: d for d in load_corpus(mixed_corpus).documents}
    assert docs["notes.md"].title == "临邑县法院审结一起合同纠纷"
