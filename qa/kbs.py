"""Knowledge bases: several corpora on one server, each with its own index, loaded on first use.

`default` is the corpus and index the settings name (corpus/ and index/ unless configured), so an
install made before knowledge bases existed keeps working unchanged. Every other knowledge base is
a folder under the knowledge-base root (`kbs/` by default)::

    kbs/handbook/corpus/   its documents (what `qa index --kb handbook` reads)
    kbs/handbook/index/    its index

A knowledge base has its own `Answerer` over its own index: a question asked of one never meets
another's passages. All of them share the server's one encoder (the model is loaded once).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from qa.config import Settings
from qa.errors import InputError
from qa.search import builds

DEFAULT = "default"
NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


class UnknownKnowledgeBase(InputError):
    """A knowledge base name that is malformed or has no folder."""

    code = "unknown_kb"


def check_name(name: object) -> str:
    """A valid knowledge base name (lower-case letters, digits, - and _; at most 32).

    Raises:
        UnknownKnowledgeBase: anything else, so that a name never walks out of the root folder.
    """
    if not isinstance(name, str) or not NAME.fullmatch(name):
        shown = str(name)[:40]
        raise UnknownKnowledgeBase(
            f"知识库名称 {shown!r} 无效：只能用小写字母、数字、- 和 _，最多 32 个字符。",
            f"invalid knowledge base name {shown!r}: use a-z, 0-9, - and _, at most 32 characters.",
        )
    return name


def settings_for(settings: Settings, name: str) -> Settings:
    """The settings of knowledge base `name`: its corpus and index folders."""
    name = check_name(name)
    if name == DEFAULT:
        return settings
    folder = settings.kb_root / name
    return replace(settings, corpus_dir=folder / "corpus", index_dir=folder / "index")


def kb_names(settings: Settings) -> list[str]:
    """`default`, then every folder of the root that holds a corpus/ folder, by name."""
    root = settings.kb_root
    found = (
        sorted(p.name for p in root.iterdir() if p.is_dir() and NAME.fullmatch(p.name) and (p / "corpus").is_dir())
        if root.is_dir()
        else []
    )
    return [DEFAULT, *(n for n in found if n != DEFAULT)]


def require(settings: Settings, name: str) -> Settings:
    """`settings_for(name)`, refusing a knowledge base that does not exist."""
    chosen = settings_for(settings, name)
    if name != DEFAULT and not chosen.corpus_dir.is_dir():
        raise UnknownKnowledgeBase(
            f"没有名为 {name} 的知识库：请先建立文件夹 {chosen.corpus_dir} 并放入文档。",
            f"no knowledge base {name}: create the folder {chosen.corpus_dir} and put documents in it.",
        )
    return chosen


class KnowledgeBases:
    """The server's knowledge bases, each a live answerer loaded the first time it is asked.

    `load(name, settings)` opens one (a `qa.live.LiveAnswerer` in the server); loading runs once per
    knowledge base even when several requests ask for it at the same moment.
    """

    def __init__(
        self, settings: Settings, load: Callable[[str, Settings], Any], loaded: dict[str, Any] | None = None
    ) -> None:
        """Args: settings: the server's settings (the default knowledge base). load: opens one
        knowledge base from its settings. loaded: those already open (the default, at start)."""
        self.settings = settings
        self._load = load
        self._open: dict[str, Any] = dict(loaded or {})
        self._locks: dict[str, threading.Lock] = {}
        self._sizes: dict[tuple[int, Any], int] = {}  # an answerer (and its build) → the bytes its index holds
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Every knowledge base on disk (and any open one since removed from it)."""
        return list(dict.fromkeys([*kb_names(self.settings), *self._open]))

    def get(self, name: str) -> Any:
        """The live answerer of knowledge base `name`, opened now if it is not yet.

        Raises:
            UnknownKnowledgeBase: no such knowledge base.
            QAError: its index is missing or does not fit (as `qa ask` would say).
        """
        opened = self._open.get(name)
        if opened is not None:
            return opened
        chosen = require(self.settings, name)
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._open:
                self._open[name] = self._load(name, chosen)
        return self._open[name]

    def _bytes_of(self, live: Any) -> int:
        """`index_bytes`, counted once per loaded index (a reload brings a new answerer, counted anew)."""
        current = live.current
        key = (id(current), current.index.manifest.get("built_at"))
        if key not in self._sizes:
            self._sizes = {key: index_bytes(live)} | {k: v for k, v in list(self._sizes.items())[-20:]}
        return self._sizes[key]

    def describe(self) -> list[dict[str, Any]]:
        """Each knowledge base: name, loaded, documents, passages, built_at, and the bytes its index holds when loaded."""
        out = []
        for name in self.names():
            opened = self._open.get(name)
            docs: Any
            passages: Any
            if opened is not None:
                index = opened.current.index
                docs, passages, built = len(index.documents), len(index.passages), index.manifest.get("built_at")
            else:
                manifest = builds.read_manifest(settings_for(self.settings, name).index_dir) or {}
                docs, passages, built = manifest.get("documents"), manifest.get("passages"), manifest.get("built_at")
            out.append(
                {
                    "name": name,
                    "loaded": opened is not None,
                    "documents": docs,
                    "passages": passages,
                    "built_at": built,
                    "memory_bytes": self._bytes_of(opened) if opened is not None else None,
                }
            )
        return out


def index_bytes(live: Any) -> int:
    """Memory an open knowledge base holds: its arrays (vectors, BM25 counts, sentence tables) and texts.

    Counted from the objects rather than from the process, which also holds the model and the
    other knowledge bases; arrays read by memory map count in full though the system may page them out;
    the documents' and passages' Python objects add to this.
    """
    import numpy as np

    index = live.current.index
    seen: set[int] = set()
    total = 0

    def walk(obj: Any, depth: int) -> None:
        nonlocal total
        if id(obj) in seen or depth > 4:
            return
        seen.add(id(obj))
        if isinstance(obj, np.ndarray):
            total += obj.nbytes
        elif hasattr(obj, "ntotal") and hasattr(obj, "d"):  # a FAISS index: its codes
            total += int(obj.ntotal) * int(getattr(obj, "code_size", 4 * obj.d))
        elif isinstance(obj, str):
            total += len(obj.encode("utf-8"))
        elif isinstance(obj, dict):
            for value in obj.values():
                walk(value, depth + 1)
        elif isinstance(obj, (list, tuple)):
            if obj and not isinstance(obj[0], (np.ndarray, str)) and not hasattr(obj[0], "__dict__"):
                return
            for value in obj:
                walk(value, depth + 1)
        elif hasattr(obj, "__dict__"):
            for value in vars(obj).values():
                walk(value, depth + 1)
        elif hasattr(obj, "__slots__"):
            for slot in obj.__slots__:
                walk(getattr(obj, slot, None), depth + 1)

    walk(index, 0)
    return total
