"""Study: temperature, top-k and top-p (chapter 7). Its experiments, the numbers it reports, its plots, its explorer.

Two experiments, one trained model per world and seed; every sampling knob re-evaluates the stored model:

- ``sample_stories``: a character GPT on the stories world, sampled at ``temperature``, ``top_k`` and ``top_p``
  from many prompts (the first words of held-out stories); scored for diversity, novelty, validity and
  *creativity* (distinct novel-valid sentences per 1,000 characters, which repetition cannot game), next to a
  perfect sampler at the same temperature.
- ``sample_qa``: a GPT on the Q/A rows of a world with one right answer, ``world="facts"`` (recall of the training
  facts) or ``"addition"`` (2-digit sums), the answer decoded at ``temperature`` (0 = greedy).

:func:`book_runs` computes the chapter's grids at the evaluation seeds and world of :mod:`minigpt.protocol`;
:func:`verdict_runs` lists the runs the verdict rows read and :func:`verdict_measurements` reads the rows.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import metrics as M
from .. import protocol
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
PROMPT_WORDS = 2  # every story sample starts from the first two words of a held-out (validation) story


def grids(fast: bool | None = None) -> dict[str, tuple]:
    """The sampling grids of the chapter (smaller in fast mode; the protocol's arms at both scales):
    ``temperature``, ``top_k``, ``top_p`` (stories) and ``qa_temperature`` (facts and addition)."""
    if fast_mode() if fast is None else fast:
        return {"temperature": (0.0, 0.5, 1.0, 1.6), "top_k": (1, 5), "top_p": (0.01, 0.9),
                "qa_temperature": (0.0, 0.1, 0.5, 1.0)}
    return {"temperature": TEMPERATURES, "top_k": TOP_KS, "top_p": TOP_PS, "qa_temperature": QA_TEMPERATURES}


# --- stories ----------------------------------------------------------------------------------------------


def perfect_sampler_sentences(config: StoriesConfig, temperature: float, budget_chars: int, seed: int) -> list[str]:
    """The perfect sampler at temperature T: sentences of the world's own generator with every random choice
    tempered (:func:`~minigpt.worlds.stories.budget_sentences`), until they fill ``budget_chars``: the analogue
    (not the equal) of a character model at T. ``seed`` seeds a stream of its own: an integer seed would replay
    the world's generator (``random.Random(0)`` wrote world seed 0's training stories) and copy it at T = 1."""
    return budget_sentences(random.Random(f"perfect sampler {seed}"), config, temperature, budget_chars)


def _configure_stories(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, n_samples: int | None = None,
                       steps: int | None = None, seed: int = 0, world_seed: int = 0,
                       n_stories: int | None = None) -> dict:
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    return {
        "torch_threads": 1,  # fast for this size, and the same numbers on every machine (see torch_threads)
        # one validation story per sample: each gives a prompt (its first words) and the validation loss
        "world": {"n_stories": n_stories if n_stories is not None else (30 if fast else 300),
                  "n_val_stories": 16 if fast else 96, "seed": world_seed},
        # a 64-character window holds a whole sentence (they are 20-50 characters long)
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": 64},
        "train": {"steps": steps, "batch_size": 32, "lr": 1e-2, "warmup_steps": min(50, steps // 10),
                  "eval_interval": max(1, steps // 4), "eval_batches": 2 if fast else 4, "seed": seed},
        # "\n", a prompt (a validation story's first words) and new characters, 63 in all with the prompt, fill the
        # 64-character window: every step uses the KV cache, fast enough for a live slider (DESIGN section 6)
        "sample": {"n": n_samples if n_samples is not None else (16 if fast else 96), "chars": 63,
                   "prompt_words": PROMPT_WORDS, "temperature": temperature, "top_k": top_k, "top_p": top_p,
                   "seed": seed, "self_bleu_texts": 8 if fast else 32},
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
    characters), then write ``n_samples`` stories of 63 characters (96) at ``temperature``, ``top_k`` (0 = off)
    and ``top_p`` (1 = off), sample i from a prompt of its own: the first two words of validation story i
    (:meth:`~minigpt.worlds.stories.StoriesWorld.story_starts`), which count as part of its text. Score them.
    Parameters: ``steps``, ``seed`` (init, batches and sampling), ``world_seed``, ``n_stories``; sampling only:
    ``temperature``, ``top_k``, ``top_p``, ``n_samples``.

    ``metrics``: ``n_sentences`` (complete sentences), ``validity`` (share the grammar accepts), ``copied``,
    ``novel`` (valid, not in the training set), ``invalid`` (shares of sentences); ``distinct_novel_valid`` (how
    many *different* novel-valid sentences), ``creativity`` (that per 1,000 characters); ``distinct_1``,
    ``distinct_2`` (word n-grams over all samples); ``self_bleu`` (the first ``self_bleu_texts`` samples, each
    against the others, 4-grams); ``novelty_4`` (share of word 4-grams not in the training text); the perfect
    sampler at the same temperature: ``perfect_copied``, ``perfect_creativity``; ``distinct_prompts``,
    ``distinct_samples``. ``samples``: the first 4 texts; ``sentences``: ``[sentence, kind]`` of the first few.
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
    gen = torch.Generator(device=device).manual_seed(s["seed"])
    prompts = world.story_starts(s["n"], s["prompt_words"])
    texts = [""] * len(prompts)
    for length in sorted({len(p) for p in prompts}):  # the prompts of one length are sampled together
        rows = [i for i, p in enumerate(prompts) if len(p) == length]
        idx = torch.tensor([tok.encode("\n" + prompts[i]) for i in rows], dtype=torch.long, device=device)
        out = generate(trained.model, idx, max(1, s["chars"] - length), temperature=s["temperature"],
                       top_k=s["top_k"] or None, top_p=s["top_p"] if s["top_p"] < 1 else None, generator=gen)
        for i, r in zip(rows, out, strict=True):
            texts[i] = tok.decode(r[1:].tolist())  # the prompt's words and what the model wrote after them
    per_text = [split_sentences(t) for t in texts]
    sentences = [x for group in per_text for x in group]
    kinds = [world.classify(x) for x in sentences]
    n = len(sentences)
    counts = {k: kinds.count(k) for k in ("copied", "novel", "invalid")}
    budget = s["n"] * s["chars"] / 1000  # thousands of characters of text, fixed by the spec
    train_lines = [" ".join(story) for story in world.train_stories]
    perfect = perfect_sampler_sentences(world.config, s["temperature"], s["n"] * s["chars"], s["seed"])
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
        "distinct_prompts": len(set(prompts)), "distinct_samples": len(set(texts)),
    }
    shown = [[x, world.classify(x)] for group in per_text[:10] for x in group][:11]  # what the panel has room for
    return {"metrics": metrics, "samples": texts[:4], "sentences": shown}


sample_stories = Experiment("sample_stories", _configure_stories, _train_stories, _evaluate_stories,
                            sample_params=("temperature", "top_k", "top_p", "n_samples"), check=_check_stories,
                            bounds=dict.fromkeys("validity copied novel invalid distinct_1 distinct_2 self_bleu "
                                                 "novelty_4 perfect_copied".split(), SHARE))


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
    answered exactly right), ``n`` (questions asked); ``items["accuracy"]``: 1 or 0 per question, in order.
    The questions depend on ``world_seed`` only, so every seed of one world seed answers the same ones.
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
    # 1 right, 0 wrong per question, in the world's order: the verdict rows compare temperatures question by question
    return {"metrics": {"accuracy": M.exact_match_recall(correct), "n": len(correct)}, "samples": [],
            "items": {"accuracy": [int(bool(c)) for c in correct]}}


sample_qa = Experiment("sample_qa", _configure_qa, _train_qa, _evaluate_qa, sample_params=("temperature",),
                       check=_check_qa, bounds={"accuracy": SHARE})


def stories_model(cache: ResultCache, **params):
    """``(model, tokenizer)``: the stored stories model (default: the protocol's first evaluation seed and world)."""
    p = protocol.study("sampling")
    result = cache.run(sample_stories, **{**p["fixed"], "seed": p["eval_seeds"][0], **params})
    trained = cache.models.get(result["train_key"])
    world = _stories_world(result["spec"]["world"])
    return trained.model, CharTokenizer(world.alphabet)


# --- the book's grid --------------------------------------------------------------------------------------


def book_points(fast: bool | None = None) -> tuple[dict, dict]:
    """Chapter 7's settings, seed and world left out: ``(stories, qa)``, ``{"temperature": {T: params}, "top_k":
    {k: params}, "top_p": {p: params}}`` (top-k and top-p at T=1) and ``{world: {T: params}}``."""
    g = grids(fast)
    stories = {name: {v: {"temperature": 1.0, name: v} for v in g[name]} for name in ("temperature", "top_k", "top_p")}
    return stories, {w: {t: {"world": w, "temperature": t} for t in g["qa_temperature"]} for w in QA_WORLDS}


def book_runs(cache: ResultCache, workers: int = 2) -> dict:
    """Every run of chapter 7 (:func:`book_points`, those of :func:`verdict_runs` among them), from ``cache``
    where stored, at the protocol's evaluation seeds and world: the models first, then the samplings, all in one
    pool of ``workers`` processes. Returns ``{"stories": {"temperature": {T: [result per seed]}, "top_k": ...,
    "top_p": ...}, "facts": {T: [...]}, "addition": {T: [...]}}``."""
    p = protocol.study("sampling")
    seeds, fixed = p["eval_seeds"], p["fixed"]
    stories, qa = book_points()

    def run_all(pool, jobs):
        # each job is (experiment, points): one thread per sweep, both feeding the same pool
        if pool is None:
            return [sweep(fn, points, cache, seeds=seeds, **fixed) for fn, points in jobs]
        with ThreadPoolExecutor(len(jobs)) as threads:
            futures = [threads.submit(sweep, fn, points, cache, seeds=seeds, executor=pool, **fixed)
                       for fn, points in jobs]
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
    sums = {v: summary(rs) for v, rs in family.items() if rs}
    value = max(sums, key=lambda v: sums[v][metric].estimate)
    return value, sums[value]


def _by_seed(results: Sequence[Mapping]) -> dict[int, Mapping]:
    return {r["params"]["seed"]: r for r in results}


def paired_difference(a: Sequence[Mapping], b: Sequence[Mapping], metric: str) -> Interval:
    """Mean over seeds of ``a``'s ``metric`` minus ``b``'s, seed by seed, with its 95% t interval: two samplings
    of the *same* stored model are paired (the models differ between seeds far more than two samplers do)."""
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
    at equal validity. Per seed: the creativity of each setting of ``family`` (``{value: [results]}``; values in
    ``skip`` left out, e.g. those that reduce to greedy) minus the seed's temperature curve at the same validity
    (linear between the temperatures that bracket it), averaged; then the mean over seeds, 95% t interval."""
    gaps = []
    for seed in sorted(_by_seed(next(iter(temperature.values())))):
        curve = sorted((m["validity"], m["creativity"]) for m in (_by_seed(rs)[seed]["metrics"]
                                                                    for rs in temperature.values()))
        xs, ys = [c[0] for c in curve], [c[1] for c in curve]
        settings = [_by_seed(rs)[seed]["metrics"] for value, rs in family.items() if value not in skip]
        per = [m["creativity"] - float(np.interp(m["validity"], xs, ys)) for m in settings]  # flat past the ends
        gaps.append(sum(per) / len(per))
    return mean_interval(gaps)


def verdict_runs() -> list[tuple]:
    """The ``(experiment, points)`` sweeps the verdict rows read, at the protocol's seeds, world and arms: the
    models first (one point per model), then the other arms on them. :func:`book_runs` runs all of them."""
    p = protocol.study("sampling")
    arms = p["arms"]

    def points(settings):
        return [{**p["fixed"], **x, "seed": s} for x in settings for s in p["eval_seeds"]]

    warm = [arm for name, arm in arms.items() if name != "greedy"]  # greedy is the model's own point
    return [(sample_stories, points([arms["T=1"]])),
            (sample_qa, points([{"world": w, **arms["greedy"]} for w in QA_WORLDS])),
            (sample_stories, points([arms["greedy"]])),
            (sample_qa, points([{"world": w, **arm} for w in QA_WORLDS for arm in warm]))]


NEAR_ZERO = 0.1  # the claim counts a temperature up to this as "near 0": as accurate as greedy, within the margin


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows of claims (d) and (k) (shape: :mod:`minigpt.verdicts`), read from ``cache`` at the runs of
    :func:`verdict_runs` (``a``/``b`` None where one is missing). (d): facts and addition, greedy against each warm
    arm question by question (every seed answers the evaluation world's questions), higher than T=0.5 and 1, equal
    to T=0.1 within the margin. (k): stories, same prompts, creativity and distinct-2 at T=1 vs greedy, per seed."""
    p = protocol.study("sampling")
    arms = p["arms"]

    def runs(fn, **params):
        return seed_results(cache, fn, p["eval_seeds"], **p["fixed"], **params)

    def items(rs):  # per question, 1 right, 0 wrong
        return None if rs is None or any("items" not in r for r in rs) else [r["items"]["accuracy"] for r in rs]

    def row(claim, measure, text, labels, expect, a, b):
        return {"claim": claim, "kind": "claim", "measure": measure, "text": text, "labels": labels,
                "expect": expect, "margin": protocol.margin("sampling", measure), "test": "paired", "a": a, "b": b,
                "items": "shared"}

    out = []
    for w in QA_WORLDS:
        greedy = items(runs(sample_qa, world=w, **arms["greedy"]))
        for name, arm in arms.items():
            if name != "greedy":
                expect = "equal" if arm["temperature"] <= NEAR_ZERO else "higher"
                out.append(row("d", "accuracy", f"{w}: accuracy, greedy (T=0) vs {name}", ["greedy", name], expect,
                               greedy, items(runs(sample_qa, world=w, **arm))))
    hot, cold = runs(sample_stories, **arms["T=1"]), runs(sample_stories, **arms["greedy"])
    for measure, what in (("creativity", "distinct novel, valid sentences per 1,000 characters"),
                          ("distinct_2", "distinct-2")):
        a, b = (None if rs is None else [r["metrics"][measure] for r in rs] for rs in (hot, cold))
        out.append(row("k", measure, f"stories from the same prompts: {what}, T=1 vs greedy (T=0)",
                       ["T=1", "greedy"], "higher", a, b))
    return out


# --- plots and the explorer ---------------------------------------------------------------------------------


def plot_frontier(ax: Axes, families: Mapping[str, Sequence[tuple[str, Mapping]]], *, x: str = "validity",
                  y: str = "creativity", colors: Mapping[str, str] | None = None) -> Axes:
    """Validity against creativity: one line per sampler family, one point per setting, error bars of the
    95% intervals over seeds in both directions. ``families``: label -> [(point label, {metric: Interval})]."""
    tidy(ax)
    for i, (label, points) in enumerate(families.items()):
        color = (colors or {}).get(label) or list(COLORS.values())[i % len(COLORS)]
        xs, ys = [p[x] for _, p in points], [p[y] for _, p in points]
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
    """Chapter 7's explorer over :data:`sample_stories`: sliders for temperature, top-k (0 = off) and top-p
    (1 = off) over one stored model (by default the protocol's first evaluation seed in its world, a model of the
    chapter's runs; every move re-samples it, nothing retrains); the static view steps through temperature x
    top-p, computed at build time."""
    p = protocol.study("sampling")
    fixed = {**p["fixed"], "seed": p["eval_seeds"][0], **fixed}
    display = Display(title="Sampling one stored story model: temperature, top-k, top-p",
                      labels={"temperature": "temperature", "top_k": "top-k (0 = off)", "top_p": "top-p (1 = off)"})
    return Explorer(sample_stories, controls=SAMPLING_CONTROLS, initial={"temperature": 1.0}, static_grid=STATIC_GRID,
                    plot=plot_samples, numbers=stories_numbers, cache=cache, fixed=fixed, display=display)

