"""Structure in any parser's blocks: 编/章/节 headings, 条 articles with their 款 and 项, numbered items.

Laws, regulations, rules, contracts, notices and manuals number their parts. Whatever format a
file came in, its blocks pass through `restructure`, which

* in a legal text (at least `MIN_ARTICLES` paragraphs open with 第…条) makes 编/章/节 lines
  headings at their rank (spaces inside a heading's name closed: 第二章 受 理 → 第二章 受理),
  and makes each article one block labelled 第…条 holding its lead-in, its items (（一）…) and
  its further paragraphs (款), one per line;
* anywhere, joins a run of numbered items (（一）（二）…, 1. 2. …, ①②…) to the paragraph that
  introduces them (it ends with a colon), or to each other: a step or an item is not a passage
  cut off from what it is a step of;
* keeps an adoption or issuing line (…会议通过, …印发, 自…起施行) as a paragraph of its own,
  where questions can find it, and reads the document's date from it.

Pure functions on blocks; the chunker splits a long article and repeats its lead-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from qa.ingest.document import Article, Block
from qa.ingest.meta import date_of

MIN_ARTICLES = 3  # paragraphs opening with 第…条 that make a text a legal one
HEADING_MAX_CHARS = 40  # a longer line is never a heading (a 第…章 line that long is a sentence)

_NUM = r"[一二三四五六七八九十百千零〇两\d]+"
_ARTICLE = re.compile(rf"^第\s*({_NUM})\s*条(?![款项])")
_DIVISION = re.compile(rf"^第\s*({_NUM})\s*([编章节])(?:[\s\u3000:：]|$)")
_APPENDIX = re.compile(r"^(附\s*则|附\s*件|附\s*录|附\s*表)(?:\s*[\d一二三四五六七八九十]{0,3})?(?:[\s\u3000:：]|$)")
_RANK = {"编": 1, "章": 2, "节": 3}
# Item markers: the style, then the number. （一） (1) ① 1. 1、 第一项 (一、 is a heading style, not an item).
_ITEMS = (
    ("paren-cn", re.compile(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[)）]")),
    ("paren-num", re.compile(r"^[（(]\s*(\d{1,2})\s*[)）]")),
    ("circled", re.compile(r"^([①-⑳])")),
    ("num", re.compile(r"^(\d{1,2})\s*[.．、)）](?!\d)")),
    ("xiang", re.compile(rf"^第\s*({_NUM})\s*项")),
)
# An adoption or issuing line ends with its verb; a signature is a body and a date.
_ISSUING_END = re.compile(r"(通过|发布|印发|公布|颁布|施行|试行|修订|修正|签发)\s*[)）]?\s*[。.]?$")
_SIGNATURE = re.compile(
    r"^(?P<org>[^\d]{0,30}?)[\s\u3000]*[（(]?\s*(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日\s*[)）]?$"
)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])[\s\u3000]+(?=[\u4e00-\u9fff])")
_ORG = re.compile(r"(局|委|委员会|会|院|部|厅|办|办公室|政府|公司|中心|处|室|所|校|学校|大学|集团|协会)$")


def cn_numeral(number: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十, 105 → 一百零五 (up to 9999), as Chinese lists and articles number."""
    digits = "零一二三四五六七八九"
    if not 0 < number < 10000:
        return str(number)
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            out += (
                ("零" if zero and out else "")
                + ("" if digit == 1 and unit == "十" and not out else digits[digit])
                + unit
            )
            zero = False
        elif out:
            zero = True
    return out


def cn_number(text: str) -> int | None:
    """一 → 1, 十二 → 12, 一百零五 → 105, 20 → 20; None for what is not a number."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    digits = {
        "零": 0,
        "〇": 0,
        "一": 1,
        "二": 2,
        "两": 2,
        "三": 3,
        "四": 4,
        "五": 5,
        "六": 6,
        "七": 7,
        "八": 8,
        "九": 9,
    }
    units = {"十": 10, "百": 100, "千": 1000}
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
        else:
            return None
    return total + current if text else None


def after_article_label(text: str) -> str:
    """`text` without the article label it opens with (第四条　物业服务企业… → 物业服务企业…)."""
    match = _ARTICLE.match(text.lstrip())
    return text.lstrip()[match.end() :].lstrip() if match else text


def article_number(text: str) -> int | None:
    """The number of the article a paragraph opens (第十二条 … → 12), or None."""
    match = _ARTICLE.match(text)
    return cn_number(match.group(1)) if match else None


_NAMED = re.compile(rf"第\s*({_NUM})\s*条(?:\s*第\s*({_NUM})\s*款)?(?:\s*第\s*[（(]?\s*({_NUM})\s*[)）]?\s*项)?")


_BREACH = re.compile(r"违反\s*(本[\u4e00-\u9fff]{1,3})?\s*$")  # 违反本办法 before 第九条
_STEP = re.compile(rf"第\s*({_NUM})\s*步|步骤\s*({_NUM})")


class NamedArticle(NamedTuple):
    """The part of a regulation a question names: an article, and in it a paragraph (款) and an item (项)."""

    article: int
    item: int | None = None  # 第二项, 第（二）项
    paragraph: int | None = None  # 第一款: the article's paragraphs in order, each with the items under it


def without_named_article(question: str) -> str:
    """The question without the article it names (装修规定第十二条是怎么规定的？ → 装修规定是怎么规定的？)."""
    return _NAMED.sub("", question, count=1)


def named_step(question: str) -> int | None:
    """The step a question names: 第三步是什么？ → 3; 步骤2 → 2; or None."""
    match = _STEP.search(question)
    return cn_number(match.group(1) or match.group(2)) if match else None


def named_article(question: str) -> NamedArticle | None:
    """What a question names: 第十二条是怎么规定的？ → (12); 第五条第二项 → (5, item 2); 第四条第一款 → (4,
    paragraph 1); 第四条第二款第（三）项 → (4, item 3, paragraph 2). An article the question says was broken
    (违反本办法第九条规定的，如何处理？) names none: what follows a breach stands in the article that cites it."""
    match = _NAMED.search(question)
    article = cn_number(match.group(1)) if match else None
    if match is None or not article or _BREACH.search(question, 0, match.start()):
        return None
    paragraph, item = (cn_number(g) if g else None for g in match.group(2, 3))
    return NamedArticle(article, item or None, paragraph or None)


_NAMED_DIVISION = re.compile(rf"第\s*({_NUM})\s*([编章节])|(附)\s*则")  # not 总则: 民法总则 is a law
_OUTLINE_NUMBER = re.compile(r"^[一二三四五六七八九十]+、\s*")  # 六、附则


def division_keys(heading: str) -> list[tuple[str, int]]:
    """The names a question may give the division a heading opens: 第五章 附则 → [("章", 5), ("附则", 0)];
    六、附则 → [("附则", 0)]; 第二章 受理 → [("章", 2)]; anything else (总则 alone) → []."""
    text = _OUTLINE_NUMBER.sub("", heading.strip(), count=1)
    keys = []
    match = _NAMED_DIVISION.match(text)
    if match:
        keys.append(_division(match))
        text = text[match.end() :].strip(" \u3000:：")
        match = _NAMED_DIVISION.match(text) if match.group(1) else None
        if match and match.group(3):  # 第五章 附则: also 附则
            keys.append(_division(match))
    return [k for k in keys if k is not None]


def named_division(question: str) -> tuple[str, int] | None:
    """The division a question names (第三章讲的是什么？ → ("章", 3); 附则有哪些内容？ → ("附则", 0)), or None."""
    match = _NAMED_DIVISION.search(question)
    return _division(match) if match else None


def _division(match: re.Match[str]) -> tuple[str, int] | None:
    if match.group(3):
        return (f"{match.group(3)}则", 0)
    number = cn_number(match.group(1))
    return (match.group(2), number) if number else None


def item_marker(text: str) -> tuple[str, int] | None:
    """(style, number) of the item marker opening `text` (（二） → ("paren-cn", 2)), or None."""
    for style, pattern in _ITEMS:
        match = pattern.match(text)
        if match:
            value = match.group(1)
            number = ord(value) - ord("①") + 1 if style == "circled" else cn_number(value)
            return (style, number) if number else None
    return None


def division(text: str) -> int | None:
    """The rank of a 编 (1) / 章 (2) / 节 (3) / 附则·附件 (1) heading line, or None."""
    if len(text) > HEADING_MAX_CHARS:
        return None
    match = _DIVISION.match(text)
    if match:
        return _RANK[match.group(2)]
    return 1 if _APPENDIX.match(text) else None


def heading_name(text: str) -> str:
    """A structural heading as it is cited: 第二章　受 理 → 第二章 受理 (no spaces inside the name)."""
    text = " ".join(text.split())
    match = _DIVISION.match(text) or _APPENDIX.match(text)
    if not match:
        return text
    marker, name = text[: match.end()].strip(" :："), text[match.end() :].strip()
    marker = _CJK_GAP.sub("", marker)
    name = _CJK_GAP.sub("", name)
    if text[match.end() - 1 : match.end()] in ":：":
        return f"{marker}：{name}" if name else marker
    return f"{marker} {name}" if name else marker


def issued(text: str) -> str | None:
    """The ISO date of an adoption or issuing line (2016年3月22日 …会议通过, 自2023年1月1日起施行,
    某市教育局 2024年1月10日), or None. A sentence that only mentions a date is none."""
    text = text.strip()
    if len(text) > 80:
        return None
    text = _CN_DATE.sub(_arabic_date, text)
    date = date_of(text)
    return date if date and (_ISSUING_END.search(text) or _SIGNATURE.match(text)) else None


# A date in Chinese numerals, as an official document signs it: 二〇二四年五月十四日.
_CN_DATE = re.compile(
    r"([〇零一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日"
)


def _arabic_date(match: re.Match[str]) -> str:
    """二〇二四年五月十四日 → 2024年5月14日."""
    year = "".join(str("〇一二三四五六七八九".index(c) if c != "零" else 0) for c in match.group(1))
    return f"{year}年{cn_number(match.group(2))}月{cn_number(match.group(3))}日"


# A question about a document's own issuing: who issued it, when it was adopted or takes effect, at which meeting.
_ISSUING_VERB = re.compile(r"通过|印发|下发|发布|公布|颁布|施行|试行|实施|生效|出台|签发|签订|签署|发文")
_ISSUING_ASK = re.compile(
    r"哪[一个]?[天年月日]|什么时[候间]|何时|几月|几号|日期|哪[一]?次|哪[个家一]?(?:单位|部门|机构|机关|组织)"
    r"|什么(?:单位|部门|机构|机关|组织)|谁"
)
# 发的 asks about issuing only of an official document (这个通知是哪天发的？), not of a parcel (快递是哪天发的？).
_SENT = re.compile(r"发(的|出)")
_PAPER = re.compile(r"通知|通告|公告|办法|规定|规则|文件|决定|意见|条例|细则|方案")
_PIECES = re.compile(r"[\n。；;，,]")


def about_issuing(question: str) -> bool:
    """True when `question` asks who issued a document, when, or at which meeting it was adopted
    (在哪次会议上通过的？ 从哪天开始实施？ 是哪个单位下发的？ 这个通知是哪天发的？): the answer is an issuing line."""
    verb = _ISSUING_VERB.search(question) or (_SENT.search(question) and _PAPER.search(question))
    return bool(verb and _ISSUING_ASK.search(question))


def has_issuing(text: str) -> bool:
    """True when a passage holds an adoption or issuing line, a signature, or an article saying
    when the text takes effect (本规则自2023年1月1日起施行。)."""
    return any(issued(piece) for piece in _PIECES.split(text) if piece.strip())


@dataclass
class _Open:
    """An article being gathered: its label and lines."""

    label: str
    lines: list[str]
    level: int


def restructure(article: Article) -> Article:
    """`article` with its numbered structure found (see the module docstring).

    The date read from an adoption or issuing line, and the issuing body named on the line
    before a closing date, fill the article's date and publisher only where it states none.
    """
    blocks = [Block("para", b.text) if b.kind == "heading" and issued(b.text) else b for b in _explode(article.blocks)]
    legal = sum(1 for b in blocks if article_number(b.text) is not None) >= MIN_ARTICLES
    blocks = _articles(blocks) if legal else blocks
    blocks = _group_items(blocks)
    date, publisher = _issuing(blocks)
    return replace(
        article,
        blocks=tuple(blocks),
        # A PDF's or Word file's own date is when the file was made; an adoption or issuing line says when the
        # text was (2023年6月15日…通过 in a PDF generated years later).
        date=date if date and article.kind in ("pdf", "docx") else article.date or date,
        publisher=article.publisher or publisher,
        kind=f"{article.kind}+structured" if legal else article.kind,
    )


def _explode(blocks: tuple[Block, ...]) -> list[Block]:
    """Paragraphs whose later lines open an article, a division or an item are cut there."""
    out: list[Block] = []
    for block in blocks:
        if block.kind != "para" or "\n" not in block.text or block.label:
            out.append(block)
            continue
        lines = block.text.split("\n")
        current = [lines[0]]
        for line in lines[1:]:
            if opens_part(line.strip()):
                out.append(replace(block, text="\n".join(current)))
                current = []
            current.append(line)
        out.append(replace(block, text="\n".join(current)))
    return out


_SECTION = re.compile(r"^[一二三四五六七八九十]{1,3}、\s*\S")  # 一、产品规格: a section of a manual or a notice


def opens_section(line: str) -> bool:
    """True when `line` opens a section numbered 一、二、… (一、停水时间, 一、产品规格)."""
    return _SECTION.match(line) is not None


def opens_part(line: str) -> bool:
    """True when `line` opens an article, a division (第二章) or a numbered item."""
    return article_number(line) is not None or division(line) is not None or item_marker(line) is not None


def _articles(blocks: list[Block]) -> list[Block]:
    """Division lines become ranked headings; each article gathers its lines until the next part."""
    out: list[Block] = []
    current: _Open | None = None

    def close() -> None:
        nonlocal current
        if current is not None:
            out.append(Block("para", "\n".join(current.lines), label=current.label))
            current = None

    for block in blocks:
        text = block.text.strip()
        rank = division(text) if "\n" not in text else None
        number = article_number(text)
        if rank is not None:
            close()
            out.append(Block("heading", heading_name(text), level=rank))
        elif number is not None:
            close()
            label = text[: _ARTICLE.match(text).end()].replace(" ", "")  # type: ignore[union-attr]
            current = _Open(label, [text], block.level)
        elif current is not None and _inside_article(block) and issued(text) is None:
            current.lines.append(text)  # an item or a further paragraph (款) of the article
        else:
            close()
            out.append(block)
    close()
    return out


def _inside_article(block: Block) -> bool:
    """A block after an article belongs to it unless it is a heading the format marked (a `##` line)."""
    return block.kind == "para" or block.level == 0 or item_marker(block.text) is not None


def _group_items(blocks: list[Block]) -> list[Block]:
    """A run of numbered item paragraphs joins the paragraph introducing it, or forms one block."""
    out: list[Block] = []
    run_style: str | None = None
    last = 0
    for block in blocks:
        marker = item_marker(block.text) if block.kind == "para" and not block.label else None
        if marker and out and out[-1].kind == "para" and _continues_run(out[-1], marker, run_style, last):
            out[-1] = replace(out[-1], text=f"{out[-1].text}\n{block.text}")
            run_style, last = marker
            continue
        out.append(block)
        run_style, last = marker if marker else (None, 0)
    return out


def _continues_run(previous: Block, marker: tuple[str, int], style: str | None, last: int) -> bool:
    """Item `marker` follows the block before it: the next number of its run, or the first item after a lead-in."""
    if style is not None:
        return marker == (style, last + 1)
    return marker[1] == 1 and previous.text.rstrip().endswith((":", "：")) and not previous.label


def _issuing(blocks: list[Block]) -> tuple[str | None, str | None]:
    """(date, issuing body) from an adoption or issuing line near the start, or a signature at the end."""
    paras = [b for b in blocks if b.kind == "para"]
    for group in (blocks[:6], paras[-3:]):
        lines = [line.strip() for b in group for line in b.text.split("\n") if line.strip()]
        for at, line in enumerate(lines):
            date = issued(line)
            if date:
                return date, _issuer(line, lines[at - 1] if at else "")
    return None, None


def _issuer(line: str, before: str) -> str | None:
    """The body named on a signature before its date (某市教育局 2024年1月10日, or on the line before), or None."""
    match = _SIGNATURE.match(_CN_DATE.sub(_arabic_date, line))
    if match is None:
        return None
    candidate = match.group("org").strip() or before
    return candidate if 2 <= len(candidate) <= 30 and _ORG.search(candidate) else None


def looks_structured(text: str) -> bool:
    """True when a text numbers its parts: articles (第…条), divisions (第…章) or numbered items; or asks and
    answers, an FAQ written as 问：… 答：… pairs."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    articles = sum(1 for line in lines if article_number(line) is not None)
    divisions = sum(1 for line in lines if division(line) is not None)
    items = sum(1 for line in lines if item_marker(line) is not None)
    answers = sum(1 for line in lines if _ANSWER.match(line))
    return articles >= MIN_ARTICLES or divisions >= 2 or items >= 3 or answers >= 2


_ANSWER = re.compile(r"(?:答|A|【答】|回答)\s*[:：]")
