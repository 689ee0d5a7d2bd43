"""Shared fixtures: a clean environment, the fake encoder, the seed corpus and its index.

Nothing here loads the real embedding model: every index is built with the
deterministic `HashEncoder` (`QA_ENCODER=hash`), which needs no download.
Helpers that are not fixtures are in `helpers.py`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import FAKE_DIM, SEED_DIR

from qa.answer.engine import Answerer
from qa.ingest.corpus import load_corpus
from qa.ingest.document import Document
from qa.search.encoder import HashEncoder


@pytest.fixture(autouse=True, scope="session")
def clean_env() -> Iterator[None]:
    """No test (nor a module's fixture) sees the QA_* settings of the shell that runs the suite;
    each sets what it needs with `monkeypatch.setenv`, undone after it."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("QA_"):
                mp.delenv(name)
        yield


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """QA_ENCODER=hash and a vector cache under the test's folder: the CLI and the service use the fake encoder."""
    monkeypatch.setenv("QA_ENCODER", "hash")
    monkeypatch.setenv("QA_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path


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
    from qa.search.edits import build

    return build(seed_docs, fake_encoder, max_chars=300, min_chars=12)


@pytest.fixture(scope="session")
def answerer(seed_index, fake_encoder) -> Answerer:
    """An answerer over the seed index, with the fitted models for the real encoder left out."""
    return Answerer(seed_index, fake_encoder)
