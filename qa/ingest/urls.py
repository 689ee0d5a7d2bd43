"""The owner's URL list of a corpus folder: `urls.txt` (file → URL) and `sitemap.xml` (matched by name).

Both files sit at the top of the corpus folder; they are configuration, never documents. A document's
`url` comes, first found first, from its `.meta.json` sidecar, from `urls.txt`, from the page itself
(an HTML file's `<link rel=canonical>` or `og:url`), and last from `sitemap.xml`: what names the file
comes before what is read from the page, and that before a match by file name.
"""

from __future__ import annotations

import hashlib
import os
import xml.etree.ElementTree as ET
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

URLS = "urls.txt"
SITEMAP = "sitemap.xml"
CONFIG_FILES = (URLS, SITEMAP)  # at the top of the corpus folder: neither read as documents nor skipped
MAX_NOTES = 20  # warnings of one kind said one by one; the rest are counted


@dataclass(frozen=True)
class UrlList:
    """The URLs the two files give the corpus files, and what was wrong in them."""

    listed: Mapping[str, str] = field(default_factory=dict)  # relative path → URL, from urls.txt
    mapped: Mapping[str, str] = field(default_factory=dict)  # relative path → URL, from sitemap.xml
    warnings: tuple[str, ...] = ()
    files: frozenset[str] | None = None  # the corpus files matched against; None: any (no list at all)

    def url(self, rel: str, own: str | None = None) -> str | None:
        """The URL of file `rel` given the URL its page declares (`own`): urls.txt, then `own`, then sitemap.xml."""
        return self.listed.get(rel) or own or self.mapped.get(rel)

    def state(self, rel: str) -> str | None:
        """What the list says of `rel`, hashed (part of the file's fingerprint); None when it says nothing."""
        entry = (self.listed.get(rel), self.mapped.get(rel))
        return None if entry == (None, None) else hashlib.sha256(repr(entry).encode()).hexdigest()

    def covers(self, rel: str) -> bool:
        """Whether `rel` was among the files matched (else the list must be made again)."""
        return self.files is None or rel in self.files


NONE = UrlList()
_LAST: dict[str, tuple[tuple[object, ...], UrlList]] = {}  # corpus folder → (its two files' stats, their list)


def is_http(url: str) -> bool:
    """Whether `url` is an absolute http or https URL."""
    try:
        parts = urlsplit(url)
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def parse_urls(text: str) -> tuple[list[tuple[int, str, str]], list[str]]:
    """The lines of a `urls.txt`: `relative/path.ext<whitespace>https://…`; `#` comments and blank lines ignored.

    Returns:
        ([(line number, path, URL)], [one warning per line that is not of that form or has no http(s) URL]).
    """
    entries: list[tuple[int, str, str]] = []
    warnings: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        parts = line.rsplit(None, 1)  # the path may hold spaces, a URL may not
        where = f"注意 / note {URLS} 第 {number} 行 / line {number}"
        if len(parts) < 2:
            warnings.append(f"{where}: 缺少网址，已忽略 / no URL, ignored: «{line[:80]}»")
            continue
        if not is_http(parts[1]):
            warnings.append(
                f"{where}: 不是 http/https 网址，已忽略 / not an http/https URL, ignored: «{parts[1][:80]}»"
            )
            continue
        entries.append((number, parts[0].removeprefix("./"), parts[1]))
    return entries, warnings


def parse_sitemap(data: bytes) -> tuple[list[str], list[str]]:
    """The page URLs (`<url><loc>`) of a sitemap; a sitemap index's `<sitemap>` entries are not followed.

    Returns:
        ([http(s) URLs in order], [warnings: unreadable XML, URLs that are not http(s)]).
    """
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        return [], [f"注意 / note {SITEMAP}: 无法解析，已忽略 / cannot be parsed, ignored ({exc})"]
    locs: list[str] = []
    bad: list[str] = []
    for element in root.iter():
        if _local(element.tag) == "url":
            for child in element:
                if _local(child.tag) == "loc" and child.text and child.text.strip():
                    (locs if is_http(child.text.strip()) else bad).append(child.text.strip())
    return locs, [
        f"注意 / note {SITEMAP}: 不是 http(s) 网址，已忽略 / not an http(s) URL, ignored: «{url[:80]}»"
        for url in bad[:MAX_NOTES]
    ]


def match_listed(entries: list[tuple[int, str, str]], files: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """urls.txt's entries on the corpus files: {path: URL}, and a warning for each unknown or repeated path."""
    out: dict[str, str] = {}
    warnings = []
    for number, rel, url in entries:
        where = f"注意 / note {URLS} 第 {number} 行 / line {number}"
        if rel not in files:
            warnings.append(f"{where}: 语料中没有这个文件，已忽略 / no such corpus file, ignored: {rel}")
        elif rel in out and out[rel] != url:
            warnings.append(f"{where}: {rel} 已在前面列出，保留前一个网址 / listed before, the first URL is kept")
        else:
            out.setdefault(rel, url)
    return out, warnings


def match_sitemap(locs: list[str], files: Collection[str]) -> tuple[dict[str, str], list[str]]:
    """Sitemap URLs on the corpus files whose stem is the URL path's last segment without its extension.

    `…/notices/2024-winter.html` ↔ `2024-winter.md`. When a name fits several files or several URLs,
    the one whose path ends like the file's (`notices/2024-winter`) is taken; if that does not decide,
    none is (never a guess), and a warning says so.
    """
    by_stem: dict[str, list[str]] = {}
    for rel in sorted(files):
        by_stem.setdefault(PurePosixPath(rel).stem, []).append(rel)
    found: dict[str, list[str]] = {}  # file → the URLs that fit it
    unsure: list[str] = []
    unmatched = 0
    for loc in dict.fromkeys(locs):
        name = _last_segment(loc)
        rels = by_stem.get(name, []) if name else []
        rels = _pick(rels, [_ends_like(loc, rel) for rel in rels])
        if len(rels) == 1:
            found.setdefault(rels[0], []).append(loc)
        elif rels:
            unsure.append(f"{loc} 对应多个文件 / fits several files: {' '.join(rels[:3])}")
        unmatched += not rels
    out: dict[str, str] = {}
    for rel, urls in sorted(found.items()):
        urls = _pick(urls, [_ends_like(url, rel) for url in urls])
        if len(urls) == 1:
            out[rel] = urls[0]
        else:
            unsure.append(f"{rel} 对应多个网址 / fits several URLs: {' '.join(urls[:3])}")
    warnings = [f"注意 / note {SITEMAP}: {line}，未采用 / none taken" for line in unsure[:MAX_NOTES]]
    if len(unsure) > MAX_NOTES:
        warnings.append(
            f"注意 / note {SITEMAP}: 另有 {len(unsure) - MAX_NOTES} 处同样 / {len(unsure) - MAX_NOTES} more"
        )
    if unmatched and not found:  # a site's sitemap names many pages not in the corpus: said only when none fits
        warnings.append(
            f"注意 / note {SITEMAP}: {unmatched} 个网址都没有同名文件 / none of its {unmatched} URLs names a corpus file"
        )
    return out, warnings


def _pick(items: list[str], fits: list[bool]) -> list[str]:
    """`items` if there is at most one; else the one that `fits` (its path ends like), if only one does; else all."""
    if len(items) <= 1:
        return items
    better = [item for item, ok in zip(items, fits) if ok]
    return better if len(better) == 1 else items


def _ends_like(url: str, rel: str) -> bool:
    """Whether the URL's path ends with the file's path without its extension (`notices/2024-winter`)."""
    path = PurePosixPath(unquote(urlsplit(url).path).rstrip("/"))
    want = PurePosixPath(rel).with_suffix("")
    return path.with_suffix("").parts[-len(want.parts) :] == want.parts


def _last_segment(url: str) -> str:
    """The last segment of the URL's path without its extension ("" for a site's root)."""
    segment = unquote(urlsplit(url).path).rstrip("/").rsplit("/", 1)[-1]
    return PurePosixPath(segment).stem if segment else ""


def _local(tag: str) -> str:
    """An XML tag without its namespace."""
    return tag.rsplit("}", 1)[-1]


def _stats(root: Path) -> tuple[object, ...]:
    """What tells whether the two files changed: their sizes and modification times (None: absent)."""
    out: list[object] = []
    for name in CONFIG_FILES:
        try:
            info = os.stat(root / name)
            out.append((info.st_size, info.st_mtime_ns, info.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def last_list(root: Path) -> UrlList | None:
    """The list last made for `root` if its two files have not changed since (NONE when there are none)."""
    key = _stats(root)
    if all(part is None for part in key):
        return NONE
    hit = _LAST.get(str(root))
    return hit[1] if hit is not None and hit[0] == key else None


def url_list(root: Path, files: Collection[str]) -> UrlList:
    """Read `urls.txt` and `sitemap.xml` of corpus folder `root` and match them to its `files` (relative paths).

    The list is kept (`last_list`) until either file changes, so each document read need not read them again.
    """
    key = _stats(root)
    if all(part is None for part in key):
        return NONE
    files = frozenset(files)
    listed: dict[str, str] = {}
    mapped: dict[str, str] = {}
    warnings: list[str] = []
    try:
        entries, notes = parse_urls((root / URLS).read_text(encoding="utf-8-sig"))
        listed, more = match_listed(entries, files)
        warnings += notes + more
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        warnings.append(f"注意 / note {URLS}: 无法读取，已忽略 / cannot be read, ignored ({exc})")
    try:
        locs, notes = parse_sitemap((root / SITEMAP).read_bytes())
        mapped, more = match_sitemap(locs, files)
        warnings += notes + more
    except FileNotFoundError:
        pass
    except OSError as exc:
        warnings.append(f"注意 / note {SITEMAP}: 无法读取，已忽略 / cannot be read, ignored ({exc})")
    made = UrlList(listed, mapped, tuple(warnings), files)
    _LAST[str(root)] = (key, made)
    return made
