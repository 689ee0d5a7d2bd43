"""The console's REST endpoints under /api/admin/ and its page at /admin.

Every endpoint but the sign-in needs a session cookie (and, to change anything, the anti-CSRF
header) or the bearer token (`qa.admin.auth`). Everything the page shows comes from these
endpoints, which are in the OpenAPI document and work with `curl -H "Authorization: Bearer …"`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from qa.admin.auth import CSRF_HEADER, SESSION_COOKIE, SESSION_SECONDS, LockedOut
from qa.admin.console import Console, Consoles
from qa.admin.hittest import explain
from qa.admin.library import MAX_FILES, check_content, safe_name
from qa.admin.report import unanswered
from qa.api.app import error
from qa.api.apps import App
from qa.config import MAX_QUESTION_CHARS, MAX_TOP_K
from qa.errors import InputError
from qa.ingest.inspect import inspect_file
from qa.kbs import DEFAULT, check_name

STATIC = Path(__file__).resolve().parent / "static"
UPLOAD_PATH = "/api/admin/documents"  # the one route whose body may be larger than MAX_BODY
REASONS = {
    "disabled": (
        403,
        "admin_disabled",
        "管理功能未开启：服务器未设置 QA_ADMIN_TOKEN。",
        "the console is off: no QA_ADMIN_TOKEN.",
    ),
    "unauthenticated": (401, "unauthorized", "请先登录管理后台。", "sign in to the console first."),
    "csrf": (403, "csrf", "缺少或错误的防跨站令牌，请刷新页面。", "missing or wrong anti-CSRF token; reload the page."),
}


class Login(BaseModel):
    """POST /api/admin/login body."""

    token: str = Field(..., max_length=512, description="管理员令牌 / the admin token (QA_ADMIN_TOKEN)")


class Meta(BaseModel):
    """PUT /api/admin/documents/{doc_id}/meta body: the fields to set (empty: remove)."""

    title: str | None = Field(None, max_length=200)
    publisher: str | None = Field(None, max_length=100)
    date: str | None = Field(None, max_length=10)
    author: str | None = Field(None, max_length=100)
    url: str | None = Field(None, max_length=2000)


class Switch(BaseModel):
    """PUT /api/admin/passages/{passage_id} body."""

    enabled: bool


class Probe(BaseModel):
    """POST /api/admin/test body."""

    question: str = Field(..., max_length=MAX_QUESTION_CHARS * 2)
    top_k: int = Field(5, ge=1, le=MAX_TOP_K)


class Term(BaseModel):
    """POST /api/admin/dictionary body."""

    term: str = Field(..., min_length=2, max_length=30)


class Pin(BaseModel):
    """POST /api/admin/pins body: pin passage `passage_id` as the answer to `question`."""

    question: str = Field(..., max_length=MAX_QUESTION_CHARS)
    passage_id: str = Field(..., max_length=100)


class AppBody(BaseModel):
    """POST /api/admin/apps (all fields) and PUT /api/admin/apps/{id} (the fields to change) body."""

    id: str | None = Field(None, max_length=32, description="应用编号 / app id (a-z 0-9 - _)")
    kb: str | None = Field(None, max_length=32)
    title: str | None = Field(None, max_length=500)
    welcome: str | None = Field(None, max_length=500)
    examples: list[str] | None = Field(None, max_length=8)
    top_k: int | None = Field(None, ge=1, le=10)
    lang: str | None = Field(None, pattern="^(zh|en)$")
    origins: list[str] | None = Field(None, max_length=50)
    rate_limit: int | None = Field(None, ge=0, le=10_000)
    daily_quota: int | None = Field(None, ge=0, le=10_000_000)


class Revoke(BaseModel):
    """POST /api/admin/apps/{id}/revoke body."""

    revoked: bool = True


class Scope(BaseModel):
    """POST /api/admin/out-of-scope body."""

    question: str = Field(..., max_length=MAX_QUESTION_CHARS)


def mount_console(app: FastAPI, consoles: Consoles) -> None:
    """Add the console's page and endpoints to the server (`?kb=NAME` picks a knowledge base's console)."""
    install_refusals(app)
    app.state.consoles = consoles
    app.include_router(_router(consoles))

    @app.get("/admin", response_class=HTMLResponse, include_in_schema=False)
    def page() -> Response:
        """The console (its sign-in form until a session exists; it holds no secret)."""
        return FileResponse(STATIC / "admin.html", media_type="text/html; charset=utf-8", headers=_NO_STORE)

    @app.get("/admin/{asset}", include_in_schema=False)
    def asset(asset: str) -> Response:
        """The console's script and style sheet (and nothing else)."""
        types = {"admin.js": "text/javascript; charset=utf-8", "admin.css": "text/css; charset=utf-8"}
        if asset not in types:
            return error(404, "not_found", "没有这个地址。", "no such path.")
        return FileResponse(STATIC / asset, media_type=types[asset], headers=_NO_STORE)


_NO_STORE = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Only the console's own script and style; nothing inline, no frame around it, no form posts elsewhere.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
}


def _pick(request: Request) -> Console:
    """The console of the knowledge base the request names (`?kb=NAME`, default `default`)."""
    consoles: Consoles = request.app.state.consoles
    return consoles.get(check_name(request.query_params.get("kb") or DEFAULT))


Picked = Annotated[Console, Depends(_pick)]


def _router(consoles: Consoles) -> APIRouter:
    auth = consoles.auth

    def guard(request: Request) -> None:
        why = auth.allowed(
            request.method,
            request.cookies.get(SESSION_COOKIE),
            request.headers.get("authorization"),
            request.headers.get(CSRF_HEADER),
        )
        if why is not None:
            raise _Refused(why)

    open_routes = APIRouter(prefix="/api/admin", tags=["admin"])
    router = APIRouter(prefix="/api/admin", tags=["admin"], dependencies=[Depends(guard)])

    @open_routes.post("/login")
    async def login(body: Login, request: Request) -> Response:
        """Sign in with the admin token: sets the session cookie, returns the anti-CSRF token."""
        if not auth.enabled:
            return _refusal("disabled")
        client = request.client.host if request.client else "unknown"
        try:
            session = await asyncio.to_thread(auth.sign_in, client, body.token)
        except LockedOut as exc:
            return error(
                429,
                "locked_out",
                f"登录失败次数过多，请 {exc.retry_after} 秒后再试。",
                f"too many failed sign-ins; retry in {exc.retry_after} s.",
                headers={"Retry-After": str(exc.retry_after)},
            )
        if session is None:
            return error(401, "wrong_token", "令牌不正确。", "wrong token.")
        response = JSONResponse({"csrf": session.csrf, "expires_in": SESSION_SECONDS})
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
        return response

    @open_routes.get("/session")
    def session(request: Request) -> Response:
        """The anti-CSRF token of the signed-in browser (401 when not signed in)."""
        current = auth.session(request.cookies.get(SESSION_COOKIE))
        if not auth.enabled:
            return _refusal("disabled")
        if current is None:
            return _refusal("unauthenticated")
        return JSONResponse({"csrf": current.csrf}, headers={"Cache-Control": "no-store"})

    @router.post("/logout")
    def logout(request: Request) -> Response:
        """Sign out: the session cookie stops working."""
        auth.sign_out(request.cookies.get(SESSION_COOKIE))
        response = JSONResponse({"status": "signed out"})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @router.get("/overview")
    def overview(console: Picked) -> dict[str, Any]:
        """Counts for the console's header: documents, passages, files by status, questions logged."""
        return console.overview()

    @router.get("/documents")
    def documents(console: Picked, q: str = "", sort: str = "title", order: str = "asc") -> dict[str, Any]:
        """Every file of the corpus with its metadata, passages, size, status and last indexing time."""
        return {"documents": console.documents(q[:100], sort, order)}

    @router.post("/documents")
    async def upload(files: list[UploadFile], console: Picked) -> dict[str, Any]:
        """Upload one or many files (txt, md, html, pdf, docx); each is queued for indexing, or refused with why."""
        if len(files) > MAX_FILES:
            raise InputError(f"一次最多上传 {MAX_FILES} 个文件。", f"at most {MAX_FILES} files per upload.")
        results = []
        for item in files:
            try:
                name = safe_name(item.filename or "")
                data = await item.read(console.max_upload + 1)
                check_content(name, data, console.max_upload)
            except InputError as exc:
                results.append(
                    {"name": (item.filename or "")[:120], "status": "refused", "reason": f"{exc.zh} / {exc.en}"}
                )
                continue
            results.append({"name": name, "status": "queued", "doc_id": console.add_file(name, data)})
        console.jobs.submit([r["name"] for r in results if r["status"] == "queued"])
        return {"files": results}

    @router.get("/jobs")
    def jobs(console: Picked) -> dict[str, Any]:
        """The indexing status of every file (the console polls this while something runs)."""
        return console.job_status()

    @router.get("/documents/{doc_id}")
    def document(doc_id: str, console: Picked) -> dict[str, Any]:
        """One document as the index sees it (`qa inspect`), with each passage's on/off state."""
        found = console.library.file(doc_id)
        report = inspect_file(console.settings.corpus_dir / found.path, console.settings.corpus_dir).to_dict()
        return console.document_detail(doc_id, report)

    @router.put("/documents/{doc_id}/meta")
    def meta(doc_id: str, body: Meta, console: Picked) -> dict[str, Any]:
        """Set title, publisher, date, author or URL (written to the file's .meta.json); re-indexes it."""
        path = console.library.write_meta(doc_id, body.model_dump(exclude_unset=True))
        console.jobs.submit([path])
        return {"path": path, "status": "queued"}

    @router.delete("/documents/{doc_id}")
    def delete(doc_id: str, console: Picked) -> dict[str, Any]:
        """Delete a document's file and sidecar; the index drops it."""
        path = console.library.delete(doc_id)
        console.jobs.submit([path])
        return {"path": path, "status": "deleted"}

    @router.post("/documents/{doc_id}/reindex")
    def reindex_one(doc_id: str, console: Picked) -> dict[str, Any]:
        """Index one document again (a failed one is retried)."""
        path = console.library.file(doc_id).path
        console.reindex([path])
        return {"path": path, "status": "queued"}

    @router.post("/reindex")
    def reindex_all(console: Picked) -> dict[str, Any]:
        """Index every document of the corpus again."""
        paths = [f.path for f in console.library.files().values()]
        console.reindex(paths)
        return {"queued": len(paths)}

    @router.put("/passages/{passage_id}")
    def switch(passage_id: str, body: Switch, console: Picked) -> dict[str, Any]:
        """Turn a passage off (never quoted, also after re-indexing) or on again."""
        return console.switch(passage_id, body.enabled)

    @router.post("/test")
    def test(body: Probe, console: Picked) -> dict[str, Any]:
        """Retrieval testing: what a visitor would get, with each passage's features and matched terms."""
        return explain(console.live.current, body.question, body.top_k)

    @router.get("/dictionary")
    def dictionary(console: Picked) -> dict[str, Any]:
        """The owner's dictionary terms and the corpus's own quoted terms."""
        return console.dictionary()

    @router.post("/dictionary")
    def add_term(body: Term, console: Picked) -> dict[str, Any]:
        """Add a term jieba must keep whole; only the passages containing it are tokenized again."""
        return console.add_term(body.term)

    @router.get("/conversations")
    def conversations(
        console: Picked,
        limit: int = 50,
        offset: int = 0,
        q: str = "",
        answered: bool | None = None,
        disliked: bool = False,
    ) -> dict[str, Any]:
        """Questions asked through the chat, the API and the widget, newest first."""
        total, rows = console.log.rows(
            limit=max(1, min(limit, 500)), offset=max(0, offset), answered=answered, query=q[:100], disliked=disliked
        )
        return {"total": total, "rows": rows}

    @router.get("/conversations.csv")
    def export(console: Picked) -> Response:
        """Every logged question as CSV."""
        return Response(
            console.log.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="conversations.csv"'},
        )

    @router.get("/report")
    def report(console: Picked, days: int = 30) -> dict[str, Any]:
        """Refused and 👎 questions grouped by meaning, most asked first, with the closest passages."""
        groups = unanswered(console.log, console.live.current, console.overrides, days=max(1, min(days, 365)))
        return {"groups": groups, "pins": console.overrides.pins()}

    @router.post("/pins")
    def pin(body: Pin, console: Picked) -> dict[str, Any]:
        """Pin a passage as the answer to a question and its paraphrases."""
        return console.pin(body.question, body.passage_id)

    @router.delete("/pins")
    def unpin(question: str, console: Picked) -> dict[str, Any]:
        """Remove the pinned answer of a question."""
        return {"removed": console.overrides.unpin(question[:MAX_QUESTION_CHARS])}

    @router.post("/out-of-scope")
    def out_of_scope(body: Scope, console: Picked) -> dict[str, Any]:
        """Mark a question (and its paraphrases) as out of scope: its group leaves the report."""
        return console.mark_out_of_scope(body.question)

    @router.get("/kbs")
    def knowledge_bases(request: Request) -> dict[str, Any]:
        """Every knowledge base: documents, passages, loaded, memory its index holds."""
        return {"kbs": request.app.state.kbs.describe()}

    @router.get("/apps")
    def list_apps(request: Request) -> dict[str, Any]:
        """The apps (not their secrets): knowledge base, settings, origins, public key, limits, state."""
        return {"apps": [a.owner_view() for a in request.app.state.apps.all()]}

    @router.post("/apps")
    def add_app(body: AppBody, request: Request) -> dict[str, Any]:
        """A new app with a fresh key and secret (the secret is shown this once: keep it on the site's backend)."""
        fields = body.model_dump(exclude_none=True)
        if "id" not in fields:
            raise InputError("请填写应用编号。", "the app needs an id.")
        fields["examples"] = tuple(fields.get("examples", ()))
        fields["origins"] = tuple(fields.get("origins", ()))
        app = request.app.state.apps.add(App(**fields))
        return app.owner_view() | {"secret": app.secret}

    @router.put("/apps/{app_id}")
    def update_app(app_id: str, body: AppBody, request: Request) -> dict[str, Any]:
        """Change an app's knowledge base, wording, origins or limits (its key stays)."""
        return request.app.state.apps.update(app_id, **body.model_dump(exclude_none=True)).owner_view()

    @router.post("/apps/{app_id}/rotate")
    def rotate_app(app_id: str, request: Request) -> dict[str, Any]:
        """A new key and secret: the old key and the tokens signed with the old secret stop working now."""
        app = request.app.state.apps.rotate(app_id)
        return app.owner_view() | {"secret": app.secret}

    @router.post("/apps/{app_id}/revoke")
    def revoke_app(app_id: str, body: Revoke, request: Request) -> dict[str, Any]:
        """Turn an app off (`revoked: false`: back on)."""
        return request.app.state.apps.revoke(app_id, body.revoked).owner_view()

    @router.delete("/apps/{app_id}")
    def remove_app(app_id: str, request: Request) -> dict[str, Any]:
        """Delete an app."""
        request.app.state.apps.remove(app_id)
        return {"removed": app_id}

    return _merge(open_routes, router)


def _merge(*routers: APIRouter) -> APIRouter:
    merged = APIRouter()
    for router in routers:
        merged.include_router(router)
    return merged


class _Refused(Exception):
    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def _refusal(why: str) -> JSONResponse:
    status, code, zh, en = REASONS[why]
    return error(status, code, zh, en)


def install_refusals(app: FastAPI) -> None:
    """The console's refusals as the API's JSON errors."""

    @app.exception_handler(_Refused)
    async def refused(_: Request, exc: _Refused) -> JSONResponse:
        return _refusal(exc.why)
