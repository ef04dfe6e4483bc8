"""Explorers: an experiment behind sliders, live in a kernel and still alive in the static book.

An :class:`Explorer` is displayed by a chapter. In Jupyter or Voila it is an ipywidgets box: one
SelectionSlider per parameter, Run and Stop buttons, a plot that redraws as a background run streams its
history, and a panel of numbers. Moving a slider cancels the run in flight (its stop event is set and the
worker joined) and starts the new one, unless the result is already in the :class:`~minigpt.experiments.ResultCache`,
which shows at once. One worker thread at most is alive per explorer.

The same object offers ``text/html``: a self-contained slider over a grid of results computed by really running
them (:meth:`Explorer.precompute`, called by the chapter at build time), one small base64 PNG per grid point,
a numbers panel and a few lines of inline JavaScript; no kernel, no CDN. The book's ``_config.yml`` makes the
HTML builders prefer it, while Jupyter and Voila show the live widget.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import itertools
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence

from .experiments.core import Experiment, ResultCache, canonical_json, grid_points, sweep
from .plots import fig_to_png_bytes, new_figure

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_ids = itertools.count()


def format_value(value) -> str:
    """A parameter value as a slider label: ``0.1`` -> "0.1", ``1e-05`` -> "1e-05", ``True`` -> "on"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


class Explorer:
    """Sliders over the parameters of ``experiment``, a live plot, a numbers panel, and a static HTML twin.

    - ``controls``: parameter name -> the values its slider offers (the first is the start, unless ``initial``).
    - ``plot(result, fig)``: draws a result, or a partial one (``result["done"]`` False, history so far), on a
      matplotlib Figure the explorer made (pyplot-free, so it is safe in the worker thread).
    - ``numbers(result) -> {label: text}``: what the numbers panel shows; also called on partial results.
    - ``cache``: where results are looked up and stored (default: a :class:`ResultCache` at the default root).
    - ``static_grid``: parameter name -> values for the HTML view (a subset of ``controls``; the other controls
      stay at their start values). Default: every control.
    - ``fixed``: further parameters passed to every run; ``labels``: display names of the parameters.
    - ``min_redraw_s``: partial results redraw at most this often, so plotting does not slow the run it shows.
    """

    def __init__(self, experiment: Experiment, controls: Mapping[str, Sequence], plot: Callable,
                 numbers: Callable[[Mapping], Mapping[str, str]] | None = None, cache: ResultCache | None = None,
                 static_grid: Mapping[str, Sequence] | None = None, title: str = "", *,
                 fixed: Mapping | None = None, initial: Mapping | None = None, labels: Mapping[str, str] | None = None,
                 caption: str | None = None, figsize: tuple[float, float] = (6.4, 2.6), dpi: int = 90,
                 min_redraw_s: float = 0.25):
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
        self.plot_fn = plot
        self.numbers_fn = numbers
        self.cache = cache if cache is not None else ResultCache()
        self.title = title or experiment.name
        self.labels = {name: name.replace("_", " ") for name in self.controls}
        self.labels.update(labels or {})
        self.caption = caption
        self.figsize, self.dpi, self.min_redraw_s = figsize, dpi, min_redraw_s
        self.id = f"minigpt-explorer-{next(_ids)}-{experiment.name}"

        self.values = dict(self.initial)
        self.result: dict | None = None  # what is shown now: a cached, finished, stopped or partial result
        self.status = "idle"
        self.runs_started = 0
        self.listeners: list[Callable[[dict, str], None]] = []  # called (result, status) after every update
        self._generation = 0
        self._worker: threading.Thread | None = None
        self._stop: threading.Event | None = None
        self._lock = threading.Lock()
        self._publish_lock = threading.Lock()
        self._widget = None
        self._quiet = False
        self._pngs: OrderedDict[str, bytes] = OrderedDict()  # finished results' frames, by result key (LRU)

    # --- running ---------------------------------------------------------------------------------------------

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
        if self._widget is not None:
            self._quiet = True  # one launch for several sliders, not one per slider
            try:
                for name, value in values.items():
                    self._sliders[name].value = value
            finally:
                self._quiet = False
        self.values.update(values)
        self._launch()

    def _launch(self) -> None:
        """Cancel the run in flight; show the current values' result from the cache or start a run for it."""
        with self._lock:
            self._generation += 1
            generation = self._generation
        previous = self._cancel(wait=False)  # the new worker waits for it: runs never overlap
        params = self.params()
        hit = self.cache.lookup(self.experiment, **params)
        if hit is not None:
            self._publish(generation, hit, "cached")
            return
        stop = threading.Event()
        worker = threading.Thread(target=self._work, args=(generation, params, stop, previous), daemon=True,
                                  name=f"{self.id}-run-{generation}")
        with self._lock:
            self._stop, self._worker = stop, worker
            self.runs_started += 1
        self._publish(generation, None, "starting")
        worker.start()

    def _work(self, generation: int, params: dict, stop: threading.Event, previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # it stops after its current step; two runs at once would share the CPU threads
        if stop.is_set():  # superseded while waiting
            return
        spec = self.experiment.spec(**params)
        steps_total = spec.get("train", {}).get("steps")
        next_draw = [0.0]

        def on_eval(history) -> None:
            start = time.perf_counter()
            if generation != self._generation or start < next_draw[0]:
                return
            partial = {"params": params, "history": history.to_dict(), "metrics": None, "done": False,
                       "spec": spec}
            step = history.step[-1] + 1 if history.step else 0
            self._publish(generation, partial, f"running: step {step}" + (f" of {steps_total}" if steps_total else ""))
            # drawing runs in this thread, between training steps: keep it under about a fifth of the run
            now = time.perf_counter()
            next_draw[0] = now + max(self.min_redraw_s, 4 * (now - start))

        try:
            result = self.cache.run(self.experiment, on_eval=on_eval, stop=stop, **params)
        except Exception as exc:  # shown in the status line; the kernel stays usable
            self._publish(generation, None, f"error: {type(exc).__name__}: {exc}")
            return
        if result["done"]:
            status = f"done in {result['seconds']:.1f} s"
        else:
            steps = len(result["history"]["step"])
            status = f"stopped at step {steps}" + (f" of {steps_total}" if steps_total else "") + \
                     ": partial history kept"
        self._publish(generation, result, status)

    def _cancel(self, wait: bool = True) -> threading.Thread | None:
        """Set the running worker's stop event (it stops after its current step) and, with ``wait``, wait for it;
        returns the worker."""
        with self._lock:
            worker, stop = self._worker, self._stop
            self._worker = self._stop = None
        if worker is not None:
            stop.set()
            if wait:
                worker.join()
        return worker

    def stop(self) -> None:
        """The Stop button: end the run in flight after its current step; its partial history stays shown."""
        self._cancel()

    def run(self) -> None:
        """The Run button: (re)show the current values' run, starting it if it is not cached."""
        self._launch()

    def wait(self, timeout: float | None = None) -> dict | None:
        """Block until the run in flight ends (or ``timeout`` seconds pass); returns what is shown."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.result

    @property
    def running(self) -> bool:
        with self._lock:
            return self._worker is not None and self._worker.is_alive()

    def close(self) -> None:
        """Stop the run in flight and close the widgets."""
        with self._lock:
            self._generation += 1
        self._cancel()
        if self._widget is not None:
            self._widget.close()
            self._widget = None

    # --- showing -----------------------------------------------------------------------------------------------

    def _publish(self, generation: int, result: dict | None, status: str) -> None:
        """Show ``result`` and ``status`` unless a newer selection has superseded ``generation``.

        A cancelled run may still be publishing while the new selection publishes, so the check and the updates
        happen under one lock: whichever comes second wins whole, never half of each. The slow part, drawing,
        happens before it."""
        if generation != self._generation:
            return
        png = self.render_png(result) if result is not None and self._widget is not None else None
        with self._publish_lock:
            if generation != self._generation:
                return
            if result is not None:
                self.result = result
            self.status = status
            if self._widget is not None:
                if png is not None:
                    self._numbers.value = self._numbers_html(result)
                    self._image.value = png
                self._status.value = f"<span style='color:#555'>{html.escape(status)}</span>"
            for listener in list(self.listeners):
                listener(result, status)

    def render_png(self, result: Mapping) -> bytes:
        """PNG bytes of ``plot(result, fig)`` at the explorer's size and dpi.

        Drawing takes 0.1-0.3 s, about the 0.2 s a cached result may take to appear, so frames of finished
        results are kept: in memory (the last 64) and next to the results in the cache (``files/``), keyed by the
        result, the plot function's code, the size and the dpi. A new kernel then shows the frames the build drew.
        """
        key = result.get("key") if result.get("done") else None
        if key is None:
            return self._draw(result)
        with self._lock:  # the worker draws while the notebook may render the static view
            png = self._pngs.get(key)
            if png is not None:
                self._pngs.move_to_end(key)
                return png
        name = self._frame_name(key)
        png = self.cache.get_file(name)
        if png is None:
            png = self._draw(result)
            with contextlib.suppress(OSError):  # a read-only cache still shows the frame
                self.cache.put_file(name, png)
        with self._lock:
            self._pngs[key] = png
            while len(self._pngs) > 64:
                self._pngs.popitem(last=False)
        return png

    def _draw(self, result: Mapping) -> bytes:
        fig = new_figure(*self.figsize)
        self.plot_fn(result, fig)
        return fig_to_png_bytes(fig, self.dpi)

    def _frame_name(self, key: str) -> str:
        fn = self.plot_fn
        code = getattr(fn, "__code__", None)
        closure = [c.cell_contents for c in getattr(fn, "__closure__", None) or ()
                   if isinstance(c.cell_contents, (int, float, str, bool, tuple, type(None)))]  # plain settings only
        settings = repr((getattr(fn, "__defaults__", None), getattr(fn, "__kwdefaults__", None), closure))
        plot_id = [getattr(fn, "__module__", ""), getattr(fn, "__qualname__", repr(fn)),
                   hashlib.sha256(code.co_code + repr(code.co_consts).encode()).hexdigest() if code else "",
                   hashlib.sha256(settings.encode()).hexdigest()]  # a lambda's captured values change its drawing
        payload = canonical_json({"result": key, "plot": plot_id, "figsize": list(self.figsize), "dpi": self.dpi})
        return hashlib.sha256(payload.encode()).hexdigest() + ".png"

    def numbers(self, result: Mapping | None) -> dict[str, str]:
        """The numbers panel's entries for ``result``: the numbers function's, or an empty dict."""
        if result is None or self.numbers_fn is None:
            return {}
        return dict(self.numbers_fn(result))

    def _numbers_html(self, result: Mapping | None) -> str:
        items = self.numbers(result)
        cells = "".join(f"<b>{html.escape(k)}</b> {html.escape(v)} &nbsp; " for k, v in items.items())
        return f"<div class='minigpt-numbers'>{cells}</div>"

    @property
    def widget(self):
        """The live ipywidgets box (built on first use): sliders, Run/Stop, status, plot, numbers."""
        if self._widget is None:
            self._build_widget()
        return self._widget

    def _build_widget(self) -> None:
        import ipywidgets as W

        self._quiet = False
        self._sliders = {}
        for name, values in self.controls.items():
            slider = W.SelectionSlider(options=[(format_value(v), v) for v in values], value=self.values[name],
                                       description=self.labels[name], continuous_update=False,
                                       style={"description_width": "initial"}, layout=W.Layout(width="320px"))
            slider.observe(self._on_slider(name), names="value")
            self._sliders[name] = slider
        run, stop = W.Button(description="Run", icon="play"), W.Button(description="Stop", icon="stop")
        run.on_click(lambda _: self.run())
        stop.on_click(lambda _: self.stop())
        self._buttons = {"run": run, "stop": stop}
        self._status = W.HTML()
        self._image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self._numbers = W.HTML()
        title = W.HTML(f"<b>{html.escape(self.title)}</b>")
        sliders = W.VBox(list(self._sliders.values()))
        self._widget = W.VBox([title, sliders, W.HBox([run, stop, self._status]), self._image, self._numbers])
        self._widget.add_class("minigpt-explorer-live")
        warm_up()
        # show what is known about the start values now, without starting a run on display
        hit = self.cache.lookup(self.experiment, **self.params())
        if hit is not None:
            self._publish(self._generation, hit, "cached")
        elif self.result is not None:
            self._publish(self._generation, self.result, self.status)
        else:
            self._status.value = "<span style='color:#555'>press Run or move a slider to train</span>"

    def _on_slider(self, name: str) -> Callable:
        def observer(change) -> None:
            self.values[name] = change["new"]
            if not self._quiet:
                self._launch()

        return observer

    # --- the static view -----------------------------------------------------------------------------------------

    def static_points(self) -> list[dict]:
        """Slider values of every frame of the HTML view, in frame order (the last control varies fastest)."""
        return [{**self.initial, **point} for point in grid_points(self.static_grid)]

    def precompute(self, workers: int = 1, on_result: Callable[[dict], None] | None = None) -> list[dict]:
        """Run (or fetch from the cache) every point of the static grid, in frame order, so the HTML view shows
        real results; ``workers`` processes share the runs (see :func:`~minigpt.experiments.sweep`)."""
        held = {**self.fixed, **{k: v for k, v in self.initial.items() if k not in self.static_grid}}
        return sweep(self.experiment, self.static_grid, self.cache, workers=workers, on_result=on_result, **held)

    def _static_caption(self) -> str:
        if self.caption is not None:
            return self.caption
        n = len(self.static_points())
        swept = " × ".join(self.labels[k] for k in self.static_grid) or "no parameter"
        held = [f"{self.labels[k]} = {format_value(self.initial[k])}" for k in self.controls
                if k not in self.static_grid]
        text = f"Static view: {n} runs over {swept}, computed when this page was built"
        if held:
            text += f" (held at {', '.join(held)}). Run the notebook for live sliders over all " \
                    f"{len(self.controls)} knobs: {', '.join(self.labels[k] for k in self.controls)}."
        else:
            text += ". Run the notebook to train new points live."
        return text

    def to_html(self) -> str:
        """The self-contained static view: range inputs over the static grid, one <img> frame per point (one
        shown), a numbers panel, and inline JavaScript that swaps frames. Uses only cached results: points
        not computed yet show a placeholder frame (call :meth:`precompute` first)."""
        names = list(self.static_grid)
        start = {n: self.static_grid[n].index(self.initial[n]) if self.initial[n] in self.static_grid[n] else 0
                 for n in names}
        frames, first_numbers = [], ""
        for values in self.static_points():
            result = self.cache.lookup(self.experiment, **self.params(values))
            indices = {n: self.static_grid[n].index(values[n]) for n in names}
            index = ",".join(str(indices[n]) for n in names)
            setting = " · ".join(f"{self.labels[n]} {format_value(values[n])}" for n in names)
            if result is None:
                png = _placeholder_png(self.figsize, self.dpi)
                numbers = f"{setting} — not computed yet"
            else:
                png = self.render_png(result)
                nums = " · ".join(f"{k} {v}" for k, v in self.numbers(result).items())
                numbers = f"{setting} — {nums}" if nums else setting
            shown = indices == start
            frames.append(
                f'<img class="minigpt-frame" data-index="{index}" data-numbers="{html.escape(numbers)}" '
                f'alt="{html.escape(self.title + ": " + setting)}" style="max-width:100%;'
                f'{"" if shown else "display:none"}" src="data:image/png;base64,'
                f'{base64.b64encode(png).decode("ascii")}">')
            if shown:
                first_numbers = numbers
        inputs = [_range_input(n, self.labels[n], self.static_grid[n], start[n]) for n in names]
        return _static_view(self.id, self.title, inputs, frames, first_numbers, self._static_caption())

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return _mimebundle(self, repr(self))

    def __repr__(self) -> str:
        knobs = ", ".join(f"{self.labels[k]}={format_value(v)}" for k, v in self.values.items())
        return f"Explorer({self.title!r}: {knobs}; {self.status})"


# Wires every range input to the frames: the frame whose data-index matches the inputs' values is shown and its
# data-numbers text goes into the numbers panel. Native range inputs give keyboard arrows and dragging for free.
_STATIC_JS = """(function () {
  var root = document.getElementById("__ID__");
  if (!root) { return; }
  var inputs = Array.prototype.slice.call(root.querySelectorAll('input[type="range"]'));
  var frames = Array.prototype.slice.call(root.querySelectorAll(".minigpt-frame"));
  var numbers = root.querySelector(".minigpt-numbers");
  function update() {
    var key = inputs.map(function (input) { return input.value; }).join(",");
    inputs.forEach(function (input) {
      var out = root.querySelector('output[data-for="' + input.name + '"]');
      if (out) { out.textContent = JSON.parse(input.getAttribute("data-labels"))[Number(input.value)]; }
    });
    frames.forEach(function (frame) {
      var on = frame.getAttribute("data-index") === key;
      frame.style.display = on ? "" : "none";
      if (on && numbers) { numbers.textContent = frame.getAttribute("data-numbers"); }
    });
  }
  inputs.forEach(function (input) {
    input.addEventListener("input", update);
    input.addEventListener("change", update);
  });
  update();
})();"""


def _range_input(name: str, label: str, values: Sequence, start: int) -> str:
    """A native range input over the indices of ``values`` (keyboard arrows and dragging for free) and an
    <output> showing the current value."""
    labels = json.dumps([format_value(v) for v in values])
    return (
        f'<label class="minigpt-control" style="display:inline-block;margin-right:1.5em">{html.escape(label)} '
        f'<input type="range" name="{html.escape(name)}" min="0" max="{len(values) - 1}" step="1" '
        f'value="{start}" data-labels="{html.escape(labels)}" aria-label="{html.escape(label)}" '
        f'style="vertical-align:middle"> '
        f'<output data-for="{html.escape(name)}">{html.escape(format_value(values[start]))}</output></label>')


def _static_view(view_id: str, title: str, inputs: list[str], frames: list[str], numbers: str | None,
                 caption: str) -> str:
    """The static HTML view shared by :class:`Explorer` and :class:`SliderView`: controls, frames (elements of
    class minigpt-frame whose data-index is the inputs' values joined by commas), an optional numbers panel,
    a caption, and the script that wires them."""
    panel = "" if numbers is None else (
        f'<div class="minigpt-numbers" style="font-family:monospace;font-size:0.85em">{html.escape(numbers)}</div>\n')
    return (
        f'<div class="minigpt-explorer" id="{view_id}" style="border:1px solid #ddd;border-radius:6px;'
        f'padding:0.6em 0.8em;margin:0.5em 0">\n'
        f'<div class="minigpt-title" style="font-weight:bold">{html.escape(title)}</div>\n'
        f'<div class="minigpt-controls">{"".join(inputs)}</div>\n'
        f'<div class="minigpt-frames">{"".join(frames)}</div>\n'
        f'{panel}'
        f'<div class="minigpt-caption" style="font-size:0.8em;color:#555">{html.escape(caption)}</div>\n'
        f'<script>{_STATIC_JS.replace("__ID__", view_id)}</script>\n'
        f'</div>'
    )


class SliderView:
    """One knob over HTML frames, for what a chapter computes in the notebook itself (samples at a temperature,
    a table for a Zipf exponent): ``render(value) -> HTML``.

    Live (Jupyter, Voila) every slider move calls ``render`` with the new value, so ``live_slider`` (e.g. a
    FloatSlider) may offer values between the frames. The static view carries the frames rendered now for
    ``values``, behind a range input, like :meth:`Explorer.to_html`.
    """

    def __init__(self, label: str, values: Sequence, render: Callable[[object], str], start: int = 0,
                 live_slider=None, title: str = "", caption: str | None = None):
        if not values or not 0 <= start < len(values):
            raise ValueError(f"start={start} is out of range: allowed 0..{len(values) - 1} (one per value)")
        self.label, self.values, self.render, self.start = label, list(values), render, start
        self.title, self.live_slider = title, live_slider
        self.caption = caption if caption is not None else (
            f"Static view: {len(self.values)} settings of {label}, computed when this page was built. "
            "Run the notebook to try any value live.")
        self.frames = [render(v) for v in self.values]
        self.id = f"minigpt-view-{next(_ids)}"
        self._widget = None

    @property
    def widget(self):
        """The live view: the slider above an HTML output that ``render`` rewrites on every move."""
        if self._widget is None:
            import ipywidgets as widgets

            slider = self.live_slider or widgets.SelectionSlider(
                options=[(format_value(v), v) for v in self.values], value=self.values[self.start])
            slider.description = self.label
            view = widgets.HTML(self.frames[self.start])
            slider.observe(lambda change: setattr(view, "value", self.render(change["new"])), names="value")
            self._widget = widgets.VBox([slider, view])
        return self._widget

    def to_html(self) -> str:
        hidden = ' style="display:none"'
        frames = [f'<div class="minigpt-frame" data-index="{i}"{"" if i == self.start else hidden}>{frame}</div>'
                  for i, frame in enumerate(self.frames)]
        inputs = [_range_input("value", self.label, self.values, self.start)]
        return _static_view(self.id, self.title, inputs, frames, None, self.caption)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return _mimebundle(self, f"SliderView({self.label!r}, {len(self.values)} frames)")


def _mimebundle(view, text: str) -> dict:
    """What Jupyter gets from a view: the live widget (if ipywidgets is there), its static HTML twin (the web book
    prefers it, see nb_mime_priority_overrides in _config.yml) and plain text."""
    bundle = {"text/plain": text, "text/html": view.to_html()}
    try:
        widget = view.widget
    except ImportError:  # no ipywidgets: the static view still works
        return bundle
    bundle[WIDGET_MIME] = {"version_major": 2, "version_minor": 0, "model_id": widget.model_id}
    return bundle


_warm = threading.Event()


def warm_up(wait: bool = False) -> None:
    """Pay the one-time costs of a first training step (the first AdamW imports torch's compiler stack, about
    1.5 s on an idle core) in a short background thread, so a reader's first slider move shows curve points
    sooner. Runs once per process; ``wait=True`` blocks until it is done."""
    if not _warm.is_set() and not any(t.name == "minigpt-warm-up" for t in threading.enumerate()):
        thread = threading.Thread(target=_warm_up_work, name="minigpt-warm-up", daemon=True)
        thread.start()
        if wait:
            thread.join()
    elif wait:
        _warm.wait()


def _warm_up_work() -> None:
    import torch

    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.AdamW([p], lr=1e-3)
    p.grad = torch.ones(2)
    opt.step()
    _warm.set()


def _placeholder_png(figsize: tuple[float, float], dpi: int) -> bytes:
    fig = new_figure(*figsize)
    fig.text(0.5, 0.5, "not computed yet: run explorer.precompute()", ha="center", va="center", color="#777")
    return fig_to_png_bytes(fig, dpi)
