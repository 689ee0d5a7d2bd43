"""The in-memory index: documents, passages, sentence table, dense and keyword parts.

Each part saves itself into a build folder and loads itself from one; `Index.save`
and `Index.load` only list the parts, in the same order (`qa.search.builds` does
the folder's mechanics: temporary folder, checksums, the atomic swap). Rows are
passage positions; each passage keeps the vector id it got when it was added
(`ids`), so removing a document never renumbers the vectors.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from qa.ingest.document import HEADING_PATH, Document, Passage
from qa.ingest.structure import article_number, division_keys
from qa.search.bm25 import BM25
from qa.search.sentences import Sentences
from qa.search.vectors import DEFAULT_BACKEND, VectorStore, backend, load_store
from qa.text.normalize import fold, to_simplified
from qa.text.tokenize import Tokenizer, short_forms

IDS = "ids.npy"


class Documents(dict[str, Document]):
    """The index's documents by id: a part that saves itself as `documents.json`."""

    FILE = "documents.json"

    def save(self, folder: Path) -> list[str]:
        """Write every document (cleaned text, metadata, paragraph offsets)."""
        text = json.dumps([doc.to_dict() for doc in self.values()], ensure_ascii=False)
        (Path(folder) / self.FILE).write_text(text, encoding="utf-8")
        return [self.FILE]

    @classmethod
    def load(cls, folder: Path) -> Documents:
        """Read what `save` wrote."""
        rows = json.loads((Path(folder) / cls.FILE).read_text(encoding="utf-8"))
        return cls((d.doc_id, d) for d in (Document.from_dict(row) for row in rows))


class Passages(list[Passage]):
    """The index's passages in row order: a part that saves itself as `passages.jsonl`."""

    FILE = "passages.jsonl"

    def save(self, folder: Path) -> list[str]:
        """Write one JSON line per passage."""
        lines = (json.dumps(p.to_dict(), ensure_ascii=False) for p in self)
        (Path(folder) / self.FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
        return [self.FILE]

    @classmethod
    def load(cls, folder: Path) -> Passages:
        """Read what `save` wrote."""
        with (Path(folder) / cls.FILE).open(encoding="utf-8") as handle:
            return cls(Passage(**json.loads(line)) for line in handle if line.strip())


@dataclass
class Index:
    """Everything a question is answered from."""

    documents: dict[str, Document]
    passages: list[Passage]
    store: VectorStore
    bm25: BM25
    tokenizer: Tokenizer
    sentences: Sentences
    manifest: dict[str, Any] = field(default_factory=dict)
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # vector id of each row, ascending
    _doc_rows: dict[str, range] | None = field(default=None, init=False, repr=False, compare=False)
    _article_rows: dict[int, list[int]] | None = field(default=None, init=False, repr=False, compare=False)
    _division_rows: dict[tuple[str, int], list[int]] | None = field(default=None, init=False, repr=False, compare=False)
    _codes: frozenset[str] | None = field(default=None, init=False, repr=False, compare=False)
    _short_forms: dict[str, tuple[str, str]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.documents = Documents(self.documents)
        self.passages = Passages(self.passages)

    @property
    def dim(self) -> int:
        """Vector size."""
        return self.store.dim

    @property
    def doc_rows(self) -> dict[str, range]:
        """Each document's passage rows (a document's passages are consecutive rows); built on first use."""
        if self._doc_rows is None:
            out: dict[str, range] = {}
            for row, passage in enumerate(self.passages):
                first = out.get(passage.doc_id)
                out[passage.doc_id] = range(first.start if first else row, row + 1)
            self._doc_rows = out
        return self._doc_rows

    @property
    def article_rows(self) -> dict[int, list[int]]:
        """The passage rows of each numbered article (第五条 → 5), over all documents; built on first use."""
        if self._article_rows is None:
            out: dict[int, list[int]] = {}
            for row, passage in enumerate(self.passages):
                number = article_number(passage.label) if passage.label else None
                if number is not None:
                    out.setdefault(number, []).append(row)
            self._article_rows = out
        return self._article_rows

    @property
    def division_rows(self) -> dict[tuple[str, int], list[int]]:
        """Under each division a question may name (第三章 → ("章", 3), 附则), the first passage row of each
        document that has it, by the headings of each passage's path; built on first use."""
        if self._division_rows is None:
            out: dict[tuple[str, int], dict[str, int]] = {}
            for row, passage in enumerate(self.passages):
                for part in (passage.heading or "").split(HEADING_PATH):
                    for key in division_keys(part):
                        out.setdefault(key, {}).setdefault(passage.doc_id, row)
            self._division_rows = {key: list(rows.values()) for key, rows in out.items()}
        return self._division_rows

    @property
    def codes(self) -> frozenset[str]:
        """Every model number or code the documents write (GPT-3, H1000G, T1), folded, every numbered line
        (`numbered_lines`: 2号线) and every lettered part of a place (`lettered_parts`: b区); built on first use."""
        if self._codes is None:
            found: set[str] = set()
            for text in (*(doc.title for doc in self.documents.values()), *(p.text for p in self.passages)):
                found.update(codes_in(text))
                found.update(numbered_lines(text))
                found.update(lettered_parts(text))
            self._codes = frozenset(found)
        return self._codes

    @property
    def short_forms(self) -> dict[str, tuple[str, str]]:
        """The short forms the documents define and then use, by the name each shortens, with the rest of the
        name (`qa.text.tokenize.short_forms`): only those the defining document writes in more passages than
        the name; built on first use."""
        if self._short_forms is None:
            found: dict[str, tuple[str, str]] = {}
            for rows in self.doc_rows.values():
                texts = [self.passages[r].text for r in rows]
                defined: dict[str, tuple[str, str]] = {}
                for text in texts:
                    if "简称" in text:
                        defined.update(short_forms(text))
                if defined:
                    texts = [fold(t) for t in texts]
                    for name, (short, rest) in defined.items():
                        if sum(short in t for t in texts) > sum(name in t for t in texts):
                            found.setdefault(name, (short, rest))
            self._short_forms = found
        return self._short_forms

    def rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Passage rows of vector ids (ids are kept sorted, so this is a binary search)."""
        return np.searchsorted(self.ids, ids)

    def known(self, ids: np.ndarray) -> np.ndarray:
        """Which of `ids` this index holds: a shared vector store (Milvus) may already hold the
        vectors of a newer build while this one still answers."""
        rows = np.minimum(self.rows_of(ids), max(len(self.ids) - 1, 0))
        return (self.ids[rows] == ids) if len(self.ids) else np.zeros(len(ids), dtype=bool)

    def extend(
        self,
        documents: Iterable[Document],
        passages: list[Passage],
        ids: np.ndarray,
        counts: list[sparse.csr_matrix],
        tables: list[Sentences],
    ) -> None:
        """Append new documents' rows to every part but the vectors (already added under `ids`)."""
        self.documents.update((doc.doc_id, doc) for doc in documents)
        self.passages.extend(passages)
        self.ids = np.concatenate([self.ids, np.asarray(ids, dtype=np.int64)])
        self.bm25.append(counts)
        self.sentences = Sentences.join([self.sentences, *tables])
        self._doc_rows = self._article_rows = self._division_rows = self._codes = self._short_forms = None

    def keep(self, rows: np.ndarray, gone: Iterable[str]) -> None:
        """Keep passage rows `rows` (positions, in order) in every part but the vectors, and drop documents `gone`."""
        self.bm25.keep(rows)
        self.sentences = self.sentences.select(rows)
        self.passages = Passages(self.passages[r] for r in rows)
        self.ids = self.ids[rows]
        for doc_id in gone:
            del self.documents[doc_id]
        self._doc_rows = self._article_rows = self._division_rows = self._codes = self._short_forms = None

    def save(self, folder: Path) -> list[str]:
        """Write every part into `folder`; returns the file names (for the manifest's checksums)."""
        files = Documents(self.documents).save(folder) + Passages(self.passages).save(folder)
        files += self.store.save(folder) + self.sentences.save(folder)
        files += self.bm25.save(folder) + self.tokenizer.save(folder)
        with (Path(folder) / IDS).open("wb") as handle:
            np.save(handle, self.ids)
        return [*files, IDS]

    @classmethod
    def load(cls, folder: Path, manifest: dict[str, Any], options: Mapping[str, Mapping[str, str]]) -> Index:
        """Read the parts `save` wrote, the vector store by the backend the manifest names
        (`options`: each backend's settings by name).

        Raises:
            ValueError: the parts disagree on the number of passages.
        """
        index = cls(
            documents=Documents.load(folder),
            passages=Passages.load(folder),
            store=load_store(folder, manifest, options),
            bm25=BM25.load(folder),
            tokenizer=Tokenizer.load(folder),
            sentences=Sentences.load(folder),
            manifest=manifest,
            ids=np.load(Path(folder) / IDS),
        )
        parts = {index.store.count(), len(index.sentences.first) - 1, len(index.ids), index.bm25.matrix.shape[0]}
        if parts != {len(index.passages)}:
            raise ValueError("part sizes disagree / 各部分大小不一致")
        return index


_CODE = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Za-z])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")


def codes_in(text: str) -> list[str]:
    """Model numbers and codes in `text`: runs of Latin letters and digits holding both (GPT-4, H1000G), folded."""
    return [m.group(0) for m in _CODE.finditer(fold(text))]


# A part of a place named by a letter: B区, C座, A口 (a car park's zone, a building, an exit).
_LETTERED = re.compile(r"(?<![A-Za-z0-9])([A-Za-z])\s*(区|座|栋|幢|馆|厅|口)")


def lettered_parts(text: str) -> list[str]:
    """The parts of places `text` names by a letter, folded: 车库B区 → b区. Asked about D区 where the documents
    name A区 to C区, no passage answers, as for a model number they never write."""
    return [f"{m.group(1)}{m.group(2)}" for m in _LETTERED.finditer(fold(text))]


_DIGITS = re.compile(r"\d+")
_NUMBERED_LINE = re.compile(
    r"(?<![0-9０-９零〇一二两三四五六七八九十])([0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*号线"
)
_NUMERALS = {ch: i for i, ch in enumerate("零一二三四五六七八九", 0)}


def numbered_lines(text: str) -> list[str]:
    """The numbered lines (a metro's or a bus's) `text` names, written one way: 2号线 and 二号线 are both 2号线."""
    out = []
    for match in _NUMBERED_LINE.finditer(text):
        number = fold(match.group(1))
        if not number.isdigit():
            tens, _, ones = number.rpartition("十")
            number = str(
                (_NUMERALS.get(tens, 1) if "十" in number else 0) * 10 + (_NUMERALS.get(ones, 0) if ones else 0)
            )
        out.append(f"{int(number)}号线")
    return out


def about_another(sentence: str, codes: tuple[str, ...]) -> bool:
    """True when the first code in `sentence` is not one of `codes` (`codes_in`) but has the shape of one: asked
    about T1线, the sentence that opens with T2线 is about that one, though it repeats every word asked. Only a
    name with a number counts (X1, GPT-3): a number with a unit (2.4GHz for 5GHz) is a quantity."""
    found = [c for c in codes_in(sentence) if c[0].isalpha()]
    if not found or found[0] in codes:
        return False
    shape = _DIGITS.sub("#", found[0])
    return any(_DIGITS.sub("#", c) == shape for c in codes)


def sentences_about_another(text: str, spans: Sequence[tuple[int, int]], codes: tuple[str, ...]) -> list[bool]:
    """`about_another` for each sentence of `text` at `spans`, and the rows of a table of codes read whole.

    A line that opens with a code and a colon is a row of such a table (a manual's fault codes: "E2：传感器故障。
    处理方法：请联系售后。"): its sentences with no code of their own are about the row's code, and when a row opens
    with a code asked about, every row opening with another code is about that one, whatever its shape (asked
    about E3, neither the E2 nor the P1 row answers). In running text a sentence after one about another model
    may be about both, and is judged alone."""
    rows: list[str | None] = []  # per sentence: the code its row opens with, or None
    for i, (start, end) in enumerate(spans):
        if not i or "\n" in text[spans[i - 1][1] : start]:
            match = _ROW_CODE.match(text, start, end)
            rows.append(fold(match.group(1)) if match else None)
        else:
            rows.append(rows[-1])
    asked = any(r in codes for r in rows if r)
    out: list[bool] = []
    for i, (start, end) in enumerate(spans):
        sentence, row = text[start:end], rows[i]
        if row is not None and asked:
            out.append(row not in codes)
        elif row is not None and i and rows[i - 1] == row and not any(c[0].isalpha() for c in codes_in(sentence)):
            out.append(out[-1])
        else:
            out.append(about_another(sentence, codes))
    return out


def row_keys(text: str) -> list[str | None]:
    """Per line of `text`, the value of its first field when the line is a row of a table read as 列名：值 fields
    (入托类型：全日托，补贴标准：每孩每月600元 → 全日托), folded; None for any other line."""
    out: list[str | None] = []
    for line in text.split("\n"):
        match = _ROW_KEY.match(line)
        out.append(fold(match.group(1)) if match and not match.group(1).isdigit() else None)
    return out


def is_table_row(text: str, at: int) -> bool:
    """True when the line of `text` starting at offset `at` is a table row read as 列名：值 fields (`row_keys`)."""
    return _ROW_KEY.match(text, at) is not None


def line_at(text: str, at: int) -> tuple[int, int]:
    """The start and end of the line of `text` that offset `at` is on."""
    end = text.find("\n", at)
    return text.rfind("\n", 0, at) + 1, len(text) if end < 0 else end


def keys_asked(texts: Iterable[str], question: str) -> frozenset[str]:
    """The first values of the table rows of `texts` (`row_keys`) that `question` names (`names_key`)."""
    folded = fold(question)
    return frozenset(key for text in texts for key in row_keys(text) if key and names_key(folded, key))


def names_key(folded: str, key: str) -> bool:
    """True when the folded question names a row's `key`: whole, or, for a key of three characters or more, with
    a character or two between them (成人门票 names 成人票)."""
    if key in folded:
        return True
    if len(key) < 3 or not set(key) <= set(folded):
        return False
    return re.search(".{0,2}".join(map(re.escape, key)), folded) is not None


def rows_about_other_keys(
    text: str, spans: Sequence[tuple[int, int]], asked: frozenset[str], keys: Sequence[str | None] | None = None
) -> list[bool]:
    """For each sentence of `text` at `spans`: True when it stands on a table row whose first value is not one of
    the `asked` keys (the row values the question names, `keys_asked`): asked 全日托一个月补多少, the rows of 半日托
    and of 二孩及以上家庭 are about something else, though they repeat the words asked. All False when none is
    asked. `keys` are the text's `row_keys` when the caller has them already."""
    if not asked:
        return [False] * len(spans)
    keys = row_keys(text) if keys is None else keys
    starts = [0]
    for row in text.split("\n"):
        starts.append(starts[-1] + len(row) + 1)
    out = []
    for start, _ in spans:
        key = keys[bisect.bisect_right(starts, start) - 1]
        out.append(key is not None and key not in asked)
    return out


def sentences_about_next_time(text: str, spans: Sequence[tuple[int, int]], question: str) -> list[bool]:
    """For each sentence of `text` at `spans`: True when it tells of the next meeting or event (下次例会定于10月17日
    召开), which does not answer a question about this one (这次例会是哪天开的？ 会议在什么地点召开？). All False
    when the question asks about the next one (下次例会什么时候开？)."""
    if _ASKS_NEXT.search(question) or not _ASKS_NEXT.search(text):
        return [False] * len(spans)
    return [_NEXT_TIME.search(text, start, end) is not None for start, end in spans]


_ASKS_NEXT = re.compile(r"下一?[次回届期]")
_NEXT_TIME = re.compile(r"下一?[次回届期][^，。；,;\n]{0,50}?(?:召开|举行|举办|开展|开会)")


# A row of 列名：值 fields: its first value, then a comma and at least one more field.
_ROW_KEY = re.compile(r"\s*[^：:，,\s]{1,12}[：:]\s*([^，,：:]{2,24}?)\s*[，,][^\n]*?[：:]")
_ROW_CODE = re.compile(r"\s*([A-Za-z][A-Za-z0-9-]*\d[A-Za-z0-9-]*)\s*[:：]")


def empty(dim: int, store: VectorStore | None = None) -> Index:
    """An index with nothing in it, ready for `qa.search.edits.add_documents` (vectors in `store`,
    default an exact FAISS index in memory)."""
    store = store if store is not None else backend(DEFAULT_BACKEND).create(dim, Path("."), {})
    return Index({}, [], store, BM25().build([]), Tokenizer(), Sentences.empty(dim))


def passage_input(passage: Passage) -> str:
    """What the encoder and BM25 see for a passage: its heading path, the lead-in of the article
    it is a later part of, then its text."""
    return "\n".join(x for x in (passage.heading, passage.lead, passage.text) if x)


def encoder_input(text: str) -> str:
    """What the encoder is given for a text: traditional characters made simplified (same length),
    so that a traditional document and a simplified question meet in the vector space too."""
    return to_simplified(text)


def about(index: Index, passage: Passage) -> str:
    """What a passage is about: its document's title, its heading path and its article label (every
    sentence shares them: 第二十条 in a question names the article, not the sentence that answers).
    A heading that is a question (an FAQ's) is not: the sentence that answers it shares its words."""
    title = index.documents[passage.doc_id].title
    heading = passage.heading if passage.heading and not passage.heading.endswith(("？", "?")) else None
    return "\n".join(x for x in (title, heading, passage.label) if x)


def keyword_input(passage: Passage, title: str) -> str:
    """What BM25 sees: the document title too, so a passage that never repeats its
    article's subject (范廷颂, 庆云县检察院) is still found by it."""
    return f"{title}\n{passage_input(passage)}" if title else passage_input(passage)
