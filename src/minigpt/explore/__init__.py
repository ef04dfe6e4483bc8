"""Explorers: an experiment behind sliders, live in a kernel and still alive in the static book.

An :class:`Explorer` is displayed by a chapter. In Jupyter or Voila it is an ipywidgets box: one
SelectionSlider per parameter, Run and Stop buttons, a plot that redraws as a background run streams its
history, and a panel of numbers. Moving a slider cancels the run in flight (its stop event is set) and starts the
new one once the old one has stopped, unless the result is already in the
:class:`~minigpt.runs.ResultCache`, which shows at once. One run at most trains per explorer.

The same object offers ``text/html``: a self-contained slider over a grid of results computed by really running
them (:meth:`Explorer.precompute`, called by the chapter at build time), one small base64 PNG per grid point,
a numbers panel and a few lines of inline JavaScript; no kernel, no CDN. The book's ``_config.yml`` makes the
HTML builders prefer it, while Jupyter and Voila show the live widget.

The parts, each usable alone (none imports a study module):

- :mod:`.controller`: :class:`RunController`, the headless runs (select, cancel and restart, partial results);
- :mod:`.frames`: :class:`FrameStore`, drawn PNG frames in memory and in the cache's ``files/``;
- :mod:`.live`: :class:`LiveView`, the ipywidgets over a controller;
- :mod:`.static`: :class:`GridView` and the static HTML shared with :class:`SliderView` (:mod:`.slider_view`);
- :mod:`.explorer`: :class:`Explorer` and its :class:`Display` settings, composing the four;
- :mod:`.predictions`: :func:`predict` (a predict-first question as a choice, the answer kept) and
  :func:`scorecard` (the kept answers against the build's verdicts, chapter 10).
"""

from __future__ import annotations

from .controller import RunController
from .explorer import Display, Explorer
from .frames import FrameStore, default_plot_version
from .live import WIDGET_MIME, LiveView, warm_up
from .predictions import Prediction, PredictionStore, Scorecard, predict, scorecard
from .slider_view import SliderView
from .static import GridView, format_value

__all__ = [
    "WIDGET_MIME", "Display", "Explorer", "FrameStore", "GridView", "LiveView", "Prediction", "PredictionStore",
    "RunController", "Scorecard", "SliderView", "default_plot_version", "format_value", "predict", "scorecard",
    "warm_up",
]
