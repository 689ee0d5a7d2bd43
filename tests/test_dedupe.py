"""Near-duplicate passages are collapsed into one card that lists the other source."""

from __future__ import annotations

from qa.answer.dedupe import collapse
from qa.answer.results import Citation, Source

SENTENCE = "今年3月，庆云县检察院自主研发电子送达平台，实现法律文书自助式送达。"


def cite(cid: str, doc: str, paragraph: int, text: str, rank: int) -> Citation:
    source = Source(doc, f"标题{doc}", None, None, None, f"{doc}.txt", None, paragraph)
    return Citation(rank, cid, text, text[:5], 0, 5, 1.0 / rank, source)


def test_syndicated_sentence_keeps_the_best_source_and_lists_the_other() -> None:
    out = collapse(
        [
            cite("a-1-0", "a", 1, SENTENCE, 1),
            cite("b-7-0", "b", 7, SENTENCE.replace("，", ","), 2),
            cite("a-2-0", "a", 2, "动车跑得快，节节都来带。庆云县检察院依托动车组理念。", 3),
        ]
    )
    assert [c.id for c in out] == ["a-1-0", "a-2-0"]
    assert out[0].also_in == ("b-7-0",)
    assert [c.rank for c in out] == [1, 2]


def test_overlapping_parts_of_one_paragraph_collapse() -> None:
    out = collapse([cite("a-3-1", "a", 3, "第二部分。第三句。", 1), cite("a-3-0", "a", 3, "第一部分。第二部分。", 2)])
    assert [c.id for c in out] == ["a-3-1"] and out[0].also_in == ("a-3-0",)


def test_different_passages_are_all_kept() -> None:
    out = collapse(
        [cite("a-1-0", "a", 1, SENTENCE, 1), cite("a-2-0", "a", 2, "济阳区检察院打造“3315”党建工作模式。", 2)]
    )
    assert len(out) == 2 and all(not c.also_in for c in out)


def test_parts_sharing_one_sentence_of_overlap_are_both_kept() -> None:
    """The second part of a long paragraph holds answers the first lacks: it must not vanish."""
    first = "庆云县检察院依托动车组理念。全院干警分为四个党小组。每月开展一次主题党日活动。"
    second = "每月开展一次主题党日活动。今年3月，庆云县检察院自主研发电子送达平台。平台实现法律文书自助式送达。"
    out = collapse([cite("a-3-0", "a", 3, first, 1), cite("a-3-1", "a", 3, second, 2)])
    assert [c.id for c in out] == ["a-3-0", "a-3-1"]
