"""Replications of the verdict rows (minigpt.replication): each row re-judged on two disjoint halves of its seeds,
the new seeds a rerun may use, the protocol's replication context (the table refuses it), a fast rerun of one
cheap claim, and the page's text. Nothing here checks which way a claim comes out."""

from __future__ import annotations

import pytest

from minigpt import protocol
from minigpt import replication as R
from minigpt import verdicts as V
from minigpt.runs import ResultCache, set_fast
from minigpt.verdict_page import to_html

# five seeds x four items; the first three seeds with a big difference, the last two with none
A = [[0.9, 0.8, 0.7, 0.6], [0.8, 0.8, 0.6, 0.7], [0.9, 0.7, 0.7, 0.5], [0.85, 0.75, 0.65, 0.6], [0.9, 0.8, 0.6, 0.6]]


def minus(d, noise=0.01):
    return [[x - d + noise * ((i + j) % 3 - 1) for j, x in enumerate(s)] for i, s in enumerate(A)]


def row(a, b, test="paired", kind="claim", text="T=0 vs T=1", margin=0.02):
    r = V.validate({"claim": "d", "kind": kind, "measure": "accuracy", "text": text, "labels": ["T=0", "T=1"],
                    "expect": "higher", "margin": margin, "test": test, "a": a, "b": b})
    return {**r, "chapter": 7}


def test_halves_are_disjoint_cover_every_seed_and_each_is_judged_by_the_rows_test():
    seeds = [1000, 1001, 1002, 1003, 1004]
    rep = R.halves(row(A, minus(0.2)), seeds)
    assert rep["verdict"] == V.judge(row(A, minus(0.2)))[1]
    first, second = (h["seeds"] for h in rep["halves"])
    assert first == [1000, 1001, 1002] and second == [1003, 1004]
    assert not set(first) & set(second)
    for h in rep["halves"]:
        idx = [seeds.index(s) for s in h["seeds"]]
        alone = row([A[i] for i in idx], [minus(0.2)[i] for i in idx])
        assert (h["verdict"], h["reason"]) == V.judge(alone)[1:]
    assert rep["agreement"] == R.agreement(rep["verdict"], [h["verdict"] for h in rep["halves"]])
    assert rep["id"] == R.row_id(rep) == "(d) ch. 7: T=0 vs T=1"


def test_three_seeds_split_two_and_one_and_a_one_seed_half_is_inconclusive():
    rep = R.halves(row(A[:3], minus(0.2)[:3]), [1000, 1001, 1002])
    assert [h["seeds"] for h in rep["halves"]] == [[1000, 1001], [1002]]
    assert rep["halves"][1]["verdict"] == "inconclusive"
    # seeds that do not match the row's number are numbered instead
    assert [h["seeds"] for h in R.halves(row(A[:3], minus(0.2)[:3]), [1000])["halves"]] == [[1, 2], [3]]


def test_binary_rows_and_rows_not_measured():
    rep = R.halves(row([1, 1, 1, 1, 1], [0, 0, 0, 0, 0], test="binary"))
    assert [len(h["seeds"]) for h in rep["halves"]] == [3, 2]
    assert all(h["verdict"] == "inconclusive" for h in rep["halves"])  # too few seeds for Fisher's test
    missing = R.halves(row(None, minus(0.2)))
    assert missing["verdict"] == missing["agreement"] == "not measured" and missing["halves"] == []
    assert R.half_text(missing) == "Split-half replication: not measured."


@pytest.mark.parametrize("full, halves, expected", [
    ("holds", ["holds", "holds"], "replicates on both halves"),
    ("inconclusive", ["holds", "holds"], "same on both halves, not the full row's"),
    ("holds", ["holds", "inconclusive"], "one half inconclusive"),
    ("holds", ["inconclusive", "inconclusive"], "both halves inconclusive"),
    ("negligible", ["holds", "negligible"], "halves disagree"),
    ("not measured", [], "not measured"),
])
def test_agreement(full, halves, expected):
    assert R.agreement(full, halves) == expected


def test_summary_counts_measured_claim_rows_only_and_says_halves_are_weaker():
    reps = [R.halves(row(A, minus(0.2), text=f"r{i}"), range(1000, 1005)) for i in range(3)]
    reps.append(R.halves(row(A, minus(0.2), kind="sanity", text="s"), range(1000, 1005)))
    reps.append(R.halves(row(None, minus(0.2), text="missing")))
    text = R.summary(reps)
    assert text.startswith("Of the 3 measured claim rows")
    assert "3 and 2 of its 5" in text and "weaker tests" in text
    assert R.summary(reps[3:]).startswith("No claim row is measured")


@pytest.mark.parametrize("seeds", [[2000], [2000, 2000], [1000, 2000], [0, 2000], [1004, 2000], [-1, 2000],
                                   [2000, 2**31], [2000.0, 2001], [True, 2000], "20", 2000])
def test_replication_seeds_must_be_new(seeds):
    with pytest.raises(ValueError, match="seeds"):
        protocol.replication_seeds(seeds)


def test_inside_a_replication_studies_read_its_seeds_and_the_table_refuses(tmp_path):
    before, digest = protocol.study("recall"), protocol.protocol_hash()
    with protocol.replication([2000, 2001]) as seeds:
        assert seeds == (2000, 2001) and protocol.replicating() == seeds
        assert protocol.study("recall")["eval_seeds"] == [2000, 2001]
        assert protocol.protocol_hash() == digest
        with pytest.raises(ValueError, match="replication"):
            V.verdict_table(ResultCache(tmp_path), ["grokking"])
    assert protocol.study("recall") == before and protocol.replicating() is None


def test_a_fast_rerun_makes_the_rows_on_new_seeds_and_leaves_the_table_alone(tmp_path):
    cache = ResultCache(tmp_path)
    calls = []
    with set_fast(True):
        with pytest.raises(ValueError, match="what"):
            R.rerun("no such row", seeds=(2000, 2001), cache=cache)
        with pytest.raises(ValueError, match="seeds"):
            R.rerun("grok", seeds=(1000, 2000), cache=cache)
        with pytest.raises(ValueError, match="workers"):
            R.rerun("grok", seeds=(2000, 2001), cache=cache, workers=0)
        out = R.rerun("grok", seeds=(2000, 2001), cache=cache, workers=1, progress=lambda d, n: calls.append((d, n)))
        table = V.verdict_table(cache, ["grokking"])
        again = R.rerun(R.row_id(table[0]), seeds=(2000, 2001), cache=cache, workers=1)
    total = calls[0][1]
    assert total > 0 and calls == [(i, total) for i in range(total + 1)]
    assert [r["id"] for r in out] == [R.row_id(t) for t in table]
    for r in out:
        assert r["replication"] is True and r["seeds"] == [2000, 2001]
        assert r["verdict"] in V.ROW_VERDICTS and r["verdict"] != "not measured"
        assert r["build_verdict"] == "not measured"  # the build's seeds were never run in this cache
        assert r["id"] in R.rerun_text(r)
    assert [r["id"] for r in again] == [R.row_id(table[0])] and again[0]["verdict"] == out[0]["verdict"]
    assert all(t["verdict"] == "not measured" for t in table)


def test_the_page_shows_each_rows_halves_and_the_static_rerun_says_it_needs_a_kernel():
    t = {"claim": "d", "claim_text": "c", "claim_verdict": "holds", "claim_condition": "", "kind": "claim",
         "chapter": 7, "measure": "accuracy", "text": "T=0 vs T=1", "labels": ["T=0", "T=1"], "expect": "higher",
         "margin": 0.02, "reference": None, "test": "paired", "n_seeds": 5, "n_items": 4, "n_dropped": 0,
         "estimate": 0.2, "low": 0.1, "high": 0.3, "a_mean": 0.7, "b_mean": 0.5, "verdict": "holds", "reason": "r"}
    rep = R.halves(row(A, minus(0.2)), range(1000, 1005))
    page = to_html([t], downloads=False, replication=[rep])
    assert "Split-half replication: seeds 1000-1002: " in page
    assert "Split-half" not in to_html([t], downloads=False)
    view = R.Rerun(None, [rep])
    assert "needs a kernel" in view.to_html() and "measured claim rows" in view.to_html()
    with pytest.raises(ValueError, match="seeds"):
        R.Rerun(None, [rep], first_seed=1000)
    pytest.importorskip("ipywidgets")
    assert rep["id"] in view.widget.children[0].options


def test_the_rerun_button_runs_the_chosen_row_with_a_progress_bar(tmp_path):
    pytest.importorskip("ipywidgets")
    cache = ResultCache(tmp_path)
    with set_fast(True):
        reps = R.split_half(cache, ["grokking"])
        view = R.Rerun(cache, reps, first_seed=3000, workers=1)
        box = view.widget
        view.row.value, view.n_seeds.value = reps[-1]["id"], 2
        view.button.click()
        view.thread.join(60)
    assert not view.thread.is_alive() and not view.button.disabled
    assert view.bar.value == view.bar.max > 0
    assert "replication on seeds 3000, 3001" in view.result.value and "Failed" not in view.result.value
    assert box.children[0] is view.row
