"""The one tokenizer used for documents and questions alike (jieba + user dictionary)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property, lru_cache
from pathlib import Path

import jieba

from qa.text.normalize import fold

jieba.setLogLevel(logging.WARNING)

TOKENIZER_NAME = "jieba-search-v4"  # v2: folding maps traditional characters to simplified; v3, v4: `_ASKING` dropped

# Question words, particles and function words: they say what kind of answer
# is wanted, not what it is about, so they must never count as a match.
STOPWORDS = frozenset(
    """
    什么 什么样 啥 哪 哪里 哪儿 哪个 哪些 哪年 哪天 哪位 哪家 谁 多少 几 几个 几次 几年 几名
    怎么 怎么样 怎样 如何 为什么 为何 是否 是不是 有没有 吗 呢 吧 啊 呀 么 嘛 请问 请 问
    时候 什么时候 何时 多久 多长 哪一年 是 的 了 在 和 与 及 或 也 都 就 还 又 被 把 对 从 向
    到 由 以 于 为 给 让 将 而 并 等 之 其 这 那 这个 那个 这些 那些 一个 有 中 上 下 里 个 们
    我 你 他 她 它 我们 你们 他们 它们 自己 该 此 所 着 过 地 得 要 会 能 可以 可 已 已经 曾
    怎么办 哪种 哪类 什么样的 呢 吗 啦
    """.split()
)

# Question words jieba keeps whole or at the head of a word (几天, 几点钟, 多长时间, 哪个, 第几条, 几本书): how
# many, when, which, not a word of the topic. Each is 几/哪/啥/什么/多 and a measure word, so no list is whole.
_MEASURE = r"[十百千万]?(?:分钟|小时|星期|公斤|公里|个月|点钟|月份|[天点岁号年月日次个回遍楼层块元分周时名位种样张本份台辆间趟顿斤倍成站页条项步期届家所座只件口户类批轮场堂节门道句段])"
_WHICH = r"一?[个些天里儿年月日位家种类条款项边次样间所部本台辆张份号点]"
_ASKING = re.compile(rf"第?几{_MEASURE}|第几|哪{_WHICH}|啥|什么|多(?:少|长|久|大|远|高|宽|厚|深)(?:时间|年纪|岁数)?")
# The measure word of a question word that jieba cut off on its own (哪 / 天, 几 / 个人).
_AFTER = {"几": re.compile(_MEASURE), "哪": re.compile(_WHICH)}
_WORD = re.compile(r"\w", re.UNICODE)
# Terms a document itself marks as names: “四心”, 《轻微刑事案件赔偿保证金提存制度》.
_QUOTED = re.compile(r"“([^“”\s]{2,16})”|《([^《》\s]{2,30})》")
_PUNCT_INSIDE = re.compile(r"[，,。！？!?；;：:、（）()“”‘’\"'…—·+/|]")
# A short form a document defines for the name before it: 人民调解委员会（以下简称调委会）.
_SHORT = re.compile(r"[（(](?:以下)?简称[“\"「]?([\u4e00-\u9fff]{2,8})[”\"」]?[）)]")


def user_terms(texts: Iterable[str]) -> list[str]:
    """Terms quoted in “…” or 《…》 that should stay whole words.

    Args:
        texts: document texts.

    Returns:
        Sorted unique terms (folded), without ones containing punctuation.
    """
    terms: set[str] = set()
    for text in texts:
        for match in _QUOTED.finditer(text):
            term = fold(match.group(1) or match.group(2)).strip()
            if 2 <= len(term) <= 30 and not _PUNCT_INSIDE.search(term):
                terms.add(term)
        terms.update(short for short, _ in short_forms(text).values())
    return sorted(terms)


def short_forms(text: str) -> dict[str, tuple[str, str]]:
    """The short forms `text` defines, by the end of the name each shortens, with the rest of that name (folded):
    调解委员会 → (调委会, 临川区物业服务纠纷人民) for "临川区物业服务纠纷人民调解委员会（以下简称调委会）".

    The end is the shortest run of Chinese characters before the bracket that begins with the short form's
    first character and holds its characters in order; a short form that is no such abbreviation
    (住宅使用人（以下简称装修人）) names nothing here.
    """
    if "简称" not in text:
        return {}
    found: dict[str, tuple[str, str]] = {}
    for match in _SHORT.finditer(text):
        short = fold(match.group(1))
        before = re.search(r"[\u4e00-\u9fff]{1,30}$", fold(text[max(0, match.start() - 30) : match.start()]))
        if before is None:
            continue
        name = before.group(0)
        for start in range(len(name) - len(short) - 1, -1, -1):
            if name[start] == short[0] and in_order(short[1:], name[start + 1 :]):
                found.setdefault(name[start:], (short, name[:start]))
                break
    return found


def in_order(short: str, long: str) -> bool:
    """True when the characters of `short` occur in `long` in the same order."""
    rest = iter(long)
    return all(c in rest for c in short)


@lru_cache(maxsize=1)
def _main_dictionary() -> jieba.Tokenizer:
    """jieba's main dictionary, loaded once per process."""
    tok = jieba.Tokenizer()
    tok.initialize()
    return tok


def is_word(text: str) -> bool:
    """True when jieba's main dictionary holds `text` as a word."""
    return _main_dictionary().FREQ.get(text, 0) > 0


class Tokenizer:
    """jieba in search mode with a private dictionary, stopwords removed.

    A private `jieba.Tokenizer` keeps each index's user dictionary from
    leaking into another index loaded in the same process.
    """

    name = TOKENIZER_NAME
    FILE = "userdict.txt"

    def __init__(self, terms: Sequence[str] = ()) -> None:
        """Args: terms: user-dictionary words (see `user_terms`)."""
        self.terms = tuple(terms)

    def save(self, folder: Path) -> list[str]:
        """Write the user dictionary, one term a line (the manifest records the tokenizer's name)."""
        (Path(folder) / self.FILE).write_text("\n".join(self.terms) + "\n", encoding="utf-8")
        return [self.FILE]

    @classmethod
    def load(cls, folder: Path) -> Tokenizer:
        """The tokenizer with the user dictionary `save` wrote."""
        text = (Path(folder) / cls.FILE).read_text(encoding="utf-8")
        return cls([t for t in text.split("\n") if t])

    @cached_property
    def _jieba(self) -> jieba.Tokenizer:
        # Copy the loaded main dictionary rather than loading it again (≈1 s each time).
        base = _main_dictionary()
        tok = jieba.Tokenizer()
        tok.FREQ = dict(base.FREQ) if self.terms else base.FREQ  # shared read-only when nothing is added
        tok.total = base.total
        tok.initialized = True
        for term in self.terms:
            tok.add_word(term, freq=max(tok.suggest_freq(term), 1000))
        return tok

    def words(self, text: str) -> list[str]:
        """The words of `text` in jieba's accurate mode (folded): each stretch cut once, no sub-words."""
        return [w for w in (w.strip() for w in self._jieba.lcut(fold(text), HMM=False)) if w and _WORD.search(w)]

    def __call__(self, text: str) -> list[str]:
        """Tokenize `text` into content words (folded, stopwords and question words dropped)."""
        return [
            w
            for w in (w.strip() for w in self._search_words(fold(text)))
            if w and _WORD.search(w) and w not in STOPWORDS
        ]

    def _search_words(self, text: str) -> Iterator[str]:
        """jieba's search mode (each word, after the dictionary words of two and three characters inside
        it), with the question word at the head of a word cut off first: 多长时间 gives no 长时间 to match
        长时间不用, 几本书 gives 书, and 哪天 gives nothing, though jieba cuts it 哪 / 天."""
        known = self._jieba.FREQ
        after = None
        for word in self._jieba.cut(text, HMM=False):
            asking = _AFTER[after].match(word) if after else None
            asking = asking or (None if word in STOPWORDS else _ASKING.match(word))
            after = word if word in _AFTER else None
            if asking:
                word = word[asking.end() :]
            for n in (2, 3):
                if len(word) > n:
                    yield from (g for g in (word[i : i + n] for i in range(len(word) - n + 1)) if known.get(g))
            if word:
                yield word
