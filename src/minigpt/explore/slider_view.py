"""One knob over HTML frames a chapter computes in the notebook itself (samples at a temperature, a table for a
Zipf exponent): live, a slider that re-renders; static, the frames rendered now behind a range input."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from .live import mimebundle
from .static import format_value, range_input, static_view

_ids = itertools.count()


class SliderView:
    """One knob over HTML frames: ``render(value) -> HTML``.

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
        inputs = [range_input("value", self.label, self.values, self.start)]
        return static_view(self.id, self.title, inputs, frames, None, self.caption)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return mimebundle(self, f"SliderView({self.label!r}, {len(self.values)} frames)")
