"""The console's state and what its endpoints do: documents, indexing jobs, overrides, the log, the dictionary.

One `Console` per knowledge base (`Consoles`, made by `qa.server` when an admin token is set), all
behind one sign-in. Its files live in the knowledge base's index folder, beside the builds and outside them: `console.sqlite` (the question log and each
file's indexing status), `console.json` (passages turned off, pinned answers, out-of-scope
questions) and `terms.txt` (the owner's dictionary, read by `qa index` too).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from typing import Any

from qa.admin.auth import Auth
from qa.admin.conversations import Conversations, Recorder
from qa.admin.jobs import Jobs, Statuses
from qa.admin.library import Library
from qa.admin.overrides import Overrides, passage_key
from qa.config import Settings
from qa.errors import InputError
from qa.ingest.corpus import doc_id_for
from qa.live import LiveAnswerer
from qa.search.edits import rows_with
from qa.search.index import encoder_input
from qa.search.update import TERMS, owner_terms
from qa.service import index_corpus
from qa.text.normalize import fold

DATABASE = "console.sqlite"
OVERRIDES = "console.json"
SORTS = ("title", "path", "date", "publisher", "passages", "size", "status", "indexed")


class Console:
    """Everything the console reads and changes, over one live answerer."""

    def __init__(self, settings: Settings, live: LiveAnswerer, auth: Auth | None = None) -> None:
        """Args: settings: folders, admin token, log settings, upload limit. live: the answerer serving now.
        auth: the sign-in shared with the other knowledge bases' consoles (default: its own)."""
        self.settings, self.live = settings, live
        folder = settings.index_dir
        self.auth = auth or Auth(settings.admin_token)
        self.log = Conversations(
            folder / DATABASE, max_rows=settings.log_max_rows, days=settings.log_days, keep_ip=settings.log_ip
        )
        self.recorder = Recorder(self.log)
        self.statuses = Statuses(folder / DATABASE)
        self.overrides = Overrides(folder / OVERRIDES)
        self.library = Library(settings.corpus_dir)
        self.max_upload = settings.upload_mb * 1024 * 1024
        live.policy = self.overrides
        self._force: set[str] = set()
        self.jobs = Jobs(settings.corpus_dir, self.statuses, self._update, lambda: live.reload(check_corpus=False))

    def _update(self, progress: Any) -> Any:
        force, self._force = self._force, set()
        encoder = self.live.current.encoder
        return index_corpus(
            self.settings,
            encoder_factory=lambda: encoder,
            model_name=encoder.name,
            on_progress=progress,
            force=force,
        )

    def add_file(self, name: str, data: bytes) -> str:
        """Write an upload into the corpus; returns its document id (indexing is queued by the caller)."""
        return doc_id_for(self.library.save(name, data))

    def reindex(self, paths: list[str]) -> None:
        """Queue files to be read and indexed again even if unchanged."""
        self._force.update(paths)
        self.jobs.submit(paths)

    # what the pages show -------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        current = self.live.current
        states: dict[str, int] = {}
        for status in self.statuses.all().values():
            states[status.status] = states.get(status.status, 0) + 1
        total, _ = self.log.rows(limit=1)
        return {
            "documents": len(current.index.documents),
            "passages": len(current.index.passages),
            "model": current.encoder.name,
            "built_at": current.index.manifest.get("built_at"),
            "files": states,
            "questions": total,
            "busy": not self.jobs.idle(),
            "last_error": self.jobs.last_error,
        }

    def documents(self, query: str, sort: str, order: str) -> list[dict[str, Any]]:
        """The corpus's files joined with the index's documents and the files' statuses."""
        index = self.live.current.index
        statuses = self.statuses.all()
        skipped = {s["path"]: s["reason"] for s in index.manifest.get("corpus", {}).get("skipped", [])}
        built = _timestamp(index.manifest.get("built_at"))
        rows = []
        for doc_id, found in self.library.files().items():
            doc = index.documents.get(doc_id)
            status = statuses.get(found.path)
            state = status.status if status else ("indexed" if doc else ("failed" if found.path in skipped else "new"))
            reason = status.reason if status else skipped.get(found.path)
            rows.append(
                {
                    "doc_id": doc_id,
                    "path": found.path,
                    "title": doc.title if doc else found.path,
                    "publisher": doc.publisher if doc else None,
                    "date": doc.date if doc else None,
                    "url": doc.url if doc else None,
                    "passages": len(index.doc_rows.get(doc_id, ())),
                    "size": found.size,
                    "status": state,
                    "reason": reason if state == "failed" else None,
                    "progress": status.progress if status else (1.0 if doc else 0.0),
                    "indexed": status.indexed if status and status.indexed else (built if doc else None),
                }
            )
        needle = fold(query.strip())
        if needle:
            rows = [r for r in rows if needle in fold(f"{r['title']} {r['path']} {r['publisher'] or ''}")]
        key = sort if sort in SORTS else "title"
        rows.sort(key=lambda r: (r[key] is None, r[key] if r[key] is not None else ""), reverse=order == "desc")
        return rows

    def job_status(self) -> dict[str, Any]:
        return {
            "busy": not self.jobs.idle(),
            "last_error": self.jobs.last_error,
            "files": [
                {"path": s.path, "doc_id": doc_id_for(s.path), "status": s.status, "reason": s.reason,
                 "progress": round(s.progress, 3), "updated": s.updated, "indexed": s.indexed}
                for s in self.statuses.all().values()
            ],
        }  # fmt: skip

    def document_detail(self, doc_id: str, report: dict[str, Any]) -> dict[str, Any]:
        """`qa inspect`'s report of a file, each passage marked on or off."""
        off = self.overrides.disabled()
        for passage in report["passages"]:
            passage["enabled"] = passage_key(report["path"], passage["text"]) not in off
        status = self.statuses.all().get(report["path"])
        report["doc_id"] = doc_id
        report["status"] = status.status if status else None
        return report

    # changes -------------------------------------------------------------------------------------

    def switch(self, passage_id: str, enabled: bool) -> dict[str, Any]:
        """Turn a passage of the serving index on or off."""
        index = self.live.current.index
        doc_id = passage_id.split("-", 1)[0]
        rows = index.doc_rows.get(doc_id, ())
        passage = next((index.passages[r] for r in rows if index.passages[r].id == passage_id), None)
        if passage is None:
            raise InputError(f"没有这个段落：{passage_id[:60]}", f"no such passage: {passage_id[:60]}")
        key = passage_key(index.documents[doc_id].path, passage.text)
        self.overrides.set_enabled(key, enabled)
        return {"id": passage_id, "enabled": enabled}

    def dictionary(self) -> dict[str, Any]:
        index = self.live.current.index
        mine = owner_terms(self.settings.index_dir)
        return {"terms": list(mine), "corpus_terms": [t for t in index.tokenizer.terms if t not in mine][:500]}

    def add_term(self, term: str) -> dict[str, Any]:
        """Add a dictionary term: written to `terms.txt` (so `qa index` keeps it too); an update tokenizes
        again only the passages containing it, and the new index is swapped in."""
        term = fold(" ".join(term.split()))
        if not 2 <= len(term) <= 30 or any(ch in term for ch in "\n\t"):
            raise InputError("词条须为 2 到 30 个字符。", "a term must be 2 to 30 characters.")
        terms = sorted({*owner_terms(self.settings.index_dir), term})
        path = self.settings.index_dir / TERMS
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".terms-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write("\n".join(terms) + "\n")
        os.replace(tmp, path)
        touched = len(rows_with(self.live.current.index, [term]))
        self.jobs.update()  # a new build with those passages tokenized again (nothing is encoded), then swapped in
        return {"term": term, "passages_retokenized": touched}

    def pin(self, question: str, passage_id: str) -> dict[str, Any]:
        """Pin a passage of the serving index as the answer to `question` and its paraphrases."""
        current = self.live.current
        index = current.index
        doc_id = passage_id.split("-", 1)[0]
        passage = next(
            (index.passages[r] for r in index.doc_rows.get(doc_id, ()) if index.passages[r].id == passage_id), None
        )
        if passage is None:
            raise InputError(f"没有这个段落：{passage_id[:60]}", f"no such passage: {passage_id[:60]}")
        doc = index.documents[doc_id]
        vector = current.encoder.encode([encoder_input(question)])[0]
        self.overrides.pin(question, vector, passage_key(doc.path, passage.text), doc.title, passage.text[:120])
        return {"question": question, "passage_id": passage_id, "title": doc.title}

    def mark_out_of_scope(self, question: str) -> dict[str, Any]:
        vector = self.live.current.encoder.encode([encoder_input(question)])[0]
        self.overrides.mark_out_of_scope(question, vector)
        return {"question": question, "out_of_scope": True}


class Consoles:
    """The console of every knowledge base, behind one sign-in.

    A knowledge base's console is made when the knowledge base opens (`attach`, called by the server's
    opener), so that its owner's overrides apply from its first question on.
    """

    def __init__(self, settings: Settings) -> None:
        """Args: settings: the server's (the admin token)."""
        self.auth = Auth(settings.admin_token)
        self._by_name: dict[str, Console] = {}
        self.open: Any = None  # opens a knowledge base by name (`qa.kbs.KnowledgeBases.get`), set by the server

    def attach(self, name: str, settings: Settings, live: LiveAnswerer) -> Console:
        """Make the console of knowledge base `name`, now open in `live`."""
        console = self._by_name[name] = Console(settings, live, auth=self.auth)
        return console

    def get(self, name: str) -> Console:
        """The console of knowledge base `name`, opening it if needed.

        Raises:
            UnknownKnowledgeBase: no such knowledge base.
        """
        if name not in self._by_name and self.open is not None:
            self.open(name)
        console = self._by_name.get(name)
        if console is None:
            from qa.kbs import UnknownKnowledgeBase

            raise UnknownKnowledgeBase(f"知识库 {name} 没有管理后台。", f"knowledge base {name} has no console.")
        return console

    def recorder(self, name: str) -> Recorder | None:
        """The question log of an open knowledge base."""
        console = self._by_name.get(name)
        return console.recorder if console is not None else None


def _timestamp(iso: object) -> float | None:
    """Seconds since the epoch of an ISO time (the manifest's built_at), or None."""
    try:
        return datetime.fromisoformat(str(iso)).timestamp()
    except ValueError:
        return None
