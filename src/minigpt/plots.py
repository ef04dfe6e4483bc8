"""Matplotlib helpers: one look for every figure of the book.

Nothing here changes matplotlib's global state at import. Notebooks wrap their figures in ``with style():``
(an ``rc_context``); explorers render from background threads, where a global ``rc_context`` would race with
the notebook's own plots, so they draw on a pyplot-free :func:`new_figure` and style each axes with
:func:`tidy` instead.
"""

from __future__ import annotations

import contextlib
import html
import io
import math
from collections.abc import Iterator, Mapping, Sequence

from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from .stats import Interval

# Colour-blind-safe (Okabe-Ito); the same meaning in every chapter.
COLORS = {
    "train": "#0072B2",  # blue: training data
    "val": "#D55E00",  # vermillion: held-out data
    "gap": "#E69F00",  # orange: the generalization gap
    "copied": "#999999",  # grey: sentences copied from the training set
    "novel": "#009E73",  # green: novel and valid sentences
    "invalid": "#CC79A7",  # purple: sentences the grammar rejects
    "accent": "#56B4E9",
}

BOOK_RC: dict = {
    "figure.figsize": (6.4, 3.2),
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "tight",
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "axes.prop_cycle": cycler(color=list(COLORS.values())),
}


@contextlib.contextmanager
def style() -> Iterator[None]:
    """The book's matplotlib style for the figures made inside the ``with`` block (main thread only)."""
    import matplotlib

    with matplotlib.rc_context(BOOK_RC):
        yield


def new_figure(width: float = 6.4, height: float = 2.6, layout: str | None = None) -> Figure:
    """A Figure (inches) not registered with pyplot: safe to draw from a worker thread, freed by the GC.

    No layout engine by default: "constrained" costs more than the rest of an explorer frame's drawing, so
    explorer plots place their axes with ``fig.subplots_adjust``.
    """
    fig = Figure(figsize=(width, height), layout=layout)
    FigureCanvasAgg(fig)
    return fig


def tidy(ax: Axes) -> Axes:
    """Apply the book's look to one axes without touching rcParams (what :func:`style` sets globally)."""
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(True, alpha=0.3, linewidth=0.6)
    ax.tick_params(labelsize=8)
    ax.xaxis.label.set_size(9)
    ax.yaxis.label.set_size(9)
    ax.title.set_size(10)
    return ax


def fig_to_png_bytes(fig: Figure, dpi: int = 80) -> bytes:
    """The figure as PNG bytes at ``dpi`` dots per inch (80 keeps a 6.4 x 2.6 in. figure near 20-40 KB)."""
    if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})  # no version stamp: stable bytes
    return buf.getvalue()


# --- intervals ------------------------------------------------------------------------------------------
# A summary number is drawn with its 95% interval: a shaded band around a curve, or error bars on points and
# bars. A single seed has no interval; it is drawn without one and its legend entry says "one seed", so a thin
# band is never mistaken for a missing one.

BAND_ALPHA = 0.2  # light enough that two overlapping bands stay readable


def _check_intervals(positions: Sequence, intervals: Sequence[Interval]) -> list[Interval]:
    intervals = list(intervals)
    if len(positions) != len(intervals):
        raise ValueError(f"intervals: need one per position, got {len(intervals)} for {len(positions)} positions")
    for iv in intervals:
        if not isinstance(iv, Interval):
            raise ValueError(f"intervals: must be metrics.Interval values, got {type(iv).__name__}")
    return intervals


def _one_seed_label(label: str | None, note: str = "one seed: no interval") -> str:
    return f"{label} ({note})" if label else note


def plot_band(ax: Axes, x: Sequence[float], intervals: Sequence[Interval], *, label: str | None = None,
              color: str | None = None, alpha: float = BAND_ALPHA, marker: str = "o") -> Axes:
    """A curve through the estimates with its intervals shaded from low to high (units of the estimates).

    Points with one seed keep their place on the line but get no band and an open marker, and the legend
    label says "one seed". A point with an interval between two one-seed points has no neighbour to shade
    towards, so its interval is drawn as a vertical bar. ``color`` defaults to the axes' next colour.
    """
    intervals = _check_intervals(x, intervals)
    x = [float(v) for v in x]
    tidy(ax)
    est = [iv.estimate for iv in intervals]
    has = [not iv.one_seed for iv in intervals]
    if all(has):
        line_label = label
    else:
        line_label = _one_seed_label(label, "one seed: no interval" if not any(has) else "open: one seed, no interval")
    (line,) = ax.plot(x, est, color=color, marker=marker, markersize=2.5, label=line_label)
    color = line.get_color()
    one = [i for i, h in enumerate(has) if not h]
    if one:
        ax.plot([x[i] for i in one], [est[i] for i in one], linestyle="none", marker=marker, markersize=4,
                markerfacecolor="white", color=color)
    # NaN splits fill_between into one polygon per run of points that have intervals
    low = [iv.low if h else math.nan for iv, h in zip(intervals, has, strict=True)]
    high = [iv.high if h else math.nan for iv, h in zip(intervals, has, strict=True)]
    if sum(has) > 1:
        ax.fill_between(x, low, high, color=color, alpha=alpha, linewidth=0)
    lone = [i for i, h in enumerate(has) if h and not (i > 0 and has[i - 1]) and not (i + 1 < len(has) and has[i + 1])]
    if lone:
        ax.vlines([x[i] for i in lone], [low[i] for i in lone], [high[i] for i in lone], color=color,
                  alpha=max(alpha, 0.5), linewidth=3)
    return ax


def plot_interval_points(ax: Axes, positions: Sequence, intervals: Sequence[Interval], *, bars: bool = False,
                         label: str | None = None, color: str | None = None, offset: float = 0.0,
                         width: float = 0.6, marker: str = "o") -> Axes:
    """Estimates as points (or ``bars=True``: bars) with error bars from low to high (units of the estimates).

    ``positions`` are numbers (x values) or strings (category names, placed at 0, 1, ... and used as tick
    labels). ``offset`` shifts every point, so several settings can stand side by side per category. Points
    with one seed are drawn without an error bar, as open markers (hatched bars), and the label says so.
    """
    intervals = _check_intervals(positions, intervals)
    tidy(ax)
    categorical = any(isinstance(p, str) for p in positions)
    x = [i + offset for i in range(len(positions))] if categorical else [float(p) + offset for p in positions]
    if categorical:
        ax.set_xticks(range(len(positions)), [str(p) for p in positions])
    est = [iv.estimate for iv in intervals]
    ok = [i for i, iv in enumerate(intervals) if not iv.one_seed]
    one = [i for i, iv in enumerate(intervals) if iv.one_seed]
    if color is None:  # the axes' next colour, taken once so points, bars and one-seed marks share it
        (probe,) = ax.plot([], [])
        color = probe.get_color()
        probe.remove()
    ok_label, one_label = label, _one_seed_label(label)
    if bars:
        if ok:
            ax.bar([x[i] for i in ok], [est[i] for i in ok], width=width, color=color, label=ok_label)
        if one:
            ax.bar([x[i] for i in one], [est[i] for i in one], width=width, color="white", edgecolor=color,
                   hatch="///", label=one_label)
    elif one:
        ax.plot([x[i] for i in one], [est[i] for i in one], linestyle="none", marker=marker, markersize=5,
                markerfacecolor="white", color=color, label=one_label)
    if ok:
        yerr = [[est[i] - intervals[i].low for i in ok], [intervals[i].high - est[i] for i in ok]]
        ax.errorbar([x[i] for i in ok], [est[i] for i in ok], yerr=yerr, color="#333333" if bars else color,
                    fmt="none" if bars else marker, markersize=5, capsize=3, linewidth=1.2,
                    label=None if bars else ok_label)
    return ax


def _get(history, name: str) -> list:
    return list(history[name] if isinstance(history, Mapping) else getattr(history, name))


def loss_curves(ax: Axes, history, *, raw: bool = True, gap: bool = True, legend: bool = True,
                xlim: float | None = None, ylim: tuple[float, float] | None = None) -> Axes:
    """Train and validation loss (nats per token) against optimizer steps, from a History or its dict.

    ``raw`` adds the noisy per-batch training loss; ``gap`` shades val - train between the eval curves.
    Fixed ``xlim``/``ylim`` keep frames of an explorer comparable.
    """
    tidy(ax)
    if raw and _get(history, "step"):
        ax.plot(_get(history, "step"), _get(history, "train_loss"), color=COLORS["train"], alpha=0.25,
                linewidth=0.8, label="train (batch)")
    es, tr, va = _get(history, "eval_step"), _get(history, "eval_train_loss"), _get(history, "val_loss")
    if es:
        ax.plot(es, tr, color=COLORS["train"], marker="o", markersize=2.5, label="train")
        if not all(math.isnan(v) for v in va):
            ax.plot(es, va, color=COLORS["val"], marker="o", markersize=2.5, label="validation")
            if gap:
                ax.fill_between(es, tr, va, color=COLORS["gap"], alpha=0.15, linewidth=0, label="gap")
    ax.set_xlabel("step")
    ax.set_ylabel("loss (nats/token)")
    if xlim is not None:
        ax.set_xlim(0, xlim)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if legend and es:
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    return ax


SENTENCE_KINDS = ("copied", "novel", "invalid")
KIND_LABELS = {"copied": "copied", "novel": "novel-valid", "invalid": "invalid"}


def sample_bars(ax: Axes, metrics: Mapping | None) -> Axes:
    """Shares of sampled sentences that are copied / novel-valid / invalid, as three bars (0 to 1)."""
    tidy(ax)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share of sentences")
    labels = [KIND_LABELS[k] for k in SENTENCE_KINDS]
    if not metrics:
        ax.bar(labels, [0, 0, 0])
        ax.text(1, 0.5, "samples are scored\nwhen the run ends", ha="center", va="center", fontsize=8,
                color="#555555")
        return ax
    values = [metrics[k] for k in SENTENCE_KINDS]
    ax.bar(labels, values, color=[COLORS[k] for k in SENTENCE_KINDS])
    for i, v in enumerate(values):
        ax.text(i, v + 0.02, f"{v:.0%}", ha="center", va="bottom", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title(f"{metrics.get('n_sentences', 0)} sampled sentences", fontsize=9)
    return ax


# --- verdict rows as a forest plot -------------------------------------------------------------------------
# Row verdicts and claim verdicts (minigpt.verdicts), one colour each, in the figures and in the HTML badges.
VERDICT_COLORS = {
    "holds": "#009E73",  # green
    "holds with a condition": "#0072B2",  # blue
    "mixed": "#CC79A7",  # purple
    "fails": "#D55E00",  # vermillion
    "negligible": "#E69F00",  # orange: a difference smaller than the margin
    "inconclusive": "#777777",  # grey
    "not measured": "#BBBBBB",  # light grey
}


FOREST_FONT = 7.5  # points: at 100 dpi and the figure's width, the size of the page's small print


def _forest_label(row: Mapping, chars: int) -> str:
    """``(claim) ch. N: text`` in at most ``chars`` characters: a longer one keeps its start (the arms) and its
    end (often the measure) and drops the middle."""
    label = f"({row['claim']}) ch. {row['chapter']}: {row['text']}"
    if len(label) <= chars:
        return label
    head = label[: int(chars * 0.38)].rsplit(" ", 1)[0]
    tail = label[len(label) - (chars - len(head) - 5):].split(" ", 1)[-1]
    return f"{head} ... {tail}"


def _forest_axes(ax: Axes, rows: Sequence[Mapping], per_margin: bool, limit: float, chars: int) -> None:
    """One panel of :func:`forest`: rows top to bottom, x in margins (signed) or in the measure's units."""
    tidy(ax)
    ax.grid(False)
    n = len(rows)
    ys = list(range(n, 0, -1))

    def scaled(row, v):
        if v is None or not math.isfinite(v):
            return None
        return (-v if row["expect"] == "lower" else v) / row["margin"] if per_margin else v

    ends = [abs(x) for r in rows for x in (scaled(r, r["low"]), scaled(r, r["high"]), scaled(r, r["estimate"]))
            if x is not None]
    if per_margin:
        lim = min(limit, max([1.5, *ends]) * 1.1)
        ax.axvspan(-1, 1, color="#000000", alpha=0.06, linewidth=0)
        ax.axvline(-1, color="#888888", linewidth=0.8, linestyle="--")
        ax.axvline(1, color="#888888", linewidth=0.8, linestyle="--")
        ax.set_xlabel("a - b in units of the row's margin (right: the side the claim predicts)")
    else:
        lim = max([1e-9, *ends]) * 1.15
        ax.set_xlabel("a - b in the measure's units (rows without a margin)")
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlim(-lim, lim)
    for y, row in zip(ys, rows, strict=True):
        color = VERDICT_COLORS.get(row["verdict"], "#777777")
        est, low, high = (scaled(row, row[k]) for k in ("estimate", "low", "high"))
        if low is not None and high is not None:
            ax.plot([max(-lim, min(lim, x)) for x in (low, high)], [y, y], color=color, linewidth=2.2,
                    solid_capstyle="butt")
            for end in {math.copysign(lim, x) for x in (low, high) if abs(x) > lim}:
                # an interval past the axis: an arrow head at the edge it runs over
                ax.plot([end * 0.985], [y], marker=">" if end > 0 else "<", color=color, markersize=5)
        if est is not None:
            ax.plot([max(-lim, min(lim, est))], [y], marker="D" if row["expect"] == "equal" else "o",
                    color=color, markersize=4.5, markeredgecolor="white", markeredgewidth=0.5)
        if row["estimate"] is None or not math.isfinite(row["estimate"]):
            note = row["verdict"] if row["verdict"] == "not measured" else "no estimate"
        elif row["low"] is None:
            note = f"{row['estimate']:+.3g} (no interval)"
        else:
            note = f"{row['estimate']:+.3g} [{row['low']:+.3g}, {row['high']:+.3g}]"
        ax.text(1.02, y, note, transform=ax.get_yaxis_transform(), va="center", fontsize=FOREST_FONT,
                color=color)
    for i in range(1, n):  # a thin line between claims
        if rows[i]["claim"] != rows[i - 1]["claim"]:
            ax.axhline(ys[i] + 0.5, color="#cccccc", linewidth=0.6)
    ax.set_yticks(ys, [_forest_label(r, chars) for r in rows], fontsize=FOREST_FONT)
    ax.set_ylim(0.4, n + 0.6)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


def forest(rows: Sequence[Mapping], *, width: float = 6.8, row_height: float = 0.15, label_chars: int = 58,
           limit: float = 6.0) -> Figure:
    """A forest plot of verdict rows: one line per row, in the given order, its 95% interval of a - b with the
    estimate as a dot (a diamond where the claim predicts no difference), coloured by the row's verdict.

    ``rows``: dicts as :func:`minigpt.verdicts.verdict_table` makes them (keys ``claim``, ``chapter``,
    ``text``, ``expect``, ``margin``, ``estimate``, ``low``, ``high``, ``verdict``). Rows with a margin share
    one axis in units of their own margin, signed so that right is the side the claim predicts: the dashed
    lines are +- the margin, and the rule can be read off the picture (right of +1: holds; inside the band:
    negligible, or holds for a predicted equality). Intervals past +-``limit`` margins end in an arrow. Rows
    without a margin (exact tests, sanity checks) get a panel below, in the measure's units. Each row's
    a - b [low, high], in the measure's units, is written at its right. Returns a pyplot-free Figure,
    ``width`` inches wide and ``row_height`` inches per row."""
    if not rows:
        raise ValueError("rows: need at least one row to draw")
    for key in ("claim", "chapter", "text", "expect", "margin", "estimate", "low", "high", "verdict"):
        if key not in rows[0]:
            raise ValueError(f"rows: each row needs the key {key!r} (a row of verdicts.verdict_table)")
    panels = [(p, [r for r in rows if (r["margin"] > 0) == p]) for p in (True, False)]
    panels = [(p, rs) for p, rs in panels if rs]
    fig = new_figure(width, row_height * len(rows) + 0.8 * len(panels) + 0.3, layout="constrained")
    axes = fig.subplots(len(panels), 1, squeeze=False, height_ratios=[len(rs) + 4 for _, rs in panels])
    for ax, (per_margin, rs) in zip(axes[:, 0], panels, strict=True):
        _forest_axes(ax, rs, per_margin, limit, label_chars)
    shown = {r["verdict"] for r in rows}
    handles = [Line2D([], [], color=c, marker="o", linewidth=2.2, label=v)
               for v, c in VERDICT_COLORS.items() if v in shown]
    if any(r["expect"] == "equal" for r in rows):
        handles.append(Line2D([], [], color="#555555", marker="D", linestyle="none",
                              label="claim predicts no difference"))
    if panels[0][0]:
        handles.append(Patch(color="#000000", alpha=0.06, label="within +- the margin"))
    fig.legend(handles=handles, loc="outside upper center", ncols=min(len(handles), 4), fontsize=FOREST_FONT,
               frameon=False)
    return fig


# --- tables ---------------------------------------------------------------------------------------------


def html_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A short table as HTML, for a chapter to show with ``display(HTML(...))``: the book renders Markdown
    outputs as CommonMark, which has no tables, so a Markdown table would print as text. Cells are written
    with ``str`` and escaped; every row has as many cells as ``header`` (a ValueError otherwise)."""
    if not header:
        raise ValueError("header: need at least one column")
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise ValueError(f"rows[{i}] has {len(row)} cells: allowed exactly {len(header)}, one per column")
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
