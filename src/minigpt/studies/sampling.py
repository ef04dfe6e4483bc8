"""Study: temperature, top-k and top-p (chapter 6). Its experiments, the numbers it reports, its plots, its explorer.

Two experiments, one trained model per world and seed; every sampling knob re-evaluates the stored model:

- ``sample_stories``: a character GPT on the stories world, sampled at ``temperature``, ``top_k`` and ``top_p``;
  scored for diversity, novelty, validity and *creativity* (distinct novel-valid sentences per 1,000 sampled
  characters, which repetition cannot game), next to a perfect sampler at the same temperature.
- ``sample_qa``: a GPT on the Q/A rows of a world with one right answer, ``world="facts"`` (recall of the training
  facts) or ``"addition"`` (2-digit sums), the answer decoded at ``temperature`` (0 = greedy).

:func:`book_runs` computes the chapter's grids; :func:`verdict_measurements` reads its claims' numbers from a cache.
"""

from __future__ import annotations

import bisect
import contextlib
import multiprocessing
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import metrics as M
from ..config import check, check_int, check_one_of, check_temperature, check_top_k, check_top_p
from ..explore import Display, Explorer
from ..plots import COLORS, KIND_LABELS, sample_bars, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..runs.sweeps import sweep
from ..sample import generate
from ..stats import SHARE, Interval, mean_interval
from ..tokenizer import CharTokenizer
from ..worlds.arithmetic import AdditionConfig, make_addition
from ..worlds.facts import FactsConfig, make_facts, recall
from ..worlds.stories import StoriesConfig, budget_sentences, is_valid, make_stories, split_sentences

# --- the grids of the chapter -----------------------------------------------------------------------------

TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4, 1.6)
TOP_KS = (1, 2, 3, 5, 8, 15)  # at temperature 1; 0 means off
TOP_PS = (0.01, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)  # at temperature 1; 1.0 means off
QA_TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.3, 1.6)
QA_WORLDS = ("facts", "addition")
SEEDS = (0, 1, 2)
FAST_TEMPERATURES = (0.0, 0.5, 1.0, 1.6)
FAST_TOP_KS = (1, 5)
FAST_TOP_PS = (0.01, 0.9)
FAST_QA_TEMPERATURES = (0.0, 1.0)


def grids(fast: bool | None = None) -> dict[str, tuple]:
    """The sampling grids of the chapter (smaller in fast mode): ``temperature``, ``top_k``, ``top_p`` (stories)
    and ``qa_temperature`` (facts and addition)."""
    fast = fast_mode() if fast is None else fast
    if fast:
        return {"temperature": FAST_TEMPERATURES, "top_k": FAST_TOP_KS, "top_p": FAST_TOP_PS,
                "qa_temperature": FAST_QA_TEMPERATURES}
    return {"temperature": TEMPERATURES, "top_k": TOP_KS, "top_p": TOP_PS, "qa_temperature": QA_TEMPERATURES}


# --- stories ----------------------------------------------------------------------------------------------


def perfect_sampler_sentences(config: StoriesConfig, temperature: float, budget_chars: int, seed: int) -> list[str]:
    """The perfect sampler at temperature T: sentences of stories from the world's own generator with every
    random choice tempered (:func:`~minigpt.worlds.stories.budget_sentences`), as a model that had learned the
    grammar's choices exactly and divided their logits by T would write them, until they fill ``budget_chars``.
    The analogue, not the equal, of a character model at T (that one tempers each character, not each grammatical
    choice). ``seed`` seeds a stream of its own: an integer seed would replay the world's generator
    (``random.Random(0)`` wrote the training stories of world seed 0), and at T = 1 copy the training set."""
    return budget_sentences(random.Random(f"perfect sampler {seed}"), config, temperature, budget_chars)


def _configure_stories(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, n_samples: int | None = None,
                       steps: int | None = None, seed: int = 0, world_seed: int = 0,
                       n_stories: int | None = None) -> dict:
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    return {
        "torch_threads": 1,  # fast for this size, and the same numbers on every machine (see torch_threads)
        "world": {"n_stories": n_stories if n_stories is not None else (30 if fast else 300),
                  "n_val_stories": 10 if fast else 50, "seed": world_seed},
        # a 64-character window holds a whole sentence (they are 20-50 characters long)
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": 64},
        "train": {"steps": steps, "batch_size": 32, "lr": 1e-2, "warmup_steps": min(50, steps // 10),
                  "eval_interval": max(1, steps // 4), "eval_batches": 2 if fast else 4, "seed": seed},
        # 63 new characters fill the 64-character window exactly, so every step uses the KV cache: one
        # evaluation samples in about 0.1 s, what a live temperature slider needs (DESIGN section 6)
        "sample": {"n": n_samples if n_samples is not None else (16 if fast else 96), "max_new_tokens": 63,
                   "temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed,
                   "self_bleu_texts": 8 if fast else 32},
    }


_stories_world = cached_world(lambda config: make_stories(StoriesConfig(**config)))  # made once per process


def _check_stories(spec: dict) -> None:
    StoriesConfig(**spec["world"])
    check_model_and_training(spec)
    s = spec["sample"]
    check_temperature(s["temperature"])
    check_top_k(s["top_k"], off=0)  # a spec's 0 means off, as its top_p 1.0 does
    check_top_p(s["top_p"])
    check_int("n_samples", s["n"], 2)  # self-BLEU compares a sample with the others


def _train_stories(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide character GPT on the stories world (300 stories, 800 steps of 32 windows of 64
    characters), then sample ``n_samples`` continuations of a story start (96 of 63 characters) at
    ``temperature``, ``top_k`` (0 = off) and ``top_p`` (1 = off), and score them.

    Parameters: ``steps``, ``seed`` (init, batches and sampling), ``world_seed``, ``n_stories``; sampling only:
    ``temperature``, ``top_k``, ``top_p``, ``n_samples``.

    ``metrics``: ``n_sentences`` (complete sampled sentences), ``validity`` (share the grammar accepts),
    ``copied``, ``novel`` (valid and not in the training set), ``invalid`` (shares of sentences);
    ``distinct_novel_valid`` (how many *different* novel-valid sentences) and ``creativity`` (that per 1,000
    sampled characters); ``distinct_1``, ``distinct_2`` (word n-grams over all samples); ``self_bleu`` (each of
    the first ``self_bleu_texts`` samples against the others, 4-grams); ``novelty_4`` (share of word 4-grams
    never in the training text); and the perfect sampler at the same temperature: ``perfect_copied``,
    ``perfect_creativity``. ``samples``: the first 4 texts; ``sentences``: ``[sentence, kind]`` of the first
    few samples.
    """
    world = _stories_world(spec["world"])
    tok = CharTokenizer(world.alphabet)
    train = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
    val = torch.tensor(tok.encode(world.val_text), dtype=torch.long)
    model = model_for(spec, tok.vocab_size)
    history = train_with_events(trainer_for(spec, model, train, val), on_eval, stop)
    return Trained(model, history, {"n_train_sentences": len(world.train_sentences)})


def _evaluate_stories(spec: dict, trained: Trained) -> dict:
    world = _stories_world(spec["world"])
    tok = CharTokenizer(world.alphabet)
    s = spec["sample"]
    device = trained.model.lm_head.weight.device
    prompt = torch.full((s["n"], 1), tok.encode("\n")[0], dtype=torch.long, device=device)  # a story start
    rows = generate(trained.model, prompt, s["max_new_tokens"], temperature=s["temperature"], top_k=s["top_k"] or None,
                    top_p=s["top_p"] if s["top_p"] < 1 else None,
                    generator=torch.Generator(device=device).manual_seed(s["seed"]))
    texts = [tok.decode(r[1:].tolist()) for r in rows]
    per_text = [split_sentences(t) for t in texts]
    sentences = [x for group in per_text for x in group]
    kinds = [world.classify(x) for x in sentences]
    n = len(sentences)
    counts = {k: kinds.count(k) for k in ("copied", "novel", "invalid")}
    budget = s["n"] * s["max_new_tokens"] / 1000  # thousands of sampled characters, fixed by the spec
    train_lines = [" ".join(story) for story in world.train_stories]
    perfect = perfect_sampler_sentences(world.config, s["temperature"], s["n"] * s["max_new_tokens"], s["seed"])
    metrics = {
        "n_sentences": n,
        "validity": (counts["copied"] + counts["novel"]) / n if n else 0.0,
        **{k: (c / n if n else 0.0) for k, c in counts.items()},
        "distinct_novel_valid": M.distinct_novel_valid(sentences, is_valid, world.train_sentences),
        "creativity": M.creativity(sentences, is_valid, world.train_sentences, budget),
        "distinct_1": M.distinct_n(texts, 1),
        "distinct_2": M.distinct_n(texts, 2),
        "self_bleu": M.self_bleu(texts[: s["self_bleu_texts"]]),
        "novelty_4": M.ngram_novelty(texts, train_lines, 4),
        "perfect_copied": sum(x in world.train_sentences for x in perfect) / max(1, len(perfect)),
        "perfect_creativity": M.creativity(perfect, is_valid, world.train_sentences, budget),
    }
    shown = [[x, world.classify(x)] for group in per_text[:10] for x in group][:11]  # what the panel has room for
    return {"metrics": metrics, "samples": texts[:4], "sentences": shown}


sample_stories = Experiment("sample_stories", _configure_stories, _train_stories, _evaluate_stories,
                            sample_params=("temperature", "top_k", "top_p", "n_samples"), check=_check_stories,
                            bounds=dict.fromkeys(("validity", "copied", "novel", "invalid", "distinct_1",
                                                  "distinct_2", "self_bleu", "novelty_4", "perfect_copied"),
                                                 SHARE))


# --- facts and addition: one right answer -----------------------------------------------------------------


def _configure_qa(world: str = "facts", temperature: float = 0.0, steps: int | None = None, seed: int = 0,
                  world_seed: int = 0, n_people: int | None = None, n_train: int | None = None) -> dict:
    check_one_of("world", world, QA_WORLDS)  # here, not in the check: the world decides the spec
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    if world == "facts":
        # every person's facts as Q/A lines (qa_fraction 1), each stated 1 to 16 times: recall of trained facts
        world_config = {"n_people": n_people if n_people is not None else (30 if fast else 200),
                        "qa_fraction": 1.0, "mention_levels": [1, 2, 4, 8, 16], "n_unseen": 0, "seed": world_seed}
    else:
        world_config = {"n_digits": 2, "n_train": n_train if n_train is not None else (300 if fast else 3000),
                        "n_test": 100 if fast else 500, "seed": world_seed}
    return {
        "torch_threads": 1,
        "world": world_config,
        "model": {"n_layer": 2, "n_head": 4, "n_embd": 64},  # block_size: the longest Q/A row
        "train": {"steps": steps, "batch_size": 32, "lr": 3e-3, "warmup_steps": min(50, steps // 10),
                  "eval_interval": steps, "eval_batches": 1, "seed": seed},
        "sample": {"temperature": temperature, "seed": seed},
    }


_QA_WORLD_MAKERS = {"facts": cached_world(lambda config: make_facts(FactsConfig(**config))),
                    "addition": cached_world(lambda config: make_addition(AdditionConfig(**config)))}


def _qa_world(spec: dict):
    """The world of a ``sample_qa`` spec (made once per process) and its tokenizer."""
    world = _QA_WORLD_MAKERS[spec["params"]["world"]](spec["world"])
    return world, CharTokenizer(world.alphabet)


def _check_qa(spec: dict) -> None:
    world = spec["params"]["world"]
    other = "n_train" if world == "facts" else "n_people"  # the size of the other world
    check(other, spec["params"][other], spec["params"][other] is None, f"None for world={world!r}")
    (FactsConfig if world == "facts" else AdditionConfig)(**spec["world"])
    check_model_and_training(spec, block_size=8)  # the real block size is the longest row of the world
    check_temperature(spec["sample"]["temperature"])


def _train_qa(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide GPT on the Q/A rows of a world with one right answer (loss on the answer only),
    then answer every question once at ``temperature`` (0 = greedy). ``world="facts"``: ``n_people`` (200) made-up
    people x 4 attributes, each row repeated as often as the text states its fact; asked: the training facts.
    ``world="addition"``: ``n_train`` (3000) 2-digit problems ``a+b=``; asked: the 500 test problems.

    Parameters: ``world``, ``steps``, ``seed`` (init, batches and sampling), ``world_seed``, ``n_people`` (facts)
    or ``n_train`` (addition); sampling only: ``temperature``. ``metrics``: ``accuracy`` (share of questions
    answered exactly right), ``n`` (questions asked).
    """
    world, tok = _qa_world(spec)
    if spec["params"]["world"] == "facts":
        X, Y = world.qa_rows(tok, "recitation", repeat_by_frequency=True)
    else:
        X, Y = world.qa_rows(tok, "train")
    model = model_for(spec, tok.vocab_size, block_size=X.shape[1])
    return Trained(model, train_with_events(trainer_for(spec, model, (X, Y)), on_eval, stop))


def _evaluate_qa(spec: dict, trained: Trained) -> dict:
    world, tok = _qa_world(spec)
    s = spec["sample"]
    gen = torch.Generator(device=trained.model.lm_head.weight.device).manual_seed(s["seed"])
    if spec["params"]["world"] == "facts":
        correct = recall(trained.model, tok, world.split("recitation"), temperature=s["temperature"], generator=gen)
    else:
        correct = world.accuracy(trained.model, tok, "test", temperature=s["temperature"], generator=gen)
    return {"metrics": {"accuracy": M.exact_match_recall(correct), "n": len(correct)}, "samples": []}


sample_qa = Experiment("sample_qa", _configure_qa, _train_qa, _evaluate_qa, sample_params=("temperature",),
                       check=_check_qa, bounds={"accuracy": SHARE})


def stories_model(cache: ResultCache, seed: int = 0, **params):
    """The stored stories model of ``seed`` (trained on first use) and its tokenizer: ``(model, tokenizer)``."""
    result = cache.run(sample_stories, seed=seed, **params)
    trained = cache.models.get(result["train_key"])
    world = _stories_world(result["spec"]["world"])
    return trained.model, CharTokenizer(world.alphabet)


# --- the book's grid --------------------------------------------------------------------------------------


def book_runs(cache: ResultCache, seeds: Sequence[int] = SEEDS, workers: int = 2) -> dict:
    """Every run of chapter 6, from ``cache`` where stored: one model per world and seed, trained first (all
    of them sharing one pool of ``workers`` processes), then every sampling point of :func:`grids` on them.
    Returns ``{"stories": {"temperature": {T: [result per seed]}, "top_k": {k: [...]}, "top_p": {p: [...]}},
    "facts": {T: [...]}, "addition": {T: [...]}}`` (top-k and top-p at temperature 1)."""
    seeds, g = list(seeds), grids()
    # {family: {value: params}}; top-k and top-p at temperature 1
    stories = {name: {v: {"temperature": 1.0, name: v} for v in g[name]} for name in ("temperature", "top_k", "top_p")}
    qa = {w: {t: {"world": w, "temperature": t} for t in g["qa_temperature"]} for w in QA_WORLDS}

    def run_all(pool, jobs):
        # each job is (experiment, points): one thread per sweep, both feeding the same pool
        if pool is None:
            return [sweep(fn, points, cache, seeds=seeds) for fn, points in jobs]
        with ThreadPoolExecutor(len(jobs)) as threads:
            futures = [threads.submit(sweep, fn, points, cache, seeds=seeds, executor=pool) for fn, points in jobs]
            return [f.result() for f in futures]

    def regroup(results, families):
        # a sweep's results come point by point, each with every seed
        it = iter(results)
        return {name: {v: [next(it) for _ in seeds] for v in family} for name, family in families.items()}

    pool = None
    if workers > 1:  # spawned, as sweep's own pool: a forked torch process can deadlock
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=torch.set_num_threads, initargs=(1,))
    with pool or contextlib.nullcontext():
        # the models first, one point per world and seed, so no two workers ever train the same model
        run_all(pool, [(sample_stories, [{"temperature": 1.0}]), (sample_qa, [{"world": w} for w in QA_WORLDS])])
        story_runs, qa_runs = run_all(pool, [(fn, [p for family in families.values() for p in family.values()])
                                             for fn, families in ((sample_stories, stories), (sample_qa, qa))])
    return {"stories": regroup(story_runs, stories), **regroup(qa_runs, qa)}


# --- the numbers --------------------------------------------------------------------------------------------


def summary(results: Sequence[Mapping] | None) -> dict[str, Interval] | None:
    """``{metric: Interval}`` over the seeds of one setting (None for no results)."""
    return summarize(results) if results else None


def best_setting(family: Mapping, metric: str = "creativity") -> tuple:
    """The setting of a family (``{value: [results]}``) with the highest mean ``metric``, and its summary:
    ``(value, {metric: Interval})``. Picked after looking, so its interval is optimistic."""
    sums = {v: summary(rs) for v, rs in family.items()}
    sums = {v: s for v, s in sums.items() if s is not None}
    value = max(sums, key=lambda v: sums[v][metric].estimate)
    return value, sums[value]


def _by_seed(results: Sequence[Mapping]) -> dict[int, Mapping]:
    return {r["params"]["seed"]: r for r in results}


def paired_difference(a: Sequence[Mapping], b: Sequence[Mapping], metric: str) -> Interval:
    """Mean over seeds of ``a``'s ``metric`` minus ``b``'s, seed by seed, with its 95% t interval. Two samplings
    of the *same* stored model (one per seed) are a paired design: the models differ between seeds far more than
    two samplers differ on one model, so comparing the two settings' intervals over seeds would hide a difference
    that every seed shows. The difference differs from 0 when its interval excludes 0."""
    sa, sb = _by_seed(a), _by_seed(b)
    if set(sa) != set(sb):
        raise ValueError(f"b: needs the same seeds as a, got {sorted(sb)} for {sorted(sa)}")
    return mean_interval([sa[s]["metrics"][metric] - sb[s]["metrics"][metric] for s in sorted(sa)])


def sign(iv: Interval) -> str:
    """"higher" / "lower" when a paired difference's interval excludes 0, else "overlap" ("one seed" for one)."""
    if iv.one_seed:
        return "one seed"
    return "higher" if iv.low > 0 else "lower" if iv.high < 0 else "overlap"


def frontier_gap(family: Mapping, temperature: Mapping, skip: Sequence = ()) -> Interval:
    """How far a sampler family lies above (+) or below (-) the temperature curve on the frontier, in creativity
    (distinct novel-valid sentences per 1,000 characters) at equal validity. Per seed: the creativity of each
    setting of ``family`` (``{value: [results]}``; values in ``skip`` left out, e.g. the settings that reduce to
    greedy) minus the creativity the same seed's temperature curve reaches at the same validity (linear
    interpolation between the two temperatures that bracket it), averaged over the settings; then the mean over
    seeds with its 95% t interval."""
    gaps = []
    for seed in sorted(_by_seed(next(iter(temperature.values())))):
        curve = sorted((m["validity"], m["creativity"]) for m in (_by_seed(rs)[seed]["metrics"]
                                                                    for rs in temperature.values()))
        xs, ys = [c[0] for c in curve], [c[1] for c in curve]
        settings = [_by_seed(rs)[seed]["metrics"] for value, rs in family.items() if value not in skip]
        per = [m["creativity"] - _interp(m["validity"], xs, ys) for m in settings]
        gaps.append(sum(per) / len(per))
    return mean_interval(gaps)


def _interp(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    # piecewise linear through (xs, ys), xs increasing; constant beyond the ends
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_left(xs, x)  # xs[i - 1] < x <= xs[i]
    return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])


def qa_verdict(runs: Mapping) -> dict:
    """Is greedy decoding best for a Q/A world (``{T: [results per seed]}``)? The greedy accuracy, the best
    positive temperature's and the one at T = 1 (intervals over seeds), and the paired differences greedy minus
    each (seed by seed, the same model: :func:`paired_difference`)."""
    sums = {t: summary(rs) for t, rs in runs.items()}
    warm = {t: s["accuracy"] for t, s in sums.items() if t > 0 and s is not None}
    best_t = max(warm, key=lambda t: warm[t].estimate)
    return {"greedy": sums[0.0]["accuracy"], "best_t": best_t, "best": warm[best_t], "at_one": warm.get(1.0),
            "greedy_minus_best": paired_difference(runs[0.0], runs[best_t], "accuracy"),
            "greedy_minus_one": paired_difference(runs[0.0], runs[1.0], "accuracy") if 1.0 in runs else None}


VERDICT_TEMPERATURES = (0.1, 0.5, 1.0)  # greedy is compared with these (those in the grid of the current scale)


def verdict_measurements(cache: ResultCache, seeds: Sequence[int] = SEEDS) -> list[dict]:
    """The measurements behind claims (d) and (k) for the verdict table (chapter 9; the row shape is documented in
    :mod:`minigpt.verdicts`), from ``cache`` only (never running anything), at the current scale: accuracy of greedy
    decoding (T=0) against sampling at each of :data:`VERDICT_TEMPERATURES` in the chapter's grid, on facts and on
    addition; for stories, creativity and distinct-2 at T=1 against greedy. ``a`` and ``b`` are the two settings'
    means over seeds; ``difference`` is the paired difference a - b over seeds (the same stored models;
    :func:`paired_difference`). Every interval is None where a run is missing from the cache."""

    def row(claim, metric, text, labels, fn, a_params, b_params):
        a, b = seed_results(cache, fn, seeds, **a_params), seed_results(cache, fn, seeds, **b_params)
        complete = a is not None and b is not None
        return {"claim": claim, "measure": metric, "expect": "higher", "text": text, "labels": labels,
                "a": summary(a)[metric].to_dict() if complete else None,
                "b": summary(b)[metric].to_dict() if complete else None,
                "difference": paired_difference(a, b, metric).to_dict() if complete else None}

    out = [row("d", "accuracy", f"{w}: accuracy at T=0 (greedy) vs T={t:g}", ["T=0", f"T={t:g}"], sample_qa,
               {"world": w, "temperature": 0.0}, {"world": w, "temperature": t})
           for w in QA_WORLDS for t in VERDICT_TEMPERATURES if t in grids()["qa_temperature"]]
    for metric, what in (("creativity", "distinct novel, valid sentences per 1,000 characters"),
                         ("distinct_2", "distinct-2")):
        out.append(row("k", metric, f"stories: {what} at T=1 vs T=0 (greedy)", ["T=1", "T=0"], sample_stories,
                       {"temperature": 1.0}, {"temperature": 0.0}))
    return out


# --- plots and the explorer ---------------------------------------------------------------------------------


def plot_frontier(ax: Axes, families: Mapping[str, Sequence[tuple[str, Mapping]]], *, x: str = "validity",
                  y: str = "creativity", colors: Mapping[str, str] | None = None) -> Axes:
    """Validity against creativity: one line per sampler family, one point per setting, error bars of the
    95% intervals over seeds in both directions. ``families``: label -> [(point label, {metric: Interval})]."""
    tidy(ax)
    for i, (label, points) in enumerate(families.items()):
        color = (colors or {}).get(label) or list(COLORS.values())[i % len(COLORS)]
        xs = [p[x] for _, p in points]
        ys = [p[y] for _, p in points]
        ax.plot([v.estimate for v in xs], [v.estimate for v in ys], color=color, marker="o", markersize=3,
                label=label)
        for vx, vy in zip(xs, ys, strict=True):
            if not (vx.one_seed or vy.one_seed):
                ax.errorbar(vx.estimate, vy.estimate, xerr=[[vx.estimate - vx.low], [vx.high - vx.estimate]],
                            yerr=[[vy.estimate - vy.low], [vy.high - vy.estimate]], color=color, alpha=0.45,
                            linewidth=0.8, capsize=0)
        for name, p in points:
            if name:
                ax.annotate(name, (p[x].estimate, p[y].estimate), textcoords="offset points", xytext=(3, 3),
                            fontsize=6.5, color=color)
    return ax


def stories_numbers(result: Mapping) -> dict[str, str]:
    """The numbers an explorer shows for a ``sample_stories`` result, as display strings."""
    m = result.get("metrics")
    if not m:
        h = result["history"]
        return {"step": str(h["eval_step"][-1]) if h["eval_step"] else "0"}
    return {"valid": f"{m['validity']:.0%}",
            "distinct novel-valid": f"{m['distinct_novel_valid']} ({m['creativity']:.1f} per 1k chars)",
            "copied": f"{m['copied']:.0%} (perfect sampler {m['perfect_copied']:.0%})",
            "distinct-2": f"{m['distinct_2']:.2f}", "self-BLEU": f"{m['self_bleu']:.2f}"}


def plot_samples(result: Mapping, fig: Figure) -> Figure:
    """The explorer panel for a ``sample_stories`` result: the shares of sentence kinds, and the sampled
    sentences themselves, coloured by kind (copied grey, novel-valid green, invalid purple)."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 2.4])
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.08, right=0.99, bottom=0.14, top=0.9, wspace=0.08)
    sample_bars(left, result.get("metrics"))
    right.set_axis_off()
    sentences = result.get("sentences") or []
    if not sentences:
        right.text(0, 0.5, "training... the samples come when the run ends", fontsize=8, color="#555555")
    for i, (text, kind) in enumerate(sentences[:11]):
        shown = text if len(text) <= 62 else text[:59] + "..."
        right.text(0.0, 0.97 - i * 0.088, shown, fontsize=7.5, family="monospace", color=COLORS[kind],
                   va="top", transform=right.transAxes)
    kinds = ", ".join(KIND_LABELS[k] for k in ("copied", "novel", "invalid"))
    right.set_title(f"sampled sentences: {kinds} (by colour)", fontsize=8)
    return fig


SAMPLING_CONTROLS = {"temperature": list(TEMPERATURES), "top_k": [0, *TOP_KS],
                     "top_p": [1.0, *sorted(TOP_PS, reverse=True)]}
STATIC_GRID = {"temperature": [0.0, 0.3, 0.6, 0.8, 1.0, 1.2, 1.6], "top_p": [1.0, 0.8]}


def sampling_explorer(cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 6's explorer over :data:`sample_stories`: sliders for temperature, top-k (0 = off) and top-p
    (1 = off) over one stored model (every move re-samples it, nothing retrains); the static view steps through
    temperature x top-p, computed at build time."""
    display = Display(title="Sampling one stored story model: temperature, top-k, top-p",
                      labels={"temperature": "temperature", "top_k": "top-k (0 = off)", "top_p": "top-p (1 = off)"})
    return Explorer(sample_stories, controls=SAMPLING_CONTROLS, initial={"temperature": 1.0}, static_grid=STATIC_GRID,
                    plot=plot_samples, numbers=stories_numbers, cache=cache, fixed=fixed, display=display)

