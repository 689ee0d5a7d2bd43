"""Milvus as a vector store backend, through `pymilvus.MilvusClient` (a Milvus Lite file or a server).

`uri` is either a Milvus Lite local file (`/path/x.db`) or a Milvus server/cluster URL
(`http://host:19530`). Install with `pip install 'qa-zh[milvus]'`.

Milvus Lite (milvus-lite 3.x) runs inside this process: pymilvus starts a gRPC server on a free
loopback port in a background thread and takes an exclusive lock on the `.db` path, a directory.
So only one process at a time can open a Lite file (a second one fails with "Open local milvus
failed"), and this process keeps the lock until it exits, even after `close()`. Stores opened on the
same file within one process share that server. To share vectors between processes (the web UI, the
API server and `qa index` at the same time), point `QA_MILVUS_URI` at a Milvus server or cluster
(`http://host:19530`, token in `QA_MILVUS_TOKEN`) instead: any number of clients can use it at once.

Search is exact (index type FLAT, metric IP), so results match `FaissStore` on the same vectors.
Every read asks for Strong consistency, so a search, count or get right after an add or remove sees
it on a server too (Lite applies writes synchronously anyway).

Settings (`Settings.options("milvus")`, from QA_MILVUS_*): `uri` (default `<index>/milvus.db`),
`collection` (the prefix of the collections builds create, default `qa_passages`) and `token`
(server credentials, never written anywhere). Each full build gets its own collection
(`<collection>_<time>`), so the build being replaced keeps answering until the new one is swapped
in; later incremental updates change that collection in place, and pruning a build drops the
collection no kept build uses (`discard`).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from qa.errors import ConfigError, IndexCorruptError, IndexNotFoundError

ENV_URI = "QA_MILVUS_URI"
ENV_TOKEN = "QA_MILVUS_TOKEN"
ENV_COLLECTION = "QA_MILVUS_COLLECTION"
FILE = "vectors.milvus.json"  # the build folder's description of where its vectors are
DEFAULT_COLLECTION = "qa_passages"
FORMAT = "qa-milvus-store"
STRONG = "Strong"
MAX_TOP_K = 16384  # Milvus rejects a larger search limit
BATCH = 1000  # rows per insert/get/delete call: 1000 × 512 floats ≈ 2 MB, far below gRPC's 64 MB
# FLAT is exact brute force on Lite and on a server. Lite 3.2 also knows BRUTE_FORCE, HNSW, HNSW_SQ,
# IVF_FLAT, IVF_SQ8 (via faiss-cpu) and AUTOINDEX, which on Lite means HNSW (approximate): it
# would no longer return exactly what FaissStore returns. On a big server collection HNSW may be
# worth that trade; it is a one-line change here.
INDEX_TYPE = "FLAT"


class MilvusStore:
    """Vectors in one Milvus collection: int64 primary key `id`, FLOAT_VECTOR `vector`, metric IP."""

    NAME: ClassVar[str] = "milvus"

    def __init__(self, uri: str, collection: str, dim: int, *, token: str = "", create: bool = True) -> None:
        """Connect, and create the collection when it is missing.

        Args:
            uri: a Milvus Lite file (`/path/x.db`) or a server URL (`http://host:19530`).
            collection: collection name.
            dim: vector size; an existing collection must have the same.
            token: server credentials (`user:password` or an API key); never saved.
            create: create the collection if missing; when False (`load`) a missing one is an error.

        Raises:
            ConfigError: pymilvus missing, cannot connect, or the collection does not fit.
            IndexNotFoundError: the collection is missing and `create` is False.
        """
        self.uri = os.path.abspath(uri) if _is_lite(uri) else uri
        self.collection = collection
        self.dim = dim
        self.client = _connect(self.uri, token)
        if self.client.has_collection(collection):
            self._check_existing()
        elif create:
            self._create()
        else:
            raise IndexNotFoundError(
                f"Milvus 中没有集合 {collection}（{self.uri}）：请重新建立索引。",
                f"Milvus has no collection {collection} at {self.uri}: rebuild the index.",
            )

    def _create(self) -> None:
        """Create the collection with its exact IP index; MilvusClient loads it right away."""
        from pymilvus import DataType

        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=self.dim)
        index = self.client.prepare_index_params()
        index.add_index("vector", index_type=INDEX_TYPE, metric_type="IP")
        self.client.create_collection(self.collection, schema=schema, index_params=index, consistency_level=STRONG)

    def _check_existing(self) -> None:
        """Refuse a collection of another shape or metric, then make sure it is loaded."""
        fields = {f["name"]: f for f in self.client.describe_collection(self.collection)["fields"]}
        if "id" not in fields or "vector" not in fields:
            raise ConfigError(
                f"Milvus 集合 {self.collection} 不是本程序建立的（缺少 id 或 vector 字段）：请换一个集合名。",
                f"Milvus collection {self.collection} was not made by this program (no id or vector field): "
                "use another collection name.",
            )
        found = int(fields["vector"].get("params", {}).get("dim", 0))
        if found != self.dim:
            raise ConfigError(
                f"Milvus 集合 {self.collection} 的向量维度是 {found}，当前模型是 {self.dim}："
                "请换一个集合名，或删除该集合后重新建立索引。",
                f"Milvus collection {self.collection} holds {found}-dimensional vectors but the model makes "
                f"{self.dim}: use another collection name, or drop that collection and rebuild the index.",
            )
        metric = self.client.describe_index(self.collection, "vector").get("metric_type", "IP")
        if metric != "IP":
            raise ConfigError(
                f"Milvus 集合 {self.collection} 的度量是 {metric}，需要 IP：请换一个集合名。",
                f"Milvus collection {self.collection} uses metric {metric}, not IP: use another collection name.",
            )
        self.client.load_collection(self.collection)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under their ids (ids are never reused, so a plain insert suffices)."""
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        for at in range(0, len(ids), BATCH):
            rows = [{"id": int(i), "vector": v} for i, v in zip(ids[at : at + BATCH], vectors[at : at + BATCH])]
            self.client.insert(self.collection, rows)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k ids and inner products, best first (at most `MAX_TOP_K`)."""
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        hits = self.client.search(
            self.collection,
            data=[np.asarray(query, dtype=np.float32).reshape(-1).tolist()],
            anns_field="vector",
            limit=min(k, MAX_TOP_K),
            search_params={"metric_type": "IP"},
            output_fields=["id"],  # without it Lite sends every vector back
            consistency_level=STRONG,
        )[0]
        ids = np.array([hit["id"] for hit in hits], dtype=np.int64)
        return ids, np.array([hit["distance"] for hit in hits], dtype=np.float32)

    def remove(self, ids: np.ndarray) -> int:
        """Remove ids; returns how many were present (Milvus's own delete count includes absent ids)."""
        present = [int(i) for i in self._get(np.unique(np.asarray(ids, dtype=np.int64)), "id")]
        for at in range(0, len(present), BATCH):
            self.client.delete(self.collection, ids=present[at : at + BATCH])
        return len(present)

    def count(self) -> int:
        """Number of vectors, exact after removes."""
        rows = self.client.query(self.collection, filter="", output_fields=["count(*)"], consistency_level=STRONG)
        return int(rows[0]["count(*)"])

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """Stored vectors by id, in the order asked (Milvus's own order is not guaranteed).

        Raises:
            IndexCorruptError: an id is not stored (the index and the collection disagree).
        """
        ids = np.asarray(ids, dtype=np.int64)
        found = self._get(np.unique(ids), "vector")
        missing = [int(i) for i in ids if int(i) not in found]
        if missing:
            raise IndexCorruptError(
                f"Milvus 集合 {self.collection} 缺少向量 {missing[:5]}：请重新建立索引。",
                f"Milvus collection {self.collection} lacks vectors {missing[:5]}: rebuild the index.",
            )
        return np.array([found[int(i)] for i in ids], dtype=np.float32).reshape(len(ids), self.dim)

    def _get(self, ids: np.ndarray, field: str) -> dict[int, Any]:
        """{id: value of `field`} for the ids that are stored."""
        found: dict[int, Any] = {}
        for at in range(0, len(ids), BATCH):
            part = [int(i) for i in ids[at : at + BATCH]]
            rows = self.client.get(self.collection, ids=part, output_fields=[field], consistency_level=STRONG)
            found.update({int(row["id"]): row[field] for row in rows})
        return found

    def to_dict(self) -> dict[str, Any]:
        """Where the vectors live: what `save` writes (never the token)."""
        return {"format": FORMAT, "version": 1, "uri": self.uri, "collection": self.collection, "dim": self.dim}

    def describe(self) -> dict[str, Any]:
        """Where the vectors live, for the manifest (never the token)."""
        return {"uri": self.uri, "collection": self.collection}

    def save(self, folder: Path) -> list[str]:
        """Flush the collection to durable storage and write the small JSON that `load` reconnects with."""
        self.client.flush(self.collection)
        (Path(folder) / FILE).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
        return [FILE]

    @classmethod
    def load(cls, folder: Path, options: Mapping[str, str] | None = None) -> MilvusStore:
        """Reconnect to the collection `save` described in `folder` (credentials from `options["token"]`).

        Raises:
            IndexCorruptError: the JSON file is missing or not one `save` wrote.
            IndexNotFoundError: the collection no longer exists.
        """
        path = Path(folder) / FILE
        try:
            meta = _descriptor(path)
            uri, collection, dim = str(meta["uri"]), str(meta["collection"]), int(meta["dim"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexCorruptError(
                f"Milvus 连接描述文件 {path} 缺失或已损坏：请重新建立索引。",
                f"The Milvus descriptor {path} is missing or damaged: rebuild the index.",
            ) from exc
        return cls(uri, collection, dim, token=(options or {}).get("token", ""), create=False)

    @classmethod
    def create(cls, dim: int, index_dir: Path, options: Mapping[str, str] | None = None) -> MilvusStore:
        """A new collection `<collection>_<time>` for a full build (see the module notes).

        Raises:
            ConfigError: a collection prefix Milvus would refuse, or a server that cannot be reached.
        """
        options = options or {}
        prefix = _collection(options.get("collection", ""))
        uri = options.get("uri") or str((Path(index_dir) / "milvus.db").resolve())
        if _is_lite(uri):
            Path(uri).parent.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d_%H%M%S_%f")
        return cls(uri, f"{prefix}_{stamp}", dim, token=options.get("token", ""))

    def planned(self, n: int) -> dict[str, Any] | None:
        """None: Milvus keeps one exact index whatever the size."""
        return None

    def refit(self, ids: np.ndarray) -> MilvusStore:
        """Milvus keeps one exact index whatever the size: nothing to move."""
        return self

    @classmethod
    def suits(cls, described: Mapping[str, Any], n: int) -> bool:
        """Always: the collection's index does not depend on its size."""
        return True

    @classmethod
    def label(cls, described: Mapping[str, Any]) -> str:
        """ "milvus <collection>"."""
        return f"milvus {described.get('collection', '')}".strip()

    @classmethod
    def discard(cls, build: Path, kept: Sequence[Path], options: Mapping[str, str] | None = None) -> None:
        """Drop the collection of a removed build, unless a kept build uses it (increments share one)."""
        gone = _collection_of(Path(build))
        if gone is None or gone in {_collection_of(Path(k)) for k in kept}:
            return
        try:
            client = _connect(gone[0], (options or {}).get("token", ""))
            if client.has_collection(gone[1]):
                client.drop_collection(gone[1])
        except ConfigError:
            return

    def close(self) -> None:
        """Close the connection (a Lite file stays locked by this process until it exits)."""
        self.client.close()


def _descriptor(path: Path) -> dict[str, Any]:
    """The JSON `save` wrote (ValueError when it is not one)."""
    meta = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} file")
    return meta


def _collection_of(build: Path) -> tuple[str, str] | None:
    """(uri, collection) of a build folder whose vectors are in Milvus, else None."""
    try:
        meta = _descriptor(build / FILE)
        return str(meta["uri"]), str(meta["collection"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _collection(value: str) -> str:
    """QA_MILVUS_COLLECTION: letters, digits and underscores, starting with a letter (Milvus's rule)."""
    value = value.strip() or DEFAULT_COLLECTION
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,200}", value):
        raise ConfigError(
            f"{ENV_COLLECTION} 只能含字母、数字和下划线，且以字母开头（现为 {value!r}）",
            f"{ENV_COLLECTION} may hold letters, digits and underscores, starting with a letter, not {value!r}",
        )
    return value


def _is_lite(uri: str) -> bool:
    """Whether `uri` names a Milvus Lite file rather than a server."""
    return uri.endswith(".db")


def _connect(uri: str, token: str) -> Any:
    """A connected `MilvusClient`, or a ConfigError that says what to change."""
    try:
        from pymilvus import MilvusClient
        from pymilvus.exceptions import MilvusException
    except ImportError as exc:
        raise ConfigError(
            "未安装 pymilvus：请运行 pip install 'qa-zh[milvus]'，或不使用 Milvus。",
            "pymilvus is not installed: run pip install 'qa-zh[milvus]', or do not use Milvus.",
        ) from exc
    try:
        return MilvusClient(uri=uri, token=token)
    except MilvusException as exc:
        if _is_lite(uri):
            raise ConfigError(
                f"无法打开 Milvus Lite 文件 {uri}（{ENV_URI}）：所在目录必须存在，且同一时间只能有一个进程使用它；"
                f"请关闭另一个进程，或把 {ENV_URI} 设为 Milvus 服务器地址（http://主机:19530）。",
                f"Cannot open the Milvus Lite file {uri} ({ENV_URI}): its folder must exist and only one process "
                f"at a time may use it; stop the other process, or set {ENV_URI} to a Milvus server "
                "(http://host:19530).",
            ) from exc
        raise ConfigError(
            f"无法连接 Milvus 服务器 {uri}：请检查 {ENV_URI}（例如 http://localhost:19530）、服务器是否在运行，"
            f"以及 {ENV_TOKEN}。",
            f"Cannot connect to the Milvus server {uri}: check {ENV_URI} (e.g. http://localhost:19530), that the "
            f"server is running, and {ENV_TOKEN}.",
        ) from exc
