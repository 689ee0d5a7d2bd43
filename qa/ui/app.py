"""A plain Gradio chat box over `Answerer.ask` (the full UI is a later issue)."""

from __future__ import annotations

import html
from typing import Any

import gradio as gr
from fastapi import FastAPI

from qa.answer.engine import Answerer
from qa.answer.results import Answer
from qa.api.app import ApiSettings, create_api
from qa.config import Settings
from qa.errors import QAError

TITLE = "中文文档问答 · Chinese document QA"


def to_markdown(answer: Answer) -> str:
    """The answer as Markdown; document text is HTML-escaped (never trusted)."""
    if not answer.answered:
        return f"{html.escape(answer.message)}（{html.escape(answer.message_en)}）"
    parts = []
    for c in answer.passages:
        a, b = c.quote_start, c.quote_end
        body = f"{html.escape(c.text[:a])}<mark>{html.escape(c.text[a:b])}</mark>{html.escape(c.text[b:])}"
        s = c.source
        meta = " · ".join(html.escape(x) for x in (s.title, s.publisher, s.date, f"第 {s.paragraph} 段", s.path) if x)
        link = f' · <a href="{html.escape(s.url, quote=True)}" target="_blank" rel="noopener">链接</a>' if s.url else ""
        parts.append(f"**[{c.rank}]** {body}\n\n<sub>{meta}{link}</sub>")
    return "\n\n---\n\n".join(parts)


def build_ui(answerer: Answerer, top_k: int = 5) -> gr.Blocks:
    """The chat box: history questions go to `ask` as the conversation."""

    def respond(message: str, history: list[Any]) -> str:
        previous = [m["content"] for m in history if isinstance(m, dict) and m.get("role") == "user"]
        try:
            return to_markdown(answerer.ask(message, history=previous, top_k=top_k))
        except QAError as exc:
            return f"⚠️ {html.escape(exc.zh)}（{html.escape(exc.en)}）"

    docs = len(answerer.index.documents)
    passages = len(answerer.index.passages)
    return gr.ChatInterface(
        respond,
        title=TITLE,
        description=f"已收录 {docs} 篇文章 · {passages} 段 / {docs} documents · {passages} passages",
        api_name="chat",
    )


def create_app(answerer: Answerer, settings: Settings) -> FastAPI:
    """The HTTP API with the chat UI mounted at /."""
    api = create_api(answerer, ApiSettings(settings.allowed_origins, settings.rate_limit))
    return gr.mount_gradio_app(api, build_ui(answerer, settings.top_k), path="/", footer_links=["api"])


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Load the index and model, then serve the API and the chat UI until interrupted."""
    import uvicorn

    from qa.service import open_answerer

    answerer = open_answerer(settings)
    print(f"聊天界面 / chat UI: http://{host}:{port}/ · API: http://{host}:{port}/docs", flush=True)
    uvicorn.run(create_app(answerer, settings), host=host, port=port, log_level="warning")
