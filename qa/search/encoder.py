"""Text encoders, and the registry `QA_ENCODER` picks one from.

`auto` (int8 ONNX when the model allows, else torch), `onnx-int8`, `onnx` (fp32) and `torch`
run the configured model; `hash` is a deterministic fake that needs no model (tests, and trying
the pipeline on a machine without one: its answers are poor). An index is labelled with the
identity of the encoder that built it and must be searched with the same one.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from qa.errors import ModelError

if TYPE_CHECKING:
    from qa.config import Settings


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str  # identity recorded in the index manifest
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode `texts` into an array of shape (len(texts), dim)."""
        ...


class SentenceTransformerEncoder:
    """A sentence-transformers model from a local folder (or a cached name).

    The hub is never contacted: HF_HUB_OFFLINE is set before the library is
    imported, so a missing model fails at once with a clear message.
    """

    def __init__(self, model: str, batch_size: int = 32) -> None:
        """Args: model: a folder path or a sentence-transformers model name."""
        self.model_ref = model
        self.batch_size = batch_size
        self.name = model_identity(model)
        self._model: Any = None
        loaded = self._load()
        dimension = getattr(loaded, "get_embedding_dimension", None) or loaded.get_sentence_embedding_dimension
        self.dim = int(dimension() or 0)

    def _load(self) -> Any:
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            import transformers
            from sentence_transformers import SentenceTransformer

            # A model folder without modules.json gets mean pooling (what m3e uses);
            # the library's notice about it and its weight-loading bar are noise here.
            transformers.utils.logging.disable_progress_bar()
            transformers.utils.logging.set_verbosity_error()
            logging.getLogger("sentence_transformers").setLevel(logging.ERROR)

            try:
                self._model = SentenceTransformer(self.model_ref, device="cpu")
            except Exception as exc:  # the library raises many kinds; all mean "cannot load"
                raise ModelError(
                    f"无法加载嵌入模型 {self.model_ref}：{exc}。请检查 QA_MODEL 或 --model 指向的文件夹。",
                    f"cannot load embedding model {self.model_ref}: {exc}. Check QA_MODEL or --model.",
                ) from exc
        return self._model

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode with length-sorted batches (the library sorts by length)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


class HashEncoder:
    """A deterministic fake encoder: hashed character unigrams and bigrams.

    Similar texts get similar vectors, so retrieval tests behave sensibly,
    and nothing is downloaded or loaded.
    """

    def __init__(self, dim: int = 64) -> None:
        """Args: dim: vector size."""
        self.dim = dim
        self.name = f"hash-encoder-{dim}"

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Encode each text as a normalised bag of hashed character n-grams."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            chars = [c for c in text if not c.isspace()]
            grams = chars + [a + b for a, b in zip(chars, chars[1:])]
            for gram in grams:
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dim] += 1.0
            norm = float(np.linalg.norm(out[row]))
            if norm:
                out[row] /= norm
        return out


def base_model(name: str) -> str:
    """The model an encoder identity derives from: `m3e-small@ab12+int8` → `m3e-small@ab12`.

    A quantized variant gives slightly different vectors, so it has its own identity
    (its own index and cache entries), but the ranking models fitted for the full-precision
    model serve it: `qa eval` measures the difference.
    """
    return name.split("+", 1)[0]


def model_identity(model: str) -> str:
    """A name for `model` that is the same on every machine.

    A folder is named by its last component plus a hash of its config and
    weight sizes (its absolute path differs between virtualenvs); a hub name
    is itself.
    """
    path = Path(model)
    if not path.is_dir():
        return model
    digest = hashlib.sha256()
    for item in sorted(path.iterdir()):
        if item.is_file() and item.suffix in (".json", ".bin", ".safetensors", ".txt", ".onnx"):
            digest.update(item.name.encode())
            digest.update(str(item.stat().st_size).encode())
            if item.suffix == ".json" and item.stat().st_size < 1_000_000:
                digest.update(item.read_bytes())
    return f"{path.name}@{digest.hexdigest()[:10]}"


def _torch(settings: Settings) -> Encoder:
    return SentenceTransformerEncoder(settings.model_ref)


def _onnx(settings: Settings, int8: bool) -> Encoder:
    from qa.search.cache import default_cache_path
    from qa.search.onnx import OnnxEncoder

    ref = settings.model_ref
    folder = default_cache_path(settings.cache_dir).parent / "onnx"
    return OnnxEncoder(ref, folder, model_identity(ref), int8=int8)


def _auto(settings: Settings) -> str:
    """`onnx-int8` for a model ONNX can run, else `torch`."""
    from qa.search.onnx import supported

    return "onnx-int8" if supported(Path(settings.model_ref)) else "torch"


def _int8_identity(settings: Settings) -> str:
    from qa.search.onnx import INT8_SUFFIX

    return model_identity(settings.model_ref) + INT8_SUFFIX


# QA_ENCODER name → (make it, its identity without loading anything).
ENCODERS: dict[str, tuple[Callable[[Settings], Encoder], Callable[[Settings], str]]] = {
    "onnx-int8": (lambda s: _onnx(s, int8=True), _int8_identity),
    "onnx": (lambda s: _onnx(s, int8=False), lambda s: model_identity(s.model_ref)),
    "torch": (_torch, lambda s: model_identity(s.model_ref)),
    "hash": (lambda s: HashEncoder(), lambda s: HashEncoder().name),
}


def encoder_kind(settings: Settings) -> str:
    """QA_ENCODER with `auto` resolved."""
    return _auto(settings) if settings.encoder == "auto" else settings.encoder


def make_encoder(settings: Settings) -> Encoder:
    """The configured encoder, loaded now; its name is `encoder_identity(settings)`.

    QA_ENCODER=auto takes the int8-quantized ONNX graph when the model allows ONNX (faster than
    plain sentence-transformers on a CPU, retrieval within 0.5 point of fp32: docs/benchmarks.md),
    else sentence-transformers on torch. A graph that cannot be made is a ModelError that names
    the setting to use instead, never a silent switch: int8 vectors have their own identity, and
    an index must be searched with the encoder that built it.
    """
    return ENCODERS[encoder_kind(settings)][0](settings)


def encoder_identity(settings: Settings) -> str:
    """The name `make_encoder(settings)` gives its encoder, without loading the model: what an index
    built with it is labelled with (`qa index`) and checked against (`qa ask`, `qa serve`)."""
    return ENCODERS[encoder_kind(settings)][1](settings)
