"""The chat UI (Gradio Blocks) and answer feedback; `qa.server` mounts it on the HTTP app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from functools import partial
from html import escape
from pathlib import Path

import gradio as gr

from qa.answer.engine import Answerer
from qa.config import DEFAULT_TOP_K
from qa.errors import QAError
from qa.live import Live, Recorder, as_live
from qa.ui.cards import TITLE, answer_html

CSS = """
.qa-card { border: 1px solid #e5e7eb; border-radius: 8px; padding: .6em .8em; margin: .4em 0; line-height: 1.7;
  white-space: pre-line; }
.qa-card .qa-source { white-space: normal; }
.qa-card mark { background: #fff3bf; padding: 0 .1em; }
.qa-source { color: #555; font-size: .88em; margin-top: .3em; }
"""
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


def build_ui(
    answerer: Answerer | Live | Callable[[], Live],
    top_k: int = DEFAULT_TOP_K,
    feedback: Feedback | None = None,
    recorder: Recorder | Callable[[], Recorder | None] | None = None,
    title: str = TITLE,
    queue: tuple[int, int] | None = None,
) -> gr.Blocks:
    """The chat: cards stream in one by one; earlier questions go to `ask` as the conversation.

    `answerer` may be a function giving the live answerer: a knowledge base then opens when its page is
    first visited, not when the server starts. `recorder` (the console's question log, or a function
    giving it once the knowledge base is open) gets every question and the visitor's 👍/👎. `queue` (waiting at most, answered at once) bounds Gradio's queue.
    """
    opened: Callable[[], Live]
    if isinstance(answerer, Answerer) or hasattr(answerer, "current"):
        live = as_live(answerer)  # type: ignore[arg-type]
        opened = partial(lambda given: given, live)
    else:
        opened = answerer  # type: ignore[assignment]

    def current() -> Answerer:
        """The answerer now (after a reload, the new one), opening the knowledge base on first use."""
        return opened().current

    def log() -> Recorder | None:
        return recorder if recorder is None or hasattr(recorder, "record") else recorder()  # type: ignore[return-value]

    def respond(
        message: str, history: list[dict], asked: list[dict], lang_label: str, request: gr.Request
    ) -> Iterator[tuple]:
        lang = "en" if lang_label == "English" else "zh"
        previous = [m["content"] for m in history if m.get("role") == "user"]
        history = [*history, {"role": "user", "content": message}]
        yield "", [*history, {"role": "assistant", "content": THINKING[lang]}], asked
        try:
            answer = current().ask(message, history=previous, top_k=top_k)
        except QAError as exc:
            text = escape(exc.zh if lang == "zh" else exc.en)
            yield "", [*history, {"role": "assistant", "content": f"⚠️ {text}"}], asked
            return
        record = {"question": message, "passages": [c.id for c in answer.passages]}
        recorder = log()
        if recorder is not None:
            headers = dict(request.headers) if request is not None else {}
            client = request.client.host if request is not None and request.client else None
            record["token"] = recorder.record(answer, "chat", headers, client)
        asked = [*asked, record]
        if not answer.answered:
            yield "", [*history, {"role": "assistant", "content": answer_html(answer, lang)}], asked
            return
        for shown in range(1, len(answer.passages) + 1):  # stream the cards
            yield "", [*history, {"role": "assistant", "content": answer_html(answer, lang, shown)}], asked

    def like(data: gr.LikeData, asked: list[dict]) -> None:
        recorder = log()
        if (feedback is None and recorder is None) or not asked:
            return
        answer_no = data.index[0] // 2 if isinstance(data.index, (list, tuple)) else int(data.index) // 2
        if 0 <= answer_no < len(asked):
            row = asked[answer_no]
            if feedback is not None:
                feedback.save(row["question"], row["passages"], data.liked)
            if recorder is not None and row.get("token"):
                recorder.rate(row["token"], bool(data.liked) if isinstance(data.liked, bool) else None)

    def header() -> tuple[str, gr.Dataset]:
        try:
            now = current()
        except QAError as exc:
            return f"## {escape(title)}\n⚠️ {escape(exc.zh)} / {escape(exc.en)}", gr.Dataset(samples=[])
        docs, passages = len(now.index.documents), len(now.index.passages)
        text = f"## {escape(title)}\n已收录 {docs} 篇文章 · {passages} 段 / {docs} documents · {passages} passages"
        return text, gr.Dataset(samples=[[q] for q in example_questions(now)])

    with gr.Blocks(title=title) as ui:
        heading = gr.Markdown(f"## {escape(title)}", elem_id="qa-heading")
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
        examples = gr.Dataset(
            components=[box], samples=[], label="示例问题 / Examples", type="values", elem_id="qa-examples"
        )
        examples.click(lambda sample: sample[0], [examples], [box], api_visibility="private")
        ui.load(header, None, [heading, examples], api_visibility="private")
        box.submit(respond, [box, chat, asked, lang], [box, chat, asked], api_visibility="private")
        chat.like(like, [asked], None)

        @gr.api(api_name="chat")
        def chat_api(question: str) -> str:
            """One question → the answer as HTML cards (for gradio_client)."""
            try:
                return answer_html(current().ask(question, top_k=top_k))
            except QAError as exc:
                return f"⚠️ {escape(exc.zh)}（{escape(exc.en)}）"

    if queue is not None:
        ui.queue(max_size=queue[0], default_concurrency_limit=queue[1])
    return ui
