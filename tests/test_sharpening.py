"""Chapter 8's study module and metrics: best-of-k with an erring checker, distinct answers, the bank-backed
vote experiment (sampling knobs re-read one bank), the RL experiment's checkpoints, and the verdict rows (the
protocol's runs, per-problem items), in fast mode."""

from __future__ import annotations

import random

import pytest
import torch

from minigpt import protocol
from minigpt.metrics import best_of_k_accuracy, majority_vote_accuracy, mean_distinct_answers
from minigpt.runs import ResultCache
from minigpt.studies.sharpening import (
    RL_LR,
    rl_addition,
    sharpen_addition,
    verdict_measurements,
    verdict_runs,
)
from minigpt.verdicts import run_missing, validate, verdict_table


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGPT_FAST", "1")
    monkeypatch.setenv("MINIGPT_CACHE", str(tmp_path))  # nothing a test runs may reach the repository's cache
    before = torch.get_num_threads()
    yield ResultCache(tmp_path)
    torch.set_num_threads(before)


def test_best_of_k_with_a_perfect_checker_is_any_right_answer():
    samples = [[1, 2, 3], [4, 4, 4], [None, 7, 7], [5, 6, 6]]
    targets = [3, 9, 7, 5]
    # problem 0: right at the 3rd sample; 1: never; 2: right; 3: right first, though the vote says 6
    assert best_of_k_accuracy(samples, targets, 3) == 0.75
    assert best_of_k_accuracy(samples, targets, 1) == 0.25  # only problem 3's first sample is right
    assert majority_vote_accuracy(samples, targets) == 0.25
    # a checker that is always wrong accepts exactly the wrong answers
    assert best_of_k_accuracy([[3, 3, 4]], [3], 3, 1.0, random.Random(0)) == 0.0
    # a coin for a checker: about the vote, on average
    many = [[1, 1, 2]] * 400
    coin = best_of_k_accuracy(many, [1] * 400, 3, 0.5, random.Random(0))
    assert 0.5 < coin < 0.9


def test_best_of_k_arguments():
    with pytest.raises(ValueError, match="^k: must be"):
        best_of_k_accuracy([[1]], [1], 0)
    with pytest.raises(ValueError, match="^error: must be a probability"):
        best_of_k_accuracy([[1]], [1], 1, 1.5)
    with pytest.raises(ValueError, match="^rng:"):
        best_of_k_accuracy([[1]], [1], 1, 0.1)
    with pytest.raises(ValueError, match="^targets:"):
        best_of_k_accuracy([[1]], [1, 2], 1)
    assert best_of_k_accuracy([], [], 1) == 0.0


def test_mean_distinct_answers():
    assert mean_distinct_answers([[1, 1, 2], [None, None, 3], [5]]) == pytest.approx((2 + 2 + 1) / 3)
    assert mean_distinct_answers([]) == 0.0


def test_vote_experiment_reads_one_bank(cache):
    r = cache.run(sharpen_addition)
    m = r["metrics"]
    assert r["done"] and set(m) >= {"greedy", "single", "vote", "pass_k", "best_of_k", "distinct", "identical_at_0"}
    # temperature 0: every sample of every problem is the greedy one, so the vote at any k is greedy accuracy
    assert m["identical_at_0"] == 1.0
    assert all(v == pytest.approx(m["greedy"]) for v in r["curves"]["0"]["vote"])
    again = cache.run(sharpen_addition, k=4, temperature=1.0, verifier_error=0.0)
    assert again["model_cached"] and again["train_key"] == r["train_key"]
    # a perfect checker is at least as good as the vote, and never worse than one sample
    assert again["metrics"]["best_of_k"] >= again["metrics"]["vote"] - 1e-12


def test_scratchpad_metrics_and_rl_checkpoints(cache):
    r = cache.run(sharpen_addition, format="scratchpad")
    assert {"steps_ok", "right_answer_wrong_steps", "distinct_paths"} <= set(r["metrics"])
    rl = cache.run(rl_addition)
    steps = [c["step"] for c in rl["checkpoints"]]
    assert steps == rl["spec"]["eval"]["checkpoints"] and steps[0] == 0
    first = cache.run(rl_addition, checkpoint=0)["metrics"]
    assert first["pass_1"] == first["base_pass_1"] and first["distinct"] == first["base_distinct"]
    assert len(rl["rl_history"]["reward"]) == rl["spec"]["rl"]["steps"]


def test_rl_starts_from_the_base_model_in_the_cache_and_leaves_it_unchanged(cache):
    rl = cache.run(rl_addition, kl_coef=0.1)  # the base model is not stored yet: trained, and stored in this cache
    base_key = sharpen_addition.train_key()
    assert base_key in cache.models and rl["spec"]["base"] == sharpen_addition.train_spec(sharpen_addition.spec())
    before = {k: v.clone() for k, v in cache.models.get(base_key).model.state_dict().items()}
    again = cache.run(rl_addition, kl_coef=0.2)  # from the stored base this time
    assert again["metrics"]["kl_last"] > 0  # the policy moved away from the base ...
    after = cache.models.get(base_key).model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)  # ... but the stored base did not move
    assert again["metrics"]["base_pass_1"] == rl["metrics"]["base_pass_1"]


@pytest.mark.parametrize(("params", "message"), [
    ({"k": 0}, r"^k=0 is out of range"),
    ({"temperature": 0.3}, r"^temperature=0.3 is out of range: allowed one of the bank's temperatures"),
    ({"verifier_error": 0.5}, r"^verifier_error=0.5 is out of range"),
    ({"format": "reversed"}, r"^format='reversed' is out of range"),
    ({"bank": "huge"}, r"^bank='huge' is out of range"),
    ({"dropout_off": 1.5}, r"^dropout_off=1.5 is out of range"),
])
def test_bad_parameters_fail_before_running(cache, params, message):
    with pytest.raises(ValueError, match=message):
        sharpen_addition.check(**params)


def test_rl_checkpoint_must_be_stored(cache):
    with pytest.raises(ValueError, match=r"^checkpoint=5 is out of range"):
        rl_addition.check(checkpoint=5)
    with pytest.raises(ValueError, match=r"^kl_coef=-1.0 is out of range"):
        rl_addition.check(kl_coef=-1.0)
    with pytest.raises(ValueError, match=r"^format='bogus' is out of range"):
        rl_addition.check(format="bogus")


def test_rl_learning_rate_defaults_per_format(cache):
    assert rl_addition.spec()["rl"]["lr"] == RL_LR["plain"]
    assert rl_addition.spec(format="scratchpad")["rl"]["lr"] == RL_LR["scratchpad"]
    assert rl_addition.spec(format="scratchpad", lr=1e-3)["rl"]["lr"] == 1e-3


def test_verdict_rows_on_an_empty_cache_are_of_the_new_shape_and_not_measured(cache):
    rows = verdict_measurements(cache)
    assert [validate(r) for r in rows]  # every row of the shape chapter 10 reads
    assert {r["claim"] for r in rows} == {"e", "f", "j"} and cache.misses == 0
    assert all(r["a"] is None and r["b"] is None and r["items"] == "nested" and r["test"] == "paired" for r in rows)
    assert {r["kind"] for r in rows} == {"claim", "sanity"}
    assert all(r["margin"] == protocol.margin("sharpening", r["measure"]) for r in rows if r["kind"] == "claim")
    table = verdict_table(cache, studies=["sharpening"])
    assert len(table) == len(rows) and {t["verdict"] for t in table} == {"not measured"}


def test_verdict_rows_read_exactly_the_protocols_runs(cache, monkeypatch):
    looked = set()
    lookup = cache.lookup

    def spy(experiment, **params):
        looked.add((experiment.name, experiment.key(**params)))
        return lookup(experiment, **params)

    monkeypatch.setattr(cache, "lookup", spy)
    verdict_measurements(cache)
    listed = {(e.name, e.key(**p)) for e, points in verdict_runs() for p in points}
    assert looked == listed
    seeds = protocol.study("sharpening")["eval_seeds"]
    assert sorted({p["seed"] for _, points in verdict_runs() for p in points}) == seeds
    assert [e for e, _ in verdict_runs()] == [sharpen_addition, rl_addition]  # RL reuses the stored base models


def test_verdict_rows_measured_from_the_protocols_runs(cache):
    assert run_missing(cache, studies=["sharpening"], workers=1) == sum(len(p) for _, p in verdict_runs())
    misses = cache.misses
    rows = [validate(r) for r in verdict_measurements(cache)]
    assert cache.misses == misses  # reading the rows ran nothing
    seeds = protocol.study("sharpening")["eval_seeds"]
    for r in rows:  # one list of per-problem scores per seed, both arms on the same problems
        assert len(r["a"]) == len(r["b"]) == len(seeds)
        assert all(len(x) == len(y) > 1 for x, y in zip(r["a"], r["b"], strict=True))
    by_text = {r["text"]: r for r in rows}
    t0 = next(r for r in rows if r["kind"] == "sanity" and r["expect"] == "equal")
    assert t0["a"] == t0["b"]  # the vote at T=0 is greedy decoding, problem by problem
    checker = next(r for r in rows if r["kind"] == "sanity" and r["expect"] == "higher")
    assert all(x >= y for a, b in zip(checker["a"], checker["b"], strict=True) for x, y in zip(a, b, strict=True))
    assert len(by_text) == len(rows)
    # the items average to the metrics the chapter reports (no metric changed)
    for e, points in verdict_runs():
        for p in points:
            r = cache.lookup(e, **p)
            names = ("greedy", "single", "vote", "best_of_k") if e is sharpen_addition else ("pass_1", "distinct")
            for name in names:
                assert sum(r["items"][name]) / len(r["items"][name]) == pytest.approx(r["metrics"][name])
    table = verdict_table(cache, studies=["sharpening"])
    assert "not measured" not in {t["verdict"] for t in table}
