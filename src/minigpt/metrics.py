"""Metrics: pure functions over samples, answers and scores. No model, no torch, no state.

References (BibTeX keys in book/references.bib):

- distinct-n: Li, Galley, Brockett, Gao and Dolan (2016), "A Diversity-Promoting Objective Function for
  Neural Conversation Models" [li2016diversity].
- self-BLEU: Zhu et al. (2018), "Texygen: A Benchmarking Platform for Text Generation Models"
  [zhu2018texygen]; BLEU itself: Papineni et al. (2002) [papineni2002bleu].
- pass@k: Chen et al. (2021), "Evaluating Large Language Models Trained on Code" [chen2021evaluating].
- majority vote over samples ("self-consistency"): Wang et al. (2023) [wang2023selfconsistency].
- knowledge bits: Allen-Zhu and Li (2024), "Physics of Language Models: Part 3.3, Knowledge Capacity Scaling
  Laws" [allenzhu2024physics].
- intervals: the Wilson (1927) score interval for a proportion [wilson1927probable]; Student's t interval for a
  mean over seeds, with the t quantile computed here from the regularized incomplete beta function (its continued
  fraction, DLMF 8.17.22) and, for very large degrees of freedom, the Cornish-Fisher expansion of Abramowitz
  and Stegun (1964), 26.7.5.
"""

from __future__ import annotations

import math
import numbers
import statistics
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

Tokens = Sequence[str]


def _tokens(text: str | Tokens) -> list[str]:
    # a string is split on whitespace (word n-grams, as in the papers); a sequence is taken as tokens already
    return text.split() if isinstance(text, str) else list(text)


def ngrams(tokens: Tokens, n: int) -> list[tuple[str, ...]]:
    """The n-grams of a token sequence, in order (empty when it has fewer than n tokens)."""
    if n < 1:
        raise ValueError(f"n: must be >= 1, got {n}")
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


# --- recall -----------------------------------------------------------------------------------------------


def exact_match_recall(correct: Sequence[bool]) -> float:
    """Share of records answered exactly right: ``sum(correct) / len(correct)`` (0.0 for no records)."""
    return sum(bool(c) for c in correct) / len(correct) if len(correct) else 0.0


@dataclass(frozen=True)
class Bucket:
    """Records whose frequency f satisfies ``lo <= f < hi``: ``n`` of them, ``recall`` the share correct."""

    lo: int
    hi: int
    n: int
    recall: float


def recall_by_frequency(
    correct: Sequence[bool], frequencies: Sequence[int], edges: Sequence[int] | None = None
) -> list[Bucket]:
    """Exact-match recall per frequency bucket (for recall-vs-frequency plots of long-tail knowledge).

    ``edges`` are increasing bucket boundaries ``[e0, e1, ..., em]``; bucket i holds ``e_i <= f < e_{i+1}``.
    By default the edges are powers of two (1, 2, 4, ...) up to past the largest frequency. Empty buckets are
    returned with ``n = 0`` and ``recall = nan``; frequencies outside the edges raise ValueError.
    """
    if len(correct) != len(frequencies):
        raise ValueError(
            f"frequencies: need one per record, got {len(frequencies)} for {len(correct)} records"
        )
    if edges is None:
        top = max(frequencies, default=1)
        edges = [1, 2]
        while edges[-1] <= top:
            edges.append(edges[-1] * 2)
    edges = list(edges)
    if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValueError(f"edges: must be at least two strictly increasing numbers, got {edges}")
    hits = [0] * (len(edges) - 1)
    counts = [0] * (len(edges) - 1)
    for c, f in zip(correct, frequencies, strict=True):
        if not edges[0] <= f < edges[-1]:
            raise ValueError(f"frequencies: {f} is outside the edges [{edges[0]}, {edges[-1]})")
        i = max(j for j in range(len(edges) - 1) if edges[j] <= f)
        counts[i] += 1
        hits[i] += bool(c)
    return [
        Bucket(edges[i], edges[i + 1], counts[i], hits[i] / counts[i] if counts[i] else math.nan)
        for i in range(len(counts))
    ]


# --- diversity and novelty --------------------------------------------------------------------------------


def distinct_n(texts: Iterable[str | Tokens], n: int = 2) -> float:
    """distinct-n (Li et al., 2016): distinct n-grams divided by all n-grams, pooled over the texts.

    Strings are split on whitespace. 1.0 means no n-gram repeats; repetitive samples score low. Returns 0.0
    when there is no n-gram at all.
    """
    grams = [g for t in texts for g in ngrams(_tokens(t), n)]
    return len(set(grams)) / len(grams) if grams else 0.0


def sentence_bleu(hypothesis: str | Tokens, references: Sequence[str | Tokens], max_n: int = 4) -> float:
    """BLEU of one hypothesis against references (Papineni et al., 2002), uniform weights up to ``max_n``.

    Modified precision p_n clips each n-gram count at its largest count in any one reference; the brevity
    penalty uses the reference length closest to the hypothesis length (shorter on ties). A zero numerator is
    replaced by 0.1 ("method 1" smoothing of Chen and Cherry, 2014, as Texygen uses through NLTK), so short
    texts do not all score 0; with no unigram in common the score is 0. Returns 0.0 for an empty hypothesis or
    no references. Matches NLTK's ``sentence_bleu`` with ``SmoothingFunction().method1``.
    """
    hyp = _tokens(hypothesis)
    refs = [_tokens(r) for r in references]
    if not hyp or not refs:
        return 0.0
    log_p = 0.0
    for n in range(1, max_n + 1):
        h = Counter(ngrams(hyp, n))
        total = sum(h.values())
        if total == 0:
            # hypothesis shorter than n: that precision is undefined; treat like a zero count, smoothed
            log_p += math.log(0.1 / 1) / max_n
            continue
        max_ref: Counter = Counter()
        for r in refs:
            for g, c in Counter(ngrams(r, n)).items():
                max_ref[g] = max(max_ref[g], c)
        clipped = sum(min(c, max_ref[g]) for g, c in h.items())
        if n == 1 and clipped == 0:
            return 0.0  # no word in common: 0, whatever the smoothing (as NLTK does)
        log_p += math.log((clipped if clipped > 0 else 0.1) / total) / max_n
    c = len(hyp)
    r = min((len(x) for x in refs), key=lambda length: (abs(length - c), length))
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return bp * math.exp(log_p)


def self_bleu(texts: Sequence[str | Tokens], max_n: int = 4) -> float:
    """Self-BLEU (Zhu et al., 2018): the mean BLEU of each text against all the other texts as references.

    High self-BLEU means the samples resemble each other (low diversity). Needs at least two texts.
    """
    if len(texts) < 2:
        raise ValueError(f"texts: self-BLEU needs at least 2 texts, got {len(texts)}")
    toks = [_tokens(t) for t in texts]
    scores = [sentence_bleu(t, toks[:i] + toks[i + 1 :], max_n) for i, t in enumerate(toks)]
    return sum(scores) / len(scores)


def ngram_novelty(texts: Iterable[str | Tokens], train_texts: Iterable[str | Tokens], n: int = 4) -> float:
    """Share of the n-grams of ``texts`` (pooled, with repeats) that never occur in ``train_texts``.

    0.0 means every n-gram was seen in training (copying at the n-gram level); returns 0.0 when the texts
    have no n-gram.
    """
    seen = {g for t in train_texts for g in ngrams(_tokens(t), n)}
    grams = [g for t in texts for g in ngrams(_tokens(t), n)]
    return sum(g not in seen for g in grams) / len(grams) if grams else 0.0


def validity_rate(samples: Sequence, is_valid: Callable[[object], bool]) -> float:
    """Share of samples the checker ``is_valid`` accepts (0.0 for no samples)."""
    return sum(bool(is_valid(s)) for s in samples) / len(samples) if len(samples) else 0.0


# --- sampling several answers -----------------------------------------------------------------------------


def majority_vote(answers: Sequence[Hashable | None]) -> Hashable | None:
    """The most frequent answer, ignoring None (malformed); ties go to the answer seen first.
    None when every answer is None or there are none."""
    counts = Counter(a for a in answers if a is not None)
    if not counts:
        return None
    best = max(counts.values())
    return next(a for a in answers if a is not None and counts[a] == best)


def majority_vote_accuracy(
    samples: Sequence[Sequence[Hashable | None]], targets: Sequence[Hashable]
) -> float:
    """Share of problems whose majority-vote answer over its k samples equals the target (self-consistency,
    Wang et al., 2023). ``samples[i]`` holds the parsed answers to problem i; None counts as no vote."""
    if len(samples) != len(targets):
        raise ValueError(f"targets: need one per problem, got {len(targets)} for {len(samples)} problems")
    if not samples:
        return 0.0
    return sum(majority_vote(s) == t for s, t in zip(samples, targets, strict=True)) / len(samples)


def mean_sample_accuracy(samples: Sequence[Sequence[Hashable | None]], targets: Sequence[Hashable]) -> float:
    """Expected accuracy of a single sample: per problem the share of its samples that equal the target, averaged
    over the problems (the unbiased estimate of pass@1; problems without samples count as 0)."""
    if len(samples) != len(targets):
        raise ValueError(f"targets: need one per problem, got {len(targets)} for {len(samples)} problems")
    if not samples:
        return 0.0
    shares = [sum(a == t for a in s) / len(s) if s else 0.0 for s, t in zip(samples, targets, strict=True)]
    return sum(shares) / len(shares)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased estimator of pass@k from n samples of which c are correct (Chen et al., 2021):
    ``1 - C(n - c, k) / C(n, k)``, the chance that k samples drawn without replacement include a correct one.

    Computed as ``1 - prod_{i=n-c+1}^{n} (1 - k / i)`` for numerical stability, as in the paper.
    """
    if not (isinstance(n, int) and isinstance(c, int) and isinstance(k, int)):
        raise ValueError(f"n, c, k: must be ints, got {n!r}, {c!r}, {k!r}")
    if not 0 <= c <= n:
        raise ValueError(f"c: must be in [0, n={n}], got {c}")
    if not 1 <= k <= n:
        raise ValueError(f"k: must be in [1, n={n}], got {k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def mean_pass_at_k(ns: Sequence[int], cs: Sequence[int], k: int) -> float:
    """pass@k averaged over problems, problem i having ``ns[i]`` samples of which ``cs[i]`` are correct."""
    if len(ns) != len(cs):
        raise ValueError(f"cs: need one per problem, got {len(cs)} for {len(ns)} problems")
    if not ns:
        return 0.0
    return sum(pass_at_k(n, c, k) for n, c in zip(ns, cs, strict=True)) / len(ns)


# --- knowledge capacity -----------------------------------------------------------------------------------


def knowledge_bits(set_sizes: Sequence[int], cross_entropy_bits: Sequence[float], clip: bool = False) -> float:
    """Lower bound on the bits of knowledge a model stores (after Allen-Zhu and Li, 2024).

    For each fact whose value was drawn uniformly from a set S of its attribute: ``log2 |S|`` bits of
    information minus the model's cross-entropy in bits for the value given the question (its code length,
    terminator included). Summed over facts: a model that codes the values in fewer bits than the uniform
    code must hold at least the difference. By default not clipped per fact (clipping would overstate the
    bound: it drops what the confidently wrong facts cost); the sum can be negative for a model worse than
    uniform. ``clip=True`` clips each fact's term at zero, counting only the facts the model beats the uniform
    code on (the per-fact definition some write-ups use; no longer a bound).
    """
    if len(set_sizes) != len(cross_entropy_bits):
        raise ValueError(
            f"cross_entropy_bits: need one per fact, got {len(cross_entropy_bits)} for {len(set_sizes)} facts"
        )
    if any(s < 1 for s in set_sizes):
        raise ValueError(f"set_sizes: every set must have at least one value, got {min(set_sizes)}")
    terms = (math.log2(s) - ce for s, ce in zip(set_sizes, cross_entropy_bits, strict=True))
    return sum(max(0.0, t) for t in terms) if clip else sum(terms)


def bits_per_parameter(bits: float, n_params: int) -> float:
    """Knowledge bits divided by the parameter count (Allen-Zhu and Li report about 2 bits/parameter at
    capacity)."""
    if n_params < 1:
        raise ValueError(f"n_params: must be >= 1, got {n_params}")
    return bits / n_params


# --- intervals --------------------------------------------------------------------------------------------
#
# Every summary number of the book carries its seed count and a 95% interval. An Interval is the one value
# type for that: a Wilson interval for a share of successes, a t interval for a mean over seeds, or a
# single seed, which is kept as such instead of a zero-width interval that would look like certainty.

INTERVAL_METHODS = ("wilson", "t", "one seed")


def _check_level(level) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0.0 < level < 1.0:
        raise ValueError(f"level: must be a number in the open interval (0, 1), got {level!r}")
    return float(level)


def _check_count(name: str, value, lo: int, hi: int | None = None) -> int:
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
        _check_level(self.level)
        _check_count("n", self.n, 1)
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
            _check_count("successes", self.successes, 0, self.n)
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
    return statistics.NormalDist().inv_cdf(0.5 + level / 2)


def proportion_interval(successes: int, n: int, level: float = 0.95) -> Interval:
    """Wilson (1927) score interval for a share of successes, e.g. facts recalled out of n asked (units: share).

    It inverts the normal test of the proportion rather than centring on the raw share, so unlike the textbook
    ``p +- z sqrt(p(1-p)/n)`` it stays inside [0, 1] and does not collapse to zero width at 0/n or n/n.
    8 of 10 gives 0.80 [0.49, 0.94]. Assumes independent trials: successes pooled over seeds belong in
    :func:`mean_interval` of the per-seed shares instead, since seeds vary more than trials within one.
    """
    n = _check_count("n", n, 1)
    successes = _check_count("successes", successes, 0, n)
    level = _check_level(level)
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
    level = _check_level(level)
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
    half = t_quantile(0.5 + level / 2, n - 1) * sd / math.sqrt(n)
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


# --- Student's t distribution, without scipy --------------------------------------------------------------

_TINY = 1e-300  # stands in for 0 in the continued fraction's denominators (modified Lentz method)


def _log_gamma_ratio_half(z: float) -> float:
    """``lgamma(z + 1/2) - lgamma(z)``, without the cancellation of two huge lgammas when z is large."""
    if z < 500:
        return math.lgamma(z + 0.5) - math.lgamma(z)
    # asymptotic series of Gamma(z + 1/2) / Gamma(z) / sqrt(z); the next term is about 1.5e-3 / z^5 < 1e-16
    series = 1 - 1 / (8 * z) + 1 / (128 * z * z) + 5 / (1024 * z**3) - 21 / (32768 * z**4)
    return 0.5 * math.log(z) + math.log(series)


def _log_beta(a: float, b: float) -> float:
    if b == 0.5:  # the t distribution's case, where a = df / 2 may be huge
        return math.lgamma(0.5) - _log_gamma_ratio_half(a)
    if a == 0.5:
        return _log_beta(b, a)
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (DLMF 8.17.22) without its prefactor, by the modified Lentz method.

    ``1 / (1 + d1 / (1 + d2 / (1 + ...)))`` with ``d_{2m+1} = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1))`` and
    ``d_{2m} = m(b-m)x / ((a+2m-1)(a+2m))``; it converges fast for ``x < (a+1)/(a+b+2)``.
    """
    f = c = _TINY
    d = 0.0
    for j in range(1, 20_000):
        if j == 1:
            num = 1.0
        elif j % 2 == 0:  # d_{2m+1}, m = (j - 2) / 2
            m = (j - 2) // 2
            num = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        else:  # d_{2m}, m = (j - 1) / 2
            m = (j - 1) // 2
            num = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        d = 1.0 + num * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + num / c
        c = c if abs(c) > _TINY else _TINY
        f *= c * d
        if abs(c * d - 1.0) < 1e-15:
            return f
    raise ArithmeticError(f"incomplete beta: continued fraction did not converge for a={a}, b={b}, x={x}")


def _betainc(a: float, b: float, log_x: float, log_y: float) -> float:
    """Regularized incomplete beta I_x(a, b), given ``log x`` and ``log y`` with y = 1 - x.

    Taking both logarithms, each computed accurately by the caller, avoids forming 1 - x from a rounded x:
    for large degrees of freedom x is within 1e-6 of 1 and that subtraction would cost most of the digits.
    """
    if log_x == -math.inf:
        return 0.0
    if log_y == -math.inf:
        return 1.0
    x = math.exp(log_x)
    if x > (a + 1) / (a + b + 2):  # the fraction converges slowly here; use I_x(a, b) = 1 - I_y(b, a)
        return 1.0 - _betainc(b, a, log_y, log_x)
    front = math.exp(a * log_x + b * log_y - math.log(a) - _log_beta(a, b))
    return front * _beta_continued_fraction(a, b, x)


def _t_logs(t: float, df: float) -> tuple[float, float]:
    # log x and log(1 - x) for x = df / (df + t^2), without overflowing t^2 for huge t
    if t * t <= df:
        r = t * t / df
        return -math.log1p(r), (math.log(r) if r > 0 else -math.inf) - math.log1p(r)
    u = df / t / t  # may underflow to 0 for huge t, so its logarithm is taken from df and t
    return math.log(df) - 2 * math.log(t) - math.log1p(u), -math.log1p(u)


def _t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0: ``I_x(df/2, 1/2) / 2`` with x = df / (df + t^2)."""
    log_x, log_y = _t_logs(t, df)
    return 0.5 * _betainc(df / 2, 0.5, log_x, log_y)


def _t_log_pdf(t: float, df: float) -> float:
    log_x, _ = _t_logs(t, df)
    return _log_gamma_ratio_half(df / 2) - 0.5 * math.log(df * math.pi) + (df + 1) / 2 * log_x


def _check_df(df) -> float:
    if isinstance(df, bool) or not isinstance(df, numbers.Real) or not df > 0:
        raise ValueError(f"df: must be a number > 0 (degrees of freedom), got {df!r}")
    return float(df)


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom (df > 0, not necessarily whole; inf = normal).

    Relative error about 1e-12 up to df = 1e4; beyond, the continued fraction sums ever more nearly cancelling
    terms and the error grows (about 1e-10 at df = 1e7), while the normal cdf becomes as close as that.
    """
    df = _check_df(df)
    if math.isnan(t):
        raise ValueError("t: must be a number, got nan")
    if df == math.inf:
        return statistics.NormalDist().cdf(t)
    tail = _t_upper_tail(abs(t), df)
    return 1.0 - tail if t > 0 else tail


# beyond this many degrees of freedom differences of the large lgamma(df/2) values cost digits (about 1e-12
# relative at 1e4), while the expansion in 1/df is exact to double precision (checked against the fraction)
_T_EXPANSION_DF = 1e4


def _t_quantile_expansion(z: float, df: float) -> float:
    # Cornish-Fisher expansion of the t quantile around the normal one z (Abramowitz and Stegun 26.7.5)
    z2 = z * z
    g1 = (z2 + 1) * z / 4
    g2 = ((5 * z2 + 16) * z2 + 3) * z / 96
    g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384
    g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160
    return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom: the t with ``t_cdf(t, df) == p``.

    Two-sided 95% intervals use ``t_quantile(0.975, n - 1)`` (12.706 for df = 1, 2.228 for df = 10). Solved
    by Newton's method on the upper tail, kept inside a bisection bracket so it cannot diverge; for
    ``df > 1e4`` an expansion in 1/df; for ``df = inf`` the normal quantile.
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 < p < 1.0:
        raise ValueError(f"p: must be a probability in the open interval (0, 1), got {p!r}")
    df = _check_df(df)
    if p == 0.5:
        return 0.0
    if df == math.inf:
        return statistics.NormalDist().inv_cdf(p)
    if df > _T_EXPANSION_DF:
        return _t_quantile_expansion(statistics.NormalDist().inv_cdf(p), df)
    q = p if p < 0.5 else 1.0 - p  # upper-tail probability; 1 - p is exact for p >= 0.5
    lo, hi = 0.0, 2.0
    while _t_upper_tail(hi, df) > q:  # the tail falls as t grows: double until it brackets q
        lo, hi = hi, 2.0 * hi
    t = 0.5 * (lo + hi)
    for _ in range(200):
        gap = _t_upper_tail(t, df) - q
        if gap == 0.0:
            break
        if gap > 0:
            lo = t
        else:
            hi = t
        log_pdf = _t_log_pdf(t, df)
        new = t + gap / math.exp(log_pdf) if log_pdf > -700 else math.nan  # tail' = -pdf
        if not lo < new < hi:  # Newton left the bracket (or the density underflowed): bisect instead
            new = 0.5 * (lo + hi)
        if abs(new - t) <= 2e-16 * new:
            t = new
            break
        t = new
    return t if p > 0.5 else -t


# --- uncertainty ------------------------------------------------------------------------------------------------


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Area under the ROC curve of ``scores`` for telling ``labels`` True (positives) from False: the chance that
    a random positive scores higher than a random negative, ties counting one half (the Mann-Whitney U statistic
    over n_pos * n_neg). 0.5 = no signal, 1 = every positive above every negative, 0 = every one below.
    NaN when either class is empty.
    """
    if len(scores) != len(labels):
        raise ValueError(f"labels: need one per score, got {len(labels)} for {len(scores)} scores")
    pos = [float(s) for s, y in zip(scores, labels, strict=True) if y]
    neg = [float(s) for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return math.nan
    # rank-sum with average ranks for ties: O(n log n)
    order = sorted(range(len(scores)), key=lambda i: float(scores[i]))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and float(scores[order[j + 1]]) == float(scores[order[i]]):
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    u = rank_sum - len(pos) * (len(pos) + 1) / 2
    return u / (len(pos) * len(neg))
# --- best-of-k with a checker, and distinct answers (chapter 7) -------------------------------------------


def best_of_k_accuracy(
    samples: Sequence[Sequence[Hashable | None]],
    targets: Sequence[Hashable],
    k: int,
    error: float = 0.0,
    rng=None,
) -> float:
    """Share of problems that best-of-k with a checker gets right (a verifier picks among samples; Cobbe et al.,
    2021 [cobbe2021training]).

    The checker looks at each of the first ``k`` samples of a problem and is wrong with probability ``error``
    (it then accepts a wrong answer or rejects a right one; ``rng`` is a :class:`random.Random` that draws its
    mistakes, needed when ``error > 0``). The pick is the majority among the accepted samples, or among all k when
    the checker accepts none. With ``error = 0`` this is the share of problems with a right answer among their
    first k samples (the empirical pass@k); with ``error = 0.5`` the checker is a coin and this is about the vote.
    """
    if len(samples) != len(targets):
        raise ValueError(f"targets: need one per problem, got {len(targets)} for {len(samples)} problems")
    _check_count("k", k, 1)
    if isinstance(error, bool) or not isinstance(error, numbers.Real) or not 0.0 <= error <= 1.0:
        raise ValueError(f"error: must be a probability in [0, 1], got {error!r}")
    if error > 0 and rng is None:
        raise ValueError("rng: a random.Random is needed to draw the checker's mistakes when error > 0")
    if not samples:
        return 0.0
    right = 0
    for row, target in zip(samples, targets, strict=True):
        first = list(row[:k])
        accepted = [a for a in first if (a == target) != (error > 0 and rng.random() < error)]
        right += majority_vote(accepted or first) == target
    return right / len(samples)


def mean_distinct_answers(samples: Sequence[Sequence[Hashable | None]]) -> float:
    """Distinct answers per problem, averaged over problems (None, a malformed answer, counts as one answer);
    0.0 for no problems. The diversity measure of Yue et al. (2025) [yue2025does] for RL-tuned models."""
    return sum(len(set(row)) for row in samples) / len(samples) if len(samples) else 0.0
# --- creativity that repetition cannot game ---------------------------------------------------------------
#
# A share of novel samples rewards repetition: a model that writes one new sentence 48 times scores 100% novel.
# Counting *distinct* novel-valid samples within a fixed sampling budget does not: the 48 copies count once.


def distinct_novel_valid(samples: Iterable[str], is_valid: Callable[[str], bool],
                         seen: set[str] | frozenset[str] | Sequence[str]) -> int:
    """How many *distinct* samples the checker ``is_valid`` accepts and ``seen`` (e.g. the training sentences)
    does not contain. Repeats count once, so writing one new sentence many times scores 1."""
    return sum(1 for s in set(samples) if s not in seen and is_valid(s))


def creativity(samples: Iterable[str], is_valid: Callable[[str], bool],
               seen: set[str] | frozenset[str] | Sequence[str], budget: float) -> float:
    """Distinct novel-valid samples (:func:`distinct_novel_valid`) per unit of a fixed sampling ``budget``
    (a number > 0 the caller fixes in advance, e.g. thousands of sampled characters, not the number of samples
    that happened to come out). Distinct counts grow less than linearly with the budget, so compare settings only
    at equal budgets."""
    if isinstance(budget, bool) or not isinstance(budget, numbers.Real) or not budget > 0 or not math.isfinite(budget):
        raise ValueError(f"budget: must be a finite number > 0 (the fixed sampling budget), got {budget!r}")
    return distinct_novel_valid(samples, is_valid, seen) / float(budget)
