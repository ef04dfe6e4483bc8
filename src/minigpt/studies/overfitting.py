"""Study: overfitting a small story set (chapter 3). Its experiment, the numbers it reports, its explorer.

``overfit_stories`` trains a 2-layer character GPT for many epochs on a few dozen stories, then samples stories
and scores each sentence as copied (in the training set), novel-valid (the grammar accepts it, and it is new) or
invalid. Temperature and the number of samples are sampling parameters: changing them re-samples the stored
model instead of training again. ``stop_at="best_val"`` is the same run at its own lowest validation loss.

The chapter's study and the verdict rows of claim (a) run at the protocol's settings
(:func:`minigpt.protocol.study` ``("overfitting")``: the evaluation world and seeds): :func:`verdict_runs` lists
them, :func:`verdict_measurements` reads them.
"""

from __future__ import annotations

import base64
import html
import math
import multiprocessing
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import torch
from matplotlib.figure import Figure

from .. import protocol
from ..config import check_int, check_temperature
from ..explore import Display, Explorer, SliderView
from ..model import GPT
from ..plots import loss_curves, sample_bars
from ..runs.build import cached_world, check_model_and_training, keep_best_weights, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ModelStore, ResultCache
from ..runs.summary import seed_results, summarize
from ..runs.sweeps import sweep
from ..sample import generate
from ..stats import SHARE
from ..tokenizer import CharTokenizer
from ..train import History
from ..worlds.stories import StoriesConfig, make_stories, split_sentences

BEST_VAL = "best_val"  # stop_at: the run stopped at its own lowest validation loss (selected on validation stories)


def _configure(dropout: float = 0.0, weight_decay: float = 0.0, emb_noise_alpha: float = 0.0,
               drop_path: float = 0.0, steps: int | None = None, stop_at: int | str | None = None, seed: int = 0,
               world_seed: int = 0, n_stories: int | None = None, temperature: float = 0.8,
               n_samples: int | None = None) -> dict:
    fast = fast_mode()
    if steps is None:
        steps = 40 if fast else 800
    if n_stories is None:
        n_stories = 12 if fast else 40
    if n_samples is None:
        # 32 stories of 120 characters (about 100 scored sentences): a temperature move re-samples the stored model
        # in about 0.3 s on one core (48 x 150 took 0.65 s; the window slides past 32 characters, so every token
        # recomputes the whole window), inside the 0.5 s a sampling knob may take
        n_samples = 8 if fast else 32
    return {
        "torch_threads": 1,  # fast for this size, and the same numbers on every machine (see torch_threads)
        "world": {"n_stories": n_stories, "n_val_stories": 10 if fast else 50, "seed": world_seed},
        # a 32-character window holds most of a sentence and costs half a 64 one
        "model": {"block_size": 32, "n_layer": 2, "n_head": 4, "n_embd": 64, "dropout": dropout,
                  "drop_path": drop_path, "emb_noise_alpha": emb_noise_alpha},
        # 20 evaluations a run (10 in fast mode): enough points for a curve, about 7% of the training time
        "train": {"steps": steps, "batch_size": 32, "lr": 1e-2, "warmup_steps": min(50, steps // 10),
                  "weight_decay": weight_decay, "eval_interval": max(1, steps // (10 if fast else 20)),
                  "eval_batches": 2 if fast else 4, "seed": seed},
        # stop after this many steps of the `steps`-step schedule (None: all of them): the weights a long run
        # had at that step, bit for bit, since evaluations draw no random numbers from the training generators;
        # BEST_VAL: at the step of the full run's lowest validation loss
        "stop_at": stop_at,
        "sample": {"n": n_samples, "max_new_tokens": 80 if fast else 120, "temperature": temperature,
                   "seed": seed},
    }


_world = cached_world(lambda config: make_stories(StoriesConfig(**config)))  # made once per process


def _check_spec(spec: dict) -> None:
    StoriesConfig(**spec["world"])
    check_model_and_training(spec)
    stop_at, steps = spec.get("stop_at"), spec["train"]["steps"]
    if stop_at not in (None, BEST_VAL) and (isinstance(stop_at, bool) or not isinstance(stop_at, int)
                                            or not 1 <= stop_at <= steps):
        raise ValueError(f"stop_at={stop_at!r} is out of range: allowed None, {BEST_VAL!r} or an int in "
                         f"[1, steps={steps}]")
    check_int("n_samples", spec["sample"]["n"], 1)
    check_temperature(spec["sample"]["temperature"])


def _train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None,
           models: ModelStore | None = None) -> Trained:
    """Train a 2-layer, 64-wide character GPT for many epochs on a small stories world (by default 40 stories,
    about 160 distinct sentences, 800 steps: about 160 passes over the text; a 32-character window), then sample
    ``n_samples`` stories at ``temperature`` and score each sentence as copied / novel-valid / invalid.

    Parameters: ``dropout`` (all three sites), ``weight_decay`` (AdamW, matrices only), ``emb_noise_alpha``
    (NEFTune), ``drop_path`` (stochastic depth), ``steps`` (the length of the learning-rate schedule),
    ``stop_at`` (stop after that many of the ``steps``: the checkpoint a full run had there, e.g. at its lowest
    validation loss; None: train all ``steps``, and keep the weights at the lowest validation loss as the
    ``stop_at`` run's trained model; ``"best_val"``: that run, whatever its step, see :func:`_best_val`),
    ``seed`` (init, batches, dropout, sampling),
    ``world_seed``, ``n_stories`` (training stories of 3-5 sentences); sampling only: ``temperature``,
    ``n_samples``.

    Returns ``history`` (``History.to_dict()``; losses in nats per character), ``metrics`` (``final_train_loss``,
    ``final_val_loss``, ``gap`` = val - train at the last step, ``best_val_loss`` and ``best_val_step``,
    ``n_sentences`` scored and the shares ``copied``, ``novel`` (valid and not in the training set),
    ``invalid``, ``novel_of_new`` (novel-valid among the sentences that are not copies: copies are valid by
    construction, so cutting copies raises the invalid share on its own), ``distinct`` and ``distinct_novel``
    (how many different sentences, and different novel-valid ones, were sampled); None when stopped early),
    ``samples`` (the first 4 sampled stories), ``n_train_sentences``, ``n_params`` and ``stop_reason``.
    """
    if spec.get("stop_at") == BEST_VAL:
        return _best_val(spec, on_eval, stop, models)
    world = _world(spec["world"])
    tok = CharTokenizer(world.alphabet)
    train = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
    val = torch.tensor(tok.encode(world.val_text), dtype=torch.long)
    model = model_for(spec, tok.vocab_size)
    trainer = trainer_for(spec, model, train, val)
    stop_at = spec.get("stop_at")
    if stop_at is not None:  # the Trainer evaluates at the step it stops after, then fit() ends
        trainer.add_callback("on_step_end", lambda t: t.stop() if t.step >= stop_at else None)
    # keep the weights at the lowest validation loss so far (the first minimum, as best_val_step): the run
    # stopped there (below)
    best = keep_best_weights(trainer) if stop_at is None else {}
    history = train_with_events(trainer, on_eval, stop)
    if stop_at is not None and trainer.step == stop_at and not (stop is not None and stop.is_set()):
        history.stop_reason = "completed"  # stopping at stop_at is the run asked for
    info = {"n_train_sentences": len(world.train_sentences)}
    trained = Trained(model, history, info)
    if history.stop_reason == "completed" and best and best["step"] < spec["train"]["steps"]:
        trained.derived.append(({**spec["params"], "stop_at": best["step"]}, _stopped_at(model, history, best, info)))
    return trained


def _first_min_step(history: History) -> int:
    """The step of the first lowest validation loss of ``history`` (the rule of the full run's snapshots)."""
    best = None
    for step, loss in zip(history.eval_step, history.val_loss, strict=True):
        if best is None or loss < best[1]:
            best = (step, loss)
    return best[0]


def _best_val(spec: dict, on_eval: Callable | None, stop: threading.Event | None,
              models: ModelStore | None) -> Trained:
    """The run of ``spec`` stopped at its own lowest validation loss: the ``stop_at=k`` run, k that step of the
    full run (``stop_at=None``). From ``models`` when the full run left it there (only loaded), else the full run
    is trained here and both it and its best checkpoint are stored as derived runs."""
    full_params = {**spec["params"], "stop_at": None}
    full = models.get(overfit_stories.train_key(**full_params)) if models is not None else None
    if full is not None:
        k = _first_min_step(full.history)
        if k >= spec["train"]["steps"]:
            return Trained(full.model, full.history, dict(full.info))
        got = models.get(overfit_stories.train_key(**{**full_params, "stop_at": k}))
        if got is not None:
            return Trained(got.model, got.history, dict(got.info))
    trained = _train(overfit_stories.spec(**full_params), on_eval, stop)
    if not trained.completed:
        return trained
    derived = [(full_params, trained), *trained.derived]
    best = trained.derived[0][1] if trained.derived else trained  # the full run is its own best at the end
    return Trained(best.model, best.history, dict(best.info), derived)


def _stopped_at(model: GPT, history: History, best: Mapping, info: dict) -> Trained:
    """The run of ``history`` stopped after ``best["step"]`` steps, from the weights kept there: what training
    with ``stop_at`` gives, bit for bit (evaluations draw no random numbers, so the two runs agree up to there;
    tests/test_overfitting_study.py checks it)."""
    copy = GPT(model.config)
    copy.load_state_dict(best["state"])
    k = best["step"]
    n_evals = history.eval_step.index(k) + 1
    h = history.to_dict()
    cut = History(**{name: h[name][:k] for name in ("step", "train_loss", "lr", "grad_norm", "weight_norm")},
                  **{name: h[name][:n_evals] for name in ("eval_step", "eval_train_loss", "val_loss")},
                  stop_reason="completed")
    return Trained(copy.to(model.lm_head.weight.device), cut, dict(info))


def _evaluate(spec: dict, trained: Trained) -> dict:
    world = _world(spec["world"])
    tok = CharTokenizer(world.alphabet)
    model, history, s = trained.model, trained.history, spec["sample"]
    gen = torch.Generator(device=model.lm_head.weight.device).manual_seed(s["seed"])
    prompt = torch.full((s["n"], 1), tok.encode("\n")[0], dtype=torch.long, device=model.lm_head.weight.device)
    rows = generate(model, prompt, s["max_new_tokens"], temperature=s["temperature"], generator=gen)
    texts = [tok.decode(r[1:].tolist()) for r in rows]
    counts = {"copied": 0, "novel": 0, "invalid": 0}
    seen: dict[str, str] = {}
    for text in texts:
        for sentence in split_sentences(text):
            seen[sentence] = kind = world.classify(sentence)
            counts[kind] += 1
    n = sum(counts.values())
    ev, va = history.eval_train_loss, history.val_loss
    best = min(range(len(va)), key=lambda i: va[i]) if va else None
    new = counts["novel"] + counts["invalid"]
    metrics = {
        "final_train_loss": ev[-1],
        "final_val_loss": va[-1],
        "gap": va[-1] - ev[-1],
        "best_val_loss": va[best] if best is not None else math.nan,
        "best_val_step": history.eval_step[best] if best is not None else 0,
        "n_sentences": n,
        **{k: (c / n if n else 0.0) for k, c in counts.items()},
        "novel_of_new": counts["novel"] / new if new else 0.0,
        "distinct": len(seen),
        "distinct_novel": sum(kind == "novel" for kind in seen.values()),
    }
    samples = [t.rsplit(".", 1)[0] + "." if "." in t else t for t in texts[:4]]
    return {"metrics": metrics, "samples": samples}


overfit_stories = Experiment("overfit_stories", _configure, _train, _evaluate,
                             sample_params=("temperature", "n_samples"), check=_check_spec,
                             bounds=dict.fromkeys(("copied", "novel", "invalid", "novel_of_new"), SHARE))


def overfit_numbers(result: Mapping) -> dict[str, str]:
    """The numbers an explorer shows for an ``overfit_stories`` result, as display strings."""
    m = result.get("metrics")
    if not m:
        h = result["history"]
        if not h["eval_step"]:
            return {"step": str(h["step"][-1] + 1 if h["step"] else 0)}
        return {"step": str(h["eval_step"][-1]), "train loss": f"{h['eval_train_loss'][-1]:.2f}",
                "val loss": f"{h['val_loss'][-1]:.2f}"}
    return {
        "gap": f"{m['gap']:+.2f} nats",
        "val loss": f"{m['final_val_loss']:.2f} (best {m['best_val_loss']:.2f} at step {m['best_val_step']})",
        "copied": f"{m['copied']:.0%}",
        "novel-valid": f"{m['novel']:.0%}",
        "invalid": f"{m['invalid']:.0%}",
    }


OVERFIT_CONTROLS = {
    "dropout": [0.0, 0.05, 0.1, 0.2, 0.3],
    "weight_decay": [0.0, 0.1, 1.0],
    "emb_noise_alpha": [0.0, 5.0, 15.0],
    "drop_path": [0.0, 0.1, 0.2],
    "temperature": [0.3, 0.5, 0.8, 1.0, 1.3],  # sampling only: a move re-samples the stored model
}
OVERFIT_STATIC_GRID = {"dropout": [0.0, 0.1], "weight_decay": [0.0, 1.0]}  # 2 of its 4 runs are study runs


def overfitting_explorer(cache=None, **fixed) -> Explorer:
    """Chapter 3's explorer over :data:`overfit_stories`: sliders for dropout, weight decay, embedding noise,
    stochastic depth and the sampling temperature; the static view sweeps dropout × weight decay."""
    return Explorer(
        overfit_stories,
        controls=OVERFIT_CONTROLS,
        initial={"temperature": 0.8},
        static_grid=OVERFIT_STATIC_GRID,
        plot=plot_overfit,
        plot_version="plot_overfit 1",  # change it when plot_overfit draws differently: old frames on disk are left
        numbers=overfit_numbers,
        cache=cache,
        fixed=fixed,
        display=Display(
            title="Overfitting a small story set: train vs validation loss, and what the samples are",
            labels={"dropout": "dropout", "weight_decay": "weight decay", "emb_noise_alpha": "embedding noise α",
                    "drop_path": "stochastic depth", "temperature": "temperature"}),
    )


def plot_overfit(result: Mapping, fig: Figure, *, ylim: tuple[float, float] = (0.0, 2.6)) -> Figure:
    """The chapter 3 panel for an ``overfit_stories`` result (or a partial one): loss curves and sample scores."""
    left, right = fig.subplots(1, 2, width_ratios=[1.8, 1])
    if fig.get_layout_engine() is None:  # margins for the explorer's 6.4 x 2.6 in. frame
        fig.subplots_adjust(left=0.085, right=0.99, bottom=0.17, top=0.9, wspace=0.28)
    steps = result.get("spec", {}).get("train", {}).get("steps")
    loss_curves(left, result["history"], xlim=steps, ylim=ylim)
    h = result["history"]
    if h["eval_step"] and not math.isnan(h["val_loss"][-1]):
        left.set_title(f"gap at step {h['eval_step'][-1]}: {h['val_loss'][-1] - h['eval_train_loss'][-1]:+.2f} nats")
    sample_bars(right, result.get("metrics"))
    return fig


# --- the chapter's study: one setting of each regularizer against none, over seeds, at two checkpoints ----------

# Chosen before the runs (a common default of each, the middle of its slider), not picked after looking: the
# verdicts compare each with no regularization, not the best of a grid. These are the protocol's arms. Weight decay,
# which claim (a) does not name, is chapter 6's claim (b), measured over seeds there; chapter 3 shows it in the
# explorer's grid (one seed) only, which saves the five seeds a study of it here would cost.
REGULARIZERS: dict[str, dict] = {
    "none": {},
    "dropout 0.1": {"dropout": 0.1},
    "embedding noise 5": {"emb_noise_alpha": 5.0},
    "stochastic depth 0.1": {"drop_path": 0.1},
}
CHECKPOINTS = {"final": {}, "best_val": {"stop_at": BEST_VAL}}  # the last step, and the lowest validation loss
# what the verdicts read: shares of sampled sentences, and the losses
STUDY_METRICS = ("novel", "invalid", "copied", "novel_of_new", "distinct_novel", "final_train_loss",
                 "final_val_loss", "gap")


def best_val_params(final: Mapping) -> dict | None:
    """The parameters of the checkpoint of ``final`` (a completed result) at its lowest validation loss: the
    same run, stopped there (``stop_at``); None when that is the last step, where the checkpoint is ``final``."""
    m, p = final["metrics"], final["params"]
    if m["best_val_step"] >= final["spec"]["train"]["steps"]:
        return None
    return {k: v for k, v in p.items() if k != "device"} | {"stop_at": m["best_val_step"]}


def _sweep_points(cache: ResultCache, points: Mapping[str, Mapping], seeds: Sequence[int] | None,
                  pool: ProcessPoolExecutor | None) -> dict[str, list[dict]]:
    """``{label: sweep(overfit_stories, {}, cache, seeds=seeds, **params)}`` for every ``label: params`` of
    ``points``, all through one ``pool`` (None: one after the other here), so no core idles between settings."""
    if pool is None or not points:
        return {label: sweep(overfit_stories, {}, cache, seeds=seeds, **params) for label, params in points.items()}
    with ThreadPoolExecutor(len(points)) as threads:
        futures = {label: threads.submit(sweep, overfit_stories, {}, cache, seeds=seeds, executor=pool, **params)
                   for label, params in points.items()}
        return {label: f.result() for label, f in futures.items()}


def regularizer_study(cache: ResultCache, *, workers: int = 2, settings: Mapping[str, Mapping] = REGULARIZERS,
                      seeds: Sequence[int] | None = None, fixed: Mapping | None = None
                      ) -> dict[str, dict[str, list[dict]]]:
    """Run (or read from ``cache``) every setting of ``settings`` with every seed, then the same runs stopped at
    their own lowest validation loss (``stop_at="best_val"``), ``workers`` at a time (one torch thread each).
    ``seeds`` and ``fixed`` (parameters every run sets) default to the protocol's (the evaluation seeds and
    world), so the verdict rows read these runs. A full run stores its weights at its best step (``Trained.derived``),
    so the stopped runs only sample. Returns ``{label: {"final": [result per seed], "best_val": [...]}}``.

    The best-validation checkpoint separates two effects a regularizer has at a fixed number of steps: it
    regularizes, and it slows fitting (a run that is still fitting has its lowest validation loss at the end).
    Comparing every setting at its own best-validation checkpoint asks what it does beyond early stopping.
    """
    p = protocol.study("overfitting")
    seeds = p["eval_seeds"] if seeds is None else list(seeds)
    fixed = p["fixed"] if fixed is None else dict(fixed)
    pool = None
    if workers > 1:  # spawn, as sweep does: a forked child of a process that ran torch threads can deadlock
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=torch.set_num_threads, initargs=(1,))
    try:  # the full runs first: the stopped runs then load the checkpoints they stored
        got = {ckpt: _sweep_points(cache, {label: {**fixed, **params, **extra} for label, params in settings.items()},
                                   seeds, pool)
               for ckpt, extra in CHECKPOINTS.items()}
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return {label: {ckpt: got[ckpt][label] for ckpt in CHECKPOINTS} for label in settings}


def study_summary(study: Mapping[str, Mapping[str, Sequence[Mapping]]]) -> dict[str, dict[str, dict]]:
    """``{label: {checkpoint: {metric: Interval}}}``: the mean over seeds of every :data:`STUDY_METRICS` entry,
    with its 95% t interval. Each seed's share pools all of that run's sampled sentences, so the interval over
    seeds respects that sentences of one sampled story (and of one run) are not independent."""
    return {label: {ckpt: {k: v for k, v in summarize(rs).items() if k in STUDY_METRICS}
                    for ckpt, rs in by_ckpt.items()}
            for label, by_ckpt in study.items()}


def study_view(explorer: Explorer, study: Mapping[str, Mapping[str, Sequence[Mapping]]],
               checkpoint: str = "final") -> SliderView:
    """The static twin of the settings the explorer's grid lacks (embedding noise, stochastic depth): one slider
    over the settings of ``study`` (:func:`regularizer_study`'s result), each frame its first seed's run at
    ``checkpoint``, drawn and numbered as ``explorer`` draws its frames. It trains nothing: it shows runs the
    study did. Live, the same slider re-renders the stored runs."""
    if checkpoint not in CHECKPOINTS:
        raise ValueError(f"checkpoint={checkpoint!r} is not allowed: allowed {list(CHECKPOINTS)}")
    runs = {label: by_ckpt[checkpoint][0] for label, by_ckpt in study.items()}
    if not runs:
        raise ValueError("study: needs at least one setting")
    seed = next(iter(runs.values()))["params"]["seed"]

    def render(label: str) -> str:
        png = base64.b64encode(explorer.render_png(runs[label])).decode("ascii")
        numbers = " · ".join(f"{k} {v}" for k, v in explorer.numbers(runs[label]).items())
        return (f'<img src="data:image/png;base64,{png}" alt="{html.escape(label)}: loss curves and sample '
                f'scores" style="max-width:100%"><div style="font-family:monospace;font-size:0.85em">'
                f"{html.escape(label)} — {html.escape(numbers)}</div>")

    return SliderView(
        "setting", list(runs), render,
        title="The study's settings, one seed: dropout, embedding noise, stochastic depth",
        caption=(f"Static view: the study's {len(runs)} settings at seed {seed}, {WHERE[checkpoint]}: runs of "
                 "the measured answer below, computed when this page was built. Run the notebook for live "
                 "sliders over every knob."))


# claim (a) of the book names these three; weight decay is chapter 6's (claim b, grok)
CLAIM_A = ("dropout 0.1", "embedding noise 5", "stochastic depth 0.1")
# (checkpoint, measure, expect, what): the rows of each regularizer of CLAIM_A against none. At the best-validation
# checkpoint: novel-valid among the sentences that are not copies (copies are valid by construction, so the plain
# novel share rewards copying less even with no better grammar) and distinct novel-valid sentences; at the last
# step, the plain shares of novel-valid and of invalid sentences.
ROWS = (("best_val", "novel_of_new", "higher", "novel-valid share of the sentences that are not copies"),
        ("best_val", "distinct_novel", "higher", "distinct novel-valid sentences"),
        ("final", "novel", "higher", "novel-valid share of the sentences"),
        ("final", "invalid", "lower", "invalid share of the sentences"))
WHERE = {"final": "at the last step", "best_val": "each at its lowest validation loss"}


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read, at the protocol's settings (its world, arms and evaluation seeds) and this
    scale, as ``(experiment, points)`` sweeps in order: the full runs, then the same runs at their lowest
    validation loss, which load the checkpoints the full runs stored (through a cache they only sample)."""
    p = protocol.study("overfitting")
    return [(overfit_stories, [{**p["fixed"], **arm, **extra, "seed": s} for arm in p["arms"].values()
                               for s in p["eval_seeds"]])
            for extra in CHECKPOINTS.values()]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows behind claim (a) for the verdict table (chapter 10; the row shape is documented in
    :mod:`minigpt.verdicts`), from ``cache`` only (never runs anything), at the protocol's settings and seeds at
    this scale: each regularizer of :data:`CLAIM_A` against none, on the measures of :data:`ROWS`. The sampled
    sentences differ between arms (no common items), so each seed gives one number per arm; ``a`` and ``b`` are
    None where a run is missing."""
    p = protocol.study("overfitting")

    def scores(arm: str, ckpt: str, measure: str) -> list | None:
        runs = seed_results(cache, overfit_stories, p["eval_seeds"], **p["fixed"], **p["arms"][arm],
                            **CHECKPOINTS[ckpt])
        return None if runs is None else [[float(r["metrics"][measure])] for r in runs]

    return [{"claim": "a", "kind": "claim", "measure": measure, "text": f"{label} vs none, {WHERE[ckpt]}: {what}",
             "labels": [label, "none"], "expect": expect, "margin": protocol.margin("overfitting", measure),
             "test": "paired", "a": scores(label, ckpt, measure), "b": scores("none", ckpt, measure)}
            for label in CLAIM_A for ckpt, measure, expect, what in ROWS]
