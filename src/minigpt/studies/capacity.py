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
``exposures`` times**: ``steps * batch_size = exposures * n_people`` (:func:`exposures_of`).

**The measurement.** Each value was drawn uniformly from its attribute's set ``S`` (16 cities, 100 years, 16
trades, 12 colours, 12 pets, 10 instruments: 25.14 bits a person). The model's cross-entropy ``CE`` of a value
(its characters and the separator after it, given the name and the values before it in the record) is the code
length it assigns. Summed over facts, ``log2 |S| - CE`` is a lower bound on what the parameters hold
(:func:`minigpt.metrics.knowledge_bits`): ``knowledge_bits`` here. A model that is *confidently wrong* about a
fact pays more than ``log2 |S|`` for it and the bound goes down; clipping each fact's term at zero
(``knowledge_bits_clipped``) counts only the facts where the model beats the uniform code. The clipped sum is
the issue's definition and reads as "bits on the facts it knows"; it is no longer a bound (it ignores what the
wrong facts cost), so the chapter reports both.

**Saturation.** A model can only store what its world holds. Each run's world holds
``world_bits_per_param`` bits per parameter of the model (``n_people`` rounded up to whole batches); a model is
saturated when it stores less than :data:`SATURATED_SHARE` of its world's bits (``stored_share_clipped``: the
clipped bits over the world's), and the chapter checks that doubling the world leaves its bits where they were.

One experiment, ``capacity_bits``: a 1-layer character GPT of width ``n_embd`` trained for ``exposures`` passes
over its world, with ``dropout`` and ``weight_decay`` as the regularization knobs. Its verdict runs and rows, at
the protocol's settings (:func:`minigpt.protocol.study`), are :func:`verdict_runs` and :func:`verdict_measurements`.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import ModelConfig, check_int, check_real
from ..explore import Display, Explorer
from ..metrics import bits_per_parameter, knowledge_bits
from ..model import GPT
from ..plots import COLORS, plot_band, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import canonical_json, fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..stats import SHARE, Interval, mean_interval
from ..timing import timed
from ..tokenizer import CharTokenizer
from ..train import Rows
from ..worlds import facts as facts_module
from ..worlds.facts import ATTRIBUTES, VALUE_SETS, FactsConfig, make_facts

SEPARATOR, TERMINATOR = " ", "\n"
BITS_PER_PERSON = sum(math.log2(len(VALUE_SETS[a])) for a in ATTRIBUTES)  # 25.14 bits: six uniform values
SATURATED_SHARE = 0.5  # a model storing less than this share of its world's bits is limited by itself, not the data
PAPER_BITS = {1000: 2.0, 100: 1.0}  # Allen-Zhu and Li (2024): bits per parameter after that many exposures
LR_WIDTH = 0.5  # default peak learning rate = LR_WIDTH / n_embd (tried by hand on widths 8 to 36, 100 exposures)
# the facts world's name syllables: first-name onsets and endings, surname onsets and endings
_NAME_PARTS = facts_module.NAME_SYLLABLES


def _alphabet() -> str:
    """Every character any record can hold (names from the facts world's syllables, values, separators), so the
    vocabulary, and with it the parameter count, is the same for every world."""
    chars = set("".join("".join(p) for p in _NAME_PARTS))
    chars.update("".join(v for values in VALUE_SETS.values() for v in values))
    chars.update(" :" + TERMINATOR)
    return "".join(sorted(chars))


ALPHABET = _alphabet()


def _longest_record() -> int:
    name = sum(max(len(s) for s in p) for p in _NAME_PARTS) + 1
    return name + 1 + sum(1 + max(len(v) for v in VALUE_SETS[a]) for a in ATTRIBUTES) + 1


BLOCK_SIZE = _longest_record() - 1  # a record's training row is its characters but the last


def tokenizer() -> CharTokenizer:
    """The tokenizer of every capacity run (one id per character of :data:`ALPHABET`, plus the specials)."""
    return CharTokenizer(ALPHABET)


# --- records ---------------------------------------------------------------------------------------------------


def record(entity) -> tuple[str, list[tuple[str, int, int]]]:
    """One person's record line (``Name: v1 v2 ... v6`` and a newline) and, per attribute, ``(attribute, start,
    end)``: the value is ``line[start:end]`` and ``line[end]`` the separator that closes it."""
    line = f"{entity.name}:"
    spans = []
    for a in ATTRIBUTES:
        line += SEPARATOR
        start = len(line)
        line += entity.values[a]
        spans.append((a, start, len(line)))
    return line + TERMINATOR, spans


def records(world) -> tuple[list[str], list[list[tuple[str, int, int]]]]:
    """The record of every known person of ``world`` (a facts world made with all six attributes)."""
    if tuple(world.config.attributes) != ATTRIBUTES:
        raise ValueError(f"world.config.attributes={world.config.attributes} is out of range: allowed all six, "
                         f"{ATTRIBUTES}")
    out = [record(e) for e in world.entities if e.group != "unseen"]
    return [line for line, _ in out], [spans for _, spans in out]


def record_rows(lines: Sequence[str], tok: CharTokenizer) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-character rows ``(X, Y)``, LongTensors of shape (N, T) with T the longest line's length minus one (at
    most :data:`BLOCK_SIZE`): the loss on every character after the first (the newline included), -1 on the
    padding."""
    T = max(len(line) for line in lines) - 1
    X = torch.zeros(len(lines), T, dtype=torch.long)
    Y = torch.full((len(lines), T), -1, dtype=torch.long)
    for i, line in enumerate(lines):
        ids = tok.encode(line)
        n = len(ids) - 1
        X[i, :n] = torch.tensor(ids[:-1])
        Y[i, :n] = torch.tensor(ids[1:])
    return X, Y


@torch.no_grad()
def value_cross_entropy_bits(model, lines: Sequence[str], spans: Sequence[Sequence[tuple[str, int, int]]],
                             tok: CharTokenizer | None = None, batch_size: int = 512) -> list[tuple[str, float]]:
    """The model's cross-entropy in bits of every value of every record (its characters and the separator after
    it, given everything before it in the line), in eval mode: ``[(attribute, bits), ...]``, six per record."""
    tok = tok or tokenizer()
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    out: list[tuple[str, float]] = []
    try:
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            logp = torch.log_softmax(model(X.to(device)).float(), dim=-1)
            bits = -logp.gather(-1, Y.clamp(min=0).to(device).unsqueeze(-1)).squeeze(-1) / math.log(2)  # (N, T)
            cum = torch.nn.functional.pad(bits.cumsum(dim=1), (1, 0)).cpu()  # cum[i, j] = bits of targets < j
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                # target position j predicts character j + 1: the value's characters s..e are targets s-1..e-1
                out += [(a, float(cum[i, e] - cum[i, s - 1])) for a, s, e in line_spans]
        return out
    finally:
        model.train(was_training)


def stored_bits(model, world, tok: CharTokenizer | None = None) -> dict:
    """Knowledge bits of ``model`` on ``world``: ``knowledge_bits`` (the bound, unclipped),
    ``knowledge_bits_clipped`` (each fact's term clipped at 0), ``world_bits``, ``n_facts``, ``recall`` (share of
    values whose every character, separator included, is the model's top choice: what greedy decoding would
    write) and ``bits_<attribute>`` (the unclipped bound per attribute)."""
    tok = tok or tokenizer()
    lines, spans = records(world)
    ce = value_cross_entropy_bits(model, lines, spans, tok)
    sizes = [len(VALUE_SETS[a]) for a, _ in ce]
    bits = [b for _, b in ce]
    out = {"knowledge_bits": knowledge_bits(sizes, bits),
           "knowledge_bits_clipped": knowledge_bits(sizes, bits, clip=True),
           "world_bits": sum(math.log2(s) for s in sizes), "n_facts": len(ce),
           "recall": _recall(model, lines, spans, tok)}
    for a in ATTRIBUTES:
        mine = [(len(VALUE_SETS[a]), b) for name, b in ce if name == a]
        out[f"bits_{a}"] = knowledge_bits([s for s, _ in mine], [b for _, b in mine])
    return out


@timed("score")
@torch.no_grad()
def _recall(model, lines, spans, tok, batch_size: int = 512) -> float:
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    hits = total = 0
    try:
        for start in range(0, len(lines), batch_size):
            X, Y = record_rows(lines[start:start + batch_size], tok)
            ok = (model(X.to(device)).argmax(-1).cpu() == Y)
            for i, line_spans in enumerate(spans[start:start + batch_size]):
                for _, s, e in line_spans:
                    hits += bool(ok[i, s - 1:e].all())
                    total += 1
        return hits / max(1, total)
    finally:
        model.train(was_training)


def exposures_of(steps: int, batch_size: int, n_people: int) -> float:
    """How many times training showed each fact: ``steps * batch_size / n_people`` (every row is one record, which
    states each of its person's facts once; epochs make the count the same for every fact)."""
    check_int("steps", steps, 0)
    check_int("batch_size", batch_size, 1)
    check_int("n_people", n_people, 1)
    return steps * batch_size / n_people


def people_for(n_params: int, world_bits_per_param: float, batch_size: int) -> int:
    """People in a world holding at least ``world_bits_per_param`` bits per parameter of an ``n_params`` model,
    rounded up to a whole number of batches (so each epoch is whole batches: every fact is seen equally often)."""
    check_int("n_params", n_params, 1)
    check_real("world_bits_per_param", world_bits_per_param, 0.0, 1000.0, low_open=True)
    check_int("batch_size", batch_size, 1)
    need = math.ceil(world_bits_per_param * n_params / BITS_PER_PERSON)
    return max(2 * batch_size, batch_size * math.ceil(need / batch_size))


def epochs(rows: Rows, batch_size: int, generator: torch.Generator) -> Iterator[Rows]:
    """Batches of ``rows`` (X, Y) that walk through them in epochs, a fresh permutation from ``generator`` each,
    instead of drawing rows with replacement, so every row is seen equally often (the Trainer's ``batches``).
    The rows are taken whole: records are about equally long, so there is little padding to trim."""
    X, Y = rows
    order = torch.empty(0, dtype=torch.long)
    while True:
        if len(order) < batch_size:  # what is left of this epoch, then the next one
            order = torch.cat([order, torch.randperm(len(X), generator=generator)])
        ix, order = order[:batch_size].to(X.device), order[batch_size:]
        yield X[ix], Y[ix]


# --- the experiment ------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def param_count(model_json: str) -> int:
    """Parameters of the GPT of a spec's ``model`` section (a tied head counted once)."""
    return GPT(ModelConfig(vocab_size=tokenizer().vocab_size, **json.loads(model_json)), seed=0).num_params()


def _configure(exposures: int = 100, n_embd: int = 16, dropout: float = 0.0, weight_decay: float = 0.0,
               world_bits_per_param: float = 1.5, lr: float | None = None, seed: int = 0,
               saturated_share: float = SATURATED_SHARE) -> dict:
    fast_ = fast_mode()
    check_int("n_embd", n_embd, 4, 512)
    check_int("exposures", exposures, 1, 100_000)
    if n_embd % 4:
        raise ValueError(f"n_embd={n_embd} is out of range: allowed a multiple of 4 (2 heads of an even width)")
    batch = 16
    if lr is None:  # Adam's step is per weight: a wider layer sums more of them, so the rate falls with width
        lr = LR_WIDTH / n_embd
    model = {"block_size": BLOCK_SIZE, "n_layer": 1, "n_head": 2, "n_embd": n_embd, "dropout": dropout}
    n_params = param_count(canonical_json(model))
    n_people = (batch * max(2, round(2 * world_bits_per_param / 1.5)) if fast_
                else people_for(n_params, world_bits_per_param, batch))
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
    metrics = {
        **got,
        "n_params": n,
        "bits_per_param": bits_per_parameter(got["knowledge_bits"], n),
        "bits_per_param_clipped": bits_per_parameter(got["knowledge_bits_clipped"], n),
        "stored_share": got["knowledge_bits"] / got["world_bits"],
        "stored_share_clipped": got["knowledge_bits_clipped"] / got["world_bits"],  # in [0, 1]: read to the ceiling
        "saturated": float(got["knowledge_bits_clipped"] < spec["sample"]["saturated_share"] * got["world_bits"]),
        "exposures": spec["exposures"],
        "n_people": spec["world"]["n_people"],
        "final_train_loss": trained.history.eval_train_loss[-1],
    }
    lines, _ = records(world)
    return {"metrics": metrics, "samples": lines[:3]}


capacity_bits = Experiment("capacity_bits", _configure, _train, _evaluate, sample_params=("saturated_share",),
                           check=_check, bounds={"stored_share_clipped": SHARE})


# --- summaries ---------------------------------------------------------------------------------------------------


def bits_per_param_by_seed(results: Sequence[Mapping], metric: str = "knowledge_bits",
                            saturated_only: bool = True) -> dict[int, float]:
    """``{seed: bits per parameter}`` of a set of runs (several sizes, several seeds): per seed, the total
    ``metric`` of its (saturated) runs over their total parameters; NaN for a seed without a saturated run."""
    by_seed: dict[int, list[Mapping]] = {r["params"]["seed"]: [] for r in results}
    for r in results:
        if not saturated_only or r["metrics"]["saturated"]:
            by_seed[r["params"]["seed"]].append(r)
    return {s: sum(r["metrics"][metric] for r in rs) / sum(r["metrics"]["n_params"] for r in rs) if rs else math.nan
            for s, rs in by_seed.items()}


def pooled_bits_per_param(results: Sequence[Mapping], metric: str = "knowledge_bits",
                          saturated_only: bool = True) -> Interval | None:
    """The mean over seeds of :func:`bits_per_param_by_seed` with a 95% t interval, leaving out the seeds
    without a saturated run. None when no seed has one."""
    ratios = [x for x in bits_per_param_by_seed(results, metric, saturated_only).values() if not math.isnan(x)]
    return mean_interval(ratios) if ratios else None


def by_size(results: Sequence[Mapping], metric: str = "knowledge_bits") -> tuple[list[int], list[Interval]]:
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
    right, the share of each attribute's bits it stores (unclipped bound and clipped)."""
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
        for key, marker, label in (("knowledge_bits", "o", "bound"), ("knowledge_bits_clipped", "^", "clipped")):
            ax.plot([n], [max(m[key], n / 100)], marker=marker, color=COLORS.get("val", "C1"), linestyle="none",
                    label=label)
        shares = [m[f"bits_{a}"] / (m["n_people"] * math.log2(len(VALUE_SETS[a]))) for a in ATTRIBUTES]
        ax2.barh(range(len(ATTRIBUTES)), shares, color=COLORS.get("train", "C0"))
        ax2.set_yticks(range(len(ATTRIBUTES)), [a.replace("_", " ") for a in ATTRIBUTES])
        ax2.axvline(0, color="black", linewidth=0.6)
        ax2.set(xlim=(min(-0.2, min(shares) - 0.05), 1.0), xlabel="share of the attribute's bits stored")
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
            "stored (bound)": f"{m['knowledge_bits']:,.0f} bits", "bits / parameter": f"{m['bits_per_param']:.3f}",
            "clipped": f"{m['bits_per_param_clipped']:.3f} bits / parameter", "values recalled": f"{m['recall']:.0%}"}


def explorer(sizes: Sequence[int], exposures: Sequence[int], cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 9's explorer over :data:`capacity_bits`: model width, exposures and dropout as sliders; the plot is
    the run's bits among the 1 and 2 bits/parameter lines and its share of each attribute's bits. The static view
    steps through width and exposures at dropout 0 (at the seed ``fixed`` sets, else 0)."""
    return Explorer(
        capacity_bits,
        controls={"n_embd": list(sizes), "exposures": list(exposures), "dropout": [0.0, 0.2]},
        initial={"n_embd": sizes[-1], "exposures": exposures[-1]},
        static_grid={"n_embd": list(sizes), "exposures": list(exposures)},
        plot=plot_result, numbers=numbers, cache=cache, fixed=fixed,
        display=Display(title="Knowledge bits of one model",
                        labels={"n_embd": "model width", "exposures": "exposures per fact"}),
    )


# --- the book scale grid and the verdicts ---------------------------------------------------------------------


def grid(fast_: bool | None = None) -> dict:
    """The chapter's grid: ``sizes`` (widths), ``exposures`` (low, high), the protocol's ``seeds``, ``arms`` and
    ``fixed``, the size of the regularizer runs (``reg_size``), and the saturation check's size and world."""
    fast_ = fast_mode() if fast_ is None else fast_
    p = protocol.study("capacity", fast=fast_)
    common = {"seeds": p["eval_seeds"], "arms": p["arms"], "fixed": p["fixed"], "check_world": 3.0}
    if fast_:
        return {"sizes": [8, 12], "exposures": [2, 4], "reg_size": 8, "check_size": 8, **common}
    # the check runs width 16: a width-8 model stores nothing, so a bigger world could not show it was saturated
    return {"sizes": [8, 16, 24, 36], "exposures": [10, 100], "reg_size": 16, "check_size": 16, **common}


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read (protocol settings and seeds, this scale), one sweep, largest model first:
    every size at the high exposure count, then the regularizer arms at ``reg_size``."""
    g = grid()
    high = g["exposures"][-1]
    sizes = [{**g["fixed"], "n_embd": d, "exposures": high} for d in sorted(g["sizes"], reverse=True)]
    arms = [{**g["fixed"], "n_embd": g["reg_size"], "exposures": high, **arm} for arm in g["arms"].values()]
    points = {capacity_bits.key(**q, seed=s): dict(q, seed=s) for q in sizes + arms for s in g["seeds"]}
    return [(capacity_bits, list(points.values()))]  # one key once: the "none" arm is a size's run


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """Chapter 9's rows of the verdict table (shape: :mod:`minigpt.verdicts`), from ``cache`` only, at the
    protocol's settings and seeds at this scale: one number per seed, each seed its own world (items "nested"),
    None where a run is missing. capacity: per seed, the bits per parameter (the bound) pooled over its saturated
    models at the high exposure count (NaN without one: left out, counted) against the paper's number at the
    nearest count (1 after 100), equal within the margin. b: the share of the world's bits stored (clipped bits
    over the world's, in [0, 1]) with dropout and with weight decay against none, expected lower."""
    g = grid()
    high, seeds, arms = g["exposures"][-1], g["seeds"], g["arms"]
    found = [seed_results(cache, capacity_bits, seeds, **g["fixed"], n_embd=d, exposures=high) for d in g["sizes"]]
    a = None
    if all(f is not None for f in found):
        per_seed = bits_per_param_by_seed([r for f in found for r in f], "knowledge_bits")
        a = [[per_seed[s]] for s in seeds]
    # the paper's number at the exposure count nearest to this build's (100 exposures: about 1 bit/parameter)
    paper_exposures = min(PAPER_BITS, key=lambda e: abs(math.log(e / high)))
    ref = PAPER_BITS[paper_exposures]
    reg = {arm: seed_results(cache, capacity_bits, seeds, **g["fixed"], n_embd=g["reg_size"], exposures=high,
                             **params) for arm, params in arms.items()}
    share = {arm: rs and [[r["metrics"]["stored_share_clipped"]] for r in rs] for arm, rs in reg.items()}
    return [{"claim": "capacity", "kind": "claim", "measure": "bits_per_param",
             "text": f"knowledge bits per parameter (the bound) of the saturated models after {high} exposures, "
                     f"vs the paper's {ref:g} after {paper_exposures}",
             "labels": [f"this build, {high} exposures", f"Allen-Zhu and Li, {paper_exposures}"],
             "expect": "equal", "margin": protocol.margin("capacity", "bits_per_param"), "test": "paired",
             "a": a, "b": None, "reference": ref, "items": "nested"}] + [
            {"claim": "b", "kind": "claim", "measure": "stored_share_clipped",
             "text": f"share of the world's bits stored (clipped per fact; width {g['reg_size']}, {high} exposures): "
                     f"{label} vs none", "labels": [label, "none"], "expect": "lower",
             "margin": protocol.margin("capacity", "stored_share_clipped"), "test": "paired",
             "a": share[label], "b": share["none"], "items": "nested"} for label in arms if label != "none"]
