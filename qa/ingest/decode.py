"""Bytes → text: encoding detection, and refusing what is not text."""

from __future__ import annotations

import codecs
from functools import lru_cache

from qa.text.normalize import strip_invisible


class NotTextError(ValueError):
    """The bytes are empty, binary, or in no encoding we can read."""


# Tried in order after the BOM checks; GB18030 is a superset of GBK/GB2312. CP950
# (Windows Big5: 碁, 裏, €…) and Big5-HKSCS (Hong Kong) read what plain Big5 refuses;
# on a tie the earlier name wins, so a plain Big5 file is still called "big5".
_FALLBACKS = ("utf-8", "gb18030", "big5", "cp950", "big5hkscs")
# A file cut short or with a stray byte is still read, with U+FFFD for the damage,
# when at most one character in this many is damaged (and at least one is allowed).
_DAMAGE_RATIO = 1000
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> tuple[str, str]:
    """Decode file bytes into text.

    Args:
        data: the raw file content.

    Returns:
        (text, encoding name). Line endings are normalised to "\\n". A few
        invalid bytes (a UTF-8 file cut mid-character) become U+FFFD.

    Raises:
        NotTextError: empty, binary or undecodable input; the message says which.
    """
    if not data.strip():
        raise NotTextError("空文件 / empty file")
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _looks_binary(text):
        raise NotTextError("二进制内容，不是文本 / binary content, not text")
    if not strip_invisible(text).strip():
        raise NotTextError("空文件 / empty file")
    return text, encoding


def _decode(data: bytes) -> tuple[str, str]:
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                text = _slightly_damaged(data, name)
                if text is None:
                    raise NotTextError(f"编码损坏 / invalid {name} ({exc.reason})") from exc
                return text, name
    guessed = _utf16_without_bom(data)
    if guessed:
        return data.decode(guessed), guessed
    has_nul = b"\x00" in data
    if not has_nul:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    # GB18030 and Big5 (and UTF-16) decode most byte strings of the others without
    # error, into rare characters: keep the reading made of common characters.
    names = [] if has_nul else list(_FALLBACKS[1:])
    names += ["utf-16-le", "utf-16-be"] if len(data) % 2 == 0 else []
    readings = []
    for name in names:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        readings.append((_commonness(text), name, text))
    damaged = None if has_nul else _slightly_damaged(data, "utf-8")
    if damaged is not None:  # last: a clean reading of another encoding wins a tie
        readings.append((_commonness(damaged), "utf-8", damaged))
    if not readings or (has_nul and max(r[0] for r in readings) < 0.6):
        if has_nul:
            raise NotTextError("二进制内容，不是文本 / binary content, not text")
        raise NotTextError("无法识别的编码（试过 UTF-8、GB18030、Big5、UTF-16） / unknown encoding")
    _, name, text = max(readings, key=lambda r: r[0])
    return text, name


def _slightly_damaged(data: bytes, encoding: str) -> str | None:
    """`data` read as `encoding` with U+FFFD for invalid bytes, if only a few are invalid.

    A UTF-8 file cut mid-character or with one stray byte is otherwise read as
    another encoding, and every character of it comes out wrong.
    """
    text = data.decode(encoding, errors="replace")
    bad = text.count("\ufffd") - data.decode(encoding, errors="ignore").count("\ufffd")
    return text if bad <= max(1, len(text) // _DAMAGE_RATIO) else None


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """The 3,755 level-1 GB2312 characters and the 5,401 common Big5 characters."""
    found: set[str] = set("，。！？；：“”‘’、（）《》…—")
    tables = (
        ("gb2312", range(0xB0, 0xD8), range(0xA1, 0xFF)),
        ("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)]),
    )
    for encoding, highs, lows in tables:
        for hi in highs:
            for lo in lows:
                try:
                    found.add(bytes([hi, lo]).decode(encoding))
                except UnicodeDecodeError:
                    continue
    return frozenset(found)


def _commonness(text: str) -> float:
    """Share of the non-ASCII characters of `text` that are common Chinese characters."""
    sample = [ch for ch in text[:20000] if not ch.isascii() and not ch.isspace()]
    common = _common_chars()
    return sum(ch in common for ch in sample) / len(sample) if sample else 1.0


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without a BOM has NUL bytes in every other position."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    name = "utf-16-le" if odd_nuls > 0.3 and even_nuls < 0.05 else None
    name = "utf-16-be" if even_nuls > 0.3 and odd_nuls < 0.05 else name
    if name is None:
        return None
    try:
        data.decode(name)
    except UnicodeDecodeError:
        return None
    return name


def _looks_binary(text: str) -> bool:
    sample = text[:8192]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\t\f\v") or ch == "\ufffd")
    return bad > max(2, len(sample) // 100)
