"""Seconds spent per named stage of a long job: where `qa index` spends its time (`qa index --timings`)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Stages:
    """Wall-clock seconds per stage name, summed over every time the stage ran.

    Stages do not nest: each second is counted once.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        """Time the `with` block as (part of) stage `name`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started


def summary(seconds: dict[str, float]) -> str:
    """Stages in one line, longest first: "encode 61.2 s · tokenize 9.8 s · …"."""
    order = sorted(seconds.items(), key=lambda kv: -kv[1])
    return " · ".join(f"{name} {value:.1f} s" for name, value in order)
