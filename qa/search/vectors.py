"""The vector store contract, and the registry that picks a backend by the name saved in the manifest.

A backend is one module with one class implementing `VectorStore`; `BACKENDS` maps the
name `QA_VECTOR_STORE` takes (and `describe()["backend"]` records) to that class. Nothing
outside the backend's module knows what a backend keeps or where: the build folder hands it a
folder to `save` into and `load` from, and asks it to `discard` what a removed build held.
Adding a backend is a new module and one line here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from qa.errors import ConfigError, IndexCorruptError

# name → "module:Class". Imported on first use: a backend's client library is an optional install.
BACKENDS: dict[str, str] = {
    "faiss": "qa.search.faiss_store:FaissStore",
    "milvus": "qa.search.milvus_store:MilvusStore",
}
DEFAULT_BACKEND = "faiss"  # what a manifest without a backend name was built with


class VectorStore(Protocol):
    """Vectors keyed by integer ids, searched by inner product.

    The first group of methods is what the index uses while it answers and changes; the
    class methods are how a build creates, reopens and forgets a store.
    """

    NAME: ClassVar[str]  # its name in BACKENDS
    dim: int

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add `vectors` (n, dim) under `ids` (n,); ids are never reused."""
        ...

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) for one query vector, best first."""
        ...

    def remove(self, ids: np.ndarray) -> int:
        """Remove `ids` for good; returns how many were present."""
        ...

    def count(self) -> int:
        """Number of stored vectors."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids` (n, dim), in that order."""
        ...

    def save(self, folder: Path) -> list[str]:
        """Write the store into the build folder `folder`; returns the names of the files written."""
        ...

    @classmethod
    def load(cls, folder: Path, options: Mapping[str, str]) -> VectorStore:
        """Reopen the store a build folder's `save` described."""
        ...

    def describe(self) -> dict[str, Any]:
        """The store's type and parameters (the manifest records them under its backend's name, `describe`)."""
        ...

    def close(self) -> None:
        """Release connections and files (the store is not used afterwards)."""
        ...

    def planned(self, n: int) -> dict[str, Any] | None:
        """The `describe()` of the store `refit` would move this one into for `n` vectors; None when it suits."""
        ...

    def refit(self, ids: np.ndarray) -> VectorStore:
        """This store, or its vectors moved into the kind of store that suits holding `ids`."""
        ...

    @classmethod
    def create(cls, dim: int, index_dir: Path, options: Mapping[str, str]) -> VectorStore:
        """A new, empty store for a full build of the index under `index_dir`."""
        ...

    @classmethod
    def suits(cls, described: Mapping[str, Any], n: int) -> bool:
        """Whether a store described by `describe()` suits `n` vectors (False: `refit` would move it)."""
        ...

    @classmethod
    def label(cls, described: Mapping[str, Any]) -> str:
        """A store's kind in a few words, for messages ("pq-fp16 ×40")."""
        ...

    @classmethod
    def discard(cls, build: Path, kept: Sequence[Path], options: Mapping[str, str]) -> None:
        """Release what the removed build folder `build` held outside it, unless a `kept` build still uses it."""
        ...


def backend(name: str) -> type[VectorStore]:
    """The class registered under `name`.

    Raises:
        ConfigError: no such backend (a manifest from a newer version, or a mistyped QA_VECTOR_STORE).
    """
    if name not in BACKENDS:
        raise ConfigError(
            f"未知的向量库 {name!r}（可用：{' / '.join(BACKENDS)}）。请运行 `qa index --rebuild`，或检查 QA_VECTOR_STORE。",
            f"unknown vector store {name!r} (known: {', '.join(BACKENDS)}). Run `qa index --rebuild`, "
            "or check QA_VECTOR_STORE.",
        )
    module, _, cls = BACKENDS[name].partition(":")
    found: type[VectorStore] = getattr(importlib.import_module(module), cls)
    return found


def describe(store: VectorStore) -> dict[str, Any]:
    """The manifest's `vectors` entry: {"backend": name, …what the store says of itself}."""
    return {"backend": type(store).NAME, **store.describe()}


def backend_of(manifest: Mapping[str, Any]) -> str:
    """The backend name a manifest records."""
    return str(manifest.get("vectors", {}).get("backend") or DEFAULT_BACKEND)


def load_store(folder: Path, manifest: Mapping[str, Any], options: Mapping[str, Mapping[str, str]]) -> VectorStore:
    """The vector store of one build folder, by the backend its manifest names.

    Args:
        folder: the build folder.
        manifest: its manifest.
        options: each backend's settings by name (`Settings.vector_options`).
    """
    name = backend_of(manifest)
    try:
        cls = backend(name)
    except ConfigError as exc:
        raise IndexCorruptError(exc.zh, exc.en) from exc
    return cls.load(folder, options.get(name, {}))
