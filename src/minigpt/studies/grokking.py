"""Study: weight decay makes modular addition grok (chapter 6, with :mod:`minigpt.studies.decay`). Its experiment,
numbers, plot, explorer and verdict rows.

``grok_modular``: a 1-layer, 32-wide GPT with untied input and output embeddings learns ``a + b mod 31`` (symbols,
full batch, AdamW at a constant learning rate) from a ``train_fraction`` of the pairs, split by unordered pair so
that no test problem is the mirror of a training one. Every ``every`` steps it records train and test accuracy
(greedy, exact) and the L2 norm of the decayed matrices. It ends ``tail`` steps after test accuracy first reaches
0.99, or at ``steps``. ``threshold`` is an evaluation parameter: the test accuracy that counts as "generalized"
(read off the stored curve, no retraining).

Its settings are the protocol's entry ``"grokking"``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import check_real
from ..explore import Display, Explorer
from ..model import GPT
from ..plots import COLORS, tidy
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results
from ..stats import SHARE
from ..tokenizer import CharTokenizer
from ..train import Trainer
from ..worlds.arithmetic import ModularConfig, make_modular
from .decay import Live, decayed_norm

PROTOCOL = "grokking"  # its entry in minigpt.protocol
GROK_MEMORIZED = 0.99  # train accuracy that counts as "memorized"; test accuracy at which a run ends (after tail)


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
            on_eval(Live(t.history, curves))
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
    fixed = {"seed": protocol.study(PROTOCOL)["eval_seeds"][0], **fixed}
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


# --- verdicts ---------------------------------------------------------------------------------------------
# A grokking seed draws its own split: one number per seed (the rows are "nested", or binary per seed).

GROK_ARMS = ("wd 0", "wd 1")


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the grokking rows read, at the protocol's settings and this scale: ``[(grok_modular, points)]``
    (no world seed: a grokking seed draws its train/test split)."""
    p = protocol.study(PROTOCOL)
    return [(grok_modular, [{**p["arms"][arm], "seed": s} for arm in GROK_ARMS for s in p["eval_seeds"]])]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows of claim "grok" in the shape of :mod:`minigpt.verdicts`, from ``cache`` only (never runs anything):
    whether a seed passed the threshold (0/1, Fisher's exact test) and its final test accuracy (one number per
    seed; the best accuracy over the run is no row: it picks a checkpoint on the test set). A side is None where
    a run is missing."""
    p = protocol.study(PROTOCOL)

    def grok(arm, metric, binary=False):
        rs = seed_results(cache, grok_modular, p["eval_seeds"], **p["arms"][arm])
        return None if rs is None else [int(r["metrics"][metric]) if binary else [r["metrics"][metric]] for r in rs]

    wd = ["weight decay 1", "weight decay 0"]
    threshold = p["arms"]["wd 1"]["threshold"]
    return [
        {"claim": "grok", "kind": "claim", "measure": "generalized", "expect": "higher", "labels": wd,
         "text": f"seeds passing {threshold:.0%} test accuracy on a + b mod p", "margin": 0.0,  # Fisher: no margin
         "test": "binary", "a": grok("wd 1", "generalized", True), "b": grok("wd 0", "generalized", True)},
        {"claim": "grok", "kind": "claim", "measure": "final_test_acc", "expect": "higher", "labels": wd,
         "text": "test accuracy on a + b mod p at the end of the run", "margin": protocol.margin(PROTOCOL, "accuracy"),
         "test": "paired", "items": "nested", "bounds": [0, 1], "a": grok("wd 1", "final_test_acc"),
         "b": grok("wd 0", "final_test_acc")},
    ]
