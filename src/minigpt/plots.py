"""Matplotlib helpers: one look for every figure of the book.

Nothing here changes matplotlib's global state at import. Notebooks wrap their figures in ``with style():``
(an ``rc_context``); explorers render from background threads, where a global ``rc_context`` would race with
the notebook's own plots, so they draw on a pyplot-free :func:`new_figure` and style each axes with
:func:`tidy` instead.
"""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Iterator, Mapping

from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

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
