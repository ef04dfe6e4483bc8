"""The verdict table (chapter 9): the rule maps measurements to verdicts at the edges of the intervals, a claim's
rows combine into one verdict, missing runs and missing studies give "not measured" rows, every study's rows
follow the one shape, and ``python -m minigpt verdicts`` prints the table from an empty cache."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import sys
from pathlib import Path

import pytest

from minigpt import verdicts as V
from minigpt.__main__ import main
from minigpt.runs import ResultCache
from minigpt.stats import Interval
from minigpt.studies import STUDIES

ROOT = Path(__file__).resolve().parents[1]


def iv(low, high, n=3):
    return Interval((low + high) / 2, low, high, n).to_dict()


def row(a, b, expect="higher", **extra):
    return V.validate({"claim": "d", "measure": "accuracy", "text": "T=0 vs T=1",
                       "labels": ["T=0", "T=1"], "a": a, "b": b, "expect": expect, **extra})


def verdict(*args, **kwargs):
    return V.judge(row(*args, **kwargs))[0]


# --- the rule of one row ------------------------------------------------------------------------------------

def test_disjoint_in_the_expected_direction_holds_opposite_fails():
    assert verdict(iv(0.6, 0.7), iv(0.4, 0.5)) == "holds"
    assert verdict(iv(0.4, 0.5), iv(0.6, 0.7)) == "fails"
    assert verdict(iv(0.4, 0.5), iv(0.6, 0.7), expect="lower") == "holds"
    assert verdict(iv(0.6, 0.7), iv(0.4, 0.5), expect="lower") == "fails"


def test_touching_or_overlapping_intervals_are_inconclusive():
    assert verdict(iv(0.5, 0.7), iv(0.3, 0.5)) == "inconclusive"  # a.low == b.high: touching
    assert verdict(iv(0.3, 0.5), iv(0.5, 0.7)) == "inconclusive"
    assert verdict(iv(0.5000001, 0.7), iv(0.3, 0.5)) == "holds"  # just apart
    assert verdict(iv(0.4, 0.7), iv(0.3, 0.5), expect="lower") == "inconclusive"


def test_one_seed_is_inconclusive_however_far_apart():
    one = Interval(0.9, None, None, 1, method="one seed").to_dict()
    assert verdict(one, iv(0.1, 0.2)) == "inconclusive (one seed)"
    assert verdict(one, None, reference=0.5) == "inconclusive (one seed)"


def test_reference_comparisons_at_the_edges():
    assert verdict(iv(2.1, 2.5), None, reference=2.0) == "holds"
    assert verdict(iv(2.0, 2.5), None, reference=2.0) == "inconclusive"  # touching the reference
    assert verdict(iv(1.5, 1.9), None, reference=2.0) == "fails"
    assert verdict(iv(1.5, 1.9), None, expect="lower", reference=2.0) == "holds"
    with pytest.raises(ValueError, match="b: must be None when a reference"):
        row(iv(1, 2), iv(1, 2), reference=2.0)


def test_equal_expectation_within_the_tolerance_edges():
    t = V.TOLERANCE
    zero = Interval(0.0, 0.0, 0.0, 3).to_dict()  # the paired difference exactly 0 on every seed
    assert verdict(iv(0.6, 0.7), iv(0.6, 0.7), "equal", difference=zero) == "holds"
    assert verdict(iv(0.6, 0.7), iv(0.6, 0.7), "equal", difference=iv(-t, t)) == "holds"  # on the edges
    assert verdict(iv(0.6, 0.7), iv(0.6, 0.7), "equal", difference=iv(-t, t + 1e-9)) == "inconclusive"
    assert verdict(iv(0.6, 0.7), iv(0.6, 0.7), "equal", difference=iv(t + 1e-9, 0.1)) == "fails"
    assert verdict(iv(0.6, 0.7), iv(0.6, 0.7), "equal", difference=iv(t, 0.1)) == "inconclusive"  # touching
    # no paired difference: the widest one the two intervals allow, [a.low - b.high, a.high - b.low]
    assert verdict(iv(0.600, 0.605), iv(0.600, 0.605), "equal") == "holds"
    assert verdict(iv(0.60, 0.70), iv(0.60, 0.70), "equal") == "inconclusive"
    assert verdict(iv(0.80, 0.90), iv(0.60, 0.70), "equal") == "fails"
    assert verdict(iv(0.60, 0.70), iv(0.60, 0.70), "equal", tolerance=0.1) == "holds"
    # against a reference
    assert verdict(iv(1.995, 2.005), None, "equal", reference=2.0) == "holds"
    assert verdict(iv(2.5, 2.6), None, "equal", reference=2.0) == "fails"


def test_paired_difference_decides_directional_rows():
    # the intervals over seeds overlap, but every seed's model is better at a: the paired difference excludes 0
    assert verdict(iv(0.4, 0.8), iv(0.3, 0.7)) == "inconclusive"
    assert verdict(iv(0.4, 0.8), iv(0.3, 0.7), difference=iv(0.05, 0.15)) == "holds"
    assert verdict(iv(0.4, 0.8), iv(0.3, 0.7), difference=iv(-0.15, -0.05)) == "fails"
    assert verdict(iv(0.4, 0.8), iv(0.3, 0.7), difference=iv(0.0, 0.15)) == "inconclusive"  # touches 0
    assert "paired" in V.rule_text(row(iv(0, 1), iv(0, 1), difference=iv(0, 1)))


def test_a_missing_side_is_not_measured():
    assert V.judge(row(None, iv(0.1, 0.2)))[0] == "not measured"
    assert V.judge(row(iv(0.1, 0.2), None))[0] == "not measured"
    assert V.judge(row(None, None, reference=0.5))[0] == "not measured"
    assert "T=1" in V.judge(row(iv(0.1, 0.2), None))[1]


def test_every_row_states_its_rule():
    for expect in V.EXPECTS:
        assert V.rule_text(row(iv(0, 1), iv(0, 1), expect))
        assert "2" in V.rule_text(row(iv(0, 1), None, expect, reference=2.0))
    assert f"{V.TOLERANCE:g}" in V.rule_text(row(iv(0, 1), iv(0, 1), "equal"))
    assert "0.05" in V.rule_text(row(iv(0, 1), iv(0, 1), "equal", tolerance=0.05))


# --- one claim from its rows --------------------------------------------------------------------------------

def test_a_claim_combines_its_rows():
    texts = ["x", "y", "z"]
    assert V.combine(["holds"] * 3, texts) == ("holds", "")
    v, cond = V.combine(["holds", "inconclusive", "fails"], texts)
    assert v == "holds with a condition" and "holds for x" in cond and "y (inconclusive)" in cond
    assert V.combine(["fails", "inconclusive", "fails"], texts)[0] == "fails"
    assert V.combine(["inconclusive", "inconclusive (one seed)", "not measured"], texts)[0] == "inconclusive"
    assert V.combine(["not measured"] * 3, texts)[0] == "not measured"
    v, cond = V.combine(["holds", "not measured", "holds"], texts)
    assert v == "holds with a condition" and "y (not measured)" in cond


# --- the shape ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("bad, match", [
    ({"claim": "zz"}, "claim"), ({"chapter": 12}, "unknown keys"), ({"expect": "more"}, "expect"),
    ({"labels": ["one"]}, "labels"), ({"a": {"estimate": 1}}, "a:"), ({"tolerance": 0.1}, "tolerance"),
    ({"colour": 1}, "unknown keys"), ({"text": ""}, "text")])
def test_a_wrong_row_is_a_clear_error(bad, match):
    good = {"claim": "d", "measure": "accuracy", "text": "x", "labels": ["a", "b"],
            "a": iv(0, 1), "b": iv(0, 1), "expect": "higher"}
    with pytest.raises(ValueError, match=match):
        V.validate({**good, **bad})
    with pytest.raises(ValueError, match="missing keys"):
        V.validate({k: v for k, v in good.items() if k != "expect"})


# Every study of the registry follows the shape, reading an empty cache (so: all "not measured").
@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_every_study_follows_the_shape(study, tmp_path):
    rows = V.study_rows(study, ResultCache(tmp_path))
    assert rows and {r["chapter"] for r in rows} == {study.chapter} and {r["claim"] for r in rows} == set(study.claims)
    assert all(V.judge(r)[0] == "not measured" for r in rows)
    assert not list(tmp_path.rglob("*.json"))  # nothing ran


def test_a_missing_study_is_an_error_not_a_row(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "minigpt.studies.capacity", None)  # import fails: ImportError
    with pytest.raises(ImportError):
        V.verdict_table(ResultCache(tmp_path))
    with pytest.raises(ValueError, match="study 'nonesuch' is unknown"):
        V.verdict_table(ResultCache(tmp_path), studies=["nonesuch"])


def test_a_study_with_wrong_rows_is_an_error_naming_it(tmp_path, monkeypatch):
    import minigpt.studies.sampling as sampling

    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: [{"claim": "d", "with": None}])
    with pytest.raises(ValueError, match="sampling.verdict_measurements"):
        V.verdict_table(ResultCache(tmp_path), studies=["sampling"])
    good = {"measure": "accuracy", "text": "x", "labels": ["a", "b"], "a": None, "b": None, "expect": "higher"}
    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: [{"claim": "a", **good}])
    with pytest.raises(ValueError, match="claim 'a' is not among the study's claims"):
        V.verdict_table(ResultCache(tmp_path), studies=["sampling"])


def test_measured_rows_reach_the_table_and_its_files(tmp_path, monkeypatch):
    import minigpt.studies.sampling as sampling

    rows = [{"claim": "d", "measure": "accuracy", "text": "facts: T=0 vs T=1",
             "labels": ["T=0", "T=1"], "a": iv(0.8, 0.9), "b": iv(0.3, 0.4), "expect": "higher"},
            {"claim": "d", "measure": "accuracy", "text": "facts: T=0 vs T=0.1",
             "labels": ["T=0", "T=0.1"], "a": iv(0.8, 0.9), "b": iv(0.7, 0.85), "expect": "higher"}]
    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: rows)
    table = V.verdict_table(ResultCache(tmp_path))
    d = [t for t in table if t["claim"] == "d"]
    assert [t["verdict"] for t in d] == ["holds", "inconclusive"]
    assert d[0]["claim_verdict"] == "holds with a condition" and "T=0 vs T=1" in d[0]["claim_condition"]
    assert "[0.8, 0.9]" in d[0]["measurement"]
    lines = list(csv.DictReader(io.StringIO(V.to_csv(table))))
    mine = [x for x in lines if x["claim"] == "d"]
    assert len(lines) == len(table) and mine[0]["verdict"] == "holds" and float(mine[0]["a_low"]) == 0.8
    data = json.loads(V.to_json(table))
    assert data["rule"] == V.RULE_TEXT and [r for r in data["rows"] if r["claim"] == "d"][0]["a"]["low"] == 0.8
    page = V.to_html(table)
    assert {t["claim"] for t in table} == set(V.CLAIMS) - {"k"}  # sampling's rows, replaced, measure no (k)
    for claim in {t["claim"] for t in table}:
        assert f'id="verdict-{claim}"' in page
    assert 'href="06_temperature.html"' in page
    csv_uri = re.search(r'id="verdicts-csv" download="verdicts.csv" href="data:text/csv;charset=utf-8;base64,'
                        r'([^"]+)"', page)
    assert base64.b64decode(csv_uri.group(1)).decode() == V.to_csv(table)


# --- the command line ----------------------------------------------------------------------------------------

def test_cli_prints_the_table_from_an_empty_cache(tmp_path, capsys):
    assert main(["verdicts", "--cache", str(tmp_path), "--csv", str(tmp_path / "v.csv")]) == 0
    out = capsys.readouterr().out
    assert "not measured" in out.lower() and "Not measured: claims a, b" in out and "Rule:" in out
    assert (tmp_path / "v.csv").read_text().startswith("claim,claim_text")
    assert main(["verdicts", "--cache", str(tmp_path), "--json", "--fast"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {r["claim"] for r in data["rows"]} == set(V.CLAIMS)
    assert not list(tmp_path.glob("*.json"))  # nothing ran
