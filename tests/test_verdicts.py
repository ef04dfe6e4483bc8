"""The verdict table (chapter 10): rows in one shape, each tested (paired or exact), a claim's rows combined by one
rule that says "mixed" where rows disagree, sanity rows apart, missing runs "not measured", a missing or wrong
study an error, and the table's files (CSV, JSON with the protocol's hash, HTML) and command line."""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import re
import sys

import pytest

from minigpt import verdict_page as P
from minigpt import verdicts as V
from minigpt.__main__ import main
from minigpt.protocol import protocol_hash
from minigpt.runs import ResultCache
from minigpt.studies import STUDIES


def row(a, b, expect="higher", margin=0.0, **extra):
    return V.validate({"claim": "d", "kind": "claim", "measure": "accuracy", "text": "T=0 vs T=1",
                       "labels": ["T=0", "T=1"], "expect": expect, "margin": margin, "test": "paired",
                       "a": a, "b": b, **extra})


def verdict(*args, **kwargs):
    return V.judge(row(*args, **kwargs))[1]


# five seeds x four items; b is a's scores less `d` on every item
A = [[0.9, 0.8, 0.7, 0.6], [0.8, 0.8, 0.6, 0.7], [0.9, 0.7, 0.7, 0.5], [0.85, 0.75, 0.65, 0.6], [0.9, 0.8, 0.6, 0.6]]


def minus(d, noise=0.0):
    return [[x - d + noise * ((i + j) % 3 - 1) for j, x in enumerate(s)] for i, s in enumerate(A)]


# --- the rule of one row ------------------------------------------------------------------------------------


def test_a_paired_row_holds_fails_or_is_negligible_against_its_margin():
    assert verdict(A, minus(0.2, 0.01)) == "holds"
    assert verdict(A, minus(-0.2, 0.01)) == "fails"
    assert verdict(A, minus(0.2, 0.01), expect="lower") == "fails"
    assert verdict(A, minus(0.01, 0.001), margin=0.05) == "negligible"
    assert verdict(A, minus(0.01, 0.2)) == "inconclusive"
    assert verdict(A, minus(0.0), expect="equal", margin=0.01) == "holds"
    assert verdict(A, minus(0.3, 0.01), expect="equal", margin=0.01) == "fails"


def test_a_reference_row_and_a_binary_row():
    per_seed = [[0.7], [0.75], [0.72], [0.71], [0.74]]
    assert V.judge(row(per_seed, None, reference=0.5))[1] == "holds"
    assert V.judge(row(per_seed, None, reference=0.9))[1] == "fails"
    binary = {"claim": "grok", "kind": "claim", "measure": "generalized", "text": "x", "labels": ["wd 1", "wd 0"],
              "expect": "higher", "margin": 0, "test": "binary"}
    assert V.judge(V.validate({**binary, "a": [1] * 5, "b": [0] * 5}))[1] == "holds"
    assert V.judge(V.validate({**binary, "a": [1] * 3, "b": [0] * 3}))[1] == "inconclusive"  # p = 0.05


def test_nested_items_use_the_per_seed_means():
    v, _, _ = V.judge(row(A, minus(0.1, 0.01), items="nested"))
    assert v.test == "t over per-seed mean differences" and v.n_items == 4
    v, _, _ = V.judge(row(A, minus(0.1, 0.01)))
    assert v.test == "crossed seeds x items t interval"


def test_a_diverged_seed_is_counted_not_hidden():
    a = [s[:] for s in A]
    a[2][1] = float("nan")
    v, verdict_, reason = V.judge(row(a, minus(0.2, 0.01)))
    assert v.n_dropped == 1 and v.n_seeds == 4 and "1 of 5 seeds not finite" in reason


def test_a_missing_side_is_not_measured():
    assert V.judge(row(None, A))[1] == "not measured"
    assert V.judge(row(A, None))[1] == "not measured"


def test_a_claim_combines_its_claim_rows_and_ignores_sanity_rows():
    def rows(*verdicts, sanity=()):
        return ([{"kind": "claim", "verdict": v, "text": f"r{i}"} for i, v in enumerate(verdicts)]
                + [{"kind": "sanity", "verdict": v, "text": "s"} for v in sanity])

    assert V.combine(rows("holds", "holds", sanity=("fails",)))[0] == "holds"
    verdict_, cond = V.combine(rows("holds", "fails"))
    assert verdict_ == "mixed" and "r0" in cond and "r1 (fails)" in cond
    assert V.combine(rows("holds", "negligible"))[0] == "mixed"
    assert V.combine(rows("holds", "inconclusive"))[0] == "holds with a condition"
    assert V.combine(rows("fails", "inconclusive"))[0] == "fails"
    assert V.combine(rows("negligible"))[0] == "fails"
    assert V.combine(rows("inconclusive", "not measured"))[0] == "inconclusive"
    assert V.combine(rows("not measured"))[0] == "not measured"
    assert V.combine(rows(sanity=("holds",)))[0] == "not measured"


def test_the_rule_text_is_printed_from_the_rules_applied():
    for verdict_, *_ in V.ROW_RULES:
        assert f"**{verdict_}** when" in V.RULE_TEXT
    for verdict_, _, text in V.CLAIM_RULES:
        assert f"**{verdict_}** when {text}" in V.RULE_TEXT
    assert protocol_hash() in V.RULE_TEXT


# --- the shape ------------------------------------------------------------------------------------------------

GOOD = {"claim": "d", "kind": "claim", "measure": "accuracy", "text": "x", "labels": ["a", "b"], "expect": "higher",
        "margin": 0.02, "test": "paired", "a": [[1, 0]], "b": [[0, 0]]}


@pytest.mark.parametrize("bad, match", [
    ({"claim": "zz"}, "claim"), ({"kind": "check"}, "kind"), ({"expect": "more"}, "expect"),
    ({"test": "t"}, "test"), ({"labels": ["one"]}, "labels"), ({"margin": -1}, "margin"),
    ({"a": [[1, 0], [1]]}, "a:"), ({"b": [[0, 0], [0, 0]]}, "b: needs one entry per seed"),
    ({"reference": 0.5}, "b: must be None"), ({"chapter": 6}, "unknown keys"), ({"text": ""}, "text"),
    ({"items": "crossed"}, "items")])
def test_a_wrong_row_is_a_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        V.validate({**GOOD, **bad})
    with pytest.raises(ValueError, match="missing keys"):
        V.validate({k: v for k, v in GOOD.items() if k != "margin"})


@pytest.mark.parametrize("study", STUDIES, ids=lambda s: s.name)
def test_every_study_follows_the_shape_on_an_empty_cache(study, tmp_path):
    rows = V.study_rows(study, ResultCache(tmp_path))
    assert rows and {r["chapter"] for r in rows} == {study.chapter} and {r["claim"] for r in rows} == set(study.claims)
    assert all(V.judge(r)[1] == "not measured" for r in rows)
    assert any(r["kind"] == "claim" for r in rows)
    assert not list(tmp_path.rglob("*.json"))  # nothing ran
    runs = study.module.verdict_runs()
    assert runs and all(points for _, points in runs)


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
    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: [{**GOOD, "claim": "a"}])
    with pytest.raises(ValueError, match="claim 'a' is not among the study's claims"):
        V.verdict_table(ResultCache(tmp_path), studies=["sampling"])


def test_measured_rows_reach_the_table_and_its_files(tmp_path, monkeypatch):
    import minigpt.studies.sampling as sampling

    rows = [{**GOOD, "text": "facts: T=0 vs T=1", "labels": ["T=0", "T=1"], "a": A, "b": minus(0.2, 0.01)},
            {**GOOD, "text": "facts: T=0 vs T=0.1", "labels": ["T=0", "T=0.1"], "a": A, "b": minus(0.01, 0.2)},
            {**GOOD, "kind": "sanity", "text": "vote at T=0 vs greedy", "expect": "equal", "margin": 0.0,
             "a": A, "b": A}]
    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: rows)
    table = V.verdict_table(ResultCache(tmp_path))
    d = [t for t in table if t["claim"] == "d"]
    assert [t["verdict"] for t in d] == ["holds", "inconclusive", "holds"]
    assert d[0]["claim_verdict"] == "holds with a condition" and "T=0 vs T=1" in d[0]["claim_condition"]
    assert d[0]["n_seeds"] == 5 and d[0]["n_items"] == 4 and d[0]["margin"] == 0.02 and d[0]["low"] > 0
    lines = list(csv.DictReader(io.StringIO(V.to_csv(table))))
    assert len(lines) == len(table) and [x for x in lines if x["claim"] == "d"][0]["verdict"] == "holds"
    data = json.loads(V.to_json(table))
    assert data["protocol"] == protocol_hash() and data["rule"] == V.RULE_TEXT
    first = [r for r in data["rows"] if r["claim"] == "d"][0]
    for key in ("kind", "test", "n_seeds", "n_items", "margin", "low", "high", "verdict"):
        assert first[key] is not None, key
    page = P.to_html(table)
    for claim in {t["claim"] for t in table if t["kind"] == "claim"}:
        assert f'id="verdict-{claim}"' in page
    assert 'href="07_temperature.html#takeaway"' in page and "vote at T=0 vs greedy" not in page
    assert 'id="sanity-d"' in P.to_html(table, kind="sanity", downloads=False)
    csv_uri = re.search(r'id="verdicts-csv" download="verdicts.csv" href="data:text/csv;charset=utf-8;base64,'
                        r'([^"]+)"', page)
    assert base64.b64decode(csv_uri.group(1)).decode() == V.to_csv(table)


# --- the page: compact table, forest plot, takeaway box --------------------------------------------------------


def _sampling_table(tmp_path, monkeypatch, extra=()):
    """A table whose claim d has a holding, an inconclusive and a sanity row, and claim k one not measured row."""
    import minigpt.studies.sampling as sampling

    rows = [{**GOOD, "text": "facts: T=0 vs T=1", "labels": ["T=0", "T=1"], "a": A, "b": minus(0.2, 0.01)},
            {**GOOD, "text": "facts: T=0 vs T=0.1 " + "long " * 40, "labels": ["T=0", "T=0.1"], "a": A,
             "b": minus(0.01, 0.2)},
            {**GOOD, "kind": "sanity", "text": "vote at T=0 vs greedy", "expect": "equal", "margin": 0.0,
             "a": A, "b": A},
            {**GOOD, "claim": "k", "text": "stories: distinct, T=1 vs greedy", "expect": "higher", "margin": 1.0,
             "a": None, "b": A}, *extra]
    monkeypatch.setattr(sampling, "verdict_measurements", lambda cache: rows)
    cache = ResultCache(tmp_path)
    return cache, V.verdict_table(cache, studies=["sampling"])


def test_the_compact_table_has_one_line_per_claim_and_its_rows_in_a_dropdown(tmp_path, monkeypatch):
    _, table = _sampling_table(tmp_path, monkeypatch)
    page = P.to_html(table)
    blocks = re.findall(r'<details id="verdict-([a-z]+)" class="verdict-claim">(.*?)</details>', page, re.S)
    assert [c for c, _ in blocks] == ["d", "k"] and page.count("<details") == 2
    for claim, block in blocks:
        mine = [t for t in table if t["claim"] == claim and t["kind"] == "claim"]
        assert block.count("<summary") == 1 and block.count("<li>") == len(mine)
        line, rows = block.split("</summary>")
        assert html.escape(mine[0]["claim_text"]) in line and mine[0]["claim_verdict"] in line
        for t in mine:  # each row's numbers are in the dropdown, and only there
            numbers = html.escape(V.measurement(t))
            assert html.escape(t["text"]) in rows and numbers in rows
            assert t["verdict"] == "not measured" or numbers not in line
            assert html.escape(t["reason"]) in rows and f"margin {t['margin']:g}" in rows
            if t["n_seeds"]:
                assert f"{t['n_seeds']} seeds x {t['n_items']} items" in rows and t["test"] in rows
    d_line = blocks[0][1].split("</summary>")[0]
    assert "holds with a condition" in d_line and "1 of 2 rows hold; 1 inconclusive" in d_line
    assert "holds for: facts: T=0 vs T=1" in d_line and 'href="07_temperature.html#takeaway"' in d_line
    # the table fits its column: four columns that may shrink below their content, long words allowed to break
    assert page.count("minmax(0, ") == 3 and "overflow-wrap: anywhere" in page
    assert all(line.count('<span class="verdict-what">') == 1 for line in re.findall(r"<summary.*?</summary>", page))
    sanity = P.to_html(table, kind="sanity", downloads=False)
    assert 'id="sanity-d"' in sanity and "verdicts-csv" not in sanity and "vote at T=0 vs greedy" in sanity
    with pytest.raises(ValueError, match="kind"):
        P.to_html(table, kind="claims")


def test_the_forest_plot_draws_every_row_of_its_kind(tmp_path, monkeypatch):
    from minigpt import plots

    _, table = _sampling_table(tmp_path, monkeypatch)
    fig = plots.forest([t for t in table if t["kind"] == "claim"])
    (ax,) = fig.axes  # every claim row has a margin: one panel
    assert len(ax.get_yticklabels()) == 3 and "(k) ch. 7" in ax.get_yticklabels()[-1].get_text()
    notes = [t.get_text() for t in ax.texts]
    first = table[0]
    assert f"{first['estimate']:+.3g} [{first['low']:+.3g}, {first['high']:+.3g}]" in notes
    assert "not measured" in notes
    sanity = plots.forest([t for t in table if t["kind"] == "sanity"])
    assert "without a margin" in sanity.axes[0].get_xlabel()
    figure = P.forest_html(table)
    png = re.search(r'<img src="data:image/png;base64,([^"]+)"', figure)
    assert base64.b64decode(png.group(1)).startswith(b"\x89PNG") and "3 claim rows" in figure
    assert P.forest_html([t for t in table if t["kind"] == "sanity"]) == ""
    with pytest.raises(ValueError, match="at least one row"):
        plots.forest([])
    with pytest.raises(ValueError, match="'margin'"):
        plots.forest([{k: v for k, v in first.items() if k != "margin"}])


def test_the_takeaway_box_says_each_claims_verdict_from_the_chapters_rows(tmp_path, monkeypatch):
    cache, table = _sampling_table(tmp_path, monkeypatch)
    box = P.takeaway(cache, "sampling")
    page = box._repr_html_()
    assert 'id="takeaway"' in page and "Takeaway" in page
    for claim in ("d", "k"):
        mine = [t for t in table if t["claim"] == claim and t["kind"] == "claim"]
        assert f'href="10_verdicts.html#verdict-{claim}"' in page
        assert html.escape(V.CLAIMS[claim][0]) in page and mine[0]["claim_verdict"] in page
        for t in mine:  # the numbers come from the rows: estimate and interval, in the row's reason
            assert html.escape(t["reason"]) in page and t["reason"] in str(box)
    assert "Sanity checks: 1 of 1 hold" in page
    assert "holds with a condition from this chapter's rows (1 of 2 rows hold; 1 inconclusive)" in str(box)
    assert "<details>" not in page
    assert "<details>" in P.takeaway(cache, "sampling", max_rows=1)._repr_html_()
    with pytest.raises(ValueError, match="study 'nonesuch' is unknown"):
        P.takeaway(cache, "nonesuch")


def test_a_claim_tested_in_several_chapters_says_so_in_each_takeaway(tmp_path):
    recall = next(s for s in STUDIES if s.name == "recall")
    testing = {s.chapter for s in STUDIES if any(r["claim"] == "b" and r["kind"] == "claim"
                                                 for r in V.study_rows(s, ResultCache(tmp_path)))}
    others = sorted(testing - {recall.chapter})
    floors = sorted({s.chapter for s in STUDIES if "b" in s.claims} - testing)  # only sanity rows for b there
    page = P.takeaway(ResultCache(tmp_path), "recall")._repr_html_()
    assert "not measured" in page and 'href="10_verdicts.html#verdict-b"' in page
    also = page.split("Also tested")[1].split(".")[0]
    assert others and all(f" {c}" in also for c in others) and not any(f" {c}" in also for c in floors)
    for s in (s for s in STUDIES if s.chapter in floors):  # their takeaway: no claim row, sanity checks only
        floor = P.takeaway(ResultCache(tmp_path), s.name)._repr_html_()
        assert "no claim row for it, only sanity checks" in floor and 'href="10_verdicts.html#verdict-b"' in floor
    both = P.takeaway(ResultCache(tmp_path), *{s.name for s in STUDIES if s.chapter == recall.chapter})
    assert both._repr_html_().count('id="takeaway"') == 1
    with pytest.raises(ValueError, match="at least one study"):
        P.takeaway(ResultCache(tmp_path))


# --- the command line ----------------------------------------------------------------------------------------

def test_cli_prints_the_table_from_an_empty_cache(tmp_path, capsys):
    assert main(["verdicts", "--cache", str(tmp_path), "--csv", str(tmp_path / "v.csv")]) == 0
    out = capsys.readouterr().out
    assert "not measured" in out.lower() and "Not measured: claims a, b" in out and "Rule:" in out
    assert protocol_hash() in out and (tmp_path / "v.csv").read_text().startswith("claim,")


def test_cli_prints_the_protocol_with_its_hash(capsys):
    assert main(["protocol", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["hash"] == protocol_hash()
    for name, p in doc["studies"].items():
        assert not set(p["tuning_seeds"]) & set(p["eval_seeds"]), name
        assert len(p["eval_seeds"]) >= 5 or p["why_fewer_seeds"], name
    assert main(["protocol"]) == 0 and "evaluation seeds" in capsys.readouterr().out


@pytest.mark.slow
def test_cli_runs_what_the_table_lacks_at_the_protocols_settings(tmp_path, capsys):
    """`verdicts --run --fast` on an empty cache makes the study's runs, then every claim row of it is measured."""
    args = ["verdicts", "--run", "--fast", "--json", "--cache", str(tmp_path), "--study", "overfitting"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["protocol"] == protocol_hash()
    assert data["rows"] and all(r["verdict"] != "not measured" for r in data["rows"])
    assert {r["kind"] for r in data["rows"]} <= {"claim", "sanity"}
    assert main(args) == 0  # a second run finds everything in the cache


def test_a_measure_takes_the_margin_of_the_one_family_it_names_in_whole_words(monkeypatch):
    from minigpt import protocol
    monkeypatch.setitem(protocol.STUDIES, "toy", {"margins": {"test_loss": 0.02, "pass": 0.05, "recall": 0.1,
                                                                "novel": 0.1, "novel_of_new": 0.2}})
    assert protocol.margin("toy", "best_test_loss") == 0.02 and protocol.margin("toy", "pass_5") == 0.05
    assert protocol.margin("toy", "novel_of_new") == 0.2  # its own entry first
    with pytest.raises(ValueError, match="no margin"):
        protocol.margin("toy", "passes")  # "pass" is not a word of it
    with pytest.raises(ValueError, match="several margins"):
        protocol.margin("toy", "novel_recall")


def test_a_bounded_row_cuts_its_interval_and_a_wrong_bound_is_an_error():
    a, b = [[1.0], [1.0], [0.0]], [[0.0], [0.0], [0.0]]
    t = V.validate({**GOOD, "a": a, "b": b, "items": "nested", "bounds": [0, 1]})
    assert V.judge(t)[0].high == 1.0
    with pytest.raises(ValueError, match="bounds"):
        V.validate({**GOOD, "bounds": [1, 0]})
