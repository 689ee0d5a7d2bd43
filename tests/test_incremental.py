"""Incremental `qa index`: new files added, changed ones re-embedded, deleted ones gone for good."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from helpers import FAKE_DIM, write

from qa.answer.engine import Answerer
from qa.search import builds, update
from qa.search.encoder import HashEncoder
from qa.search.update import update_index

# Three small articles, each the only one that answers its question.
DOCS = {
    "a.txt": "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像。\n\n当事人可以远程出庭，节省路途时间。\n",
    "b.txt": "乐陵市检察院举办开放日\n\n乐陵市检察院日前举办检察开放日活动，邀请四十二名人大代表走进检察院。\n",
    "c/d.txt": "禹城市推行“一窗受理”\n\n禹城市政务服务中心推行“一窗受理”改革，群众办事只需跑一次。\n",
}
ONLY_B = "乐陵市检察院开放日邀请了多少名人大代表？"
ONLY_A = "宁津县人民法院启用了几个智慧法庭？"


class CountingEncoder(HashEncoder):
    """The fake encoder, remembering every text it was asked to encode."""

    def __init__(self) -> None:
        super().__init__(dim=FAKE_DIM)
        self.seen: list[str] = []

    def encode(self, texts, *, progress=False):
        self.seen.extend(texts)
        return super().encode(texts, progress=progress)


def index(corpus: Path, root: Path, encoder: HashEncoder | None = None, **kw):
    encoder = encoder or HashEncoder(dim=FAKE_DIM)
    return update_index(corpus, root, lambda: encoder, encoder.name, **kw)


def answerer(root: Path) -> Answerer:
    return Answerer(builds.load(root, model=HashEncoder(dim=FAKE_DIM).name), HashEncoder(dim=FAKE_DIM), refusal=None)


def quotes(root: Path, question: str) -> list[tuple[str, str]]:
    """(document path, passage text) of every passage returned for `question`."""
    answer = answerer(root).ask(question, top_k=10, keep_refused=True)
    return [(c.source.path, c.text) for c in answer.passages]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    for name, text in DOCS.items():
        write(tmp_path / "corpus" / name, text)
    return tmp_path / "corpus"


def test_first_build_adds_every_document(corpus, tmp_path):
    report = index(corpus, tmp_path / "idx")
    assert report.built and report.added == ["a.txt", "b.txt", "c/d.txt"]
    assert report.changes == "+3 新增 · 0 更新 · 0 删除"


def test_nothing_changed_writes_nothing(corpus, tmp_path):
    index(corpus, tmp_path / "idx")
    build = builds.build_dir(tmp_path / "idx")
    again = index(corpus, tmp_path / "idx")
    assert not again.built and builds.build_dir(tmp_path / "idx") == build


def test_deleted_document_is_never_quoted_again(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    assert quotes(root, ONLY_B)[0][0] == "b.txt"
    (corpus / "b.txt").unlink()
    report = index(corpus, root)
    assert report.removed == ["b.txt"] and report.changes == "+0 新增 · 0 更新 · 1 删除"
    assert all(path != "b.txt" and "四十二名" not in text for path, text in quotes(root, ONLY_B))
    loaded = builds.load(root)
    assert loaded.store.count() == len(loaded.passages)  # removed from FAISS, not just hidden
    assert all("四十二名" not in p.text for p in loaded.passages)
    assert "四十二名" not in " ".join(loaded.bm25.vocab)


def test_changed_document_quotes_only_its_new_text(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    write(corpus / "a.txt", DOCS["a.txt"].replace("三个智慧法庭", "五个智慧法庭"))
    report = index(corpus, root)
    assert report.updated == ["a.txt"] and not report.added and not report.removed
    found = quotes(root, ONLY_A)
    assert found[0][0] == "a.txt" and "五个智慧法庭" in found[0][1]
    assert all("三个智慧法庭" not in text for _, text in found)


def test_unchanged_documents_are_not_encoded_again(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    write(corpus / "new.txt", "陵城区开通夜间门诊\n\n陵城区人民医院开通夜间门诊，每晚开放到十点。\n")
    write(corpus / "a.txt", DOCS["a.txt"].replace("三个智慧法庭", "五个智慧法庭"))
    counting = CountingEncoder()
    report = index(corpus, root, counting)
    assert report.added == ["new.txt"] and report.updated == ["a.txt"]
    encoded = "\n".join(counting.seen)
    assert "夜间门诊" in encoded and "五个智慧法庭" in encoded
    # neither the untouched documents nor the unchanged paragraph of a.txt were encoded again
    assert "乐陵市" not in encoded and "一窗受理" not in encoded and "远程出庭" not in encoded


def test_deleting_only_never_loads_the_model(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    (corpus / "c" / "d.txt").unlink()

    def no_model():
        raise AssertionError("the encoder should not be needed to delete a document")

    report = update_index(corpus, root, no_model, HashEncoder(dim=FAKE_DIM).name)
    assert report.removed == ["c/d.txt"]


def test_incremental_index_answers_like_a_full_rebuild(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    (corpus / "b.txt").unlink()
    write(corpus / "a.txt", DOCS["a.txt"] + "\n宁津县还开通了“云上法庭”，群众在家就能立案。\n")
    # the new document quotes a term (“一窗受理”) that an unchanged one uses: that one is re-tokenized
    write(corpus / "e.txt", "齐河县学习“一窗受理”经验\n\n齐河县派人学习禹城市“一窗受理”的做法。\n")
    index(corpus, root)
    full = tmp_path / "full"
    index(corpus, full, rebuild=True)
    a, b = builds.load(root), builds.load(full)
    assert a.tokenizer.terms == b.tokenizer.terms
    assert sorted(a.bm25.vocab) == sorted(b.bm25.vocab)
    for question in ["云上法庭在哪里？", "一窗受理是什么改革？", ONLY_A, "齐河县学习了什么？", ONLY_B]:
        got, want = (
            answerer(root).ask(question, top_k=5, keep_refused=True),
            answerer(full).ask(question, top_k=5, keep_refused=True),
        )
        assert [c.id for c in got.passages] == [c.id for c in want.passages], question
        assert [c.quote for c in got.passages] == [c.quote for c in want.passages], question
        assert np.allclose([c.score for c in got.passages], [c.score for c in want.passages], atol=1e-4)


def test_rebuild_flag_rebuilds_everything(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    counting = CountingEncoder()
    report = index(corpus, root, counting, rebuild=True)
    assert report.built and "rebuild" in report.reason and "乐陵市" in "\n".join(counting.seen)


def test_other_model_rebuilds_everything(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    other = HashEncoder(dim=32)
    report = update_index(corpus, root, lambda: other, other.name)
    assert report.built and "model" in report.reason
    assert builds.load(root, model=other.name).dim == 32


def test_corrupt_previous_index_is_rebuilt_with_a_warning(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    vectors = builds.build_dir(root) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:100])
    write(corpus / "new.txt", "陵城区开通夜间门诊\n\n陵城区人民医院开通夜间门诊，每晚开放到十点。\n")
    lines: list[str] = []
    report = index(corpus, root, warn=lines.append)
    assert any("vectors.faiss" in line and "重建" in line for line in lines), lines
    assert report.reason and report.documents == 4
    assert builds.load(root).store.count() == len(builds.load(root).passages)


def test_skipped_file_is_remembered_and_fixed_file_is_added(corpus, tmp_path):
    root = tmp_path / "idx"
    write(corpus / "empty.txt", "")
    first = index(corpus, root)
    assert [s.path for s in first.skipped] == ["empty.txt"]
    write(corpus / "new.txt", "陵城区开通夜间门诊\n\n陵城区人民医院开通夜间门诊，每晚开放到十点。\n")
    second = index(corpus, root)
    assert [s.path for s in second.skipped] == ["empty.txt"] and second.added == ["new.txt"]
    write(corpus / "empty.txt", "临邑县举办马拉松\n\n临邑县首届马拉松比赛吸引三千名选手参加。\n")
    third = index(corpus, root)
    assert third.added == ["empty.txt"] and not third.skipped


def test_moving_a_file_removes_the_old_path_and_adds_the_new(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    (corpus / "archive").mkdir()
    shutil.move(corpus / "b.txt", corpus / "archive" / "b.txt")
    report = index(corpus, root)
    assert report.added == ["archive/b.txt"] and report.removed == ["b.txt"]
    assert quotes(root, ONLY_B)[0][0] == "archive/b.txt"


def test_plain_qa_index_repairs_a_damaged_index_even_when_the_corpus_did_not_change(corpus, tmp_path):
    root = tmp_path / "idx"
    index(corpus, root)
    passages = builds.build_dir(root) / "passages.jsonl"
    passages.write_bytes(passages.read_bytes()[:50])
    lines: list[str] = []
    report = index(corpus, root, warn=lines.append)
    assert report.built and "损坏" in report.reason, report
    assert any("passages.jsonl" in line and "现在完整重建" in line for line in lines), lines
    assert quotes(root, ONLY_B)[0][0] == "b.txt"


class FailingEncoder(CountingEncoder):
    """Dies (like a killed process) once it has been asked for more than `limit` texts."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def encode(self, texts, *, progress=False):
        if len(self.seen) + len(texts) > self.limit:
            raise KeyboardInterrupt("killed")
        return super().encode(texts, progress=progress)


def test_an_interrupted_build_resumes_without_encoding_again(tmp_path):
    for n in range(40):  # 40 documents × 8 paragraphs: more texts than one cache chunk (256)
        paragraphs = [f"第{n}号文件第{k}段：宁津县第{n * 10 + k}次会议讨论了{k + n}项议题。" for k in range(8)]
        write(tmp_path / "corpus" / f"{n:02d}.txt", f"文件{n}\n\n" + "\n\n".join(paragraphs) + "\n")
    root = tmp_path / "index"
    with pytest.raises(KeyboardInterrupt):
        index(tmp_path / "corpus", root, FailingEncoder(limit=300))
    assert builds.build_dir(root) is None  # nothing half-built is visible
    again = CountingEncoder()
    report = index(tmp_path / "corpus", root, again)
    fresh = CountingEncoder()
    index(tmp_path / "corpus", tmp_path / "full", fresh)
    assert report.passages == 40 * 8
    assert 0 < len(again.seen) <= len(fresh.seen) - 256  # at least one committed chunk was not encoded again
    assert not (root / ".resume-vectors.sqlite").exists()  # gone once a build finished


def test_an_unchanged_corpus_gets_the_vector_index_its_size_now_calls_for_without_encoding(
    corpus, tmp_path, monkeypatch
):
    from qa.search import faiss_store as store

    root = tmp_path / "index"
    index(corpus, root)
    assert builds.read_manifest(root)["vectors"]["type"] == "flat"
    again = index(corpus, root)
    assert not again.built  # the rule has not changed: nothing to do
    monkeypatch.setattr(store, "EXACT_BELOW", 3)  # a newer version's rule: this size wants quantized codes
    monkeypatch.setattr(update, "REFIT_NOTICE", 3)  # as if this were a corpus whose move takes minutes
    counting = CountingEncoder()
    notices: list[str] = []
    report = index(corpus, root, counting, warn=notices.append)
    assert report.built and report.changes == "+0 新增 · 0 更新 · 0 删除"
    assert report.refitted == store.plan(report.passages)  # what the user is told was done, and why
    assert any("向量索引按规模改为 pq-fp16" in n and "refitting the vector index" in n for n in notices)
    assert counting.seen == []  # the vectors were moved, not made again
    manifest = builds.read_manifest(root)
    assert manifest["vectors"] == {"backend": "faiss", **store.plan(manifest["passages"])}
    assert manifest["vectors"]["type"] == "pq-fp16"
    assert quotes(root, ONLY_B)[0][0] == "b.txt"
    assert not index(corpus, root).built  # and now it suits: nothing to do again
    assert index(corpus, root, rebuild=True).refitted is None  # built in the type it suits from the start


def test_vector_index_type_follows_the_corpus_size_and_is_in_the_manifest(corpus, tmp_path, monkeypatch):
    from qa.search import faiss_store as store

    root = tmp_path / "index"
    index(corpus, root)
    assert builds.read_manifest(root)["vectors"] == {"backend": "faiss", "type": "flat"}
    monkeypatch.setattr(store, "EXACT_BELOW", 3)  # as if three passages were a large corpus
    write(corpus / "e.txt", "庆云县检察院开通电子送达平台\n\n庆云县检察院自主研发电子送达平台，文书当天送达。\n")
    index(corpus, root)
    assert builds.read_manifest(root)["vectors"] == {"backend": "faiss", "type": "pq-fp16", "part": 2, "rerank": 40}
    assert quotes(root, ONLY_B)[0][0] == "b.txt"  # the same answers from quantized codes
    (corpus / "e.txt").unlink()
    (corpus / "a.txt").unlink()
    index(corpus, root)
    assert builds.read_manifest(root)["vectors"]["type"] == "flat"  # shrank below: exact again
    assert quotes(root, ONLY_B)[0][0] == "b.txt"


def test_a_mid_sized_corpus_gets_product_quantizer_codes_and_loses_deleted_passages_for_good(
    corpus, tmp_path, monkeypatch
):
    from qa.search import faiss_store as store

    for i in range(20):  # a product quantizer needs at least 16 vectors (16 codes per part)
        write(corpus / f"more/{i:02d}.txt", f"第{i}号公告\n\n临邑县第{i}批惠民项目已完成验收，共涉及{i + 3}个村庄。\n")
    monkeypatch.setattr(store, "EXACT_BELOW", 16)  # as if twenty-odd passages were a mid-sized corpus
    root = tmp_path / "index"
    index(corpus, root)
    manifest = builds.read_manifest(root)
    assert manifest["vectors"] == {"backend": "faiss", **store.plan(manifest["passages"])}
    assert manifest["vectors"]["type"] == "pq-fp16"
    assert quotes(root, ONLY_B)[0][0] == "b.txt"  # re-ranked on float16 codes: the same answer
    (corpus / "b.txt").unlink()
    index(corpus, root)
    loaded = builds.load(root, model=HashEncoder(dim=FAKE_DIM).name)
    assert loaded.store.count() == len(loaded.ids) == manifest["passages"] - 1
    assert all(path != "b.txt" for path, _ in quotes(root, ONLY_B))
    vectors = loaded.store.vectors(loaded.ids)  # every remaining vector comes back under its own id
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-3)


def test_progress_moves_while_a_slice_is_encoded_and_ends_at_every_passage(corpus, tmp_path, monkeypatch):
    """A large upload must not sit at 0 % until a thousand passages are done: the console's bar and
    `qa index`'s follow each encoder call."""
    from qa.search import edits

    for n in range(40):  # 40 more articles: one slice of passages, several encoder calls
        write(
            corpus / f"more/{n}.txt",
            f"第{n}号通知\n\n第{n}号通知的正文说明了第{n}件事情。\n\n办理地点在第{n}号窗口。\n",
        )
    monkeypatch.setattr(edits, "ENCODE_CHUNK", 16)
    seen: list[tuple[int, int]] = []
    report = index(corpus, tmp_path / "index", on_progress=lambda done, total: seen.append((done, total)))
    total = report.passages
    assert len(seen) > 5 and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted({d for d, _ in seen}) and seen[-1][0] == total
    assert seen[0][0] < total // 2  # the first report comes long before the slice is done
