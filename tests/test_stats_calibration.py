"""How often would the verdict table lie? paired_verdict and binary_verdict on synthetic data whose truth is known.

Each draw plays one verdict row: two arms, trained on S seeds (each seed's model a little better or worse than
another's: a seed effect on the logit scale), scored on the same N items (some items harder than others, for
both arms), each score a coin with the probability its logit gives. The rates below are over many draws, with
a fixed random stream, so each test gives the same answer every time it runs.
"""

from __future__ import annotations

import numpy as np
import pytest

from minigpt.stats import SHARE, binary_verdict, crossed_interval, paired_verdict


def draw_arms(rng, seeds: int, items: int, effect: float, seed_sd: float, item_sd: float = 1.0,
              interaction_sd: float = 0.0):
    """Per-item 0/1 scores of arms a and b, (seeds x items) each; ``effect``: a's advantage in logits."""
    difficulty = rng.normal(0.0, item_sd, items)
    item_effect = rng.normal(0.0, interaction_sd, items)  # a is better on some items, worse on others
    logit_a = effect + item_effect + difficulty + rng.normal(0.0, seed_sd, (seeds, 1))
    logit_b = difficulty + rng.normal(0.0, seed_sd, (seeds, 1))
    a = rng.random((seeds, items)) < 1 / (1 + np.exp(-logit_a))
    b = rng.random((seeds, items)) < 1 / (1 + np.exp(-logit_b))
    return a.astype(float), b.astype(float)


def rates(draws: int, margin: float = 0.0, **arms) -> dict[str, float]:
    rng = np.random.default_rng(20261207)
    verdicts = [paired_verdict(*draw_arms(rng, **arms), margin=margin).verdict for _ in range(draws)]
    return {v: verdicts.count(v) / draws for v in ("holds", "fails", "negligible", "inconclusive")}


@pytest.mark.parametrize("seed_sd", [0.0, 0.3, 1.0])
@pytest.mark.parametrize("interaction_sd", [0.0, 0.5])
def test_no_effect_rarely_holds_or_fails_even_when_seeds_vary_a_lot(seed_sd, interaction_sd):
    r = rates(400, seeds=5, items=200, effect=0.0, seed_sd=seed_sd, interaction_sd=interaction_sd)
    assert r["holds"] + r["fails"] <= 0.10, r  # nominally 5%: 2.5% on each side


def test_a_real_effect_of_0_4_logits_on_5_seeds_and_200_items_mostly_holds():
    assert rates(400, seeds=5, items=200, effect=0.4, seed_sd=0.05)["holds"] >= 0.70


def test_the_same_effect_reversed_mostly_fails():
    assert rates(400, seeds=5, items=200, effect=-0.4, seed_sd=0.05)["fails"] >= 0.70


def test_an_effect_below_the_margin_never_holds_even_on_many_seeds_and_items():
    # 0.2 logits is about 5 points of accuracy here; the margin is 6 points
    r = rates(100, margin=0.06, seeds=20, items=2000, effect=0.2, seed_sd=0.1)
    assert r["holds"] <= 0.05, r
    assert r["negligible"] >= 0.5, r  # and the table can say why: the effect is smaller than the margin


def test_seed_spread_costs_power_as_it_should():
    """Five seeds cannot see a 0.4-logit effect through a seed spread of 1 logit: the test says inconclusive
    rather than guess (it is the seeds, not the items, that limit it)."""
    assert rates(200, seeds=5, items=200, effect=0.4, seed_sd=1.0)["inconclusive"] >= 0.8


def test_the_interval_counts_items_when_arms_differ_item_by_item():
    """An item effect shared by every seed is invisible to a t test over per-seed means; the crossed interval
    is wider for it, and covers the population effect (0 here) about as often as it claims."""
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(300):
        a, b = draw_arms(rng, seeds=5, items=40, effect=0.0, seed_sd=0.0, interaction_sd=1.5)
        _, low, high, _ = crossed_interval(a - b)
        covered += low <= 0 <= high
    assert covered / 300 >= 0.92


def test_paired_verdict_edges():
    assert paired_verdict([[1, 1, 0]], [[0, 0, 0]]).verdict == "inconclusive"  # one seed: no interval
    same = paired_verdict([[1, 1], [1, 1]], [[0, 0], [0, 0]])  # every difference 1: no spread at all
    assert (same.estimate, same.low, same.high, same.verdict) == (1.0, 1.0, 1.0, "holds")
    two_items = paired_verdict([[1, 0], [1, 0]], [[0, 0], [0, 0]])  # but which items? two say little
    assert two_items.verdict == "inconclusive" and two_items.low < 0 < two_items.high
    diverged = paired_verdict([[1, 1], [np.nan, 1], [1, 0]], [[0, 0], [0, 0], [0, 0]])
    assert diverged.n_dropped == 1 and diverged.n_seeds == 2
    eq = paired_verdict([[0.5, 0.5], [0.5, 0.5]], [[0.5, 0.5], [0.5, 0.5]], expect="equal", margin=0.01)
    assert eq.verdict == "holds" and eq.to_dict()["test"] == "crossed seeds x items t interval"
    with pytest.raises(ValueError, match="expect"):
        paired_verdict([[1]], [[0]], expect="bigger")
    with pytest.raises(ValueError, match="margin"):
        paired_verdict([[1]], [[0]], margin=-1)
    with pytest.raises(ValueError, match="one shape"):
        paired_verdict([[1, 0]], [[0]])


def test_binary_verdict_is_exact_and_strict_at_the_edges():
    assert binary_verdict([1, 1, 1], [0, 0, 0]).verdict == "inconclusive"  # one-sided p = 0.05
    five = binary_verdict([1] * 5, [0] * 5)
    assert five.verdict == "holds" and five.p_value == pytest.approx(1 / 252)
    assert binary_verdict([0] * 5, [1] * 5).verdict == "fails"
    assert binary_verdict([1] * 5, [0] * 5, expect="lower").verdict == "fails"
    assert five.low <= five.estimate == 1.0 <= five.high
    with pytest.raises(ValueError, match="0 or 1"):
        binary_verdict([2], [0])
    with pytest.raises(ValueError, match="expect"):
        binary_verdict([1], [0], expect="equal")


def test_binary_verdict_under_no_effect_rarely_holds():
    rng = np.random.default_rng(3)
    calls = [binary_verdict(rng.random(5) < 0.5, rng.random(5) < 0.5).verdict for _ in range(500)]
    assert calls.count("holds") / 500 <= 0.05 and calls.count("fails") / 500 <= 0.05


def test_a_bounded_difference_is_cut_back_to_what_its_scores_allow():
    # one seed grokked, one did not, on seeds that vary: the t interval of the mean difference runs past +1
    a, b = [[1.0], [1.0], [0.0]], [[0.0], [0.0], [0.0]]
    free = paired_verdict(a, b, shared_items=False)
    cut = paired_verdict(a, b, shared_items=False, bounds=SHARE)
    assert free.high > 1 and cut.high == 1.0 and cut.low == max(free.low, -1.0) and cut.estimate == free.estimate
    with pytest.raises(ValueError, match="within bounds"):
        paired_verdict([[1.5], [1.0]], [[0.0], [0.0]], bounds=SHARE)
