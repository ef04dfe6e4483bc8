"""minigpt.stats: the Wilson and t intervals, their errors and their comparison."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minigpt import stats as M

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
