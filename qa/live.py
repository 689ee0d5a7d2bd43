"""The answerer a server uses now, the admin's way to swap in a new index without a restart, and the
question log's interface that the chat and the API share."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, Protocol

from qa.answer.engine import Answerer, Policy
from qa.answer.results import Answer
from qa.config import Settings
from qa.errors import QAError
from qa.service import index_corpus, open_answerer, warm_up


class Recorder(Protocol):
    """Where asked questions are logged (`qa.admin.conversations.Recorder`, when the console is on)."""

    def record(self, answer: Answer, source: str, headers: Mapping[str, str], client: str | None) -> str:
        """Log an answer (`source`: chat, api or widget; the request's headers and client address); returns
        the token a visitor's 👍/👎 on it is sent with."""
        ...

    def rate(self, token: str, liked: bool | None) -> bool:
        """Apply a 👍/👎; False for an unknown token."""
        ...


class Live(Protocol):
    """The answerer serving now, swappable by an admin (`LiveAnswerer`)."""

    @property
    def current(self) -> Answerer:
        """The answerer for the next request."""
        ...

    def reload(self, update: bool = False) -> dict[str, Any]:
        """Swap in the index on disk (after updating it if `update`)."""
        ...


class Fixed:
    """One answerer for good: the index cannot be reloaded."""

    def __init__(self, answerer: Answerer) -> None:
        """Args: answerer: the one to serve."""
        self.current = answerer

    def reload(self, update: bool = False) -> dict[str, Any]:
        """Refused: this server was given a single index."""
        raise QAError("此服务不支持重新加载索引。", "this server cannot reload its index.")


def as_live(answerer: Answerer | Live) -> Live:
    """A `Live` for either kind of argument the app factories take."""
    return Fixed(answerer) if isinstance(answerer, Answerer) else answerer


class LiveAnswerer:
    """The answerer a server uses now, and the admin's way to swap in a new index.

    `reload` loads the index in the calling thread while requests go on being
    answered by the current one; the swap is a single assignment, so a request
    that started before it finishes with the index it started with.
    """

    def __init__(self, settings: Settings, answerer: Answerer, policy: Policy | None = None) -> None:
        """Args: settings: where the corpus and index live. answerer: the one serving now.
        policy: the owner's overrides every answerer follows (`qa.admin.overrides.Overrides`)."""
        self.settings = settings
        self._current = answerer
        self._lock = threading.Lock()  # one reload at a time
        self.policy = policy

    @property
    def policy(self) -> Policy | None:
        """The owner's overrides (turned-off passages, pinned answers) every answerer follows."""
        return self._policy

    @policy.setter
    def policy(self, policy: Policy | None) -> None:
        self._policy = policy
        self._current.policy = policy

    @property
    def current(self) -> Answerer:
        """The answerer to use for the next request."""
        return self._current

    def reload(self, update: bool = False, check_corpus: bool = True) -> dict[str, Any]:
        """Load the index on disk (after `qa index` if `update`) and start answering from it.

        `check_corpus=False` takes the index as built even if the corpus changed since (the console: a
        file uploaded while indexing ran is in the next build).

        Raises:
            QAError: the new index is missing, corrupt or does not fit; the current one keeps serving.
        """
        with self._lock:
            old = self._current
            changes = None
            if update:
                report = index_corpus(self.settings, encoder_factory=lambda: old.encoder, model_name=old.encoder.name)
                changes = report.changes if report.built else None
            fresh = open_answerer(self.settings, encoder=old.encoder, check_corpus=check_corpus)
            fresh.policy = self._policy
            self._current = warm_up(fresh)
        return {
            "status": "reloaded",
            "documents": len(fresh.index.documents),
            "passages": len(fresh.index.passages),
            "built_at": fresh.index.manifest.get("built_at"),
            "previous_built_at": old.index.manifest.get("built_at"),
            "changes": changes,
        }
