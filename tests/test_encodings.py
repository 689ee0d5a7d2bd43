"""From file bytes to quote: encodings, line endings, invisible characters, traditional ↔ simplified.

`test_decode.py` checks `decode` on bytes; these tests go through `load_corpus`
(and, for matching, an `Answerer` over a fake-encoder index) as a user's files would.
"""

from __future__ import annotations

import codecs
import shutil
from pathlib import Path

import pytest
from helpers import FAKE_DIM, SEED_DIR, write

from qa.answer.engine import Answerer
from qa.ingest.corpus import load_corpus
from qa.ingest.document import Document
from qa.search.edits import build
from qa.search.encoder import HashEncoder
from qa.text.normalize import T2S_PATH, fold, to_simplified
from qa.text.tokenize import Tokenizer

TITLE = "禹城市法院开通网上立案"
SENTENCE = "禹城市人民法院近日开通网上立案系统，当事人足不出户即可提交起诉材料。"
SECOND = "该系统上线一个月来，已受理网上立案申请三百余件。"
ARTICLE = f"{TITLE}\n\n{SENTENCE}\n\n{SECOND}\n"

TRAD_TITLE = "臺灣高等法院宣判詐騙案"
TRAD_SENTENCE = "臺灣高等法院今日宣判一起電信詐騙案，被告應執行有期徒刑三年。"
TRAD_SECOND = "法院表示，被告利用網路電話冒充檢察官，騙取長者積蓄。"
TRAD = f"{TRAD_TITLE}\n\n{TRAD_SENTENCE}\n\n{TRAD_SECOND}\n"

HK_SENTENCE = "香港警方昨日破獲一個跨境洗錢集團，拘捕十二名男女，涉及金額逾三億港元。"
HK = f"香港警方破獲跨境洗錢集團\n\n{HK_SENTENCE}\n\n警方發言人表示，該集團利用空殼公司開設銀行帳戶，協助詐騙集團轉移贓款。\n"

GB_ONLY = "朱镕基曾到𠮷林视察，𠮷字在GB18030中占四个字节。"  # 镕: GBK, not GB2312; 𠮷: four bytes
CP950_ONLY = "台積電與碁盤公司簽約，裏面的價格以€計算。"  # 碁, 裏, €: Windows Big5 (CP950), not plain Big5
HKSCS_ONLY = "香港特區政府今日公布，啲市民可以申請補貼。"  # 啲: Big5-HKSCS only

GB = {"gb18030", "gbk", "gb2312"}
UTF16 = {"utf-16", "utf-16-le", "utf-16-be"}


def _load_one(folder: Path) -> Document:
    corpus = load_corpus(folder)
    assert corpus.skipped == [], corpus.skipped
    [doc] = corpus.documents
    return doc


def _name(encoding: str) -> str:
    return encoding.lower().replace("_", "-")


# (id, file bytes, sentence that must come back exactly, acceptable encoding names)
ENCODED = [
    ("utf-8", ARTICLE.encode("utf-8"), SENTENCE, {"utf-8"}),
    ("utf-8-bom", codecs.BOM_UTF8 + ARTICLE.encode("utf-8"), SENTENCE, {"utf-8-sig", "utf-8"}),
    ("gb18030", ARTICLE.encode("gb18030"), SENTENCE, GB),
    ("gb18030-four-byte", f"{TITLE}\n\n{GB_ONLY}\n".encode("gb18030"), GB_ONLY, {"gb18030"}),
    ("gbk", ARTICLE.encode("gbk"), SENTENCE, GB),
    ("big5", TRAD.encode("big5"), TRAD_SENTENCE, {"big5"}),
    ("cp950", f"{TRAD_TITLE}\n\n{CP950_ONLY}\n".encode("cp950"), CP950_ONLY, {"cp950"}),
    ("big5-hkscs", f"{TRAD_TITLE}\n\n{HKSCS_ONLY}\n".encode("big5hkscs"), HKSCS_ONLY, {"big5hkscs"}),
    ("utf-16-le", ARTICLE.encode("utf-16-le"), SENTENCE, UTF16),
    ("utf-16-be", ARTICLE.encode("utf-16-be"), SENTENCE, UTF16),
    ("utf-16-le-bom", codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"), SENTENCE, UTF16),
    ("utf-16-be-bom", codecs.BOM_UTF16_BE + ARTICLE.encode("utf-16-be"), SENTENCE, UTF16),
]


@pytest.mark.parametrize("raw,sentence,names", [c[1:] for c in ENCODED], ids=[c[0] for c in ENCODED])
def test_each_encoding_is_read_exactly(tmp_path, raw, sentence, names):
    write(tmp_path / "article.txt", raw)
    doc = _load_one(tmp_path)
    assert sentence in doc.text
    assert "\ufeff" not in doc.text and "\ufffd" not in doc.text
    assert _name(doc.encoding) in names


def test_utf16_article_has_the_same_document_as_utf8(tmp_path):
    write(tmp_path / "a" / "x.txt", ARTICLE.encode("utf-8"))
    write(tmp_path / "b" / "x.txt", codecs.BOM_UTF16_LE + ARTICLE.encode("utf-16-le"))
    one, two = _load_one(tmp_path / "a"), _load_one(tmp_path / "b")
    assert (one.title, one.text, one.paragraphs) == (two.title, two.text, two.paragraphs)
    assert one.title == TITLE


@pytest.mark.parametrize(
    "raw",
    [ARTICLE.encode("utf-8")[:-2], codecs.BOM_UTF8 + ARTICLE.encode("utf-8")[:-2]],
    ids=["utf-8-cut-mid-character", "utf-8-bom-cut-mid-character"],
)
def test_utf8_file_cut_mid_character_is_still_utf8(tmp_path, raw):
    """A truncated download or copy must not turn the whole file into mojibake."""
    write(tmp_path / "cut.txt", raw)
    doc = _load_one(tmp_path)
    assert SENTENCE in doc.text
    assert doc.text.startswith(TITLE)


def test_utf8_file_with_one_stray_byte_is_read(tmp_path):
    raw = ARTICLE.encode("utf-8").replace("足不出户".encode(), "足不".encode() + b"\xff" + "出户".encode())
    write(tmp_path / "stray.txt", raw)
    doc = _load_one(tmp_path)
    assert SECOND in doc.text
    assert "足不\ufffd出户" in doc.text  # the damage is visible, nothing else changed


# -- line endings ---------------------------------------------------------------------------------

MIXED = f"{TITLE}\r\n\r\n{SENTENCE}\r\r{SECOND}\n\n当事人可通过手机\r\n登录该系统。\r"
UNIX = f"{TITLE}\n\n{SENTENCE}\n\n{SECOND}\n\n当事人可通过手机\n登录该系统。\n"


@pytest.mark.parametrize("codec", ["utf-8", "gbk", "utf-16"])
def test_mixed_line_endings_give_the_same_paragraphs_as_newlines(tmp_path, codec):
    write(tmp_path / "mixed" / "x.txt", MIXED, encoding=codec)
    write(tmp_path / "unix" / "x.txt", UNIX, encoding=codec)
    mixed, unix = _load_one(tmp_path / "mixed"), _load_one(tmp_path / "unix")
    assert "\r" not in mixed.text
    assert (mixed.title, mixed.text, mixed.paragraphs) == (unix.title, unix.text, unix.paragraphs)
    assert [mixed.text[p.start : p.end] for p in mixed.paragraphs][:2] == [SENTENCE, SECOND]


# -- matching across invisible characters and traditional/simplified -------------------------------

INVISIBLE = (
    "德州市中院启用在线调解平台\n\n"
    "\u3000\u3000德州市中级人民法院近日启用在线\u200b调解平台，当事人\u3000足不出户即可\ufeff申请调解。\n\n"
    "\u3000\u3000平台启用两周来，已成功调解纠纷四十余件。\n"
)
INVISIBLE_QUOTE = "德州市中级人民法院近日启用在线调解平台，当事人\u3000足不出户即可申请调解。"


@pytest.fixture(scope="module")
def mixed_corpus(tmp_path_factory) -> Path:
    """The seed articles plus traditional, simplified and invisible-laden files in several encodings."""
    root = tmp_path_factory.mktemp("corpus")
    for path in sorted(SEED_DIR.glob("*.txt")):
        shutil.copy(path, root / path.name)
    write(root / "trad_big5.txt", TRAD, encoding="big5")
    write(root / "trad_hk.txt", HK, encoding="utf-8")
    write(root / "simplified_gbk.txt", ARTICLE, encoding="gbk")
    write(root / "invisible.txt", INVISIBLE, encoding="utf-16")
    return root


@pytest.fixture(scope="module")
def answerer(mixed_corpus) -> Answerer:
    encoder = HashEncoder(dim=FAKE_DIM)
    corpus = load_corpus(mixed_corpus)
    assert corpus.skipped == []
    return Answerer(build(corpus.documents, encoder, max_chars=300, min_chars=12), encoder, refusal=None)


def _top(answerer: Answerer, question: str):
    answer = answerer.ask(question, keep_refused=True)
    assert answer.passages, question
    return answer, answer.passages[0]


def _document_text(answerer: Answerer, path: str) -> str:
    [doc] = [d for d in answerer.index.documents.values() if d.path == path]
    return doc.text


def test_invisible_characters_do_not_break_matching_and_the_quote_is_the_original(answerer):
    answer, top = _top(answerer, "德州市中级人民法院启用的在线调解平台让当事人可以做什么？")
    assert answer.answered
    assert top.source.path == "invisible.txt"
    assert top.quote == INVISIBLE_QUOTE  # the full-width space is kept as written
    assert top.quote in _document_text(answerer, "invisible.txt")


def test_simplified_question_finds_big5_traditional_document(answerer):
    answer, top = _top(answerer, "台湾高等法院判处诈骗案被告有期徒刑几年？")
    assert answer.answered
    assert top.source.path == "trad_big5.txt"
    assert top.source.title == TRAD_TITLE
    assert top.quote == TRAD_SENTENCE  # quoted in the original traditional characters


def test_simplified_question_finds_utf8_traditional_document(answerer):
    answer, top = _top(answerer, "香港警方破获的跨境洗钱集团涉案金额逾多少港元？")
    assert answer.answered
    assert top.source.path == "trad_hk.txt"
    assert top.quote == HK_SENTENCE


def test_traditional_question_finds_simplified_document(answerer):
    answer, top = _top(answerer, "禹城市法院什麼時候開通網上立案系統？")
    assert answer.answered
    assert top.source.path == "simplified_gbk.txt"
    assert top.quote == SENTENCE


def test_keywords_match_across_scripts_even_without_shared_characters(answerer):
    """No word of the question is written the same way in the passage: only folding matches them."""
    index = answerer.index
    question = "网络电话检察官骗取长者积蓄"
    assert not any(word in TRAD_SECOND for word in ("网络", "电话", "检察官", "骗取", "长者", "积蓄"))
    scores = index.bm25.scores(index.tokenizer(question))
    best = index.passages[int(scores.argmax())]
    assert best.text == TRAD_SECOND
    assert index.documents[best.doc_id].path == "trad_big5.txt"


# -- to_simplified ---------------------------------------------------------------------------------


def _gb2312_level1() -> str:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


def test_to_simplified_maps_traditional_characters_one_to_one():
    assert to_simplified(TRAD_SENTENCE) == "台湾高等法院今日宣判一起电信诈骗案，被告应执行有期徒刑三年。"
    assert to_simplified("之後關於這個問題，為什麼眾說紛紜") == "之后关于这个问题，为什么众说纷纭"
    text = TRAD + HK + CP950_ONLY + "ＡＢＣ abc 123 𠮷"
    assert len(to_simplified(text)) == len(text)  # offsets stay valid


def test_to_simplified_leaves_simplified_text_alone():
    level1 = _gb2312_level1()
    assert len(level1) == 3755
    assert to_simplified(level1) == level1
    # Characters that are traditional forms but also in everyday simplified use stay as written.
    for word in ("乾隆", "著名", "瞭望", "夥伴", "干净", "后来", "么", "台湾"):
        assert to_simplified(word) == word
    assert to_simplified(ARTICLE) == ARTICLE


def test_to_simplified_is_idempotent():
    once = to_simplified(TRAD + HK + CP950_ONLY + HKSCS_ONLY)
    assert to_simplified(once) == once


def test_fold_and_tokenizer_treat_both_scripts_alike():
    assert fold("臺灣高等法院") == fold("台湾高等法院") == "台湾高等法院"
    tokenizer = Tokenizer()
    assert tokenizer("網路電話冒充檢察官") == tokenizer("网路电话冒充检察官")


def test_the_character_table_names_its_source_and_licence():
    header = [line for line in T2S_PATH.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    assert any("OpenCC" in line for line in header)
    assert any("Apache-2.0" in line for line in header)


def test_days_of_the_week_fold_to_one_name():
    assert fold("星期一") == fold("礼拜一") == "周一" and fold("星期天") == fold("礼拜日") == "周日"
    assert fold("本周天气") == "本周天气" and fold("星期") == "星期"  # 周天 and a bare 星期 stay
    assert Tokenizer()("礼拜六开门吗") == Tokenizer()("周六开门吗")
