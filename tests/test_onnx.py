"""The ONNX Runtime encoder: which models it takes, and (real model) that it gives sentence-transformers' vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.errors import ConfigError
from qa.search.onnx import supported

ROOT = Path(__file__).resolve().parent.parent


def folder(tmp_path: Path, model_type: str = "bert", pooling: dict | None = None, extra: list | None = None) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "config.json").write_text(json.dumps({"model_type": model_type}))
    (tmp_path / "tokenizer.json").write_text("{}")
    if pooling is not None:
        modules = [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            *(extra or []),
        ]
        (tmp_path / "modules.json").write_text(json.dumps(modules))
        (tmp_path / "1_Pooling").mkdir()
        (tmp_path / "1_Pooling" / "config.json").write_text(json.dumps(pooling))
    return tmp_path


def test_bert_folder_without_modules_json_is_mean_pooled_and_supported(tmp_path):
    assert supported(folder(tmp_path))


def test_mean_pooling_with_normalize_is_supported(tmp_path):
    normalize = [{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
    assert supported(folder(tmp_path, pooling={"pooling_mode_mean_tokens": True}, extra=normalize))


@pytest.mark.parametrize(
    "pooling", [{"pooling_mode_cls_token": True}, {"pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": True}]
)
def test_other_pooling_runs_on_torch(tmp_path, pooling):
    assert not supported(folder(tmp_path, pooling=pooling))


def test_other_architectures_and_hub_names_run_on_torch(tmp_path):
    assert not supported(folder(tmp_path, model_type="xlm-roberta"))
    assert not supported(Path("BAAI/bge-small-zh-v1.5"))
    dense = [{"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}]
    assert not supported(folder(tmp_path / "d", pooling={"pooling_mode_mean_tokens": True}, extra=dense))


def test_encoder_setting_is_checked():
    assert Settings.from_env({}).encoder == "auto"
    assert Settings.from_env({"QA_ENCODER": "TORCH"}).encoder == "torch"
    with pytest.raises(ConfigError, match="QA_ENCODER"):
        Settings.from_env({"QA_ENCODER": "tensorrt"})


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    """One cache folder for the real-model tests below: the model is exported to ONNX once."""
    return tmp_path_factory.mktemp("cache")


@pytest.mark.real
def test_onnx_vectors_are_sentence_transformers_vectors(cache_dir, capsys):
    from qa.search.encoder import SentenceTransformerEncoder, make_encoder
    from qa.search.onnx import OnnxEncoder

    onnx = make_encoder(Settings(cache_dir=cache_dir, encoder="onnx"))
    assert isinstance(onnx, OnnxEncoder) and (cache_dir / "onnx").is_dir()
    torch = make_encoder(Settings(encoder="torch"))
    assert isinstance(torch, SentenceTransformerEncoder) and torch.name == onnx.name
    texts = [line for f in sorted((ROOT / "corpus").iterdir()) for line in f.read_text("utf-8").split("\n") if line][
        :80
    ]
    texts += ["庆云县检察院什么时候自主研发了电子送达平台？", "a", "党建" * 400]  # one word, one over 512 tokens
    a, b = onnx.encode(texts, progress=True), torch.encode(texts)
    assert a.shape == b.shape == (len(texts), 512)
    bar = capsys.readouterr().err
    assert "编码 / encoding" in bar and f"{len(texts)}/{len(texts)}" in bar  # the bar counts every text
    assert float((a * b).sum(axis=1).min()) > 0.9999
    single = np.vstack([onnx.encode([t]) for t in texts[:5]])  # one at a time: the query path
    assert np.allclose(single, a[:5], atol=1e-4)


def test_onnx_int8_setting_picks_the_quantized_graph(monkeypatch):
    import qa.search.onnx as onnx
    from qa.search.encoder import make_encoder

    made: list[bool] = []
    monkeypatch.setattr(onnx, "OnnxEncoder", lambda *args, int8=False: made.append(int8) or "onnx")
    assert Settings.from_env({"QA_ENCODER": "ONNX-int8"}).encoder == "onnx-int8"
    for choice in ("onnx-int8", "onnx", "auto"):
        assert make_encoder(Settings(encoder=choice)) == "onnx"
    assert made == [True, False, True]  # auto: int8, the default since it passed the quality guard


def test_auto_never_switches_encoder_silently_and_names_the_index_as_the_encoder_will(monkeypatch, tmp_path):
    import qa.search.encoder as service
    import qa.search.onnx as onnx
    from qa.errors import ModelError

    def int8_broken(*args, int8=False):
        if int8:
            raise ModelError("无法量化，请设 QA_ENCODER=onnx", "cannot quantize; set QA_ENCODER=onnx")
        return "fp32"

    monkeypatch.setattr(onnx, "OnnxEncoder", int8_broken)
    for choice in ("auto", "onnx-int8"):  # int8 vectors have their own identity: no quiet fp32 instead
        with pytest.raises(ModelError, match="QA_ENCODER=onnx"):
            service.make_encoder(Settings(encoder=choice))
    assert service.make_encoder(Settings(encoder="onnx")) == "fp32"
    base = service.model_identity(Settings().model_ref)
    assert service.encoder_identity(Settings()) == f"{base}+int8"
    assert service.encoder_identity(Settings(encoder="onnx-int8")) == f"{base}+int8"
    assert service.encoder_identity(Settings(encoder="onnx")) == base
    assert service.encoder_identity(Settings(encoder="torch")) == base
    # A model ONNX cannot run (here: not a local BERT folder) runs on torch under auto, same identity.
    monkeypatch.setattr(service, "SentenceTransformerEncoder", lambda ref: "torch")
    other = Settings(model=str(tmp_path))
    assert service.make_encoder(other) == "torch"
    assert service.encoder_identity(other) == service.model_identity(str(tmp_path))


@pytest.mark.real
def test_the_index_is_labelled_with_the_encoder_that_built_it_and_reloads(tmp_path):
    import shutil

    from qa.live import LiveAnswerer
    from qa.search import builds
    from qa.search.encoder import make_encoder
    from qa.service import index_corpus, open_answerer

    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    shutil.copytree(ROOT / "corpus", settings.corpus_dir)
    index_corpus(settings)
    live = LiveAnswerer(settings, open_answerer(settings))
    assert live.current.encoder.name.endswith("+int8")
    assert builds.load(settings.index_dir).manifest["model"]["name"] == live.current.encoder.name
    (settings.corpus_dir / sorted(p.name for p in settings.corpus_dir.iterdir())[0]).unlink()
    assert live.reload(update=True)["status"] == "reloaded"  # refused before: index named fp32, vectors int8
    for choice in ("onnx", "torch"):  # another encoder: the index says it was not built with it
        with pytest.raises(Exception, match="qa index --rebuild"):
            open_answerer(Settings(corpus_dir=settings.corpus_dir, index_dir=settings.index_dir, encoder=choice))
    assert make_encoder(settings).name == live.current.encoder.name


def test_a_graph_that_cannot_be_quantized_is_a_model_error_and_leaves_no_file(tmp_path):
    from qa.errors import ModelError
    from qa.search.onnx import quantize

    source = tmp_path / "model.onnx"
    source.write_bytes(b"not a graph")
    with pytest.raises(ModelError, match="QA_ENCODER=onnx") as caught:
        quantize(source, tmp_path / "model.int8.onnx")
    assert "int8" in caught.value.zh
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


@pytest.mark.real
def test_int8_vectors_stay_close_to_fp32_under_their_own_identity(cache_dir):
    from qa.search.encoder import base_model, make_encoder
    from qa.search.onnx import OnnxEncoder

    fp32 = make_encoder(Settings(cache_dir=cache_dir, encoder="onnx"))
    int8 = make_encoder(Settings(cache_dir=cache_dir, encoder="onnx-int8"))
    assert isinstance(int8, OnnxEncoder) and int8.graph.name == "model.int8.onnx"
    assert int8.graph.parent == fp32.graph.parent  # made from the cached fp32 graph, kept beside it
    assert int8.name == f"{fp32.name}+int8" and base_model(int8.name) == fp32.name
    lines = [line for f in sorted((ROOT / "corpus").iterdir()) for line in f.read_text("utf-8").split("\n")]
    questions = [json.loads(line)["question"] for line in (ROOT / "eval" / "seed_qa.jsonl").open("rb")]
    texts = [line for line in lines if line.strip()][:80] + questions[:20]
    a, b = int8.encode(texts), fp32.encode(texts)
    cosine = (a * b).sum(axis=1)
    assert float(cosine.min()) > 0.99 and float(cosine.mean()) > 0.995  # measured here: min 0.9946, mean 0.9969
    # Activations are scaled per call, so a text's vector depends a little on its batch; alone (a question) it
    # is as close to fp32 as in a batch.
    single = np.vstack([int8.encode([t]) for t in texts[-5:]])
    assert float((single * b[-5:]).sum(axis=1).min()) > 0.99


def test_a_question_alone_uses_every_core_and_one_while_anything_else_is_encoded(monkeypatch):
    """Alone, a question's forward pass is split over the cores; a second question arriving meanwhile
    takes one core, so that neither waits for the other's threads."""
    import threading
    from types import SimpleNamespace

    from qa.search.onnx import OnnxEncoder

    monkeypatch.setattr("qa.search.onnx.CORES", 4)
    encoder = object.__new__(OnnxEncoder)
    encoder.dim, encoder._running, encoder._lock = 2, 0, threading.Lock()
    encoder.tokenizer = SimpleNamespace(encode_batch=lambda texts: [SimpleNamespace(ids=[1, 2, 3]) for _ in texts])
    seen: dict[str, int] = {}
    inside, release = threading.Event(), threading.Event()

    def run(encodings, threads):
        name = "first" if "first" not in seen else "second"
        seen[name] = threads
        if name == "first":
            inside.set()
            assert release.wait(10)
        return np.ones((len(encodings), 2), dtype=np.float32)

    encoder._run = run
    first = threading.Thread(target=encoder.encode, args=(["问题一"],))
    first.start()
    assert inside.wait(10)
    encoder.encode(["问题二"])  # while the first is still running
    release.set()
    first.join(10)
    assert seen == {"first": 4, "second": 1}
    seen.clear()
    encoder.encode(["问题三"])  # alone again
    assert seen == {"first": 4}
    assert encoder.encode(["一", "二", "三"]).shape == (3, 2)  # a batch
    assert seen["second"] == 4


@pytest.mark.real
def test_processes_starting_together_on_a_new_machine_all_get_the_int8_graph(cache_dir, tmp_path):
    """`qa serve` and `qa index` started at once with an empty model cache: each gets a working encoder."""
    import subprocess
    import sys

    from qa.search.encoder import make_encoder

    make_encoder(Settings(cache_dir=cache_dir, encoder="onnx"))  # the fp32 graph, exported once for this module
    (exported,) = (cache_dir / "onnx").glob("*/model.onnx")
    fresh = tmp_path / "cache" / "onnx" / exported.parent.name
    fresh.mkdir(parents=True)
    (fresh / "model.onnx").write_bytes(exported.read_bytes())  # quantizing is where they collided
    code = (
        "import sys; from pathlib import Path; from qa.config import Settings; from qa.search.encoder import make_encoder;"
        "v = make_encoder(Settings(cache_dir=Path(sys.argv[1]), encoder='onnx-int8')).encode(['居住证怎么办理？']);"
        "print(round(float(v[0] @ v[0]), 3))"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(tmp_path / "cache")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    done = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], [err[-500:] for _, err in done]
    assert [out.strip() for out, _ in done] == ["1.0"] * 3
    assert sorted(p.name for p in fresh.iterdir()) == [".lock", "model.int8.onnx", "model.onnx"]
