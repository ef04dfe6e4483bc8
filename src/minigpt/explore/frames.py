"""The frame store: PNG frames of drawn results, kept so a result already seen shows without drawing again.

Drawing takes 0.1-0.3 s, about the 0.2 s a cached result may take to appear, so frames of finished results are
kept in memory (the last ``keep``) and next to the results in the cache (``files/``). A frame is named by the result
key, the plot's version, the figure size and the dpi; a new kernel then shows the frames the book build drew.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping

from ..plots import fig_to_png_bytes, new_figure
from ..runs import ResultCache, canonical_json
from ..timing import timed


def default_plot_version(plot: Callable) -> str | None:
    """``module.qualname`` of a module-level function; None for a lambda, a nested function or a partial, whose
    name does not say what it draws (two lambdas of one notebook share ``__main__.<lambda>``)."""
    qualname = getattr(plot, "__qualname__", None)
    if not qualname or "<" in qualname:
        return None
    return f"{getattr(plot, '__module__', '')}.{qualname}"


class FrameStore:
    """Frames of ``plot(result, fig)`` at ``figsize`` (inches) and ``dpi``, for the results of ``cache``.

    ``plot_version`` names what ``plot`` draws: the study gives it next to its plot function and changes it when the
    drawing changes, so frames on disk from an older drawing are not shown. The default is the function's qualified
    name (see :func:`default_plot_version`); when there is none (a lambda), frames are kept in memory only.
    Partial results (``result["done"]`` False) are drawn every time and never kept.
    """

    def __init__(self, cache: ResultCache, plot: Callable, *, figsize: tuple[float, float] = (6.4, 2.6),
                 dpi: int = 90, plot_version: str | None = None, keep: int = 64):
        if keep < 0:
            raise ValueError(f"keep={keep} is out of range: allowed >= 0 (frames in memory)")
        self.cache, self.plot, self.figsize, self.dpi, self.keep = cache, plot, tuple(figsize), dpi, keep
        self.plot_version = plot_version if plot_version is not None else default_plot_version(plot)
        self.draws = 0  # how many frames were drawn (misses of memory and disk)
        self._memory: OrderedDict[str, bytes] = OrderedDict()  # by result key, least recently used first
        self._lock = threading.Lock()  # the worker draws while the notebook may render the static view

    def name(self, key: str) -> str | None:
        """The file name of the frame of the result ``key`` under the cache's ``files/`` (None: not stored)."""
        if self.plot_version is None:
            return None
        payload = canonical_json({"result": key, "plot": self.plot_version, "figsize": list(self.figsize),
                                  "dpi": self.dpi})
        return hashlib.sha256(payload.encode()).hexdigest() + ".png"

    def get(self, result: Mapping) -> bytes | None:
        """The kept frame of a finished ``result`` (from memory, else disk), or None; never draws."""
        key = result.get("key") if result.get("done") else None
        if key is None:
            return None
        with self._lock:
            png = self._memory.get(key)
            if png is not None:
                self._memory.move_to_end(key)
                return png
        name = self.name(key)
        png = self.cache.get_file(name) if name is not None else None
        if png is not None:
            self._remember(key, png)
        return png

    @timed("explorer")
    def frame(self, result: Mapping) -> bytes:
        """PNG bytes of ``result``'s frame: the kept one, else drawn now (and kept, if the result is finished)."""
        png = self.get(result)
        if png is not None:
            return png
        png = self.draw(result)
        key = result.get("key") if result.get("done") else None
        if key is not None:
            name = self.name(key)
            if name is not None:
                with contextlib.suppress(OSError):  # a read-only cache still shows the frame
                    self.cache.put_file(name, png)
            self._remember(key, png)
        return png

    def draw(self, result: Mapping) -> bytes:
        """Draw ``result`` now, keeping nothing."""
        fig = new_figure(*self.figsize)
        self.plot(result, fig)
        self.draws += 1
        return fig_to_png_bytes(fig, self.dpi)

    def placeholder(self, text: str = "not computed yet: run explorer.precompute()") -> bytes:
        """A frame of the same size saying ``text``, for a point without a result."""
        fig = new_figure(*self.figsize)
        fig.text(0.5, 0.5, text, ha="center", va="center", color="#777")
        return fig_to_png_bytes(fig, self.dpi)

    def forget(self) -> int:
        """Drop the frames kept in memory (as a new kernel has none); files on disk stay. Returns how many."""
        with self._lock:
            n = len(self._memory)
            self._memory.clear()
        return n

    def __len__(self) -> int:
        """Frames kept in memory."""
        with self._lock:
            return len(self._memory)

    def _remember(self, key: str, png: bytes) -> None:
        with self._lock:
            self._memory[key] = png
            self._memory.move_to_end(key)
            while len(self._memory) > self.keep:
                self._memory.popitem(last=False)

    def __repr__(self) -> str:
        return f"FrameStore({self.plot_version!r}, {len(self)} in memory, {self.cache!r})"
