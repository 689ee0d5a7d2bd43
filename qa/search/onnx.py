"""The same BERT-style sentence encoder run by ONNX Runtime: exported here, from the local folder.

The export (torch → ONNX, mean pooling and L2 normalisation inside the graph)
happens once per model and is kept in the cache folder; nothing is downloaded.
At query time neither torch nor sentence-transformers is imported: the
tokenizer is the model's own `tokenizer.json` (the `tokenizers` library) and
the graph runs on one thread per call, which on two cores answers a single
question several times faster than torch (`bench/`). The fp32 graph gives the
vectors sentence-transformers gives (cosine 1.0 to 5 decimals), so it keeps
the model's identity: an index and a calibration made with one serve the other.

`int8=True` (QA_ENCODER=onnx-int8) runs a copy of that graph whose matrix
weights are quantized to 8 bits, made here once from the fp32 graph: faster on
a CPU, slightly different vectors (cosine ≥ 0.99 to fp32), so it has its own
identity `<identity>+int8`, hence its own index and vector cache entries.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock
from tqdm import tqdm

from qa.errors import ModelError

MAX_TOKENS = 512
# Texts per call × the longest one's tokens: calls this small keep the activations in the CPU's
# cache, which a fixed count of 32 texts a call does not (bench/encode.py compares the two).
TOKENS_PER_BATCH = 2048
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
CORES = os.cpu_count() or 1  # read once: the call reads /sys on every question otherwise
INT8_SUFFIX = "+int8"  # added to the model's identity by the int8 graph (`encoder.base_model` strips it)
INT8_FILE = "model.int8.onnx"  # a change of the quantization settings below needs a new name (and identity suffix)


class OnnxEncoder:
    """An `Encoder` for a local sentence-transformers folder of a BERT model with mean pooling (m3e)."""

    def __init__(self, model_dir: str, cache_dir: Path, name: str, *, int8: bool = False) -> None:
        """Args:
        model_dir: the model folder (config.json, weights, tokenizer.json).
        cache_dir: where the exported graph is kept (`<cache_dir>/<name>/model.onnx`).
        name: the model's identity (`model_identity`), also the cache key.
        int8: run the int8-quantized graph (`model.int8.onnx` beside the fp32 one); the encoder's
            name is then `<name>+int8`.
        """
        from tokenizers import Tokenizer

        folder = Path(model_dir)
        if not supported(folder):
            raise ModelError(
                f"{model_dir} 不是可用 ONNX 运行的模型（需要本地文件夹、tokenizer.json、BERT 与平均池化）；请设 QA_ENCODER=torch。",
                f"{model_dir} cannot run on ONNX here (a local folder with tokenizer.json, BERT, mean pooling "
                "is needed); set QA_ENCODER=torch.",
            )
        graph = cache_dir / name.replace("/", "_") / "model.onnx"
        graph.parent.mkdir(parents=True, exist_ok=True)
        # Two processes starting on a new machine (`qa serve` and `qa index`) would both export, and
        # ONNX Runtime's quantizer writes a fixed file beside the graph that the other then reads half
        # written: the first makes the graphs, the others wait for them.
        with FileLock(graph.with_name(".lock")):
            graph = export(folder, graph)
            self.graph = quantize(graph, graph.with_name(INT8_FILE)) if int8 else graph
        self._sessions: dict[int, Any] = {}
        self._running = 0  # encode calls in progress (questions and batches)
        self._lock = threading.Lock()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.name = name + INT8_SUFFIX if int8 else name
        self.dim = int(self._session(1).get_outputs()[0].shape[-1])

    def _session(self, threads: int) -> Any:
        """One session per thread count: batches (indexing) use every core; a single question uses them
        too when nothing else is being encoded, and one thread otherwise, so that concurrent requests
        each get a core (see `encode`)."""
        if threads not in self._sessions:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            self._sessions[threads] = ort.InferenceSession(str(self.graph), options, providers=["CPUExecutionProvider"])
        return self._sessions[threads]

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors, in batches of texts of similar length (little padding) of about
        TOKENS_PER_BATCH tokens; `progress` draws a bar of texts encoded."""
        with self._lock:
            alone = self._running == 0
            self._running += 1
        try:
            return self._encode(texts, CORES if alone or len(texts) > 1 else 1, progress)
        finally:
            with self._lock:
                self._running -= 1

    def _encode(self, texts: Sequence[str], threads: int, progress: bool) -> np.ndarray:
        # A question's forward pass is short enough that splitting it over the cores is quicker than one
        # core; while another question or a batch runs, it takes one core so that neither waits.
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        batches: list[list[int]] = [[]]
        for i in sorted(range(len(texts)), key=lambda i: len(encodings[i].ids)):
            if batches[-1] and (len(batches[-1]) + 1) * len(encodings[i].ids) > TOKENS_PER_BATCH:
                batches.append([])
            batches[-1].append(i)
        bar = tqdm(total=len(texts), desc="编码 / encoding", unit="text") if progress else None
        for part in batches:
            if part:
                out[part] = self._run([encodings[j] for j in part], threads)
                if bar is not None:
                    bar.update(len(part))
        if bar is not None:
            bar.close()
        return out

    def _run(self, encodings: list[Any], threads: int) -> np.ndarray:
        width = max(len(e.ids) for e in encodings)
        feed = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in INPUTS}
        for row, e in enumerate(encodings):
            n = len(e.ids)
            feed["input_ids"][row, :n] = e.ids
            feed["attention_mask"][row, :n] = e.attention_mask
            feed["token_type_ids"][row, :n] = e.type_ids
        return np.asarray(self._session(threads).run(None, feed)[0], dtype=np.float32)


def supported(folder: Path) -> bool:
    """A local BERT folder whose sentence-transformers pipeline is Transformer → mean pooling (→ Normalize).

    Without modules.json sentence-transformers itself uses mean pooling (m3e's case).
    """
    if not (folder / "tokenizer.json").is_file() or not (folder / "config.json").is_file():
        return False
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        modules = (
            json.loads((folder / "modules.json").read_text(encoding="utf-8"))
            if (folder / "modules.json").is_file()
            else []
        )
    except (OSError, ValueError):
        return False
    if config.get("model_type") != "bert":
        return False
    kinds = [str(m.get("type", "")).rsplit(".", 1)[-1] for m in modules]
    if (
        kinds
        and kinds[:2] != ["Transformer", "Pooling"]
        or any(k not in ("Transformer", "Pooling", "Normalize") for k in kinds)
    ):
        return False
    for module in modules:
        if str(module.get("type", "")).endswith("Pooling"):
            pooling = folder / str(module.get("path", "")) / "config.json"
            try:
                modes = json.loads(pooling.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return False
            on = {k for k, v in modes.items() if k.startswith("pooling_mode") and v is True}
            if on != {"pooling_mode_mean_tokens"}:
                return False
    return True


def export(folder: Path, target: Path) -> Path:
    """Export the model in `folder` to `target` once (atomically: a temporary file, then a rename)."""
    if target.is_file():
        return target
    try:
        import torch
        from transformers import AutoModel
        from transformers.utils import logging as hf_logging
    except ImportError as exc:  # pragma: no cover - both are dependencies
        raise ModelError(
            "导出 ONNX 需要 torch 与 transformers。", "exporting to ONNX needs torch and transformers."
        ) from exc
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        model = AutoModel.from_pretrained(str(folder)).eval()
        sample = {name: torch.ones((1, 8), dtype=torch.int64) for name in INPUTS}
        sample["token_type_ids"].zero_()
        axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"embedding": {0: "batch"}}
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            logging.getLogger("torch.onnx").setLevel(logging.ERROR)
            torch.onnx.export(
                _MeanPooled(model),
                tuple(sample[name] for name in INPUTS),
                str(tmp),
                input_names=list(INPUTS),
                output_names=["embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )
        os.replace(tmp, target)
    except Exception as exc:  # torch's exporter raises many kinds; all mean "cannot export"
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"无法把 {folder} 导出为 ONNX：{exc}。请设 QA_ENCODER=torch。",
            f"cannot export {folder} to ONNX: {exc}. Set QA_ENCODER=torch.",
        ) from exc
    return target


def quantize(source: Path, target: Path) -> Path:
    """Quantize the fp32 graph `source` to `target` once (atomically): int8 weights for every MatMul.

    Dynamic quantization (activations scaled per call, no calibration data), signed weights,
    per output channel, in 7 bits (reduce_range). On AVX2 without VNNI ONNX Runtime multiplies
    u8 × s8 with saturating 16-bit sums, which full 8-bit signed weights overflow (cosine 0.66
    to fp32 on real passages); 7 bits avoid that and keep that fast kernel, while unsigned
    weights avoid it with a slower u8 × u8 kernel (~20 % fewer passages per second). Per-tensor
    scales lose more (cosine 0.96). On m3e-small's passages and questions the int8 vectors stay
    within cosine 0.99 of fp32 (`tests/test_onnx.py` checks it; bench/encode.py measures speed).
    """
    if target.is_file():
        return target
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    disabled = logging.root.manager.disable
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        logging.disable(logging.WARNING)  # its advice to "pre-process" goes to the root logger
        quantize_dynamic(
            source,
            tmp,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=True,
            weight_type=QuantType.QInt8,
        )
        os.replace(tmp, target)
    except Exception as exc:  # onnx and onnxruntime raise many kinds; all mean "cannot quantize"
        tmp.unlink(missing_ok=True)
        raise ModelError(
            f"无法把 {source} 量化为 int8：{exc}。请设 QA_ENCODER=onnx（不量化）。",
            f"cannot quantize {source} to int8: {exc}. Set QA_ENCODER=onnx (no quantization).",
        ) from exc
    finally:
        logging.disable(disabled)
    return target


def _MeanPooled(model: Any) -> Any:  # noqa: N802 - builds a torch module class lazily (torch imported late)
    import torch

    class MeanPooled(torch.nn.Module):
        """BERT → mean over real tokens → unit length (what m3e's sentence-transformers pipeline does)."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return MeanPooled()
