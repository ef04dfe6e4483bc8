"""Metrics against hand-computed examples, published tables and brute force."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigpt import metrics as M


def test_exact_match_recall():
    assert M.exact_match_recall([True, False, True, True]) == 0.75
    assert M.exact_match_recall([]) == 0.0


def test_recall_by_frequency_by_hand():
    correct = [True, False, True, True, False, True]
    freqs = [1, 1, 2, 3, 5, 40]
    buckets = M.recall_by_frequency(correct, freqs)  # edges 1, 2, 4, 8, 16, 32, 64
    assert [(b.lo, b.hi, b.n) for b in buckets] == [
        (1, 2, 2),
        (2, 4, 2),
        (4, 8, 1),
        (8, 16, 0),
        (16, 32, 0),
        (32, 64, 1),
    ]
    assert [b.recall for b in buckets if b.n] == [0.5, 1.0, 0.0, 1.0]
    assert math.isnan(buckets[3].recall)
    custom = M.recall_by_frequency(correct, freqs, edges=[1, 3, 100])
    assert [(b.n, b.recall) for b in custom] == [(3, 2 / 3), (3, 2 / 3)]
    with pytest.raises(ValueError, match="outside"):
        M.recall_by_frequency([True], [0])
    with pytest.raises(ValueError, match="edges"):
        M.recall_by_frequency([True], [1], edges=[1, 1])
    with pytest.raises(ValueError, match="frequencies"):
        M.recall_by_frequency([True], [1, 2])


def test_ngrams():
    assert M.ngrams(["a", "b", "c"], 2) == [("a", "b"), ("b", "c")]
    assert M.ngrams(["a"], 2) == []
    with pytest.raises(ValueError, match="n"):
        M.ngrams(["a"], 0)


def test_distinct_n_by_hand():
    assert M.distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)  # ab, ba, ab
    assert M.distinct_n(["a b", "a b"], 1) == 0.5  # pooled over texts
    assert M.distinct_n(["a b c", "d e"], 2) == 1.0
    assert M.distinct_n([["x", "y"], ["x", "y"]], 2) == 0.5  # token lists work too
    assert M.distinct_n(["a"], 2) == 0.0


def test_sentence_bleu_by_hand():
    hyp, ref = "the cat sat on the mat", "the cat is on the mat"
    # p1 = 5/6 (sat unmatched), p2 = 3/5 (the cat, on the, the mat), p3 = 1/4 (on the mat), p4 = 0 -> 0.1/3
    expected = (5 / 6 * 3 / 5 * 1 / 4 * 0.1 / 3) ** 0.25
    assert M.sentence_bleu(hyp, [ref]) == pytest.approx(expected)
    assert M.sentence_bleu(hyp, [hyp]) == pytest.approx(1.0)
    # brevity penalty: hypothesis of 2 words against a reference of 6, bigram BLEU
    assert M.sentence_bleu("the cat", [hyp], max_n=2) == pytest.approx(math.exp(1 - 6 / 2))
    # clipping: "the the the" against "the cat": unigram precision 1/3
    assert M.sentence_bleu("the the the", ["the cat"], max_n=1) == pytest.approx(1 / 3)
    # the closest reference length sets the brevity penalty; several references clip by their maximum
    assert M.sentence_bleu("a b", ["a b c d", "a b"], max_n=2) == pytest.approx(1.0)
    assert M.sentence_bleu("x y", ["a b"]) == 0.0
    assert M.sentence_bleu("", ["a b"]) == 0.0


def test_self_bleu_by_hand():
    assert M.self_bleu(["a b c d", "a b c d"]) == pytest.approx(1.0)
    assert M.self_bleu(["a b c d", "e f g h"]) == 0.0
    texts = ["the cat sat on the mat", "the cat is on the mat", "a dog ran"]
    expected = sum(M.sentence_bleu(t, [u for u in texts if u is not t]) for t in texts) / 3
    assert M.self_bleu(texts) == pytest.approx(expected)
    with pytest.raises(ValueError, match="texts"):
        M.self_bleu(["one"])


def test_ngram_novelty_by_hand():
    assert M.ngram_novelty(["a b d"], ["a b c"], n=2) == 0.5  # "a b" seen, "b d" new
    assert M.ngram_novelty(["a b c"], ["a b c"], n=3) == 0.0
    assert M.ngram_novelty(["x y", "a b"], ["a b"], n=1) == 0.5
    assert M.ngram_novelty(["a"], ["a"], n=2) == 0.0


def test_validity_rate():
    assert M.validity_rate(["ok", "bad", "ok", "ok"], lambda s: s == "ok") == 0.75
    assert M.validity_rate([], lambda s: True) == 0.0


def test_majority_vote():
    assert M.majority_vote([1, 2, 2, None, None, None]) == 2  # None is no vote, not an answer
    assert M.majority_vote([3, 1, 1, 3]) == 3  # tie: the answer seen first
    assert M.majority_vote([None, None]) is None
    assert M.majority_vote([]) is None


def test_majority_vote_and_mean_sample_accuracy():
    samples = [[1, 1, 2], [5, None, None], [7, 8, 8], [None, None, None]]
    targets = [1, 5, 7, 0]
    assert M.majority_vote_accuracy(samples, targets) == 0.5  # votes 1, 5, 8, None
    assert M.mean_sample_accuracy(samples, targets) == pytest.approx(4 / 12)
    # unequal sample counts: the mean of per-problem shares, which is pass@1
    uneven = [["a"] * 4, ["x"]]
    assert M.mean_sample_accuracy(uneven, ["a", "b"]) == pytest.approx(0.5)
    assert M.mean_sample_accuracy(uneven, ["a", "b"]) == pytest.approx(M.mean_pass_at_k([4, 1], [4, 0], 1))
    with pytest.raises(ValueError, match="targets"):
        M.majority_vote_accuracy(samples, targets[:2])


def _pass_at_k_brute(n: int, c: int, k: int) -> float:
    outcomes = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(outcomes[i] for i in s) for s in subsets) / len(subsets)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10), data=st.data())
def test_pass_at_k_matches_brute_force(n, data):
    c = data.draw(st.integers(0, n))
    k = data.draw(st.integers(1, n))
    assert M.pass_at_k(n, c, k) == pytest.approx(_pass_at_k_brute(n, c, k), abs=1e-12)
    assert M.pass_at_k(n, c, k) == pytest.approx(1 - math.comb(n - c, k) / math.comb(n, k), abs=1e-12)


def test_pass_at_k_by_hand_and_validation():
    assert M.pass_at_k(10, 0, 5) == 0.0
    assert M.pass_at_k(10, 10, 1) == 1.0
    assert M.pass_at_k(5, 2, 1) == pytest.approx(0.4)  # pass@1 is the fraction correct
    assert M.pass_at_k(4, 1, 2) == pytest.approx(0.5)  # 3 of the 6 pairs hold the correct sample
    assert M.mean_pass_at_k([5, 4], [2, 1], 1) == pytest.approx((0.4 + 0.25) / 2)
    with pytest.raises(ValueError, match="c"):
        M.pass_at_k(3, 4, 1)
    with pytest.raises(ValueError, match="k"):
        M.pass_at_k(3, 1, 4)
    with pytest.raises(ValueError, match="must be ints"):
        M.pass_at_k(3.0, 1, 1)


def test_knowledge_bits_by_hand():
    # a 16-way fact coded in 1 bit stores 3 bits; a 4-way fact coded in 2 bits (uniform) stores none
    assert M.knowledge_bits([16, 4], [1.0, 2.0]) == pytest.approx(3.0)
    # a model worse than uniform on a fact lowers the bound: no clipping per fact
    assert M.knowledge_bits([2, 2], [0.0, 3.0]) == pytest.approx(-1.0)
    assert M.knowledge_bits([100], [0.0]) == pytest.approx(math.log2(100))
    assert M.bits_per_parameter(3.0, 6) == 0.5
    with pytest.raises(ValueError, match="cross_entropy_bits"):
        M.knowledge_bits([2], [])
    with pytest.raises(ValueError, match="n_params"):
        M.bits_per_parameter(1.0, 0)


# --- creativity: distinct novel-valid samples per fixed budget ---------------------------------------------


def _valid(s: str) -> bool:
    return s.endswith(".")


def test_distinct_novel_valid_counts_each_new_valid_sample_once():
    seen = {"old."}
    samples = ["new."] * 48 + ["old.", "bad", "other."]
    assert M.distinct_novel_valid(samples, _valid, seen) == 2  # "new." (48 times) and "other."
    assert M.distinct_novel_valid([], _valid, seen) == 0
    assert M.distinct_novel_valid(["old."] * 3, _valid, seen) == 0  # copies are not novel
    assert M.distinct_novel_valid(["bad"] * 3, _valid, set()) == 0  # invalid is not creative


def test_creativity_cannot_be_gamed_by_repetition():
    budget = 4.8  # e.g. thousands of sampled characters, fixed before sampling
    repeater = ["one new sentence."] * 48
    varied = [f"sentence number {i}." for i in range(48)]
    # the share of novel samples is the same (100%) for both; creativity tells them apart
    assert M.validity_rate(repeater, _valid) == M.validity_rate(varied, _valid) == 1.0
    assert M.creativity(repeater, _valid, set(), budget) == pytest.approx(1 / 4.8)
    assert M.creativity(varied, _valid, set(), budget) == pytest.approx(48 / 4.8)
    # an iterator works too (read once)
    assert M.creativity(iter(varied), _valid, set(), 1) == 48.0


@pytest.mark.parametrize("budget", [0, -1, math.nan, math.inf, True, "5"])
def test_creativity_rejects_a_bad_budget(budget):
    with pytest.raises(ValueError, match="budget"):
        M.creativity(["a."], _valid, set(), budget)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["a.", "b.", "c", "d.", "e"]), max_size=30), st.sets(st.sampled_from(["a.", "b."])))
def test_distinct_novel_valid_matches_brute_force(samples, seen):
    expected = len({s for s in samples if s not in seen and _valid(s)})
    assert M.distinct_novel_valid(samples, _valid, seen) == expected
    assert M.distinct_novel_valid(samples + samples, _valid, seen) == expected  # repeating adds nothing
