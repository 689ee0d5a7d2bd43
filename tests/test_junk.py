"""A corpus folder full of junk: every bad entry is skipped once with a reason, the good files still load.

Junk: an empty file, binary bytes and a PNG under text names, a symlink loop, a
dangling symlink, a FIFO named x.txt (reading it would block forever), an
unreadable file, HTML with scripts and styles, and a 10,000-line file.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import shutil
import signal
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import SEED_DIR, write

from qa.ingest.chunk import chunk
from qa.ingest.corpus import fingerprint, load_corpus

SEED = sorted(p.name for p in SEED_DIR.glob("*.txt"))
NESTED = "夏津县检察院开展普法进校园\n\n夏津县检察院干警走进第三实验小学，为六百名学生讲授防范校园欺凌知识。\n"
PAGE = """<!doctype html><html><head><title>宁津县法院启用智慧法庭</title>
<style>body { color: red } .secret::after { content: "样式里的秘密" }</style>
<script>var secret = "脚本里的秘密"; document.write("<p>脚本写出的段落</p>");</script></head>
<body><h1>宁津县法院启用智慧法庭</h1>
<p>宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像，当事人可远程出庭。</p>
<script type="text/javascript">
  window.track = function () { return "统计脚本内容"; };
</script>
<p>智慧法庭启用以来，已有四十余起案件通过远程方式开庭审理。</p></body></html>
"""
JUNK = {  # path → words one of which the skip reason must contain
    "empty.txt": ("empty", "空"),
    "binary.txt": ("binary", "二进制"),
    "image.md": ("binary", "二进制"),
    "dangling.txt": ("broken", "不存在"),
    "x.txt": ("not a regular file", "不是普通文件"),
    "sub/loop": ("symlink", "链接"),
}
GOOD = sorted([*SEED, "page.html", "sub/nested.txt"])


class TooSlow(Exception):
    """Raised by `deadline` (not an OSError, which `load_corpus` would take for an unreadable file)."""


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail instead of hanging: SIGALRM interrupts even a blocked open() of a FIFO."""

    def expire(signum: int, frame: object) -> None:
        raise TooSlow(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def junk_corpus(tmp_path: Path) -> Path:
    for name in SEED:
        shutil.copy(SEED_DIR / name, tmp_path / name)
    write(tmp_path / "sub" / "nested.txt", NESTED)
    write(tmp_path / "page.html", PAGE)
    write(tmp_path / "empty.txt", b"")
    write(tmp_path / "binary.txt", random.Random(7).randbytes(4096))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00"
    write(tmp_path / "image.md", png + random.Random(8).randbytes(4000))
    (tmp_path / "sub" / "loop").symlink_to("..", target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "x.txt")
    return tmp_path


def test_good_files_load_and_each_junk_entry_is_skipped_once(junk_corpus):
    lines: list[str] = []
    with deadline(20):
        corpus = load_corpus(junk_corpus, warn=lines.append)
    assert sorted(d.path for d in corpus.documents) == GOOD
    skipped = [s.path for s in corpus.skipped]
    assert sorted(skipped) == sorted(JUNK)  # each exactly once
    for s in corpus.skipped:
        assert any(word in s.reason for word in JUNK[s.path]), (s.path, s.reason)
    assert len(lines) == len(JUNK)
    for path in JUNK:
        [line] = [line for line in lines if f" {path}:" in line]
        assert "\n" not in line and line.split(": ", 1)[1].strip()


def test_fifo_and_links_do_not_block_or_break_the_fingerprint(junk_corpus):
    with deadline(20):
        _, states = fingerprint(junk_corpus)
    assert "x.txt" not in states and "dangling.txt" not in states
    assert not any(path.startswith("sub/loop") for path in states)
    assert {*GOOD, "empty.txt", "binary.txt", "image.md"} == set(states)


def test_symlink_loop_does_not_duplicate_documents(junk_corpus):
    with deadline(20):
        docs = load_corpus(junk_corpus).documents
    paths = [d.path for d in docs]
    assert len(paths) == len(set(paths))
    assert paths.count("sub/nested.txt") == 1


def test_script_and_style_never_reach_the_document_text(junk_corpus):
    with deadline(20):
        [page] = [d for d in load_corpus(junk_corpus).documents if d.path == "page.html"]
    assert page.title == "宁津县法院启用智慧法庭"
    assert "当事人可远程出庭" in page.text and "四十余起案件" in page.text
    for secret in ("秘密", "脚本写出的段落", "统计脚本内容", "color", "window.track", "document.write"):
        assert secret not in page.text


# -- unreadable files ------------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_skipped_with_a_reason(tmp_path):
    write(tmp_path / "good.txt", NESTED)
    locked = write(tmp_path / "locked.txt", NESTED.replace("夏津", "武城"))
    locked.chmod(0)
    try:
        corpus = load_corpus(tmp_path)
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert [d.path for d in corpus.documents] == ["good.txt"]
    [skip] = corpus.skipped
    assert skip.path == "locked.txt" and skip.reason


def test_file_that_cannot_be_read_is_skipped_with_a_reason(tmp_path, monkeypatch):
    """What chmod 000 does for a normal user, simulated (the tests may run as root)."""
    write(tmp_path / "good.txt", NESTED)
    locked = write(tmp_path / "locked.txt", NESTED.replace("夏津", "武城"))
    read_bytes = Path.read_bytes

    def refuse(path: Path) -> bytes:
        if path.name == locked.name:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    lines: list[str] = []
    corpus = load_corpus(tmp_path, warn=lines.append)
    assert [d.path for d in corpus.documents] == ["good.txt"]
    [skip] = corpus.skipped
    assert skip.path == "locked.txt"
    assert os.strerror(errno.EACCES) in skip.reason
    assert len(lines) == 1 and "locked.txt" in lines[0]


# -- a 10,000-line file ----------------------------------------------------------------------------

# 48–53 characters each: longer than a heading, so lines that do not end a sentence get joined.
SENTENCES = [
    f"普法小分队第{i}次走进庆云县城区各个社区，向过往群众发放法治宣传资料{i % 97}份，现场解答法律咨询{i % 13}人次。"
    for i in range(10_000)
]
FLAT = "".join(SENTENCES)
LONG_FILES = {
    "sentence-per-line": "\n".join(SENTENCES),
    "hard-wrapped-at-37": "\n".join(FLAT[i : i + 37] for i in range(0, 37 * 10_000, 37)),
    "no-line-ends-a-sentence": "\n".join(s.rstrip("。") for s in SENTENCES),
}


@pytest.mark.parametrize(
    "name",
    [
        "sentence-per-line",
        "hard-wrapped-at-37",
        "no-line-ends-a-sentence",
    ],
)
def test_ten_thousand_lines_load_and_chunk_exactly(tmp_path, name):
    text = LONG_FILES[name]
    assert text.count("\n") == 9_999 and "\n\n" not in text
    write(tmp_path / "long.txt", "庆云县检察院普法宣传记录\n" + text + "\n")
    with deadline(120):  # a hang guard, not a speed claim (speed: bench/big_file.py)
        [doc] = load_corpus(tmp_path).documents
        passages = chunk(doc, max_chars=300, min_chars=12)
    assert passages
    for p in passages:
        assert len(p.text) <= 300
        assert p.text == doc.text[p.start : p.end]
    assert text.replace("\n", "") in doc.text.replace("\n", "")  # nothing lost, nothing reordered
