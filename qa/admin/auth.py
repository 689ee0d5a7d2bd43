"""Who may use the console: sign-in with the admin token, sessions in an HttpOnly cookie, anti-CSRF, slowed failures.

The admin token is the only secret. A browser signs in once (`POST /api/admin/login`) and gets a
random session id in a cookie that scripts cannot read (HttpOnly), that other sites' requests do
not carry (SameSite=Strict), and that lives `SESSION_SECONDS`; the token itself never appears in a
URL, a page or a log. A request that changes something must carry the session's anti-CSRF token in
`X-CSRF-Token` as well, unless it authenticates with `Authorization: Bearer <token>` (a script:
browsers never add that header on their own). Failed sign-ins are slowed (each waits longer) and
limited per client address (`MAX_FAILURES` in `FAILURE_WINDOW`, then refused until the window passes).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

SESSION_COOKIE = "qa_admin"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 8 * 3600  # a console session lasts a working day
MAX_SESSIONS = 1000  # the oldest are forgotten beyond this
MAX_FAILURES = 5  # failed sign-ins per client within FAILURE_WINDOW before it is locked out
FAILURE_WINDOW = 15 * 60  # seconds
FAILURE_DELAY = 0.5  # seconds a failed sign-in waits, times the client's failures so far (at most 4 s)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its cookie value, its anti-CSRF token and when it ends."""

    id: str
    csrf: str
    expires: float


@dataclass
class _Failures:
    times: list[float] = field(default_factory=list)


class LockedOut(Exception):
    """Too many failed sign-ins from one client: `retry_after` seconds until it may try again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class Auth:
    """Checks the admin token, keeps sessions and counts failed sign-ins (in memory: a restart signs everyone out)."""

    def __init__(
        self,
        token: str | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Args: token: the admin token (None: the console is off). clock, sleep: injectable for tests."""
        self._token = token
        self._clock = clock
        self._sleep = sleep
        self._sessions: dict[str, Session] = {}
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """False when no admin token is set: every console route answers 403."""
        return self._token is not None

    def token_ok(self, given: str | None) -> bool:
        """The admin token, compared in constant time."""
        return (
            self._token is not None and given is not None and hmac.compare_digest(given.encode(), self._token.encode())
        )

    def sign_in(self, client: str, given: str) -> Session | None:
        """A new session for the right token; None (after a delay) for a wrong one.

        Raises:
            LockedOut: the client failed MAX_FAILURES times within FAILURE_WINDOW.
        """
        now = self._clock()
        with self._lock:
            record = self._failures.setdefault(client, _Failures())
            record.times = [t for t in record.times if now - t < FAILURE_WINDOW]
            if len(record.times) >= MAX_FAILURES:
                raise LockedOut(int(FAILURE_WINDOW - (now - record.times[0])) + 1)
        if not self.token_ok(given):
            with self._lock:
                record.times.append(now)
                failures = len(record.times)
            self._sleep(min(4.0, FAILURE_DELAY * failures))
            return None
        with self._lock:
            self._failures.pop(client, None)
            session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(24), now + SESSION_SECONDS)
            self._sessions[session.id] = session
            if len(self._sessions) > MAX_SESSIONS:
                oldest = min(self._sessions.values(), key=lambda s: s.expires)
                del self._sessions[oldest.id]
        return session

    def session(self, sid: str | None) -> Session | None:
        """The live session with cookie value `sid`, or None."""
        if not sid:
            return None
        with self._lock:
            session = self._sessions.get(sid)
            if session is not None and session.expires <= self._clock():
                del self._sessions[sid]
                return None
        return session

    def sign_out(self, sid: str | None) -> None:
        """Forget a session (its cookie no longer works)."""
        with self._lock:
            self._sessions.pop(sid or "", None)

    def allowed(self, method: str, cookie: str | None, authorization: str | None, csrf: str | None) -> str | None:
        """Why a console request is refused ("disabled", "unauthenticated", "csrf"), or None when it may go on."""
        if not self.enabled:
            return "disabled"
        scheme, _, value = (authorization or "").partition(" ")
        if scheme.lower() == "bearer" and self.token_ok(value.strip()):
            return None
        session = self.session(cookie)
        if session is None:
            return "unauthenticated"
        if method.upper() not in SAFE_METHODS and not (csrf and hmac.compare_digest(csrf, session.csrf)):
            return "csrf"
        return None
