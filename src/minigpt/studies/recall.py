"""Study: dropout and the recall of facts (chapter 5). Its experiment, the numbers it reports, its explorer.

``dropout_recall`` trains a 2-layer character GPT on the facts world's training text (biographies and the Q/A
lines of half the people, as line-aligned rows) with dropout at one rate on every site, and measures exact recall
(greedy decoding) of every probe split: ``cloze`` by frequency level (1, 2, 4, ..., 128 sentences), ``recitation``,
``extraction``, ``heldout_phrasing`` and ``unseen``. Recall is measured twice in one run: at half the steps
("early", the equal-steps comparison of a run half as long: the learning rate is constant after warmup, so the
first half of the run *is* the shorter run) and at the end (trained twice as long); at half the steps only the
cloze probes are decoded. A quarter was tried first: at book scale (250 of 1000 steps) every rate sat at the
floor, so that comparison measured nothing. Book scale is 800 steps, its half 400 (1000 steps and 21 runs cost the
chapter twice its 4-minute budget; after 500 steps dropout 0 and 0.3 differ by 0.17 or more: see
tests/test_effects_recall.py).

``schedule`` switches dropout on for a part of training only (``TrainConfig.dropout_window``): "constant" (always),
"off_late" (off for the last 25% of the steps), "early_only" (on for the first half only: the early dropout of
Liu et al., 2023) or "only_late" (on for the last 25% only; the explorer's, no row reads it). ``mc_passes`` is a
sampling parameter: for a constant schedule the evaluation also decodes every probe that many times with the
dropout sites on (Monte Carlo dropout, Gal and Ghahramani, 2016) and scores the first pass, the majority vote, and
the disagreement between passes as an uncertainty signal (AUROC for right vs wrong answers and for known vs
never-seen people). A result also holds the per-probe scores behind these shares (``items``).

:func:`verdict_runs` lists the runs of claims (b), (c) and (i) at the protocol's settings (:mod:`minigpt.protocol`);
:func:`verdict_measurements` reads them from a cache as rows of the verdict table.
"""

from __future__ import annotations

import copy
import math
import threading
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import check_int, check_one_of
from ..explore import Display, Explorer
from ..metrics import auroc, exact_match_recall, majority_vote, recall_by_frequency
from ..plots import plot_band, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..stats import SHARE, Interval
from ..tokenizer import CharTokenizer
from ..train import Trainer
from ..worlds.facts import FactsConfig, make_facts, recall, sample_answers

LATE_START = 0.75  # "off late" and "only late" switch dropout at 75% of the steps
EARLY_END = 0.5  # "early only" switches it off at half the steps, where the early recall is measured
SCHEDULES = {"constant": None, "off_late": (0.0, LATE_START), "early_only": (0.0, EARLY_END),
             "only_late": (LATE_START, 1.0)}  # -> dropout_window
BRANCHED = ("off_late", "early_only")  # the schedules that branch off the constant run (see _branches)
SCHEDULE_DROPOUT = 0.3  # the rate of chapter 5's schedule comparison (constant, off late, early only)
SPLITS = ("cloze", "recitation", "extraction", "heldout_phrasing", "unseen")
DROPOUTS = (0.0, 0.1, 0.2, 0.3, 0.5)
EVAL_ROWS = 512  # eval-mode loss on a fixed sample of rows: every row would cost more than a tenth of the run


def _configure(dropout: float = 0.0, schedule: str = "constant", steps: int | None = None, seed: int = 0,
               world_seed: int = 0, n_people: int | None = None, mc_passes: int = 8) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 24 if fast else 800
    if n_people is None:
        n_people = 4 if fast else 64  # fast: 4 people, so an untrained model's long answers decode in seconds
    world = {"n_people": n_people, "n_unseen": 2 if fast else 32, "seed": world_seed}
    if fast:
        world["mention_levels"] = [1, 4, 16, 64]
    return {
        "torch_threads": 1,
        "world": world,
        # 48 wide: about 30 ms a step on one thread here; 64 wide learns a little faster per step but costs 1.5x
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": 32 if fast else 48, "dropout": dropout},
        # constant lr after warmup (min_lr_ratio 1), so the state at steps/2 is that of a run of steps/2 steps
        "train": {"steps": steps, "batch_size": 32, "lr": 6e-3, "warmup_steps": min(50, steps // 10),
                  "min_lr_ratio": 1.0, "dropout_window": SCHEDULES.get(schedule, schedule),
                  "eval_interval": max(1, steps // (3 if fast else 10)), "eval_batches": 1, "seed": seed},
        "early_step": steps // 2,
        "eval_rows": 128 if fast else EVAL_ROWS,
        "sample": {"mc_passes": mc_passes, "seed": seed},
    }


def _check(spec: dict) -> None:
    check_one_of("schedule", spec["params"]["schedule"], tuple(SCHEDULES))
    FactsConfig(**spec["world"])
    check_model_and_training(spec)
    check_int("mc_passes", spec["sample"]["mc_passes"], 2)


_world = cached_world(lambda config: make_facts(FactsConfig(**config)))  # made once per process


def _tokenizer(world) -> CharTokenizer:
    return CharTokenizer.from_text(world.alphabet)


def recall_metrics(model, tok, world, prefix: str = "", splits: Sequence[str] = SPLITS,
                   items: dict | None = None) -> dict[str, float]:
    """Eval-mode greedy recall of every split of ``splits`` (``{prefix}recall_{split}``) and, with ``cloze``
    among them, of the cloze probes per frequency level (``{prefix}cloze_L{level}``), as shares in [0, 1].
    ``items``, if given, receives the per-probe scores of each split (``{prefix}recall_{split}``: 1 or 0 per
    probe, in the world's order)."""
    out = {}
    for split in splits:
        correct = recall(model, tok, world.split(split))
        out[f"{prefix}recall_{split}"] = exact_match_recall(correct)
        if items is not None:
            items[f"{prefix}recall_{split}"] = [int(c) for c in correct]
        if split == "cloze":
            buckets = recall_by_frequency(correct, [f.frequency for f in world.cloze], world.bucket_edges)
            out.update({f"{prefix}cloze_L{b.lo}": b.recall for b in buckets})
    return out


def _train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 48-wide character GPT on the facts world's text (by default 64 people, 8,288 lines as
    rows; 800 steps of 32 rows, about 3 passes) with ``dropout`` on every site, switched by ``schedule``; measure
    greedy recall at half the steps and at the end; on the constant schedule, decode every probe ``mc_passes``
    times with dropout on. The constant run at ``SCHEDULE_DROPOUT`` also trains the "off late" and the "early only"
    run at that rate, from snapshots at 75% and at half of the steps (``Trained.derived``: asked for later, those
    runs only evaluate); through a cache, that adds three quarters of the steps to that run.

    Parameters: ``dropout``, ``schedule`` (a key of ``SCHEDULES``), ``steps``, ``seed`` (init,
    batches, dropout, MC masks), ``world_seed``, ``n_people``; sampling only: ``mc_passes``.

    Returns ``metrics``: ``recall_{split}`` and ``cloze_L{level}`` at the end, ``early_recall_cloze`` and
    ``early_cloze_L{level}`` at step ``steps // 2``, ``final_train_loss`` (nats per character, eval mode), and for a
    model with dropout on the constant schedule the Monte Carlo scores ``mc1_recall_known`` (one pass),
    ``vote_recall_known`` (majority of ``mc_passes``), ``eval_recall_known`` (eval mode, the same probes: cloze,
    recitation and extraction),
    ``disagreement_known`` and ``disagreement_unseen`` (mean share of passes that differ from the majority),
    ``auroc_right_wrong`` (disagreement telling wrong eval-mode answers from right ones, cloze probes) and
    ``auroc_known_unseen`` (disagreement telling never-seen people from known ones, Q/A probes); None without dropout
    and for the other schedules. ``items`` (in the result): the per-probe scores (1 or 0, in the world's order)
    behind ``recall_{split}`` and ``early_recall_cloze``, and where Monte Carlo dropout ran, behind
    ``eval_recall_known`` and ``mc1_recall_known``: what the verdict rows pair probe by probe.
    """
    world = _world(spec["world"])
    tok = _tokenizer(world)
    rows = world.text_rows(tok)
    trainer = _trainer(spec, tok, rows)
    model = trainer.model
    early: dict[str, float] = {}
    early_items: dict[str, list[int]] = {}

    def measure_early(t: Trainer) -> None:
        if t.step == spec["early_step"]:
            # greedy: draws no random numbers; the cloze probes only (what the equal-steps comparison reads):
            # every split would cost three times as much decoding
            early.update(recall_metrics(t.model, tok, world, prefix="early_", splits=("cloze",),
                                        items=early_items))

    trainer.add_callback("on_step_end", measure_early)
    branches = _branches(spec["params"], spec["train"]["steps"])
    snapshots: dict[int, dict] = {}
    if branches:
        forks = {fork for _, fork in branches}
        trainer.add_callback("on_step_end", lambda t: snapshots.update({t.step: t.snapshot()})
                             if t.step in forks else None)
    history = train_with_events(trainer, on_eval, stop)
    info = {"early": early, "early_items": early_items, "n_lines": len(rows[0]),
            "knowledge_bits": world.knowledge_bits}
    trained = Trained(model, history, info)
    for branch, fork in branches if trained.completed else ():
        # trained only where a store keeps it (a run outside a cache does not pay for it)
        trained.derived.append((branch, lambda b=branch, f=fork: _continue(dropout_recall.spec(**b), snapshots[f],
                                                                           rows, tok, info)))
    return trained


# --- the schedules that switch dropout off branch off the constant run -----------------------------------------
# Up to the step where it switches dropout off, an "off late" or "early only" run is the constant run. So the
# constant run keeps a snapshot at each of those steps and trains each schedule's rest from it: the same numbers,
# bit for bit, as training it from the start (tests/test_recall.py). Only at chapter 5's rate SCHEDULE_DROPOUT.
# Both snapshots are at or after the early measurement (steps // 2), so the early recall, which the branch copies
# from the constant run's info, is the branch's own.

def _branches(params: Mapping, steps: int) -> list[tuple[dict, int]]:
    """The schedule runs that a run of ``params`` passes through, each with the step it forks at (the first
    step that ``dropout_on`` sees switched off), or []."""
    if params["schedule"] != "constant" or params["dropout"] != SCHEDULE_DROPOUT:
        return []
    return [({**params, "schedule": s}, math.ceil(SCHEDULES[s][1] * steps)) for s in BRANCHED]


def _trainer(spec: dict, tok, rows) -> Trainer:
    """A fresh model of ``spec`` and its trainer on ``rows``, whose evaluation reads the first ``eval_rows`` rows
    only (the rows are in the shuffled order of the training text, so they are a fixed random sample)."""
    return trainer_for(spec, model_for(spec, tok.vocab_size), rows, eval_rows=spec["eval_rows"])


def _continue(spec: dict, snapshot: dict, rows, tok, info: dict) -> Trained:
    """Train the run of ``spec`` from a ``Trainer.snapshot`` (taken at the end of a step) to its end."""
    trainer = _trainer(spec, tok, rows)
    trainer.restore(snapshot)
    if trainer.step % trainer.config.eval_interval == 0:  # the evaluation the first run made after that step
        trainer.evaluate()
    return Trained(trainer.model, trainer.fit(), copy.deepcopy(info))


def mc_scores(eval_correct: Sequence[bool], passes: Sequence[Sequence[str]], answers: Sequence[str]) -> dict:
    """Monte Carlo dropout scores of one probe set: ``passes[i]`` holds the k answers to probe i (k >= 2),
    ``answers[i]`` its right answer, ``eval_correct[i]`` whether the eval-mode answer was right.

    Returns ``mc1`` (recall of the first pass), ``vote`` (recall of the majority answer), ``disagreement`` (per
    probe, the share of passes that differ from the majority answer: 0 = all agree).
    """
    if not (len(eval_correct) == len(passes) == len(answers)):
        raise ValueError("eval_correct, passes, answers: need one entry per probe each")
    mc1 = [p[0] == a for p, a in zip(passes, answers, strict=True)]
    votes = [majority_vote(p) for p in passes]
    disagreement = [1 - Counter(p)[v] / len(p) for p, v in zip(passes, votes, strict=True)]
    return {"mc1": mc1, "vote": [v == a for v, a in zip(votes, answers, strict=True)], "disagreement": disagreement}


def _evaluate(spec: dict, trained: Trained) -> dict:
    world = _world(spec["world"])
    tok = _tokenizer(world)
    model, s = trained.model, spec["sample"]
    items = dict(trained.info.get("early_items", {}))
    metrics = recall_metrics(model, tok, world, items=items)
    metrics.update(trained.info.get("early", {}))
    metrics["final_train_loss"] = trained.history.eval_train_loss[-1]
    mc_names = ("mc1_recall_known", "vote_recall_known", "eval_recall_known", "disagreement_known",
                "disagreement_unseen", "auroc_right_wrong", "auroc_known_unseen")
    metrics.update(dict.fromkeys(mc_names))
    samples = []
    # Monte Carlo dropout on the constant schedule only: the chapter asks it of models that trained with dropout
    # throughout (the other schedules' runs would each add that decoding, which no row reads)
    if spec["model"]["dropout"] > 0 and spec["train"]["dropout_window"] is None:
        # the masks come from a generator of the evaluation's own: the same numbers for a fresh and a stored model
        model.use_generator(torch.Generator(device=model.lm_head.weight.device).manual_seed(s["seed"] + 104_729))
        known = world.cloze + world.recitation + world.extraction
        probes = known + world.unseen
        passes = sample_answers(model, tok, probes, k=s["mc_passes"], temperature=0.0, mc_dropout=True)
        eval_answers = sample_answers(model, tok, probes)
        eval_correct = [e[0] == p.answer for e, p in zip(eval_answers, probes, strict=True)]
        sc = mc_scores(eval_correct, passes, [p.answer for p in probes])
        n, nc = len(known), len(world.cloze)
        nq = len(world.recitation) + len(world.extraction)
        metrics.update({
            "mc1_recall_known": exact_match_recall(sc["mc1"][:n]),
            "vote_recall_known": exact_match_recall(sc["vote"][:n]),
            "eval_recall_known": exact_match_recall(eval_correct[:n]),
            "disagreement_known": sum(sc["disagreement"][:n]) / n,
            "disagreement_unseen": (sum(sc["disagreement"][n:]) / len(world.unseen)) if world.unseen else None,
            "auroc_right_wrong": _finite(auroc(sc["disagreement"][:nc], [not c for c in eval_correct[:nc]])),
            "auroc_known_unseen": _finite(auroc(sc["disagreement"][nc:], [False] * nq + [True] * len(world.unseen))),
        })
        items.update(eval_recall_known=[int(c) for c in eval_correct[:n]],
                     mc1_recall_known=[int(c) for c in sc["mc1"][:n]])
        samples = [f"{p.question}{' | '.join(a)}" for p, a in zip(probes[:: max(1, len(probes) // 4)], passes[
            :: max(1, len(probes) // 4)], strict=True)][:4]
    return {"metrics": metrics, "samples": samples, "items": items}


def _finite(x: float) -> float | None:
    return None if math.isnan(x) else x


dropout_recall = Experiment("dropout_recall", _configure, _train, _evaluate, sample_params=("mc_passes",),
                            check=_check, bounds={"*recall_*": SHARE, "*cloze_L*": SHARE,
                                                  "disagreement_*": SHARE, "auroc_*": SHARE})


# --- what the chapter reports --------------------------------------------------------------------------------

def levels_of(result: Mapping) -> list[int]:
    """The frequency levels of a result's cloze metrics, in increasing order."""
    return sorted(int(k[len("cloze_L"):]) for k in (result.get("metrics") or {}) if k.startswith("cloze_L"))


def bucket_intervals(results: Sequence[Mapping], prefix: str = "") -> tuple[list[int], list[Interval]]:
    """Levels and the per-level cloze recall over seeds (mean with a 95% t interval) of runs of one setting."""
    summary = summarize(results)
    levels = levels_of(results[0])
    return levels, [summary[f"{prefix}cloze_L{c}"] for c in levels]


def recall_numbers(result: Mapping) -> dict[str, str]:
    """The numbers an explorer shows for a ``dropout_recall`` result (or a partial one), as display strings."""
    m = result.get("metrics")
    h = result["history"]
    if not m:
        if not h["step"]:
            return {"step": "0"}
        return {"step": str(h["step"][-1] + 1), "train loss": f"{h['train_loss'][-1]:.2f}"}
    out = {f"recall {s}": f"{m[f'recall_{s}']:.0%}" for s in ("cloze", "recitation", "extraction")}
    out["held-out phrasing"] = f"{m['recall_heldout_phrasing']:.0%}"
    out["never-seen people"] = f"{m['recall_unseen']:.0%}"
    # what dropout did to the fit, also where recall sits at the floor (a short run): nats per character
    out["final train loss"] = f"{m['final_train_loss']:.3f}"
    if m.get("auroc_right_wrong") is not None:
        out["MC disagreement AUROC (right/wrong)"] = f"{m['auroc_right_wrong']:.2f}"
    return out


def plot_recall(result: Mapping, fig: Figure) -> Figure:
    """Recall of the cloze probes against how often the fact is stated, at half the steps and at the end
    (or, for a partial result, the training loss so far)."""
    ax = fig.subplots()
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.19, top=0.88)
    m = result.get("metrics")
    steps = result.get("spec", {}).get("train", {}).get("steps")
    if not m:
        h = result["history"]
        ax.plot([s + 1 for s in h["step"]], h["train_loss"], lw=1)
        ax.set(xlabel="step", ylabel="training loss (nats/char)", xlim=(0, steps), ylim=(0, 3.5),
               title="training...")
        tidy(ax)
        return fig
    levels = levels_of(result)
    early = result["spec"]["early_step"]
    ax.plot(levels, [m[f"early_cloze_L{c}"] for c in levels], "o--", color="0.6", label=f"step {early}")
    ax.plot(levels, [m[f"cloze_L{c}"] for c in levels], "o-", label=f"step {steps}")
    ax.set(xscale="log", xticks=levels, xticklabels=[str(c) for c in levels], ylim=(-0.03, 1.03),
           xlabel="times the fact is stated", ylabel="exact recall (greedy)")
    ax.set_title(f"cloze recall by frequency; recitation {m['recall_recitation']:.0%}, "
                 f"extraction {m['recall_extraction']:.0%}; train loss {m['final_train_loss']:.3f}", fontsize=9)
    ax.legend(loc="upper left", fontsize=8)
    tidy(ax)
    return fig


def plot_buckets(ax, series: Mapping[str, tuple[list[int], list[Interval]]], title: str = ""):
    """Recall against frequency level, one band per setting (``label -> (levels, intervals)``)."""
    for label, (levels, intervals) in series.items():
        plot_band(ax, levels, intervals, label=label)
    levels = next(iter(series.values()))[0]
    ax.set(xscale="log", ylim=(-0.03, 1.03), xlabel="times the fact is stated", ylabel="exact recall")
    ax.set_xticks(levels, [str(c) for c in levels])
    ax.minorticks_off()
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="upper left")
    return ax


RECALL_CONTROLS = {
    "dropout": list(DROPOUTS),
    "schedule": list(SCHEDULES),
    "mc_passes": [4, 8, 16],  # sampling only: re-decodes the stored model
}
# the chapter's rates (its runs at the first evaluation seed, so the static view costs no extra run); the live
# slider has all of DROPOUTS
STUDY_RATES = (0.0, 0.1, 0.3)
RECALL_STATIC_GRID = {"dropout": list(STUDY_RATES)}


def recall_explorer(cache=None, **fixed) -> Explorer:
    """Chapter 5's explorer over :data:`dropout_recall`: sliders for the dropout rate, its schedule and the number
    of MC passes; the plot is cloze recall against frequency. The static view sweeps the chapter's three dropout
    rates (:data:`STUDY_RATES`) on the protocol's evaluation world at its first evaluation seed (the chapter's
    own runs); ``fixed`` overrides those."""
    p = protocol.study("recall")
    fixed = {**p["fixed"], "seed": p["eval_seeds"][0], **fixed}
    return Explorer(
        dropout_recall,
        controls=RECALL_CONTROLS,
        initial={"schedule": "constant", "mc_passes": 8},
        static_grid=RECALL_STATIC_GRID,
        plot=plot_recall,
        numbers=recall_numbers,
        cache=cache,
        fixed=fixed,
        display=Display(
            title="Dropout and recall: what share of the facts the model completes, by how often they were stated",
            labels={"dropout": "dropout", "schedule": "dropout schedule", "mc_passes": "MC dropout passes"}),
    )


# --- the verdict table (chapter 10) ----------------------------------------------------------------------------
# The rows read the protocol's runs (minigpt.protocol, study "recall"): its arms on the evaluation world and
# seeds, every arm scored on the same probes, so each row pairs the arms probe by probe ("shared" items).


def _points(p: Mapping, *arms: str) -> list[dict]:
    """The runs of ``arms`` (names in the protocol ``p``) at its fixed settings, one per evaluation seed; a run
    that two arms name (the "heavy" and the "constant" arm) is listed once."""
    points, keys = [], set()
    for arm in arms:
        for seed in p["eval_seeds"]:
            point = {**p["fixed"], **p["arms"][arm], "seed": seed}
            key = dropout_recall.key(**point)
            if key not in keys:
                keys.add(key)
                points.append(point)
    return points


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read, at the protocol's settings and this scale, as ``(experiment, points)``
    sweeps in order: the constant-schedule runs (no dropout, dropout 0.3) first, then "off late" and "early only",
    which branch off the dropout-0.3 runs (``Trained.derived``: through a cache they only evaluate)."""
    p = protocol.study("recall")
    return [(dropout_recall, _points(p, "none", "heavy", "constant")),
            (dropout_recall, _points(p, *BRANCHED))]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows behind claims (b), (c) and (i) for the verdict table (chapter 10; the row shape is documented in
    :mod:`minigpt.verdicts`), from ``cache`` only (never runs anything), at the protocol's settings and seeds at
    this scale. ``a`` and ``b`` are per-probe scores (1 or 0), one list per seed, on the probes every seed and
    arm shares; None where a run is missing. Claim (i) pairs eval mode with one Monte Carlo dropout pass of the
    same heavy-dropout models, probe by probe, and tests the AUROC of the disagreement (one number per seed)
    against chance (0.5)."""
    p = protocol.study("recall")
    arms = p["arms"]
    heavy_p, sched_p = arms["heavy"]["dropout"], arms["constant"]["dropout"]

    def items(arm: str, measure: str) -> list | None:
        runs = seed_results(cache, dropout_recall, p["eval_seeds"], **p["fixed"], **arms[arm])
        return None if runs is None else [r["items"][measure] for r in runs]

    def numbers(arm: str, metric: str) -> list | None:
        runs = seed_results(cache, dropout_recall, p["eval_seeds"], **p["fixed"], **arms[arm])
        return None if runs is None else [[_nan_if_none(r["metrics"][metric])] for r in runs]

    def row(claim: str, measure: str, text: str, labels, a, b, family: str = "recall", expect: str = "higher",
            **extra) -> dict:
        return {"claim": claim, "kind": "claim", "measure": measure, "text": text, "labels": list(labels),
                "expect": expect, "margin": protocol.margin("recall", family), "test": "paired", "a": a, "b": b,
                **extra}

    dropout = ["dropout 0", f"dropout {heavy_p:g}"]
    rows = [
        row("b", "early_recall_cloze", f"recall of facts, dropout 0 vs {heavy_p:g}, at half the steps", dropout,
            items("none", "early_recall_cloze"), items("heavy", "early_recall_cloze"), items="shared"),
        row("b", "recall_cloze", f"recall of facts, dropout 0 vs {heavy_p:g}, at the end (twice the steps)",
            dropout, items("none", "recall_cloze"), items("heavy", "recall_cloze"), items="shared"),
        row("c", "recall_cloze", f"recall of facts, dropout {sched_p:g} off for the last 25% vs on throughout",
            ["off late", "constant"], items("off_late", "recall_cloze"), items("constant", "recall_cloze"),
            items="shared"),
        row("c", "recall_cloze", f"recall of facts, dropout {sched_p:g} on for the first half only (early "
            "dropout) vs on throughout", ["early only", "constant"], items("early_only", "recall_cloze"),
            items("constant", "recall_cloze"), items="shared"),
        row("c", "recall_cloze", f"recall of facts, dropout {sched_p:g} off for the last 25% vs no dropout at "
            "all: does switching it off late recover all that dropout cost?", ["off late", "none"],
            items("off_late", "recall_cloze"), items("none", "recall_cloze"), items="shared", expect="equal"),
        row("i", "recall_known", f"recall of known facts, dropout {heavy_p:g}: eval mode vs one Monte Carlo "
            "dropout pass (the same models)", ["eval mode", "MC dropout"],
            items("heavy", "eval_recall_known"), items("heavy", "mc1_recall_known"), items="shared"),
    ]
    for metric, what in (("auroc_right_wrong", "wrong from right answers"),
                         ("auroc_known_unseen", "never-seen from known people")):
        rows.append(row("i", metric, f"MC dropout disagreement (dropout {heavy_p:g}) telling {what}: AUROC vs "
                        "chance", ["AUROC", "chance"], numbers("heavy", metric), None, family="auroc",
                        reference=0.5))
    return rows


def _nan_if_none(x) -> float:
    """A metric as a float, NaN for None (an AUROC where every answer was right or every one wrong): the
    verdict leaves that seed out and counts it."""
    return math.nan if x is None else float(x)
