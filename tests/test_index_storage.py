"""The index on disk: round trip, manifest, refusing mismatched or damaged indexes, atomic builds."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from qa.answer.engine import Answerer
from qa.errors import IndexCorruptError, IndexMismatchError, IndexNotFoundError
from qa.search import builds

QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"


def manifest_for(enc, fingerprint="abc"):
    return {
        "model": {"name": enc.name, "dim": enc.dim},
        "chunking": {"max_chars": 300, "min_chars": 12},
        "corpus": {"fingerprint": fingerprint, "files": {}, "skipped": []},
    }


@pytest.fixture
def saved(seed_index, fake_encoder, tmp_path):
    root = tmp_path / "idx"
    builds.save(seed_index, root, manifest_for(fake_encoder))
    return root


def test_round_trip_keeps_passages_and_documents(saved, seed_index, fake_encoder):
    loaded = builds.load(saved, model=fake_encoder.name, fingerprint="abc")
    assert loaded.passages == seed_index.passages
    assert loaded.documents == seed_index.documents
    assert loaded.tokenizer.terms == seed_index.tokenizer.terms
    assert loaded.dim == fake_encoder.dim


def test_round_trip_keeps_search_parts(saved, seed_index, fake_encoder):
    loaded = builds.load(saved)
    qvec = fake_encoder.encode([QUESTION])[0]
    a_ids, a_scores = seed_index.store.search(qvec, 10)
    b_ids, b_scores = loaded.store.search(qvec, 10)
    assert a_ids.tolist() == b_ids.tolist()
    np.testing.assert_allclose(a_scores, b_scores)
    tokens = seed_index.tokenizer(QUESTION)
    np.testing.assert_array_equal(loaded.bm25.scores(tokens), seed_index.bm25.scores(tokens))
    for name in ("first", "starts", "ends", "vectors"):
        np.testing.assert_array_equal(getattr(loaded.sentences, name), getattr(seed_index.sentences, name))


def test_round_trip_gives_the_same_answers(saved, seed_index, fake_encoder):
    loaded = builds.load(saved)
    before = Answerer(seed_index, fake_encoder, refusal=None).ask(QUESTION, keep_refused=True)
    after = Answerer(loaded, fake_encoder, refusal=None).ask(QUESTION, keep_refused=True)
    assert [(c.id, c.quote) for c in after.passages] == [(c.id, c.quote) for c in before.passages]
    assert after.answered == before.answered


def test_manifest_describes_the_build(saved, seed_index, fake_encoder):
    path = saved / "current" / "manifest.json"
    assert path.is_file()
    manifest = json.loads(path.read_text(encoding="utf-8"))
    assert manifest["model"] == {"name": fake_encoder.name, "dim": 64}
    assert manifest["tokenizer"]["name"]
    assert manifest["passages"] == len(seed_index.passages)
    assert manifest["documents"] == len(seed_index.documents)
    assert manifest["built_at"] and manifest["version"]
    assert manifest["corpus"]["fingerprint"] == "abc"
    assert "passages.jsonl" in manifest["files"]
    assert builds.read_manifest(saved)["passages"] == len(seed_index.passages)


def test_other_model_is_refused_with_rebuild_hint(saved):
    with pytest.raises(IndexMismatchError, match="qa index --rebuild") as info:
        builds.load(saved, model="some-other-model")
    assert "some-other-model" in str(info.value)


def test_changed_corpus_is_refused_with_index_hint(saved, fake_encoder):
    with pytest.raises(IndexMismatchError, match="qa index"):
        builds.load(saved, model=fake_encoder.name, fingerprint="a-different-corpus")


def test_missing_index(tmp_path):
    with pytest.raises(IndexNotFoundError, match="qa index"):
        builds.load(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IndexNotFoundError):
        builds.load(tmp_path / "empty")


@pytest.mark.parametrize("name", ["passages.jsonl", "documents.json", "vectors.faiss", "bm25.npz"])
def test_truncated_part_is_reported_by_name(saved, name):
    path = saved / "current" / name
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(IndexCorruptError, match=name.replace(".", r"\.")) as info:
        builds.load(saved)
    assert "qa index --rebuild" in str(info.value)


def test_altered_part_same_size_is_reported(saved):
    path = saved / "current" / "passages.jsonl"
    data = bytearray(path.read_bytes())
    i = data.index("庆云县".encode())
    data[i : i + 9] = "德州市".encode()  # same byte length, different content
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError, match=r"passages\.jsonl"):
        builds.load(saved)


def test_missing_part_is_reported(saved):
    os.remove(saved / "current" / "sentences.npz")
    with pytest.raises(IndexCorruptError, match=r"sentences\.npz"):
        builds.load(saved)


def test_corrupt_manifest_is_reported(saved):
    (saved / "current" / "manifest.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=r"manifest\.json"):
        builds.load(saved)


def test_saving_keeps_current_and_previous_build_only(seed_index, fake_encoder, tmp_path):
    root = tmp_path / "idx"
    first = builds.save(seed_index, root, manifest_for(fake_encoder))
    second = builds.save(seed_index, root, manifest_for(fake_encoder, fingerprint="abc"))
    third = builds.save(seed_index, root, manifest_for(fake_encoder, fingerprint="def"))
    assert len({first, second, third}) == 3
    # the build just replaced stays (a server may still be reading it); older ones go
    assert sorted(p.name for p in (root / "builds").iterdir()) == sorted([second.name, third.name])
    assert (root / "current").resolve() == third.resolve()
    assert not list(root.glob(".current-*"))
    assert builds.load(root, fingerprint="def").passages == seed_index.passages


def test_leftover_tmp_build_does_not_break_loading(saved, seed_index):
    leftover = saved / "builds" / ".tmp-20200101T000000000000-1"
    leftover.mkdir()
    (leftover / "passages.jsonl").write_text("half written", encoding="utf-8")
    loaded = builds.load(saved)
    assert loaded.passages == seed_index.passages


def test_leftover_tmp_build_is_cleaned_by_next_save(saved, seed_index, fake_encoder):
    leftover = saved / "builds" / ".tmp-20200101T000000000000-1"
    leftover.mkdir()
    builds.save(seed_index, saved, manifest_for(fake_encoder))
    assert not leftover.exists()
    assert builds.load(saved).passages == seed_index.passages


def test_current_pointing_to_deleted_build_is_not_found(saved):
    shutil.rmtree((saved / "current").resolve())
    with pytest.raises(IndexNotFoundError):
        builds.load(saved)


def test_loading_while_new_builds_are_swapped_in_never_reports_corruption(seed_index, fake_encoder, tmp_path):
    """A server (re)loading at the moment `qa index` finishes must not see one build's files against
    another build's manifest, nor a build pruned under its feet."""
    import threading
    import time

    root = tmp_path / "idx"
    builds.save(seed_index, root, manifest_for(fake_encoder))
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            builds.save(seed_index, root, manifest_for(fake_encoder, fingerprint=str(n)))
            n += 1
            time.sleep(0.05)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for _ in range(40):
            assert len(builds.load(root).passages) == len(seed_index.passages)
    finally:
        stop.set()
        thread.join()


def test_sentence_vectors_of_a_saved_index_are_read_row_by_row_without_mapping_them(
    saved, seed_index, fake_encoder, monkeypatch
):
    loaded = builds.load(saved, model=fake_encoder.name, fingerprint="abc")
    table = loaded.sentences
    assert isinstance(table.vectors, np.memmap)
    n = len(table.starts)
    picks = np.array([0, 1, 2, 7, 3, n - 1, n - 2, 5, 6, 7], dtype=np.int64)  # runs, jumps back, repeats
    expected = np.asarray(seed_index.sentences.vectors[picks], dtype=np.float32)
    monkeypatch.setattr(np.memmap, "__getitem__", lambda *a: pytest.fail("the memory map was touched"))
    got = table.gather(picks)
    assert got.dtype == np.float32 and np.array_equal(got, expected)
    assert table.gather(np.zeros(0, dtype=np.int64)).shape[0] == 0
    shutil.rmtree(saved)  # a newer build replaced this one: an index still answering keeps reading it
    assert np.array_equal(table.gather(picks), expected)
    monkeypatch.undo()
    # The same answer as the index in memory, quote included.
    asked = Answerer(loaded, fake_encoder).ask(QUESTION).to_dict()
    assert asked == {**Answerer(seed_index, fake_encoder).ask(QUESTION).to_dict(), "took_ms": asked["took_ms"]}


def test_a_server_reads_its_sentence_vectors_once_in_the_background_on_its_own_descriptor(
    saved, fake_encoder, monkeypatch
):
    from qa.search import sentences as index_module
    from qa.service import warm_up

    read: list[int] = []
    real_preadv = os.preadv
    monkeypatch.setattr(
        os, "preadv", lambda fd, buffers, offset: read.append(offset) or real_preadv(fd, buffers, offset)
    )
    loaded = builds.load(saved, model=fake_encoder.name, fingerprint="abc")
    assert loaded.sentences.warming is None and not read  # loading alone (`qa ask`) reads nothing ahead
    warm_up(Answerer(loaded, fake_encoder))  # what `qa serve` does at start and after a reload
    loaded.sentences.warming.join(10)
    assert not loaded.sentences.warming.is_alive()
    assert read and read[0] == 0  # the whole file, from the start
    # The reader closed the descriptor it used: what stays open is the index's file and its memory map.
    assert _open_descriptors_of(Path(loaded.sentences.source.name)) == 2
    assert Answerer(loaded, fake_encoder).ask(QUESTION).answered
    # Not read when it would not fit in half the free memory: questions read from disk instead.
    monkeypatch.setattr(index_module, "_available_memory", lambda: 1024)
    assert builds.load(saved, model=fake_encoder.name, fingerprint="abc").sentences.read_ahead() is None


def _open_descriptors_of(path: Path) -> int:
    links = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            links.append(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            continue
    return links.count(str(path.resolve()))
