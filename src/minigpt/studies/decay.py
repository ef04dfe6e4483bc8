"""Study: weight decay, forgetting facts, the final layers and the schedule (chapter 6, with
:mod:`minigpt.studies.grokking`). Its facts experiment, numbers and verdict rows; the parameter-group helpers.

``decay_recall``: a 2-layer character GPT with an *untied* output head trains on the facts world's text
(every fact stated 1 to 128 times) with decoupled weight decay on every matrix, embeddings included, at a constant
or a warmup + cosine learning rate. ``spared`` chooses the layers weight decay spares: none, the final layers (the
last block and the head) or, as the equal-size control, the first layers (the token embedding and the first block,
the same shapes). With ``forget`` the lines about a quarter of the people stop appearing halfway through training,
and the recall of their facts is recorded as training goes on, against the timescale ``1 / (lr * weight_decay)``.

A result also holds the per-probe scores behind its recall shares (``items``), which the verdict rows pair
(:func:`verdict_runs`, :func:`verdict_measurements`).
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Callable, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import check_one_of, check_temperature
from ..explore import Display, Explorer
from ..metrics import exact_match_recall, recall_by_frequency
from ..plots import COLORS, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..stats import SHARE, Interval
from ..tokenizer import CharTokenizer
from ..train import Trainer, param_groups
from ..worlds.facts import FactsConfig, make_facts, recall
from ..worlds.qa import encode_rows

# --- parameter groups ---------------------------------------------------------------------------------------


def group_table(model: torch.nn.Module, **decay_options) -> list[dict]:
    """Which parameter lands in which AdamW group under :func:`minigpt.param_groups` (``decay_options``: its
    ``decay_embeddings``, ``decay_final_layers`` and ``decay_first_layers``, e.g. :func:`decay_switches`): one
    row per named parameter with ``name``, ``shape``,
    ``numel`` and ``decays`` (bool)."""
    groups = param_groups(model, 1.0, **decay_options)
    decayed = {id(p) for p in groups[0]["params"]}
    seen, rows = set(), []
    for name, p in model.named_parameters():  # a tied tensor is listed under its first name only
        if id(p) in seen:
            continue
        seen.add(id(p))
        rows.append({"name": name, "shape": tuple(p.shape), "numel": p.numel(), "decays": id(p) in decayed})
    return rows


def decayed_norm(model: torch.nn.Module, **decay_options) -> float:
    """L2 norm of the parameters in the decayed group (what weight decay shrinks)."""
    params = param_groups(model, 1.0, **decay_options)[0]["params"]
    with torch.no_grad():
        return float(torch.linalg.vector_norm(torch.stack([p.norm() for p in params]))) if params else 0.0


class Live:
    """What ``on_eval`` receives while a run trains: the history plus the curves measured so far."""

    def __init__(self, history, curves: dict):
        self.history, self.curves = history, curves

    @property
    def step(self) -> list[int]:
        """The steps trained so far, as the history's (what an explorer's status line counts)."""
        return self.history.step

    def to_dict(self) -> dict:
        return {**self.history.to_dict(), "curves": {k: list(v) for k, v in self.curves.items()}}


# --- facts: recall, forgetting, final layers, schedules -------------------------------------------------------

LR_SCHEDULES = ("constant", "cosine")
SPARED = ("none", "final", "first")  # the layers weight decay spares in a facts run
BOOK_STEPS, BOOK_WIDTH, BOOK_PEOPLE = 300, 32, 24  # the facts runs' size at book scale (tuning/decay_budget.py)


def decay_switches(spared: str) -> dict[str, bool]:
    """The :func:`minigpt.param_groups` switches of ``spared`` ("none", "final" or "first"): every matrix decays,
    embeddings included, except the final layers (the last block and the head) or the first layers (the token
    embedding and the first block: with an untied head the same shapes, so the same number of parameters)."""
    check_one_of("spared", spared, SPARED)
    return {"decay_embeddings": True, "decay_final_layers": spared != "final", "decay_first_layers": spared != "first"}


def _recall_configure(weight_decay: float = 0.1, lr: float = 6e-3, schedule: str = "constant",
                      spared: str = "none", forget: bool = False, steps: int | None = None,
                      width: int | None = None, seed: int = 0, world_seed: int = 0, n_people: int | None = None,
                      temperature: float = 0.0) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 24 if fast else BOOK_STEPS
    if n_people is None:
        n_people = 8 if fast else BOOK_PEOPLE  # 4 facts each: 12 at each of the 8 levels
    world = {"n_people": n_people, "n_unseen": 4 if fast else 32, "seed": world_seed}
    if fast:
        world["mention_levels"] = [1, 4, 16, 64]
    warmup = min(50, steps // 10)
    return {
        "torch_threads": 1,
        "world": world,
        # untied head: the head and the token embedding are two matrices of the same shape, which the final and
        # the first layers' sparing treat alike
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": width or (32 if fast else BOOK_WIDTH),
                  "tie_weights": False},
        "train": {"steps": steps, "batch_size": 32, "lr": lr, "warmup_steps": warmup,
                  "min_lr_ratio": 1.0 if schedule == "constant" else 0.1, "weight_decay": weight_decay,
                  **decay_switches(spared), "eval_interval": steps, "eval_batches": 1, "seed": seed},
        "schedule": schedule,
        "forget_at": steps // 2 if forget else None,  # from this step on, the forgotten people's lines are gone
        "forget_share": 0.25,
        "probe_every": max(1, steps // (4 if fast else 16)),  # after the removal, the forgotten facts' probes
        "eval_rows": 128 if fast else 512,
        "sample": {"temperature": temperature, "seed": seed},
    }


def _recall_check(spec: dict) -> None:
    check_one_of("schedule", spec["schedule"], LR_SCHEDULES)
    FactsConfig(**spec["world"])
    check_model_and_training(spec)
    check_temperature(spec["sample"]["temperature"])


_facts = cached_world(lambda config: make_facts(FactsConfig(**config)))  # made once per process


def forgotten_people(world, share: float, seed: int) -> list[str]:
    """The names of ``share`` of the known people (a seeded random choice): their lines leave the data."""
    known = sorted(e.name for e in world.entities if e.group != "unseen")
    return sorted(random.Random(seed).sample(known, max(1, round(share * len(known)))))


def _mentions(line: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"(?<![A-Za-z]){re.escape(n)}(?![A-Za-z])", line) for n in names)


def _recall_train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer GPT (untied head) on the facts world's text; see the module docstring.

    Parameters: ``weight_decay``, ``lr`` (peak), ``schedule`` ("constant" after warmup, or "cosine" to a tenth),
    ``spared`` (see :func:`decay_switches`), ``forget`` (the lines about a quarter of the people leave the data at
    half the steps), ``steps``, ``width``, ``seed``, ``world_seed``, ``n_people``; evaluation only:
    ``temperature``.

    ``curves`` (in the result), with ``forget`` only: ``step`` and ``recall_forgotten`` (cloze recall of the removed
    people's facts) at the removal step and every ``probe_every`` steps after it; ``val_loss`` in the history is
    the eval-mode loss on the held-out-phrasing sentences (never in training).
    """
    world = _facts(spec["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    lines = world.train_text.splitlines()
    gone = forgotten_people(world, spec["forget_share"], spec["world"]["seed"]) if spec["forget_at"] else []
    keep = [not _mentions(line, gone) for line in lines] if gone else [True] * len(lines)
    X, Y = world.text_rows(tok)
    held = [f for f in world.heldout_phrasing if f.form == "cloze"]
    val_rows = encode_rows(tok, [(f.question, f.answer) for f in held])
    # the loss on training data is read on its first eval_rows rows only (a fixed sample: the lines are shuffled)
    model = model_for(spec, tok.vocab_size)
    trainer = trainer_for(spec, model, (X, Y), val_rows, eval_rows=spec["eval_rows"])
    gone_probes = [f for f in world.cloze if f.entity in set(gone)]
    curves: dict[str, list] = {"step": [], "recall_forgotten": []}

    def probe(t: Trainer) -> None:
        if spec["forget_at"] is not None and t.step == spec["forget_at"]:
            idx = torch.tensor([i for i, k in enumerate(keep) if k])
            t.train_data = (X[idx].to(t.device), Y[idx].to(t.device))
        last = t.step == spec["train"]["steps"]
        if not gone or t.step < spec["forget_at"] or ((t.step - spec["forget_at"]) % spec["probe_every"] and not last):
            return
        curves["step"].append(t.step)
        curves["recall_forgotten"].append(exact_match_recall(recall(t.model, tok, gone_probes)))

    trainer.add_callback("on_step_end", probe)
    history = train_with_events(trainer, None if on_eval is None else lambda h: on_eval(Live(h, curves)), stop)
    return Trained(model, history, {"curves": curves, "forgotten": gone, "n_lines": len(lines)})


def _half_life(steps: Sequence[int], values: Sequence[float], start: int) -> int | None:
    """Steps after ``start`` until ``values`` first falls to half its value at ``start`` (None if never)."""
    pairs = [(s, v) for s, v in zip(steps, values, strict=True) if s >= start and v is not None]
    if not pairs or pairs[0][1] <= 0:
        return None
    s0, v0 = pairs[0]
    return next((s - s0 for s, v in pairs if v <= v0 / 2), None)


def _recall_evaluate(spec: dict, trained: Trained) -> dict:
    world = _facts(spec["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    s = spec["sample"]
    gen = torch.Generator(device=trained.model.lm_head.weight.device).manual_seed(s["seed"])
    gone = set(trained.info.get("forgotten", []))
    probes = [f for f in world.cloze if f.entity not in gone]
    correct = recall(trained.model, tok, probes, temperature=s["temperature"], generator=gen)
    buckets = recall_by_frequency(correct, [f.frequency for f in probes], world.bucket_edges)
    lo, hi = world.bucket_edges[:2]  # the facts stated least often: cloze_L{lo}
    items = {"recall_cloze": [int(c) for c in correct],
             f"cloze_L{lo}": [int(c) for c, f in zip(correct, probes, strict=True) if lo <= f.frequency < hi]}
    h, c = trained.history, trained.info["curves"]
    metrics = {
        "recall_cloze": exact_match_recall(correct),
        **{f"cloze_L{b.lo}": (b.recall if b.n else None) for b in buckets},
        "recall_extraction": exact_match_recall(recall(trained.model, tok, world.extraction)),
        "recall_recitation": exact_match_recall(recall(trained.model, tok, world.recitation)),
        "final_train_loss": h.eval_train_loss[-1],
        "final_val_loss": h.val_loss[-1],
        "final_norm": h.weight_norm[-1],
        "timescale": (1.0 / (spec["train"]["lr"] * spec["train"]["weight_decay"])
                      if spec["train"]["weight_decay"] > 0 else None),
    }
    if spec["forget_at"] is not None:
        start = spec["forget_at"]
        at = dict(zip(c["step"], c["recall_forgotten"], strict=True))
        metrics["forgotten_at_removal"] = at.get(start)
        metrics["forgotten_final"] = c["recall_forgotten"][-1]
        metrics["forgotten_half_life"] = _half_life(c["step"], c["recall_forgotten"], start)
        # the last probe of the curve again, per probe (greedy: the same model gives the same answers)
        items["forgotten_final"] = [int(x) for x in recall(trained.model, tok, [f for f in world.cloze
                                                                                if f.entity in gone])]
    return {"metrics": metrics, "samples": [], "items": items}


decay_recall = Experiment("decay_recall", _recall_configure, _recall_train, _recall_evaluate,
                          sample_params=("temperature",), check=_recall_check,
                          bounds={"recall_*": SHARE, "cloze_L*": SHARE, "forgotten_at_removal": SHARE,
                                  "forgotten_final": SHARE})


def bucket_series(results: Sequence[Mapping]) -> tuple[list[int], list[Interval]]:
    """Cloze recall per frequency level over the seeds of one setting: the levels and one interval each."""
    summary = summarize(results)
    levels = sorted(int(k[len("cloze_L"):]) for k in summary if k.startswith("cloze_L"))
    return levels, [summary[f"cloze_L{lv}"] for lv in levels]


# --- the explorer -------------------------------------------------------------------------------------------


def decay_numbers(result: Mapping) -> dict[str, str]:
    """The numbers the facts explorer shows for a ``decay_recall`` result (or a partial one), as display strings."""
    m = result.get("metrics")
    if not m:
        h = result.get("history") or {}
        return {"step": str(h["eval_step"][-1]) if h.get("eval_step") else "0"}
    levels = sorted(int(k[len("cloze_L"):]) for k in m if k.startswith("cloze_L"))
    out = {"cloze recall": f"{m['recall_cloze']:.0%}",
           **{f"stated {lv}x": f"{m[f'cloze_L{lv}']:.0%}" for lv in (levels[0], levels[-1])}}
    if m.get("forgotten_at_removal") is not None:
        out["removed people's facts"] = f"{m['forgotten_at_removal']:.0%} at removal, {m['forgotten_final']:.0%} " \
                                        "at the end"
    out["held-out loss"] = f"{m['final_val_loss']:.2f}"
    return out


def plot_decay(result: Mapping, fig: Figure, reference: Mapping | None = None) -> Figure:
    """Left: cloze recall by how often the fact is stated (bars), next to ``reference`` (e.g. weight decay 0, black
    ticks); right: recall of the facts whose lines left the data, over the steps after their removal (dotted: the
    run's own 1/(lr*wd) after it, where the run lasts that long). A partial result shows the right panel as far as
    it has come."""
    left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.19, top=0.86, wspace=0.3)
    params, m = result.get("params", {}), result.get("metrics")
    this = f"wd {params.get('weight_decay', 0):g}, {params.get('spared', 'none')} spared"
    ref = None if reference is None else reference.get("metrics")
    ref_label = "" if reference is None else f"wd {reference['params']['weight_decay']:g}"
    left.set(ylim=(0, 1.02), xlabel="times the fact is stated", ylabel="cloze recall")
    if m:
        levels = sorted(int(k[len("cloze_L"):]) for k in m if k.startswith("cloze_L"))
        x = range(len(levels))
        left.bar(x, [m[f"cloze_L{lv}"] or 0 for lv in levels], color=COLORS["train"], label=this)
        if ref:
            left.plot(x, [ref.get(f"cloze_L{lv}") or 0 for lv in levels], "_", color="black", markersize=14,
                      markeredgewidth=2, label=ref_label)
        left.set_xticks(list(x), [str(lv) for lv in levels])
        left.legend(loc="upper left", fontsize=7)
    else:
        left.text(0.5, 0.5, "training...", ha="center", transform=left.transAxes, color="#555555")
    c = result.get("curves") or (result.get("history") or {}).get("curves") or {}
    for rc, color, label in (((reference or {}).get("curves") or {}, "black", ref_label), (c, COLORS["train"], this)):
        if rc.get("step"):
            right.plot(rc["step"], rc["recall_forgotten"], color=color, label=label, lw=1.2)
    spec = result.get("spec", {})
    if spec.get("forget_at") is not None:
        t = spec["train"]
        right.set_xlim(spec["forget_at"], t["steps"])
        if t["weight_decay"] > 0 and spec["forget_at"] + timescale(t["lr"], t["weight_decay"]) < t["steps"]:
            right.axvline(spec["forget_at"] + timescale(t["lr"], t["weight_decay"]), color="grey", ls=":", lw=1)
    right.set(ylim=(0, 1.02), xlabel="step", title="facts whose lines left")
    left.set_title("recall by frequency (people who stayed)")
    for ax in (left, right):
        tidy(ax)
    return fig


DECAY_CONTROLS = {"weight_decay": [0.0, 0.3, 1.0, 3.0], "spared": list(SPARED)}
DECAY_STATIC_GRID = {"spared": list(SPARED)}  # at weight decay 1: claim g's three arms, the chapter's own runs


def decay_explorer(cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 6's facts explorer over :data:`decay_recall`: weight decay and the layers it spares as sliders; the
    plot is recall by frequency and the forgetting curve, each next to the weight decay 0 run of the same seed
    (black). The static view steps through the spared layers at weight decay 1, at the protocol's first evaluation
    seed and settings (the chapter's own runs: no extra run); ``fixed`` overrides those."""
    p = protocol.study("decay")
    fixed = {**p["fixed"], "seed": p["eval_seeds"][0], **fixed}
    cache = cache if cache is not None else ResultCache()

    def plot(result: Mapping, fig: Figure) -> Figure:  # drawn anew in each process: the reference may come later
        return plot_decay(result, fig, cache.lookup(decay_recall, **{**fixed, "weight_decay": 0.0, "spared": "none"}))

    return Explorer(decay_recall, controls=DECAY_CONTROLS, initial={"weight_decay": 1.0}, cache=cache,
                    static_grid=DECAY_STATIC_GRID, plot=plot, numbers=decay_numbers, fixed=fixed,
                    display=Display(title="Facts under weight decay: which layers it spares",
                                    labels={"weight_decay": "weight decay", "spared": "layers spared"}))


# --- verdicts ---------------------------------------------------------------------------------------------
# The rows read the protocol's runs (minigpt.protocol, study "decay"). The facts runs share the evaluation world,
# and the people who leave the data are drawn from the world seed: every seed and arm is scored on the same
# probes, so the rows pair the arms probe by probe. One run serves several rows: "wd 1" is claim b's weight decay,
# claim g's "decayed everywhere" and claim h's base learning rate on the constant schedule.

FACTS_ARMS = ("wd 0", "wd 1", "wd 1, final spared", "wd 1, first spared", "wd 1, cosine", "lr x2", "lr x2, cosine")


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the facts rows read, at the protocol's settings and this scale: ``[(decay_recall, points)]``."""
    p = protocol.study("decay")
    return [(decay_recall, [{**p["fixed"], **p["arms"][arm], "seed": s} for arm in FACTS_ARMS
                            for s in p["eval_seeds"]])]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows of claims b, g and h in the shape of :mod:`minigpt.verdicts`, from ``cache`` only (never runs
    anything), at the protocol's settings and seeds at this scale: per-probe recall (1 or 0), one list per seed,
    on probes all seeds share; a side is None where a run is missing.

    Claim g has a control: sparing the final layers must beat sparing as many parameters in the first layers, or
    what helps is sparing parameters, not the final ones. Claim h is a 2 x 2 (base or twice the learning rate,
    each at the same ``lr * weight_decay``; constant or cosine after the same warmup): each factor within each level
    of the other, and the bundle the claim names against the base. Claim b's rows on the facts stated once and on
    the removed people's facts are sanity rows (floor checks): at the protocol's size both arms sit at 0 there."""
    p = protocol.study("decay")
    arms = p["arms"]

    def facts(arm, measure):
        rs = seed_results(cache, decay_recall, p["eval_seeds"], **p["fixed"], **arms[arm])
        return None if rs is None else [r["items"][measure] for r in rs]

    def row(claim, measure, text, a, b, expect="higher", kind="claim"):
        return {"claim": claim, "kind": kind, "measure": measure, "text": text, "labels": [a, b],
                "expect": expect, "margin": protocol.margin("decay", "recall"), "test": "paired",
                "a": facts(a, measure), "b": facts(b, measure), "items": "shared"}

    lr, lr2 = arms["wd 1"]["lr"], arms["lr x2"]["lr"]
    floor = "a floor check: at this size neither arm recalls these"
    return [
        # floors: at the protocol's size (300 steps, width 32) both arms recall none of the facts stated once, nor
        # of the removed people's facts at the end, in every seed, so a row "wd 1 below wd 0" on them cannot hold;
        # they are checked to stay at the floor (equal within the margin) and shown apart, never counted for b
        row("b", "cloze_L1", f"cloze recall of facts stated once, weight decay 1 vs 0 ({floor})", "wd 1", "wd 0",
            "equal", "sanity"),
        row("b", "recall_cloze", "cloze recall of all facts, weight decay 1 vs 0", "wd 1", "wd 0", "lower"),
        row("b", "forgotten_final", "recall of facts whose lines left the data, at the end, weight decay 1 vs 0 "
            f"({floor})", "wd 1", "wd 0", "equal", "sanity"),
        row("g", "recall_cloze", "final layers spared vs decayed everywhere", "wd 1, final spared", "wd 1"),
        row("g", "recall_cloze", "final layers spared vs as many parameters spared in the first layers (control)",
            "wd 1, final spared", "wd 1, first spared"),
        row("h", "recall_cloze", f"lr {lr2:g} vs {lr:g} (same lr x wd), constant schedule", "lr x2", "wd 1"),
        row("h", "recall_cloze", f"lr {lr2:g} vs {lr:g} (same lr x wd), warmup + cosine", "lr x2, cosine",
            "wd 1, cosine"),
        row("h", "recall_cloze", f"warmup + cosine vs constant, lr {lr:g}", "wd 1, cosine", "wd 1"),
        row("h", "recall_cloze", f"warmup + cosine vs constant, lr {lr2:g}", "lr x2, cosine", "lr x2"),
        row("h", "recall_cloze", f"lr {lr2:g} with warmup + cosine vs lr {lr:g} constant (the bundle)",
            "lr x2, cosine", "wd 1"),
    ]


def timescale(lr: float, weight_decay: float) -> float:
    """Steps over which decoupled weight decay alone shrinks a weight by a factor e: ``1 / (lr * weight_decay)``
    (each step multiplies it by ``1 - lr * weight_decay``)."""
    return math.inf if lr * weight_decay == 0 else 1.0 / (lr * weight_decay)
