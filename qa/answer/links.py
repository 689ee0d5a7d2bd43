"""A link to the owner's own page that scrolls to the quote and highlights it (a URL text fragment)."""

from __future__ import annotations

from urllib.parse import quote as percent
from urllib.parse import urlsplit

# Where a quote may be cut into textStart and textEnd. Chromium matches a text fragment only when each of
# its ends falls on a word boundary (ICU word breaking, by dictionary for Chinese), so a cut between two
# arbitrary characters (研|发) fails; punctuation and line ends are always boundaries.
CLAUSE_MARKS = "，、；：。！？;!?"
SPLIT_MARKS = ",:"  # ASCII: a clause mark only when not between digits ("1,000", "12:30" are one word)
MIN_CLAUSE = 6  # characters a textStart or textEnd has at least, so that it is found at the right place
SHORT_QUOTE = 30  # characters: a one-line quote up to this long is matched whole
BULLETS = "-*+•·▪● "  # a list marker in a document's text is no text on a web page


def text_fragment(url: str, quote: str, before: str = "") -> str | None:
    """`url` with a text fragment (`#:~:text=…`) that makes a browser scroll to `quote` and highlight it.

    Whitespace runs in the quote become one space. A one-line quote of up to `SHORT_QUOTE` characters is
    matched whole; a longer one, or one over several lines (a page's list items are separate elements, and
    one text match never spans elements), becomes `textStart,textEnd`: its first clause and its last one,
    cut only at punctuation or line ends. A browser goes to the first match, so when that start is found
    earlier in the document too, the clause before the quote is given as the prefix (`prefix-,…`). An
    anchor already in `url` is kept (`#part:~:text=…`), an earlier text directive replaced.

    Args:
        url: the document's page on the owner's site.
        quote: the quoted text, word for word as on that page.
        before: the document's text before the quote ("" when unknown).

    Returns:
        The link, `url` itself (without an old directive) for an empty quote, or None when `url` is not an
        http or https URL.
    """
    base = _base(url)
    if base is None:
        return None
    lines = [" ".join(line.split()) for line in quote.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return base.rstrip("#")
    parts = directive(lines)
    encoded = [_encode(part) for part in parts]
    prefix = _prefix(before, parts[0])
    if prefix:
        encoded.insert(0, f"{_encode(prefix)}-")
    return f"{base}:~:text={','.join(encoded)}"


def directive(lines: list[str]) -> list[str]:
    """The text directive's parts for a quote's non-empty lines: [whole] or [textStart, textEnd]."""
    whole = " ".join(lines)
    if len(lines) == 1 and len(whole) <= SHORT_QUOTE:
        return [whole]
    start, end = first_clause(lines[0]), last_clause(lines[-1])
    if len(lines) == 1 and len(start) + len(end) > len(whole):  # no cut leaves two clauses: one part
        return [whole]
    return [start, end]


def _prefix(before: str, start: str) -> str:
    """The last clause of `before` when the directive's `start` is found in it too (a browser would stop
    there first); else ""."""
    if not _occurs(start, before):
        return ""
    tail = before.rstrip()
    line = " ".join(tail[tail.rfind("\n") + 1 :].split())
    return last_clause(line).lstrip(BULLETS) if line else ""


def _occurs(text: str, within: str) -> bool:
    """Whether `text` is in `within` as a browser finds it: whitespace runs alike, regardless of case."""
    if text in within:
        return True
    if text.upper() == text.lower() and " " not in text:  # nothing to fold: `in` was the answer (most Chinese)
        return False
    return text.casefold() in " ".join(within.split()).casefold()


def first_clause(line: str) -> str:
    """`line` up to (not including) its first clause mark after at least `MIN_CLAUSE` characters; else all of it."""
    for i in _cuts(line):
        if len(_bare(line[:i])) >= MIN_CLAUSE:
            return line[:i].rstrip()
    return line


def last_clause(line: str) -> str:
    """`line` after its last clause mark that leaves at least `MIN_CLAUSE` characters; else all of it."""
    for i in reversed(_cuts(line)):
        if len(_bare(line[i + 1 :])) >= MIN_CLAUSE:
            return line[i + 1 :].lstrip()
    return line


def _cuts(line: str) -> list[int]:
    """Offsets of the clause marks in `line` (an ASCII comma or colon between digits is none)."""
    out = []
    for i, ch in enumerate(line):
        between_digits = 0 < i < len(line) - 1 and line[i - 1].isdigit() and line[i + 1].isdigit()
        if ch in CLAUSE_MARKS or (ch in SPLIT_MARKS and not between_digits):
            out.append(i)
    return out


def _bare(text: str) -> str:
    """`text` without clause marks and spaces at either end (what counts towards `MIN_CLAUSE`)."""
    return text.strip(CLAUSE_MARKS + SPLIT_MARKS + " ")


def _encode(text: str) -> str:
    """Percent-encode (UTF-8) all but unreserved characters, and `-` too: `-`, `,` and `&` are the directive's syntax."""
    return percent(text, safe="").replace("-", "%2D")


def _base(url: str) -> str | None:
    """`url` up to and with its anchor (`…/page#`, `…/page#part`; an old `:~:` directive dropped); None if not http(s)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):  # not one URL
        return None
    head, _, fragment = url.partition("#")
    return f"{head}#{fragment.split(':~:', 1)[0]}"
