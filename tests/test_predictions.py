"""Predictions scored: a predict-first question keeps the reader's answer (a JSON file in a kernel, written
atomically), bad input is a clear error, and the scorecard counts answers against a build's verdicts by one rule.
The static views (localStorage) are driven in tests/browser/test_predictions_page.py."""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

import pytest

from minigpt.explore import WIDGET_MIME, PredictionStore, predict, scorecard
from minigpt.explore.predictions import OUTCOMES, PATH_ENV, STORAGE_KEY, VERDICT_CHOICES, default_path, score
from minigpt.verdicts import CLAIM_VERDICTS, CLAIMS

ROOT = Path(__file__).resolve().parents[1]
CHOICES = {"yes, clearly": "holds", "on some rows": ("mixed", "holds with a condition"), "no": "fails"}


@pytest.fixture
def store(tmp_path: Path) -> PredictionStore:
    return PredictionStore(tmp_path / "sub" / "predictions.json")


def test_outcomes_are_the_verdict_tables_claim_verdicts():
    assert set(OUTCOMES) == set(CLAIM_VERDICTS) - {"not measured"}


def test_an_answer_is_kept_in_the_file_and_read_back(store):
    p = predict("ch3-a", "Do they help?", "a", CHOICES, store=store)
    assert p.answered is None and store.load() == {}
    p.answer("no")
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data["version"] == 1
    assert data["answers"]["ch3-a"] == {"id": "ch3-a", "question": "Do they help?", "claim": "a",
                                        "choices": {k: [v] if isinstance(v, str) else list(v)
                                                    for k, v in CHOICES.items()},
                                        "choice": "no"}
    predict("ch5-c", "Late?", "c", store=store).answer(next(iter(VERDICT_CHOICES)))
    p.answer("yes, clearly")  # a new answer replaces the old one, the other question's stays
    assert {k: r["choice"] for k, r in store.load().items()} == {"ch3-a": "yes, clearly",
                                                                 "ch5-c": next(iter(VERDICT_CHOICES))}
    assert predict("ch3-a", "Do they help?", "a", CHOICES, store=store).answered == "yes, clearly"


def test_the_file_is_written_atomically(store, monkeypatch):
    p = predict("q1", "Q?", "a", CHOICES, store=store)
    p.answer("no")
    before = store.path.read_bytes()

    def crash(src, dst):
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk gone"):
        p.answer("yes, clearly")
    assert store.path.read_bytes() == before  # the old file, whole
    assert [f.name for f in store.path.parent.iterdir()] == [store.path.name]  # no temporary file left


def test_default_path_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(PATH_ENV, str(tmp_path / "p.json"))
    assert default_path() == tmp_path / "p.json" == PredictionStore().path
    monkeypatch.delenv(PATH_ENV)
    assert default_path() == Path.home() / ".minigpt" / "predictions.json"


def test_a_broken_file_is_a_clear_error(store):
    store.path.parent.mkdir(parents=True)
    store.path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="predictions file predictions.json"):
        store.load()
    store.clear()
    assert store.load() == {}


@pytest.mark.parametrize(("kwargs", "param"), [
    ({"question_id": "Has Space"}, "question_id"),
    ({"question_id": ""}, "question_id"),
    ({"question": " "}, "question"),
    ({"claim": ""}, "claim"),
    ({"choices": {"only one": "holds"}}, "choices"),
    ({"choices": {"yes": "holds", "no": "false"}}, r"choices\['no'\]"),
    ({"choices": {"yes": "holds", "no": ()}}, r"choices\['no'\]"),
    ({"choices": {"yes": "holds", "no": "not measured"}}, r"choices\['no'\]"),
])
def test_bad_input_names_the_parameter(store, kwargs, param):
    args = {"question_id": "q1", "question": "Q?", "claim": "a", "choices": CHOICES, **kwargs}
    with pytest.raises(ValueError, match=rf"^{param}: "):
        predict(**args, store=store)


def test_a_choice_not_offered_is_a_value_error(store):
    p = predict("q1", "Q?", "a", CHOICES, store=store)
    with pytest.raises(ValueError, match=r"^choice: must be one of \['yes, clearly', 'on some rows', 'no'\]"):
        p.answer("maybe")
    assert store.load() == {}


def test_bad_verdicts_name_the_parameter(store):
    with pytest.raises(ValueError, match=r"^verdicts\['a'\]: must be one of"):
        scorecard({"a": ("maybe", "")}, store=store)
    with pytest.raises(ValueError, match=r"^verdicts: "):
        scorecard(["a"], store=store)


def test_one_rule_scores_an_answer():
    rec = predict("q1", "Q?", "a", CHOICES, store=PredictionStore("unused.json")).record("no")
    assert score(rec, {"a": ("fails", "")}) == "right"
    assert score(rec, {"a": ("mixed", "holds for x")}) == "wrong"
    assert score(rec, {"a": ("inconclusive", "")}) == "not scored"  # no choice named it
    assert score(rec, {"a": ("not measured", "")}) == "not scored"
    assert score(rec, {"b": ("fails", "")}) == "not scored"  # no verdict on the claim in this build
    both = {**rec, "choice": "on some rows"}
    assert score(both, {"a": ("mixed", "")}) == score(both, {"a": ("holds with a condition", "")}) == "right"


def test_scorecard_counts(store):
    for qid, claim, choice in (("q-a", "a", "yes, clearly"), ("q-b", "b", "no"), ("q-c", "c", "on some rows"),
                               ("q-d", "d", "no"), ("q-x", "x", "no")):
        predict(qid, f"{qid}?", claim, CHOICES, store=store).answer(choice)
    verdicts = {"a": ("holds", ""), "b": ("mixed", "holds for z; not for w (fails)"), "c": ("holds with a "
                "condition", "holds for y; not for v (inconclusive)"), "d": ("inconclusive", "")}
    card = scorecard(verdicts, store=store)
    assert card.counts() == {"answered": 5, "right": 2, "wrong": 1, "not scored": 2}
    rows = card.rows()
    assert [r["id"] for r in rows] == ["q-a", "q-b", "q-c", "q-d", "q-x"]  # claim order, unknown claims last
    assert [r["score"] for r in rows] == ["right", "wrong", "right", "not scored", "not scored"]
    assert rows[1]["verdict"] == "mixed: holds for z; not for w (fails)"
    assert rows[4]["verdict"] == "no verdict in this build"
    assert card.summary() == ("5 predictions: 2 right, 1 wrong, 2 not scored (no choice of the question named "
                              "this build's verdict).")
    one = {"q-a": store.load()["q-a"]}
    assert card.summary(one) == "1 prediction: 1 right, 0 wrong, 0 not scored."
    assert scorecard(verdicts, store=PredictionStore(store.path.with_name("none.json"))).counts() == \
        {"answered": 0, "right": 0, "wrong": 0, "not scored": 0}


def test_live_widget_keeps_a_click_and_the_scorecard_refreshes(store):
    pytest.importorskip("ipywidgets")
    card = scorecard({"a": "holds"}, store=store)
    shown = card.widget.children[0]
    assert "No predictions kept yet" in shown.value
    p = predict("q1", "Q?", "a", CHOICES, store=store)
    bundle = p._repr_mimebundle_()
    assert WIDGET_MIME in bundle and "text/html" in bundle
    buttons = p.widget.children[1]
    assert buttons.value is None
    buttons.value = "yes, clearly"  # as a click does
    assert p.answered == "yes, clearly"
    assert "Your answer is kept" in p.widget.children[2].value
    card.widget.children[1].click()
    assert "1 prediction: 1 right" in shown.value and "<td>yes, clearly</td>" in shown.value
    again = predict("q1", "Q?", "a", CHOICES, store=store).widget.children[1]
    assert again.value == "yes, clearly"  # a new kernel shows the kept answer


def test_static_views_carry_no_answer_and_name_the_storage_key(store):
    p = predict("q1", "Is it <so>?", "a", CHOICES, store=store)
    p.answer("no")
    page = p.to_html()
    inputs = re.findall(r"<input [^>]*>", page)
    assert len(inputs) == len(CHOICES) and not [i for i in inputs if "checked" in i]
    assert "Is it &lt;so&gt;?" in page and STORAGE_KEY in page and 'id="minigpt-predict-q1"' in page
    card = scorecard({"a": ("fails", "")}, store=store).to_html()
    assert "No predictions kept yet" in card and "<td>" not in card  # the answer comes from the browser
    assert "&quot;fails&quot;" in card and STORAGE_KEY in card


def _predict_calls(path: Path) -> list[tuple[str, str]]:
    """``(question id, claim)`` of every ``predict(...)`` call in a chapter source."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "predict":
            args = {**dict(zip(("question_id", "question", "claim"), node.args, strict=False)),
                    **{k.arg: k.value for k in node.keywords}}
            found.append((ast.literal_eval(args["question_id"]), ast.literal_eval(args["claim"])))
    return found


def test_the_chapters_questions_have_distinct_ids_and_known_claims():
    calls = [c for path in sorted((ROOT / "chapters").glob("*.py")) for c in _predict_calls(path)]
    ids = [qid for qid, _ in calls]
    assert len(ids) == len(set(ids)), f"question ids used twice: {sorted(i for i in ids if ids.count(i) > 1)}"
    unknown = [(qid, claim) for qid, claim in calls if claim not in CLAIMS]
    assert not unknown, f"questions on claims the verdict table does not have: {unknown}"
