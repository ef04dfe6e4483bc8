"""Chapter 7's study module and metrics: best-of-k with an erring checker, distinct answers, the bank-backed
vote experiment (sampling knobs re-read one bank) and the RL experiment's checkpoints, in fast mode."""

from __future__ import annotations

import random

import pytest
import torch

from minigpt.metrics import best_of_k_accuracy, majority_vote_accuracy, mean_distinct_answers
from minigpt.runs import ResultCache
from minigpt.studies.sharpening import RL_LR, rl_addition, sharpen_addition, verdict_measurements


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


def test_verdicts_come_from_the_cache_only(cache):
    rows = verdict_measurements(cache)
    assert rows and all(r["a"] is None and r["b"] is None and r["difference"] is None for r in rows)
    assert cache.misses == 0
