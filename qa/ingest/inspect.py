"""`qa inspect FILE`: one file as the index sees it — metadata, heading tree, passages, and what was dropped.

This is how a user finds out why an answer is not found: a line a rule removed, an article cut
in two, a heading that was taken for the title. The admin console shows the same data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.config import MAX_CHARS, MIN_CHARS
from qa.errors import InputError
from qa.ingest.chunk import chunk
from qa.ingest.corpus import SUFFIXES, document_of, heading_paths, parse_file, why_empty
from qa.ingest.decode import NotTextError
from qa.ingest.document import Article, Document, Passage
from qa.ingest.rules import describe

MAX_BYTES = 200 * 1024 * 1024  # a larger file is refused rather than read into memory


@dataclass(frozen=True)
class Inspection:
    """What ingestion makes of one file: its document and passages, or why it is skipped, and what it dropped."""

    path: str
    article: Article | None
    document: Document | None
    passages: tuple[Passage, ...]
    skipped: str | None  # the reason the file is not indexed, or None

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `qa inspect --json` (and of the console's document page)."""
        doc, article = self.document, self.article
        title = doc.title if doc else None
        blocks = [b for b in (article.blocks if article else ()) if not (b.kind == "heading" and b.text == title)]
        tree = [
            {"level": len(path), "text": block.text}
            for block, path in zip(blocks, heading_paths(blocks))
            if block.kind == "heading"
        ]
        return {
            "path": self.path,
            "skipped": self.skipped,
            "parser": article.kind if article else None,
            "title": doc.title if doc else (article.title if article else None),
            "publisher": doc.publisher if doc else None,
            "date": doc.date if doc else None,
            "author": doc.author if doc else None,
            "source_line": doc.source_line if doc else None,
            "url": doc.url if doc else None,
            "chars_read": article.chars_read if article else 0,
            "kept_share": round(doc.kept_share, 3) if doc else 0.0,
            "headings": tree,
            "passages": [
                {
                    "id": p.id,
                    "paragraph": p.paragraph,
                    "part": p.part,
                    "heading": p.heading,
                    "label": p.label,
                    "lead": p.lead,
                    "text": p.text,
                }
                for p in self.passages
            ],
            "dropped": [
                {"rule": d.rule, "rule_zh": describe(d.rule, "zh"), "rule_en": describe(d.rule, "en"), "text": d.text}
                for d in (article.dropped if article else ())
            ],
        }


def inspect_file(path: Path, root: Path | None = None) -> Inspection:
    """Read `path` the way `qa index` does, keeping what it drops.

    Args:
        path: the file.
        root: the corpus folder it belongs to (its name in the index is relative to it); default its folder.

    Raises:
        InputError: the path is not a readable file of a supported format.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"找不到文件：{path}", f"file not found: {path}")
    if not path.name.lower().endswith(SUFFIXES):
        raise InputError(
            f"不支持的文件类型：{path.name}（支持 {' '.join(SUFFIXES)}）",
            f"unsupported file type: {path.name} (supported: {' '.join(SUFFIXES)})",
        )
    if path.stat().st_size > MAX_BYTES:
        raise InputError(f"文件过大：{path.name}", f"file too large: {path.name}")
    rel = _relative(path, root)
    try:
        data = path.read_bytes()
        article, encoding, url, title, pdf = parse_file(data, path.suffix.lower())
    except (NotTextError, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Inspection(rel, None, None, (), reason)
    if not any(b.kind == "para" for b in article.blocks):
        return Inspection(rel, article, None, (), why_empty(article))
    doc = document_of(path, rel, data, (article, encoding, url, title, pdf))
    return Inspection(rel, article, doc, tuple(chunk(doc, MAX_CHARS, MIN_CHARS)), None)


def _relative(path: Path, root: Path | None) -> str:
    base = Path(root) if root else path.parent
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.name


def format_inspection(report: dict[str, Any]) -> str:
    """The report of `Inspection.to_dict` as text for a terminal."""
    lines = [f"文件 / file: {report['path']}"]
    if report["skipped"]:
        lines.append(f"跳过 / skipped: {report['skipped']}")
    meta = [
        ("标题 / title", report["title"]),
        ("发布者 / publisher", report["publisher"]),
        ("日期 / date", report["date"]),
        ("作者 / author", report["author"]),
        ("出处行 / source line", report["source_line"]),
        ("链接 / url", report["url"]),
        ("解析 / parser", report["parser"]),
    ]
    lines += [f"{name}: {value}" for name, value in meta if value]
    if report["chars_read"]:
        lines.append(f"保留 / kept: {report['kept_share']:.0%} of {report['chars_read']} 字 / characters")
    if report["headings"]:
        lines += ["", "标题结构 / headings:"]
        lines += [f"{'  ' * heading['level']}{heading['text']}" for heading in report["headings"]]  # level ≥ 1
    if report["passages"]:
        lines += ["", f"段落 / passages ({len(report['passages'])}):"]
        for p in report["passages"]:
            where = " › ".join(x for x in (p["heading"], p["label"]) if x)
            lines.append(f"[{p['id']}] {where}".rstrip())
            if p["lead"]:
                lines.append(f"    (引导语 / lead-in) {p['lead']}")
            lines += [f"    {line}" for line in p["text"].split("\n")]
    if report["dropped"]:
        lines += ["", f"删去 / dropped ({len(report['dropped'])}):"]
        for d in report["dropped"]:
            text = " ".join(d["text"].split())
            lines.append(f"  - {d['rule_zh']} / {d['rule_en']}: {text[:120]}{'…' if len(text) > 120 else ''}")
    return "\n".join(lines)
