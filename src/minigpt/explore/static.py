"""The static HTML view: range inputs over frames computed at build time, a numbers panel, a caption, and a few
lines of inline JavaScript that swap the frames. Self-contained: no kernel, no CDN. Shared by
:meth:`~minigpt.explore.Explorer.to_html` (:class:`GridView`) and :class:`~minigpt.explore.SliderView`.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable, Mapping, Sequence

from ..runs import grid_points


def format_value(value) -> str:
    """A parameter value as a slider label: ``0.1`` -> "0.1", ``1e-05`` -> "1e-05", ``True`` -> "on"."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


# Wires every range input to the frames: the frame whose data-index matches the inputs' values is shown and its
# data-numbers text goes into the numbers panel. Native range inputs give keyboard arrows and dragging for free.
STATIC_JS = """(function () {
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


def range_input(name: str, label: str, values: Sequence, start: int) -> str:
    """A native range input over the indices of ``values`` (keyboard arrows and dragging for free) and an
    <output> showing the current value."""
    labels = json.dumps([format_value(v) for v in values])
    return (
        f'<label class="minigpt-control" style="display:inline-block;margin-right:1.5em">{html.escape(label)} '
        f'<input type="range" name="{html.escape(name)}" min="0" max="{len(values) - 1}" step="1" '
        f'value="{start}" data-labels="{html.escape(labels)}" aria-label="{html.escape(label)}" '
        f'style="vertical-align:middle"> '
        f'<output data-for="{html.escape(name)}">{html.escape(format_value(values[start]))}</output></label>')


def static_view(view_id: str, title: str, inputs: list[str], frames: list[str], numbers: str | None,
                caption: str) -> str:
    """The page fragment: controls, frames (elements of class minigpt-frame whose data-index is the inputs' values
    joined by commas), an optional numbers panel, a caption, and the script that wires them."""
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
        f'<script>{STATIC_JS.replace("__ID__", view_id)}</script>\n'
        f'</div>'
    )


class GridView:
    """The static view of an explorer: one range input per parameter of ``grid`` (name -> values), one <img>
    frame per grid point, the numbers panel and a caption.

    ``initial`` gives every control's start value (the parameters outside ``grid`` stay there), ``labels`` their
    display names; ``caption`` None writes one saying what was swept and what was held.
    """

    def __init__(self, view_id: str, title: str, grid: Mapping[str, Sequence], initial: Mapping,
                 labels: Mapping[str, str], caption: str | None = None):
        self.id, self.title, self.caption_text = view_id, title, caption
        self.grid = {name: list(values) for name, values in grid.items()}
        self.initial, self.labels = dict(initial), dict(labels)

    def points(self) -> list[dict]:
        """Slider values of every frame, in frame order (the last parameter varies fastest)."""
        return [{**self.initial, **point} for point in grid_points(self.grid)]

    def caption(self) -> str:
        if self.caption_text is not None:
            return self.caption_text
        n = len(self.points())
        swept = " × ".join(self.labels[k] for k in self.grid) or "no parameter"
        held = [f"{self.labels[k]} = {format_value(v)}" for k, v in self.initial.items() if k not in self.grid]
        text = f"Static view: {n} runs over {swept}, computed when this page was built"
        if held:
            text += f" (held at {', '.join(held)}). Run the notebook for live sliders over all " \
                    f"{len(self.initial)} knobs: {', '.join(self.labels[k] for k in self.initial)}."
        else:
            text += ". Run the notebook to train new points live."
        return text

    def to_html(self, frame: Callable[[dict], tuple[bytes, Mapping[str, str] | None]]) -> str:
        """The view, where ``frame(values) -> (png, numbers)`` gives each point's picture and numbers panel
        entries (None: the point is not computed yet)."""
        names = list(self.grid)
        start = {n: self.grid[n].index(self.initial[n]) if self.initial[n] in self.grid[n] else 0 for n in names}
        frames, first_numbers = [], ""
        for values in self.points():
            png, items = frame(values)
            indices = {n: self.grid[n].index(values[n]) for n in names}
            setting = " · ".join(f"{self.labels[n]} {format_value(values[n])}" for n in names)
            if items is None:
                numbers = f"{setting} — not computed yet"
            else:
                nums = " · ".join(f"{k} {v}" for k, v in items.items())
                numbers = f"{setting} — {nums}" if nums else setting
            shown = indices == start
            frames.append(
                f'<img class="minigpt-frame" data-index="{",".join(str(indices[n]) for n in names)}" '
                f'data-numbers="{html.escape(numbers)}" alt="{html.escape(self.title + ": " + setting)}" '
                f'style="max-width:100%;{"" if shown else "display:none"}" src="data:image/png;base64,'
                f'{base64.b64encode(png).decode("ascii")}">')
            if shown:
                first_numbers = numbers
        inputs = [range_input(n, self.labels[n], self.grid[n], start[n]) for n in names]
        return static_view(self.id, self.title, inputs, frames, first_numbers, self.caption())
