"""Where each benchmark writes its JSON: `bench/results/` is not in git, so a fresh clone has no such folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def save(path: str | Path, result: Any) -> Path:
    """Write `result` as JSON to `path`, making its folder first; returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out
