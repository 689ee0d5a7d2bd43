"""HTML for citation cards and the document page. Pure functions; every document string is escaped."""

from __future__ import annotations

from html import escape

from qa.answer.results import Answer, Citation
from qa.ingest.document import HEADING_PATH, Document

TITLE = "中文文档问答 · Chinese document QA"
TEXT = {
    "zh": {
        "no_answer": "未在资料中找到相关内容。",
        "try": "资料里与此最接近的主题：",
        "paragraph": "第 {n} 段",
        "page": "第 {n} 页",
        "open": "查看原文",
        "here": "本站副本",
        "score": "相关度 {score:.2f}",
        "also": "另见",
        "source": "来源",
        "back": "返回",
        "copy": "复制引文",
    },
    "en": {
        "no_answer": "Nothing in the documents answers this question.",
        "try": "The closest topics in the documents:",
        "paragraph": "paragraph {n}",
        "page": "page {n}",
        "open": "open document",
        "here": "copy here",
        "score": "score {score:.2f}",
        "also": "also in",
        "source": "source",
        "back": "back",
        "copy": "copy quote",
    },
}


def source_line(c: Citation, lang: str = "zh") -> str:
    """标题 · 章节 · 发布者 · 日期 · 第 p 页 · 第 n 段 (escaped, absent parts left out; pages only for PDFs)."""
    s = c.source
    t = TEXT[lang]
    page = t["page"].format(n=s.page) if s.page is not None else None
    section = s.section.replace(HEADING_PATH, " · ") if s.section else None
    paragraph = t["paragraph"].format(n=s.paragraph) if s.paragraph else None  # 0: the page's header
    parts = [s.title, section, s.publisher, s.date, page, paragraph]
    return " · ".join(escape(p) for p in parts if p)


def doc_href(c: Citation) -> str:
    """The link to the cleaned document, scrolled to the cited paragraph."""
    return f"/doc/{escape(c.source.doc_id, quote=True)}?p={c.source.paragraph}#p{c.source.paragraph}"


def _web(url: str | None) -> bool:
    """Whether `url` may be a link's href: http or https only (never javascript:, data:…)."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def card(c: Citation, lang: str = "zh") -> str:
    """One numbered citation card: the passage with its quote marked, the source and the links.

    With a `link` (the owner's page, scrolled to the quote), 查看原文 opens it and a small link leads to
    the bot's copy; without one, 查看原文 is the bot's copy (and the page's URL, if any, is linked beside).
    """
    t = TEXT[lang]
    a, b = c.quote_start, c.quote_end
    body = f"{escape(c.text[:a])}<mark>{escape(c.text[a:b])}</mark>{escape(c.text[b:])}"
    if c.link and _web(c.link):
        link = (
            f'<a class="qa-open" href="{escape(c.link, quote=True)}" target="_blank" rel="noopener nofollow">'
            f'{t["open"]} ↗</a> <small><a class="qa-here" href="{doc_href(c)}" target="_blank" rel="noopener">'
            f"{t['here']}</a></small>"
        )
        external = ""
    else:
        link = f'<a class="qa-open" href="{doc_href(c)}" target="_blank" rel="noopener">{t["open"]} ↗</a>'
        external = (
            f' · <a href="{escape(c.source.url, quote=True)}" target="_blank" rel="noopener nofollow">URL</a>'
            if c.source.url and _web(c.source.url)
            else ""
        )
    score = escape(t["score"].format(score=c.score), quote=True)
    also = f" · {t['also']} {len(c.also_in)}" if c.also_in else ""
    return (
        f'<div class="qa-card" title="{score}"><b>[{c.rank}]</b> {body}'
        f'<div class="qa-source">{t["source"]}: <span class="qa-line">{source_line(c, lang)}</span>{also} · {link}'
        f'{external} · <a class="qa-copy" href="#copy">{t["copy"]}</a></div></div>'
    )


def answer_html(answer: Answer, lang: str = "zh", limit: int | None = None) -> str:
    """The whole answer: cards, or the plain "no answer" with suggestions."""
    t = TEXT[lang]
    if not answer.answered:
        text = escape(answer.message if lang == "zh" else answer.message_en or t["no_answer"])
        if answer.suggestions:
            text += f"<br>{t['try']}" + "；".join(f"《{escape(s)}》" for s in answer.suggestions)
        return text
    return "\n".join(card(c, lang) for c in answer.passages[:limit])


def document_page(doc: Document, highlight: int | None, lang: str = "zh") -> str:
    """A standalone HTML page of the cleaned document; paragraph `highlight` is marked and scrolled to."""
    meta = " · ".join(escape(x) for x in (doc.publisher, doc.date, doc.author) if x)
    paras: list[str] = []
    last_heading = None
    for p in doc.paragraphs:
        cls = ' class="hit"' if p.number == highlight else ""
        heading = f"<h2>{escape(p.heading)}</h2>" if p.heading and p.heading != last_heading else ""
        last_heading = p.heading
        paras.append(
            f'{heading}<p id="p{p.number}"{cls}><span class="n">{p.number}</span>{escape(doc.text[p.start : p.end])}</p>'
        )
    url = (
        f'<p><a href="{escape(doc.url, quote=True)}" rel="noopener nofollow">{escape(doc.url)}</a></p>'
        if doc.url and _web(doc.url)
        else ""
    )
    return f"""<!doctype html>
<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(doc.title)}</title>
<style>
body {{ font: 17px/1.8 system-ui, "PingFang SC", "Noto Sans CJK SC", sans-serif; max-width: 46em; margin: 0 auto;
       padding: 1em; color: #222; }}
h1 {{ font-size: 1.5em; line-height: 1.4; }} .meta {{ color: #666; }}
p {{ position: relative; padding: .2em .4em; border-radius: 4px; white-space: pre-line; }}
p .n {{ position: absolute; left: -2.2em; width: 1.8em; text-align: right; color: #aaa; font-size: .8em; }}
p.hit, p:target {{ background: #fff3bf; outline: 2px solid #f08c00; }}
</style></head><body>
<h1>{escape(doc.title)}</h1><p class="meta">{meta} · {escape(doc.path)}</p>{url}
{"".join(paras)}
<script>document.querySelector("p.hit")?.scrollIntoView({{block: "center"}});</script>
</body></html>"""
