"""The whole index on Milvus (QA_VECTOR_STORE=milvus, a Milvus Lite file): built, updated, answered from."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FAKE_DIM, write

from qa.answer.engine import Answerer
from qa.config import Settings
from qa.search import builds
from qa.search.encoder import HashEncoder
from qa.search.milvus_store import DEFAULT_COLLECTION
from qa.service import index_corpus

pytest.importorskip("pymilvus", reason="pip install 'qa-zh[milvus]'")
pytest.importorskip("milvus_lite", reason="pip install 'qa-zh[milvus]'")

DOCS = {
    "a.txt": "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像。\n",
    "b.txt": "乐陵市检察院举办开放日\n\n乐陵市检察院日前举办检察开放日活动，邀请四十二名人大代表走进检察院。\n",
}
ONLY_B = "乐陵市检察院开放日邀请了多少名人大代表？"


def settings(tmp_path: Path, **kw) -> Settings:
    return Settings(
        corpus_dir=tmp_path / "corpus",
        index_dir=tmp_path / "index",
        vector_store="milvus",
        vector_options={"milvus": {"uri": str(tmp_path / "milvus.db")}},
        **kw,
    )


def build(s: Settings, **kw):
    encoder = HashEncoder(dim=FAKE_DIM)
    return index_corpus(s, encoder_factory=lambda: encoder, model_name=encoder.name, **kw)


def ask(s: Settings, question: str) -> list[str]:
    index = builds.load(s.index_dir, model=HashEncoder(dim=FAKE_DIM).name)
    answer = Answerer(index, HashEncoder(dim=FAKE_DIM)).ask(question, top_k=5, keep_refused=True)
    return [c.source.path for c in answer.passages]


@pytest.fixture
def milvus_settings(tmp_path: Path) -> Settings:
    for name, text in DOCS.items():
        write(tmp_path / "corpus" / name, text)
    return settings(tmp_path)


def test_index_on_milvus_answers_and_forgets_a_deleted_file(milvus_settings: Settings) -> None:
    s = milvus_settings
    report = build(s)
    manifest = builds.read_manifest(s.index_dir)
    assert manifest["vectors"]["backend"] == "milvus"
    assert "vectors.milvus.json" in manifest["files"] and "vectors.faiss" not in manifest["files"]
    assert report.passages == 2
    assert ask(s, ONLY_B)[0] == "b.txt"

    (s.corpus_dir / "b.txt").unlink()
    report = build(s)
    assert report.changes == "+0 新增 · 0 更新 · 1 删除"
    assert "b.txt" not in ask(s, ONLY_B)
    assert builds.load(s.index_dir).store.count() == 1  # the vector is gone from Milvus, not just hidden


def test_switching_from_faiss_to_milvus_rebuilds_and_rebuilds_drop_old_collections(milvus_settings: Settings) -> None:
    from pymilvus import MilvusClient

    s = milvus_settings
    faiss_settings = Settings(corpus_dir=s.corpus_dir, index_dir=s.index_dir)
    build(faiss_settings)
    assert builds.read_manifest(s.index_dir)["vectors"]["backend"] == "faiss"
    report = build(s)
    assert report.reason == "向量库已更换 / vector store changed"
    for _ in range(3):
        build(s, rebuild=True)
    # The current build's collection and the previous one's (a server may still read it); no more.
    client = MilvusClient(uri=s.options()["uri"])
    mine = [c for c in client.list_collections() if c.startswith(DEFAULT_COLLECTION)]
    assert len(mine) == 2
    assert builds.read_manifest(s.index_dir)["vectors"]["collection"] in mine
    assert ask(s, ONLY_B)[0] == "b.txt"
