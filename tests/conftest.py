"""Shared fixtures: the fake encoder, the seed corpus, and a file-writing helper.

Nothing here loads the real embedding model: every index is built with
`HashEncoder(dim=64)`, which is deterministic and needs no download.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.ingest.corpus import load_corpus
from qa.ingest.document import Document
from qa.search.encoder import HashEncoder

TESTS_DIR = Path(__file__).resolve().parent
SEED_DIR = TESTS_DIR.parent / "corpus"
FAKE_DIM = 64


def write(path: Path, text: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `text` (encoded with `encoding`) or raw bytes to `path`, creating folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
    return path


def seed_doc(docs: list[Document], prefix: str) -> Document:
    """The seed document whose file name starts with `prefix` ("000" … "004")."""
    found = [d for d in docs if d.path.startswith(prefix)]
    assert len(found) == 1, f"expected one seed document starting with {prefix}, got {[d.path for d in docs]}"
    return found[0]


@pytest.fixture(scope="session")
def fake_encoder() -> HashEncoder:
    """The deterministic fake encoder (no model is loaded)."""
    return HashEncoder(dim=FAKE_DIM)


@pytest.fixture(scope="session")
def seed_dir() -> Path:
    """The bundled corpus folder (read only: never write into it)."""
    assert SEED_DIR.is_dir(), SEED_DIR
    return SEED_DIR


@pytest.fixture(scope="session")
def seed_docs(seed_dir: Path) -> list[Document]:
    """The five seed documents, cleaned."""
    return load_corpus(seed_dir).documents


@pytest.fixture(scope="session")
def seed_index(seed_docs: list[Document], fake_encoder: HashEncoder):
    """An in-memory index of the seed documents built with the fake encoder (built once)."""
    from qa.search.index import build

    return build(seed_docs, fake_encoder, max_chars=300, min_chars=12)
