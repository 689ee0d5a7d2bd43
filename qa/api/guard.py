"""What every request passes before any route runs: body size, the app's key or token and the origin,
the rate limits and the daily quota, and the cross-origin and framing headers of the response.

One middleware for every route — the API, the chat UI's Gradio endpoints under any mount
(`/gradio_api/…`, `/kb/NAME/gradio_api/…`), the document pages, the app pages — so no route is left
outside the limits. Static files (scripts, styles, fonts, images) are not counted: a page load fetches
dozens of them.

Who may ask what (`Access`):
- a request with an app's public key (`X-QA-Key`) or a visitor token the owner's backend signed
  (`Authorization: Bearer` or `X-QA-Token`) is that app's: it must come from one of the app's origins
  (the browser's `Origin`, which a page cannot set), and it reaches only the app's knowledge base;
- a request without either from another origin is the default app's (QA_ALLOWED_ORIGINS, the default
  knowledge base), as before apps existed;
- the bot's own pages (same origin) and server-to-server calls (no `Origin`) need no key.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qa.api.apps import AccessError, App, Apps, origin_of
from qa.api.limits import RateLimiter
from qa.config import MAX_BODY
from qa.kbs import DEFAULT

KEY_HEADER = "x-qa-key"
TOKEN_HEADER = "x-qa-token"
CORS_HEADERS = "content-type, x-qa-key, x-qa-token, x-qa-source, authorization"
# Files a page load fetches by the dozen, and the streams that follow a counted call: not counted.
_UNCOUNTED = re.compile(
    r"(/assets/|/static/|/gradio_api/file=|\.(?:js|mjs|css|map|woff2?|ttf|png|svg|ico|webp)$"
    r"|/gradio_api/(?:queue/data|heartbeat/|call/[^/]+/[^/]+$)|/manifest\.json$)"
)
_KB_PATH = re.compile(r"^/kb/([^/]+)(/.*)?$")
_ASK = ("/api/ask",)


@dataclass(frozen=True)
class Access:
    """Whom a request is for: an app (None: the server's own pages or a server-to-server call) and the one
    knowledge base it may reach (None: any, chosen by the request)."""

    app: App | None = None
    kb: str | None = None
    visitor: str | None = None


def resolve(request: Request, apps: Apps) -> Access:
    """The access a request's key, token and origin give.

    Raises:
        AccessError: an unknown, rotated or revoked key; a bad or expired token; an origin not listed.
    """
    origin = _origin(request)
    own = origin is None or origin == _own_origin(request)
    token = request.headers.get(TOKEN_HEADER) or _bearer(request)
    key = request.headers.get(KEY_HEADER) or request.query_params.get("key")
    if token:
        app, visitor = apps.verify_token(token[:4096])
        _check_origin(app, origin, own)
        return Access(app, app.kb, visitor)
    if key:
        keyed = apps.by_key(key[:200])
        if keyed is None:
            raise AccessError(
                "bad_key", "嵌入密钥无效或已被更换。", "the embed key is unknown or has been rotated.", 401
            )
        if keyed.revoked:
            raise AccessError("app_revoked", "该应用已被停用。", "this app has been turned off by its owner.")
        _check_origin(keyed, origin, own)
        return Access(keyed, keyed.kb)
    if own:
        return Access()
    _check_origin(apps.default, origin, own)
    return Access(apps.default, DEFAULT)


def _check_origin(app: App, origin: str | None, own: bool) -> None:
    if own or origin in app.origins:
        return
    raise AccessError(
        "origin_not_allowed",
        f"此网站（{(origin or '')[:80]}）未获准使用这个问答应用。",
        f"this site ({(origin or '')[:80]}) is not allowed to use this app.",
    )


def _origin(request: Request) -> str | None:
    value = request.headers.get("origin")
    if value is None:
        return None
    return origin_of(value) or value[:80]  # "null" (a sandboxed frame, a file) is an origin no app lists


def _own_origin(request: Request) -> str | None:
    return origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")


def _bearer(request: Request) -> str | None:
    if request.url.path.startswith("/api/admin"):
        return None  # the admin token, not a visitor's
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def path_kb(path: str) -> str:
    """The knowledge base whose pages and chat endpoints a path is under (`/kb/NAME/...`), else default."""
    match = _KB_PATH.match(path)
    return match.group(1) if match else DEFAULT


def _kb_scoped(path: str) -> bool:
    """A chat UI's page or endpoint, which belongs to one knowledge base by its path (the API names it in
    the request instead)."""
    return path.startswith("/kb/") or (not path.startswith("/api/") and "/gradio_api/" in path)


class Quota:
    """Questions per app per day (UTC), in memory: a restart starts the day's count again."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def take(self, app: App) -> bool:
        """Count one question; False when the app's quota for today is used up."""
        if app.daily_quota <= 0:
            return True
        day = time.strftime("%Y-%m-%d", time.gmtime())
        with self._lock:
            if any(d != day for _, d in self._counts):
                self._counts = {k: v for k, v in self._counts.items() if k[1] == day}
            used = self._counts.get((app.id, day), 0)
            if used >= app.daily_quota:
                return False
            self._counts[(app.id, day)] = used + 1
            return True


def install_guard(
    app: FastAPI,
    apps: Apps,
    limiter: RateLimiter,
    admin: RateLimiter,
    body_limits: dict[str, int],
    error: Callable[..., JSONResponse],
) -> None:
    """Add the middleware (see the module's docstring) to `app`."""
    quota = Quota()
    per_app: dict[str, RateLimiter] = {}

    def app_limiter(chosen: App) -> RateLimiter:
        current = per_app.get(chosen.id)
        if current is None or current.per_minute != chosen.rate_limit:
            current = per_app[chosen.id] = RateLimiter(chosen.rate_limit)
        return current

    async def check(request: Request, console: bool, origin: str | None) -> tuple[Access, bytes | None]:
        """The request's access, and its body when it had to be read to be measured.

        Raises:
            _Refused: with the response to send instead of running the route.
        """
        path = request.url.path
        if request.method == "OPTIONS" and origin and request.headers.get("access-control-request-method"):
            if console:
                raise _Refused(
                    error(
                        403,
                        "origin_not_allowed",
                        "管理后台不接受跨站请求。",
                        "the console takes no cross-site requests.",
                    )
                )
            # The headers asked for are allowed (Gradio's web component sends its own): what a request may
            # do is decided when it comes, by its key and origin, not by the preflight.
            asked = request.headers.get("access-control-request-headers", "")[:500] or CORS_HEADERS
            raise _Refused(
                Response(status_code=204, headers=_cors(origin) | _PREFLIGHT | {"Access-Control-Allow-Headers": asked})
            )

        def refuse(status: int, code: str, zh: str, en: str, headers: dict[str, str] | None = None) -> _Refused:
            response = error(status, code, zh, en, headers=headers)
            if origin and not console:
                response.headers.update(_cors(origin))  # the widget on that page can read why
            return _Refused(response)

        limit = body_limits.get(path, MAX_BODY)
        size = request.headers.get("content-length")
        body = None
        if size is not None and (not size.isdigit() or int(size) > limit):
            raise refuse(*_too_large(limit))
        if size is None and request.method in ("POST", "PUT", "PATCH"):
            # A chunked body has no length: read at most limit + 1 bytes, keep them for the route.
            body = b""
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    raise refuse(*_too_large(limit))

        access = Access()
        if not console:
            try:
                access = resolve(request, apps)
            except AccessError as exc:
                raise refuse(exc.status, exc.code, exc.zh, exc.en) from None
            if access.kb is not None and _kb_scoped(path) and path_kb(path) != access.kb:
                raise refuse(
                    403, "kb_not_allowed", "该应用不能访问这个知识库。", "this app cannot reach that knowledge base."
                )

        if request.method != "OPTIONS" and not _UNCOUNTED.search(path):
            client = request.client.host if request.client else "unknown"
            if console:
                wait = admin.hit(client) if path.startswith("/api/admin/") and path != "/api/admin/login" else 0
                wait = wait or (limiter.hit(client) if path == "/api/admin/login" else 0)
            elif access.app is not None and access.app.rate_limit:
                wait = app_limiter(access.app).hit(client)
            else:
                wait = limiter.hit(client)
            if wait > 0:
                raise refuse(
                    429,
                    "rate_limited",
                    f"请求过于频繁，请 {wait} 秒后再试。",
                    f"too many requests; retry in {wait} s.",
                    headers={"Retry-After": str(wait)},
                )
            if path in _ASK and request.method == "POST" and access.app is not None and not quota.take(access.app):
                raise refuse(
                    429,
                    "quota_exceeded",
                    "该应用今天的提问次数已用完，请明天再试。",
                    "this app has used up today's questions; try again tomorrow.",
                )
        return access, body

    class Guard:
        """The checks as plain ASGI middleware: Starlette's `BaseHTTPMiddleware` would run every request
        and its response through a task group and memory streams."""

        def __init__(self, inner: ASGIApp) -> None:
            self.inner = inner

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await self.inner(scope, receive, send)
                return
            request = Request(scope, receive)
            path = request.url.path
            console = path.startswith("/api/admin") or path == "/admin" or path.startswith("/admin/")
            origin = _origin(request)
            try:
                access, body = await check(request, console, origin)
            except _Refused as refused:
                await refused.response(scope, receive, send)
                return
            request.state.access = access
            if body is not None:
                receive = _replay(body, receive)
            cors = origin and not console and (access.app is not None or origin == _own_origin(request))

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableHeaders(scope=message)
                    if cors:
                        for name, value in _cors(origin or "").items():
                            if name not in headers:
                                headers[name] = value
                    if headers.get("content-type", "").startswith("text/html") and not console:
                        kb = access.kb or path_kb(path)
                        if "content-security-policy" not in headers:
                            ancestors = " ".join(("'self'", *apps.frame_origins(kb)))
                            headers["Content-Security-Policy"] = f"frame-ancestors {ancestors}"
                await send(message)

            await self.inner(scope, receive, send_with_headers)

    app.add_middleware(Guard)


_PREFLIGHT = {
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": CORS_HEADERS,
    "Access-Control-Max-Age": "600",
}


def _cors(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}


class _Refused(Exception):
    """A request the guard answers itself (an error, or a preflight's 204): `response` is sent instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives the route the body already read, then whatever the client sends next."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _too_large(limit: int = MAX_BODY) -> tuple[int, str, str, str]:
    return 413, "body_too_large", f"请求体过大（上限 {limit} 字节）。", f"request body over {limit} bytes."
