"""The explorer: an experiment behind sliders, live in a kernel and still alive in the static book.

A thin composition: a :class:`~minigpt.explore.controller.RunController` runs the selected setting, a
:class:`~minigpt.explore.frames.FrameStore` keeps the drawn frames, a :class:`~minigpt.explore.live.LiveView` shows
the widgets and a :class:`~minigpt.explore.static.GridView` writes the static HTML.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..runs import Experiment, ResultCache, sweep
from .controller import Listener, RunController
from .frames import FrameStore
from .live import LiveView, mimebundle
from .static import GridView, format_value

_ids = itertools.count()


@dataclass(frozen=True)
class Display:
    """How an explorer looks; nothing here changes a result."""

    title: str = ""  # above the sliders and the static view; "" = the experiment's name
    labels: Mapping[str, str] = field(default_factory=dict)  # parameter -> display name (default: "drop path")
    caption: str | None = None  # under the static view; None = one saying what was swept and what was held
    figsize: tuple[float, float] = (6.4, 2.6)  # inches: fits the book's text column
    dpi: int = 90  # sharp enough on screen, about 20 kB a frame
    min_redraw_s: float = 0.25  # partial results redraw at most this often, so plotting does not slow the run

    def __post_init__(self):
        if len(self.figsize) != 2 or not all(s > 0 for s in self.figsize):
            raise ValueError(f"figsize={self.figsize!r} is out of range: allowed (width, height) > 0 inches")
        if not 10 <= self.dpi <= 600:
            raise ValueError(f"dpi={self.dpi} is out of range: allowed 10..600")
        if not self.min_redraw_s >= 0:
            raise ValueError(f"min_redraw_s={self.min_redraw_s} is out of range: allowed >= 0 seconds")


class Explorer:
    """Sliders over the parameters of ``experiment``, a live plot, a numbers panel, and a static HTML twin.

    - ``controls``: parameter name -> the values its slider offers (the first is the start, unless ``initial``).
    - ``plot(result, fig)``: draws a result, or a partial one (``result["done"]`` False, history so far), on a
      matplotlib Figure the explorer made (pyplot-free, so it is safe in the worker thread). ``plot_version``
      names what it draws, for the frames kept on disk (see :class:`~minigpt.explore.frames.FrameStore`).
    - ``numbers(result) -> {label: text}``: what the numbers panel shows; also called on partial results.
    - ``cache``: where results are looked up and stored (default: a :class:`ResultCache` at the default root).
    - ``static_grid``: parameter name -> values for the HTML view (a subset of ``controls``; the other controls
      stay at their start values). Default: every control.
    - ``fixed``: further parameters passed to every run; ``display``: title, labels, caption, size (:class:`Display`).

    The parts are public: ``controller`` (runs), ``frames`` (drawn PNGs), ``live`` (widgets), ``static`` (HTML).
    """

    def __init__(self, experiment: Experiment, controls: Mapping[str, Sequence], plot: Callable, *,
                 numbers: Callable[[Mapping], Mapping[str, str]] | None = None, cache: ResultCache | None = None,
                 static_grid: Mapping[str, Sequence] | None = None, fixed: Mapping | None = None,
                 initial: Mapping | None = None, display: Display | None = None, plot_version: str | None = None):
        self.experiment = experiment
        self.controls = {name: list(values) for name, values in controls.items()}
        for name, values in self.controls.items():
            if name not in experiment.param_names:
                raise ValueError(f"control {name!r} is not a parameter of {experiment.name}: "
                                 f"allowed {list(experiment.param_names)}")
            if not values:
                raise ValueError(f"control {name!r} has no values")
        self.fixed = dict(fixed or {})
        both = set(self.fixed) & set(self.controls)
        if both:
            raise ValueError(f"parameters {sorted(both)} are both controls and fixed")
        self.initial = {name: values[0] for name, values in self.controls.items()}
        for name, value in (initial or {}).items():
            if value not in self.controls.get(name, []):
                raise ValueError(f"initial {name}={value!r} is not one of the control's values")
            self.initial[name] = value
        grid = self.controls if static_grid is None else static_grid
        self.static_grid = {name: list(values) for name, values in grid.items()}
        for name, values in self.static_grid.items():
            missing = [v for v in values if v not in self.controls.get(name, [])]
            if name not in self.controls or missing:
                raise ValueError(f"static_grid {name}={values!r} must be a subset of the control's values")
        self.display = display if display is not None else Display()
        self.numbers_fn = numbers
        self.cache = cache if cache is not None else ResultCache()
        self.title = self.display.title or experiment.name
        self.labels = {name: name.replace("_", " ") for name in self.controls}
        self.labels.update(self.display.labels)
        self.id = f"minigpt-explorer-{next(_ids)}-{experiment.name}"
        self.values = dict(self.initial)

        self.controller = RunController(experiment, self.cache, self.params(), name=self.id,
                                        min_redraw_s=self.display.min_redraw_s)
        self.frames = FrameStore(self.cache, plot, figsize=self.display.figsize, dpi=self.display.dpi,
                                 plot_version=plot_version)
        self.live = LiveView(self.controller, self.frames, self.controls, self.values, self.labels, self.title,
                             self.numbers, self._moved)
        self.static = GridView(self.id, self.title, self.static_grid, self.initial, self.labels, self.display.caption)

    # --- running (the controller) ----------------------------------------------------------------------------

    def params(self, values: Mapping | None = None) -> dict:
        """The full parameters of the run for slider ``values`` (default: the current ones)."""
        return {**self.fixed, **self.initial, **(values if values is not None else self.values)}

    def select(self, **values) -> None:
        """Move sliders to ``values`` (as a reader would) and show that run: from the cache, or started."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; allowed {list(self.controls)}")
        for name, value in values.items():
            if value not in self.controls[name]:
                raise ValueError(f"{name}={value!r} is not one of the slider's values {self.controls[name]}")
        self.live.set_values(values)  # one selection for several sliders, not one per slider
        self.values.update(values)
        self.controller.select(self.params())

    def _moved(self, name: str, value) -> None:
        """A reader moved a slider."""
        self.values[name] = value
        self.controller.select(self.params())

    def run(self) -> None:
        """The Run button: (re)show the current values' run, starting it if it is not cached."""
        self.controller.select(self.params())

    def stop(self) -> None:
        """The Stop button: end the run in flight after its current step; its partial history stays shown."""
        self.controller.stop()

    def wait(self, timeout: float | None = None) -> dict | None:
        """Block until the run in flight ends (or ``timeout`` seconds pass); returns what is shown."""
        return self.controller.wait(timeout)

    @property
    def result(self) -> dict | None:
        """What is shown now: a cached, finished, stopped or partial result."""
        return self.controller.result

    @property
    def status(self) -> str:
        return self.controller.status

    @property
    def running(self) -> bool:
        return self.controller.running

    @property
    def runs_started(self) -> int:
        return self.controller.runs_started

    @property
    def listeners(self) -> list[Listener]:
        """Called ``(result, status)`` after every update (see :class:`RunController`): keep them quick."""
        return self.controller.listeners

    def close(self) -> None:
        """Stop the run in flight and close the widgets."""
        self.controller.close()
        self.live.close()

    # --- showing ---------------------------------------------------------------------------------------------

    def render_png(self, result: Mapping) -> bytes:
        """PNG bytes of ``plot(result, fig)`` at the display's size and dpi (kept, for finished results)."""
        return self.frames.frame(result)

    def numbers(self, result: Mapping | None) -> dict[str, str]:
        """The numbers panel's entries for ``result``: the numbers function's, or an empty dict."""
        if result is None or self.numbers_fn is None:
            return {}
        return dict(self.numbers_fn(result))

    @property
    def widget(self):
        """The live ipywidgets box (built on first use): sliders, Run/Stop, status, plot, numbers."""
        return self.live.widget

    # --- the static view -------------------------------------------------------------------------------------

    def static_points(self) -> list[dict]:
        """Slider values of every frame of the HTML view, in frame order (the last control varies fastest)."""
        return self.static.points()

    def precompute(self, workers: int = 1, on_result: Callable[[dict], None] | None = None) -> list[dict]:
        """Run (or fetch from the cache) every point of the static grid, in frame order, so the HTML view shows
        real results; ``workers`` processes share the runs (see :func:`~minigpt.runs.sweep`)."""
        held = {**self.fixed, **{k: v for k, v in self.initial.items() if k not in self.static_grid}}
        return sweep(self.experiment, self.static_grid, self.cache, workers=workers, on_result=on_result, **held)

    def static_caption(self) -> str:
        """The caption under the static view: the display's, or one saying what was swept and what was held."""
        return self.static.caption()

    def to_html(self) -> str:
        """The self-contained static view: range inputs over the static grid, one <img> frame per point (one
        shown), a numbers panel, and inline JavaScript that swaps frames. Uses only cached results: points
        not computed yet show a placeholder frame (call :meth:`precompute` first)."""
        placeholder: list[bytes] = []

        def frame(values: dict) -> tuple[bytes, dict | None]:
            result = self.cache.lookup(self.experiment, **self.params(values))
            if result is None:
                if not placeholder:
                    placeholder.append(self.frames.placeholder())
                return placeholder[0], None
            return self.frames.frame(result), self.numbers(result)

        return self.static.to_html(frame)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self, repr(self))

    def __repr__(self) -> str:
        knobs = ", ".join(f"{self.labels[k]}={format_value(v)}" for k, v in self.values.items())
        return f"Explorer({self.title!r}: {knobs}; {self.status})"
