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


@pytest.mark.real
def test_onnx_vectors_are_sentence_transformers_vectors(tmp_path):
    from qa.search.encoder import SentenceTransformerEncoder
    from qa.search.onnx import OnnxEncoder
    from qa.service import make_encoder

    settings = Settings(cache_dir=tmp_path)
    onnx = make_encoder(settings)
    assert isinstance(onnx, OnnxEncoder) and (tmp_path / "onnx").is_dir()
    torch = make_encoder(Settings(encoder="torch"))
    assert isinstance(torch, SentenceTransformerEncoder) and torch.name == onnx.name
    texts = [line for f in sorted((ROOT / "corpus").iterdir()) for line in f.read_text("utf-8").split("\n") if line][
        :80
    ]
    texts += ["庆云县检察院什么时候自主研发了电子送达平台？", "a", "党建" * 400]  # one word, one over 512 tokens
    a, b = onnx.encode(texts), torch.encode(texts)
    assert a.shape == b.shape == (len(texts), 512)
    assert float((a * b).sum(axis=1).min()) > 0.9999
    single = np.vstack([onnx.encode([t]) for t in texts[:5]])  # one at a time: the query path
    assert np.allclose(single, a[:5], atol=1e-4)
