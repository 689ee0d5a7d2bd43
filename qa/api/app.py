"""The HTTP API (FastAPI): /api/ask, /api/kbs, /api/apps/config, /api/health, /api/documents/{doc_id},
/api/feedback, /api/admin/reload.

Every error is JSON with a Chinese and an English message and a 4xx code;
nothing a client sees ever holds a stack trace.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.answer.engine import Answerer
from qa.api.apps import AccessError, Apps
from qa.api.guard import Access, install_guard
from qa.api.limits import RateLimiter
from qa.config import DEFAULT_TOP_K, MAX_QUESTION_CHARS, MAX_TOP_K, Settings
from qa.errors import DocumentNotFoundError, InputError, QAError
from qa.kbs import DEFAULT, KnowledgeBases, UnknownKnowledgeBase, check_name
from qa.live import Live, LiveAnswerer, Recorder, as_live

log = logging.getLogger("qa.api")
ADMIN_RATE_LIMIT = 600  # console requests per client per minute (it polls while indexing runs)


class FeedbackRequest(BaseModel):
    """POST /api/feedback body."""

    ask_id: str = Field(..., max_length=64, description="/api/ask 返回的 ask_id / the ask_id /api/ask returned")
    liked: bool | None = Field(..., description="true 👍, false 👎, null 撤销 / clear")
    kb: str | None = Field(None, max_length=32, description="提问时的知识库 / the knowledge base asked")


class AskRequest(BaseModel):
    """POST /api/ask body."""

    question: str = Field(..., description="问题 / the question")
    history: list[str] = Field(default_factory=list, description="此前的问题，最早的在前 / earlier questions")
    top_k: int = Field(DEFAULT_TOP_K, ge=1, le=MAX_TOP_K, description="返回段落数 / passages to return")
    kb: str | None = Field(None, max_length=32, description="知识库，默认 default / knowledge base (default)")


def error(status: int, code: str, zh: str, en: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one shape of every error body."""
    body = {"error": {"code": code, "message": zh, "message_en": en}}
    return JSONResponse(body, status_code=status, headers=headers)


def create_api(
    answerer: Answerer | Live | KnowledgeBases,
    settings: Settings | None = None,
    recorder: Recorder | Callable[[str], Recorder | None] | None = None,
    body_limits: dict[str, int] | None = None,
    extend: Callable[[FastAPI], None] | None = None,
    apps: Apps | None = None,
) -> FastAPI:
    """The API app over the knowledge bases (`qa.server` mounts the chat UI and the pages on it).

    Args:
        answerer: the knowledge bases; or one answerer (a `Live` one an admin can reload), which is the
            default knowledge base, the others opening on first use with its encoder.
        settings: apps file, allowed origins, rate limit and admin token (default `Settings()`).
        recorder: logs each question (the console's log): one for the default knowledge base, or a
            function giving each knowledge base's; None logs nothing.
        body_limits: larger body limits for given paths (the console's upload), else MAX_BODY.
        extend: adds more routes (the console's) before the JSON 404 that ends /api/.
        apps: the apps and their keys (default: read from `settings.apps_path`).
    """
    settings = settings or Settings()
    kbs = answerer if isinstance(answerer, KnowledgeBases) else default_kbs(answerer, settings)
    apps = apps or Apps(settings)

    def recorder_of(name: str) -> Recorder | None:
        if recorder is None or hasattr(recorder, "record"):
            return recorder if name == DEFAULT else None  # type: ignore[return-value]
        return recorder(name)

    app = FastAPI(title="中文文档问答 API / Chinese document QA", version="0.1.0")
    app.state.kbs, app.state.apps = kbs, apps
    limiter = RateLimiter(settings.rate_limit)
    admin = RateLimiter(ADMIN_RATE_LIMIT if settings.rate_limit else 0)
    install_guard(app, apps, limiter, admin, body_limits or {}, error)
    _errors(app)

    @app.post("/api/ask", response_class=JSONResponse)
    def ask(body: AskRequest, request: Request) -> JSONResponse:
        """Answer a question (with the conversation's earlier questions) → the JSON contract.

        `kb` names the knowledge base (an app's key or token decides it: it may be left out). When
        the server keeps a question log, the answer also carries `ask_id`, for POST /api/feedback.
        """
        name = chosen_kb(request, body.kb)
        answer = kbs.get(name).current.ask(body.question, history=body.history, top_k=body.top_k)
        data = answer.to_dict()
        data["kb"] = name
        log = recorder_of(name)
        if log is not None:
            source = "widget" if request.headers.get("x-qa-source") == "widget" else "api"
            data["ask_id"] = log.record(answer, source, request.headers, _client(request))
        # Serialised here, on the worker thread: a dict would be validated and encoded on a second hop.
        return JSONResponse(data)

    @app.post("/api/feedback")
    def feedback(body: FeedbackRequest, request: Request) -> dict[str, Any]:
        """👍 / 👎 on an answer (its `ask_id` from /api/ask, and the `kb` it was asked of)."""
        log = recorder_of(chosen_kb(request, body.kb))
        if log is None or not log.rate(body.ask_id, body.liked):
            return error(404, "unknown_answer", "找不到这条回答。", "no such answer.")  # type: ignore[return-value]
        return {"ask_id": body.ask_id, "liked": body.liked}

    @app.get("/api/kbs")
    def knowledge_bases(request: Request) -> dict[str, Any]:
        """The knowledge bases: documents, passages, whether loaded and the memory their index holds.

        An app's key or token sees only its own."""
        bound = _access(request).kb
        return {"kbs": [kb for kb in kbs.describe() if bound is None or kb["name"] == bound]}

    @app.get("/api/apps/config")
    def app_config(request: Request) -> dict[str, Any]:
        """The app of the key or token sent (`X-QA-Key`): title, welcome text, examples, top_k, language."""
        access = _access(request)
        if access.app is None:
            return error(  # type: ignore[return-value]
                400, "no_key", "请在请求头 X-QA-Key 中提供应用的嵌入密钥。", "send the app's embed key in X-QA-Key."
            )
        return access.app.public()

    @app.get("/api/health")
    def health(request: Request, kb: str | None = None) -> dict[str, Any]:
        """Index loaded, document and passage counts, model (of knowledge base `kb`, default `default`)."""
        name = chosen_kb(request, kb)
        current = kbs.get(name).current
        index = current.index
        return {
            "status": "ok",
            "kb": name,
            "index_loaded": True,
            "documents": len(index.documents),
            "passages": len(index.passages),
            "model": current.encoder.name,
            "built_at": index.manifest.get("built_at"),
        }

    @app.get("/api/documents/{doc_id}")
    def document(doc_id: str, request: Request, kb: str | None = None) -> dict[str, Any]:
        """The cleaned text of a document, its metadata, and the offsets of its paragraphs and passages."""
        index = kbs.get(chosen_kb(request, kb)).current.index
        doc = index.documents.get(doc_id)
        if doc is None:
            raise DocumentNotFoundError(f"没有编号为 {doc_id[:64]} 的文档。", f"no document with id {doc_id[:64]}.")
        data = doc.to_dict()
        data["passages"] = [
            {"id": p.id, "paragraph": p.paragraph, "start": p.start, "end": p.end}
            for p in (index.passages[r] for r in index.doc_rows.get(doc_id, ()))
        ]
        return data

    @app.post("/api/admin/reload")
    def reload(request: Request, update: bool = False, kb: str = DEFAULT) -> Any:
        """Admin only: answer from the index on disk from now on (`?update=true`: run `qa index` first;
        `?kb=NAME`: that knowledge base's).

        Requests already being answered finish with the index they started with.
        """
        refused = _admin_check(request, settings.admin_token)
        if refused is not None:
            return refused
        try:
            live = kbs.get(check_name(kb))
            if not hasattr(live, "reload"):
                return error(
                    409, "not_reloadable", "这个服务不能重新加载索引。", "this server cannot reload its index."
                )
            return live.reload(update) | {"kb": kb}
        except UnknownKnowledgeBase as exc:
            return error(404, exc.code, exc.zh, exc.en)
        except QAError as exc:
            log.warning("reload refused: %s", exc)
            return error(409, exc.code, f"{exc.zh}（仍在使用原索引）", f"{exc.en} (still serving the previous index)")

    if extend is not None:
        extend(app)
    _fallback(app)
    return app


def default_kbs(
    answerer: Answerer | Live, settings: Settings, opened: Callable[[str, Settings, LiveAnswerer], Any] | None = None
) -> KnowledgeBases:
    """The knowledge bases of a server started with one answerer: it is `default`; the others open on
    first use with its encoder (the model is loaded once). `opened(name, settings, live)` is told of each
    one opened (the server makes its console)."""
    live = as_live(answerer)

    def open_kb(name: str, chosen: Settings) -> LiveAnswerer:
        from qa.service import open_answerer, warm_up

        fresh = LiveAnswerer(chosen, warm_up(open_answerer(chosen, encoder=live.current.encoder)))
        if opened is not None:
            opened(name, chosen, fresh)
        return fresh

    return KnowledgeBases(settings, open_kb, {DEFAULT: live})


def chosen_kb(request: Request, asked: str | None) -> str:
    """The knowledge base a request reaches: its app's, else the one it names, else default.

    Raises:
        AccessError: an app's key or token asking for another knowledge base.
        UnknownKnowledgeBase: a malformed name.
    """
    bound = _access(request).kb
    if bound is not None:
        if asked not in (None, "", bound):
            raise AccessError(
                "kb_not_allowed", "该应用不能访问这个知识库。", "this app cannot reach that knowledge base."
            )
        return bound
    return check_name(asked or DEFAULT)


def _access(request: Request) -> Access:
    return getattr(request.state, "access", None) or Access()


def _admin_check(request: Request, token: str | None) -> JSONResponse | None:
    """None when the request carries the admin token; otherwise the error to return."""
    if token is None:
        return error(
            403,
            "admin_disabled",
            "管理功能未开启：服务器未设置 QA_ADMIN_TOKEN。",
            "admin actions are off: the server has no QA_ADMIN_TOKEN.",
        )
    given = request.headers.get("authorization", "")
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.encode()):
        return error(
            401,
            "unauthorized",
            "需要管理员令牌：请在请求头加上 Authorization: Bearer <QA_ADMIN_TOKEN>。",
            "admin token required: send Authorization: Bearer <QA_ADMIN_TOKEN>.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return None


def _fallback(app: FastAPI) -> None:
    """JSON 404/405 for any other /api/ path, registered last so that a UI mounted at / never answers them."""
    routes = [r for r in app.routes if isinstance(r, APIRoute)]

    @app.api_route("/api/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(request: Request, rest: str) -> JSONResponse:
        if any(r.path_regex.match(request.url.path) for r in routes):
            return error(405, "method_not_allowed", "不支持该请求方法。", "method not allowed.")
        return error(404, "not_found", "没有这个地址。", "no such path.")


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _errors(app: FastAPI) -> None:
    """Named errors and framework errors → the JSON error shape."""

    @app.exception_handler(InputError)
    async def bad_input(_: Request, exc: InputError) -> JSONResponse:
        return error(400, exc.code, exc.zh, exc.en)

    @app.exception_handler(AccessError)
    async def forbidden(_: Request, exc: AccessError) -> JSONResponse:
        return error(exc.status, exc.code, exc.zh, exc.en)

    @app.exception_handler(UnknownKnowledgeBase)
    async def unknown_kb(_: Request, exc: UnknownKnowledgeBase) -> JSONResponse:
        return error(404, exc.code, exc.zh, exc.en)

    @app.exception_handler(DocumentNotFoundError)
    async def not_found(_: Request, exc: DocumentNotFoundError) -> JSONResponse:
        return error(404, exc.code, exc.zh, exc.en)

    @app.exception_handler(QAError)
    async def qa_error(_: Request, exc: QAError) -> JSONResponse:
        return error(503, exc.code, exc.zh, exc.en)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = exc.errors()
        if any(p.get("type") == "json_invalid" for p in problems):
            return error(400, "malformed_json", "请求体不是合法的 JSON。", "the request body is not valid JSON.")
        where = ", ".join(".".join(str(x) for x in p.get("loc", ())[1:]) or "body" for p in problems[:3])
        return error(
            422,
            "invalid_request",
            f"请求格式不正确（{where}）：需要 {{question, history?, top_k?}}，问题不超过 {MAX_QUESTION_CHARS} 字，"
            f"top_k 为 1 到 {MAX_TOP_K}。",
            f"invalid request ({where}): expected {{question, history?, top_k?}}, question ≤ {MAX_QUESTION_CHARS} chars, "
            f"top_k 1..{MAX_TOP_K}.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error(404, "not_found", "没有这个地址。", "no such path.")
        if exc.status_code == 405:
            return error(405, "method_not_allowed", "不支持该请求方法。", "method not allowed.")
        return error(exc.status_code, "http_error", "请求无法处理。", "the request cannot be handled.")

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")  # the trace goes to the server log, never to the client
        return error(
            500, "internal_error", "服务器内部错误，请稍后再试。", "internal server error; please retry later."
        )
