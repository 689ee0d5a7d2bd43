"""Bytes → text: encodings, line endings, and refusing what is not text."""

from __future__ import annotations

import codecs
import random

import pytest

from qa.ingest.decode import NotTextError, decode

NEWS = "今年3月，庆云县检察院自主研发电子送达平台，实现法律文书自助式送达。\n庆云县地处冀鲁两省三市交界。\n"


def test_utf8_without_bom():
    text, encoding = decode(NEWS.encode("utf-8"))
    assert text == NEWS
    assert encoding.replace("_", "-").lower().startswith("utf-8")


def test_utf8_with_bom_drops_the_bom():
    text, _ = decode(codecs.BOM_UTF8 + NEWS.encode("utf-8"))
    assert text == NEWS
    assert not text.startswith("\ufeff")


def test_gbk_bytes_are_read_as_chinese():
    text, encoding = decode("庆云县检察院".encode("gbk"))
    assert text == "庆云县检察院"
    assert encoding.lower() in {"gb18030", "gbk", "gb2312"}


def test_gb18030_article():
    text, _ = decode(NEWS.encode("gb18030"))
    assert text == NEWS


@pytest.mark.parametrize("codec,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE)])
def test_utf16_with_bom(codec, bom):
    text, _ = decode(bom + NEWS.encode(codec))
    assert text == NEWS
    assert not text.startswith("\ufeff")


def test_utf16_le_without_bom_mostly_ascii():
    source = "Case 2022-07-08: 庆云县 court notice\nline two of the notice\n"
    text, encoding = decode(source.encode("utf-16-le"))
    assert text == source
    assert "16" in encoding


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_chinese_article(codec):
    text, _ = decode(NEWS.encode(codec))
    assert text == NEWS


def test_big5_article():
    # GB18030 accepts almost every Big5 byte pair: the decoder must still pick Big5 here.
    source = "臺灣高等法院今日宣判，被告應執行有期徒刑三年。\n"
    text, encoding = decode(source.encode("big5"))
    assert text == source
    assert encoding == "big5"


def test_gbk_article_is_not_mistaken_for_big5():
    text, encoding = decode(NEWS.encode("gbk"))
    assert text == NEWS
    assert encoding.lower() in {"gb18030", "gbk", "gb2312"}


@pytest.mark.parametrize(
    "raw",
    [b"line one\r\nline two\r\n", b"line one\rline two\r", b"line one\r\nline two\r"],
    ids=["crlf", "cr", "mixed"],
)
def test_line_endings_become_newlines(raw):
    text, _ = decode(raw)
    assert "\r" not in text
    assert text.split("\n")[:2] == ["line one", "line two"]


def test_crlf_in_gbk_file():
    text, _ = decode("第一行\r\n第二行\r\n".encode("gbk"))
    assert text == "第一行\n第二行\n"


@pytest.mark.parametrize(
    "raw",
    [b"", b"   \n\t \r\n", codecs.BOM_UTF8 + b"  \n", "\u3000\u200b\n".encode()],
    ids=["empty", "whitespace", "bom-only", "ideographic-space-and-zwsp"],
)
def test_empty_input_is_not_text(raw):
    with pytest.raises(NotTextError, match="empty|空"):
        decode(raw)


def _png_like() -> bytes:
    header = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
    return header + random.Random(1234).randbytes(4000)


@pytest.mark.parametrize("raw", [bytes(range(256)) * 20, _png_like()], ids=["all-bytes", "png"])
def test_binary_input_is_not_text(raw):
    with pytest.raises(NotTextError, match="binary|二进制"):
        decode(raw)
