"""The server: the HTTP API with the chat UIs (one per knowledge base), the document pages, the app pages
and the embed scripts mounted on it."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Future
from contextlib import asynccontextmanager
from functools import partial
from html import escape
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse

from qa.admin.api import UPLOAD_PATH, mount_console
from qa.admin.console import Consoles
from qa.admin.library import MAX_FILES
from qa.answer.engine import Answerer
from qa.api.app import chosen_kb, create_api, default_kbs
from qa.api.apps import Apps, origin_of
from qa.config import Settings
from qa.kbs import DEFAULT, KnowledgeBases
from qa.live import Live, LiveAnswerer, as_live
from qa.ui.cards import TITLE, document_page

STATIC = Path(__file__).resolve().parent / "ui" / "static"


def create_app(answerer: Answerer | Live, settings: Settings) -> FastAPI:
    """The HTTP API with the default knowledge base's chat UI at /, every other knowledge base's at
    /kb/NAME (those on disk when the server starts; each opens on its first question), an app's page at
    /app/KEY, and the console at /admin when an admin token is set and the index can be reloaded."""
    api, chats = create_api_app(answerer, settings)
    for path, ui in chats():
        mount_chat(api, ui, path)
    return api


def create_api_app(
    answerer: Answerer | Live, settings: Settings
) -> tuple[FastAPI, Callable[[], list[tuple[str, Any]]]]:
    """Everything `create_app` serves but the chat UIs, without importing Gradio; and a function that
    builds the chat UIs (Gradio Blocks, with the paths to mount them at), which `serve` runs after the
    server is already answering."""
    live = as_live(answerer)
    consoles = Consoles(settings) if settings.admin_token and isinstance(live, LiveAnswerer) else None
    kbs = default_kbs(live, settings, consoles.attach if consoles is not None else None)
    if consoles is not None:
        consoles.attach(DEFAULT, settings, live)  # type: ignore[arg-type]
        consoles.open = kbs.get
    apps = Apps(settings)
    limits = {UPLOAD_PATH: MAX_FILES * (settings.upload_mb * 1024 * 1024 + 4096)}
    extend = (lambda app: mount_console(app, consoles)) if consoles is not None else None
    recorder = consoles.recorder if consoles is not None else None
    api = create_api(kbs, settings, recorder=recorder, body_limits=limits, extend=extend, apps=apps)

    @api.get("/doc/{doc_id}", response_class=HTMLResponse)
    def document(
        doc_id: str, request: Request, p: int | None = None, lang: str = "zh", kb: str | None = None
    ) -> HTMLResponse:
        """The cleaned document as a page, paragraph `p` highlighted."""
        doc = kbs.get(chosen_kb(request, kb)).current.index.documents.get(doc_id)
        if doc is None:
            return HTMLResponse("<!doctype html><meta charset=utf-8><p>没有这篇文档。 / No such document.</p>", 404)
        return HTMLResponse(document_page(doc, p, "en" if lang == "en" else "zh"))

    @api.get("/app/{key}", response_class=HTMLResponse, include_in_schema=False)
    def app_page(key: str, request: Request) -> HTMLResponse:
        """An app's chat as a whole page, to put in an <iframe> on the app's sites (and only there)."""
        return _app_page(apps, key, request)

    @api.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        """The embeddable chat (see examples/widget.html)."""
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8")

    @api.get("/gradio.js", include_in_schema=False)
    def web_component() -> FileResponse:
        """Gradio's <gradio-app> web component, of the very version this bot runs (no CDN needed)."""
        spec = importlib.util.find_spec("gradio")
        folder = Path(spec.origin).parent if spec is not None and spec.origin else Path(".")
        return FileResponse(folder / "templates" / "frontend" / "gradio.js", media_type="text/javascript")

    def chats() -> list[tuple[str, Any]]:
        from qa.ui.chat import Feedback, build_ui

        queue = (settings.queue_size, settings.workers)
        out = []
        for name in kbs.names():
            if name != DEFAULT:
                log = partial(recorder, name) if recorder is not None else None
                ui = build_ui(_opener(kbs, name), settings.top_k, None, log, title=f"{TITLE} · {name}", queue=queue)
                out.append((f"/kb/{name}", ui))
        feedback = Feedback(settings.index_dir / "feedback.jsonl")
        own = recorder(DEFAULT) if recorder is not None else None
        out.append(("/", build_ui(live, settings.top_k, feedback, own, queue=queue)))  # last: "/" takes the rest
        return out

    return api, chats


def mount_chat(api: FastAPI, ui: Any, path: str) -> None:
    """Mount one chat UI (Gradio Blocks) at `path`."""

    import gradio as gr

    from qa.ui.chat import CSS, HEAD

    gr.mount_gradio_app(api, ui, path=path, footer_links=["api"], css=CSS, head=HEAD)


def _opener(kbs: KnowledgeBases, name: str) -> Callable[[], Live]:
    return lambda: kbs.get(name)


def _app_page(apps: Apps, key: str, request: Request) -> HTMLResponse:
    """The page of the app with public key `key`: refused when framed by a site the app does not list
    (its `Referer`, checked here; `frame-ancestors`, checked by the browser)."""
    app = apps.by_key(key[:200])
    if app is None or app.revoked:
        return _page(404, "没有这个应用，或它已停用。", "No such app, or it has been turned off.", "'none'")
    ancestors = " ".join(("'self'", *app.origins))
    referer = origin_of(request.headers.get("referer"))
    own = origin_of(f"{request.url.scheme}://{request.headers.get('host', '')}")
    if referer is not None and referer != own and referer not in app.origins:
        return _page(
            403,
            f"此网站（{referer}）未获准嵌入这个问答应用。",
            f"This site ({referer}) is not allowed to embed this app.",
            ancestors,
        )
    title = escape(app.title or TITLE)
    body = (
        f'<!doctype html><html lang="{app.lang}"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>html,body{{margin:0;height:100%}}#qa-app{{height:100%}}</style>"
        '<div id="qa-app"></div>'
        f'<script src="/widget.js" data-app-key="{escape(app.key, quote=True)}" data-inline="true" '
        'data-container="#qa-app"></script>'
    )
    return HTMLResponse(body, headers=_framing(ancestors))


def _page(status: int, zh: str, en: str, ancestors: str) -> HTMLResponse:
    body = f"<!doctype html><meta charset=utf-8><p>{escape(zh)}</p><p>{escape(en)}</p>"
    return HTMLResponse(body, status, headers=_framing(ancestors))


def _framing(ancestors: str) -> dict[str, str]:
    return {"Content-Security-Policy": f"frame-ancestors {ancestors}", "Referrer-Policy": "no-referrer"}


def serve(settings: Settings, loading: Future[Answerer] | None = None) -> None:
    """Load the index and model (or take them from `loading`, `qa.service.start_loading`), then serve
    the API and the chat UI on `settings.host`:`settings.port` until interrupted.

    The API answers as soon as the index and the model are loaded. The chat UIs are built meanwhile
    (importing Gradio takes seconds) and mounted when ready; until then their pages say that the chat
    is starting and reload themselves.
    """
    import uvicorn

    from qa.service import open_answerer, warm_up

    host, port = settings.host, settings.port
    answerer = loading.result() if loading is not None else warm_up(open_answerer(settings))
    api, chats = create_api_app(LiveAnswerer(settings, answerer), settings)
    _start_chats_later(api, chats)
    print(f"聊天界面 / chat UI: http://{host}:{port}/ · API: http://{host}:{port}/docs", flush=True)
    if settings.admin_token:
        print(f"管理后台 / console: http://{host}:{port}/admin (令牌 / token: QA_ADMIN_TOKEN)", flush=True)
    # proxy_headers=False: uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 by default.
    uvicorn.run(behind_proxies(api, settings), host=host, port=port, log_level="warning", proxy_headers=False)


_STARTING = (
    '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><meta http-equiv="refresh" content="1">'
    "<title>正在启动 / Starting</title><p>聊天界面正在启动，马上就好…… / The chat is starting…</p>"
)


def _start_chats_later(api: FastAPI, chats: Callable[[], list[tuple[str, Any]]]) -> None:
    """When the server has started, build the chat UIs in a thread and mount them on its event loop
    (Gradio's queue starts there), replacing the pages that say the chat is starting."""

    async def starting() -> HTMLResponse:
        return HTMLResponse(_STARTING, headers={"Cache-Control": "no-store"})

    api.add_api_route("/", starting, include_in_schema=False)
    api.add_api_route("/kb/{name}/", starting, include_in_schema=False)
    placeholders = list(api.router.routes[-2:])
    entered = api.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        async with entered(app) as state:
            loop = asyncio.get_running_loop()
            threading.Thread(target=_build, args=(loop,), name="qa-chat-ui", daemon=True).start()
            yield state

    def _build(loop: asyncio.AbstractEventLoop) -> None:
        built = chats()
        asyncio.run_coroutine_threadsafe(_mount(built), loop)

    async def _mount(built: list[tuple[str, Any]]) -> None:
        for path, ui in built:
            mount_chat(api, ui, path)
            ui.run_startup_events()
            await ui.run_extra_startup_events()
        for route in placeholders:
            api.router.routes.remove(route)

    api.router.lifespan_context = lifespan


def behind_proxies(app: FastAPI, settings: Settings) -> Any:
    """`app`, reading the client's address (rate limits, the log) from X-Forwarded-For only when the
    request comes from one of QA_TRUSTED_PROXIES; without that setting, the header is ignored."""
    if not settings.trusted_proxies:
        return app
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    return ProxyHeadersMiddleware(app, trusted_hosts=list(settings.trusted_proxies))  # type: ignore[arg-type]
