"""Statistics: the interval every summary number of the book carries, and the tests that turn two settings'
numbers into a verdict. The distributions come from :mod:`scipy.stats`.

References (BibTeX keys in book/references.bib): the Wilson (1927) score interval for a proportion
[wilson1927probable]; Student's t interval for a mean over seeds.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.stats

# --- intervals --------------------------------------------------------------------------------------------
#
# Every summary number of the book carries its seed count and a 95% interval. An Interval is the one value
# type for that: a Wilson interval for a share of successes, a t interval for a mean over seeds, or a
# single seed, which is kept as such instead of a zero-width interval that would look like certainty.

INTERVAL_METHODS = ("wilson", "t", "one seed")


def check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0.0 < level < 1.0:
        raise ValueError(f"level: must be a number in the open interval (0, 1), got {level!r}")
    return float(level)


def check_count(name: str, value, lo: int, hi: int | None = None) -> int:
    # counts must be whole numbers; a float such as 8.0 usually means a share was passed where a count belongs
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}: must be an integer, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        upper = "" if hi is None else f", {hi}"
        raise ValueError(f"{name}: must be in [{lo}{upper}{']' if hi is not None else ', inf)'}, got {value}")
    return int(value)


@dataclass(frozen=True)
class Interval:
    """An estimate with its two-sided confidence interval, in the units of the estimate.

    ``n`` is the number of trials (Wilson) or of seeds (t); ``successes`` is set for Wilson intervals only.
    ``method`` is one of ``INTERVAL_METHODS``; for ``"one seed"`` there is no interval: ``low`` and ``high``
    are None (never NaN, so :meth:`to_dict` stays JSON) and every helper says so instead of guessing.
    ``bounds`` is the range the quantity cannot leave (e.g. ``(0, 1)`` for a share), when one was given;
    ``clipped`` says that a t interval ran past it and was cut back to it (and the text says so).
    Build one with :func:`proportion_interval` or :func:`mean_interval`.
    """

    estimate: float
    low: float | None
    high: float | None
    n: int
    level: float = 0.95
    method: str = "t"
    successes: int | None = None
    bounds: tuple[float, float] | None = None
    clipped: bool = False

    def __post_init__(self):
        if self.method not in INTERVAL_METHODS:
            raise ValueError(f"method: must be one of {INTERVAL_METHODS}, got {self.method!r}")
        check_level(self.level)
        check_count("n", self.n, 1)
        if not math.isfinite(self.estimate):
            raise ValueError(f"estimate: must be a finite number, got {self.estimate!r}")
        if self.method == "one seed":
            if self.low is not None or self.high is not None or self.n != 1:
                raise ValueError(f"low, high: must be None with n = 1 for one seed, got {self.low}, {self.high}, "
                                 f"n = {self.n}")
        elif self.low is None or self.high is None or not self.low <= self.estimate <= self.high:
            raise ValueError(f"low, high: must satisfy low <= estimate <= high, got {self.low}, {self.estimate}, "
                             f"{self.high}")
        if (self.method == "wilson") != (self.successes is not None):
            raise ValueError(f"successes: must be set for Wilson intervals only, got {self.successes!r} "
                             f"for method {self.method!r}")
        if self.successes is not None:
            check_count("successes", self.successes, 0, self.n)
        if self.bounds is not None:
            lo, hi = _check_bounds(self.bounds)
            object.__setattr__(self, "bounds", (lo, hi))  # a list from JSON compares equal to the tuple
            ends = [self.estimate] + ([] if self.one_seed else [self.low, self.high])
            if not all(lo <= x <= hi for x in ends):
                raise ValueError(f"low, estimate, high: must lie within bounds {self.bounds}, got {self.low}, "
                                 f"{self.estimate}, {self.high}")
        if self.clipped and (self.bounds is None or self.one_seed):
            raise ValueError("clipped: needs bounds and an interval (more than one seed)")

    @property
    def one_seed(self) -> bool:
        """True when there is no interval because there was a single seed."""
        return self.method == "one seed"

    @property
    def width(self) -> float | None:
        """``high - low`` (units of the estimate); None for one seed."""
        return None if self.one_seed else self.high - self.low

    def contains(self, x: float) -> bool | None:
        """Whether ``low <= x <= high``; None for one seed (no interval: unknown, which is not "no")."""
        return None if self.one_seed else self.low <= x <= self.high

    def _count(self) -> str:
        if self.method == "wilson":
            return f"{self.successes}/{self.n}"
        return f"{self.n} seed" + ("s" if self.n != 1 else "")

    def __format__(self, spec: str) -> str:
        """``f"{iv:.3f}"`` formats every number with ``.3f``; the default is two decimals."""
        spec = spec or ".2f"
        level = "" if self.level == 0.95 else f", {self.level:.0%}"  # the book's default level goes unsaid
        if self.one_seed:
            return f"{self.estimate:{spec}} (one seed: no interval)"
        clip = f"; clipped to [{self.bounds[0]:g}, {self.bounds[1]:g}]" if self.clipped else ""
        return f"{self.estimate:{spec}} [{self.low:{spec}}, {self.high:{spec}}] ({self._count()}{level}{clip})"

    def __str__(self) -> str:
        return format(self)

    def to_dict(self) -> dict:
        """A JSON-able dict (None where there is no interval, never NaN), ``text`` being ``str(self)``."""
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "n": self.n, "level": self.level,
                "method": self.method, "successes": self.successes, "one_seed": self.one_seed,
                "bounds": None if self.bounds is None else list(self.bounds), "clipped": self.clipped,
                "text": str(self)}

    @classmethod
    def from_dict(cls, d: dict) -> Interval:
        """The inverse of :meth:`to_dict` (derived keys such as ``text`` are ignored)."""
        return cls(estimate=d["estimate"], low=d["low"], high=d["high"], n=d["n"], level=d["level"],
                   method=d["method"], successes=d.get("successes"),
                   bounds=None if d.get("bounds") is None else tuple(d["bounds"]), clipped=d.get("clipped", False))


def _two_sided_z(level: float) -> float:
    return float(scipy.stats.norm.ppf(0.5 + level / 2))


def proportion_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson (1927) score interval for a share of successes, e.g. facts recalled out of n asked (units: share).

    It inverts the normal test of the proportion rather than centring on the raw share, so unlike the textbook
    ``p +- z sqrt(p(1-p)/n)`` it stays inside [0, 1] and does not collapse to zero width at 0/n or n/n.
    8 of 10 gives 0.80 [0.49, 0.94]. Assumes independent trials: successes pooled over seeds belong in
    :func:`mean_interval` of the per-seed shares instead, since seeds vary more than trials within one.
    """
    n = check_count("n", n, 1)
    successes = check_count("successes", successes, 0, n)
    level = check_level(level)
    z = _two_sided_z(level)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # at 0/n and n/n one end is exactly 0 or 1 in exact arithmetic; clamping removes the rounding that would
    # put it a hair outside [0, 1] or on the wrong side of the estimate
    low = 0.0 if successes == 0 else min(max(centre - half, 0.0), p)
    high = 1.0 if successes == n else max(min(centre + half, 1.0), p)
    return Interval(p, low, high, n, level, "wilson", successes)


SHARE = (0.0, 1.0)  # the bounds of a share (recall, accuracy, validity, ...)


def _check_bounds(bounds) -> tuple[float, float]:
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"bounds: must be two numbers (low, high), got {bounds!r}") from None
    if not (lo < hi) or math.isnan(lo) or math.isnan(hi):
        raise ValueError(f"bounds: must satisfy low < high, got {bounds!r}")
    return lo, hi


def mean_interval(values: Iterable[float], level: float = 0.95,
                  bounds: tuple[float, float] | None = None) -> Interval:
    """Student t interval of the mean of ``values`` (one number per seed, in its own units).

    ``mean +- t_{n-1} s / sqrt(n)`` with s the sample standard deviation. A single value gives an Interval
    with ``method = "one seed"`` and no bounds: one seed says nothing about the spread between seeds.

    ``bounds`` (e.g. :data:`SHARE`, ``(0, 1)``) is the range the quantity cannot leave: a value outside it is a
    ``ValueError``, and an end of the t interval past it is cut back to it (few seeds with a wide spread near 0
    or 1 would otherwise give e.g. [0.38, 1.14] for a recall). The Interval records ``bounds`` and ``clipped``,
    and its text says "clipped to [0, 1]" when an end was cut.
    """
    level = check_level(level)
    if bounds is not None:
        bounds = _check_bounds(bounds)
    try:
        xs = [float(v) for v in values]
    except (TypeError, ValueError) as e:
        raise ValueError(f"values: must be real numbers, got {e}") from None
    if not xs:
        raise ValueError("values: need at least 1 value (one per seed), got none")
    bad = [x for x in xs if not math.isfinite(x)]
    if bad:
        raise ValueError(f"values: must be finite numbers (no NaN or inf), got {bad[0]!r}")
    if bounds is not None:
        out = [x for x in xs if not bounds[0] <= x <= bounds[1]]
        if out:
            raise ValueError(f"values: must lie within bounds [{bounds[0]:g}, {bounds[1]:g}], got {out[0]!r}")
    n = len(xs)
    mean = statistics.fmean(xs)
    if bounds is not None:  # fmean's rounding could put the mean of values all at a bound a hair past it
        mean = min(max(mean, bounds[0]), bounds[1])
    if n == 1:
        return Interval(mean, None, None, 1, level, "one seed", bounds=bounds)
    sd = statistics.stdev(xs, mean)
    half = float(scipy.stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    low, high = mean - half, mean + half
    clipped = False
    if bounds is not None:
        clipped = low < bounds[0] or high > bounds[1]
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Interval(mean, low, high, n, level, "t", bounds=bounds, clipped=clipped)


@dataclass(frozen=True)
class Comparison:
    """The outcome of :func:`compare`: ``verdict`` is one of ``"higher"``, ``"lower"``, ``"overlap"``, ``"one seed"``;
    ``difference`` is ``a.estimate - b.estimate`` (units of the estimates); ``text`` one sentence for the book."""

    verdict: str
    difference: float
    text: str

    @property
    def differs(self) -> bool:
        """True when the intervals are disjoint (``"higher"`` or ``"lower"``)."""
        return self.verdict in ("higher", "lower")

    def __str__(self) -> str:
        return self.text

    def to_dict(self) -> dict:
        return {"verdict": self.verdict, "difference": self.difference, "text": self.text}


def compare(a: Interval, b: Interval, labels: tuple[str, str] | None = None) -> Comparison:
    """Whether setting ``a`` differs from setting ``b`` beyond their intervals.

    Rule: the two differ when their intervals are disjoint (``a.low > b.high``: "higher"; ``a.high < b.low``:
    "lower"); otherwise, touching ends included, the verdict is "overlap". This is conservative: for two 95%
    intervals of similar width, disjointness corresponds to a two-sided test at about the 0.6% level, so a real
    difference may still show as "overlap"; "overlap" means "not shown to differ", never "the same".
    When either side is a single seed there is no interval to compare, and the verdict is "one seed"
    (inconclusive), however far apart the estimates are. ``labels`` name the two settings in ``text``.
    Both intervals must have the same level.
    """
    for name, iv in (("a", a), ("b", b)):
        if not isinstance(iv, Interval):
            raise ValueError(f"{name}: must be an Interval, got {type(iv).__name__}")
    if a.level != b.level:
        raise ValueError(f"b: level must equal a's ({a.level}), got {b.level}")
    if labels is not None and len(labels) != 2:
        raise ValueError(f"labels: need two names (for a and b), got {labels!r}")
    la, lb = (f"{labels[0]} ", f"{labels[1]} ") if labels is not None else ("", "")
    pair = f"{la}{a} vs {lb}{b}"
    difference = a.estimate - b.estimate
    if a.one_seed or b.one_seed:
        return Comparison("one seed", difference, f"inconclusive (one seed): {pair}, no interval to compare")
    if a.low > b.high:
        return Comparison("higher", difference, f"higher: {pair}, intervals do not overlap")
    if a.high < b.low:
        return Comparison("lower", difference, f"lower: {pair}, intervals do not overlap")
    return Comparison("overlap", difference, f"overlap: {pair}, intervals overlap, so no difference is shown")


# --- verdicts: two arms compared on the same items, or per-seed outcomes -------------------------------------
#
# A row of the verdict table asks whether arm a beats arm b. Both arms are trained on the same seed indices and
# scored on the same evaluation items, so the data are a (seeds x items) matrix of paired differences. Two sources
# of variance matter: training runs (a new seed gives another model) and evaluation items (new items give another
# mean). The interval below counts both, as a crossed random-effects design does.

EXPECTS = ("higher", "lower", "equal")
VERDICTS = ("holds", "fails", "negligible", "inconclusive")


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`paired_verdict` or :func:`binary_verdict`.

    ``verdict``: "holds" (the interval of a - b lies beyond ``margin`` on the expected side), "fails" (beyond
    ``margin`` on the other side), "negligible" (within +-``margin``: whatever the difference is, it is smaller
    than the margin), "inconclusive" (none of these; also with fewer than two usable seeds). For
    ``expect="equal"``: "holds" within +-margin, "fails" entirely outside it. ``estimate``, ``low``, ``high``:
    a - b and its ``level`` interval (None where there is none); ``test``: the test's name; ``n_dropped``: seeds
    left out because a score was not finite (a diverged run), counted here so a table can say so."""

    verdict: str
    estimate: float
    low: float | None
    high: float | None
    test: str
    expect: str
    margin: float
    n_seeds: int
    n_items: int
    level: float = 0.95
    p_value: float | None = None
    n_dropped: int = 0

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _check_expect_margin(expect, margin) -> float:
    if expect not in EXPECTS:
        raise ValueError(f"expect: must be one of {EXPECTS}, got {expect!r}")
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin: must be a number >= 0, got {margin!r}")
    return float(margin)


def interval_verdict(expect: str, margin: float, low: float, high: float) -> str:
    """The verdict of the interval [low, high] of a - b against ``margin`` (the rule of :func:`paired_verdict`)."""
    if expect == "equal":
        if -margin <= low and high <= margin:
            return "holds"
        return "fails" if low > margin or high < -margin else "inconclusive"
    lo, hi = (low, high) if expect == "higher" else (-high, -low)  # oriented: positive is what was expected
    if lo > margin:
        return "holds"
    if hi < -margin:
        return "fails"
    if margin > 0 and -margin <= lo and hi <= margin:
        return "negligible"
    return "inconclusive"


def crossed_interval(d, level: float = 0.95) -> tuple[float, float, float, float]:
    """``(mean, low, high, df)`` of the mean of ``d``, a (seeds x items) matrix of paired differences, counting
    the variance between seeds and between items (two-way crossed random effects, no replication).

    With mean squares MS_s (seeds), MS_i (items) and MS_r (residual), the variance of the grand mean is
    estimated as (MS_s + max(MS_i - MS_r, 0)) / (S N): the spread of the per-seed means, plus what the items add
    beyond the residual (an item that is easier for a than for b on every seed). Its degrees of freedom come from
    Satterthwaite's approximation, never more than the item term allows; with one item it is the t interval
    over per-seed means. Needs at least two seeds."""
    d = np.asarray(d, dtype=float)
    S, N = d.shape
    mean = float(d.mean())
    seed_means, item_means = d.mean(axis=1), d.mean(axis=0)
    ms_s = N * float(((seed_means - mean) ** 2).sum()) / (S - 1)
    excess, den = 0.0, ms_s ** 2 / (S - 1)
    if N > 1:
        ms_i = S * float(((item_means - mean) ** 2).sum()) / (N - 1)
        resid = d - seed_means[:, None] - item_means[None, :] + mean
        ms_r = float((resid ** 2).sum()) / ((S - 1) * (N - 1))
        if ms_i > ms_r:
            excess = ms_i - ms_r
            den += ms_i ** 2 / (N - 1) + ms_r ** 2 / ((S - 1) * (N - 1))
    total = ms_s + excess
    if total <= 0:  # every difference the same: no spread to widen the interval
        return mean, mean, mean, float(S - 1)
    df = max(total ** 2 / den, 1.0)
    half = float(scipy.stats.t.ppf(0.5 + level / 2, df)) * math.sqrt(total / (S * N))
    return mean, mean - half, mean + half, df


def paired_verdict(a, b, *, expect: str = "higher", margin: float = 0.0, seed: int = 0, level: float = 0.95,
                   shared_items: bool = True, bounds: tuple[float, float] | None = None) -> Verdict:
    """Does arm ``a`` beat arm ``b`` (``expect="higher"``; or "lower", or "equal" within ``margin``)?

    ``a`` and ``b`` are (seeds x items) per-item scores (e.g. 1 for a fact recalled, 0 not) of the two arms, row
    s of each from the same seed index, column i from the same item. With ``shared_items`` every seed was scored
    on the same items, and the interval of a - b is :func:`crossed_interval`'s; otherwise each seed has items of
    its own (another world per seed), so the item variance is already inside each seed's mean and the interval is
    Student's t over the per-seed mean differences. The verdict reads the interval against ``margin`` (the
    smallest difference that matters, in the scores' units). A seed with a non-finite score in either arm is left
    out and counted in ``n_dropped``. ``bounds`` (e.g. :data:`SHARE`) is the range every score lies in: a - b
    then lies within (low - high, high - low), and an interval end past that is cut back to it (an accuracy
    difference of +1.01 cannot happen). ``seed`` is accepted for a resampling test; these analytic ones draw
    nothing."""
    margin = _check_expect_margin(expect, margin)
    level = check_level(level)
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim == 1:
        a, b = a[:, None], b[:, None]
    if a.ndim != 2 or a.shape != b.shape or a.size == 0:
        raise ValueError(f"a, b: must be two (seeds x items) arrays of one shape, got {a.shape} and {b.shape}")
    finite = np.isfinite(a).all(axis=1) & np.isfinite(b).all(axis=1)
    if bounds is not None:
        bounds = _check_bounds(bounds)
        both = np.concatenate([a[finite], b[finite]])
        if ((both < bounds[0]) | (both > bounds[1])).any():
            raise ValueError(f"a, b: every score must lie within bounds [{bounds[0]:g}, {bounds[1]:g}]")
    d = (a - b)[finite]
    S, N = d.shape
    test = "crossed seeds x items t interval" if shared_items and N > 1 else "t over per-seed mean differences"
    base = dict(test=test, expect=expect, margin=margin, n_seeds=S, n_items=N, level=level,
                n_dropped=int((~finite).sum()))
    if S < 2:
        estimate = float(d.mean()) if S else math.nan
        return Verdict("inconclusive", estimate, None, None, **base)
    mean, low, high, _ = crossed_interval(d if shared_items else d.mean(axis=1, keepdims=True), level)
    if bounds is not None:
        span = bounds[1] - bounds[0]
        low, high = max(low, -span), min(high, span)
    return Verdict(interval_verdict(expect, margin, low, high), mean, low, high, **base)


def binary_verdict(a, b, *, expect: str = "higher", level: float = 0.95) -> Verdict:
    """Does arm ``a`` reach an outcome (grokked, solved) on more seeds than arm ``b``?

    ``a``, ``b``: one 0/1 outcome per seed. Fisher's exact test, one-sided at (1 - ``level``) / 2 in each
    direction (the same error rate as the edge of a two-sided 95% interval): 3/3 against 0/3 (p = 0.05) does not
    hold, 5/5 against 0/5 (p = 0.004) does. The interval of the difference of the two shares is Newcombe's
    (1998) hybrid score interval from the two Wilson intervals. ``expect="equal"`` is not a question an exact
    test of this size can answer: it is refused."""
    if expect not in ("higher", "lower"):
        raise ValueError(f"expect: must be 'higher' or 'lower' for per-seed outcomes, got {expect!r}")
    level = check_level(level)
    xs = []
    for name, v in (("a", a), ("b", b)):
        v = [int(x) for x in v]
        if not v or any(x not in (0, 1) for x in v):
            raise ValueError(f"{name}: must be one or more outcomes, each 0 or 1, got {v!r}")
        xs.append(v)
    (ka, na), (kb, nb) = ((sum(v), len(v)) for v in xs)
    table = [[ka, na - ka], [kb, nb - kb]]
    greater = float(scipy.stats.fisher_exact(table, alternative="greater").pvalue)
    less = float(scipy.stats.fisher_exact(table, alternative="less").pvalue)
    alpha = (1 - level) / 2
    p_expected, p_other = (greater, less) if expect == "higher" else (less, greater)
    verdict = "holds" if p_expected < alpha else "fails" if p_other < alpha else "inconclusive"
    wa, wb = proportion_interval(ka, na, level), proportion_interval(kb, nb, level)
    d = wa.estimate - wb.estimate
    low = d - math.sqrt((wa.estimate - wa.low) ** 2 + (wb.high - wb.estimate) ** 2)
    high = d + math.sqrt((wa.high - wa.estimate) ** 2 + (wb.estimate - wb.low) ** 2)
    return Verdict(verdict, d, low, high, "Fisher exact, one-sided", expect, 0.0, n_seeds=min(na, nb), n_items=1,
                   level=level, p_value=p_expected)
