"""Study: how much can a small model know? Knowledge bits per parameter (chapter 9).

Allen-Zhu and Li (Physics of Language Models, Part 3.3, 2024) train GPT-2 models on synthetic biographies of N
made-up people and find that, once a model has seen each person about 1000 times, it stores about **2 bits of
knowledge per parameter** (about 1 bit after 100 exposures), whatever its size. This module repeats the
measurement at toy scale, on the facts world of chapter 2.

**The data.** The people and their values are the facts world's (:func:`~minigpt.worlds.facts.make_facts`, all six
attributes, no Q/A lines, no unseen people). Each person is written as one compact *record*, a line holding every
value in a fixed order (as in the paper's compact ``bioD`` data)::

    Ilvo Marren: Tessaly 1934 potter red cat flute

so one pass over a line is one exposure of each of its six facts, and training on records rather than the
world's biography sentences (about 45 characters per fact) costs a third of the characters per exposure.
Training walks through the records in epochs (a fresh shuffle each epoch), so **every fact is seen exactly
``exposures`` times**: ``steps * batch_size = exposures * n_people``. The records, the epochs and the bits are
:mod:`minigpt.studies.capacity_world`.

**The measurement.** Each value was drawn uniformly from its attribute's set ``S`` (16 cities, 100 years, 16
trades, 12 colours, 12 pets, 10 instruments: 25.14 bits a person). The model's cross-entropy ``CE`` of a value
(its characters and the separator after it, given the name and the values before it in the record) is the code
length it assigns. Summed over facts, ``log2 |S| - CE`` is a lower bound on what the parameters hold
(:func:`minigpt.metrics.knowledge_bits`). Under the model's own character code (``knowledge_bits``) a toy model
also pays for the format it has not learned (probability on characters no value of ``S`` has, or on another
attribute's values), and the bound sinks below zero before any fact counts. So the measure renormalizes the
model's probabilities over ``S`` (every candidate value scored: ``knowledge_bits_set``, from
:func:`~minigpt.studies.capacity_world.value_set_cross_entropy_bits`): the sets are the world's public schema, so
that is still a code a decoder can use, and the bound counts what the model knows about people. It still goes
below zero when the model is confidently wrong, and a model stores at least nothing, so the measure is that bound
floored at 0 (``bits_stored``). It never exceeds what the world holds (``world_bits``, its **ceiling**: CE is
never negative), so every run reports ``stored_share``, the bits over the ceiling, in [0, 1], and
``bits_per_param`` against ``ceiling_per_param``. Parameters are all of the model's (embeddings and norms
included, the tied head once). The character-code bound is kept beside it, and so is that bound with each
fact's term clipped at zero (``knowledge_bits_clipped``: only the facts the model beats the uniform code on; no
longer a bound).

**The world's size.** Each run's world holds ``world_bits_per_param`` (default 4) bits per parameter of its
model (``n_people`` rounded up to whole batches), twice the paper's 2, so the ceiling never caps the
measurement at the claim's number; a run is flagged ``saturated`` (limited by itself, not by the world) when it
stores less than :data:`SATURATED_SHARE` of the ceiling.

One experiment, ``capacity_bits``: a 1-layer character GPT of width ``n_embd`` trained for ``exposures`` passes
over its world, with ``dropout`` and ``weight_decay`` as the regularization knobs. Its verdict runs and rows, at
the protocol's settings (:func:`minigpt.protocol.study`), are :func:`verdict_runs` and :func:`verdict_measurements`.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence

from matplotlib.figure import Figure

from .. import protocol
from ..config import ModelConfig, check_int, check_real
from ..explore import Display, Explorer
from ..model import GPT
from ..plots import COLORS, plot_band, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import canonical_json, fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..stats import SHARE, Interval, mean_interval
from ..worlds.facts import ATTRIBUTES, VALUE_SETS, FactsConfig, make_facts
from .capacity_world import BLOCK_SIZE, epochs, exposures_of, people_for, record_rows, records, stored_bits, tokenizer

SATURATED_SHARE = 0.5  # a model storing less than this share of its world's bits is limited by itself, not the data
PAPER_BITS = {1000: 2.0, 100: 1.0}  # Allen-Zhu and Li (2024): bits per parameter after that many exposures
WORLD_BITS_PER_PARAM = 4.0  # each run's world: at least twice the 2 bits/parameter the paper's models reach
BATCH = 64  # records a step: a tiny model's step is mostly overhead, so 64 rows cost about twice 16 (measured)
LR_WIDTH = 0.25  # default peak learning rate = LR_WIDTH / n_embd (chosen by benchmarks/tuning/capacity_lr.py)


# --- the experiment ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def param_count(model_json: str) -> int:
    """Parameters of the GPT of a spec's ``model`` section (a tied head counted once)."""
    return GPT(ModelConfig(vocab_size=tokenizer().vocab_size, **json.loads(model_json)), seed=0).num_params()


def _configure(exposures: int = 100, n_embd: int = 16, dropout: float = 0.0, weight_decay: float = 0.0,
               world_bits_per_param: float = WORLD_BITS_PER_PARAM, lr: float | None = None, seed: int = 0,
               saturated_share: float = SATURATED_SHARE) -> dict:
    fast_ = fast_mode()
    check_int("n_embd", n_embd, 4, 512)
    check_int("exposures", exposures, 1, 100_000)
    if n_embd % 4:
        raise ValueError(f"n_embd={n_embd} is out of range: allowed a multiple of 4 (2 heads of an even width)")
    batch = BATCH
    if lr is None:  # Adam's step is per weight: a wider layer sums more of them, so the rate falls with width
        lr = LR_WIDTH / n_embd
    model = {"block_size": BLOCK_SIZE, "n_layer": 1, "n_head": 2, "n_embd": n_embd, "dropout": dropout}
    n_params = param_count(canonical_json(model))
    n_people = 2 * batch if fast_ else people_for(n_params, world_bits_per_param, batch)
    steps = exposures * n_people // batch
    return {
        "torch_threads": 1,
        # each seed is another world (people and values) and another initialization
        "world": {"n_people": n_people, "attributes": list(ATTRIBUTES), "mention_levels": [1], "qa_fraction": 0.0,
                  "n_unseen": 0, "seed": seed},
        "model": model,
        "train": {"steps": steps, "batch_size": batch, "lr": lr, "warmup_steps": max(1, steps // 10),
                  "min_lr_ratio": 0.1, "weight_decay": weight_decay, "eval_interval": steps, "seed": seed},
        "n_params": n_params,
        "exposures": exposures_of(steps, batch, n_people),
        "sample": {"saturated_share": saturated_share},
    }


def _check(spec: dict) -> None:
    check_real("saturated_share", spec["sample"]["saturated_share"], 0.0, 1.0, low_open=True)
    FactsConfig(**spec["world"])
    check_model_and_training(spec)


_world = cached_world(lambda config: make_facts(FactsConfig(**config)))  # made once per process


def _train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 1-layer character GPT on the records of a facts world, every fact seen exactly ``exposures`` times
    (see the module docstring).

    Parameters: ``n_embd`` (the model's size), ``exposures``, ``dropout`` (every site), ``weight_decay`` (AdamW,
    matrices only), ``world_bits_per_param`` (the world's size relative to the model's), ``lr`` (peak, default
    ``0.5 / n_embd``; warmup over the first tenth, cosine to a tenth), ``seed`` (world and initialization).
    """
    world = _world(spec["world"])
    tok = tokenizer()
    lines, _ = records(world)
    X, Y = record_rows(lines, tok)
    model = model_for(spec, tok.vocab_size)
    trainer = trainer_for(spec, model, (X, Y), batches=epochs)
    return Trained(model, train_with_events(trainer, on_eval, stop), {"n_people": len(lines)})


def _evaluate(spec: dict, trained: Trained) -> dict:
    world = _world(spec["world"])
    got = stored_bits(trained.model, world)
    n = trained.model.num_params()
    stored = max(0.0, got["knowledge_bits_set"])  # a model stores at least nothing: the bound, floored at 0
    metrics = {
        **got,
        "n_params": n,
        "bits_stored": stored,  # in [0, world_bits]: the ceiling is what the world holds
        "bits_per_param": stored / n,
        "ceiling_per_param": got["world_bits"] / n,
        "stored_share": stored / got["world_bits"],  # in [0, 1]: bits_stored over its ceiling
        "bits_per_param_clipped": got["knowledge_bits_clipped"] / n,
        "stored_share_clipped": got["knowledge_bits_clipped"] / got["world_bits"],
        "saturated": float(stored < spec["sample"]["saturated_share"] * got["world_bits"]),
        "exposures": spec["exposures"],
        "n_people": spec["world"]["n_people"],
        "final_train_loss": trained.history.eval_train_loss[-1],
    }
    lines, _ = records(world)
    return {"metrics": metrics, "samples": lines[:3]}


capacity_bits = Experiment("capacity_bits", _configure, _train, _evaluate, sample_params=("saturated_share",),
                           check=_check, bounds={"stored_share": SHARE, "stored_share_clipped": SHARE})


# --- summaries ---------------------------------------------------------------------------------------------------


def bits_per_param_by_seed(results: Sequence[Mapping], metric: str = "bits_stored") -> dict[int, float]:
    """``{seed: bits per parameter}`` of a set of runs (several sizes, several seeds): per seed, the total
    ``metric`` of its runs over their total parameters (every run: none is left out)."""
    by_seed: dict[int, list[Mapping]] = {}
    for r in results:
        by_seed.setdefault(r["params"]["seed"], []).append(r)
    return {s: sum(r["metrics"][metric] for r in rs) / sum(r["metrics"]["n_params"] for r in rs)
            for s, rs in by_seed.items()}


def pooled_bits_per_param(results: Sequence[Mapping], metric: str = "bits_stored") -> Interval | None:
    """The mean over seeds of :func:`bits_per_param_by_seed` with a 95% t interval; None without runs."""
    ratios = list(bits_per_param_by_seed(results, metric).values())
    return mean_interval(ratios) if ratios else None


def by_size(results: Sequence[Mapping], metric: str = "bits_stored") -> tuple[list[int], list[Interval]]:
    """Per model size (sorted by parameters): the parameter count and ``metric`` over the seeds."""
    groups: dict[int, list[Mapping]] = {}
    for r in results:
        groups.setdefault(r["metrics"]["n_params"], []).append(r)
    sizes = sorted(groups)
    return sizes, [summarize(groups[p])[metric] for p in sizes]


def plot_bits_vs_params(ax, series: Mapping[str, tuple[Sequence[int], Sequence[Interval]]],
                        world_bits: Sequence[tuple[int, float]] | None = None, colors: Sequence[str] | None = None):
    """Bits against parameters on log-log axes: one band per series (label -> (params, intervals)), the lines of
    1 and 2 bits per parameter, and (dashed grey) what each world holds. Values at or below zero sit on the
    lower edge (a log axis has no zero) and are marked as such in the legend text by the caller."""
    all_p = [p for ps, _ in series.values() for p in ps] or [1000, 100_000]
    lo, hi = min(all_p) / 1.5, max(all_p) * 1.5
    ax.plot([lo, hi], [2 * lo, 2 * hi], color="black", linewidth=1.0, label="2 bits / parameter")
    ax.plot([lo, hi], [lo, hi], color="black", linewidth=1.0, linestyle="--", label="1 bit / parameter")
    if world_bits:
        ws = sorted(world_bits)
        ax.plot([p for p, _ in ws], [b for _, b in ws], color="grey", linestyle=":", marker=".",
                label="bits the world holds")
    floor = lo / 100
    palette = list(colors or [COLORS.get("train", "C0"), COLORS.get("val", "C1"), "C2", "C3", "C4"])
    for (label, (ps, ivs)), color in zip(series.items(), palette * 3, strict=False):
        clipped = [Interval(max(i.estimate, floor), max(i.low, floor), max(i.high, floor), i.n, i.level, i.method,
                            i.successes) for i in ivs]
        plot_band(ax, list(ps), clipped, label=label, color=color)
    ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(floor, 3 * hi), xlabel="parameters",
           ylabel="knowledge bits stored")
    tidy(ax)
    return ax


def plot_result(result: Mapping, fig: Figure) -> Figure:
    """One run, for the explorer: left, its bits against its parameters among the 1 and 2 bits/parameter lines;
    right, the share of each attribute's bits it stores (the bound per attribute, floored at 0)."""
    ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.2, top=0.86, wspace=0.35)
    m = result.get("metrics")
    n = (m or {}).get("n_params") or result.get("n_params") or 5000
    xs = [n / 4, n * 4]
    ax.plot(xs, [2 * x for x in xs], color="black", linewidth=1.0, label="2 bits/param")
    ax.plot(xs, xs, color="black", linewidth=1.0, linestyle="--", label="1 bit/param")
    ax.set(xscale="log", yscale="log", xlim=xs, ylim=(n / 100, 8 * n), xlabel="parameters", ylabel="bits")
    if m:
        ax.axhline(m["world_bits"], color="grey", linestyle=":", label="world holds")
        for key, marker, label in (("bits_stored", "o", "stored"), ("knowledge_bits_clipped", "^", "clipped")):
            ax.plot([n], [max(m[key], n / 100)], marker=marker, color=COLORS.get("val", "C1"), linestyle="none",
                    label=label)
        shares = [max(0.0, m[f"bits_{a}"]) / (m["n_people"] * math.log2(len(VALUE_SETS[a]))) for a in ATTRIBUTES]
        ax2.barh(range(len(ATTRIBUTES)), shares, color=COLORS.get("train", "C0"))
        ax2.set_yticks(range(len(ATTRIBUTES)), [a.replace("_", " ") for a in ATTRIBUTES])
        ax2.set(xlim=(0.0, 1.0), xlabel="share of the attribute's bits stored (its ceiling: 1)")
    else:
        ax2.text(0.5, 0.5, "training...", ha="center", va="center", transform=ax2.transAxes)
        ax2.set_axis_off()
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    tidy(ax)
    p = result.get("params", {})
    fig.suptitle(f"width {p.get('n_embd')}, {p.get('exposures')} exposures, dropout {p.get('dropout', 0):g}",
                 fontsize=9)
    return fig


def numbers(result: Mapping) -> dict[str, str]:
    """The numbers the explorer shows, as display strings."""
    m = result.get("metrics")
    if not m:
        return {"step": str(((result.get("history") or {}).get("step") or [0])[-1])}
    return {"parameters": f"{m['n_params']:,}", "people": f"{m['n_people']:,}",
            "exposures per fact": f"{m['exposures']:g}", "world holds": f"{m['world_bits']:,.0f} bits",
            "stored": f"{m['bits_stored']:,.0f} bits, {m['stored_share']:.1%} of the ceiling",
            "bits / parameter": f"{m['bits_per_param']:.3f} of at most {m['ceiling_per_param']:.2f}",
            "clipped per fact": f"{m['bits_per_param_clipped']:.3f} bits / parameter",
            "values recalled": f"{m['recall']:.0%} (ranked first of their set: {m['recall_set']:.0%})"}


def explorer(sizes: Sequence[int], exposures: Sequence[int], cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 9's explorer over :data:`capacity_bits`: model width, exposures and dropout as sliders; the plot is
    the run's bits among the 1 and 2 bits/parameter lines and its share of each attribute's bits. The static view
    steps through the exposure counts at the largest width without dropout (at the seed ``fixed`` sets, else 0):
    the runs the verdict rows read; dropout is live only."""
    return Explorer(
        capacity_bits,
        controls={"n_embd": list(sizes), "exposures": list(exposures), "dropout": [0.0, 0.2]},
        initial={"n_embd": sizes[-1], "exposures": exposures[-1]},
        static_grid={"exposures": list(exposures)},
        plot=plot_result, numbers=numbers, cache=cache, fixed=fixed,
        display=Display(title="Knowledge bits of one model",
                        labels={"n_embd": "model width", "exposures": "exposures per fact"}),
    )


# --- the book scale grid and the verdicts ---------------------------------------------------------------------


def grid(fast_: bool | None = None) -> dict:
    """The chapter's grid: ``sizes`` (widths), ``exposures`` (low, high: the paper's 100 and 1000 at book scale),
    the protocol's ``seeds``, ``arms`` and ``fixed``, and the width and exposure count of the regularizer runs
    (``reg_size``, ``reg_exposures``)."""
    fast_ = fast_mode() if fast_ is None else fast_
    p = protocol.study("capacity", fast=fast_)
    common = {"seeds": p["eval_seeds"], "arms": p["arms"], "fixed": p["fixed"]}
    if fast_:
        return {"sizes": [8, 12], "exposures": [2, 4], "reg_size": 8, "reg_exposures": 2, **common}
    # one width: a 1000-exposure run of a world of 4 bits per parameter costs about 110 CPU-s at width 12, so the
    # regularizer is compared at the low count (a tenth of that)
    return {"sizes": [12], "exposures": [100, 1000], "reg_size": 12, "reg_exposures": 100, **common}


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read (protocol settings and seeds, this scale), one sweep, the longest first:
    every size at the high exposure count, the regularizer arms at ``reg_size`` and ``reg_exposures``, every size
    at the low count."""
    g = grid()
    low, high = g["exposures"]
    sizes = [{**g["fixed"], "n_embd": d, "exposures": high} for d in sorted(g["sizes"], reverse=True)]
    arms = [{**g["fixed"], "n_embd": g["reg_size"], "exposures": g["reg_exposures"], **arm}
            for arm in g["arms"].values()]
    lows = [{**g["fixed"], "n_embd": d, "exposures": low} for d in sorted(g["sizes"], reverse=True)]
    points = {capacity_bits.key(**q, seed=s): dict(q, seed=s) for q in sizes + arms + lows for s in g["seeds"]}
    return [(capacity_bits, list(points.values()))]  # one key once: the "none" arm is a size's run


def _per_seed(cache: ResultCache, g: Mapping, exposures: int) -> list[list[float]] | None:
    """Per seed, [bits per parameter] pooled over the grid's sizes at ``exposures``; None if a run is missing."""
    found = [seed_results(cache, capacity_bits, g["seeds"], **g["fixed"], n_embd=d, exposures=exposures)
             for d in g["sizes"]]
    if any(f is None for f in found):
        return None
    per_seed = bits_per_param_by_seed([r for f in found for r in f])
    return [[per_seed[s]] for s in g["seeds"]]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """Chapter 9's rows of the verdict table (shape: :mod:`minigpt.verdicts`), from ``cache`` only, at the
    protocol's settings and seeds at this scale: one number per seed, each seed its own world (items "nested"),
    None where a run is missing. Every measure lies between 0 and its ceiling, what the world holds.

    capacity: per seed, the bits per parameter (the bound floored at 0, pooled over the sizes) after the high
    exposure count against the paper's 2 after 1000, equal within the margin; the same after the low count against
    the paper's 1 after 100; and the low count against the high one,
    expected lower. b: the share of the ceiling stored (bits over the world's, in [0, 1]) with each regularizer
    against none, at ``reg_size`` and ``reg_exposures``: a sanity row (a floor check), expected equal. On tuning
    seed 0 the no-regularizer run at width 12 and 100 exposures stores nothing (its bound: -1,002 bits), and a
    share cannot go below 0, so "lower" could not hold there; the row checks that both arms stay at the floor and
    never counts for b (chapters 5 and 6 test b where recall is off the floor)."""
    g = grid()
    (low, high), seeds, arms = g["exposures"], g["seeds"], g["arms"]
    per = {e: _per_seed(cache, g, e) for e in (low, high)}
    margin = protocol.margin("capacity", "bits_per_param")
    sizes = ", ".join(map(str, g["sizes"]))
    widths = f"widths {sizes} pooled" if len(g["sizes"]) > 1 else f"width {sizes}"
    rows = []
    for e, paper in ((high, max(PAPER_BITS)), (low, min(PAPER_BITS))):  # the paper's 1000 and 100 (fast: less)
        rows.append({"claim": "capacity", "kind": "claim", "measure": "bits_per_param",
                     "text": f"knowledge bits per parameter after {e} exposures (the bound floored at 0, {widths}) "
                             f"vs the paper's {PAPER_BITS[paper]:g} after {paper}",
                     "labels": [f"this build, {e} exposures", f"Allen-Zhu and Li, {paper}"], "expect": "equal",
                     "margin": margin, "test": "paired", "a": per[e], "b": None, "reference": PAPER_BITS[paper],
                     "items": "nested"})
    rows.append({"claim": "capacity", "kind": "claim", "measure": "bits_per_param",
                 "text": f"knowledge bits per parameter after {low} vs {high} exposures (same worlds and sizes)",
                 "labels": [f"{low} exposures", f"{high} exposures"], "expect": "lower", "margin": margin,
                 "test": "paired", "a": per[low], "b": per[high], "items": "nested"})
    reg = {arm: seed_results(cache, capacity_bits, seeds, **g["fixed"], n_embd=g["reg_size"],
                             exposures=g["reg_exposures"], **params) for arm, params in arms.items()}
    share = {arm: rs and [[r["metrics"]["stored_share"]] for r in rs] for arm, rs in reg.items()}
    return rows + [
        {"claim": "b", "kind": "sanity", "measure": "stored_share",
         "text": f"share of the ceiling (the world's bits) stored, width {g['reg_size']}, {g['reg_exposures']} "
                 f"exposures: {label} vs none (a floor check: at this size and count neither arm stores any)",
         "labels": [label, "none"], "expect": "equal", "bounds": [0, 1],
         "margin": protocol.margin("capacity", "stored_share"), "test": "paired",
         "a": share[label], "b": share["none"], "items": "nested"} for label in arms if label != "none"]
