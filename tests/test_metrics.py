"""Metrics against hand-computed examples, published tables and brute force."""

from __future__ import annotations

import itertools
import json
import math
import statistics

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


# --- intervals --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [  # Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, score method
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (8, 10, 0.4902, 0.9433),
    ],
)
def test_proportion_interval_textbook_values(successes, n, low, high):
    iv = M.proportion_interval(successes, n)
    assert (iv.estimate, iv.n, iv.successes, iv.method, iv.level) == (successes / n, n, successes, "wilson", 0.95)
    assert iv.low == pytest.approx(low, abs=5e-5)
    assert iv.high == pytest.approx(high, abs=5e-5)


def test_proportion_interval_ends_and_text():
    assert M.proportion_interval(0, 5).low == 0.0
    assert M.proportion_interval(5, 5).high == 1.0
    iv = M.proportion_interval(8, 10)
    assert str(iv) == "0.80 [0.49, 0.94] (8/10)"
    assert f"{iv:.3f}" == "0.800 [0.490, 0.943] (8/10)"
    assert str(M.proportion_interval(8, 10, level=0.9)) == "0.80 [0.54, 0.93] (8/10, 90%)"
    assert iv.width == pytest.approx(iv.high - iv.low)
    assert iv.contains(0.5) and not iv.contains(0.4)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 2000), data=st.data())
def test_wilson_interval_is_the_score_test_inverted(n, data):
    # the Wilson bounds are the p0 where |p_hat - p0| = z sqrt(p0 (1 - p0) / n): the normal test just rejects
    s = data.draw(st.integers(0, n))
    iv = M.proportion_interval(s, n)
    z = statistics.NormalDist().inv_cdf(0.975)
    for p0 in (iv.low, iv.high):
        assert (s / n - p0) ** 2 == pytest.approx(z * z * p0 * (1 - p0) / n, rel=1e-9, abs=1e-15)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 10_000), data=st.data(), level=st.floats(0.5, 0.999))
def test_proportion_interval_is_ordered_inside_unit_interval(n, data, level):
    iv = M.proportion_interval(data.draw(st.integers(0, n)), n, level)
    assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 200), data=st.data(), k=st.integers(2, 20))
def test_proportion_interval_narrows_with_more_trials(n, data, k):
    s = data.draw(st.integers(0, n))
    assert M.proportion_interval(k * s, k * n).width < M.proportion_interval(s, n).width


@settings(max_examples=50, deadline=None)
@given(n=st.integers(1, 1000), data=st.data(), levels=st.lists(st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99, 0.999]),
                                                                    min_size=2, max_size=2, unique=True))
def test_higher_level_gives_wider_intervals(n, data, levels):
    lo_level, hi_level = sorted(levels)
    s = data.draw(st.integers(0, n))
    assert M.proportion_interval(s, n, hi_level).width > M.proportion_interval(s, n, lo_level).width
    values = data.draw(st.lists(st.floats(-100, 100), min_size=1, max_size=9).map(lambda v: [*v, v[0] + 1]))
    assert M.mean_interval(values, hi_level).width > M.mean_interval(values, lo_level).width


def test_mean_interval_by_hand():
    iv = M.mean_interval([1, 2, 3, 4, 5])  # mean 3, sd sqrt(2.5), t_{0.975, 4} = 2.776445
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert (iv.estimate, iv.n, iv.method, iv.successes) == (3.0, 5, "t", None)
    assert iv.low == pytest.approx(3 - half, rel=1e-12)
    assert iv.high == pytest.approx(3 + half, rel=1e-12)
    assert str(M.mean_interval([0.65, 0.73, 0.81])) == "0.73 [0.53, 0.93] (3 seeds)"
    same = M.mean_interval([0.5, 0.5])  # two seeds that agree: a real, zero-width interval (not "one seed")
    assert (same.low, same.high, same.width, same.one_seed) == (0.5, 0.5, 0.0, False)


def test_mean_interval_one_seed_is_marked_not_zero_width():
    iv = M.mean_interval([0.73])
    assert iv.one_seed and iv.method == "one seed" and iv.n == 1
    assert iv.low is None and iv.high is None and iv.width is None
    assert iv.contains(0.73) is None  # unknown, not "no"
    assert str(iv) == "0.73 (one seed: no interval)"
    d = iv.to_dict()
    assert json.loads(json.dumps(d, allow_nan=False)) == d
    assert d["one_seed"] is True and d["low"] is None and d["text"] == str(iv)
    assert M.Interval.from_dict(d) == iv
    two = M.proportion_interval(3, 7)
    assert M.Interval.from_dict(json.loads(json.dumps(two.to_dict(), allow_nan=False))) == two


def test_mean_interval_of_a_share_is_clipped_to_its_bounds_and_says_so():
    raw = M.mean_interval([0.6, 1.0, 1.0])  # 3 seeds near the ceiling: the t interval runs past 1
    assert raw.high > 1 and raw.bounds is None and not raw.clipped
    iv = M.mean_interval([0.6, 1.0, 1.0], bounds=M.SHARE)
    assert (iv.estimate, iv.low) == (raw.estimate, raw.low) and iv.high == 1.0
    assert iv.bounds == (0.0, 1.0) and iv.clipped and iv.method == "t"
    assert str(iv) == "0.87 [0.29, 1.00] (3 seeds; clipped to [0, 1])"
    low = M.mean_interval([0.4, 0.0, 0.0], bounds=(0, 1))  # the mirror image: past 0 at the floor
    assert low.low == 0.0 and low.high == pytest.approx(1 - raw.low) and low.clipped
    inside = M.mean_interval([0.4, 0.5, 0.6], bounds=M.SHARE)  # nothing to clip: the plain t interval
    assert (inside.low, inside.high) == (M.mean_interval([0.4, 0.5, 0.6]).low, M.mean_interval([0.4, 0.5, 0.6]).high)
    assert not inside.clipped and "clipped" not in str(inside)
    one = M.mean_interval([1.0], bounds=M.SHARE)
    assert one.one_seed and not one.clipped
    for x in (iv, low, inside, one):
        d = json.loads(json.dumps(x.to_dict(), allow_nan=False))
        assert M.Interval.from_dict(d) == x


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(0, 1), min_size=1, max_size=10), level=st.floats(0.5, 0.999))
def test_mean_interval_with_bounds_stays_inside_them(values, level):
    iv = M.mean_interval(values, level, bounds=M.SHARE)
    assert 0.0 <= iv.estimate <= 1.0
    if not iv.one_seed:
        assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30), level=st.floats(0.5, 0.999))
def test_mean_interval_contains_its_mean(values, level):
    iv = M.mean_interval(values, level)
    assert iv.estimate == pytest.approx(statistics.fmean(values))
    if len(values) == 1:
        assert iv.one_seed
    else:
        assert iv.low <= iv.estimate <= iv.high


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: M.proportion_interval(0, 0), r"n: must be in \[1, inf\), got 0"),
        (lambda: M.proportion_interval(-1, 10), r"successes: must be in \[0, 10\], got -1"),
        (lambda: M.proportion_interval(11, 10), r"successes: must be in \[0, 10\], got 11"),
        (lambda: M.proportion_interval(8.0, 10), "successes: must be an integer"),
        (lambda: M.proportion_interval(8, 10.0), "n: must be an integer"),
        (lambda: M.proportion_interval(True, 10), "successes: must be an integer"),
        (lambda: M.proportion_interval(8, 10, level=1.0), r"level: must be a number in the open interval \(0, 1\)"),
        (lambda: M.proportion_interval(8, 10, level=95), r"level: .*\(0, 1\), got 95"),
        (lambda: M.mean_interval([], 0.95), "values: need at least 1 value"),
        (lambda: M.mean_interval([0.5, math.nan]), "values: must be finite numbers"),
        (lambda: M.mean_interval([0.5, math.inf]), "values: must be finite numbers"),
        (lambda: M.mean_interval(["a"]), "values: must be real numbers"),
        (lambda: M.mean_interval([0.5, 0.6], level=0.0), r"level: .*\(0, 1\)"),
        (lambda: M.mean_interval([0.5, 0.6], level=math.nan), r"level: .*\(0, 1\)"),
        (lambda: M.t_quantile(1.0, 3), r"p: .*\(0, 1\)"),
        (lambda: M.t_quantile(0.9, 0), "df: must be a number > 0"),
        (lambda: M.Interval(0.5, 0.6, 0.7, 3), "low, high: must satisfy low <= estimate <= high"),
        (lambda: M.Interval(0.5, None, None, 3, method="one seed"), "low, high: must be None with n = 1"),
        (lambda: M.Interval(0.5, 0.4, 0.6, 3, method="bootstrap"), "method: must be one of"),
        (lambda: M.Interval(0.5, 0.4, 0.6, 4, method="wilson"), "successes: must be set for Wilson"),
        (lambda: M.Interval(math.nan, None, None, 1, method="one seed"), "estimate: must be a finite number"),
        (lambda: M.mean_interval([0.5, 1.2], bounds=M.SHARE), r"values: must lie within bounds \[0, 1\], got 1.2"),
        (lambda: M.mean_interval([0.5, 0.6], bounds=(1, 0)), "bounds: must satisfy low < high"),
        (lambda: M.mean_interval([0.5, 0.6], bounds=0.5), "bounds: must be two numbers"),
        (lambda: M.Interval(0.5, 0.4, 1.2, 3, bounds=(0, 1)), "must lie within bounds"),
        (lambda: M.Interval(0.5, 0.4, 0.6, 3, clipped=True), "clipped: needs bounds"),
    ],
)
def test_interval_errors_name_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# --- Student's t, checked against printed tables and the normal limit ------------------------------------


@pytest.mark.parametrize(("df", "t"), [(1, 12.706), (2, 4.303), (4, 2.776), (10, 2.228), (30, 2.042)])
def test_t_quantile_textbook_values(df, t):
    assert M.t_quantile(0.975, df) == pytest.approx(t, abs=5e-4)
    assert M.t_quantile(0.025, df) == pytest.approx(-t, abs=5e-4)


def test_t_quantile_closed_forms_and_normal_limit():
    # df = 1 is the Cauchy distribution and df = 2 has t = (2p - 1) / sqrt(2 p (1 - p)): exact checks
    for p in (1e-9, 0.01, 0.3, 0.6, 0.975, 0.999999):
        # written through the smaller tail (1 - p is exact for p >= 0.5) so the closed form keeps its digits too
        cauchy = 1 / math.tan(math.pi * (1 - p)) if p >= 0.5 else -1 / math.tan(math.pi * p)
        assert M.t_quantile(p, 1) == pytest.approx(cauchy, rel=1e-12)
        assert M.t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-12)
    z = statistics.NormalDist().inv_cdf(0.975)
    gaps = [M.t_quantile(0.975, df) - z for df in (10, 100, 1e3, 1e4, 1e5, 1e7)]
    assert all(g > 0 for g in gaps) and gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-6
    assert M.t_quantile(0.975, math.inf) == z
    assert M.t_quantile(0.5, 7) == 0.0
    # the expansion used for large df agrees with the continued fraction where both are accurate
    for p in (0.6, 0.975, 0.9995):
        zp = statistics.NormalDist().inv_cdf(p)
        assert M._t_quantile_expansion(zp, 2000.0) == pytest.approx(M.t_quantile(p, 2000.0), rel=1e-12)
    # the switch between the two at df = 1e4 is seamless
    assert M.t_quantile(0.975, 1e4) == pytest.approx(M.t_quantile(0.975, 1e4 * (1 + 1e-12)), rel=1e-11)


@settings(max_examples=100, deadline=None)
@given(p=st.floats(1e-12, 1 - 1e-12), df=st.floats(0.5, 5e4))
def test_t_cdf_inverts_t_quantile(p, df):
    t = M.t_quantile(p, df)
    assert M.t_cdf(t, df) == pytest.approx(p, rel=1e-9)
    q = 1 - p
    if 1 - q == p:  # symmetry, where 1 - p is exact (for tiny p it is not, and the quantile is sensitive to it)
        assert M.t_quantile(q, df) == pytest.approx(-t, rel=1e-9, abs=1e-12)


# --- compare ----------------------------------------------------------------------------------------------


def test_compare_by_hand():
    hi = M.Interval(0.73, 0.65, 0.81, 3)
    lo = M.Interval(0.41, 0.30, 0.52, 3)
    c = M.compare(hi, lo)
    assert (c.verdict, c.differs) == ("higher", True)
    assert c.difference == pytest.approx(0.32)
    assert c.text == "higher: 0.73 [0.65, 0.81] (3 seeds) vs 0.41 [0.30, 0.52] (3 seeds), intervals do not overlap"
    assert str(c) == c.text and json.loads(json.dumps(c.to_dict())) == c.to_dict()
    assert M.compare(lo, hi).verdict == "lower"
    touching = M.Interval(0.6, 0.52, 0.7, 3)  # shares the end 0.52: not disjoint, so not shown to differ
    assert M.compare(touching, lo).verdict == "overlap"
    assert "no difference is shown" in M.compare(touching, lo).text
    named = M.compare(hi, lo, labels=("dropout 0.1", "no dropout"))
    assert named.text.startswith("higher: dropout 0.1 0.73 [0.65, 0.81] (3 seeds) vs no dropout 0.41")


def test_compare_one_seed_is_inconclusive():
    one = M.mean_interval([0.99])
    lo = M.Interval(0.41, 0.30, 0.52, 3)
    for c in (M.compare(one, lo), M.compare(lo, one), M.compare(one, one)):
        assert c.verdict == "one seed" and not c.differs
        assert c.text.startswith("inconclusive (one seed)")
    with pytest.raises(ValueError, match="b: level must equal a's"):
        M.compare(lo, M.proportion_interval(3, 4, level=0.9))
    with pytest.raises(ValueError, match="a: must be an Interval"):
        M.compare(0.5, lo)


_intervals = st.one_of(
    st.builds(lambda n, d: M.proportion_interval(d.draw(st.integers(0, n)), n), st.integers(1, 50), st.data()),
    st.builds(M.mean_interval, st.lists(st.floats(0, 1), min_size=1, max_size=6)),
)
_MIRROR = {"higher": "lower", "lower": "higher", "overlap": "overlap", "one seed": "one seed"}


@settings(max_examples=100, deadline=None)
@given(a=_intervals, b=_intervals)
def test_compare_is_antisymmetric(a, b):
    ab, ba = M.compare(a, b), M.compare(b, a)
    assert ba.verdict == _MIRROR[ab.verdict]
    assert ba.difference == -ab.difference
    assert M.compare(a, a).verdict in ("overlap", "one seed")


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
