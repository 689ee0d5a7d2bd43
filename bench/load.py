"""A bounded load test of /api/ask on loopback, steady and with an index reload halfway.

    .venv/bin/python bench/load.py                 # 20 clients × 60 s per phase, bundled corpus/
    .venv/bin/python bench/load.py --distractors eval/distractors/inews-devtest

Copies the corpus to a temporary folder, runs `qa index` on it (the real
model), starts `qa serve` there with QA_RATE_LIMIT=0 and a random admin token,
then runs two phases of N clients each asking questions from
eval/seed_qa.jsonl in a loop. In the "reload" phase, halfway through, one
document is added and one deleted, `qa index` updates the index in its own
process and POST /api/admin/reload swaps it in; afterwards the new document
must come first for its question and the deleted one must no longer be quoted.
The load goes on for at least a quarter of the duration after the reload, so
the phase runs longer than --duration when `qa index` is slow.
Prints one table, writes bench/results/load.json; exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent

# A made-up article, added during the reload phase: no other document mentions 星湖县.
NEW_NAME = "zz_load_bench_new.txt"
NEW_DOC = """星湖县档案馆完成馆藏档案数字化工程

本报讯 星湖县档案馆馆藏档案数字化工程日前通过验收。该工程历时两年，共完成纸质档案扫描一百二十万页，建成县级数字档案室。

据介绍，工程负责人是档案馆副馆长柯望舒。她带领十二人的团队，对一九四九年以来的文书档案和照片档案逐卷整理，并为每一卷编制了目录索引。

下一步，星湖县档案馆将开通线上查档服务，群众通过政务服务网预约即可查阅档案，无需再往返县城。
"""
NEW_QUESTION = "星湖县档案馆数字化工程的负责人是谁？"


@dataclass
class Load:
    """N client threads asking questions in a loop until stopped; every request is recorded."""

    url: str
    questions: list[str]
    clients: int
    samples: list[tuple[float, float]] = field(default_factory=list)  # (done at, latency s), successes
    failures: list[tuple[float, str]] = field(default_factory=list)  # (done at, what went wrong)
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Start the clients (daemon threads, so an interrupted run never waits for them)."""
        self.started = time.perf_counter()
        for i in range(self.clients):
            t = threading.Thread(target=self._client, args=(i,), daemon=True)
            t.start()
            self._threads.append(t)

    def stop(self) -> float:
        """Stop after the requests in flight; returns the seconds from start to the last answer."""
        self._stop.set()
        for t in self._threads:
            t.join()
        last = max([s[0] for s in self.samples] + [f[0] for f in self.failures], default=self.started)
        return last - self.started

    def _client(self, i: int) -> None:
        rng = random.Random(i)
        # trust_env=False: a proxy set in the environment must not sit between us and loopback.
        with httpx.Client(base_url=self.url, timeout=120, trust_env=False) as client:
            while not self._stop.is_set():
                sent = time.perf_counter()
                problem = ask_problem(client, rng.choice(self.questions))
                done = time.perf_counter()
                if problem is None:
                    self.samples.append((done, done - sent))  # list.append is atomic under the GIL
                else:
                    self.failures.append((done, problem))

    def between(self, a: float, b: float) -> dict[str, Any]:
        """Requests answered between two perf_counter times: count, failures, slowest (ms)."""
        inside = [lat for t, lat in self.samples if a <= t <= b]
        return {
            "requests": len(inside),
            "errors": sum(a <= t <= b for t, _ in self.failures),
            "max_ms": round(max(inside) * 1000, 1) if inside else None,
        }


def ask_problem(client: httpx.Client, question: str) -> str | None:
    """POST /api/ask; None when the answer is a 200 with the JSON contract, else what went wrong."""
    try:
        r = client.post("/api/ask", json={"question": question})
        if r.status_code == 200 and "passages" in r.json():
            return None
        return f"HTTP {r.status_code}: {r.text[:300]}"
    except (httpx.HTTPError, ValueError) as exc:  # ValueError: a body that is not JSON
        return f"{type(exc).__name__}: {exc}"


def summary(name: str, load: Load, seconds: float) -> dict[str, Any]:
    """One row of the table."""
    ms = sorted(lat * 1000 for _, lat in load.samples)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "phase": name,
        "clients": load.clients,
        "seconds": round(seconds, 1),
        "requests": len(ms) + len(load.failures),
        "errors": len(load.failures),
        "throughput": round(len(ms) / seconds, 2) if seconds else 0.0,
        "p50_ms": round(cuts[49], 1) if cuts else None,
        "p95_ms": round(cuts[94], 1) if cuts else None,
        "p99_ms": round(cuts[98], 1) if cuts else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "first_errors": [f[1] for f in load.failures[:5]],
    }


class Server:
    """`qa serve` in a child process, stopped on exit whatever happens."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        """Start it. Args: env: its environment. port: where it listens. log: its stdout and stderr."""
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self._out = log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qa", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )

    def wait_ready(self, timeout: float = 600) -> dict[str, Any]:
        """Poll /api/health until it answers; returns its body."""
        deadline = time.monotonic() + timeout
        with httpx.Client(base_url=self.url, timeout=5, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"qa serve exited with {self.proc.returncode}:\n{self.tail()}")
                try:
                    r = client.get("/api/health")
                    if r.status_code == 200:
                        return dict(r.json())
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
        raise RuntimeError(f"qa serve not ready after {timeout:.0f} s:\n{self.tail()}")

    def proc_status(self, key: str) -> float | None:
        """A memory figure from /proc/<pid>/status in MB (VmHWM: peak resident), None off Linux."""
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith(key + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def tail(self, lines: int = 30) -> str:
        """The end of the server's log."""
        self._out.flush()
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """Ctrl-C first (uvicorn finishes requests in flight), then harder."""
        for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        self._out.close()


def _die_with_parent() -> None:
    """In the child: get SIGTERM if this script dies, even by SIGKILL, so no server is left behind."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def qa_index(env: dict[str, str]) -> float:
    """Run `qa index` (build or incremental update) in its own process; returns its seconds."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "qa", "index"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"qa index failed ({done.returncode}):\n{done.stderr[-2000:]}")
    print(f"  {done.stdout.strip()}", flush=True)
    return time.perf_counter() - started


def copy_corpus(corpus: Path, distractors: Path | None, work: Path) -> Path:
    """A writable copy of the corpus (distractors in a subfolder) under `work`."""
    target = work / "corpus"
    shutil.copytree(corpus, target, copy_function=shutil.copyfile)
    if distractors is not None:
        shutil.copytree(distractors, target / "distractors" / distractors.name, copy_function=shutil.copyfile)
    for folder in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        folder.chmod(0o755)  # copytree copies folder modes, and a read-only source stays read-only
    return target


def pick_victim(corpus: Path, seed: list[dict[str, str]]) -> tuple[str, list[str]]:
    """The document to delete (the top-level one with most seed questions) and questions it answers."""
    by_doc: dict[str, list[str]] = {}
    for item in seed:
        if (corpus / item["doc"]).is_file():
            by_doc.setdefault(item["doc"], []).append(item["question"])
    if by_doc:
        doc = max(sorted(by_doc), key=lambda d: len(by_doc[d]))
        return doc, by_doc[doc][:3]
    doc = sorted(p.name for p in corpus.iterdir() if p.suffix == ".txt")[0]
    return doc, [(corpus / doc).read_text(encoding="utf-8").strip().splitlines()[0][:100]]  # its title


def first_paths(client: httpx.Client, question: str) -> list[str]:
    """Source paths of the passages returned for `question`, best first."""
    r = client.post("/api/ask", json={"question": question})
    r.raise_for_status()
    return [p["source"]["path"] for p in r.json()["passages"]]


def reload_phase(server: Server, load: Load, env: dict[str, str], corpus: Path, victim: tuple[str, list[str]],
                 token: str, duration: float) -> dict[str, Any]:  # fmt: skip
    """Run `load` for `duration` s; halfway, change the corpus, update the index and reload it."""
    doc, probes = victim
    out: dict[str, Any] = {"added": NEW_NAME, "deleted": doc}
    with httpx.Client(base_url=server.url, timeout=300, trust_env=False) as client:
        out["deleted_first_before"] = all(first_paths(client, q)[:1] == [doc] for q in probes)
        load.start()
        time.sleep(max(0.0, load.started + duration / 2 - time.perf_counter()))
        (corpus / NEW_NAME).write_text(NEW_DOC, encoding="utf-8")
        (corpus / doc).unlink()
        t0 = time.perf_counter()
        out["index_s"] = round(qa_index(env), 1)
        t1 = time.perf_counter()
        r = client.post("/api/admin/reload", headers={"Authorization": f"Bearer {token}"})
        t2 = time.perf_counter()
        out.update(reload_status=r.status_code, reload_body=r.json(), reload_s=round(t2 - t1, 2))
        out["during_index"] = load.between(t0, t1)
        out["during_reload"] = load.between(t1, t2)
        new_paths = first_paths(client, NEW_QUESTION)
        out["new_first_after"] = new_paths[:1] == [NEW_NAME]
        out["deleted_quoted_after"] = any(doc in first_paths(client, q) for q in probes)
        out["probes"] = {"new": NEW_QUESTION, "deleted": probes}
        # Keep the load on for a while after the swap even when `qa index` ran past the phase's end.
        time.sleep(max(0.0, load.started + duration - time.perf_counter(), t2 + duration / 4 - time.perf_counter()))
        out["after_reload"] = load.between(t2, time.perf_counter() + 300)
    return out


def table(rows: list[dict[str, Any]], reload: dict[str, Any]) -> str:
    """The printed report: one row per phase, then the reload timing."""
    lines = [
        "| phase | clients | seconds | requests | errors | req/s | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ("phase", "clients", "seconds", "requests", "errors", "throughput", "p50_ms", "p95_ms", "p99_ms", "max_ms")
    lines += ["| " + " | ".join(str(row[k]) for k in keys) + " |" for row in rows]
    di, dr = reload["during_index"], reload["during_reload"]
    lines += [
        "",
        f"reload: `qa index` update {reload['index_s']} s ({di['requests']} requests answered meanwhile, "
        f"{di['errors']} failed, slowest {di['max_ms']} ms); POST /api/admin/reload {reload['reload_status']} "
        f"in {reload['reload_s']} s ({dr['requests']} answered meanwhile, {dr['errors']} failed, slowest "
        f"{dr['max_ms']} ms); after it {reload['after_reload']['requests']} answered, "
        f"{reload['after_reload']['errors']} failed",
        f"after reload: new document first: {reload['new_first_after']} · deleted document still quoted: "
        f"{reload['deleted_quoted_after']} (it came first before: {reload['deleted_first_before']})",
    ]
    return "\n".join(lines)


def passed(rows: list[dict[str, Any]], reload: dict[str, Any]) -> bool:
    """Zero failed requests, a 200 reload, and the reload visible in the answers."""
    return (
        all(row["errors"] == 0 for row in rows)
        and reload["reload_status"] == 200
        and reload["new_first_after"]
        and not reload["deleted_quoted_after"]
    )


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    """Index a copy of the corpus, serve it, run the steady and the reload phase, report."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    p.add_argument("--duration", type=float, default=60, help="seconds per phase (default 60)")
    p.add_argument("--corpus", default=str(ROOT / "corpus"), help="corpus to copy (default corpus/)")
    p.add_argument("--distractors", help="extra documents indexed too, e.g. eval/distractors/inews-devtest")
    p.add_argument("--questions", default=str(ROOT / "eval" / "seed_qa.jsonl"), help="jsonl with a question field")
    p.add_argument("--out", default=str(ROOT / "bench" / "results" / "load.json"))
    p.add_argument("--port", type=int, default=0, help="server port (default: a free one)")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the `finally` below on kill too

    seed = [json.loads(line) for line in Path(args.questions).read_text(encoding="utf-8").splitlines() if line.strip()]
    token = secrets.token_hex(16)
    load_before = round(os.getloadavg()[0], 2)  # the machine may be shared: say how busy it was
    with tempfile.TemporaryDirectory(prefix="qa-load-") as tmp:
        work = Path(tmp)
        corpus = copy_corpus(Path(args.corpus), Path(args.distractors) if args.distractors else None, work)
        env = dict(os.environ, QA_CORPUS=str(corpus), QA_INDEX=str(work / "index"), QA_RATE_LIMIT="0",
                   QA_ADMIN_TOKEN=token, GRADIO_ANALYTICS_ENABLED="False")  # fmt: skip
        print(f"indexing a copy of {args.corpus} in {work}", flush=True)
        build_s = qa_index(env)
        victim = pick_victim(corpus, seed)
        server = Server(env, args.port or free_port(), work / "server.log")
        try:
            health = server.wait_ready()
            print(f"serving {health['documents']} documents, {health['passages']} passages at {server.url}", flush=True)
            questions = [item["question"] for item in seed]
            steady = Load(server.url, questions, args.clients)
            steady.start()
            time.sleep(args.duration)
            rows = [summary("steady", steady, steady.stop())]
            print(f"steady: {rows[0]['requests']} requests, {rows[0]['errors']} errors", flush=True)
            rss_steady = server.proc_status("VmHWM")
            moving = Load(server.url, questions, args.clients)
            reload = reload_phase(server, moving, env, corpus, victim, token, args.duration)
            rows.append(summary("reload", moving, moving.stop()))
            rss_peak = server.proc_status("VmHWM")
        except BaseException:
            print(f"--- server log (tail) ---\n{server.tail()}", file=sys.stderr)
            raise
        finally:
            server.stop()
    print()
    print(table(rows, reload))
    print(f"\nserver peak RSS {rss_peak} MB (after steady phase {rss_steady} MB) · index build {build_s:.1f} s")
    report = {
        "command": shlex.join(sys.orig_argv),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "loadavg_1m_at_start": load_before,
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "corpus": {"source": args.corpus, "distractors": args.distractors, **health},
        "index_build_s": round(build_s, 1),
        "phases": rows,
        "reload": reload,
        "server_peak_rss_mb": {"after_steady": rss_steady, "after_reload": rss_peak},
        "passed": passed(rows, reload),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}" + ("" if report["passed"] else " · FAILED: see errors / reload above"))
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except KeyboardInterrupt:  # the server was stopped on the way out
        print("interrupted", file=sys.stderr)
        raise SystemExit(130) from None
