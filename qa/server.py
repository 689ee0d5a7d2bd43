"""The server: the HTTP API with the chat UI, the document pages and the embed scripts mounted on it."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from qa.admin.api import UPLOAD_PATH, mount_console
from qa.admin.console import Console
from qa.admin.conversations import Recorder
from qa.admin.library import MAX_FILES
from qa.answer.engine import Answerer
from qa.api.app import create_api
from qa.config import Settings
from qa.live import Live, LiveAnswerer, as_live
from qa.ui.cards import document_page
from qa.ui.chat import CSS, HEAD, Feedback, build_ui

STATIC = Path(__file__).resolve().parent / "ui" / "static"


def create_app(answerer: Answerer | Live, settings: Settings) -> FastAPI:
    """The HTTP API with the chat UI mounted at /, and the console at /admin when an admin token is set
    and the index can be reloaded (a `LiveAnswerer`)."""
    live = as_live(answerer)
    console = Console(settings, live) if settings.admin_token and isinstance(live, LiveAnswerer) else None
    recorder = Recorder(console.log) if console is not None else None
    limits = {UPLOAD_PATH: MAX_FILES * (settings.upload_mb * 1024 * 1024 + 4096)}
    extend = (lambda app: mount_console(app, console)) if console is not None else None
    api = create_api(live, settings, recorder=recorder, body_limits=limits, extend=extend)

    @api.get("/doc/{doc_id}", response_class=HTMLResponse)
    def document(doc_id: str, p: int | None = None, lang: str = "zh") -> HTMLResponse:
        """The cleaned document as a page, paragraph `p` highlighted."""
        doc = live.current.index.documents.get(doc_id)
        if doc is None:
            return HTMLResponse("<!doctype html><meta charset=utf-8><p>没有这篇文档。 / No such document.</p>", 404)
        return HTMLResponse(document_page(doc, p, "en" if lang == "en" else "zh"))

    @api.get("/widget.js", include_in_schema=False)
    def widget() -> FileResponse:
        """The embeddable floating chat button (see examples/widget.html)."""
        return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8")

    @api.get("/gradio.js", include_in_schema=False)
    def web_component() -> FileResponse:
        """Gradio's <gradio-app> web component, of the very version this bot runs (no CDN needed)."""
        return FileResponse(
            Path(gr.__file__).parent / "templates" / "frontend" / "gradio.js", media_type="text/javascript"
        )

    feedback = Feedback(settings.index_dir / "feedback.jsonl")
    ui = build_ui(live, settings.top_k, feedback, recorder)
    return gr.mount_gradio_app(api, ui, path="/", footer_links=["api"], css=CSS, head=HEAD)


def serve(settings: Settings, loading: Future[Answerer] | None = None) -> None:
    """Load the index and model (or take them from `loading`, `qa.service.start_loading`), then
    serve the API and the chat UI on `settings.host`:`settings.port` until interrupted."""
    import uvicorn

    from qa.service import open_answerer, warm_up

    host, port = settings.host, settings.port
    answerer = loading.result() if loading is not None else warm_up(open_answerer(settings))
    print(f"聊天界面 / chat UI: http://{host}:{port}/ · API: http://{host}:{port}/docs", flush=True)
    if settings.admin_token:
        print(f"管理后台 / console: http://{host}:{port}/admin (令牌 / token: QA_ADMIN_TOKEN)", flush=True)
    uvicorn.run(create_app(LiveAnswerer(settings, answerer), settings), host=host, port=port, log_level="warning")
