"""Metadata stated by an article: publisher, date, author. Pure functions on lines."""

from __future__ import annotations

import re

_NAME = r"[\u4e00-\u9fff·]{2,4}"
_NAMES = rf"{_NAME}(?:[\s\u3000\xa0、,，]+{_NAME})*"

_SOURCE = re.compile(r"(?:新闻来源|信息来源|文章来源|稿件来源|来源|出处)\s*[:：]\s*([^\s|│【】]{2,30})")
_DATE = re.compile(
    r"(?:发布时间|发布日期|更新时间|时间|日期|发表于)?\s*[:：]?\s*"
    r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
)
_AUTHOR_FIELD = re.compile(
    r"(?:作者|撰稿|文)\s*[:：/|｜][ \t\u3000\xa0]*([\u4e00-\u9fff·]{2,4}(?:[ 、]+[\u4e00-\u9fff·]{2,4})*)(?![\u4e00-\u9fff]*\s*[:：])"
)
# A date, then a field: 2026-03-15 10:20 来源：松溪日报
_DATED_FIELD = re.compile(
    r"^(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s+\d{1,2}:\d{2}(:\d{2})?)?\s+(来源|作者|出处)\s*[:：]"
)
_FIELDS = re.compile(r"(来源|时间|日期|作者|编辑|字号|浏览|点击|阅读)\s*[:：]")
_BYLINE = re.compile(
    rf"^[■□●◆◇▲△★☆\s]*((本报|本刊|本台|本网)?(特约)?(记者|通讯员|实习生)[\s\u3000\xa0]*{_NAMES}"
    rf"(?:[\s\u3000\xa0]+(?:本报|特约)?(?:记者|通讯员|实习生)[\s\u3000\xa0]*{_NAMES})*)$"
)
_PAREN_NAMES = re.compile(rf"^[(（]\s*((?:记者|通讯员)?\s*{_NAMES})\s*[)）]$")
_NAME_LINE = re.compile(rf"^{_NAME}(?:[\s\u3000\xa0]+{_NAME}){{0,3}}$")
_DATELINE = re.compile(
    r"^[【\[]?((?:[\u4e00-\u9fffA-Za-z]{2,12}[/／])?[\u4e00-\u9fffA-Za-z]{2,12}?)(?:讯|电)[】\]]?[\s\u3000\xa0]"
)
_WIRE = re.compile(r"^([\u4e00-\u9fff]{2,6}社)[\u4e00-\u9fff]{0,6}\d{1,2}月\d{1,2}日电")


def is_meta_line(line: str) -> bool:
    """A header line made of fields such as 时间:… 作者:… 来源:…"""
    return len(line) <= 120 and (
        len(_FIELDS.findall(line)) >= 2
        or bool(re.match(r"^((新闻|信息|文章)?来源|发布时间|发布日期|更新时间|时间|日期)\s*[:：]", line))
        or bool(_DATED_FIELD.match(line))
    )


def source_of(line: str) -> str | None:
    """The publisher named in a 来源:… field."""
    match = _SOURCE.search(line)
    return match.group(1) if match else None


def date_of(line: str) -> str | None:
    """An ISO date (YYYY-MM-DD) stated in a header line, or None."""
    match = _DATE.search(line)
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def author_field(line: str) -> str | None:
    """The author named in an 作者:… field (empty fields give None)."""
    match = _AUTHOR_FIELD.search(line)
    if not match:
        return None
    name = re.sub(r"^(记者|通讯员)\s*", "", match.group(1).strip())  # 作者：记者 何远帆
    return name or None


def byline(line: str) -> tuple[str, str | None] | None:
    """A byline such as ■本报记者 卢拥军 通讯员 邱军伟 or (苟金玲).

    Returns:
        (author text, publisher) where publisher is "本报"-like when the
        byline names the paper itself, or None when `line` is no byline.
    """
    match = _BYLINE.match(line)
    if match:
        return _squash(match.group(1)), match.group(2)
    match = _PAREN_NAMES.match(line)
    if match:
        return _squash(match.group(1)), None
    return None


def is_name_line(line: str) -> bool:
    """A line of one to four personal names only (高忠祥  于慧)."""
    return bool(_NAME_LINE.match(line))


def dateline_publisher(paragraph: str) -> str | None:
    """The agency of a dateline opening a paragraph: 东营日报社/爱东营讯 → 东营日报社/爱东营."""
    match = _WIRE.match(paragraph)
    if match:
        return match.group(1)
    match = _DATELINE.match(paragraph)
    return match.group(1) if match else None


def _squash(text: str) -> str:
    return " ".join(text.replace("\u3000", " ").replace("\xa0", " ").split())
