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
    rf"^[■□●◆◇▲△★☆\s]*((本报|本刊|本台|本网)?(特约)?(记者|通讯员|实习生)[:：]?[\s\u3000\xa0]*{_NAMES}"
    rf"(?:[\s\u3000\xa0]+(?:本报|特约)?(?:记者|通讯员|实习生)[:：]?[\s\u3000\xa0]*{_NAMES})*)$"
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


_WHO = r"(是谁|叫什么|是哪位|有哪些人|有谁|姓什么|名字)"
_SOURCE_ASKED = {
    "author": re.compile(rf"(记者|作者|撰稿人?|通讯员){_WHO}|谁(写|撰写|采写|报道)的|哪(个|位|名)(记者|作者|通讯员)"),
    "editor": re.compile(rf"(责任编辑|责编|编辑){_WHO}"),
    "publisher": re.compile(
        r"(来源|出处)(是|于|自)?(哪|什么)|(来自|出自|转载自|刊登在|发表在|登在)(哪|什么)|哪家(媒体|报|网站|网|报社|单位)|谁发的"
    ),
    "date": re.compile(
        r"(发布|发表|刊发|刊登|发稿)(的)?(日期|时间)|(哪[一]?天|什么时候|何时|几号)(发布|发表|刊发|刊登|发)的?"
    ),
}
_PIECE = re.compile(r"这篇|这则|这条|该(文|篇|则|条|新闻|报道|文章|稿|消息)|本文|此文|文章|报道|新闻|消息|稿件")


def asks_source(question: str) -> tuple[str, ...]:
    """What `question` asks of an article's source: "author" (这篇报道的记者是谁？), "editor" (该文的责任编辑是谁？),
    "publisher" (这篇文章来源于哪家媒体？), "date" (该新闻的发布日期是哪天？); () when it asks none of them. The page's source line answers it."""
    if not _PIECE.search(question):
        return ()
    return tuple(field for field, asked in _SOURCE_ASKED.items() if asked.search(question))
