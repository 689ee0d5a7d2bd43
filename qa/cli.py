"""The `qa` command: index, ask, inspect, eval, calibrate, apps, serve. Errors become one line and an exit code."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from qa.config import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_TOP_K, MAX_TOP_K, Settings
from qa.errors import ConfigError, InputError, QAError
from qa.linear import DEFAULT_PATH as DEFAULT_CALIBRATION


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings with this command's flags over them (`--kb NAME`: that knowledge base's
    corpus and index folders)."""
    settings = Settings.from_env(
        os.environ,
        corpus_dir=getattr(args, "corpus", None),
        index_dir=getattr(args, "index", None),
        model=getattr(args, "model", None),
        top_k=getattr(args, "top_k", None),
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
    )
    kb = getattr(args, "kb", None)
    if kb is None:
        return settings
    if getattr(args, "corpus", None) or getattr(args, "index", None):
        raise InputError(
            "--kb 已确定语料和索引文件夹，不能再用 --corpus 或 --index。",
            "--kb sets the corpus and index folders: leave out --corpus and --index.",
        )
    from qa.kbs import require

    return require(settings, kb)


def cmd_index(args: argparse.Namespace) -> int:
    """Build or update the index."""
    from qa.search.vectors import backend
    from qa.service import index_corpus

    settings = _settings(args)
    report = index_corpus(settings, rebuild=args.rebuild, warn=_warn, progress=sys.stderr.isatty())
    if not report.built:
        state = "已是最新 / up to date"
    elif report.reason:
        state = f"已重建（{report.reason}） / rebuilt · {report.changes}"
    else:
        state = f"已更新 / updated: {report.changes}"
    if report.refitted:
        kind = backend(settings.vector_store).label(report.refitted)
        state += f" · 向量索引按规模改为 {kind} / vector index refitted to {kind}"
    print(
        f"索引 {settings.index_dir}: {state} · {report.documents} 篇文档 / documents · "
        f"{report.passages} 段 / passages · 跳过 {len(report.skipped)} 个文件 / skipped · {report.seconds:.1f} s"
    )
    if args.timings and report.stages:
        from qa.timing import summary

        print(f"各阶段用时 / time per stage: {summary(report.stages)}")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question, or one per line of a batch file."""
    from qa.answer.engine import clean_question
    from qa.render import render
    from qa.service import open_answerer

    settings = _settings(args)
    if args.batch is None and args.question is None:
        raise InputError("请给出问题，或用 --batch 指定问题文件。", "Give a question, or a file with --batch.")
    if args.question is not None:
        clean_question(args.question)  # refuse bad input before the slow model load
    if args.batch not in (None, "-") and not Path(args.batch).is_file():
        raise InputError(f"找不到问题文件：{args.batch}", f"question file not found: {args.batch}")
    answerer = open_answerer(settings)
    if args.batch is not None:
        return _batch(answerer, args.batch, settings.top_k)
    answer = answerer.ask(args.question, top_k=settings.top_k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print(render(answer, color=sys.stdout.isatty()))
    return 0


def _batch(answerer: object, source: str, top_k: int) -> int:
    handle = sys.stdin if source == "-" else open(source, encoding="utf-8-sig")  # noqa: SIM115
    with handle:
        for line in handle:
            question = line.rstrip("\n")
            if not question.strip():
                continue
            try:
                data = answerer.ask(question, top_k=top_k).to_dict()  # type: ignore[attr-defined]
            except InputError as exc:
                data = {"question": question, "answered": False, "error": exc.to_dict(), "passages": []}
            print(json.dumps(data, ensure_ascii=False), flush=True)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the no-answer model on labelled questions."""
    from qa.evaluation.calibrate import calibrate

    distractors = [Path(d) for d in args.distractors or ()]
    report = calibrate(
        _settings(args), Path(args.data), Path(args.out), distractors, log=_warn, refusal_only=args.refusal_only
    )
    print(report)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    """Measure answer quality on a labelled question file."""
    from qa.evaluation.evaluate import format_report, run_eval

    settings = _settings(args)
    report = run_eval(
        settings,
        Path(args.file),
        distractors=[Path(d) for d in args.distractors or ()],
        top_k=args.top_k or 10,
        split=args.split,
        limit=args.limit,
        calibration=Path(args.calibration) if args.calibration else None,
        progress=not args.quiet,
        warn=_warn,
    )
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_report(report))
    return 0


def cmd_inspect(args: argparse.Namespace) -> int:
    """Show one file as the index sees it."""
    from qa.ingest.inspect import format_inspection, inspect_file

    settings = _settings(args)
    path = Path(args.file)
    root = settings.corpus_dir if _inside(path, settings.corpus_dir) else None
    report = inspect_file(path, root).to_dict()
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_inspection(report))
    return 0


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def cmd_apps(args: argparse.Namespace) -> int:
    """List, add, change, rotate, revoke or remove the apps that embed the bot; mint a visitor token."""
    from qa.api.apps import App, Apps, sign_token

    apps = Apps(_settings(args))
    action = args.action
    if action == "list":
        rows = [a.owner_view() for a in apps.all()]
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=2))
        for row in rows if not args.json else ():
            state = "已停用 / revoked" if row["revoked"] else "启用 / active"
            origins = ", ".join(row["origins"]) or "（仅本站 / same origin only）"
            print(f"{row['id']} · kb {row['kb']} · {state} · {row['key'] or '（无密钥 / no key）'} · {origins}")
        return 0
    if action == "add":
        app = apps.add(
            App(
                args.id,
                kb=args.kb_name,
                title=args.title,
                welcome=args.welcome,
                examples=tuple(args.example or ()),
                top_k=args.app_top_k or 3,
                lang=args.lang or "zh",
                origins=tuple(args.origin or ()),
                rate_limit=args.rate_limit or 0,
                daily_quota=args.daily_quota or 0,
            )
        )
    elif action == "update":
        app = apps.update(
            args.id,
            kb=args.kb_name,
            title=args.title,
            welcome=args.welcome,
            examples=args.example,
            top_k=args.app_top_k,
            lang=args.lang,
            origins=args.origin,
            rate_limit=args.rate_limit,
            daily_quota=args.daily_quota,
        )
    elif action == "rotate":
        app = apps.rotate(args.id)
    elif action == "revoke":
        app = apps.revoke(args.id, revoked=not args.undo)
    elif action == "remove":
        apps.remove(args.id)
        print(f"已删除 / removed: {args.id}")
        return 0
    else:  # token
        app = apps.get(args.id)  # type: ignore[assignment]
        if app is None or not app.secret:
            raise InputError(f"没有应用 {args.id}。", f"no app {args.id}.")
        print(sign_token(app, seconds=max(1, min(args.minutes, 1440)) * 60, visitor=args.visitor))
        return 0
    print(json.dumps(app.owner_view() | {"secret": app.secret}, ensure_ascii=False, indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the chat UI."""
    from qa.service import start_loading

    settings = _settings(args)
    loading = start_loading(settings)  # the index and the model load while the server's modules are imported
    from qa.server import serve

    serve(settings, loading=loading)
    return 0


def parser() -> argparse.ArgumentParser:
    """The argument parser (all sub-commands)."""
    p = argparse.ArgumentParser(
        prog="qa", description="中文文档问答：引用原文并注明出处 / quoted answers from Chinese documents"
    )
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--corpus", help="语料文件夹 / corpus folder (QA_CORPUS, default corpus/)")
        sp.add_argument("--index", help="索引文件夹 / index folder (QA_INDEX, default index/)")
        sp.add_argument("--model", help="嵌入模型路径或名称 / embedding model path or name (QA_MODEL)")

    def kb(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--kb", help="知识库（kbs/NAME/ 下的语料与索引）/ knowledge base (its folders under kbs/NAME/)")

    sp = sub.add_parser("index", help="构建或更新索引 / build or update the index")
    common(sp)
    kb(sp)
    sp.add_argument("--rebuild", action="store_true", help="强制重建 / rebuild even when up to date")
    sp.add_argument("--timings", action="store_true", help="列出各阶段用时 / print the seconds of each stage")
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("ask", help="提问 / ask a question")
    common(sp)
    kb(sp)
    sp.add_argument("question", nargs="?", help="问题 / the question")
    sp.add_argument(
        "--top-k",
        type=int,
        dest="top_k",
        help=f"返回段落数 / passages to return (1..{MAX_TOP_K}, default {DEFAULT_TOP_K})",
    )
    sp.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    sp.add_argument(
        "--batch", metavar="FILE", help="每行一个问题，逐行输出 JSON（- 为标准输入）/ one question per line"
    )
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("calibrate", help="拟合“无答案”阈值 / fit the no-answer threshold")
    common(sp)
    sp.add_argument(
        "--data", default="eval", help="评测数据文件夹 / folder with seed_qa.jsonl, offtopic.jsonl, cmrc2018/"
    )
    sp.add_argument("--out", default=str(DEFAULT_CALIBRATION), help="写入的校准文件 / calibration file to write")
    sp.add_argument(
        "--distractors", action="append", metavar="DIR", help="与 CMRC 一并索引的干扰文档 / news indexed with CMRC"
    )
    sp.add_argument(
        "--refusal-only",
        action="store_true",
        help="沿用校准文件中的排序与引文模型，只拟合“无答案”模型 / keep the ranker and quote model, refit the no-answer model",
    )
    sp.set_defaults(func=cmd_calibrate)

    sp = sub.add_parser("eval", help="评测回答质量 / measure answer quality")
    common(sp)
    sp.add_argument("file", help="SQuAD 格式 JSON（如 CMRC 2018）或关于语料的 .jsonl 问题 / SQuAD JSON or .jsonl")
    sp.add_argument(
        "--distractors", action="append", metavar="DIR", help="一并索引的干扰文档文件夹（可重复）/ extra documents"
    )
    sp.add_argument("--top-k", type=int, dest="top_k", help="每问返回段落数 / passages per question (default 10)")
    sp.add_argument("--split", default="all", choices=("all", "fit", "test"), help="问题子集 / question half")
    sp.add_argument("--limit", type=int, default=0, help="最多提问数 / ask at most N questions (0 = all)")
    sp.add_argument("--calibration", help="改用此校准文件 / use this calibration file instead")
    sp.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    sp.add_argument("--quiet", action="store_true", help="不显示进度条 / no progress bars")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser(
        "inspect", help="查看一个文件如何被索引：元数据、标题结构、段落、删去的内容 / show a file as the index sees it"
    )
    sp.add_argument("file", help="文件 / the file")
    sp.add_argument("--corpus", help="文件所属的语料文件夹 / the corpus folder it belongs to (QA_CORPUS)")
    sp.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    sp.set_defaults(func=cmd_inspect)

    sp = sub.add_parser("apps", help="管理嵌入应用与密钥 / manage the apps that embed the bot and their keys")
    sp.add_argument(
        "--index", help="默认索引文件夹，apps.json 所在 / default index folder, where apps.json is (QA_APPS)"
    )
    apps = sp.add_subparsers(dest="action", required=True)
    ap = apps.add_parser("list", help="列出应用 / list the apps")
    ap.add_argument("--json", action="store_true", help="输出 JSON / print JSON")
    for action, text in (("add", "新建应用 / add an app"), ("update", "修改应用 / change an app")):
        ap = apps.add_parser(action, help=text)
        ap.add_argument("id", help="应用编号 / app id (a-z, 0-9, -, _)")
        ap.add_argument(
            "--kb", dest="kb_name", default="default" if action == "add" else None, help="知识库 / knowledge base"
        )
        ap.add_argument(
            "--origin", action="append", help="允许嵌入的网站，可重复 / a site allowed to embed it (repeat)"
        )
        ap.add_argument("--title", help="标题 / title")
        ap.add_argument("--welcome", help="欢迎语 / welcome text")
        ap.add_argument("--example", action="append", help="示例问题，可重复 / an example question (repeat)")
        ap.add_argument("--top-k", dest="app_top_k", type=int, help="显示段落数 / passages shown (1..10)")
        ap.add_argument("--lang", choices=("zh", "en"), help="界面语言 / language")
        ap.add_argument("--rate-limit", type=int, help="每位访客每分钟提问数 / questions per visitor per minute")
        ap.add_argument("--daily-quota", type=int, help="每日提问总数 / questions per day (0 = no quota)")
    for action, text in (
        ("rotate", "更换密钥：旧密钥与旧令牌立即失效 / new key and secret; the old ones stop working"),
        ("remove", "删除应用 / delete an app"),
    ):
        apps.add_parser(action, help=text).add_argument("id")
    ap = apps.add_parser("revoke", help="停用应用 / turn an app off")
    ap.add_argument("id")
    ap.add_argument("--undo", action="store_true", help="重新启用 / turn it back on")
    ap = apps.add_parser("token", help="签发访客令牌（测试用）/ mint a visitor token (for testing)")
    ap.add_argument("id")
    ap.add_argument("--minutes", type=int, default=60, help="有效分钟数（≤ 1440）/ minutes it lives (≤ 1440)")
    ap.add_argument("--visitor", help="访客编号 / visitor id")
    sp.set_defaults(func=cmd_apps)

    sp = sub.add_parser("serve", help="启动聊天界面 / start the chat UI")
    common(sp)
    sp.add_argument("--host", help=f"监听地址 / address to listen on (QA_HOST, default {DEFAULT_HOST})")
    sp.add_argument("--port", type=int, help=f"端口 / port (QA_PORT, default {DEFAULT_PORT})")
    sp.set_defaults(func=cmd_serve)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 bad input or settings, 1 other errors)."""
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (InputError, ConfigError) as exc:
        _warn(f"错误：{exc.zh} / error: {exc.en}")
        return 2
    except QAError as exc:
        _warn(f"错误：{exc.zh} / error: {exc.en}")
        return 1
    except KeyboardInterrupt:
        _warn("已中断 / interrupted")
        return 130
    except BrokenPipeError:  # `qa ask … | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
