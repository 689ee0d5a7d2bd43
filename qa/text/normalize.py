"""Character-level normalisation used for matching (never for quoting)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

# Zero-width characters and BOMs that scraped pages scatter through text.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# C0/C1 control characters except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Traditional → simplified, one character to one character (OpenCC, Apache-2.0): built
# by scripts/make_t2s.py, which explains why characters such as 乾 and 著 are left alone.
T2S_PATH = Path(__file__).resolve().parent.parent / "data" / "t2s.txt"


def strip_invisible(text: str) -> str:
    """Remove zero-width and control characters, keep tabs and newlines."""
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """The `str.translate` table of `T2S_PATH` ("traditional<TAB>simplified" lines), read once."""
    table: dict[int, str] = {}
    for line in T2S_PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            trad, simp = line.split("\t")
            table[ord(trad)] = simp
    return table


@lru_cache(maxsize=1)
def _traditional() -> frozenset[str]:
    return frozenset(chr(k) for k in _t2s_table())


def to_simplified(text: str) -> str:
    """Map traditional Chinese characters to simplified ones, character by character.

    Args:
        text: any text.

    Returns:
        `text` with each traditional character replaced by its usual simplified
        form (臺灣 → 台湾, 於 → 于). The length is unchanged, so offsets into the
        result are offsets into `text`. Characters that are also in normal
        simplified use (乾, 著, 瞭, 夥) are kept, so simplified text is unchanged.
    """
    if _traditional().isdisjoint(text):  # most text: a set lookup per character, no new string
        return text
    return text.translate(_t2s_table())


@lru_cache(maxsize=1 << 16)  # the same passages and sentences are folded again for every question
def fold(text: str) -> str:
    """Fold text for matching: NFKC (full-width → half-width), lower case, simplified Chinese.

    Documents and questions are folded alike, so a simplified question matches a
    traditional document and vice versa; quotes are still sliced from the original.

    The days of the week get one name, so 星期一 and 礼拜一 match 周一 (and 星期天 matches 周日).

    Args:
        text: any text.

    Returns:
        A string of the same meaning whose characters compare equal across
        full-width/half-width, case and traditional/simplified variants, without
        zero-width characters. Its length may differ from the input, so never
        use its offsets on the original.
    """
    folded = to_simplified(_nfkc(strip_invisible(text)).lower())
    if "期" in folded or "拜" in folded:
        folded = _WEEKDAY.sub(_weekday, folded)
    return folded


# 星期一…星期日/天 and 礼拜一…礼拜日/天 → 周一…周日. Not 周天 (also 本周天气) and not 星期 alone.
_WEEKDAY = re.compile("(?:星期|礼拜)([一二三四五六日天])")


def _weekday(match: re.Match[str]) -> str:
    day = match.group(1)
    return "周日" if day == "天" else "周" + day


# The characters that keep most Chinese text from being NFKC-normal (full-width punctuation, no-break
# and ideographic spaces), with their NFKC forms. Each maps to its compatibility decomposition, so
# replacing it first leaves NFKC's result unchanged, and str.replace is much faster than
# unicodedata.normalize on a passage that is otherwise normal (about 95 % of news passages).
_COMMON_WIDE = tuple((c, unicodedata.normalize("NFKC", c)) for c in "，：（）；！？…\xa0\u3000")


def _nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), with a fast path for the usual full-width punctuation."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    for wide, narrow in _COMMON_WIDE:
        if wide in text:
            text = text.replace(wide, narrow)
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (the characters of Chinese words)."""
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F


def cjk_count(text: str) -> int:
    """Number of CJK ideographs in `text`."""
    return sum(1 for ch in text if is_cjk(ch))
