"""CachedEncoder: each text is encoded once per model, across instances (processes) and interruptions."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from helpers import FAKE_DIM

import qa.search.cache
from qa.search.cache import CachedEncoder, default_cache_path
from qa.search.encoder import HashEncoder

TEXTS = ["庆云县人民检察院开展普法宣传", "德州古称安德", "德州扒鸡创始于清朝康熙年间"]


class Counting:
    """Wraps an encoder and records every text it is asked to encode."""

    def __init__(self, inner: HashEncoder, name: str | None = None, fail_after: int | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dim = inner.dim
        self.seen: list[str] = []
        self.fail_after = fail_after  # raise once this many texts have been encoded

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if self.fail_after is not None and len(self.seen) >= self.fail_after:
            raise KeyboardInterrupt
        self.seen.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cache" / "vectors.sqlite"


def reference(texts: Sequence[str]) -> np.ndarray:
    return HashEncoder(FAKE_DIM).encode(texts)


def test_first_encode_matches_inner_and_encodes_each_unique_text_once(db):
    inner = Counting(HashEncoder(FAKE_DIM))
    cached = CachedEncoder(inner, db)
    texts = [TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[2], TEXTS[1]]
    out = cached.encode(texts)
    assert db.is_file()  # the folder is created
    assert sorted(inner.seen) == sorted(TEXTS)
    assert out.shape == (5, FAKE_DIM) and out.dtype == np.float32
    assert np.allclose(out, reference(texts))
    assert cached.name == inner.name and cached.dim == FAKE_DIM
    cached.close()


def test_a_new_instance_reads_the_file_without_encoding(db):
    first = CachedEncoder(Counting(HashEncoder(FAKE_DIM)), db)
    first.encode(TEXTS)
    first.close()
    inner = Counting(HashEncoder(FAKE_DIM))
    second = CachedEncoder(inner, db)
    order = [TEXTS[2], TEXTS[0], TEXTS[1], TEXTS[2]]
    out = second.encode(order)
    assert inner.seen == []
    assert np.allclose(out, reference(order))  # rows follow the input order
    second.close()


def test_only_new_texts_are_encoded(db):
    inner = Counting(HashEncoder(FAKE_DIM))
    cached = CachedEncoder(inner, db)
    cached.encode(TEXTS[:2])
    inner.seen.clear()
    texts = [TEXTS[1], TEXTS[2], TEXTS[0], TEXTS[2]]
    out = cached.encode(texts)
    assert inner.seen == [TEXTS[2]]
    assert np.allclose(out, reference(texts))
    cached.close()


def test_empty_list_gives_an_empty_matrix(db):
    inner = Counting(HashEncoder(FAKE_DIM))
    out = CachedEncoder(inner, db).encode([])
    assert out.shape == (0, FAKE_DIM) and inner.seen == []


def test_models_with_other_names_do_not_share_vectors(db):
    CachedEncoder(Counting(HashEncoder(FAKE_DIM)), db).encode(TEXTS)
    other = Counting(HashEncoder(FAKE_DIM), name="another-model-64")
    out = CachedEncoder(other, db).encode(TEXTS)
    assert sorted(other.seen) == sorted(TEXTS)  # nothing was read from the first model's entries
    assert np.allclose(out, reference(TEXTS))
    again = Counting(HashEncoder(FAKE_DIM))
    CachedEncoder(again, db).encode(TEXTS)
    assert again.seen == []  # and the first model's entries are still there


def test_a_different_dimension_is_not_read_as_a_cached_vector(db):
    CachedEncoder(Counting(HashEncoder(FAKE_DIM)), db).encode(TEXTS)
    inner = Counting(HashEncoder(32), name=HashEncoder(FAKE_DIM).name)  # same name, other size
    out = CachedEncoder(inner, db).encode(TEXTS)
    assert sorted(inner.seen) == sorted(TEXTS) and out.shape == (3, 32)
    assert np.allclose(out, HashEncoder(32).encode(TEXTS))


def test_an_interrupted_run_keeps_the_chunks_it_finished(db, monkeypatch):
    monkeypatch.setattr(qa.search.cache, "CHUNK", 2)
    texts = [f"第{i}段文字" for i in range(6)]
    broken = Counting(HashEncoder(FAKE_DIM), fail_after=4)  # two chunks done, the third interrupted
    with pytest.raises(KeyboardInterrupt):
        CachedEncoder(broken, db).encode(texts)
    inner = Counting(HashEncoder(FAKE_DIM))
    out = CachedEncoder(inner, db).encode(texts)
    assert len(inner.seen) == 2 and set(inner.seen) < set(texts) and not set(inner.seen) & set(broken.seen)
    assert np.allclose(out, reference(texts))


def test_default_cache_path(tmp_path):
    assert default_cache_path(tmp_path) == tmp_path / "vectors.sqlite"
    assert default_cache_path(None) == Path.home() / ".cache" / "qa-zh" / "vectors.sqlite"
