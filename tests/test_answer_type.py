"""Answer kinds: what a question asks for, what a sentence holds, quote features and the index that stores them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import write

from qa.answer.quote import FEATURES, sentence_features
from qa.errors import IndexMismatchError
from qa.ingest.corpus import load_corpus
from qa.search import builds
from qa.search.edits import build
from qa.text.answer_type import KINDS, has, kinds_of, names_holder, offices_asked, question_kind
from qa.text.match import char_bigrams

DATED = "今年3月，庆云县检察院自主研发电子送达平台"
NAMED = "党组书记、检察长高忠祥带领干警"
OFFICE = "市人民检察院打造了检察长党课"


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("庆云县检察院什么时候自主研发了电子送达平台？", "time"),
        ("该院哪一年成立了检察官联席会议？", "time"),
        ("检察长何时到基层宣讲？", "time"),
        ("补贴啥时候能发下来？", "time"),  # everyday words for when and where
        ("快递几时能到？", "time"),
        ("读者证在啥地方办？", "place"),
        ("会议是哪一天召开的？", "time"),
        ("烧一箱热水要多长时间？", "duration"),  # a time is not enough: 冬季 does not answer it
        ("门锁要等多久才能打开？", "duration"),
        ("最多能提前几天预约？", "duration"),
        ("申请后几个工作日办结？", "duration"),
        ("几月开学？", "time"),
        ("孩子上几年级了？", "number"),
        ("在楼道停电动车会被罚多少钱？", "money"),  # a number is not enough: 10月25日 does not answer it
        ("公积金贷款最多能贷多少？", "money"),
        ("一年要交多少材料？", "number"),
        ("价格法第十条规定了什么？", None),  # a law's name, not a price asked
        ("全市共有多少个党支部？", "number"),
        ("该院有几个党支部？", "number"),
        ("他是第几批入选的检察官？", "number"),
        ("检察院在哪里召开会议？", "place"),
        ("屏幕上跳出个E21，是哪儿坏了？", None),  # what is wrong, not where
        ("机器到底哪里出了问题？", None),
        ("首次在哪个城市举办培训？", "place"),
        ("带头讲党课的是谁？", "person"),
        ("哪位检察长带领干警参加活动？", "person"),
        ("什么是党建？", None),
        ("为什么要开展党史学习教育？", None),
        ("电子送达平台有什么作用？", None),
        ("如何开展党史学习教育？", None),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize("question", ["为什么人民检察院要开展党建？", "检察院在哪些方面加强了党建？"])
def test_question_kind_false_positives(question):
    assert question_kind(question) is None


def kinds(text: str) -> set[str]:
    mask = kinds_of(text)
    return {k for k in KINDS if has(mask, k)}


def test_sentence_kinds():
    assert kinds(DATED) >= {"time", "number", "place"}
    assert "person" in kinds(NAMED)
    assert not kinds(OFFICE) & {"person", "time"}  # an office is not a person


@pytest.mark.parametrize(
    ("text", "timed"),
    [
        ("周一到周五 7:20-7:50，每天2位家长", True),
        ("人工服务时间为工作日8:30—17:30。", True),
        ("售后服务热线：400-862-7305（每日8：00～20：00）", True),
        ("地图比例为1:50000。", False),  # a ratio, not a time
        ("请升级到3.10版本。", False),
    ],
)
def test_a_clock_time_is_a_time(text, timed):
    assert ("time" in kinds(text)) is timed


@pytest.mark.parametrize(
    ("text", "lasting"),
    [
        ("从15℃加热到65℃，大约需要110分钟。", True),
        ("应当自收到申请之日起十五日内作出决定。", True),
        ("门锁有延时保护，约2分钟后自动解锁。", True),
        ("保修期为3个月，半小时内响应。", True),
        ("筒自洁：建议每月1次。", True),  # how often answers 多久洗一次
        ("冬季长时间不用时，应当放净内胆中的水。", False),  # a season and 长时间 are no length of time
        ("本办法自2024年3月1日起施行。", False),  # a date: its year and day are not lengths
        ("年满18周岁的居民可以报名。", False),  # an age
        ("第二天上午到现场复查。", False),
        ("训练时每 1000 步保存一次检查点。", True),  # how often, counted in steps
        ("花期1-3月。", True),  # a span of months answers 花期多久
        ("接通电源，等待约 90 秒，直到指示灯常亮。", True),
    ],
)
def test_a_length_of_time_is_told_from_a_date_or_an_age(text, lasting):
    assert ("duration" in kinds(text)) is lasting


@pytest.mark.parametrize("text", ["", "   ", "The prosecutor met the press.", "Hello world"])
def test_text_without_kinds(text):
    assert kinds_of(text) == 0
    assert not has(kinds_of(text), None)


def test_no_kind_is_never_held():
    assert not any(has(mask, None) for mask in range(1 << len(KINDS)))


@pytest.mark.parametrize(
    ("text", "person"),
    [("市人民检察院机关党委专职副书记李晶晶说道", True), ("全面从严治党", False), ("高新区检察院", False)],
)
def test_person_heuristic_on_seed_like_sentences(text, person):
    assert ("person" in kinds(text)) is person


SENTENCES = [OFFICE, DATED, NAMED]
TERMS = [("电子送达平台", 1.0), ("庆云县", 0.5), ("检察院", 0.2)]
QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"


def features(sims=(0.3, 0.9, 0.1), title=""):
    return sentence_features(TERMS, char_bigrams(QUESTION), SENTENCES, list(sims), title)


def test_features_shape_and_relative_columns():
    m = features()
    assert m.shape == (len(SENTENCES), len(FEATURES))
    for name in ("cover", "bigram", "sim", "rest_cover", "rest_bigram"):
        col, rel = m[:, FEATURES.index(name)], m[:, FEATURES.index(name + "_rel")]
        assert rel[np.argmax(col)] == 0.0 and (rel <= 0).all(), name
        np.testing.assert_allclose(rel, col - col.max())
    assert m[1, FEATURES.index("cover")] > m[0, FEATURES.index("cover")]  # the dated sentence answers


def test_title_terms_do_not_count_in_rest_coverage():
    """In an article titled 庆云县检察院, the sentence with 电子送达平台 answers, not the one naming the office."""
    plain, titled = features(), features(title="庆云县检察院")
    cover, rest = FEATURES.index("cover"), FEATURES.index("rest_cover")
    np.testing.assert_allclose(plain[:, cover], titled[:, cover])  # plain coverage ignores the title
    assert titled[1, rest] == 1.0  # 电子送达平台 is the only term the title does not give
    assert titled[0, rest] == 0.0 < plain[0, rest]


def test_no_sentences():
    empty = sentence_features(TERMS, char_bigrams(QUESTION), [], [], "")
    assert empty.shape == (0, len(FEATURES))


@pytest.fixture
def small(tmp_path, fake_encoder):
    write(tmp_path / "corpus" / "a.txt", f"庆云县检察院\n\n{DATED}。{NAMED}学习党史。\n\n{OFFICE}，全员参加。\n")
    docs = load_corpus(tmp_path / "corpus").documents
    return build(docs, fake_encoder, max_chars=300, min_chars=4)


def test_index_stores_one_kind_mask_per_sentence(small):
    s = small.sentences
    assert len(s.kinds) == len(s.starts) == int(s.first[-1]) > 0
    texts = [p.text[s.starts[r] : s.ends[r]] for i, p in enumerate(small.passages) for r in s.of(i)]
    assert s.kinds.tolist() == [kinds_of(t) for t in texts]
    assert any(has(int(k), "time") for k in s.kinds) and any(has(int(k), "person") for k in s.kinds)


def saved_root(index, encoder, root):
    manifest = {"model": {"name": encoder.name, "dim": encoder.dim}, "corpus": {"fingerprint": "x"}}
    builds.save(index, root, manifest)
    return root


def test_kinds_survive_save_and_load(small, fake_encoder, tmp_path):
    loaded = builds.load(saved_root(small, fake_encoder, tmp_path / "idx"))
    np.testing.assert_array_equal(loaded.sentences.kinds, small.sentences.kinds)
    assert loaded.sentences.kinds.dtype == small.sentences.kinds.dtype


def test_format_1_index_is_refused(small, fake_encoder, tmp_path):
    root = saved_root(small, fake_encoder, tmp_path / "idx")
    path = root / "current" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**manifest, "format": 1}), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="qa index"):
        builds.load(root)


@pytest.mark.parametrize(
    ("question", "offices"),
    [
        ("济阳区检察院的检察长是谁？", ("检察长",)),
        ("东营市人民检察院的检察长叫什么名字？", ("检察长",)),
        ("广州市南沙区检察院的副检察长是谁？", ("副检察长",)),
        ("山东省委书记是谁？", ("书记",)),
        ("东营市检察院的政治部主任是谁？", ("政治部主任",)),  # the department is part of the office
        ("庆云县检察院的第一检察部主任是谁？", ("第一检察部主任",)),
        ("谁是庆云县检察院办公室主任？", ("办公室主任",)),
        ("卫东区人民法院的党组副书记、常务副检察长是谁？", ("副检察长",)),  # 常务 is no department
        ("数据组的组长是谁？", ("组长",)),
        ("这份通知的联系人是谁？", ("联系人",)),
        ("检察长什么时候到基层宣讲？", ()),  # asks when, not who
        ("谁带头讲党课？", ()),  # who, but of no office
    ],
)
def test_offices_asked(question, offices):
    assert offices_asked(question) == offices


@pytest.mark.parametrize(
    ("sentence", "office", "named"),
    [
        ("”庆云县检察院检察长颜倩倩介绍。", "检察长", True),  # a given name the tagger does not know
        (NAMED, "检察长", True),
        ("南沙区检察院副检察长李东蓊讲起了自家的党建品牌故事", "检察长", False),  # a deputy is not the 检察长
        ("南沙区检察院副检察长李东蓊讲起了自家的党建品牌故事", "副检察长", True),
        ("习近平总书记指出，机关党建要走在前头", "书记", False),
        (OFFICE, "检察长", False),  # the office, but nobody in it
        ("”该院第一检察部主任芦广庆介绍。", "第一检察部主任", True),  # a rare surname, before what he says
        ("”该院第一检察部主任芦广庆介绍。", "政治部主任", False),  # another department's head
        ("值班表每月最后一个周五由组长排好，发在群公告里。", "组长", False),
        ("联系人：周明，电话：0796-2256018。", "联系人", True),
    ],
)
def test_names_holder(sentence, office, named):
    assert names_holder(sentence, office, kinds_of(sentence)) is named


@pytest.mark.parametrize(
    ("text", "priced"),
    [
        ("对个人处五百元以下罚款。", True),
        ("交通：大巴2辆，总共2200元，从班费出", True),
        ("门票：跟队家长25元/人", True),
        ("单方缴存职工最高可贷40万元。", True),
        ("秋游家长门票，10月25日，家长自理", False),  # a date is a number, not money
        ("住在7栋2单元502室。", False),
        ("一次买东西超过300块，要先在群里说一声。", True),
        ("任务：垃圾投放点改造，责任人：许立斌，预算（元）：35000", True),  # the column names the currency
        ("城市类别：一类城市，住宿标准（元/晚）：600，伙食补助（元/天）：120", True),  # and what it is paid for
        ("公司斥资77亿美元收购该品牌。", True),
        ("把第三块地分给他。", False),
        ("院子里有3块石头。", False),
    ],
)
def test_an_amount_of_money_is_told_from_other_numbers(text, priced):
    assert ("money" in kinds(text)) is priced
