"""The live view: ipywidgets over a :class:`~minigpt.explore.controller.RunController`.

One SelectionSlider per control, Run and Stop buttons, a status line, the plot (a PNG from the
:class:`~minigpt.explore.frames.FrameStore`) and the numbers panel. The view watches the controller: each update's
frame is drawn before the controller's lock is taken, then the widgets change together. ipywidgets is imported
only when the widgets are built, so the static view works without it.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Mapping, Sequence

from .controller import RunController
from .frames import FrameStore
from .static import format_value

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class LiveView:
    """The widgets of an explorer over ``controller``, built on first use of :attr:`widget`.

    - ``controls``: parameter name -> slider values; ``values``: the sliders' start values; ``labels``: their names.
    - ``numbers(result) -> {label: text}``: the numbers panel's entries (also for partial results).
    - ``on_change(name, value)``: called when the reader moves a slider (not when :meth:`set_values` moves it).

    Once built: ``sliders`` (name -> SelectionSlider), ``buttons`` ("run", "stop"), ``status_line`` (HTML),
    ``image`` (Image) and ``numbers_panel`` (HTML).
    """

    def __init__(self, controller: RunController, frames: FrameStore, controls: Mapping[str, Sequence],
                 values: Mapping, labels: Mapping[str, str], title: str,
                 numbers: Callable[[Mapping | None], Mapping[str, str]], on_change: Callable[[str, object], None]):
        self.controller, self.frames, self.title = controller, frames, title
        self.controls, self.values, self.labels = dict(controls), dict(values), dict(labels)
        self.numbers, self.on_change = numbers, on_change
        self.sliders: dict = {}
        self.buttons: dict = {}
        self.status_line = self.image = self.numbers_panel = None
        self._widget = None
        self._quiet = False  # set while set_values moves sliders: one selection for several sliders

    @property
    def built(self) -> bool:
        return self._widget is not None

    @property
    def widget(self):
        """The ipywidgets box (built on first use): title, sliders, Run/Stop and status, plot, numbers."""
        if self._widget is None:
            self._build()
        return self._widget

    def set_values(self, values: Mapping) -> None:
        """Move sliders to ``values`` without calling ``on_change`` (the caller selects the setting itself)."""
        self.values.update(values)
        if self._widget is None:
            return
        self._quiet = True
        try:
            for name, value in values.items():
                self.sliders[name].value = value
        finally:
            self._quiet = False

    def numbers_html(self, result: Mapping | None) -> str:
        cells = "".join(f"<b>{html.escape(k)}</b> {html.escape(v)} &nbsp; " for k, v in self.numbers(result).items())
        return f"<div class='minigpt-numbers'>{cells}</div>"

    def close(self) -> None:
        if self._widget is not None:
            self._widget.close()
            self._widget = None

    def _build(self) -> None:
        import ipywidgets as W

        self.sliders = {}
        for name, values in self.controls.items():
            slider = W.SelectionSlider(options=[(format_value(v), v) for v in values], value=self.values[name],
                                       description=self.labels[name], continuous_update=False,
                                       style={"description_width": "initial"}, layout=W.Layout(width="320px"))
            slider.observe(self._observer(name), names="value")
            self.sliders[name] = slider
        run, stop = W.Button(description="Run", icon="play"), W.Button(description="Stop", icon="stop")
        run.on_click(lambda _: self.controller.run())
        stop.on_click(lambda _: self.controller.stop())
        self.buttons = {"run": run, "stop": stop}
        self.status_line = W.HTML()
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.numbers_panel = W.HTML()
        title = W.HTML(f"<b>{html.escape(self.title)}</b>")
        box = W.VBox([title, W.VBox(list(self.sliders.values())), W.HBox([run, stop, self.status_line]),
                      self.image, self.numbers_panel])
        box.add_class("minigpt-explorer-live")
        self._widget = box
        self.controller.watch(self._show, self._draw)
        warm_up()
        # show what is known about the start values now, without starting a run on display
        if not self.controller.refresh():
            self._set_status("press Run or move a slider to train")

    def _draw(self, result: Mapping) -> bytes | None:
        """The frame of an update, drawn before the controller's lock is taken (nothing once closed)."""
        return self.frames.frame(result) if self._widget is not None else None

    def _show(self, result: dict | None, status: str, png: bytes | None) -> None:
        """A controller update (under its lock): the frame drawn for it, its numbers, the status."""
        if self._widget is None:
            return
        if png is not None:
            self.numbers_panel.value = self.numbers_html(result)
            self.image.value = png
        self._set_status(status)

    def _set_status(self, status: str) -> None:
        self.status_line.value = f"<span style='color:#555'>{html.escape(status)}</span>"

    def _observer(self, name: str) -> Callable:
        def observer(change) -> None:
            self.values[name] = change["new"]
            if not self._quiet:
                self.on_change(name, change["new"])

        return observer


def mimebundle(view, text: str) -> dict:
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
