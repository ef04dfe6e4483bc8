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
- intervals and tests over seeds are in :mod:`minigpt.stats`.
"""

from __future__ import annotations

import math
import numbers
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass

from .stats import check_count

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
# --- best-of-k with a checker, and distinct answers (chapter 8) -------------------------------------------


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
    check_count("k", k, 1)
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
