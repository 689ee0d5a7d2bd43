"""Brackets: the ranges of a quantity that rules state, and the quantity a question states.

A rule often answers by brackets: 累计工作年限满1年不满10年的，年休假5天；满10年不满20年的，年休假10天. Asked
我累计工作12年了，年假能有几天, every bracket repeats the words asked, and only the one that holds 12 years
answers. So a sentence that states brackets of the quantity a question gives (12年, 七十二岁, 请假5天, 超过两万元),
none of which holds it, does not answer it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qa.ingest.structure import cn_number
from qa.text.normalize import fold

# The units compared, each written one way: 周岁 is 岁, 日 (not a date's: 3月31日) is 天, 块 is 元.
_UNITS = {
    "周岁": "岁",
    "岁": "岁",
    "个月": "个月",
    "年": "年",
    "天": "天",
    "日": "天",
    "小时": "小时",
    "元": "元",
    "块": "元",
}
_NUMBER = r"(\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千]+)\s*(万|千)?"
_UNIT = r"(周岁|岁|个月|年|天|(?<!月)日|小时|元|块)"
_QUANTITY = re.compile(_NUMBER + r"\s*" + _UNIT)
# A bound written before the number (满, 超过…) or after the unit (以上, 以内…), with 含 or 不含 in brackets between.
_BEFORE = re.compile(r"(不满|未满|不足|不超过|不到|低于|少于|小于|超过|多于|高于|大于|年满|满|至少|最多|至|到)\s*$")
_INCLUDED = r"\s*(?:[（(]\s*(不?含)\s*[）)])?\s*"
_AFTER = re.compile(_INCLUDED + r"(及以上|及以下|以上|以下|以内|之内|以外)")
_THROUGH = r"\s*(?:至|到|~|～|-|—|－)\s*"
# A range: 70周岁至79周岁, 6～11岁, 2000元以上至20000元 is two bounds (read below), not this.
_RANGE = re.compile(
    _NUMBER + r"\s*" + _UNIT + "?" + r"(?:\s*[（(]\s*含\s*[）)])?" + _THROUGH + _NUMBER + r"\s*" + _UNIT
)
_TIMES = {"万": 10000, "千": 1000}
_KIND = re.compile(r"[制级期班届版型]")  # after a quantity, a word naming a kind: 两年制, 三年期
_YEAR = 1900  # 2025年 is a date, not twelve years
_NEAR = 6  # characters between a lower bound and the upper bound that closes it (3天以上、7天以内)


@dataclass(frozen=True)
class Bracket:
    """A range of one unit: low and high ends (inf when open) and whether each is inside."""

    unit: str
    low: float = -math.inf
    high: float = math.inf
    low_in: bool = True
    high_in: bool = True

    def holds(self, value: float) -> bool:
        above = value > self.low or (self.low_in and value == self.low)
        below = value < self.high or (self.high_in and value == self.high)
        return above and below


def asked_quantities(question: str) -> dict[str, float]:
    """The quantities a question states, by unit (我爸今年七十二岁 → {岁: 72}); one asked after (几天, 多少元) has no
    number and is not one, nor is a rate (一年, 每月). A bound in the question moves the value just past it: 超过两万元 is a little over 20000."""
    text = fold(question)
    found: dict[str, float] = {}
    for match, value, unit in _quantities(text):
        if (
            match.group(1) == "一"
            or text[max(0, match.start() - 1) : match.start()] == "每"
            or _KIND.match(text, match.end())
        ):
            continue  # 一年能拿多少, 每月交多少: how often, not what the asker has; 两年制课程: a kind of thing
        before = _BEFORE.search(text, max(0, match.start() - 4), match.start())
        after = _AFTER.match(text, match.end())
        word = (before.group(1) if before else "") + (after.group(2) if after else "")
        if any(w in word for w in ("超过", "多于", "高于", "大于", "以上")):
            value += 0.5
        elif any(w in word for w in ("不满", "未满", "不足", "不到", "低于", "少于", "小于", "以下")):
            value -= 0.5
        found.setdefault(unit, value)
    return found


def brackets(sentence: str) -> list[Bracket]:
    """The brackets `sentence` states: 满1年不满10年 → [1, 10), 70周岁至79周岁 and 6～11岁 → closed, 65周岁及以上 →
    [65, ∞), 3天以上、7天以内 → [3, 7], 2000元（含）以下 → (−∞, 2000]. A bare quantity (租期3年) bounds nothing."""
    text = fold(sentence)
    ends: list[tuple[int, int, Bracket]] = []  # (start, end, a bracket open on one side or closed)
    taken: list[tuple[int, int]] = []
    for match in _RANGE.finditer(text):
        low, high = _value(match.group(1)), _value(match.group(4))
        if low is None or high is None:
            continue
        unit = _UNITS[match.group(6)]
        low *= _TIMES.get(match.group(2) or match.group(5) or "", 1)
        high *= _TIMES.get(match.group(5) or "", 1)
        if match.group(3) and _UNITS[match.group(3)] != unit or (unit == "年" and low >= _YEAR):
            continue
        ends.append((match.start(), match.end(), Bracket(unit, low, high)))
        taken.append(match.span())
    for match, value, unit in _quantities(text):
        if any(a <= match.start() < b for a, b in taken):
            continue
        before = _BEFORE.search(text, max(0, match.start() - 4), match.start())
        after = _AFTER.match(text, match.end())
        bound = _bound(unit, value, before.group(1) if before else None, after)
        if bound is not None:
            ends.append((before.start() if before else match.start(), after.end() if after else match.end(), bound))
    ends.sort(key=lambda e: e[0])
    out: list[Bracket] = []
    last_end = -_NEAR - 1
    for start, end, found in ends:
        if out and _closes(out[-1], found) and start - last_end <= _NEAR:
            opened = out.pop()
            found = Bracket(found.unit, opened.low, found.high, opened.low_in, found.high_in)
        out.append(found)
        last_end = end
    return out


def _bound(unit: str, value: float, word: str | None, after: re.Match[str] | None) -> Bracket | None:
    """The one-sided bracket a bound word makes of a quantity (满10年, 超过5000元, 65周岁及以上), or None."""
    inside = not (after and after.group(1) == "不含")
    if word in ("满", "年满", "至少"):
        return Bracket(unit, value)
    if word in ("超过", "多于", "高于", "大于"):
        return Bracket(unit, value, low_in=False)
    if word in ("不满", "未满", "不足", "低于", "少于", "小于", "不到"):
        return Bracket(unit, high=value, high_in=False)
    if word in ("不超过", "最多") or (word in ("至", "到") and not (after and after.group(2))):
        return Bracket(unit, high=value, high_in=inside)  # 2000元以上至20000元（含）: the upper end
    if after and after.group(2) in ("以上", "及以上"):
        return Bracket(unit, value, low_in=inside)
    if after and after.group(2) in ("以下", "及以下", "以内", "之内"):
        return Bracket(unit, high=value, high_in=inside)
    return None


def outside(sentences: Sequence[str], asked: Mapping[str, float]) -> list[bool]:
    """For each sentence: True when it states brackets of a unit the question gives a quantity of, and none of
    them holds it (满1年不满10年 for 工作12年)."""
    if not asked:
        return [False] * len(sentences)
    out = []
    for sentence in sentences:
        found = [b for b in brackets(sentence) if b.unit in asked] if _QUANTITY.search(fold(sentence)) else []
        units = {b.unit for b in found}
        out.append(any(not any(b.holds(asked[u]) for b in found if b.unit == u) for u in units))
    return out


def narrowest(sentences: Sequence[str], asked: Mapping[str, float]) -> list[bool]:
    """For each sentence: True when it states the narrowest bracket that holds a quantity the question gives
    (满10年不满20年 over 满一年 for 工作12年; of two open ones, the one that starts later: 满20年 for 25年); all False
    when none holds one."""
    keys: list[tuple[float, float] | None] = []
    for sentence in sentences:
        held = [b for b in brackets(sentence) if b.unit in asked and b.holds(asked[b.unit])] if asked else []
        keys.append(min(((b.high - b.low, -b.low) for b in held), default=None))
    best = min((k for k in keys if k is not None), default=None)
    return [best is not None and k == best for k in keys]


def holding(sentences: Sequence[str], asked: Mapping[str, float]) -> bool:
    """True when one of `sentences` states a bracket that holds a quantity the question gives."""
    if not asked:
        return False
    return any(
        b.unit in asked and b.holds(asked[b.unit])
        for sentence in sentences
        if _QUANTITY.search(fold(sentence))
        for b in brackets(sentence)
    )


def _closes(low: Bracket, high: Bracket) -> bool:
    """True when `high` is an upper bound that closes the lower bound `low` of the same unit (满10年 不满20年)."""
    return (
        low.unit == high.unit
        and low.high == math.inf
        and low.low > -math.inf
        and high.low == -math.inf
        and high.high < math.inf
        and high.high >= low.low
    )


def _quantities(text: str) -> list[tuple[re.Match[str], float, str]]:
    """Each number with a compared unit in `text`: its match, value and unit; a year (2025年) is a date."""
    out = []
    for match in _QUANTITY.finditer(text):
        value = _value(match.group(1))
        if value is None:
            continue
        value *= _TIMES.get(match.group(2) or "", 1)
        unit = _UNITS[match.group(3)]
        if unit == "年" and value >= _YEAR and match.group(1).isdigit():
            continue
        out.append((match, value, unit))
    return out


def _value(number: str) -> float | None:
    """12 → 12, 2.5 → 2.5, 七十二 → 72, 两 → 2, 一百零五 → 105 (`structure.cn_number`)."""
    if number[0].isdigit():
        return float(number)
    value = cn_number(number)
    return None if value is None else float(value)
