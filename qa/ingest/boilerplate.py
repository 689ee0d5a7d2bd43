"""What web boilerplate looks like: rules on single lines, no state.

General rules for Chinese news pages, not per-site code: navigation trails,
share/footer widgets, copyright and disclaimer blocks, ICP numbers, editor
lines, photo captions and credits. Each rule has a name (`qa.ingest.rules`).

A rule written for a short header or footer line must not delete an article
that a scraper stored on one line with a copyright phrase inside: on a long
line (`LONG_LINE`), only the sentence or clause that matches goes
(`strip_clauses`), and the rest of the line is kept. Such a line may also carry
the page's header (breadcrumb, date and source, buttons, the headline) and its
footer (related links, editor, copyright): `unfold` cuts them off as lines of
their own, for the line rules to read or drop.
"""

from __future__ import annotations

import re

from qa.text.normalize import cjk_count

LONG_LINE = 60  # characters: a longer line is mostly content, and loses only what matches
CLAUSE_MAX = 60  # the longest sentence or clause a rule may take out of a long line
SENTENCE_REST = 20  # characters besides its matching clauses that a sentence opening with one may have to go whole

_NAVIGATION = re.compile(
    r"^(当前位置|您的位置|你的位置|您现在的位置|现在位置|所在位置|您当前的位置|您当前位置|当前的位置)\s*[:：]"
    r"|首页\s*(>|＞|»|›|&gt;)"
    r"|(>|＞|»|›)\s*正文$"
    r"|^(手机细览|手机版|打印本页|关闭窗口|打印|关闭|收藏|纠错)(\s|$)"
    r"|^今天是\s*[:：]?"
    r"|【?\s*字[号体]\s*[:：]"
    r"|^(上一篇|下一篇|上一条|下一条)\s*[:：]"
    r"|^([^\s|｜]{1,8}\s*[|｜]\s*){2,}[^\s|｜]{1,8}$",  # a site's menu: 首页 | 新闻 | 政务 | 视频, 手机版 | English
)
_LEGAL = re.compile(
    r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼]ICP[备证]"
    r"|公网安备|版权所有|Copyright|©|All Rights Reserved"
    r"|未经.{0,30}(授权|许可|同意).{0,15}(转载|复制|使用|摘编|镜像|链接)"
    r"|^本(网|站|报)声明|版权(均)?(归|属于)|追究其?(相关)?法律责任|授权范围内使用",
    re.IGNORECASE,
)
_CONTACT = re.compile(r"^(地址|邮编|电话|传真|邮箱|电子邮箱|技术支持|主办|承办|主管)\s*[:：]")

# Short widget lines: only when the line is little more than the widget itself.
_WIDGET = re.compile(
    r"^(联系我们|在线咨询|搜索|站内搜索|分享本页|分享到.*|分享|返回顶部|回到顶部|返回首页|网站地图|设为首页|"
    r"加入收藏|扫一扫.*|打印本页|关闭本页|关闭窗口|更多|点击查看|阅读原文|浏览次数.*|"
    r"点击数.*|【打印】.*|【关闭】.*|微信|微博|QQ空间|【(打印本页|打印|关闭窗口|关闭|收藏|纠错|分享)】)$"
)

# A line that starts the page footer: everything after it is dropped.
_FOOTER = re.compile(
    r"^(版权与免责声明|免责声明|版权声明|法律声明|相关新闻|相关阅读|相关链接|相关文章|延伸阅读|"
    r"推荐阅读|热点推荐|猜你喜欢|网友评论|发表评论|责任编辑|责编|编辑|审核|校对|终审)\s*([:：]|$)"
)

# An editor's name field opening a line (编辑：刘晓 …): on a long line, only the field goes.
_EDITOR_FIELD = re.compile(r"^(责任编辑|责编|编辑|审核|校对|终审)\s*[:：]\s*[\u4e00-\u9fff·]{2,4}(?:[\s\u3000]+|$)")

# Photo captions and credits.
_CAPTION_MARK = re.compile(r"^\s*(←|→|↑|↓|▲|△|▼|图为|图\s*[:：]|[(（【]\s*图|图片来源|资料图)")
_CAPTION_POS = re.compile(r"[(（]\s*(左|右|中|前排|后排)[一二三四五六七八九十\d]*\s*[)）]")
_CREDIT = re.compile(
    r"(^|\s)(本版)?(摄影|摄|图片)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}(\s|$)|[\u4e00-\u9fff]{2,4}\s*摄\s*[)）]?$"
)
# Where a long line is cut to look for a matching clause: sentence ends and wide gaps, then commas.
_SENTENCES = re.compile(r"(?<=[。！？!?；;])|\s{2,}|\u3000+|\s*[|｜]\s*")
_CLAUSES = re.compile(r"(?<=[，,、])")


# The parts of a page header a scraper ran together, each taken from the start of a long line in turn;
# the fields (date, source, author, views) that follow each other stay one line, a metadata line.
_HEAD_PARTS = (
    ("editor", re.compile(r"(责任编辑|责编|编辑)\s*[:：]\s*[\u4e00-\u9fff·]{2,4}(?=\s)")),
    ("trail", re.compile(r"(?:[^\s>＞»›]{1,20}\s*[>＞»›]\s*){1,6}正文(?=\s)")),  # 青禾新闻网 > 本地新闻 > 正文
    (
        "field",
        re.compile(
            r"((发布)?(时间|日期)\s*[:：]\s*)?(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s*\d{1,2}:\d{2}(:\d{2})?)?(?=\s)"
        ),
    ),
    ("field", re.compile(r"(来源|出处|稿源)\s*[:：]\s*[^\s【】|]{1,20}(?=[\s【])")),
    ("field", re.compile(r"(作者|记者)\s*[:：]\s*(记者\s*)?[\u4e00-\u9fff·]{2,4}(?=[\s【])")),
    ("field", re.compile(r"(浏览|阅读|点击)(次数|量)?\s*[:：]\s*\d+(?=[\s【])")),
    ("button", re.compile(r"【[^【】]{1,12}】")),  # 【字体：大 中 小】 【打印本页】
)
_HEADLINE = re.compile(r"[^\s，。！？；,!?;]{4,40}(?=\s+\S)")
# A header inside a long line, after a site's menu or the headline (首页 > 本地新闻 > 正文 | 松溪新闻网 手机版 | 登录 …
# the headline, then the date, source and reporter, then share and font widgets): its fields stand together within
# the first HEADER_SPAN characters, separated by spaces or bars.
HEADER_SPAN = 300
_FIELD_GAP = re.compile(r"[\s|｜/]{0,4}")
_HEADER_FIELDS = (
    (
        "fields",
        re.compile(
            r"((发布|更新)?(时间|日期)\s*[:：]\s*)?(19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s*\d{1,2}:\d{2}(:\d{2})?)?"
            r"(?![\d\u4e00-\u9fff])"
        ),
    ),
    ("fields", re.compile(r"((信息|新闻|文章|稿件)?来源|出处|稿源)\s*[:：]\s*[^\s【】|｜]{1,20}(?=[\s【|｜]|$)")),
    ("fields", re.compile(r"作者\s*[:：]\s*(记者\s*)?[\u4e00-\u9fff·]{2,4}(?=[\s【|｜]|$)")),
    ("people", re.compile(r"(记者|通讯员|实习生)\s*[:：]?\s*[\u4e00-\u9fff·]{2,4}(?=[\s【|｜]|$)")),
    ("editor", re.compile(r"(责任编辑|责编|编辑)\s*[:：]\s*[\u4e00-\u9fff·]{2,4}(?=[\s【|｜]|$)")),
    ("fields", re.compile(r"(浏览|阅读|点击)(次数|量)?\s*[:：]\s*\d+(?=[\s【|｜]|$)")),
)
_MENU_ITEM = 4  # a menu item before the headline is a word this short (招聘, 天气, 手机版)
_MENU_PIECE = re.compile(r"[^|｜>＞»›_]+")  # what stands between a menu's or a breadcrumb's separators
# Widgets between the header and the text: 【字体：大 中 小】 分享到： 微信 微博 QQ空间 字号：大 中 小 本报讯
_WIDGET_WORD = re.compile(
    r"【\s*(打印(本页)?|关闭(窗口|本页)?|收藏(本页)?|纠错|分享|返回顶部|字[号体]\s*[:：][^【】]{0,8})\s*】"
    r"|\[[大中小\s]{1,8}\]|(分享到?|字[号体])\s*[:：]"
    r"|(分享到?|微信|微博|QQ空间|朋友圈|[大中小]|打印(本页)?|关闭(窗口)?|收藏|纠错|本报讯)(?=\s|$)"
)
# A footer that follows the text: related links, the editor, the print and close buttons, the previous and next
# articles, then the site's links and copyright.
_TAIL = re.compile(
    r"(相关新闻|相关阅读|相关链接|相关文章|延伸阅读|推荐阅读|热点推荐|猜你喜欢|责任编辑|责编|上一篇|下一篇|上一条|下一条)\s*[:：]"
    r"|【\s*(打印(本页)?|关闭(窗口|本页)?)\s*】"
)
_SENTENCE_END = re.compile(r"[。！？!?]")
# Where the text of a one-line page had its line breaks: a space after a sentence or a lead-in (。！？；：), before a
# section's number (一、 （二） 3.), and after a section's short heading that follows its number (一、停水时间).
_SECTION = r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)]|[0-9]{1,2}[.．、](?![0-9]))"
_BREAK = re.compile(rf"(?:(?<=[。！？!?；;：:])|(?<=[。！？!?][）)”」』]))\s+(?=\S)|\s+(?={_SECTION})")
_SECTION_HEADING = re.compile(
    r"(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[）)])[^\s，。；：,;:]{1,16}(?=\s+\S)"
)


def unfold(line: str) -> tuple[list[str], str | None]:
    """A long line cut into the page header's parts, the headline, the text, and the footer.

    The header is taken only when at least two of its parts open the line (a breadcrumb, a date, a
    source, an author, a button: 青禾新闻网 > 本地新闻 > 正文 2023-12-28 来源：青禾日报 【打印本页】), and
    the headline only after such a header. The footer is what follows a related-links or editor
    field when no sentence ends after it: text after a footer-like phrase is kept.

    Returns:
        (the lines, in order; the footer or None).
    """
    head: list[str] = []
    at, parts, last = 0, 0, ""
    while True:
        at += len(line[at:]) - len(line[at:].lstrip())
        found = next(((kind, m) for kind, m in ((k, p.match(line, at)) for k, p in _HEAD_PARTS) if m), None)
        if found is None or found[1].end() == at:
            break
        kind, match = found
        if kind == "field" and last == "field":
            head[-1] += " " + match.group(0)
        else:
            head.append(match.group(0))
        at, parts, last = match.end(), parts + 1, kind
    if parts >= 2:
        title = _HEADLINE.match(line, at)
        if title and len(line) - title.end() > LONG_LINE:
            head.append(title.group(0))
            at = title.end()
    else:
        head, at = _after_menu(line)
    body, tail = line[at:].strip(), None
    for match in _TAIL.finditer(body):
        if match.start() > 0 and not _SENTENCE_END.search(body, match.start()):
            body, tail = body[: match.start()].strip(), body[match.start() :].strip()
            break
    if head:
        # A page stored on one line kept its line breaks as spaces: the text's lines are cut again where a
        # sentence or a lead-in ended, and around the headings of its sections (一、停水时间 2025年9月20日…).
        return [*head, *_text_lines(body)] if body else head, tail
    return [*head, body] if body else head, tail


def _text_lines(text: str) -> list[str]:
    """The lines of a one-line page's text (`_BREAK`, `_SECTION_HEADING`)."""
    out: list[str] = []
    for piece in _BREAK.split(text):
        heading = _SECTION_HEADING.match(piece)
        out.extend([heading.group(0), piece[heading.end() :].strip()] if heading else [piece])
    return [line for line in out if line]


def _after_menu(line: str) -> tuple[list[str], int]:
    """The header of a one-line page whose fields do not open it (`HEADER_SPAN`): what comes before the headline
    (a menu, a breadcrumb), the headline, the date and source fields, the reporters, the editor, the widgets, each
    a line of its own; and where the text starts. ([], 0) when the line holds no such header."""
    first = min(
        (m for _, pattern in _HEADER_FIELDS if (m := pattern.search(line, 0, HEADER_SPAN))),
        key=lambda m: m.start(),
        default=None,
    )
    if first is None or first.start() == 0:
        return [], 0
    found: dict[str, list[str]] = {"fields": [], "people": [], "editor": []}
    at = first.start()
    while True:
        gap = _FIELD_GAP.match(line, at)
        start = gap.end() if gap else at
        field = next(((kind, m) for kind, pattern in _HEADER_FIELDS if (m := pattern.match(line, start))), None)
        if field is None or start >= HEADER_SPAN:
            break
        found[field[0]].append(field[1].group(0).strip())
        at = field[1].end()
    if len(found["fields"]) + len(found["people"]) < 2 or not found["fields"]:
        return [], 0
    before = line[: first.start()]
    # The headline is the piece between separators that the fields follow, less the short menu items opening it
    # (首页 > 新闻中心 > 乡镇动态 桐溪县…文化节开幕 2025-06-14); when that is no headline (…首页 > 本地 > 正文 2025-…),
    # the piece with the most Chinese.
    pieces = [(m.start(), m.group(0)) for m in _MENU_PIECE.finditer(before) if m.group(0).strip()]
    if not pieces:
        return [], 0
    last = _headline_in(*pieces[-1])
    start, end = (
        last if cjk_count(line[last[0] : last[1]]) >= 4 else _headline_in(*max(pieces, key=lambda p: cjk_count(p[1])))
    )
    title = " ".join(line[start:end].split())
    if not 4 <= len(title) <= 80 or _SENTENCE_END.search(title) or "，" in title:
        return [], 0
    menu = f"{before[:start].strip()} {before[end:].strip(' |｜')}".strip()
    widgets: list[str] = []
    while len(widgets) < 16 and (widget := _WIDGET_WORD.match(line, at + len(line[at:]) - len(line[at:].lstrip()))):
        widgets.append(widget.group(0))
        at = widget.end()
    parts = [menu, title, *(" ".join(found[k]) for k in ("fields", "people", "editor")), " ".join(widgets)]
    return [p for p in parts if p], at


def _headline_in(at: int, piece: str) -> tuple[int, int]:
    """Where the headline stands in `piece` (found at `at`): the piece less the short menu items opening it."""
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", piece)]
    while len(words) > 1 and words[0][1] - words[0][0] <= _MENU_ITEM:
        words.pop(0)
    return at + words[0][0], at + words[-1][1]


def rule_of(line: str) -> str | None:
    """The name of the rule that makes the stripped `line` navigation, widget, contact or legal text, or None."""
    if _NAVIGATION.search(line):
        return "navigation"
    if _LEGAL.search(line):
        return "legal"
    if _CONTACT.search(line):
        return "contact"
    if (len(line) <= 24 and _WIDGET.match(line)) or _only_widgets(line):
        return "widget"
    return None


def long_navigation(line: str) -> str | None:
    """ "navigation" when a line too long for `rule_of` (a site's name and menu before the breadcrumb: 澄江水务集团有限公司
    首页 走进水务 … 当前位置：首页 > 通知公告) is navigation and no sentence ends in it; else None."""
    return "navigation" if _NAVIGATION.search(line) and not _SENTENCE_END.search(line) else None


def editor_field(text: str) -> str | None:
    """The editor's field a dropped header or footer line opens with (责任编辑：孙雅琪), or None."""
    match = _EDITOR_FIELD.match(text)
    return " ".join(match.group(0).split()) if match and match.group(1) in ("责任编辑", "责编", "编辑") else None


def _only_widgets(line: str) -> bool:
    """True when `line` is nothing but page widgets (【打印本页】 【关闭窗口】, 分享到： 微信 微博)."""
    at = 0
    while at < len(line):
        widget = _WIDGET_WORD.match(line, at)
        if widget is None or widget.end() == at:
            return False
        at = widget.end() + len(line[widget.end() :]) - len(line[widget.end() :].lstrip())
    return bool(line)


def starts_footer(line: str) -> bool:
    """True when `line` opens the page footer (disclaimer, related news, editor)."""
    return bool(_FOOTER.match(line))


def caption_rule(line: str) -> str | None:
    """ "caption" or "credit" when `line` is marked as a photo caption or credit, else None."""
    if len(line) > 80:
        return None
    if _CAPTION_MARK.match(line) or _CAPTION_POS.search(line):
        return "caption"
    return "credit" if _CREDIT.search(line) else None


def strip_clauses(line: str) -> tuple[str, list[tuple[str, str]]]:
    """A long line without the sentences or clauses that a rule matches.

    The line is cut at sentence ends (and wide gaps, `|` separators); a piece that a rule
    matches goes when it is at most CLAUSE_MAX characters, or when it opens with a matching clause and
    holds at most SENTENCE_REST other characters; else its clauses (cut at commas) that match go. A longer matching clause stays: content is never deleted for a phrase in it.
    An editor field at the start (编辑：刘晓) goes alone, not as the start of a footer.

    Returns:
        (what is kept, [(removed piece, rule name)…]).
    """
    removed: list[tuple[str, str]] = []
    kept: list[str] = []
    editor = _EDITOR_FIELD.match(line)
    if editor:
        removed.append((editor.group(0).strip(), "footer"))
    for piece in _pieces(line[editor.end() :] if editor else line, _SENTENCES):
        rule = _clause_rule(piece.strip())
        if rule is None:
            kept.append(piece)
        elif len(piece.strip()) <= CLAUSE_MAX:
            removed.append((piece.strip(), rule))
        else:
            clauses = [(clause, _clause_rule(clause.strip())) for clause in _pieces(piece, _CLAUSES)]
            matched = sum(len(c) for c, inner in clauses if inner is not None and len(c.strip()) <= CLAUSE_MAX)
            if clauses[0][1] is not None and len(piece) - matched <= SENTENCE_REST:
                removed.append((piece.strip(), rule))  # opens as boilerplate, little else: it goes whole
                continue
            for clause, inner in clauses:
                if inner is not None and len(clause.strip()) <= CLAUSE_MAX:
                    removed.append((clause.strip(), inner))
                else:
                    kept.append(clause)
    return " ".join("".join(kept).split()) if removed else line, removed


def _clause_rule(piece: str) -> str | None:
    """The rule that takes a clause out of a long line: navigation, legal text or a widget. An address
    or a phone number inside running text (地址：…电话：…) is content, not a site's contact footer."""
    rule = rule_of(piece)
    return None if rule == "contact" else rule


def _pieces(text: str, cut: re.Pattern[str]) -> list[str]:
    """`text` cut where `cut` matches (the separators are kept with the piece before)."""
    out, start = [], 0
    for match in cut.finditer(text):
        end = match.end()
        if end > start:
            out.append(text[start:end])
            start = end
    if start < len(text):
        out.append(text[start:])
    return [p for p in out if p.strip()]
