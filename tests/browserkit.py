"""What the Chromium tests share: the browser's path and flags, free ports, starting Chromium, serving a
folder of pages, waiting for a server, and asking a question in the chat UI."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing and apt-get cannot install it here (not root or no apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and Path(CHROMIUM).exists(), f"apt-get install chromium failed: {done.stderr[-500:]}"


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def serve_folder(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """Serve `folder` on 127.0.0.1:`port` from a thread (a site of another origin); `shutdown()` stops it."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise AssertionError(f"qa serve exited: {server.stderr.read().decode()[-800:] if server.stderr else ''}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(1)
    raise AssertionError(f"{url} did not answer in 120 s")


def ask_in_chat(page: object, question: str) -> None:
    box = page.locator("#qa-input textarea")  # type: ignore[attr-defined]
    box.fill(question)
    box.press("Enter")
    # The answer has arrived when text follows the question and the "searching" line is gone.
    page.wait_for_function(  # type: ignore[attr-defined]
        """q => { const t = document.querySelector('#qa-chat').innerText;
                  return t.includes(q) && !t.includes('检索中') && t.split(q).pop().trim().length > 10; }""",
        arg=question,
        timeout=60000,
    )
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # the last cards stream in
