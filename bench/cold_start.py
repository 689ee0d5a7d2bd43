"""Cold start: process start → first answer, on the bundled corpus with its index already built.

    .venv/bin/python bench/cold_start.py            # 3 runs each of `qa ask` and `qa serve`

`qa ask`: wall time of `python -m qa ask QUESTION --json` until it exits with
the answer. `qa serve`: from spawning `python -m qa serve` until the first
POST /api/ask returns 200 (the server loads the index and the model and warms
up before it listens). The index is built first if needed (not timed).
Prints one table (medians, min, max), writes bench/results/cold_start.json.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from report import save

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "庆云县检察院什么时候自主研发了电子送达平台？"


def qa(*args: str) -> list[str]:
    return [sys.executable, "-m", "qa", *args]


def ask_once() -> float:
    started = time.perf_counter()
    done = subprocess.run(qa("ask", QUESTION, "--json"), capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or not json.loads(done.stdout)["passages"]:
        raise SystemExit(f"qa ask failed: {done.stderr}")
    return elapsed


def serve_once() -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = time.perf_counter()
    server = subprocess.Popen(
        qa("serve", "--port", str(port)), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        with httpx.Client(timeout=30, trust_env=False) as client:
            while True:
                if server.poll() is not None:
                    raise SystemExit(f"qa serve exited: {server.stderr.read().decode() if server.stderr else ''}")
                try:
                    r = client.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION})
                    if r.status_code == 200:
                        return time.perf_counter() - started
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    built = subprocess.run(qa("index"), capture_output=True, text=True, cwd=ROOT)
    if built.returncode != 0:
        raise SystemExit(built.stderr)
    times = {
        "qa ask": [ask_once() for _ in range(runs)],
        "qa serve → first /api/ask": [serve_once() for _ in range(runs)],
    }
    print(f"cold start, {runs} runs each, bundled corpus, index built")
    print("| path | median s | min s | max s |")
    print("|---|---|---|---|")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts):.2f} | {min(ts):.2f} | {max(ts):.2f} |")
    out = ROOT / "bench" / "results" / "cold_start.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "command": " ".join(["python", *sys.argv]),
        "seconds": {k: [round(t, 2) for t in v] for k, v in times.items()},
        "encoder": os.environ.get("QA_ENCODER", "auto"),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average": list(os.getloadavg()),
    }
    save(out, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
