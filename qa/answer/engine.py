"""ask(question, history) → Answer: retrieval, quotes, the refusal decision."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from qa.answer import followup, quote
from qa.answer.dedupe import collapse
from qa.answer.links import text_fragment
from qa.answer.quote import QuoteModel
from qa.answer.refusal import Refusal
from qa.answer.results import Answer, Citation, Source
from qa.config import MAX_HISTORY, MAX_QUESTION_CHARS, MAX_TOP_K
from qa.errors import InputError
from qa.ingest.document import HEADING_PATH, Document, Passage
from qa.ingest.meta import asks_source
from qa.ingest.structure import (
    after_article_label,
    article_number,
    cn_numeral,
    item_marker,
    named_article,
    named_division,
    named_step,
    without_named_article,
)
from qa.search.encoder import Encoder, base_model
from qa.search.index import (
    Index,
    about,
    encoder_input,
    is_table_row,
    keys_asked,
    lettered_parts,
    line_at,
    numbered_lines,
    rows_about_other_keys,
    sentences_about_another,
    sentences_about_next_time,
)
from qa.search.ranker import Ranker
from qa.search.retrieve import Hit, Query, prepare, search
from qa.text.answer_type import has, kinds_of, names_holder, offices_asked, place_names
from qa.text.brackets import holding, narrowest, outside
from qa.text.match import char_bigrams
from qa.text.normalize import fold, is_cjk, strip_invisible
from qa.text.tokenize import STOPWORDS, is_word

QUERY_CHARS = 256  # what is searched of a long question
MAX_PINNED = 20  # passages of a named article or chapter (第五条 of every document, each part) taken as candidates
LIST_CHARS = 200  # the longest quote a list question extends to
SHORT_LINE = 40  # characters: a line of a list, not a sentence of prose
HOLDER_DEPTH = 20  # hits searched for the passage that names who holds an office (a news story names him last)
# The quote features of what a question asks beyond the document's title, heading and article label.
_REST = [quote.FEATURES.index("rest_cover"), quote.FEATURES.index("rest_bigram")]
# A line that only restates the question (a list item over its answer, an FAQ's question, a 问题：… line):
# most of its bigrams are the question's. A label such as 问题：/故障现象： before it is not counted.
ECHO_SHARE = 0.7
_LABEL = re.compile(r"^\s*[^，。；：:\n]{1,6}[：:]\s*")
_AREA = "省市县区州镇乡"  # the last character of an administrative area's name
_LEVEL = "省市县区"  # a place's name is found with or without these (东营 for 东营市)
# How a question asks what an article says (是怎么规定的, 说的是什么, 有什么规定, 讲了哪些内容): it asks nothing more.
_ASKING = re.compile(
    r"(是)?(怎么|如何|怎样)(规定|说|讲|写)的?|(规定|说|讲|写)(的|了)?(是)?(什么|啥|哪些)(内容)?|(有|的)(什么|哪些|啥)?(规定|内容)"
)
# What a question counts: 多少户, 几座, 多少平方米 (a length of time and an amount of money are kinds of their own).
_COUNTED = re.compile(
    r"(?:多少|几)\s*(人次|平方米|平方公里|公里|千米|公顷|千克|公斤|毫升|千瓦|户|人|名|辆|座|栋|部|台|件|次|家|所|条|项|种|位|张|本|册"
    r"|套|间|层|棵|只|米|亩|吨|斤|克|升|瓦|倍|份|批|处|场|期)"
)
_LIST = re.compile(
    r"哪些|哪几[个项种类条位家所样]|列了|列出|包括哪|怎么办|咋办|怎么处理|如何处理|怎么操作|如何操作|哪几步|步骤是"
)
NO_ANSWER = ("未在资料中找到相关内容。", "Nothing in the documents answers this question.")


class Policy(Protocol):
    """The site owner's decisions the answerer follows (`qa.admin.overrides.Overrides`)."""

    def blocked_rows(self, index: Index) -> frozenset[int]:
        """Rows never to quote (passages turned off)."""
        ...

    def pinned_rows(self, index: Index, vector: np.ndarray) -> list[int]:
        """Rows to put first for a question with this vector (a pinned answer), or []."""
        ...


@dataclass(frozen=True)
class Clues:
    """What quote selection reads from the question besides its terms."""

    bigrams: frozenset[str]
    kind: str | None  # the kind of answer asked for (`qa.text.answer_type`)
    article: int | None = None  # the article the question names (第五条 → 5)
    item: int | None = None  # the item the question names (第五条第二项 → 2): it is the quote
    paragraph: int | None = None  # the paragraph it names (第四条第一款 → 1): the quote, or where the item is
    step: int | None = None  # the step it names (第三步 → 3): the item of that number is the quote
    wants_list: bool = False  # the question asks for several things (哪些) or what to do (怎么办): a list line brings
    # the lines under it
    codes: tuple[str, ...] = ()  # the model numbers and codes it names (T1线 → t1), folded
    unit: str | None = None  # what the question counts (多少户 → 户, 几座 → 座): the quote must give a number of it
    beyond: tuple[str, ...] | None = None  # with a named article, the words it asks besides the article and
    # how it asks (合同第八条是怎么规定的？ → 合同): those its title or heading gives ask nothing more
    quantities: Mapping[str, float] = field(default_factory=dict)  # what it states of itself (工作12年 → 年: 12):
    # a sentence whose brackets (满1年不满10年) all leave it out does not answer


@dataclass(frozen=True)
class Evidence:
    """Per-question signals the refusal model reads."""

    dense: float  # best passage cosine
    coverage: float  # weighted share of question terms in the best passage
    sentence: float  # best sentence score in the best passage
    kind_missing: float = 0.0  # 1 when the question asks for a time/number/place/person the quote lacks
    named: bool = False  # the first passage is the article the question names, or the source line asked for:
    # answered whatever the model says
    foreign: tuple[str, ...] = ()  # places and model numbers the question names that no document mentions: refused
    unheld: tuple[str, ...] = ()  # offices the question asks the holder of that no passage shown names anyone in
    elsewhere: tuple[str, ...] = ()  # places the question names that the first passage's document never does
    unmeasured: str | None = None  # how long or how much money the question asks (`MEASURED`), when the first
    # passage states no length of time or amount at all: refused

    def features(self) -> tuple[float, float, float, float]:
        """In the order of `refusal.FEATURES`."""
        return (self.dense, self.coverage, self.sentence, self.kind_missing)


_ASKED = re.compile(r"\s*(?:问|Q|问题|提问|【问】)\s*\d{0,3}\s*[:：][^\n]*[？?]\s*$")  # 问：怎样预约挂号？ Q8：…？
_QUANTITY = re.compile(r"\d[\d.]*[a-z]{1,3}")  # a number with a unit (5G, 4K, 2.4GHz) is no model number
MEASURED = ("duration", "money")  # kinds of answer specific enough that a quote without one cannot answer


def clean_question(question: object) -> str:
    """Validate and tidy a question.

    Raises:
        InputError: not text, empty, or longer than MAX_QUESTION_CHARS.
    """
    if not isinstance(question, str):
        raise InputError("问题必须是文本。", "The question must be text.")
    text = " ".join(strip_invisible(question).split())
    if not text:
        raise InputError("问题不能为空，请输入要查询的内容。", "The question is empty.")
    if len(text) > MAX_QUESTION_CHARS:
        raise InputError(
            f"问题过长（{len(text)} 字），请控制在 {MAX_QUESTION_CHARS} 字以内。",
            f"The question is too long ({len(text)} characters); the limit is {MAX_QUESTION_CHARS}.",
        )
    return text


class Answerer:
    """Answers questions from one loaded index."""

    def __init__(
        self,
        index: Index,
        encoder: Encoder,
        refusal: Refusal | None = None,
        ranker: Ranker | None = None,
        quoter: QuoteModel | None = None,
        policy: Policy | None = None,
    ) -> None:
        """Args: index, encoder: must match (same model). refusal, ranker, quoter: fitted for this encoder.
        policy: the owner's turned-off passages and pinned answers (None: none)."""
        self.index = index
        self.policy = policy
        self.encoder = encoder
        base = base_model(encoder.name)
        self.refusal = refusal if refusal is not None and refusal.model == base else None
        self.ranker = ranker if ranker is not None and ranker.model == base else None
        self.quoter = quoter if quoter is not None and quoter.model == base else None

    def ask(
        self, question: str, history: Sequence[str] | None = None, top_k: int = 5, *, keep_refused: bool = False
    ) -> Answer:
        """Answer `question`.

        Args:
            question: the user's question.
            history: the previous questions of the conversation, oldest first (the last MAX_HISTORY are read).
            top_k: passages to return (clamped to 1..MAX_TOP_K).
            keep_refused: keep the passages of a refused answer (for evaluation).
        """
        started = time.perf_counter()
        text = clean_question(question)
        query = text
        if history:
            bm25 = self.index.bm25
            recent = [str(h) for h in list(history)[-MAX_HISTORY:]]
            query = followup.resolve(text, recent, self.index.tokenizer, bm25.idf_of)
        query = query[:QUERY_CHARS]
        citations, evidence = self.retrieve(query, max(1, min(int(top_k), MAX_TOP_K)))
        answered = (
            bool(citations)
            and not evidence.foreign
            and not evidence.elsewhere
            and not evidence.unheld
            and (evidence.named or (not evidence.unmeasured and self.decide(evidence)))
        )
        zh, en = (
            (f"找到 {len(citations)} 段相关内容。", f"Found {len(citations)} relevant passages.")
            if answered
            else _no_answer(evidence)
        )
        return Answer(
            question=text,
            answered=answered,
            message=zh,
            message_en=en,
            passages=tuple(citations) if answered or keep_refused else (),
            took_ms=(time.perf_counter() - started) * 1000,
            confidence=self.refusal.probability(evidence.features()) if self.refusal and citations else None,
            followup_of=query if query != text[:QUERY_CHARS] else None,
            suggestions=() if answered else _closest_topics(citations),
        )

    def plan(self, text: str) -> tuple[Query, list[int], frozenset[int]]:
        """The query for `text`, the rows that must come first (the owner's pinned answer, the article the
        question names) and the rows never to quote (turned off)."""
        query = prepare(self.index, text, self.encoder.encode([encoder_input(text)])[0])
        named = named_article(text)
        division = named_division(text) if named is None else None
        if named:
            pinned = self._about(text, query, self.index.article_rows.get(named.article, [])[:MAX_PINNED])
        else:  # 第三章讲的是什么？ 附则有哪些内容？
            pinned = self.index.division_rows.get(division, [])[:MAX_PINNED] if division else []
        blocked: frozenset[int] = frozenset()
        if self.policy is not None:
            blocked = self.policy.blocked_rows(self.index)
            pinned = [*self.policy.pinned_rows(self.index, query.vector), *pinned]
        return query, pinned, blocked

    def retrieve(self, text: str, top_k: int) -> tuple[list[Citation], Evidence]:
        """Passages with quotes for `text`, and the evidence for the refusal decision."""
        query, pinned, blocked = self.plan(text)
        named = named_article(text)
        division = named_division(text) if named is None else None
        chapter_rows = self.index.division_rows.get(division, ()) if division else ()
        offices = offices_asked(text)
        words = self.index.tokenizer.words(text)
        named_places = self.places(words)
        # Fetch extra hits so that collapsing near-duplicates still leaves top_k, and, for who holds an office,
        # so that a passage naming the holder in its last sentence is among them.
        fetch = max(top_k * 2, HOLDER_DEPTH) if offices else top_k * 2
        hits = search(self.index, query, fetch, self.ranker, pinned=pinned, blocked=blocked)
        if not hits:
            return [], Evidence(0.0, 0.0, 0.0, 0.0)
        clues = Clues(
            query.bigrams,
            query.kind,
            named.article if named else None,
            named.item if named else None,
            named.paragraph if named else None,
            named_step(text),
            bool(_LIST.search(text)),
            query.codes,
            _counted_unit(text),
            tuple(self.index.tokenizer(_ASKING.sub("", without_named_article(text)))) if named else None,
            query.quantities,
        )
        # Collapse near-duplicates on the passages first, then pick quotes only for those shown.
        collapsed = collapse([self.citation(rank, hit) for rank, hit in enumerate(hits, 1)])
        by_id = {self.index.passages[hit.row].id: hit for hit in hits}
        cited = [self.quote(c, by_id[c.id], query, clues) for c in collapsed[:top_k]]
        unheld: tuple[str, ...] = ()
        if offices:
            # Who holds an office is answered by a passage that names someone in it: the first such comes first,
            # from the passages fetched beyond those shown if need be (the last shown then makes room).
            # The holder of 东营市检察院's office is not named by a document about 庆云县 that names its own;
            # a place is a word the dictionary tags so, or one that ends in 省/市/县/区 (东营市, 卫东区 are not tagged).
            places = (*named_places, *(w for w in words if len(w) >= 3 and w[-1] in _LEVEL))
            rows = [by_id[c.id].row for c in collapsed]
            holder = next(
                (i for i, row in enumerate(rows) if self.names_holders(row, offices) and self.mentions(row, places)),
                None,
            )
            if holder is not None:
                if holder < len(cited):
                    cited.pop(holder)
                first = self.quote(collapsed[holder], by_id[collapsed[holder].id], query, clues, holders=offices)
                cited = [first, *cited][:top_k]
                cited = [(replace(c, rank=r), score, mask) for r, (c, score, mask) in enumerate(cited, 1)]
            else:
                unheld = offices
        if clues.kind in MEASURED and not unheld and not offices:
            # How long, how much: when the first passage states no length of time or amount and the second does,
            # the second comes first (路由器保修几年: the warranty, not the packing list that names 保修卡). One
            # further down answers less often than it misleads: 装修补贴 quoted at an elderly-care subsidy.
            rows = [by_id[c.id].row for c, _, _ in cited[:2]]
            if len(rows) == 2 and not self.states(rows[0], clues.kind) and self.states(rows[1], clues.kind):
                cited = [cited[1], cited[0], *cited[2:]]
                cited = [(replace(c, rank=r), score, mask) for r, (c, score, mask) in enumerate(cited, 1)]
        if clues.quantities and len(cited) > 1:
            # A question that states its own quantity (我爸今年七十二岁，能领多少高龄津贴？) is answered by the passage whose
            # bracket holds it (70周岁至79周岁的，每人每月100元) before one whose brackets leave it out or that has none.
            held = [holding(self.sentences(by_id[c.id].row)[1], clues.quantities) for c, _, _ in cited[:3]]
            if not held[0] and any(held):
                at = held.index(True)
                cited = [cited[at], *cited[:at], *cited[at + 1 :]]
                cited = [(replace(c, rank=r), score, mask) for r, (c, score, mask) in enumerate(cited, 1)]
        citations = [c[0] for c in cited]
        first_row = by_id[citations[0].id].row
        evidence = Evidence(
            max(h.dense for h in hits),
            quote.coverage(query.terms, _with_heading(citations[0])),
            cited[0][1],
            float(clues.kind is not None and not has(cited[0][2], clues.kind)),
            # A named article vouches for the answer; a named chapter only says where to look (附则 of which law?).
            named=bool(pinned) and hits[0].row in pinned and hits[0].row not in chapter_rows,
            foreign=self.foreign_places(named_places)
            + self.foreign_codes((*clues.codes, *numbered_lines(text), *lettered_parts(text)))
            + self.foreign_parts(division),
            unheld=unheld,
            # 咖啡机卖多少钱一台？ is not answered by a manual that states no price anywhere in the passage found.
            unmeasured=clues.kind if clues.kind in MEASURED and not self.states(first_row, clues.kind) else None,
            # A question about 东营市 is not answered by a document about 青禾市, though another one mentions 东营;
            # nor one about 上海图书馆 by 青禾市图书馆's rules, though another document mentions 上海.
            elsewhere=tuple(
                p
                for p in dict.fromkeys((*_regions(words), *filter(_area_name, named_places)))
                if not self.mentions(first_row, [p])
            ),
        )
        asked = asks_source(text)
        line = self._source_line(hits, asked) if asked else None
        if line is not None:
            # Who reported an article, where it comes from, when it was published: its page's source line,
            # which the cleaner read into the metadata and left out of the text, answers first.
            citations = [line, *(replace(c, rank=c.rank + 1) for c in citations)][:top_k]
            evidence = replace(evidence, named=True)
        return citations, evidence

    def _source_line(self, hits: Sequence[Hit], asked: Sequence[str]) -> Citation | None:
        """The source line of the first document found whose line states what is `asked` (`asks_source`: an
        author, a publisher, a date), cited as its paragraph 0 (the page's header), or None."""
        for hit in hits:
            doc = self.index.documents[self.index.passages[hit.row].doc_id]
            line = doc.source_line
            if line and all(_states(line, doc, field) for field in asked):
                return Citation(
                    rank=1,
                    id=f"{doc.doc_id}-0-0",
                    text=line,
                    quote=line,
                    quote_start=0,
                    quote_end=len(line),
                    score=hit.score,
                    source=_source(doc, 0, page=1 if doc.pages else None),
                )
        return None

    def _about(self, text: str, query: Query, rows: list[int]) -> list[int]:
        """`rows` (第十二条 of each regulation) when the rest of the question fits one of them, through its title,
        heading or text (装修管理规定…, 罚多少钱), or the question says nothing else; [] otherwise: 第2条 of a
        manual's 安全注意事项 is an item of the manual, not 第二条 of some regulation."""
        rest = set(self.index.tokenizer(without_named_article(text)))
        terms = [(t, w) for t, w in query.terms if t in rest]
        if not terms or not rows:
            return rows
        for row in rows:
            passage = self.index.passages[row]
            about = f"{self.index.documents[passage.doc_id].title}\n{passage.heading or ''}\n{passage.text}"
            if quote.coverage(terms, about) >= 0.5:
                return rows
        return []

    def states(self, row: int, kind: str) -> bool:
        """True when a sentence of passage `row` holds an answer of `kind` (an amount of money, a length of time)."""
        return any(has(k, kind) for k in self.sentences(row)[2])

    def names_holders(self, row: int, offices: Sequence[str]) -> bool:
        """True when passage `row` names someone in each of `offices` (谁是…检察长？): a passage about the office,
        or about a deputy, does not say who holds it."""
        _, sentences, kinds = self.sentences(row)
        return all(any(names_holder(s, o, k) for s, k in zip(sentences, kinds)) for o in offices)

    def citation(self, rank: int, hit: Hit) -> Citation:
        """The citation of one hit, its quote not chosen yet (empty)."""
        passage = self.index.passages[hit.row]
        doc = self.index.documents[passage.doc_id]
        return Citation(
            rank=rank,
            id=passage.id,
            text=passage.text,
            quote="",
            quote_start=0,
            quote_end=0,
            score=hit.score,
            heading=passage.heading,
            source=_source(
                doc,
                passage.paragraph,
                page=doc.page_of(passage.start),
                section=HEADING_PATH.join(x for x in (passage.heading, passage.label) if x) or None,
            ),
        )

    def quote(
        self, citation: Citation, hit: Hit, query: Query, clues: Clues | None, holders: Sequence[str] = ()
    ) -> tuple[Citation, float, int]:
        """`citation` with its quote, the quote's score (lexical + semantic blend) and answer kinds; with
        `holders` (offices), a quote that misses the first sentence naming who holds one is that sentence."""
        passage = self.index.passages[hit.row]
        spans, sentences, kinds = self.sentences(hit.row)
        matrix = None
        if self.quoter is not None and clues is not None and sentences:
            matrix = quote.sentence_features(
                query.terms, clues.bigrams, sentences, hit.sentence_sims, about(self.index, passage)
            )
            blend = quote.blend(matrix)
            scores = self.quoter.score(matrix).tolist()
        else:
            blend = scores = quote.sentence_scores(query.terms, sentences, hit.sentence_sims)
        margin = quote.QUOTE_MARGIN if scores is not blend else None
        if clues is not None and clues.codes:
            # A sentence whose first code is another of the same shape is about that one: asked about T1线, the
            # sentence that opens with T2线 is not the answer, though it repeats every word asked; nor, asked about
            # P3, the 处理方法 sentence on the line of a fault table that opens with E2.
            scores = _never(scores, sentences_about_another(passage.text, spans, clues.codes))
        keys = keys_asked([passage.text], query.text)
        if keys:
            # A table row keyed by what the question names answers it, not the rows beside it (全日托 over 半日托).
            scores = _never(scores, rows_about_other_keys(passage.text, spans, keys))
        # The question of an FAQ written as 问：…？ 答：… answers nothing, though it repeats the words asked; nor
        # does the next meeting's date (下次例会定于…召开) answer when this one was held.
        scores = _never(scores, [bool(_ASKED.match(s)) for s in sentences])
        scores = _never(scores, sentences_about_next_time(passage.text, spans, query.text))
        if clues is not None and clues.quantities:
            # Asked 我累计工作12年了，年假能有几天, the bracket 满1年不满10年的，年休假5天 does not answer, though it
            # repeats every word asked: 满10年不满20年的 does.
            out = outside(sentences, clues.quantities)
            if any(out):
                scores = _never(scores, out)
                top = max(scores, default=0.0)
                scores = [top + 1e-3 if held else x for x, held in zip(scores, narrowest(sentences, clues.quantities))]
        start, end = quote.choose(spans, scores, passage.text, query.terms, margin=margin)
        if clues is not None:
            asks_more = matrix is None or bool(matrix[:, _REST].any())
            if clues.beyond is not None:  # a named article: only words besides it, and besides how it asks, ask more
                given = fold(about(self.index, passage))
                words = [w for w in clues.beyond if w not in given]
                asks_more = any(w in fold(s) for s in sentences for w in words)
            start, end = _structured(passage, spans, sentences, kinds, clues, asks_more, (start, end), blend)
        # The quote's score (evidence for answering) is that of the sentences that matched the question, before a
        # length of time or an amount asked for moved the quote to the sentence that has one.
        scored = _inside(spans, start, end)
        if clues is not None and not clues.wants_list:
            start, end = _to_measure(spans, kinds, clues.kind, blend, (start, end))
            start, end = _to_counted(spans, sentences, clues.unit, blend, (start, end))
        start, end = _whole_line(passage.text, spans, scores, start, end)
        if holders:  # only an office question looks for the sentence that names the holder
            # The quote stays where it names one already (负责人：刘海峰 on the row of 采购比赛用球 asked about).
            named = [i for i, (s, k) in enumerate(zip(sentences, kinds)) if _holds(s, k, holders)]
            if named and not any(start <= spans[i][0] < end for i in named):
                start, end = spans[named[0]]
        inside = _inside(spans, start, end)
        mask = 0
        for i in inside:
            mask |= kinds[i]
        text = passage.text[start:end]
        url = citation.source.url
        doc = self.index.documents[passage.doc_id]
        # The body before the quote tells it from an earlier occurrence; the title is left out: a page may
        # show it far from the body, or not at all (a text file's title is made from its first line).
        before = doc.text[len(doc.title) : passage.start + start] if url else ""
        link = text_fragment(url, text, before) if url else None
        quoted = replace(citation, quote=text, quote_start=start, quote_end=end, link=link)
        return quoted, max([blend[i] for i in scored] or blend, default=0.0), mask

    def sentences(self, row: int) -> tuple[list[tuple[int, int]], list[str], list[int]]:
        """Spans (offsets in the passage), texts and answer-kind masks of the sentences of passage `row`."""
        passage = self.index.passages[row]
        table = self.index.sentences
        rows = table.of(row)
        spans = list(zip(table.starts[rows.start : rows.stop].tolist(), table.ends[rows.start : rows.stop].tolist()))
        return spans, [passage.text[a:b] for a, b in spans], table.kinds[rows.start : rows.stop].tolist()

    def places(self, words: Sequence[str]) -> tuple[str, ...]:
        """The place names among a question's `words` (the index tokenizer's): words that are places, and a place
        that opens a word the corpus does not hold (上海图书馆 is about 上海)."""
        vocab = self.index.bm25.vocab
        tokenizer = self.index.tokenizer
        found: list[str] = []
        for word in words:
            places = place_names([word])
            if not places and word not in vocab:
                # A place that opens a compound the dictionary holds as one word, before another word of two
                # characters or more: 上海图书馆 is about 上海 (not 加多少 about 加多).
                parts = tokenizer(word)
                heads = [p for p in place_names(parts) if word.startswith(p) and len(word) - len(p) >= 2]
                places = sorted((p for p in heads if word[len(p) :] in parts), key=len)[-1:]
            found.extend(places)
        return tuple(dict.fromkeys(found))

    def foreign_places(self, places: Sequence[str]) -> tuple[str, ...]:
        """Those of a question's `places` (from `places`) that no document mentions in any form the tokenizer
        gives (北京市 is known where 北京 is): a question about 深圳 is not answered by documents about 青禾市,
        nor one about 上海图书馆 by documents about 青禾市图书馆."""
        vocab = self.index.bm25.vocab
        tokenizer = self.index.tokenizer
        return tuple(
            place
            for place in places
            if place not in vocab and not any(t in vocab for t in place_names(tokenizer(place)) if t != place)
        )

    def mentions(self, row: int, places: Sequence[str]) -> bool:
        """True when the document of passage `row` names each of `places`, with or without its 省/市/县/区
        (东营 for 东营市), in either script."""
        text = self.index.documents[self.index.passages[row].doc_id].text
        return all(_names(text, p[:-1] if len(p) > 2 and p[-1] in _LEVEL else p) for p in places)

    def foreign_codes(self, codes: Sequence[str]) -> tuple[str, ...]:
        """Those of a question's model numbers, codes (`codes_in`), numbered lines (`numbered_lines`) and lettered
        parts of places (`lettered_parts`) that no document writes (GPT-4 where only GPT-3 is, 地铁3号线 in documents
        about a tunnel, D区 of a car park in zones A to C)."""
        known = self.index.codes
        return tuple(dict.fromkeys(c for c in codes if c not in known and not _QUANTITY.fullmatch(c)))

    def foreign_parts(self, division: tuple[str, int] | None) -> tuple[str, ...]:
        """The chapter or other division a question names that no document has (第七章 of rules in six chapters):
        whatever else matches, no passage is in it. An article is not judged so: 第二条 may name a notice's second
        section or a list's second item as well."""
        if division is not None and division not in self.index.division_rows:
            kind, number = division
            return (f"第{cn_numeral(number)}{kind}" if number else kind,)
        return ()

    def decide(self, evidence: Evidence) -> bool:
        """Answer or refuse. Without a fitted model for this encoder, require half the question's terms."""
        if self.refusal is not None:
            return self.refusal.answerable(evidence.features())
        return evidence.coverage >= 0.5


def _structured(
    passage: Passage,
    spans: list[tuple[int, int]],
    sentences: list[str],
    kinds: Sequence[int],
    clues: Clues,
    asks_more: bool,
    chosen: tuple[int, int],
    scores: Sequence[float],
) -> tuple[int, int]:
    """The quote where the structure of the passage says better than the sentence model.

    第五条第二项 quotes item (二) of 第五条; 第十二条是怎么规定的？ — nothing asked beyond the
    article (`asks_more` False) — quotes the article's first sentence; a question asking for several
    things (哪些) quoting one line of a list, or the sentence that introduces one (…持下列材料办理：), gets
    the lines under it; one asking for one thing and quoting the line that introduces a list
    (…符合下列要求：) gets the item that answers it, unless the line holds the kind of answer asked
    (多少天内 of 应当自取得之日起三十日内，持下列材料…：); a short topic line of notes goes on to the line under
    it that holds that kind.
    """
    start, end = _past_echo(spans, sentences, clues.bigrams, chosen)
    start, end = _past_topic(spans, sentences, kinds, clues.kind, (start, end))
    if not clues.wants_list:
        start, end = _past_lead_in(spans, sentences, kinds, clues.kind, scores, (start, end))
    else:
        end = _through_items(spans, sentences, start, end)
    named = clues.article is not None and article_number(passage.label or "") == clues.article
    within = _paragraph(passage.text, clues.paragraph) if named and clues.paragraph and passage.part == 0 else None
    inside = [i for i, (a, b) in enumerate(spans) if within is None or (a >= within[0] and b <= within[1])]
    if named and clues.item is not None:
        start, end = _item_span([spans[i] for i in inside], [sentences[i] for i in inside], clues.item) or (start, end)
    elif within is not None and inside:
        start, end = spans[inside[0]][0], spans[inside[-1]][1]
    elif named and spans and passage.part == 0 and not asks_more:
        start, end = spans[0]
    else:  # 第三步; 安全注意事项第2条 of a manual, whose list items are not articles
        step = clues.step if clues.step is not None else clues.article if passage.label is None else None
        start, end = (_item_span(spans, sentences, step) if step is not None else None) or (start, end)
    if clues.wants_list:
        end = _list_end(passage.text, spans, start, end)
    return start, end


def _to_measure(
    spans: list[tuple[int, int]],
    kinds: Sequence[int],
    kind: str | None,
    scores: Sequence[float],
    chosen: tuple[int, int],
) -> tuple[int, int]:
    """A question asking how long or how much money is not answered by a quote without a length of time or an
    amount: the best sentence of the passage that has one is the quote (门拉不开，要等多久 → 机门约2分钟后自动解锁,
    not 打开机门放入衣物). Any number or time is too common for this: a date is a number."""
    if kind not in MEASURED:
        return chosen
    return _to_holding(spans, scores, chosen, lambda i: has(kinds[i], kind))


def _counted_unit(question: str) -> str | None:
    """The unit a question counts in (锦澜苑小区一共住了多少户？ → 户), or None."""
    match = _COUNTED.search(question)
    return match.group(1) if match else None


def _to_counted(
    spans: list[tuple[int, int]],
    sentences: list[str],
    unit: str | None,
    scores: Sequence[float],
    chosen: tuple[int, int],
) -> tuple[int, int]:
    """A question asking how many of something (多少户, 几座, 多少公里) is not answered by a quote that counts none:
    the best sentence of the passage that gives a number of that unit is the quote (一共住了多少户 → 住户968户, not
    the sentence before it on the floor area)."""
    if unit is None:
        return chosen
    counted = re.compile(rf"(\d|[两二三四五六七八九十百千万])\s*(余|多)?\s*{re.escape(unit)}")
    return _to_holding(spans, scores, chosen, lambda i: bool(counted.search(sentences[i])))


def _to_holding(
    spans: list[tuple[int, int]], scores: Sequence[float], chosen: tuple[int, int], holds: Callable[[int], bool]
) -> tuple[int, int]:
    """`chosen` when a sentence inside it `holds` what is asked, else the best-scored sentence of the passage
    that does, else `chosen`."""
    if any(holds(i) for i in _inside(spans, *chosen)):
        return chosen
    held = [i for i in range(len(spans)) if holds(i)]
    return spans[max(held, key=lambda i: scores[i])] if held else chosen


def _never(scores: list[float], out: Sequence[bool]) -> list[float]:
    """`scores` with the sentences `out` marks put out of the running for the quote, unless it marks them all."""
    return [-math.inf if o else x for x, o in zip(scores, out)] if any(out) and not all(out) else scores


SHORT_LINE_CHARS = 60  # a line this short (a list's item, a field) is quoted whole
ROW_CHARS = 160  # and a table row this short


def _whole_line(text: str, spans: list[tuple[int, int]], scores: list[float], start: int, end: int) -> tuple[int, int]:
    """The whole line the quote lies in when the line is short, or a table row, and none of its sentences is barred
    from the quote: an item's clauses are one answer (禁止使用无人机航拍；确需拍摄的，须提前3个工作日…报备), and so
    are a row's cells, though one holds a sentence's end (票种：观光车，价格（元）：20，说明：单程；往返票35元)."""
    first, last = line_at(text, start)
    most = ROW_CHARS if is_table_row(text, first) else SHORT_LINE_CHARS
    if end > last or last - first > most or (first, last) == (start, end):
        return start, end
    if any(scores[i] == -math.inf for i in _inside(spans, first, last)):
        return start, end
    return first, last


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """The sentences (by index into `spans`) that a quote from `start` to `end` holds whole."""
    return [i for i, (a, e) in enumerate(spans) if start <= a and e <= end]


def _past_echo(
    spans: list[tuple[int, int]], sentences: list[str], question: frozenset[str], chosen: tuple[int, int]
) -> tuple[int, int]:
    """A quote of short lines ending in one that restates the question goes on to the next sentence, which
    holds the answer: 损失出现 NaN → FP16 下先把学习率降到原来的一半; 问题：卡纸。→ 解决：…"""
    start, end = chosen
    inside = _inside(spans, start, end)
    if not inside or inside[-1] + 1 >= len(spans) or any(len(sentences[i]) > SHORT_LINE for i in inside):
        return chosen
    body = _LABEL.sub("", sentences[inside[-1]], count=1)
    grams = char_bigrams(body)
    if not grams or len(grams & question) < ECHO_SHARE * len(grams):
        return chosen
    return start, spans[inside[-1] + 1][1]


def _past_topic(
    spans: list[tuple[int, int]], sentences: list[str], kinds: Sequence[int], kind: str | None, chosen: tuple[int, int]
) -> tuple[int, int]:
    """A quote that is only the short first line of a passage and lacks the kind of answer asked (a time, a
    number) goes on to the first line under it that holds one: in notes, a list item names the topic and the
    items under it say what is asked (早上护导（家长在校门口站岗） → 周一到周五 7:20-7:50)."""
    inside = _inside(spans, *chosen)
    if kind is None or inside != [0] or len(sentences[0]) > SHORT_LINE or has(kinds[0], kind):
        return chosen
    for j in range(1, len(spans)):
        if len(sentences[j]) > SHORT_LINE or spans[j][1] - chosen[0] > LIST_CHARS:
            break
        if has(kinds[j], kind):
            return chosen[0], spans[j][1]
    return chosen


def _past_lead_in(
    spans: list[tuple[int, int]],
    sentences: list[str],
    kinds: Sequence[int],
    kind: str | None,
    scores: Sequence[float],
    chosen: tuple[int, int],
) -> tuple[int, int]:
    """A quote that is only the sentence introducing a list (…应当符合下列要求：) goes to the item of that list
    most like the question by `scores` (lexical + semantic: the quote model's preference for longer sentences
    means nothing among items): the lead-in says that there is an answer, an item says what it is. When the
    lead-in holds the `kind` of answer asked (a time, a number), the lead-in is it, whatever its items hold."""
    inside = _inside(spans, *chosen)
    if len(inside) != 1 or not sentences[inside[0]].rstrip().endswith(("：", ":")):
        return chosen
    items = []
    for j in range(inside[0] + 1, len(spans)):
        if item_marker(sentences[j].lstrip()) is None:
            break
        items.append(j)
    if not items:
        return chosen
    if has(kinds_of(after_article_label(sentences[inside[0]])), kind):  # 第四条 is no number asked for
        return chosen
    return spans[max(items, key=lambda j: scores[j])]


def _through_items(spans: list[tuple[int, int]], sentences: list[str], start: int, end: int) -> int:
    """Where a quote ending in the sentence that introduces a list (…持下列材料办理：) ends when the question
    asks for several things: after the items of the list, up to LIST_CHARS of them."""
    inside = _inside(spans, start, end)
    if not inside or not sentences[inside[-1]].rstrip().endswith(("：", ":")):
        return end
    for j in range(inside[-1] + 1, len(spans)):
        if item_marker(sentences[j].lstrip()) is None or spans[j][1] - spans[inside[-1] + 1][0] > LIST_CHARS:
            break
        end = spans[j][1]
    return end


def _paragraph(text: str, number: int) -> tuple[int, int] | None:
    """Where paragraph (款) `number` of an article's text lies: its line and the item lines under it (an
    article's paragraphs are its lines that open no item), or None when it has fewer."""
    starts, at = [], 0
    for line in text.split("\n"):
        if line.strip() and item_marker(line.strip()) is None:
            starts.append(at)
        at += len(line) + 1
    if not 1 <= number <= len(starts):
        return None
    end = starts[number] - 1 if number < len(starts) else len(text)
    return starts[number - 1], end


def _item_span(spans: list[tuple[int, int]], sentences: list[str], item: int) -> tuple[int, int] | None:
    """The span of the sentence that opens item `item` ((二), 2., ②, 第二项) of an article, or None."""
    for span, sentence in zip(spans, sentences):
        marker = item_marker(sentence)
        if marker is not None and marker[1] == item:
            return span
    return None


def _list_end(text: str, spans: list[tuple[int, int]], start: int, end: int) -> int:
    """Where a quote of one short line of a list ends when the question asks for several things:
    after the short lines that follow it (训练框架 → DeepSpeed, Megatron-LM …), up to LIST_CHARS."""

    def line(a: int, b: int) -> bool:
        return (a == 0 or text[a - 1] == "\n") and (b == len(text) or text[b] == "\n") and b - a <= SHORT_LINE

    if not line(start, end):
        return end
    for a, b in spans:
        if a < end:
            continue
        if not line(a, b) or b - start > LIST_CHARS:
            break
        end = b
    return end


def _regions(words: Sequence[str]) -> tuple[str, ...]:
    """The administrative areas a question names: a place name and the 省/市/县/区/州/镇/乡 after it, in one word
    (东营市) or apart (南沙 区; 青 禾 市, a name the dictionary does not know, cut into characters). A place name is
    one the dictionary tags so, or a two-character stem it does not know (青禾市): 开发区, 风景区 and 住宅小区
    are not areas, and 长度, which the dictionary tags as a place, has no 市."""
    found = []
    for i, word in enumerate(words):
        if len(word) >= 3 and word[-1] in _AREA and _place_stem(word[:-1]):
            found.append(word)
        elif word in _AREA and i > 0:
            stem = words[i - 1]
            if len(stem) == 1 and i > 1 and len(words[i - 2]) == 1:
                stem = words[i - 2] + stem
            if not any(c in STOPWORDS for c in stem) and _place_stem(stem):
                found.append(stem + word)
    return tuple(dict.fromkeys(found))


def _names(text: str, word: str) -> bool:
    """True when `text` holds `word` (folded: 臺灣 holds 台湾). The whole text is folded only when the word is not
    found as it is: most questions never need it."""
    return word in text or fold(word) in fold(text)


def _area_name(place: str) -> bool:
    """True for a place named without its level that the dictionary knows with one: a city or a province (上海 for
    上海市, 山东 for 山东省). 长度, which the dictionary tags as a place, is neither; county names are often common
    words (商城县, 长安县), so a county counts only with its 县."""
    return any(is_word(place + level) for level in "省市")  # 广州 ends in 州 but is named without its 市


def _place_stem(stem: str) -> bool:
    return bool(place_names([stem])) or (len(stem) == 2 and all(is_cjk(c) for c in stem) and not is_word(stem))


def _source(doc: Document, paragraph: int, page: int | None = None, section: str | None = None) -> Source:
    """Where a citation of `doc` comes from: its metadata and the paragraph (0: the page's header)."""
    return Source(
        doc.doc_id, doc.title, doc.publisher, doc.date, doc.author, doc.path, doc.url, paragraph, page, section
    )


def _states(line: str, doc: Document, field: str) -> bool:
    """True when a document's source `line` states its `field` (author, editor, publisher, date)."""
    if field == "date":
        return bool(doc.date) and bool(re.search(r"\d{4}", line))
    if field == "editor":
        return bool(re.search(r"(责任编辑|责编|编辑)\s*[:：]\s*[\u4e00-\u9fff]", line))
    value = doc.author if field == "author" else doc.publisher
    return bool(value) and any(part in line for part in str(value).split())


def _holds(sentence: str, kinds: int, offices: Sequence[str]) -> bool:
    """True when `sentence` names who holds one of `offices`."""
    return any(names_holder(sentence, office, kinds) for office in offices)


def _no_answer(evidence: Evidence) -> tuple[str, str]:
    """The refusal message. It says why when a rule refused: the places no document mentions, those the
    documents found never do, or the offices whose holder no passage found names."""
    for names, zh, en in (
        (evidence.foreign, "资料中没有提到{}", "the documents never mention {}"),
        (evidence.elsewhere, "找到的资料没有提到{}", "the documents found never mention {}"),
        (evidence.unheld, "找到的资料没有写明谁担任{}", "the passages found do not say who the {} is"),
    ):
        if names:
            quoted = "、".join(f"“{n}”" for n in names)
            return f"{NO_ANSWER[0][:-1]}：{zh.format(quoted)}。", f"{NO_ANSWER[1][:-1]}: {en.format(', '.join(names))}."
    if evidence.unmeasured is not None:
        zh, en = _UNMEASURED[evidence.unmeasured]
        return (
            f"{NO_ANSWER[0][:-1]}：找到的资料没有写明{zh}。",
            f"{NO_ANSWER[1][:-1]}: the passages found state no {en}.",
        )
    return NO_ANSWER


_UNMEASURED = {"money": ("金额", "amount of money"), "duration": ("时长", "length of time")}


def _closest_topics(citations: Sequence[Citation], n: int = 3) -> tuple[str, ...]:
    """What the corpus does know near a refused question: the titles of the nearest documents."""
    return tuple(dict.fromkeys(c.source.title for c in citations if c.source.title))[:n]


def _with_heading(citation: Citation) -> str:
    return f"{citation.heading}\n{citation.text}" if citation.heading else citation.text
