"""Chapter 7's second explorer (with :mod:`minigpt.studies.sampling`, whose module is full): facts and sums at a
temperature. One stored :data:`~minigpt.studies.sampling.sample_qa` model per world, re-sampled at every slider
move (nothing trains); each answer is set against the model's own greedy answer to the same question, so the plot
shows what warmth costs question by question: right both times, lost (greedy right, this sample wrong), gained,
wrong both times. Not a study of its own (no verdict rows): the registry lists :mod:`~minigpt.studies.sampling`.
"""

from __future__ import annotations

from collections.abc import Mapping

from matplotlib.figure import Figure

from .. import protocol
from ..explore import Display, Explorer
from ..plots import COLORS, tidy
from ..runs.store import ResultCache
from .sampling import QA_TEMPERATURES, QA_WORLDS, grids, sample_qa

OUTCOMES = ("right both", "lost", "gained", "wrong both")  # this sample against greedy, per question


def against_greedy(result: Mapping, greedy: Mapping) -> dict[str, int]:
    """How many questions ``result`` and ``greedy`` (two ``sample_qa`` results of one model: the same questions in
    the same order) got right both, greedy only ("lost"), this one only ("gained") and neither."""
    a, g = result["items"]["accuracy"], greedy["items"]["accuracy"]
    if len(a) != len(g):
        raise ValueError(f"greedy: needs the same questions as result ({len(a)}), got {len(g)}")
    pairs = list(zip(a, g, strict=True))
    return {"right both": pairs.count((1, 1)), "lost": pairs.count((0, 1)), "gained": pairs.count((1, 0)),
            "wrong both": pairs.count((0, 0))}


def qa_numbers(result: Mapping, greedy: Mapping | None = None) -> dict[str, str]:
    """The numbers the explorer shows for a ``sample_qa`` result (greedy: the same model's answers at T=0)."""
    m = result.get("metrics")
    if not m:
        h = result.get("history") or {}
        return {"training": f"step {h['step'][-1] + 1}" if h.get("step") else "step 0"}
    out = {"accuracy": f"{m['accuracy']:.1%} of {m['n']} questions"}
    if greedy is not None:
        c = against_greedy(result, greedy)
        out["greedy"] = f"{greedy['metrics']['accuracy']:.1%}"
        out["against greedy"] = f"lost {c['lost']}, gained {c['gained']}"
    return out


def plot_qa(result: Mapping, fig: Figure, curve: Mapping[float, float] | None = None,
            greedy: Mapping | None = None) -> Figure:
    """Left: accuracy against temperature (``curve``: {T: accuracy} of the same model, where sampled) with this
    result's point marked; right: its answers against greedy's, question by question (one stacked bar)."""
    left, right = fig.subplots(1, 2, width_ratios=[1.2, 1])
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.19, top=0.86, wspace=0.35)
    params, m = result.get("params", {}), result.get("metrics")
    world, t = params.get("world", ""), params.get("temperature", 0.0)
    if curve:
        ts = sorted(curve)
        left.plot(ts, [curve[x] for x in ts], "o-", color="0.6", markersize=3, lw=1, label="this model")
    if m:
        left.plot([t], [m["accuracy"]], "o", color=COLORS["val"], markersize=8, label=f"T={t:g}")
    left.set(xlabel="temperature (0 = greedy)", ylabel="accuracy", ylim=(-0.02, 1.02),
             title=f"{world}: one answer per question")
    left.legend(loc="lower left", fontsize=7)
    if m and greedy is not None:
        c = against_greedy(result, greedy)
        colors = {"right both": COLORS["novel"], "lost": COLORS["val"], "gained": COLORS["accent"],
                  "wrong both": COLORS["copied"]}
        bottom = 0
        for name in OUTCOMES:
            right.bar([0], [c[name]], bottom=bottom, color=colors[name], width=0.5, label=f"{name} ({c[name]})")
            bottom += c[name]
        right.set(xlim=(-0.5, 2.2), xticks=[], ylabel="questions", title=f"T={t:g} against greedy")
        right.legend(loc="center right", fontsize=7)
    else:
        right.set_axis_off()
        right.text(0.5, 0.5, "the greedy answers are not sampled yet" if m else "training...", ha="center",
                   transform=right.transAxes, fontsize=8, color="#555555")
    for ax in (left, right):
        tidy(ax)
    return fig


QA_CONTROLS = {"world": list(QA_WORLDS), "temperature": list(QA_TEMPERATURES)}
STATIC_TEMPERATURES = (0.0, 0.1, 0.3, 0.5, 1.0, 1.6)  # those of the chapter's grid the static view shows (page size)


def qa_explorer(cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 7's explorer over :data:`~minigpt.studies.sampling.sample_qa`: the world and the temperature as
    sliders, over one stored model per world (the protocol's first evaluation seed in its world, a model of the
    chapter's runs: every move re-samples it, nothing retrains). The static view steps through both worlds at the
    chapter's temperatures in :data:`STATIC_TEMPERATURES` (its own samplings: no extra run); ``fixed`` overrides
    the seed and world seed."""
    p = protocol.study("sampling")
    fixed = {**p["fixed"], "seed": p["eval_seeds"][0], **fixed}
    cache = cache if cache is not None else ResultCache()

    def others(result: Mapping) -> tuple[dict, Mapping | None]:
        # the same model at every temperature sampled so far, and its greedy answers (from the cache only)
        world = result.get("params", {}).get("world", QA_WORLDS[0])
        found = {t: cache.lookup(sample_qa, **fixed, world=world, temperature=t) for t in QA_TEMPERATURES}
        return {t: r["metrics"]["accuracy"] for t, r in found.items() if r}, found[0.0]

    def plot(result: Mapping, fig: Figure) -> Figure:  # drawn anew in each process: the curve grows as it samples
        return plot_qa(result, fig, *others(result))

    def numbers(result: Mapping) -> dict[str, str]:
        return qa_numbers(result, others(result)[1])

    temperatures = [t for t in grids()["qa_temperature"] if t in STATIC_TEMPERATURES]
    caption = (f"Static view: both worlds at {len(temperatures)} of the chapter's temperatures, sampled from the "
               f"models of seed {fixed['seed']} when this page was built. Run the notebook for every temperature of "
               "the slider: each move re-samples the stored model, nothing trains.")
    return Explorer(sample_qa, controls=QA_CONTROLS, initial={"temperature": 1.0}, cache=cache,
                    static_grid={"world": list(QA_WORLDS), "temperature": temperatures},
                    plot=plot, numbers=numbers, fixed=fixed,
                    display=Display(title="Facts and sums: sampling one stored model per world", caption=caption,
                                    labels={"world": "world", "temperature": "temperature"}))
