"""The sentence table: every passage's sentences (offsets and vectors), one part of the index.

A question's quote is picked among the sentences of its passages, scored by the
cosine of each sentence's vector with the question's. The vectors are the bulk of
an index on disk, so a saved table keeps them in a file read on demand.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

OFFSETS = "sentences.npz"
VECTORS = "sentence-vectors.npy"


@dataclass
class Sentences:
    """Every passage's sentences: offsets relative to the passage, and vectors.

    Rows of passage p are `first[p]:first[p + 1]`.
    """

    first: np.ndarray  # (n_passages + 1,) int64
    starts: np.ndarray  # (n_sentences,) int32
    ends: np.ndarray  # (n_sentences,) int32
    vectors: np.ndarray  # (n_sentences, dim) float16
    kinds: np.ndarray  # (n_sentences,) uint8: answer kinds each sentence holds (`qa.text.answer_type`)
    # The open file behind memory-mapped `vectors` (a saved index), read by `gather`; open from
    # loading on, so a build folder removed later (a newer build replaced it) can still be read.
    source: BinaryIO | None = field(default=None, repr=False, compare=False)
    warming: threading.Thread | None = field(default=None, repr=False, compare=False)  # `read_ahead`'s reader

    def read_ahead(self) -> threading.Thread | None:
        """Read the file behind `vectors` once, in the background, so that the kernel keeps it in the
        page cache: a server's questions then read their candidates' sentence vectors from memory
        instead of disk (at a million passages the file is gigabytes, read at random).

        Page-cache pages are the kernel's to reclaim, not the server's memory; the file is only read
        when it fits in half the memory available. (`posix_fadvise(WILLNEED)` would say the same in one
        call, but read nothing on this project's machine.) Returns the reading thread (also kept as
        `warming`), or None when there is no file or it is not read.
        """
        if self.source is None:
            return None
        available, size = _available_memory(), os.fstat(self.source.fileno()).st_size
        if available is None or size > available // 2:
            return None
        fd = os.dup(self.source.fileno())  # its own descriptor: the index may close its file meanwhile

        def read() -> None:
            buffer, offset = bytearray(8 << 20), 0
            try:
                while offset < size and (n := os.preadv(fd, [buffer], offset)) > 0:
                    offset += n
            except OSError:
                pass
            finally:
                os.close(fd)

        self.warming = threading.Thread(target=read, name="qa-read-ahead-sentence-vectors", daemon=True)
        self.warming.start()
        return self.warming

    def of(self, row: int) -> range:
        """Sentence rows of passage `row`."""
        return range(int(self.first[row]), int(self.first[row + 1]))

    def gather(self, picks: np.ndarray) -> np.ndarray:
        """The vectors of sentence rows `picks`, as float32.

        From a saved index (vectors memory-mapped) the rows are read with `pread`, one read per
        run of consecutive rows (a passage's sentences are one run): touching the map instead
        would make the kernel map whole neighbourhoods of pages into the process (64 KB or more
        per page fault), and at a million passages the server's memory grew by gigabytes of
        mapped file (`bench/latency.py` reports peak RSS). Page-cache pages that `pread` reads are
        not the process's.
        """
        vectors = self.vectors
        if not len(picks):
            return np.zeros((0, *vectors.shape[1:]), dtype=np.float32)
        if self.source is None or not isinstance(vectors, np.memmap) or not vectors.flags.c_contiguous:
            return np.asarray(vectors[picks], dtype=np.float32)
        picks = np.asarray(picks, dtype=np.int64)
        row_bytes = vectors.dtype.itemsize * int(np.prod(vectors.shape[1:]))
        cuts = np.flatnonzero(np.diff(picks) != 1) + 1
        runs = zip(np.concatenate([[0], cuts]).tolist(), np.concatenate([cuts, [len(picks)]]).tolist())
        fd = self.source.fileno()
        parts = [os.pread(fd, (b - a) * row_bytes, int(vectors.offset) + int(picks[a]) * row_bytes) for a, b in runs]
        flat = np.frombuffer(b"".join(parts), dtype=vectors.dtype)
        return flat.reshape(len(picks), *vectors.shape[1:]).astype(np.float32)

    def save(self, folder: Path) -> list[str]:
        """Write the offsets and kinds (`sentences.npz`) and the vectors (`sentence-vectors.npy`)."""
        with (Path(folder) / OFFSETS).open("wb") as handle:
            np.savez(handle, first=self.first, starts=self.starts, ends=self.ends, kinds=self.kinds)
        with (Path(folder) / VECTORS).open("wb") as handle:
            np.save(handle, np.asarray(self.vectors))
        return [OFFSETS, VECTORS]

    @classmethod
    def load(cls, folder: Path) -> Sentences:
        """Read what `save` wrote. The vectors stay on disk (at 1M passages they are gigabytes):
        memory-mapped for `qa index`, read row by row from the open file by questions (`gather`)."""
        folder = Path(folder)
        with np.load(folder / OFFSETS) as data:
            vectors = np.load(folder / VECTORS, mmap_mode="r")
            source = (folder / VECTORS).open("rb", buffering=0)
            return cls(data["first"], data["starts"], data["ends"], vectors, data["kinds"], source)

    def close(self) -> None:
        """Close the file behind the vectors (a saved table)."""
        if self.source is not None:
            self.source.close()

    @classmethod
    def empty(cls, dim: int) -> Sentences:
        """No passages, no sentences."""
        no = np.zeros(0, np.int32)
        return cls(np.zeros(1, np.int64), no, no, np.zeros((0, dim), np.float16), np.zeros(0, np.uint8))

    def select(self, rows: np.ndarray) -> Sentences:
        """The sentences of passages `rows` (positions, in order)."""
        counts = np.diff(self.first)[rows]
        ranges = [np.arange(self.first[r], self.first[r + 1]) for r in rows]
        pick = np.concatenate(ranges).astype(np.int64) if ranges else np.zeros(0, np.int64)
        return Sentences(
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            self.starts[pick],
            self.ends[pick],
            self.vectors[pick],
            self.kinds[pick],
        )

    @staticmethod
    def join(tables: Sequence[Sentences]) -> Sentences:
        """The tables' passages one after the other (one copy, however many tables)."""
        offsets = np.cumsum([0] + [int(t.first[-1]) for t in tables[:-1]])
        return Sentences(
            np.concatenate([tables[0].first[:1]] + [t.first[1:] + o for t, o in zip(tables, offsets)]),
            np.concatenate([t.starts for t in tables]),
            np.concatenate([t.ends for t in tables]),
            np.concatenate([t.vectors.astype(np.float16, copy=False) for t in tables]),
            np.concatenate([t.kinds for t in tables]),
        )


def _available_memory() -> int | None:
    """Bytes of memory available without swapping (Linux's MemAvailable), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            fields = dict(line.split(":", 1) for line in handle if ":" in line)
        return int(fields["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):  # not Linux: questions read from disk
        return None
