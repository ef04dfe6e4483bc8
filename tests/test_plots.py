"""The interval helpers of minigpt.plots draw what the intervals say, on pyplot-free Figures (Agg)."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PolyCollection

from minigpt import plots
from minigpt import stats as M

matplotlib.use("Agg")  # no display in tests; new_figure attaches an Agg canvas anyway


def _ax():
    fig = plots.new_figure()
    return fig, fig.add_subplot()


def _bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def test_plot_band_shades_low_to_high():
    fig, ax = _ax()
    x = [1, 2, 3, 4]
    ivs = [M.mean_interval(v) for v in ([0.1, 0.2, 0.3], [0.3, 0.4], [0.5, 0.55, 0.6, 0.7], [0.6, 0.9])]
    assert plots.plot_band(ax, x, ivs, label="dropout 0.1", color=plots.COLORS["val"]) is ax
    (line,) = ax.get_lines()
    assert list(line.get_xdata()) == x and list(line.get_ydata()) == [iv.estimate for iv in ivs]
    assert line.get_label() == "dropout 0.1"
    (band,) = _bands(ax)
    verts = band.get_paths()[0].vertices
    # the polygon runs along the lows and back along the highs: every (x, low) and (x, high) is a vertex
    for xi, iv in zip(x, ivs, strict=True):
        assert any(np.allclose(v, (xi, iv.low)) for v in verts)
        assert any(np.allclose(v, (xi, iv.high)) for v in verts)
    assert verts[:, 1].min() == pytest.approx(min(iv.low for iv in ivs))
    assert verts[:, 1].max() == pytest.approx(max(iv.high for iv in ivs))
    assert matplotlib.colors.same_color(band.get_facecolor()[0][:3], plots.COLORS["val"])
    plots.fig_to_png_bytes(fig)  # it renders


def test_plot_band_one_seed_has_no_band_and_says_so():
    fig, ax = _ax()
    ivs = [M.mean_interval([v]) for v in (0.2, 0.4, 0.5)]
    plots.plot_band(ax, [0, 1, 2], ivs, label="wd 0.1")
    assert _bands(ax) == [] and not [c for c in ax.collections if isinstance(c, LineCollection)]
    assert ax.get_lines()[0].get_label() == "wd 0.1 (one seed: no interval)"
    assert [t.get_text() for t in ax.legend().get_texts()] == ["wd 0.1 (one seed: no interval)"]
    plots.fig_to_png_bytes(fig)


def test_plot_band_mixed_seeds():
    fig, ax = _ax()
    # runs with intervals: points 0-1 (shaded) and point 3 alone (a bar); points 2 and 4 have one seed
    ivs = [M.mean_interval([0.1, 0.3]), M.mean_interval([0.2, 0.4]), M.mean_interval([0.5]),
           M.mean_interval([0.6, 0.8]), M.mean_interval([0.7])]
    plots.plot_band(ax, range(5), ivs, label="none")
    line, open_marks = ax.get_lines()
    assert "one seed" in line.get_label()
    assert list(open_marks.get_xdata()) == [2.0, 4.0] and open_marks.get_markerfacecolor() == "white"
    (band,) = _bands(ax)
    ys = band.get_paths()[0].vertices[:, 1]
    assert not np.isnan(ys).any()
    assert set(np.round(ys, 12)) >= {round(ivs[0].low, 12), round(ivs[1].high, 12)}
    assert ys.max() <= ivs[1].high + 1e-12  # the band stops before the one-seed point
    (lone,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert np.allclose(lone.get_segments()[0], [[3, ivs[3].low], [3, ivs[3].high]])
    plots.fig_to_png_bytes(fig)


def test_plot_interval_points_error_bars_match_intervals():
    fig, ax = _ax()
    ivs = [M.proportion_interval(8, 10), M.proportion_interval(3, 10), M.proportion_interval(10, 10)]
    plots.plot_interval_points(ax, ["none", "dropout", "decay"], ivs, label="recall", offset=0.1)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["none", "dropout", "decay"]
    (bars,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    for seg, i, iv in zip(bars.get_segments(), range(3), ivs, strict=True):
        assert np.allclose(seg, [[i + 0.1, iv.low], [i + 0.1, iv.high]])
    (errorbar,) = ax.containers
    assert errorbar.get_label() == "recall"
    assert list(errorbar.lines[0].get_ydata()) == [iv.estimate for iv in ivs]
    plots.fig_to_png_bytes(fig)


def test_plot_interval_points_one_seed_and_bars():
    fig, ax = _ax()
    ivs = [M.mean_interval([0.4, 0.5, 0.6]), M.mean_interval([0.7])]
    plots.plot_interval_points(ax, [0.0, 0.5], ivs, label="wd")
    (bars,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(bars.get_segments()) == 1  # the one-seed point has no error bar
    labels = {t.get_text() for t in ax.legend().get_texts()}
    assert labels == {"wd", "wd (one seed: no interval)"}

    fig, ax = _ax()
    plots.plot_interval_points(ax, ["a", "b"], ivs, bars=True, color=plots.COLORS["train"])
    rects = ax.patches
    assert [r.get_height() for r in rects] == pytest.approx([iv.estimate for iv in ivs])
    assert rects[1].get_hatch() == "///" and rects[0].get_hatch() is None
    assert [t.get_text() for t in ax.legend().get_texts()] == ["one seed: no interval"]  # no label given
    (bars,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert np.allclose(bars.get_segments()[0], [[0, ivs[0].low], [0, ivs[0].high]])
    plots.fig_to_png_bytes(fig)


def test_interval_plots_validate_inputs():
    _, ax = _ax()
    with pytest.raises(ValueError, match="intervals: need one per position"):
        plots.plot_band(ax, [1, 2], [M.mean_interval([1.0, 2.0])])
    with pytest.raises(ValueError, match="intervals: must be metrics.Interval"):
        plots.plot_interval_points(ax, [1], [0.5])
