"""Run `qa` in a real child process that announces each step of an index build, so a test can kill it there.

The child runs `WRAPPER`: the fake encoder stands in for the model, and the
build folder's writes (passages.jsonl, the manifest), fsyncs, renames and the `current` swap each print a
line `STAGE before …` / `STAGE after …` (flushed) to stdout. When a stage
matches the `pause` pattern the child holds there until the test releases it
(or kills it), so that a SIGKILL sent on seeing that line lands exactly
between two steps, however slow the machine.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from qa.search.encoder import HashEncoder

REPO = Path(__file__).resolve().parent.parent
MODEL = HashEncoder(dim=64).name  # "hash-encoder-64": what every index here is built with

WRAPPER = r"""
import os, re, sys, time
from pathlib import Path

from qa.search import builds, encoder
from qa.search.encoder import HashEncoder
from qa.search.index import Passages

PAUSE = re.compile(os.environ.get("CRASH_PAUSE") or r"(?!)")
GO = os.environ.get("CRASH_GO", "")  # the test creates this file to let a paused child go on
PAUSE_SECONDS = float(os.environ.get("CRASH_PAUSE_SECONDS") or "120")


def stage(label):
    print("STAGE " + label, flush=True)
    if PAUSE.search(label):
        deadline = time.monotonic() + PAUSE_SECONDS
        while not os.path.exists(GO) and time.monotonic() < deadline:
            time.sleep(0.02)


class AnnouncingEncoder(HashEncoder):
    def encode(self, texts, *, progress=False):
        stage(f"before encode {len(texts)}")
        return super().encode(texts, progress=progress)


def from_qa():
    # os.rename & co. are patched for the whole process: announce only the calls made by qa itself
    frame = sys._getframe(2)
    for _ in range(3):
        if frame is None:
            return False
        if frame.f_globals.get("__name__", "").startswith("qa."):
            return True
        frame = frame.f_back
    return False


def announce(name, real, paths, only_qa):
    def wrapper(*args, **kwargs):
        if only_qa and not from_qa():
            return real(*args, **kwargs)
        label = name + " " + " -> ".join(Path(a).name for a in args[:paths])
        stage("before " + label)
        result = real(*args, **kwargs)
        stage("after " + label)
        return result
    return wrapper


encoder.ENCODERS["hash"] = (lambda settings: AnnouncingEncoder(dim=64), lambda settings: AnnouncingEncoder(dim=64).name)
os.environ["QA_ENCODER"] = "hash"  # the registered fake encoder, announcing each call
builds._write_text = announce("write", builds._write_text, 1, False)


def announced_save(self, folder, real=Passages.save):  # a part saving itself, the first of several
    stage("before write " + Passages.FILE)
    names = real(self, folder)
    stage("after write " + Passages.FILE)
    return names


Passages.save = announced_save
builds._fsync = announce("fsync", builds._fsync, 1, False)
for name in ("rename", "replace", "symlink"):
    setattr(os, name, announce(name, getattr(os, name), 2, True))

from qa.cli import main

stage("main")
code = main(sys.argv[1:])
stage(f"exit {code}")
sys.exit(code)
"""


_started: list[Child] = []
_numbers = itertools.count()


class Child:
    """A wrapped `qa …` process whose stdout and stderr lines are collected (with arrival times) as they come."""

    def __init__(self, argv: list[str], cwd: Path, pause: str = "", pause_seconds: float = 120.0) -> None:
        """Start `qa argv`; stages matching the regex `pause` hold until `release()` (at most `pause_seconds`)."""
        self.argv = argv
        self.go = cwd / f".go-{next(_numbers)}-{os.getpid()}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
        env.update(
            PYTHONPATH=str(REPO),
            PYTHONUNBUFFERED="1",
            CRASH_PAUSE=pause,
            CRASH_GO=str(self.go),
            CRASH_PAUSE_SECONDS=str(pause_seconds),
            HF_HUB_OFFLINE="1",
            GRADIO_ANALYTICS_ENABLED="False",
        )
        self.popen = subprocess.Popen(
            [sys.executable, "-c", WRAPPER, *argv],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        _started.append(self)
        self.lines: list[tuple[float, str]] = []  # stdout
        self.err_lines: list[str] = []
        self.timed_out = False
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.popen.stdout, self.lines, True), daemon=True),
            threading.Thread(target=self._read, args=(self.popen.stderr, self.err_lines, False), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: IO[str], sink: list, timed: bool) -> None:
        for line in stream:
            with self._changed:
                sink.append((time.monotonic(), line.rstrip("\n")) if timed else line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    @property
    def err(self) -> str:
        """Stderr so far."""
        return "\n".join(self.err_lines)

    @property
    def stages(self) -> list[str]:
        """The stages announced so far, in order."""
        return [line[len("STAGE ") :] for _, line in list(self.lines) if line.startswith("STAGE ")]

    def when(self, pattern: str) -> list[float]:
        """Arrival times of the stages matching the regex `pattern`."""
        return [t for t, line in list(self.lines) if line.startswith("STAGE ") and re.search(pattern, line[6:])]

    def wait_until(self, done: Callable[[], bool], what: str, timeout: float = 120.0) -> bool:
        """Block until `done()`; False if the child's output ends first (TimeoutError after `timeout`)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done():
                if not any(reader.is_alive() for reader in self._readers):
                    return done()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{what} not seen within {timeout} s\n{self.report()}")
                self._changed.wait(0.05)
        return True

    def wait_for(self, pattern: str, nth: int = 1) -> bool:
        """Block until the `nth` stage matching the regex `pattern` appears; False if the child ends first."""
        return self.wait_until(lambda: len(self.when(pattern)) >= nth, f"stage {pattern!r} #{nth}")

    def wait_err(self, pattern: str) -> bool:
        """Block until a stderr line matches the regex `pattern`; False if the child ends first."""
        return self.wait_until(lambda: any(re.search(pattern, e) for e in self.err_lines), f"stderr {pattern!r}")

    def release(self) -> None:
        """Let a child held at a `pause` stage go on."""
        self.go.touch()

    def kill(self) -> None:
        """SIGKILL: no handler, no cleanup, no atexit."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)

    def finish(self, timeout: float = 120.0) -> int:
        """Wait for the end and return the exit code (-9 when killed); after `timeout`, kill it and say so."""
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            self.kill()
            self.popen.wait()
        for reader in self._readers:
            reader.join(10)
        return self.popen.returncode

    def report(self) -> str:
        """What the child said, for assertion messages."""
        code = f"killed after a timeout ({self.popen.returncode})" if self.timed_out else self.popen.returncode
        return f"qa {' '.join(self.argv)}\nexit {code}\nstages {self.stages}\nstderr {self.err[-2000:]}"


def reap() -> None:
    """Kill and wait for every child still running (after a failed test)."""
    while _started:
        child = _started.pop()
        child.kill()
        child.popen.wait()


def free_ports(n: int) -> list[int]:
    """`n` distinct TCP ports that nothing listens on right now."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def listening(port: int) -> bool:
    """Whether something accepts connections on 127.0.0.1:`port`."""
    with socket.socket() as s:
        s.settimeout(1.0)
        return s.connect_ex(("127.0.0.1", port)) == 0
