"""Study: sharpening for correctness (chapter 8). Majority vote, best-of-n with a checker, RL with verifiable rewards.

Two experiments, both on 2-digit addition (3000 training problems, 300 test problems, a 2-layer 64-wide GPT):

- ``sharpen_addition`` trains a model on direct answers (``23+58=81``) or on a scratchpad (the column sums, then
  the result: ``23+58=3+8+0=11,2+5+1=08;81``), optionally with dropout that is switched off for the last part of
  training, then draws a *bank* of samples once: ``n`` answers per test problem at each of a few temperatures.
  Every number of the chapter (one sample, the vote over k, pass@k, best-of-k with a checker that errs) comes
  from that one bank, so ``k``, ``temperature`` and ``verifier_error`` are sampling parameters that cost nothing
  once the bank is drawn: the bank is drawn once per stored model and kept with it in memory.
- ``rl_addition`` fine-tunes the same pretrained model with REINFORCE and a group-mean baseline
  (:func:`minigpt.rl.policy_gradient`), the reward being the world's checker, and measures pass@k, greedy accuracy
  and distinct answers at a few checkpoints of the run (step 0 = the pretrained model). ``checkpoint`` is a
  sampling parameter: it picks which of the stored checkpoint measurements a result reports.

:func:`verdict_runs` lists the runs of the protocol; :func:`verdict_measurements` reads them into verdict rows.
"""

from __future__ import annotations

import copy
import random
import threading
import weakref
from collections.abc import Callable, Mapping

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import check, check_int, check_one_of, check_real
from ..explore import Display, Explorer
from ..metrics import best_of_k_accuracy, majority_vote, mean_distinct_answers, mean_pass_at_k, pass_at_k
from ..model import GPT
from ..plots import tidy
from ..rl import RLConfig, checker_reward, policy_gradient
from ..runs.build import cached_world, check_model_and_training, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import canonical_json, fast_mode, spec_key
from ..runs.store import ModelStore
from ..runs.summary import seed_results
from ..stats import SHARE, mean_interval
from ..tokenizer import CharTokenizer
from ..worlds.arithmetic import AdditionConfig, make_addition

FORMATS = ("plain", "scratchpad")
BANKS = ("full", "small")
KS = (1, 2, 4, 8, 16, 32, 64)
VERIFIER_ERRORS = (0.0, 0.1, 0.2, 0.3)


def _bank_setting(bank: str, fmt: str, fast: bool) -> tuple[list[float], int]:
    """The temperatures and samples per problem of a bank preset."""
    if bank == "small":  # what the recipe table needs: greedy, a warm vote, one sample at T=1
        return [0.0, 0.8, 1.0], 8 if fast else 16
    if fmt == "scratchpad":  # four times the tokens per answer: fewer temperatures and samples
        return [0.0, 0.5, 0.8], 8 if fast else 32
    return [0.0, 0.5, 0.8, 1.0], 8 if fast else 64


def _configure(format: str = "plain", dropout: float = 0.0, dropout_off: float = 1.0, steps: int | None = None,
               seed: int = 0, bank: str = "full", temperature: float = 0.8, k: int = 16,
               verifier_error: float = 0.2) -> dict:
    fast = fast_mode()
    if steps is None:  # measured: direct answers reach about 0.75 greedy at 600 steps, the scratchpad about 0.9 at 250
        steps = (30 if format == "plain" else 20) if fast else (600 if format == "plain" else 250)
    temps, n = _bank_setting(bank, format, fast)
    return {
        "torch_threads": 1,
        "world": {"n_digits": 2, "n_train": 3000, "n_test": 30 if fast else 300, "format": format, "seed": seed},
        "model": {"n_layer": 2, "n_head": 4, "n_embd": 64, "dropout": dropout},
        "train": {"steps": steps, "batch_size": 64, "lr": 3e-3, "eval_interval": steps, "eval_batches": 1,
                  "seed": seed},
        "dropout_off_step": round(dropout_off * steps),  # from this step on, every dropout rate is 0
        # k beyond the bank (fast mode draws 8) is the whole bank
        "sample": {"bank": bank, "temperatures": temps, "n": n, "temperature": temperature, "k": min(k, n),
                   "verifier_error": verifier_error, "seed": seed},
    }


_world = cached_world(lambda config: make_addition(AdditionConfig(**config)))  # made once per process


def _check_spec(spec: dict) -> None:
    check_one_of("format", spec["world"]["format"], FORMATS)
    AdditionConfig(**spec["world"])
    check_model_and_training(spec)
    s = spec["sample"]
    check_one_of("bank", s["bank"], BANKS)
    check("temperature", s["temperature"], s["temperature"] in s["temperatures"],
           f"one of the bank's temperatures {s['temperatures']}")
    check_int("k", s["k"], 1, s["n"])
    check("verifier_error", s["verifier_error"], s["verifier_error"] in VERIFIER_ERRORS,
           f"one of {VERIFIER_ERRORS}")
    check_real("dropout_off", spec["params"]["dropout_off"], 0.0, 1.0)


def _pretrain(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide GPT on 3000 two-digit additions (loss on the answer only), with ``dropout`` on
    every site until ``dropout_off`` of the steps (1.0: to the end); evaluation draws the bank of samples of the
    test problems that every metric reads (see the module docstring).

    Parameters: ``format`` ("plain": direct answers, or "scratchpad"), ``dropout``, ``dropout_off``, ``steps``,
    ``seed`` (problems, init, batches, masks and samples); sampling only: ``bank`` ("full" or "small"),
    ``temperature`` and ``k`` (which vote the metrics report), ``verifier_error`` (how often the checker of
    best-of-k is wrong).

    Metrics (shares of the test problems): ``greedy``; at the chosen temperature ``single`` (one sample: the mean
    over the bank), ``vote`` (majority over the first k samples), ``pass_k`` (pass@k, unbiased estimator from all n
    samples), ``best_of_k`` (best-of-k with a checker that is wrong with probability ``verifier_error``),
    ``distinct`` (distinct answers among the n samples per problem); ``identical_at_0`` (share of problems whose
    samples at temperature 0 are all the same); for the scratchpad ``steps_ok`` (samples whose column steps are
    right) and ``right_answer_wrong_steps``. ``curves`` holds every k and temperature, ``items`` the scores of
    each test problem (greedy, single, vote, vote_at_0, best_of_k, perfect_checker: the verdict rows').
    """
    world = _world(spec["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    model = model_for(spec, tok.vocab_size, block_size=X.shape[1])
    trainer = trainer_for(spec, model, (X, Y))
    off = spec["dropout_off_step"]  # the rest of training without dropout ("sharpen late")
    if off < spec["train"]["steps"] and spec["model"]["dropout"] > 0:
        if off == 0:
            model.set_dropout_scale(0.0)
        trainer.add_callback("on_step_end", lambda t: t.model.set_dropout_scale(0.0) if t.step == off else None)
    return Trained(model, train_with_events(trainer, on_eval, stop), {"n_train": len(world.train)})


# The bank: drawn once per model object and bank setting, kept as long as the model is (the model store keeps the
# last few in memory), so moving k or the temperature re-reads it instead of sampling again.
_banks: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _draw(world, tok, model, problems, n: int, temperature: float, seed: int) -> list[list[str]]:
    """``n`` completions (cut at the newline) of each problem's question at ``temperature``."""
    gen = torch.Generator(device=model.lm_head.weight.device).manual_seed(seed * 1000 + round(temperature * 100))
    return world.completions(model, tok, problems, k=n, temperature=temperature, generator=gen, batch_size=2048)


def _n_right(rows: list[list], targets: list[int]) -> list[int]:
    """How many of each problem's parsed answers are right."""
    return [sum(a == y for a in row) for row, y in zip(rows, targets, strict=True)]


def sample_bank(spec: dict, model: GPT) -> dict[float, list[list[str]]]:
    """The bank of ``spec``: temperature -> one list of n completions per test problem (memoized per model)."""
    s = spec["sample"]
    key = canonical_json({"world": spec["world"], "t": s["temperatures"], "n": s["n"], "seed": s["seed"]})
    per_model = _banks.setdefault(model, {})
    if key not in per_model:
        world = _world(spec["world"])
        tok = CharTokenizer.from_text(world.alphabet)
        per_model[key] = {t: _draw(world, tok, model, world.test, s["n"], t, s["seed"]) for t in s["temperatures"]}
    return per_model[key]


def _evaluate(spec: dict, trained: Trained) -> dict:
    world = _world(spec["world"])
    s, n = spec["sample"], spec["sample"]["n"]
    bank = sample_bank(spec, trained.model)
    targets = [p.result for p in world.test]
    parsed = {t: [[world.parse(o) for o in row] for row in rows] for t, rows in bank.items()}
    ks = [k for k in KS if k <= n]

    def each(score, rows):  # a score per test problem (a plain list: the verdict rows' items)
        return [float(score(row, y)) for row, y in zip(rows, targets, strict=True)]

    def votes(rows, k):  # per problem: is the majority of the first k samples right
        return each(lambda r, y: majority_vote(r[:k]) == y, rows)

    def pass_at(rows, k):
        return mean_pass_at_k([n] * len(rows), _n_right(rows, targets), k)

    curves = {}
    for t, rows in parsed.items():
        rng = random.Random(s["seed"])
        curves[f"{t:g}"] = {
            "single": sum(_n_right(rows, targets)) / (n * len(rows)),
            "vote": [sum(votes(rows, k)) / len(targets) for k in ks],
            "pass": [pass_at(rows, k) for k in ks],
            "best_of": {f"{e:g}": [best_of_k_accuracy(rows, targets, k, e, rng) for k in ks] for e in VERIFIER_ERRORS},
            "distinct": mean_distinct_answers(rows),
        }
    t, k = s["temperature"], s["k"]
    rows, rng = parsed[t], random.Random(s["seed"] + 1)  # the checker's mistakes, drawn problem by problem
    items = {  # per test problem: 0/1 (right or not), "single": the share of the n samples right
        "greedy": each(lambda r, y: r[0] == y, parsed[0.0]), "single": [c / n for c in _n_right(rows, targets)],
        "vote": votes(rows, k), "vote_at_0": votes(parsed[0.0], k),
        "best_of_k": each(lambda r, y: best_of_k_accuracy([r], [y], k, s["verifier_error"], rng), rows),
        "perfect_checker": each(lambda r, y: best_of_k_accuracy([r], [y], k), rows)}
    mean = {name: sum(v) / len(v) for name, v in items.items()}  # sums of 0/1: exact, as the metrics were
    metrics = {
        "greedy": mean["greedy"], "single": curves[f"{t:g}"]["single"], "vote": mean["vote"],
        "pass_k": pass_at(rows, k), "best_of_k": mean["best_of_k"], "distinct": curves[f"{t:g}"]["distinct"],
        "identical_at_0": sum(len(set(r)) == 1 for r in bank[0.0]) / len(targets),
    }
    if world.format == "scratchpad":
        metrics.update(world.scratchpad_steps(world.test, bank[t]))
        metrics["distinct_paths"] = sum(len(set(row)) for row in bank[t]) / len(bank[t])
    samples = [{"question": p.question, "answer": p.answer, "greedy": bank[0.0][j][:4], "warm": bank[t][j][:8]}
               for j, p in enumerate(world.test[:4])]
    return {"metrics": metrics, "samples": samples, "curves": {"ks": ks, **curves}, "items": items}


sharpen_addition = Experiment("sharpen_addition", _configure, _pretrain, _evaluate,
                              sample_params=("bank", "temperature", "k", "verifier_error"), check=_check_spec,
                              bounds=dict.fromkeys(("greedy", "single", "vote", "pass_k", "best_of_k", "identical_at_0",
                                                    "steps_ok", "right_answer_wrong_steps"), SHARE))


# --- RL with verifiable rewards -----------------------------------------------------------------------------


# The RL learning rate of each format (the default of ``rl_addition``), from benchmarks/tuning/rl_learning_rate.py
# (tuning seeds 0 and 1, their own worlds, 2026-12-02): direct answers, lr 1e-4 raised pass@1 and greedy accuracy
# (KL 0.1 nats), 3e-4 raised pass@1 less and lowered greedy accuracy, 1e-3 and up collapsed; the scratchpad drifts
# already at 1e-4 (greedy 0.93 -> 0.82) and at 3e-4 falls to 0.43, while 3e-5 holds it (KL 0.1).
RL_LR = {"plain": 1e-4, "scratchpad": 3e-5}


def _rl_configure(format: str = "plain", rl_steps: int | None = None, lr: float | None = None, kl_coef: float = 0.0,
                  seed: int = 0, checkpoint: int | None = None) -> dict:
    fast = fast_mode()
    if rl_steps is None:
        rl_steps = 3 if fast else (150 if format == "plain" else 60)
    if lr is None:
        lr = RL_LR.get(format, RL_LR["plain"])  # an unknown format fails in the check, naming it
    return {
        "torch_threads": 1,
        # the pretrained model: the same training spec as sharpen_addition's
        "base": sharpen_addition.train_spec(sharpen_addition.spec(format=format, seed=seed)),
        "rl": {"steps": rl_steps, "prompts_per_step": 4 if fast else 32, "group_size": 8, "lr": lr,
               "kl_coef": kl_coef, "temperature": 1.0, "seed": seed},
        "eval": {"n": 8 if fast else (64 if format == "plain" else 32), "n_test": 20 if fast else 300,
                 "checkpoints": [round(rl_steps * i / 3) for i in range(4)] if format == "plain" else [0, rl_steps]},
        "sample": {"checkpoint": rl_steps if checkpoint is None else checkpoint},
    }


def _rl_check(spec: dict) -> None:
    check_one_of("format", spec["params"]["format"], FORMATS)
    RLConfig(**spec["rl"])
    c = spec["sample"]["checkpoint"]
    check("checkpoint", c, c in spec["eval"]["checkpoints"], f"one of {spec['eval']['checkpoints']}")


def _base_model(spec: dict, models: ModelStore | None) -> Trained:
    """A copy of the pretrained model (RL changes it in place; the store keeps the original): from ``models``, the
    store of the cache the run goes through, where a ``sharpen_addition`` run left it (the same training spec gives
    the same weights, so this only saves time), else trained here and stored there."""
    key = spec_key(spec["base"])
    base = models.get(key) if models is not None else None
    if base is None:
        base = _pretrain(spec["base"])
        if models is not None and base.completed:
            models.put(key, base)
    return Trained(copy.deepcopy(base.model), copy.deepcopy(base.history), dict(base.info))


def _measure(world, tok, model, n: int, n_test: int, seed: int) -> dict:
    """pass@k for every k <= n at temperature 1, greedy accuracy and distinct answers on the first ``n_test``
    test problems (``items``: pass@1, pass@n and distinct answers of each problem); for the scratchpad, the
    samples whose steps are right and the right answers with wrong steps."""
    problems = world.test[:n_test]
    texts = _draw(world, tok, model, problems, n, 1.0, seed + 77)
    rows = [[world.parse(o) for o in row] for row in texts]
    correct = _n_right(rows, [p.result for p in problems])
    greedy = world.completions(model, tok, problems, batch_size=2048)
    out = {
        "pass": {str(k): mean_pass_at_k([n] * len(rows), correct, k) for k in KS if k <= n},
        "greedy": sum(world.check(p.question, g[0]) for p, g in zip(problems, greedy, strict=True)) / len(problems),
        "distinct": mean_distinct_answers(rows),
        "malformed": sum(a is None for r in rows for a in r) / (n * len(rows)),
        # per problem (the same problems at every checkpoint): pass@1, pass@n and distinct answers
        "items": {"pass_1": [c / n for c in correct], f"pass_{n}": [pass_at_k(n, c, n) for c in correct],
                  "distinct": [float(len(set(r))) for r in rows]},
    }
    if world.format == "scratchpad":
        out.update(world.scratchpad_steps(problems, texts))
        out["greedy_steps_ok"] = world.scratchpad_steps(problems, greedy)["steps_ok"]
    return out


def _rl_train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None,
              models: ModelStore | None = None) -> Trained:
    """Fine-tune the pretrained addition model of ``sharpen_addition`` (same format and seed) with REINFORCE and
    a group-mean baseline (:func:`minigpt.rl.policy_gradient`): each update draws 32 training problems, samples
    8 answers to each at temperature 1 and rewards 1 for a right result (the world's checker; for the scratchpad
    only the result after ``;`` counts, the steps are never rewarded). At checkpoints (step 0 = before RL; the
    costlier scratchpad only before and after) it measures on the test problems pass@k for k up to n at T = 1,
    greedy accuracy, distinct answers per problem and, for the scratchpad, whether the steps stay right.

    Parameters: ``format``, ``rl_steps``, ``lr`` (None: :data:`RL_LR` of the format), ``kl_coef`` (penalty to the
    starting model), ``seed``; sampling only: ``checkpoint`` (which RL step the metrics report; default the last).
    ``checkpoints`` in the result holds every measurement, ``rl_history`` the reward and KL per update. The
    pretrained model comes from ``models`` (the store of the cache the run goes through) when it is there.
    """
    base = _base_model(spec, models)
    world = _world(spec["base"]["world"])
    tok = CharTokenizer.from_text(world.alphabet)
    model, ev = base.model, spec["eval"]
    max_new = max(len(tok.encode(p.answer)) for p in world.train) + 1

    def measure(step: int) -> dict:
        return {"step": step, **_measure(world, tok, model, ev["n"], ev["n_test"], spec["rl"]["seed"])}

    def on_step(h) -> None:
        if h.step[-1] in ev["checkpoints"]:
            measured.append(measure(h.step[-1]))

    measured = [measure(0)]
    cfg = RLConfig(max_new_tokens=max_new, **spec["rl"])
    h = policy_gradient(model, tok, [p.question for p in world.train], checker_reward(world.check), cfg,
                        on_step=on_step, stop=stop)
    base.history.stop_reason = "completed" if h.stop_reason == "completed" else "stopped"
    return Trained(model, base.history, {"checkpoints": measured, "rl_history": h.to_dict()})


def _rl_evaluate(spec: dict, trained: Trained) -> dict:
    by_step = {c["step"]: c for c in trained.info["checkpoints"]}
    c, b = by_step[spec["sample"]["checkpoint"]], by_step[0]
    metrics, items = {}, {}
    for name, m in (("", c), ("base_", b)):
        metrics.update({f"{name}pass_{k}": v for k, v in m["pass"].items()})
        metrics.update({f"{name}{key}": v for key, v in m.items() if key not in ("step", "pass", "items")})
        items.update({f"{name}{key}": v for key, v in m["items"].items()})
    h = trained.info["rl_history"]
    first, last = h["reward"][:10], h["reward"][-10:]
    metrics.update(reward_first=sum(first) / max(1, len(first)), reward_last=sum(last) / max(1, len(last)),
                   kl_last=h["kl"][-1] if h["kl"] else 0.0)
    return {"metrics": metrics, "samples": [], "items": items}


rl_addition = Experiment("rl_addition", _rl_configure, _rl_train, _rl_evaluate, sample_params=("checkpoint",),
                         check=_rl_check, bounds={f"{b}{m}": SHARE for b in ("", "base_") for m in (
                             "pass_*", "greedy", "malformed", "steps_ok", "right_answer_wrong_steps",
                             "greedy_steps_ok")})


# --- numbers, plots, explorers ------------------------------------------------------------------------------


def vote_numbers(result: Mapping) -> dict[str, str]:
    """The numbers the vote explorer shows for a ``sharpen_addition`` result."""
    m = result.get("metrics")
    if not m:
        return {"status": "training"}
    k = result["spec"]["sample"]["k"]
    return {"greedy": f"{m['greedy']:.0%}", "one sample": f"{m['single']:.0%}", f"vote@{k}": f"{m['vote']:.0%}",
            f"pass@{k}": f"{m['pass_k']:.0%}", "distinct answers": f"{m['distinct']:.1f}"}


def plot_vote(result: Mapping, fig: Figure) -> Figure:
    """Accuracy against k at the result's temperature: vote, pass@k (a perfect checker), best-of-k with the
    erring checker, one sample and greedy; the chosen k marked."""
    ax = fig.subplots()
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.18, top=0.88)
    tidy(ax)
    if not result.get("metrics"):
        ax.set_title("training ...")
        return fig
    s = result["spec"]["sample"]
    curves = result["curves"]
    c = curves[f"{s['temperature']:g}"]
    ks = curves["ks"]
    ax.plot(ks, c["pass"], marker="o", markersize=3, label="pass@k (perfect checker)")
    ax.plot(ks, c["best_of"][f"{s['verifier_error']:g}"], marker="o", markersize=3,
            label=f"best-of-k, checker wrong {s['verifier_error']:.0%}")
    ax.plot(ks, c["vote"], marker="o", markersize=3, label="majority vote")
    ax.axhline(result["metrics"]["greedy"], color="black", linestyle="--", linewidth=1, label="greedy")
    ax.axhline(c["single"], color="grey", linestyle=":", linewidth=1, label="one sample")
    ax.axvline(s["k"], color="grey", linewidth=0.6)
    ax.set_xscale("log", base=2)
    ax.set(xlabel="samples per problem k", ylabel="test accuracy", ylim=(0, 1.02),
           title=f"temperature {s['temperature']:g}")
    ax.legend(fontsize=7, loc="lower right")
    return fig


VOTE_CONTROLS = {"temperature": [0.0, 0.5, 0.8, 1.0], "k": [1, 4, 16, 64], "verifier_error": list(VERIFIER_ERRORS)}
VOTE_STATIC_GRID = {"temperature": VOTE_CONTROLS["temperature"], "k": VOTE_CONTROLS["k"]}


def vote_explorer(cache=None, **fixed) -> Explorer:
    """Chapter 8's explorer over one stored bank of ``sharpen_addition``: temperature, k and the checker's error
    rate are all sampling parameters, so every move re-reads the bank (no training, no new samples)."""
    return Explorer(sharpen_addition, controls=VOTE_CONTROLS, static_grid=VOTE_STATIC_GRID,
                    initial={"temperature": 0.8, "k": 16, "verifier_error": 0.2}, plot=plot_vote,
                    numbers=vote_numbers, cache=cache, fixed=fixed,
                    display=Display(title="Votes and checkers over one bank of samples (direct-answer addition)",
                    labels={"temperature": "temperature", "k": "samples k", "verifier_error": "checker error"}))


def rl_numbers(result: Mapping) -> dict[str, str]:
    m = result.get("metrics")
    if not m:
        return {"status": "training"}
    top = max(int(k.split("_")[1]) for k in m if k.startswith("pass_"))
    return {"RL step": str(result["spec"]["sample"]["checkpoint"]),
            "pass@1": f"{m['pass_1']:.0%} (base {m['base_pass_1']:.0%})",
            f"pass@{top}": f"{m[f'pass_{top}']:.0%} (base {m[f'base_pass_{top}']:.0%})",
            "greedy": f"{m['greedy']:.0%}", "distinct answers": f"{m['distinct']:.1f} (base {m['base_distinct']:.1f})"}


def plot_rl(result: Mapping, fig: Figure) -> Figure:
    """pass@k against k at the result's checkpoint next to the pretrained model's, and the reward per update."""
    left, right = fig.subplots(1, 2, width_ratios=[1.3, 1])
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.18, top=0.88, wspace=0.3)
    tidy(left)
    tidy(right)
    if not result.get("metrics"):
        return fig
    step = result["spec"]["sample"]["checkpoint"]
    by_step = {c["step"]: c for c in result["checkpoints"]}
    for s, style in ((0, ":"), (step, "-")):
        ks = [int(k) for k in by_step[s]["pass"]]
        left.plot(ks, list(by_step[s]["pass"].values()), linestyle=style, marker="o", markersize=3,
                  label="before RL" if s == 0 else f"after {s} RL steps")
    left.set_xscale("log", base=2)
    left.set(xlabel="k", ylabel="pass@k (T = 1)", ylim=(0, 1.02), title="pass@k")
    left.legend(fontsize=7, loc="lower right")
    h = result["rl_history"]
    right.plot(h["step"], h["reward"], linewidth=0.8)
    right.axvline(step, color="grey", linewidth=0.6)
    right.set(xlabel="RL step", ylabel="mean reward", ylim=(0, 1.02), title="reward of the rollouts")
    return fig


def rl_explorer(cache=None, **fixed) -> Explorer:
    """RL steps over the checkpoints stored with one ``rl_addition`` run (a sampling parameter: instant)."""
    steps = rl_addition.spec(**fixed)["eval"]["checkpoints"]
    return Explorer(rl_addition, controls={"checkpoint": steps}, initial={"checkpoint": steps[-1]}, plot=plot_rl,
                    numbers=rl_numbers, cache=cache, fixed=fixed,
                    display=Display(title="RL with a checker as the reward", labels={"checkpoint": "RL step"}))


# --- summaries for the chapter and for chapter 10 ------------------------------------------------------------


def curve_intervals(results: list[Mapping], temperature: float, name: str, error: float | None = None) -> list:
    """Mean and 95% interval over seeds (one result per seed) of a ``curves`` entry at every k (every
    curve is a share: the interval is clipped to [0, 1])."""
    def at(r, i):
        c = r["curves"][f"{temperature:g}"][name]
        return (c[f"{error:g}"] if error is not None else c)[i]

    return [mean_interval([at(r, i) for r in results], bounds=SHARE) for i in range(len(results[0]["curves"]["ks"]))]


VOTE_ARMS = ("direct answers", "scratchpad")  # the protocol's arms of sharpen_addition (one run: every measure)
RL_ARM = "RL on direct answers"  # ... and of rl_addition


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read, at the protocol's settings and seeds (each seed draws its own addition
    world): the pretrained models with their banks, then RL from the direct-answer models they stored."""
    p = protocol.study("sharpening")
    return [(exp, [{**p["fixed"], **p["arms"][a], "seed": s} for a in names for s in p["eval_seeds"]])
            for exp, names in ((sharpen_addition, VOTE_ARMS), (rl_addition, (RL_ARM,)))]


def verdict_measurements(cache) -> list[dict]:
    """Rows of claims (e), (f), (j) for the verdict table (shape: :mod:`minigpt.verdicts`), from ``cache`` only, at
    the protocol's settings: two measures of one run per seed, scored per test problem of the seed's own world
    (items "nested"; ``items`` in the results). ``a`` and ``b`` are None where a run is missing."""
    p = protocol.study("sharpening")
    arms, seeds = p["arms"], p["eval_seeds"]
    got = {a: seed_results(cache, sharpen_addition, seeds, **p["fixed"], **arms[a]) for a in VOTE_ARMS}
    got[RL_ARM] = seed_results(cache, rl_addition, seeds, **p["fixed"], **arms[RL_ARM])
    s = sharpen_addition.spec(**arms["direct answers"])["sample"]  # k beyond the bank (fast mode) is the bank
    k, t, err = s["k"], s["temperature"], s["verifier_error"]
    top = rl_addition.spec(**arms[RL_ARM])["eval"]["n"]

    def row(claim, arm, a, b, expect, text, labels, measure="accuracy", kind="claim", margin=None):
        scores = (lambda name: None) if got[arm] is None else (lambda name: [r["items"][name] for r in got[arm]])
        return {"claim": claim, "kind": kind, "measure": measure, "text": text, "labels": labels,
                "expect": expect, "margin": protocol.margin("sharpening", measure) if margin is None else margin,
                "test": "paired", "a": scores(a), "b": scores(b), "items": "nested"}

    vote, sample, rl = f"vote over {k} at T={t:g}", f"one sample at T={t:g}", ["after RL", "before RL"]
    same = f"direct answers, {k} samples at T={t:g}: best-of-{k} with"
    return [
        *(row("e", arm, "vote", b, "higher", f"{arm}: {vote} vs {label}", [vote, label])
          for arm in VOTE_ARMS for b, label in (("single", sample), ("greedy", "greedy"))),
        # by construction: every sample at T=0 is the greedy answer, so their vote is too
        row("e", "direct answers", "vote_at_0", "greedy", "equal", f"direct answers: vote over {k} at T=0 vs greedy",
            [f"vote over {k} at T=0", "greedy"], kind="sanity", margin=0.0),
        row("j", "direct answers", "best_of_k", "vote", "higher", f"{same} a checker wrong {err:.0%} vs the vote",
            [f"checker wrong {err:.0%}", "vote"]),
        # by construction: a perfect checker finds a right answer whenever one of the k samples is right
        row("j", "direct answers", "perfect_checker", "vote", "higher", f"{same} a perfect checker vs the vote",
            ["perfect checker", "vote"], kind="sanity", margin=0.0),
        row("f", RL_ARM, "pass_1", "base_pass_1", "higher", f"{RL_ARM}: pass@1 after vs before", rl, "pass_1"),
        row("f", RL_ARM, f"pass_{top}", f"base_pass_{top}", "lower", f"{RL_ARM}: pass@{top} after vs before", rl,
            f"pass_{top}"),
        row("f", RL_ARM, "distinct", "base_distinct", "lower",
            f"{RL_ARM}: distinct answers among {top} samples, after vs before", rl, "distinct"),
    ]
