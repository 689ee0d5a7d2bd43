"""Character-level normalisation used for matching (never for quoting)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Zero-width characters and BOMs that scraped pages scatter through text.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
# C0/C1 control characters except tab and newline.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_invisible(text: str) -> str:
    """Remove zero-width and control characters, keep tabs and newlines."""
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


@lru_cache(maxsize=1 << 16)  # the same passages and sentences are folded again for every question
def fold(text: str) -> str:
    """Fold text for matching: NFKC (full-width → half-width), lower case.

    Args:
        text: any text.

    Returns:
        A string of the same meaning whose characters compare equal across
        full-width/half-width and case variants. Its length may differ from
        the input, so never use its offsets on the original.
    """
    text = strip_invisible(text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def is_cjk(ch: str) -> bool:
    """True for a CJK unified ideograph (the characters of Chinese words)."""
    code = ord(ch)
    return 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0x20000 <= code <= 0x2FA1F


def cjk_count(text: str) -> int:
    """Number of CJK ideographs in `text`."""
    return sum(1 for ch in text if is_cjk(ch))
