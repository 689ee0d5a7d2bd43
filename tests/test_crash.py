"""The index is never lost or broken: kill -9 during `qa index`, damaged files at load, two builds at once.

Each `qa` under test runs in a real child process (`crashkit.Child`) with the
fake encoder; the state a crash leaves behind is then checked here, in-process.
Scenario: an index of corpus v1 exists, the corpus becomes v2 (one document
deleted, one changed, one added), and `qa index` is killed while indexing v2.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from crashkit import MODEL, Child, free_ports, listening, reap
from helpers import write

from qa.cli import main
from qa.search import builds

V1 = {
    "a.txt": "临邑县图书馆延长开放时间\n\n临邑县图书馆自三月起每天开放到晚上九点，周末照常开放。\n",
    "b.txt": "禹城市公交新增线路\n\n禹城市公交公司新开通了十二路公交车，连接高铁站和市民中心。\n",
    "c.txt": "平原县举办西瓜节\n\n平原县第五届西瓜节在王凤楼镇举行，展出西瓜品种三十多个。\n",
}
V2 = {
    "b.txt": "禹城市公交新增线路\n\n禹城市公交公司新开通了十五路公交车，连接高铁站和体育中心。\n",
    "c.txt": V1["c.txt"],
    "d.txt": "夏津县椹果采摘季开幕\n\n夏津县黄河故道古桑树群椹果采摘季开幕，游客可免费品尝桑椹。\n",
}
QUESTION, ANSWER = "平原县西瓜节展出了多少个西瓜品种？", "三十多个"  # c.txt, the same in v1 and v2
KILL = -signal.SIGKILL


@dataclass(frozen=True)
class Snapshot:
    """What an index holds: (path, text) of every document and of every passage."""

    documents: frozenset[tuple[str, str]]
    passages: tuple[tuple[str, str], ...]


def snapshot(index_dir: Path) -> Snapshot:
    """Load the index the way `qa ask` does (every checksum verified) and describe its content."""
    index = builds.load(index_dir, model=MODEL)
    for p in index.passages:  # each passage quotes its own document: no part from another version
        assert index.documents[p.doc_id].text[p.start : p.end] == p.text, p
    paths = {doc_id: d.path for doc_id, d in index.documents.items()}
    return Snapshot(
        frozenset((d.path, d.text) for d in index.documents.values()),
        tuple(sorted((paths[p.doc_id], p.text) for p in index.passages)),
    )


def qa_here(argv: list[str]) -> tuple[int, str, str]:
    """Run `qa argv` in this process with the fake encoder; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QA_ENCODER", "hash")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _no_child_left():
    yield
    reap()  # a failed test may leave children held at a stage


def leftovers(index_dir: Path) -> list[str]:
    """Temporary folders and links of unfinished builds."""
    hidden = [p for p in (index_dir / "builds").iterdir() if p.name.startswith(".")]
    return sorted(p.name for p in [*hidden, *index_dir.glob(".current-*")])


@dataclass(frozen=True)
class Scene:
    """A test's own corpus folder and index folder (see `Versions.scene`)."""

    corpus: Path
    index: Path

    def argv(self, command: str = "index", *more: str) -> list[str]:
        return [command, "--corpus", str(self.corpus), "--index", str(self.index), "--model", MODEL, *more]


@dataclass(frozen=True)
class Versions:
    """Corpus v1 and its index, the starting point of every scene; what v1 and v2 look like indexed."""

    corpus_v1: Path
    index_v1: Path
    v1: Snapshot
    v2: Snapshot

    def scene(self, folder: Path, *, change: bool = True) -> Scene:
        """A copy of corpus v1 and its index under `folder`, then the corpus changed to v2 (if `change`)."""
        scene = Scene(folder / "corpus", folder / "index")
        shutil.copytree(self.corpus_v1, scene.corpus)
        shutil.copytree(self.index_v1, scene.index, symlinks=True)
        if change:
            os.remove(scene.corpus / "a.txt")
            for name in ("b.txt", "d.txt"):
                write(scene.corpus / name, V2[name])
        return scene


@pytest.fixture(scope="module")
def versions(tmp_path_factory) -> Versions:
    """Index v1 (kept as the starting point of every scene) and both versions as indexed from scratch."""
    root = tmp_path_factory.mktemp("versions")
    snaps = []
    for name, docs in (("v1", V1), ("v2", V2)):
        scene = Scene(root / f"corpus-{name}", root / f"index-{name}")
        for file, text in docs.items():
            write(scene.corpus / file, text)
        code, _, err = qa_here(scene.argv())
        assert code == 0, err
        snaps.append(snapshot(scene.index))
    assert {p for p, _ in snaps[0].documents} == set(V1) and {p for p, _ in snaps[1].documents} == set(V2)
    return Versions(root / "corpus-v1", root / "index-v1", *snaps)


def assert_next_run_recovers(scene: Scene, versions: Versions) -> None:
    """`qa index` after the crash succeeds, gives v2, and leaves no temporary folder behind."""
    code, out, err = qa_here(scene.argv())
    assert code == 0, err
    assert snapshot(scene.index) == versions.v2
    assert leftovers(scene.index) == [], out


@pytest.fixture(scope="module")
def full_run(versions, tmp_path_factory) -> Child:
    """One wrapped `qa index` of v2 left to finish: the control run, whose stages random kills pick from."""
    scene = versions.scene(tmp_path_factory.mktemp("full"))
    child = Child(scene.argv(), cwd=scene.corpus.parent)
    assert child.finish() == 0, child.report()
    assert snapshot(scene.index) == versions.v2
    return child


def test_wrapped_index_announces_every_stage_in_order(full_run):
    order = [r"^main$", r"^before encode", r"^before write passages\.jsonl$", r"^before write manifest\.json$",
             r"^after rename \.tmp-", r"^after replace \S+ -> current$", r"^exit 0$"]  # fmt: skip
    seen = [next((i for i, s in enumerate(full_run.stages) if re.search(p, s)), None) for p in order]
    assert None not in seen and seen == sorted(seen), full_run.stages


STAGES = {  # where to kill `qa index` of v2 → what the index must then be
    "encoding": (r"^before encode", "v1"),
    "half-the-parts-written": (r"^after write passages\.jsonl$", "v1"),
    "parts-written-no-manifest": (r"^before write manifest\.json$", "v1"),
    "renamed-not-current": (r"^after rename \.tmp-", "v1"),
    "new-link-not-swapped": (r"^after symlink ", "v1"),
    "swapped-not-pruned": (r"^after replace \S+ -> current$", "v2"),
}
RANDOM_KILLS = 3
NO_MANIFEST = STAGES["parts-written-no-manifest"][0]


@dataclass
class Kill:
    """A wrapped `qa index`, killed when the `nth` stage matching `stage` appears (plus `delay` seconds)."""

    scene: Scene
    child: Child
    stage: str
    nth: int = 1
    delay: float = 0.0

    def run(self) -> None:
        if self.child.wait_for(self.stage, self.nth):
            time.sleep(self.delay)
            self.child.kill()
        self.child.finish()


@pytest.fixture(scope="module")
def kills(versions, full_run, tmp_path_factory) -> dict[str, Kill]:
    """Every kill, side by side: one held at each of STAGES; a few not held, killed a random 0–30 ms
    after a random stage of the control run (wherever that lands); and a `--rebuild` of an unchanged corpus."""

    def start(name: str, stage: str, pause: str, nth: int = 1, delay: float = 0.0, rebuild: bool = False) -> Kill:
        scene = versions.scene(tmp_path_factory.mktemp(name), change=not rebuild)
        argv = scene.argv("index", "--rebuild") if rebuild else scene.argv()
        return Kill(scene, Child(argv, cwd=scene.corpus.parent, pause=pause), stage, nth, delay)

    found = {name: start(name, stage, pause=stage) for name, (stage, _) in STAGES.items()}
    rng = random.Random(20261122)
    for n in range(RANDOM_KILLS):
        nth, delay = rng.randrange(1, len(full_run.stages)), rng.uniform(0, 0.03)
        found[f"random-{n}"] = start(f"random-{n}", r".", pause="", nth=nth, delay=delay)
    found["rebuild"] = start("rebuild", NO_MANIFEST, pause=NO_MANIFEST, rebuild=True)
    with ThreadPoolExecutor(len(found)) as pool:
        list(pool.map(Kill.run, found.values()))
    return found


@pytest.mark.parametrize("name", STAGES)
def test_kill_at_a_stage_leaves_a_whole_index(kills, versions, name):
    stage, expected = STAGES[name]
    kill = kills[name]
    assert kill.child.popen.returncode == KILL, kill.child.report()
    assert re.search(stage, kill.child.stages[-1]), kill.child.report()  # it died right there, not later
    assert snapshot(kill.scene.index) == getattr(versions, expected)
    assert_next_run_recovers(kill.scene, versions)


@pytest.mark.parametrize("n", range(RANDOM_KILLS))
def test_kill_at_a_random_moment_leaves_v1_or_v2(kills, versions, n):
    kill = kills[f"random-{n}"]
    assert kill.child.popen.returncode in (KILL, 0), kill.child.report()
    where = f"killed {kill.delay * 1000:.0f} ms after stage #{kill.nth}; last stages {kill.child.stages[-3:]}"
    assert snapshot(kill.scene.index) in (versions.v1, versions.v2), where
    assert_next_run_recovers(kill.scene, versions)


def test_killed_rebuild_leaves_no_temporary_folder_after_the_next_run(kills, versions):
    kill = kills["rebuild"]  # `qa index --rebuild` of the unchanged v1 corpus, killed before its manifest
    assert kill.child.popen.returncode == KILL, kill.child.report()
    assert snapshot(kill.scene.index) == versions.v1
    code, out, err = qa_here(kill.scene.argv())
    assert code == 0, err
    assert snapshot(kill.scene.index) == versions.v1
    assert leftovers(kill.scene.index) == [], out


def test_second_index_waits_for_the_first(versions, tmp_path):
    scene = versions.scene(tmp_path)
    first = Child(scene.argv(), cwd=tmp_path, pause=r"^before encode")
    assert first.wait_for(r"^before encode"), first.report()  # holding the lock, and held there
    second = Child(scene.argv("index", "--rebuild"), cwd=tmp_path)
    assert second.wait_err("等待|waiting"), second.report()
    time.sleep(0.5)
    assert second.stages == ["main"], second.report()  # it really waits: it does not read, encode or write
    first.release()
    assert first.finish() == 0, first.report()
    assert second.finish() == 0, second.report()
    assert first.when(r"^exit")[0] < min(second.when(r"^before (write|rename|replace)")), second.report()
    assert snapshot(scene.index) == versions.v2
    assert leftovers(scene.index) == []


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _flip_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x20
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated": ("vectors.faiss", _truncate),
    "byte-flipped": ("passages.jsonl", _flip_a_byte),
    "deleted": ("documents.json", os.remove),
    "garbage-manifest": ("manifest.json", lambda p: p.write_text("这不是 JSON {", encoding="utf-8")),
}


@dataclass
class Damaged:
    scene: Scene
    path: Path  # the damaged file as the message must name it
    ask: Child
    serve: Child
    port: int
    listened: bool = False


@pytest.fixture(scope="module")
def damaged(versions, tmp_path_factory) -> dict[str, Damaged]:
    """Index v1 damaged four ways; `qa ask` and `qa serve` started on each, all at once, and waited for."""
    cases = {}
    for (kind, (name, damage)), port in zip(DAMAGE.items(), free_ports(len(DAMAGE))):
        scene = versions.scene(tmp_path_factory.mktemp(kind), change=False)
        path = (scene.index / "current").resolve() / name
        damage(path)
        ask = Child(scene.argv("ask", QUESTION), cwd=scene.corpus.parent)
        serve = Child(scene.argv("serve", "--port", str(port)), cwd=scene.corpus.parent)
        cases[kind] = Damaged(scene, path, ask, serve, port)
    deadline = time.monotonic() + 120  # only against a server that does start: these end in seconds
    while time.monotonic() < deadline and any(c.serve.popen.poll() is None for c in cases.values()):
        for case in cases.values():
            case.listened = case.listened or listening(case.port)
        time.sleep(0.2)
    for case in cases.values():
        case.ask.finish(timeout=10)
        case.serve.finish(timeout=1)  # still running: killed, and its test fails
    return cases


def _names_file_and_fix(child: Child, path: Path) -> None:
    assert "Traceback" not in child.err, child.report()
    assert str(path) in child.err and "qa index --rebuild" in child.err, child.report()


@pytest.mark.parametrize("kind", DAMAGE)
def test_ask_refuses_a_damaged_index_naming_the_file(damaged, kind):
    case = damaged[kind]
    assert case.ask.popen.returncode == 1, case.ask.report()
    _names_file_and_fix(case.ask, case.path)
    assert ANSWER not in "\n".join(line for _, line in case.ask.lines)


@pytest.mark.parametrize("kind", DAMAGE)
def test_serve_refuses_to_start_on_a_damaged_index(damaged, kind):
    case = damaged[kind]
    assert case.serve.popen.returncode == 1, case.serve.report()
    _names_file_and_fix(case.serve, case.path)
    assert not case.listened and not listening(case.port)
    assert not any("http://" in line for _, line in case.serve.lines), case.serve.report()


@pytest.mark.parametrize("kind", DAMAGE)
def test_rebuild_repairs_a_damaged_index(damaged, versions, kind):
    scene = damaged[kind].scene
    code, _, err = qa_here(scene.argv("index", "--rebuild"))
    assert code == 0, err
    assert snapshot(scene.index) == versions.v1
    code, out, err = qa_here(scene.argv("ask", "--json", QUESTION))
    assert code == 0, err
    answer = json.loads(out)
    assert answer["answered"] and ANSWER in answer["passages"][0]["quote"]
