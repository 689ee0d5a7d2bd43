"""The server: the HTTP API with the chat UI, the document pages and the embed scripts mounted on it."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from qa.answer.engine import Answerer
from qa.api.app import create_api
from qa.config import Settings
from qa.live import Live, LiveAnswerer, as_live
from qa.ui.cards import document_page
from qa.ui.chat import CSS, HEAD, Feedback, build_ui

STATIC = Path(__file__).resolve().parent / "ui" / "static"


def create_app(answerer: Answerer | Live, settings: Settings) -> FastAPI:
    """The HTTP API with the chat UI mounted at /."""
    live = as_live(answerer)
    api = create_api(live, settings)

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
    ui = build_ui(live, settings.top_k, feedback)
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
        print("管理接口已开启 / admin on: POST /api/admin/reload (Authorization: Bearer $QA_ADMIN_TOKEN)", flush=True)
    uvicorn.run(create_app(LiveAnswerer(settings, answerer), settings), host=host, port=port, log_level="warning")
