"""Plain-text rendering of answers for the terminal."""

from __future__ import annotations

from qa.answer.results import Answer, Citation, Source
from qa.ingest.document import HEADING_PATH


def source_line(source: Source) -> str:
    """标题 · 章节 · 发布者 · 日期 · 作者 · 文件 · 第 p 页 · 第 n 段 · 链接 (absent parts left out; pages only for
    PDFs): a regulation is cited as 规则 · 第二章 受理 · 第五条."""
    parts = [
        source.title,
        source.section.replace(HEADING_PATH, " · ") if source.section else None,
        source.publisher,
        source.date,
        source.author,
        source.path,
        f"第 {source.page} 页" if source.page is not None else None,
        f"第 {source.paragraph} 段" if source.paragraph else None,  # 0: the page's header (its source line)
        source.url,
    ]
    return " · ".join(p for p in parts if p)


def marked(citation: Citation, color: bool = False) -> str:
    """The passage text with its quote marked 【…】 (or highlighted on a colour terminal)."""
    a, b = citation.quote_start, citation.quote_end
    left, right = ("\033[1;33m", "\033[0m") if color else ("【", "】")
    return f"{citation.text[:a]}{left}{citation.text[a:b]}{right}{citation.text[b:]}"


def render(answer: Answer, color: bool = False) -> str:
    """The whole answer as text: each passage, its marked quote and its source."""
    lines = [f"问 / Q: {answer.question}"]
    if not answer.answered:
        lines.append(f"{answer.message} / {answer.message_en}")
        return "\n".join(lines)
    for c in answer.passages:
        lines.append("")
        lines.append(f"[{c.rank}] 引文 / quote: {c.quote}")
        lines.append(f"    {marked(c, color)}")
        lines.append(f"    —— 来源 / source: {source_line(c.source)}")
        if c.also_in:
            lines.append(f"    （相同内容亦见 / also in: {', '.join(c.also_in)}）")
    lines.append("")
    lines.append(f"({answer.took_ms:.0f} ms)")
    return "\n".join(lines)
