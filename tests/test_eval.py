"""`qa eval`: SQuAD/.jsonl loading, judging, metrics, splits, errors and the CLI, with the fake encoder."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from helpers import FAKE_DIM, TESTS_DIR, write

from qa.answer.results import Answer, Citation, Source
from qa.cli import main
from qa.config import Settings
from qa.errors import InputError
from qa.evaluation.evaluate import Outcome, judge, metrics, read_squad, run_eval, split_of
from qa.search.encoder import HashEncoder

# (context id, title, context, [(question id, question, answer)]); ids chosen so both split halves are non-empty.
CONTEXTS = [
    ("QY-1", "庆云县检察院开展普法宣传",
     "庆云县人民检察院近日走进县第一中学开展普法宣传活动。检察官向三百名学生讲解了预防校园欺凌的法律知识。"
     "活动现场发放宣传资料五百余份。",
     [("q1", "检察官向多少名学生讲解了预防校园欺凌的法律知识？", "三百名"),
      ("q2", "庆云县人民检察院走进哪所学校开展普法宣传？", "县第一中学")]),
    ("DZ-4", "德州城市历史",
     "德州古称安德，因地处古黄河之北而得名。明朝永乐年间，德州成为运河沿岸的重要码头。一九九四年，德州撤地设市。",
     [("q3", "德州古称什么？", "安德"), ("q4", "德州在哪一年撤地设市？", "一九九四年")]),
    ("DZ-3", "德州扒鸡", "德州扒鸡创始于清朝康熙年间，以五香脱骨闻名全国。扒鸡的制作需要经过炸、煮、焖等多道工序。",
     [("q5", "德州扒鸡创始于什么时候？", "清朝康熙年间")]),
]  # fmt: skip
METRIC_KEYS = set("questions answerable answer@1 answer@5 mrr@10 answer_in_quote@1 no_answer_rate unanswerable "
                  "unanswerable_answered invalid latency_ms doc@1".split())  # fmt: skip


def paragraph(key: str, context: str, qas: list[tuple[str, str, str]]) -> dict:
    answers = [{"id": i, "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]} for i, q, a in qas]
    return {"id": key, "context": context, "qas": answers}


@pytest.fixture
def squad(tmp_path: Path) -> Path:
    data = [{"title": title, "paragraphs": [paragraph(key, ctx, qas)]} for key, title, ctx, qas in CONTEXTS]
    return write(tmp_path / "squad.json", json.dumps({"version": "v1", "data": data}, ensure_ascii=False))


def evaluate(tmp_path: Path, path: Path, corpus: Path | None = None, **kw) -> dict:
    settings = Settings(corpus_dir=corpus or tmp_path / "no-corpus", cache_dir=tmp_path / "cache")
    return run_eval(settings, path, encoder=HashEncoder(FAKE_DIM), top_k=5, warn=lambda line: None, **kw)


def test_squad_file_is_indexed_and_easy_questions_are_found(tmp_path, squad):
    report = evaluate(tmp_path, squad)
    m = report["metrics"]
    assert report["documents"] == len(CONTEXTS) and report["distractors"] == 0
    assert m["questions"] == m["answerable"] == 5 and m["unanswerable"] == 0
    assert m["answer@1"] >= 0.8
    assert m["answer@1"] <= m["answer@5"] and m["answer@1"] <= m["mrr@10"] <= 1.0
    assert not (tmp_path / "cache").exists()  # the given encoder is used: no model, no vector cache


def test_answer_in_second_sentence_is_quoted(tmp_path, squad):
    # q1's answer "三百名" is only in the context's second sentence: the quote must pick that sentence.
    m = evaluate(tmp_path, squad, limit=1)["metrics"]
    assert m["questions"] == 1
    assert m["answer@1"] == 1.0 and m["answer_in_quote@1"] == 1.0


def test_distractor_folder_adds_documents(tmp_path, squad):
    folder = tmp_path / "distractors"
    write(folder / "a.txt", "宁津县法院启用智慧法庭\n\n宁津县人民法院近日启用三个智慧法庭，庭审全程录音录像。\n")
    write(folder / "b.txt", "乐陵市举办金丝小枣节\n\n乐陵市第二十届金丝小枣文化旅游节日前开幕，游客超过十万人次。\n")
    report = evaluate(tmp_path, squad, distractors=[folder])
    assert report["distractors"] == 2
    assert report["documents"] == len(CONTEXTS) + 2
    assert report["metrics"]["answer@1"] >= 0.8


def test_fit_and_test_splits_are_disjoint_halves_of_all(tmp_path, squad):
    _, questions = read_squad(squad)
    fit = {q.id for q in questions if q.split == "fit"}
    test = {q.id for q in questions if q.split == "test"}
    assert fit and test and not fit & test and fit | test == {q.id for q in questions}
    assert fit == {"q3", "q4"} and split_of("DZ-4") == "fit"  # a context's questions stay together
    counts = {s: evaluate(tmp_path, squad, split=s)["metrics"]["questions"] for s in ("all", "fit", "test")}
    assert counts == {"all": 5, "fit": 2, "test": 3}


def cite(rank: int, text: str, quote: str | None = None) -> Citation:
    quote = text if quote is None else quote
    source = Source(f"d{rank}", "标题", None, None, None, f"d{rank}.txt", None, 0)
    start = text.index(quote)
    return Citation(rank, f"p{rank}", text, quote, start, start + len(quote), 1.0 / rank, source)


def test_judge_finds_first_passage_with_answer_after_normalising():
    passages = (
        cite(1, "德州古称安德。"),
        cite(2, "该县成立于１９９０ 年，隶属德州。", "隶属德州。"),
        cite(3, "1990年另有一事。"),
    )
    answer = Answer("问题", True, "", passages=passages)
    out = judge(answer, ["1990年"], ms=12.0, qid="x")
    assert out == Outcome("x", 2, False, True, True, 12.0)
    assert judge(answer, ["安德"], 1.0).quoted is True
    assert judge(answer, ["ＡＢＣ", "德州古称"], 1.0).rank == 1  # any gold string counts
    assert judge(answer, ["济南"], 1.0).rank is None


def test_judge_and_metrics_say_whether_the_gold_file_came_first():
    answer = Answer("问题", True, "", passages=(cite(1, "德州古称安德。"), cite(2, "隶属德州。")))
    assert judge(answer, ["德州"], 1.0, doc="d1.txt").doc_first is True
    assert judge(answer, ["德州"], 1.0, doc="d2.txt").doc_first is False
    assert judge(answer, ["德州"], 1.0).doc_first is None  # the set names no file
    outcomes = [judge(answer, ["德州"], 1.0, doc=d) for d in ("d1.txt", "d1.txt", "d2.txt")]
    assert metrics(outcomes)["doc@1"] == round(2 / 3, 4)
    assert metrics([judge(answer, ["德州"], 1.0)])["doc@1"] is None


def test_judge_unanswerable_and_refused():
    answer = Answer("今天天气怎么样？", False, "没有找到答案", passages=(cite(1, "德州古称安德。"),))
    out = judge(answer, [], 3.0)
    assert out.answerable is False and out.answered is False and out.rank is None
    assert judge(answer, [" "], 3.0).answerable is False  # a blank gold string is no answer
    assert judge(Answer("q", False, "无"), ["安德"], 1.0) == Outcome("", None, False, False, True, 1.0)


def test_metrics_by_hand():
    cases = [(1, True, True, True), (2, False, True, True), (None, False, False, True), (7, False, True, True),
             (None, False, True, False), (None, False, False, False)]  # fmt: skip
    m = metrics([Outcome("", *case, ms=10.0 * (n + 1)) for n, case in enumerate(cases)])
    assert m["questions"] == 6 and m["answerable"] == 4 and m["unanswerable"] == 2
    assert m["answer@1"] == 0.25
    assert m["answer@5"] == 0.5
    assert m["mrr@10"] == round((1 + 0.5 + 0 + 1 / 7) / 4, 4)
    assert m["answer_in_quote@1"] == 0.25
    assert m["no_answer_rate"] == 0.25
    assert m["unanswerable_answered"] == 0.5
    assert m["latency_ms"]["p50"] == 35.0
    assert metrics([Outcome("", 11, False, True, True, 1.0)])["mrr@10"] == 0.0  # ranks beyond 10 do not count
    empty = metrics([])
    assert empty["questions"] == 0 and empty["answer@1"] is None and empty["mrr@10"] is None


def test_jsonl_about_the_corpus_counts_off_topic_rows(tmp_path, seed_dir):
    rows = [
        {"id": "s02", "question": "东营市人民检察院多年来一直保持着什么荣誉称号？", "answer": "全国文明单位"},
        {"id": "s03", "question": "东营市检察院机关党委的专职副书记叫什么名字？", "answer": "李晶晶"},
        {"id": "o01", "question": "今天天气怎么样？"},
    ]
    path = write(tmp_path / "qs.jsonl", "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n")
    report = evaluate(tmp_path, path, corpus=seed_dir)
    m = report["metrics"]
    assert report["documents"] == 5
    assert m["questions"] == 3 and m["answerable"] == 2 and m["unanswerable"] == 1
    assert m["answer@5"] >= 0.5


@pytest.mark.parametrize(
    "name, text, needle",
    [
        ("bad.json", "{not json", "squad"),
        ("nodata.json", '{"version": 1}', "squad"),
        ("bad.jsonl", '{"id": "a", "question": "问"}\n{"id": "b"}\n', "line 2"),
        ("broken.jsonl", '{"id": "a", "question": "问"}\n\n{"id": "c", "question": \n', "line 3"),
    ],
)
def test_malformed_files_are_input_errors(tmp_path, name, text, needle):
    with pytest.raises(InputError) as err:
        evaluate(tmp_path, write(tmp_path / name, text))
    assert needle in err.value.en.lower()


def test_missing_file_bad_split_and_unknown_distractors_are_input_errors(tmp_path, squad):
    with pytest.raises(InputError, match="找不到评测文件"):
        evaluate(tmp_path, tmp_path / "missing.json")
    with pytest.raises(InputError, match="找不到干扰文档文件夹"):
        evaluate(tmp_path, squad, distractors=[tmp_path / "nowhere"])
    with pytest.raises(InputError):
        evaluate(tmp_path, squad, split="dev")


# Non-object rows, non-UTF-8 files and SQuAD without paragraphs once crashed with a traceback (exit 1).
@pytest.mark.parametrize(
    "name, text",
    [
        ("list.jsonl", '{"id": "a", "question": "问"}\n[1, 2]\n'),  # was AttributeError (a list has no .get)
        ("gbk.jsonl", '{"question": "你好"}\n'.encode("gbk")),  # was UnicodeDecodeError
        ("nopara.json", '{"data": [{"title": "t"}]}'),  # was KeyError
    ],
)
def test_odd_files_are_input_errors(tmp_path, name, text):
    with pytest.raises(InputError):
        evaluate(tmp_path, write(tmp_path / name, text))


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def fake_cli(fake_env, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("QA_CORPUS", str(tmp_path / "no-corpus"))


def test_cli_eval_prints_json_and_table(fake_cli, squad):
    code, out, err = run_cli(["eval", str(squad), "--json", "--quiet"])
    assert code == 0, err
    report = json.loads(out)
    assert set(report["metrics"]) == METRIC_KEYS
    assert report["model"] == HashEncoder(FAKE_DIM).name and report["metrics"]["questions"] == 5
    code, out, _ = run_cli(["eval", str(squad), "--quiet", "--split", "fit"])  # the table
    assert code == 0 and "answer@1" in out and "split=fit" in out and "2 问" in out


def test_cli_eval_missing_file_exits_2(fake_cli, tmp_path):
    code, out, err = run_cli(["eval", str(tmp_path / "missing.json"), "--quiet"])
    assert code == 2 and out == ""
    assert "找不到评测文件" in err


def test_an_empty_question_counts_as_a_miss_and_the_run_goes_on(tmp_path):
    """CMRC's test half holds an empty question: the run must not stop there."""
    data = {"data": [{"title": "庆云县检察院", "paragraphs": [{"id": "C1", "context": "今年3月，庆云县检察院自主研发电子送达平台。", "qas": [
        {"id": "q1", "question": "  ", "answers": [{"text": "今年3月"}]},
        {"id": "q2", "question": "庆云县检察院什么时候研发了电子送达平台？", "answers": [{"text": "今年3月"}]},
    ]}]}]}  # fmt: skip
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = run_eval(Settings(cache_dir=tmp_path), path, encoder=HashEncoder(64), top_k=5)
    m = report["metrics"]
    assert m["questions"] == 2 and m["invalid"] == 1
    assert m["answer@1"] == 0.5  # the empty one is a miss, the real one is found


class _Int8Hash(HashEncoder):
    """The fake encoder under a quantized variant's identity, as the default int8 encoder has."""

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self.name += "+int8"


def test_calibrate_labels_models_with_the_base_model_so_the_answerer_uses_them(tmp_path, fake_env):
    from helpers import SEED_DIR

    from qa.answer.engine import Answerer
    from qa.evaluation.calibrate import calibrate
    from qa.ingest.corpus import load_corpus
    from qa.search.edits import build
    from qa.search.ranker import Ranker

    out = tmp_path / "calibration.json"
    encoder = _Int8Hash(FAKE_DIM)
    calibrate(Settings(corpus_dir=SEED_DIR), TESTS_DIR.parent / "eval", out, log=lambda _: None, encoder=encoder)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["model"] == HashEncoder(FAKE_DIM).name == saved["ranker"]["model"]
    index = build(load_corpus(SEED_DIR).documents, encoder, max_chars=300, min_chars=12)
    assert Answerer(index, encoder, ranker=Ranker.load_default(out)).ranker is not None


def test_calibrate_refusal_only_keeps_the_ranker_and_quote_model_and_refits_the_no_answer_model(tmp_path, fake_env):
    from helpers import SEED_DIR

    from qa.errors import ConfigError
    from qa.evaluation.calibrate import calibrate

    out = tmp_path / "calibration.json"
    encoder = HashEncoder(FAKE_DIM)
    settings = Settings(corpus_dir=SEED_DIR)
    with pytest.raises(ConfigError, match="no ranker and quote model"):
        calibrate(settings, TESTS_DIR.parent / "eval", out, log=lambda _: None, encoder=encoder, refusal_only=True)
    calibrate(settings, TESTS_DIR.parent / "eval", out, log=lambda _: None, encoder=encoder)
    saved = json.loads(out.read_text(encoding="utf-8"))
    saved["ranker"]["weights"] = [0.5] * len(saved["ranker"]["weights"])  # a ranker no fit would give
    saved["refusal"]["weights"] = [0.0] * len(saved["refusal"]["weights"])
    out.write_text(json.dumps(saved), encoding="utf-8")
    calibrate(settings, TESTS_DIR.parent / "eval", out, log=lambda _: None, encoder=encoder, refusal_only=True)
    again = json.loads(out.read_text(encoding="utf-8"))
    assert again["ranker"] == saved["ranker"] and again["quote"] == saved["quote"]
    assert any(w != 0.0 for w in again["refusal"]["weights"])
