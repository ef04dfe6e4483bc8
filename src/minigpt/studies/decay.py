"""Study: weight decay, forgetting and finding rules (chapter 6). Its experiments, numbers, plots and explorer.

Two experiments:

- ``grok_modular``: a 1-layer, 32-wide GPT with untied input and output embeddings learns ``a + b mod 31``
  (symbols, full batch, AdamW at a constant learning rate) from a ``train_fraction`` of the pairs, split by
  unordered pair so that no test problem is the mirror of a training one. Every ``every`` steps it records
  train and test accuracy (greedy, exact) and the L2 norm of the decayed matrices. It ends ``tail`` steps after
  test accuracy first reaches 0.99, or at ``steps``. ``threshold`` is an evaluation parameter: the test accuracy
  that counts as "generalized" (read off the stored curve, no retraining).
- ``decay_recall``: a 2-layer, 48-wide character GPT with an *untied* output head trains on the facts world's
  text (every fact stated 1 to 128 times) with decoupled weight decay on the matrices (``decay_final_layers``
  False spares the last block and the head), at a constant or a warmup + cosine learning rate. With ``forget``
  the lines about a quarter of the people stop appearing halfway through training, and the recall of their facts
  is recorded as training goes on, against the timescale ``1 / (lr * weight_decay)``.

Every knob is a parameter of one of the two experiments. A facts result also holds the per-probe scores behind
its recall shares (``items``), which the verdict rows pair (:func:`verdict_runs`, :func:`verdict_measurements`).
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
from ..config import check_one_of, check_real, check_temperature
from ..explore import Display, Explorer
from ..metrics import exact_match_recall, recall_by_frequency
from ..model import GPT
from ..plots import COLORS, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..stats import SHARE, Interval
from ..tokenizer import CharTokenizer
from ..train import Trainer, param_groups
from ..worlds.arithmetic import ModularConfig, make_modular
from ..worlds.facts import FactsConfig, make_facts, recall
from ..worlds.qa import encode_rows

GROK_MEMORIZED = 0.99  # train accuracy that counts as "memorized"; test accuracy at which a run ends (after tail)


# --- parameter groups ---------------------------------------------------------------------------------------


def group_table(model: torch.nn.Module, **decay_options) -> list[dict]:
    """Which parameter lands in which AdamW group under :func:`minigpt.param_groups` (``decay_options``: its
    ``decay_embeddings`` and ``decay_final_layers``): one row per named parameter with ``name``, ``shape``,
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


# --- grokking ------------------------------------------------------------------------------------------------


def _grok_configure(weight_decay: float = 1.0, lr: float = 3e-3, steps: int | None = None,
                    train_fraction: float = 0.7, split: str = "unordered", seed: int = 0,
                    threshold: float = 0.95) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 60 if fast else 1500
    return {
        "torch_threads": 1,
        # the split seed is the run's seed: each seed is another train/test split as well as another init
        "world": {"p": 13 if fast else 31, "train_fraction": train_fraction, "split": split, "seed": seed},
        # untied embed/unembed as in the grokking papers: tied, the no-decay model generalized partly on its own
        "model": {"block_size": 8, "n_layer": 1, "n_head": 2, "n_embd": 16 if fast else 32, "tie_weights": False},
        # constant lr (min_lr_ratio 1), beta2 0.98 as in Power et al.; every matrix decays, embeddings included
        "train": {"steps": steps, "batch_size": None, "lr": lr, "min_lr_ratio": 1.0, "betas": (0.9, 0.98),
                  "weight_decay": weight_decay, "decay_embeddings": True, "eval_interval": steps, "seed": seed},
        "every": 10 if fast else 50,
        "tail": max(1, steps // 10),
        "sample": {"threshold": threshold},
    }


_modular = cached_world(lambda config: make_modular(ModularConfig(**config)))  # made once per process


def _grok_check(spec: dict) -> None:
    ModularConfig(**spec["world"])
    check_model_and_training(spec)
    check_real("threshold", spec["sample"]["threshold"], 0.0, GROK_MEMORIZED, low_open=True)


class _Live:
    """What ``on_eval`` receives while a run trains: the history plus the curves measured so far."""

    def __init__(self, history, curves: dict):
        self.history, self.curves = history, curves

    def to_dict(self) -> dict:
        return {**self.history.to_dict(), "curves": {k: list(v) for k, v in self.curves.items()}}


def _exact(model: GPT, X: torch.Tensor, Y: torch.Tensor) -> torch.Tensor:
    """Per row, whether argmax decoding gets every scored position right (one answer symbol and the newline:
    exactly greedy decoding, since the answer is one token long)."""
    with torch.no_grad():
        return ((model(X).argmax(-1) == Y) | (Y < 0)).all(dim=1)


def _grok_train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 1-layer GPT on modular addition, full batch (see the module docstring).

    Parameters: ``weight_decay``, ``lr`` (constant), ``steps`` (the budget), ``train_fraction``, ``split``
    ("unordered" or "ordered"), ``seed`` (init and split); evaluation only: ``threshold``.

    ``curves`` (in the result): ``step``, ``train_acc``, ``test_acc``, ``norm`` (L2 norm of the decayed
    matrices), and under the ordered split ``test_acc_mirrored`` / ``test_acc_unmirrored``.
    """
    world = _modular(spec["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    Xt, Yt = world.qa_rows(tok, "test")
    mirrored = {id(p) for p in world.mirror_subsets()["mirrored"]}
    mask = torch.tensor([id(p) in mirrored for p in world.test])
    model = model_for(spec, tok.vocab_size)
    trainer = trainer_for(spec, model, (X, Y))
    curves: dict[str, list] = {"step": [], "train_acc": [], "test_acc": [], "norm": []}
    if mask.any():
        curves.update(test_acc_mirrored=[], test_acc_unmirrored=[])
    end = [spec["train"]["steps"]]

    def measure(t: Trainer) -> None:
        if t.step % spec["every"] and t.step not in (1, end[0]):
            return
        model.eval()
        ok_train, ok_test = _exact(model, X, Y), _exact(model, Xt, Yt)
        model.train()
        curves["step"].append(t.step)
        curves["train_acc"].append(ok_train.float().mean().item())
        curves["test_acc"].append(ok_test.float().mean().item())
        curves["norm"].append(decayed_norm(model, decay_embeddings=True))
        if mask.any():
            curves["test_acc_mirrored"].append(ok_test[mask].float().mean().item())
            curves["test_acc_unmirrored"].append(ok_test[~mask].float().mean().item())
        if curves["test_acc"][-1] >= GROK_MEMORIZED and end[0] == spec["train"]["steps"]:
            end[0] = min(end[0], t.step + spec["tail"])
        if on_eval is not None:
            on_eval(_Live(t.history, curves))
        if t.step >= end[0] < spec["train"]["steps"]:
            t.stop()

    trainer.add_callback("on_step_end", measure)
    history = train_with_events(trainer, None, stop)  # on_eval is called from measure, with the curves
    if history.stop_reason == "stopped" and trainer.step == end[0] and not (stop is not None and stop.is_set()):
        history.stop_reason = "completed"  # ended by design: generalized, plus the tail
    return Trained(model, history, {"curves": curves, "ended_at": trainer.step,
                                    "n_train": len(world.train), "n_test": len(world.test)})


def _first(steps: Sequence[int], values: Sequence[float], level: float) -> int | None:
    return next((s for s, v in zip(steps, values, strict=True) if v >= level), None)


def _grok_evaluate(spec: dict, trained: Trained) -> dict:
    c, threshold = trained.info["curves"], spec["sample"]["threshold"]
    gen = _first(c["step"], c["test_acc"], threshold)
    mem = _first(c["step"], c["train_acc"], GROK_MEMORIZED)
    norm_at = dict(zip(c["step"], c["norm"], strict=True))
    world = _modular(spec["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    greedy = world.accuracy(trained.model, tok, "test")
    metrics = {
        "generalized": float(gen is not None),
        "steps_to_generalize": gen,
        "steps_to_memorize": mem,
        "final_test_acc": sum(greedy) / len(greedy),
        "final_train_acc": c["train_acc"][-1],
        "best_test_acc": max(c["test_acc"]),
        "norm_init": c["norm"][0],
        "norm_at_memorize": norm_at.get(mem),
        "norm_at_generalize": norm_at.get(gen),
        "final_norm": c["norm"][-1],
        "peak_norm": max(c["norm"]),
    }
    if "test_acc_mirrored" in c:
        metrics["best_test_acc_mirrored"] = max(c["test_acc_mirrored"])
        metrics["best_test_acc_unmirrored"] = max(c["test_acc_unmirrored"])
    return {"metrics": metrics, "samples": []}


grok_modular = Experiment("grok_modular", _grok_configure, _grok_train, _grok_evaluate,
                          sample_params=("threshold",), check=_grok_check,
                          bounds={"generalized": SHARE, "*_acc": SHARE, "best_test_acc_*": SHARE})


def grok_numbers(result: Mapping) -> dict[str, str]:
    """The numbers the grokking explorer shows, as display strings."""
    c = result.get("curves") or result.get("history", {}).get("curves") or {}
    if not c or not c.get("step"):
        return {"step": "0"}
    out = {"step": str(c["step"][-1]), "train acc": f"{c['train_acc'][-1]:.0%}",
           "test acc": f"{c['test_acc'][-1]:.0%}", "norm of decayed matrices": f"{c['norm'][-1]:.1f}"}
    m = result.get("metrics")
    if m:
        gen = m["steps_to_generalize"]
        out["generalized"] = f"at step {gen}" if gen is not None else "not within the budget"
    return out


def plot_grok(result: Mapping, fig: Figure) -> Figure:
    """Train and test accuracy (left axis) and the norm of the decayed matrices (right axis) over steps."""
    ax = fig.subplots()
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.09, right=0.9, bottom=0.17, top=0.88)
    c = result.get("curves") or result.get("history", {}).get("curves") or {}
    steps = result.get("spec", {}).get("train", {}).get("steps")
    ax.set(xlabel="step", ylabel="accuracy", ylim=(-0.02, 1.02))
    if steps:
        ax.set_xlim(0, steps)
    ax2 = ax.twinx()
    ax2.set_ylabel("norm of decayed matrices", color=COLORS.get("gap", "grey"))
    if c and c.get("step"):
        ax.plot(c["step"], c["train_acc"], color=COLORS.get("train", "C0"), label="train")
        ax.plot(c["step"], c["test_acc"], color=COLORS.get("val", "C1"), label="test")
        ax2.plot(c["step"], c["norm"], color=COLORS.get("gap", "grey"), linestyle=":", label="norm")
        ax2.set_ylim(0, max(c["norm"]) * 1.15)
    tidy(ax)
    ax.legend(loc="center right", frameon=False)
    wd = result.get("params", {}).get("weight_decay")
    if wd is not None:
        ax.set_title(f"a + b mod p, weight decay {wd:g}, lr {result['params']['lr']:g}")
    return fig


GROK_CONTROLS = {"weight_decay": [0.0, 0.3, 1.0, 3.0], "lr": [1e-3, 3e-3, 1e-2]}
GROK_STATIC_GRID = {"weight_decay": [0.0, 1.0]}  # the chapter's runs at its first seed: no extra runs


def grokking_explorer(cache=None, **fixed) -> Explorer:
    """Chapter 6's explorer over :data:`grok_modular`: weight decay and learning rate as sliders; the plot is
    train/test accuracy and the weight norm over steps. The static view steps through weight decay at lr 3e-3,
    at the protocol's first evaluation seed (the chapter's own runs); ``fixed`` overrides it."""
    fixed = {"seed": protocol.study("decay")["eval_seeds"][0], **fixed}
    return Explorer(
        grok_modular,
        controls=GROK_CONTROLS,
        initial={"weight_decay": 1.0, "lr": 3e-3},
        static_grid=GROK_STATIC_GRID,
        plot=plot_grok,
        numbers=grok_numbers,
        cache=cache,
        fixed=fixed,
        display=Display(title="Modular addition: memorizing, then (maybe) finding the rule",
                        labels={"weight_decay": "weight decay", "lr": "learning rate"}),
    )


# --- facts: recall, forgetting, final layers, schedules -------------------------------------------------------

LR_SCHEDULES = ("constant", "cosine")


def _recall_configure(weight_decay: float = 0.1, lr: float = 6e-3, schedule: str = "constant",
                      decay_final_layers: bool = True, forget: bool = False, steps: int | None = None,
                      seed: int = 0, world_seed: int = 0, n_people: int | None = None,
                      temperature: float = 0.0) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 24 if fast else 600
    if n_people is None:
        n_people = 8 if fast else 48  # 24 facts at each of the 8 levels
    world = {"n_people": n_people, "n_unseen": 4 if fast else 32, "seed": world_seed}
    if fast:
        world["mention_levels"] = [1, 4, 16, 64]
    warmup = min(50, steps // 10)
    return {
        "torch_threads": 1,
        "world": world,
        # untied head: decay_final_layers=False then spares the head only, not the token embedding it would share
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": 32 if fast else 48, "tie_weights": False},
        "train": {"steps": steps, "batch_size": 32, "lr": lr, "warmup_steps": warmup,
                  "min_lr_ratio": 1.0 if schedule == "constant" else 0.1, "weight_decay": weight_decay,
                  "decay_final_layers": decay_final_layers, "eval_interval": max(1, steps // 10),
                  "eval_batches": 1, "seed": seed},
        "schedule": schedule,
        "forget_at": steps // 2 if forget else None,  # from this step on, the forgotten people's lines are gone
        "forget_share": 0.25,
        # after the removal, the forgotten facts are probed this often (the probes cost as much as the training)
        "probe_every": max(1, steps // (4 if fast else 16)),
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
    """Train a 2-layer, 48-wide GPT (untied head) on the facts world's text; see the module docstring.

    Parameters: ``weight_decay``, ``lr`` (peak), ``schedule`` ("constant" after warmup, or "cosine" to a tenth),
    ``decay_final_layers``, ``forget`` (the lines about a quarter of the people leave the data at half the
    steps), ``steps``, ``seed``, ``world_seed``, ``n_people``; evaluation only: ``temperature``.

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
    history = train_with_events(trainer, None if on_eval is None else lambda h: on_eval(_Live(h, curves)), stop)
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


# --- verdicts ---------------------------------------------------------------------------------------------
# The rows read the protocol's runs (minigpt.protocol, study "decay"). The facts runs share the evaluation world,
# and the people who leave the data are drawn from the world seed: every seed and arm is scored on the same
# probes, so those rows pair the arms probe by probe. A grokking seed draws its own split: one number per seed.

GROK_ARMS = ("grok wd 0", "grok wd 1")
FACTS_ARMS = ("wd 0", "wd 1", "wd 1, final spared", "high lr, cosine")


def _points(experiment: Experiment, arms: Sequence[str]) -> list[dict]:
    p = protocol.study("decay")
    fixed = p["fixed"] if experiment is decay_recall else {}  # grok_modular has no world seed
    return [{**fixed, **p["arms"][arm], "seed": s} for arm in arms for s in p["eval_seeds"]]


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read, at the protocol's settings and this scale, as ``(experiment, points)``
    sweeps: the grokking runs, then the facts runs."""
    return [(grok_modular, _points(grok_modular, GROK_ARMS)), (decay_recall, _points(decay_recall, FACTS_ARMS))]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows of chapter 6's claims (b, g, h, grok) in the shape of :mod:`minigpt.verdicts`, from ``cache`` only
    (never runs anything), at the protocol's settings and seeds at this scale; a side is None where a run is
    missing. Facts rows: per-probe recall (1 or 0), one list per seed, on probes all seeds share. Grokking: whether
    a seed passed the threshold (0/1) and its final test accuracy (one number per seed; the best accuracy over
    the run is no row: it picks a checkpoint on the test set)."""
    p = protocol.study("decay")

    def facts(arm, measure):
        rs = seed_results(cache, decay_recall, p["eval_seeds"], **p["fixed"], **p["arms"][arm])
        return None if rs is None else [r["items"][measure] for r in rs]

    def grok(arm, metric, binary=False):
        rs = seed_results(cache, grok_modular, p["eval_seeds"], **p["arms"][arm])  # no world seed: see _points
        return None if rs is None else [int(r["metrics"][metric]) if binary else [r["metrics"][metric]] for r in rs]

    def row(claim, measure, text, labels, a, b, expect="higher", test="paired", family="recall", items="shared"):
        margin = 0.0 if test == "binary" else protocol.margin("decay", family)  # Fisher's test has no margin
        return {"claim": claim, "kind": "claim", "measure": measure, "text": text, "labels": list(labels),
                "expect": expect, "margin": margin, "test": test, "a": a, "b": b, "items": items}

    wd = ("weight decay 1", "weight decay 0")
    threshold = p["arms"]["grok wd 1"]["threshold"]
    return [
        row("grok", "generalized", f"seeds passing {threshold:.0%} test accuracy on a + b mod p", wd,
            grok("grok wd 1", "generalized", True), grok("grok wd 0", "generalized", True), test="binary"),
        row("grok", "final_test_acc", "test accuracy on a + b mod p at the end of the run", wd,
            grok("grok wd 1", "final_test_acc"), grok("grok wd 0", "final_test_acc"), family="accuracy",
            items="nested"),
        row("b", "cloze_L1", "cloze recall of facts stated once", wd, facts("wd 1", "cloze_L1"),
            facts("wd 0", "cloze_L1"), "lower"),
        row("b", "recall_cloze", "cloze recall of all facts", wd, facts("wd 1", "recall_cloze"),
            facts("wd 0", "recall_cloze"), "lower"),
        row("b", "forgotten_final", "recall of facts whose lines left the data, at the end", wd,
            facts("wd 1", "forgotten_final"), facts("wd 0", "forgotten_final"), "lower"),
        row("g", "recall_cloze", "cloze recall of all facts, weight decay 1",
            ("final block and head spared", "decayed everywhere"), facts("wd 1, final spared", "recall_cloze"),
            facts("wd 1", "recall_cloze")),
        row("h", "recall_cloze", "cloze recall of all facts, weight decay 1",
            ("lr 1.2e-2, warmup + cosine", "lr 6e-3, constant"), facts("high lr, cosine", "recall_cloze"),
            facts("wd 1", "recall_cloze")),
    ]


def timescale(lr: float, weight_decay: float) -> float:
    """Steps over which decoupled weight decay alone shrinks a weight by a factor e: ``1 / (lr * weight_decay)``
    (each step multiplies it by ``1 - lr * weight_decay``)."""
    return math.inf if lr * weight_decay == 0 else 1.0 / (lr * weight_decay)
