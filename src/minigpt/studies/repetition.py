"""Study: repeating the data at a fixed training budget (chapter 4). Its experiment, the numbers it reports, its
explorer and its verdict rows.

``repeat_stories`` trains the same small character GPT with the same number of steps, batch and window in every
run: the same number of training tokens. Only the number of distinct training stories changes: ``passes`` (the
nominal number of passes over them) sets how many of a fixed pool of stories the run reads, so a run at 125 passes
reads the first 13 stories of the pool that a run at one pass reads all 1,600 of. The actual passes (tokens seen /
characters in the training text) are computed and reported. Held-out stories come after the pool and are the same
for every run of a world: *validation* stories draw the curves and choose the best checkpoint, *test* stories
give the held-out loss, per window of ``block_size`` characters (the items the paired verdict rows compare), at
the last step and at the checkpoint of the lowest validation loss. Samples at a fixed temperature are scored as
copied / novel-valid / invalid, as in chapter 3.

The chapter's study and the verdict rows of claims (l) and (m) run at the protocol's settings
(:func:`minigpt.protocol.study` ``("repetition")``): :func:`verdict_runs` lists them, :func:`verdict_measurements`
reads them.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F

from .. import protocol
from ..config import check_int, check_real, check_temperature
from ..explore import Display, Explorer
from ..model import GPT, eval_mode
from ..runs.build import cached_world, check_model_and_training, keep_best_weights, model_for, trainer_for
from ..runs.experiment import Experiment, Trained, train_with_events
from ..runs.spec import fast_mode
from ..runs.store import ResultCache
from ..runs.summary import seed_results, summarize
from ..runs.sweeps import sweep
from ..sample import generate
from ..stats import SHARE, Verdict, paired_verdict
from ..tokenizer import CharTokenizer
from ..worlds.stories import StoriesConfig, StoriesWorld, make_stories, split_sentences
from .overfitting import overfit_numbers, plot_overfit

STORY_CHARS = 128  # mean characters of a story with its newline (127.6 over 8,000 stories of world seed 0)
PASSES = (1.0, 5.0, 25.0, 125.0)  # the chapter's grid: nominal passes, a factor 5 apart (the static explorer's)
LIVE_PASSES = (1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 125.0, 250.0)  # the live slider's
KINDS = ("copied", "novel", "invalid")


def sizes(fast: bool | None = None) -> dict:
    """The run's sizes at this scale (``fast``: default :func:`fast_mode`): ``steps``, ``batch_size``,
    ``block_size``, ``tokens`` (their product: what every run trains on), ``pool`` (the stories one pass reads),
    ``n_val`` and ``n_test`` (held-out stories)."""
    fast = fast_mode() if fast is None else fast
    steps, batch, block = (40, 8, 32) if fast else (400, 16, 32)
    tokens = steps * batch * block
    return {"steps": steps, "batch_size": batch, "block_size": block, "tokens": tokens,
            "pool": round(tokens / STORY_CHARS), "n_val": 10 if fast else 50, "n_test": 10 if fast else 60}


def _configure(passes: float = 1.0, dropout: float = 0.0, seed: int = 0, world_seed: int = 0,
               temperature: float = 0.5, n_samples: int | None = None) -> dict:
    fast = fast_mode()
    z = sizes(fast)
    # one pass reads the whole pool; from pool passes on, a run reads one story (fast mode's 125 passes: 80)
    check_real("passes", passes, 1.0, 1000.0)
    steps = z["steps"]
    return {
        "torch_threads": 1,
        # the pool of training stories, then the held-out ones: the same for every number of passes
        "world": {"n_stories": z["pool"], "n_val_stories": z["n_val"] + z["n_test"], "seed": world_seed},
        "data": {"n_stories": max(1, round(z["pool"] / passes)), "n_val": z["n_val"], "n_test": z["n_test"]},
        "model": {"block_size": z["block_size"], "n_layer": 1 if fast else 2, "n_head": 4,
                  "n_embd": 32 if fast else 48, "dropout": dropout},
        # 16 evaluations a run (8 in fast mode): enough points for a curve and for the best checkpoint
        "train": {"steps": steps, "batch_size": z["batch_size"], "lr": 1e-2, "warmup_steps": steps // 10,
                  "eval_interval": steps // (8 if fast else 16), "eval_batches": 2 if fast else 4, "seed": seed},
        "sample": {"n": n_samples if n_samples is not None else (8 if fast else 32),
                   "max_new_tokens": 80 if fast else 120, "temperature": temperature, "seed": seed},
    }


_pool = cached_world(lambda config: make_stories(StoriesConfig(**config)))  # made once per process


def _check_spec(spec: dict) -> None:
    StoriesConfig(**spec["world"])
    check_model_and_training(spec)
    check_int("n_samples", spec["sample"]["n"], 1)
    check_temperature(spec["sample"]["temperature"])


def worlds(spec: Mapping) -> tuple[StoriesWorld, StoriesWorld]:
    """``(world, test)`` of a ``repeat_stories`` spec: the run's stories world (its first ``n_stories`` stories of
    the pool for training, the validation stories), and the test stories (as ``test.val_text``)."""
    pool, d = _pool(spec["world"]), spec["data"]
    train = pool.train_stories[: d["n_stories"]]
    world = StoriesWorld(dataclasses.replace(pool.config, n_stories=d["n_stories"], n_val_stories=d["n_val"]),
                         train, pool.val_stories[: d["n_val"]], frozenset(s for story in train for s in story))
    return world, dataclasses.replace(world, val_stories=pool.val_stories[d["n_val"]:])


@torch.no_grad()
def window_losses(model: GPT, tokens: torch.Tensor) -> list[float]:
    """The eval-mode loss (nats per character) of each consecutive window of ``block_size`` characters of
    ``tokens`` (1-D), each window predicted from its own characters only: one number per window."""
    block = model.config.block_size
    n = (len(tokens) - 1) // block
    x, y = tokens[: n * block].view(n, block), tokens[1: n * block + 1].view(n, block)
    with eval_mode(model):
        logits = model(x.to(model.lm_head.weight.device))  # (n, block, vocab)
        loss = F.cross_entropy(logits.flatten(0, 1).float(), y.flatten().to(logits.device), reduction="none")
    return loss.view(n, block).mean(dim=1).tolist()


def _train(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 48-wide character GPT for a fixed budget (400 steps x 16 windows x 32 characters) on the
    first ``n_stories`` stories of the pool, ``passes`` setting how many (one pass: all 1,600; 125 passes: 13),
    then sample ``n_samples`` stories at ``temperature`` and score each sentence as copied / novel-valid / invalid.

    Parameters: ``passes`` (nominal passes over the training text, >= 1), ``dropout`` (all three sites),
    ``seed`` (init, batches, dropout, sampling), ``world_seed``; sampling only: ``temperature``, ``n_samples``.

    Returns ``history`` (losses in nats per character; validation on the validation stories), ``metrics``
    (``passes``: tokens seen / training characters, ``n_stories``, ``final_train_loss``, ``final_val_loss``,
    ``gap`` = val - train at the last step, ``best_val_loss`` and ``best_val_step``, ``test_loss`` at the last step
    and ``best_test_loss`` at the step of the lowest validation loss (means over the test windows), the shares
    ``copied``, ``novel``, ``invalid`` of ``n_sentences`` sampled sentences), ``items`` (``test_loss`` and
    ``best_test_loss`` per test window: the paired rows' items) and ``samples`` (the first 4 stories).
    """
    world, test = worlds(spec)
    tok = CharTokenizer(world.alphabet)
    train = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
    val = torch.tensor(tok.encode(world.val_text), dtype=torch.long)
    model = model_for(spec, tok.vocab_size)
    trainer = trainer_for(spec, model, train, val)
    best = keep_best_weights(trainer)
    history = train_with_events(trainer, on_eval, stop)
    info = {"n_stories": len(world.train_stories), "n_train_chars": len(world.train_text)}
    if history.stop_reason == "completed":  # the held-out loss at the best checkpoint, chosen on validation only
        kept = GPT(model.config)
        kept.load_state_dict(best["state"])
        info["best_test_items"] = window_losses(kept, torch.tensor(tok.encode(test.val_text), dtype=torch.long))
    return Trained(model, history, info)


def _evaluate(spec: dict, trained: Trained) -> dict:
    world, test = worlds(spec)
    tok = CharTokenizer(world.alphabet)
    model, history, s, info = trained.model, trained.history, spec["sample"], trained.info
    device = model.lm_head.weight.device
    test_items = window_losses(model, torch.tensor(tok.encode(test.val_text), dtype=torch.long))
    gen = torch.Generator(device=device).manual_seed(s["seed"])
    prompt = torch.full((s["n"], 1), tok.encode("\n")[0], dtype=torch.long, device=device)
    texts = [tok.decode(r[1:].tolist()) for r in generate(model, prompt, s["max_new_tokens"],
                                                          temperature=s["temperature"], generator=gen)]
    kinds = [world.classify(x) for text in texts for x in split_sentences(text)]
    t, va = spec["train"], history.val_loss
    best = min(range(len(va)), key=lambda i: va[i])
    metrics = {
        "passes": t["steps"] * t["batch_size"] * spec["model"]["block_size"] / info["n_train_chars"],
        "n_stories": info["n_stories"],
        "final_train_loss": history.eval_train_loss[-1],
        "final_val_loss": va[-1],
        "gap": va[-1] - history.eval_train_loss[-1],
        "best_val_loss": va[best],
        "best_val_step": history.eval_step[best],
        "test_loss": sum(test_items) / len(test_items),
        "best_test_loss": sum(info["best_test_items"]) / len(info["best_test_items"]),
        "n_sentences": len(kinds),
        **{k: kinds.count(k) / len(kinds) if kinds else 0.0 for k in KINDS},
    }
    samples = [x.rsplit(".", 1)[0] + "." if "." in x else x for x in texts[:4]]
    return {"metrics": metrics, "items": {"test_loss": test_items, "best_test_loss": info["best_test_items"]},
            "samples": samples}


repeat_stories = Experiment("repeat_stories", _configure, _train, _evaluate,
                            sample_params=("temperature", "n_samples"), check=_check_spec,
                            bounds=dict.fromkeys(KINDS, SHARE))


def repetition_numbers(result: Mapping) -> dict[str, str]:
    """The numbers the explorer shows: chapter 3's (losses, gap, sample shares), the passes and the held-out
    (test) loss."""
    m = result.get("metrics")
    if not m:
        return overfit_numbers(result)
    return {"passes": f"{m['passes']:.1f} over {m['n_stories']} stories",
            "held-out loss": f"{m['test_loss']:.3f} (at the best checkpoint {m['best_test_loss']:.3f})",
            **overfit_numbers(result)}


def repetition_explorer(cache=None, **fixed) -> Explorer:
    """Chapter 4's explorer over :data:`repeat_stories`: passes over the data (a log-spaced slider of the number of
    training stories, at a fixed budget) and dropout off or at the protocol's rate; the static view sweeps the
    chapter's grid (:data:`PASSES`), the study's own runs at one seed."""
    rate = protocol.study("repetition")["arms"]["dropout"]["dropout"]
    return Explorer(
        repeat_stories,
        controls={"passes": list(LIVE_PASSES), "dropout": [0.0, rate]},
        static_grid={"passes": list(PASSES), "dropout": [0.0, rate]},
        plot=plot_overfit,
        plot_version="repetition: plot_overfit 1",  # change it when the plot draws differently
        numbers=repetition_numbers,
        cache=cache,
        fixed=fixed,
        display=Display(title="Repeating the data at a fixed budget: train vs validation loss, and the samples",
                        labels={"passes": "passes over the data", "dropout": "dropout"}),
    )


# --- the chapter's study: every point of the grid, dropout off and on, over seeds ----------------------------


def arms() -> dict[str, dict]:
    """The protocol's two dropout arms, ``{label: params}``: ``none`` and ``dropout <rate>``."""
    a = protocol.study("repetition")["arms"]
    return {"none": a["none"], f"dropout {a['dropout']['dropout']:g}": a["dropout"]}


def repetition_study(cache: ResultCache, *, workers: int = 2, passes: Sequence[float] = PASSES,
                     seeds: Sequence[int] | None = None, fixed: Mapping | None = None
                     ) -> dict[float, dict[str, list[dict]]]:
    """Run (or read from ``cache``) both dropout arms at every ``passes`` with every seed, ``workers`` at a time
    (one torch thread each). ``seeds`` and ``fixed`` default to the protocol's (the evaluation seeds and world),
    so the verdict rows read these runs. Returns ``{passes: {arm label: [result per seed]}}``."""
    p = protocol.study("repetition")
    seeds = p["eval_seeds"] if seeds is None else list(seeds)
    fixed = p["fixed"] if fixed is None else dict(fixed)
    points = [{**fixed, **arm, "passes": float(n)} for n in passes for arm in arms().values()]
    results = sweep(repeat_stories, points, cache, seeds=seeds, workers=workers)
    k = len(seeds)
    out: dict[float, dict[str, list[dict]]] = {}
    for i, (n, label) in enumerate((float(n), label) for n in passes for label in arms()):
        out.setdefault(n, {})[label] = results[i * k:(i + 1) * k]
    return out


def study_summary(study: Mapping[float, Mapping[str, Sequence[Mapping]]]) -> dict[float, dict[str, dict]]:
    """``{passes: {arm: {metric: Interval}}}``: the mean over seeds of every scalar metric, with its 95% t
    interval (the shares' clipped to [0, 1])."""
    return {n: {label: summarize(rs) for label, rs in by.items()} for n, by in study.items()}


def paired(a: Sequence[Mapping], b: Sequence[Mapping], measure: str, expect: str) -> Verdict:
    """The paired verdict of the runs ``a`` against ``b`` (one per seed, in the same seed order) on ``measure``
    (``test_loss`` or ``best_test_loss``): per test window, shared by every run of a seed, with the protocol's
    margin."""
    return paired_verdict([r["items"][measure] for r in a], [r["items"][measure] for r in b], expect=expect,
                          margin=protocol.margin("repetition", measure))


def dropout_effects(study: Mapping[float, Mapping[str, Sequence[Mapping]]], measure: str = "test_loss"
                    ) -> dict[float, Verdict]:
    """``{passes: Verdict}``: dropout against none at every number of passes, on ``measure`` (lower expected)."""
    on, off = list(arms())[1], "none"
    return {n: paired(by[on], by[off], measure, "lower") for n, by in study.items()}


def where_dropout_pays(effects: Mapping[float, Verdict]) -> float | None:
    """The fewest passes at which dropout's effect crosses the margin in its favour (the row would hold), or
    None where it does at none of them."""
    return min((n for n, v in effects.items() if v.verdict == "holds"), default=None)


# --- the verdict rows --------------------------------------------------------------------------------------

WHERE = {"test_loss": "at the last step", "best_test_loss": "each at its lowest validation loss"}


def verdict_runs() -> list[tuple[Experiment, list[dict]]]:
    """The runs the verdict rows read, at the protocol's settings (world, arms, data, evaluation seeds) and this
    scale: both dropout arms at one pass and at many passes (the chapter's study runs them among its grid)."""
    p = protocol.study("repetition")
    return [(repeat_stories, [{**p["fixed"], **arm, **data, "seed": s} for data in p["data"].values()
                              for arm in p["arms"].values() for s in p["eval_seeds"]])]


def verdict_measurements(cache: ResultCache) -> list[dict]:
    """The rows of claims (l) and (m) for the verdict table (chapter 10; the row shape is documented in
    :mod:`minigpt.verdicts`), from ``cache`` only (never runs anything), at the protocol's settings and seeds at
    this scale. Items: the held-out loss of each test window, the same windows for every run (``shared``).

    (l) dropout against none, at one pass and at many passes, held-out loss expected lower; at many passes also
    each at its lowest validation loss. (m) many passes against one pass without dropout, held-out loss expected
    higher, at the last step and each at its lowest validation loss."""
    p = protocol.study("repetition")
    rate = f"dropout {p['arms']['dropout']['dropout']:g}"

    def scores(arm: str, data: str, measure: str) -> list | None:
        runs = seed_results(cache, repeat_stories, p["eval_seeds"], **p["fixed"], **p["arms"][arm],
                            **p["data"][data])
        return None if runs is None else [r["items"][measure] for r in runs]

    def row(claim, measure, text, labels, expect, a, b) -> dict:
        return {"claim": claim, "kind": "claim", "measure": measure, "text": f"{text}, {WHERE[measure]}: held-out "
                "loss", "labels": labels, "expect": expect, "margin": protocol.margin("repetition", measure),
                "test": "paired", "a": scores(*a, measure), "b": scores(*b, measure)}

    return [row("l", "test_loss", f"{rate} vs none at one pass", [rate, "none"], "lower",
                ("dropout", "one pass"), ("none", "one pass")),
            row("l", "test_loss", f"{rate} vs none at many passes", [rate, "none"], "lower",
                ("dropout", "many passes"), ("none", "many passes")),
            row("l", "best_test_loss", f"{rate} vs none at many passes", [rate, "none"], "lower",
                ("dropout", "many passes"), ("none", "many passes")),
            row("m", "test_loss", "many passes vs one pass, no dropout", ["many passes", "one pass"], "higher",
                ("none", "many passes"), ("none", "one pass")),
            row("m", "best_test_loss", "many passes vs one pass, no dropout", ["many passes", "one pass"],
                "higher", ("none", "many passes"), ("none", "one pass"))]
