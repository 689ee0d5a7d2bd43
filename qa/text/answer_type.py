"""What kind of answer a question asks for, and whether a sentence holds one. Pure functions.

A question that asks "when" is answered by a sentence with a time in it, one
that asks "how many" by a sentence with a number. This is evidence for picking
the quote inside a passage and for refusing a question whose words all occur
in the corpus but whose answer does not (最高人民检察院检察长是谁？ over a corpus
that names the office but never the person).
"""

from __future__ import annotations

import re

KINDS = ("time", "number", "place", "person")

# Checked in this order: "哪一年" asks for a time, not a number.
_QUESTION = (
    ("time", re.compile(r"什么时[候间]|何时|哪[一个]?年|哪[一个]?天|哪[一个]?月|几月|几号|何年|年份|日期|哪[个一]?朝代|什么年代|几点|多久|多长时间")),
    ("number", re.compile(r"多少|几[个位名次岁种届项条座家所只件层倍人天年]|多大|多高|多长|多重|多远|多深|多宽|百分之几|第几|几成")),
    ("place", re.compile(r"哪里|哪儿|在哪|何地|何处|什么地方|哪[个一]?(?:国家?|城市|省|地区|地方|市|县|岛|洲)")),
    ("person", re.compile(r"谁|哪位|什么人|哪个人|何人")),
)
_NUM = r"[0-9０-９]|[零〇一二两三四五六七八九十百千万亿]"
_SENTENCE = {
    "time": re.compile(
        rf"(?:{_NUM})+\s*(?:年|月|日|号|世纪|年代|点|时|分钟|小时|天|周|个月)|[春夏秋冬]季|上午|下午|凌晨|晚上|今年|去年|明年|当年|朝|时期"
    ),
    "number": re.compile(rf"(?:{_NUM})+(?:\.\d+)?\s*(?:%|％|[^\s，。、；：,.;:]?)|[数几]十|半数"),
    "place": re.compile(r"[\u4e00-\u9fff](?:省|市|县|区|镇|乡|村|州|国|岛|山|河|江|湖|海|港|城|路|街|洲)"),
    # No name recogniser offline: a person is announced by a title or a verb of saying/being.
    "person": re.compile(
        r"[\u4e00-\u9fff]{2,3}(?:先生|女士|教授|博士|同志|书记|主任|院长|检察长|局长|市长|县长|部长|主席|总统|总理|经理|导演|作者|创始人)|由[\u4e00-\u9fff]{2,4}(?:创|主|担|执|编|导|设|提|发)|[\u4e00-\u9fff]{2,3}(?:说|表示|认为|指出|介绍)"
    ),
}


def question_kind(question: str) -> str | None:
    """The kind of answer `question` asks for ("time", "number", "place", "person"), or None."""
    for kind, pattern in _QUESTION:
        if pattern.search(question):
            return kind
    return None


def holds(kind: str | None, text: str) -> bool:
    """True when `text` contains something of `kind` (always False for no kind)."""
    return bool(kind) and bool(_SENTENCE[kind].search(text))  # type: ignore[index]
