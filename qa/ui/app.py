"""The chat UI (Gradio, mounted on the HTTP API), the document page and answer feedback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from html import escape
from pathlib import Path

import gradio as gr
from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse

from qa.answer.engine import Answerer
from qa.answer.results import Answer
from qa.api.app import ApiSettings, Live, as_live, create_api
from qa.config import Settings
from qa.errors import QAError
from qa.ui.cards import answer_html, document_page

TITLE = "中文文档问答 · Chinese document QA"
CSS = """
.qa-card { border: 1px solid #e5e7eb; border-radius: 8px; padding: .6em .8em; margin: .4em 0; line-height: 1.7; }
.qa-card mark { background: #fff3bf; padding: 0 .1em; }
.qa-source { color: #555; font-size: .88em; margin-top: .3em; }
"""
STATIC = Path(__file__).resolve().parent / "static"
# Copy a citation (quote + source line) to the clipboard: a delegated listener, since chat HTML runs no script.
HEAD = """<script>
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a.qa-copy");
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  var card = link.closest(".qa-card");
  var text = "“" + card.querySelector("mark").innerText + "” —— " + card.querySelector(".qa-line").innerText;
  navigator.clipboard.writeText(text).then(function () { link.textContent = "✓"; });
}, true);
</script>"""
THINKING = {"zh": "检索中…", "en": "Searching…"}


def to_markdown(answer: Answer, lang: str = "zh") -> str:
    """The answer as chat HTML: numbered citation cards; document text is HTML-escaped (never trusted)."""
    return answer_html(answer, lang)


def example_questions(answerer: Answerer, n: int = 4) -> list[str]:
    """Clickable examples drawn from the corpus: its quoted terms (“…”, 《…》), else its titles."""
    terms = [t for t in answerer.index.tokenizer.terms if 2 <= len(t) <= 12][:n]
    out = [f"{t}是什么？" for t in terms]
    for doc in answerer.index.documents.values():
        if len(out) >= n:
            break
        out.append(f"{doc.title[:24]}讲了什么？")
    return out[:n]


class Feedback:
    """👍/👎 on answers, appended as JSON lines (question, passage ids, liked) under the index folder."""

    def __init__(self, path: Path) -> None:
        """Args: path: the JSONL file (created on first use)."""
        self.path = path
        self._lock = threading.Lock()

    def save(self, question: str, passage_ids: list[str], liked: bool | str | None) -> None:
        """Append one record."""
        row = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "question": question,
            "passages": passage_ids,
            "liked": liked,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def build_ui(answerer: Answerer | Live, top_k: int = 5, feedback: Feedback | None = None) -> gr.Blocks:
    """The chat: cards stream in one by one; earlier questions go to `ask` as the conversation."""
    live = as_live(answerer)
    docs, passages = len(live.current.index.documents), len(live.current.index.passages)

    def respond(message: str, history: list[dict], asked: list[dict], lang_label: str) -> Iterator[tuple]:
        lang = "en" if lang_label == "English" else "zh"
        previous = [m["content"] for m in history if m.get("role") == "user"]
        history = [*history, {"role": "user", "content": message}]
        yield "", [*history, {"role": "assistant", "content": THINKING[lang]}], asked
        try:
            answer = live.current.ask(message, history=previous, top_k=top_k)
        except QAError as exc:
            text = escape(exc.zh if lang == "zh" else exc.en)
            yield "", [*history, {"role": "assistant", "content": f"⚠️ {text}"}], asked
            return
        record = {"question": message, "passages": [c.id for c in answer.passages]}
        asked = [*asked, record]
        if not answer.answered:
            yield "", [*history, {"role": "assistant", "content": answer_html(answer, lang)}], asked
            return
        for shown in range(1, len(answer.passages) + 1):  # stream the cards
            yield "", [*history, {"role": "assistant", "content": answer_html(answer, lang, shown)}], asked

    def like(data: gr.LikeData, asked: list[dict]) -> None:
        if feedback is None or not asked:
            return
        answer_no = data.index[0] // 2 if isinstance(data.index, (list, tuple)) else int(data.index) // 2
        if 0 <= answer_no < len(asked):
            row = asked[answer_no]
            feedback.save(row["question"], row["passages"], data.liked)

    with gr.Blocks(title=TITLE) as ui:
        gr.Markdown(f"## {TITLE}\n已收录 {docs} 篇文章 · {passages} 段 / {docs} documents · {passages} passages")
        lang = gr.Radio(["中文", "English"], value="中文", label="语言 / Language", elem_id="qa-lang")
        chat = gr.Chatbot(
            elem_id="qa-chat",
            height=560,
            buttons=["copy"],
            placeholder="请输入问题，例如下方的示例。 / Ask a question, or click an example below.",
        )
        asked = gr.State([])
        box = gr.Textbox(
            placeholder="输入问题，按 Enter 发送 / Type a question, press Enter",
            show_label=False,
            elem_id="qa-input",
            autofocus=True,
        )
        gr.Examples(example_questions(live.current), inputs=box, label="示例问题 / Examples")
        box.submit(respond, [box, chat, asked, lang], [box, chat, asked], api_visibility="private")
        chat.like(like, [asked], None)

        @gr.api(api_name="chat")
        def chat_api(question: str) -> str:
            """One question → the answer as HTML cards (for gradio_client)."""
            try:
                return to_markdown(live.current.ask(question, top_k=top_k))
            except QAError as exc:
                return f"⚠️ {escape(exc.zh)}（{escape(exc.en)}）"

    return ui


def create_app(answerer: Answerer | Live, settings: Settings) -> FastAPI:
    """The HTTP API with the chat UI mounted at /."""
    live = as_live(answerer)
    api = create_api(live, ApiSettings(settings.allowed_origins, settings.rate_limit, settings.admin_token))

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


def serve(
    settings: Settings, host: str = "127.0.0.1", port: int = 7860, loading: Future[Answerer] | None = None
) -> None:
    """Load the index and model (or take them from `loading`, `qa.service.start_loading`), then
    serve the API and the chat UI until interrupted."""
    import uvicorn

    from qa.service import LiveAnswerer, open_answerer, warm_up

    answerer = loading.result() if loading is not None else warm_up(open_answerer(settings))
    print(f"聊天界面 / chat UI: http://{host}:{port}/ · API: http://{host}:{port}/docs", flush=True)
    if settings.admin_token:
        print("管理接口已开启 / admin on: POST /api/admin/reload (Authorization: Bearer $QA_ADMIN_TOKEN)", flush=True)
    uvicorn.run(create_app(LiveAnswerer(settings, answerer), settings), host=host, port=port, log_level="warning")
