"""The run controller: one experiment setting at a time, run in a background thread, cancelled and restarted.

Headless (no widgets, no drawing): the live view, a benchmark or a test drives it the same way. Selecting a setting
shows its result from the :class:`~minigpt.runs.ResultCache` at once, or starts a run whose partial history
is published while it trains. Selecting again cancels the run in flight; the new run starts only once the old one
has stopped, so two runs never share the CPU, and a cancelled run's late update never replaces the new selection.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from ..runs import Experiment, ResultCache

Listener = Callable[[dict | None, str], None]

# Locking: one lock guards everything that changes (the selection counter, the current setting, the worker and its
# stop event, the shown result and status, runs_started) and is held while an update is applied and its listeners
# are called, so a cancelled run's update and the new selection's never interleave. The explorer used to have a
# second lock for publishing alone. It is not needed: the slow part of an update (a watcher's prepare, i.e. drawing)
# runs before the lock is taken, so a new selection waits at most for quick listeners, never for a drawing, and the
# generation check is repeated under the lock. Listeners therefore run under the lock: keep them quick and do not
# wait on the controller from one (reading it is fine: the lock is re-entrant). Threads are joined outside the
# lock, because the thread being joined may be waiting for it to publish. The frame store has its own lock: its LRU
# is separate state, also used by the static view, and never held together with this one.

class RunController:
    """Runs ``experiment`` for one setting (its full parameters) at a time, through ``cache``.

    - :meth:`select` a setting: its cached result is shown at once, else a run starts (the one in flight is
      cancelled first); :meth:`run` re-shows or restarts the current setting (the Run button), :meth:`stop` ends
      the run in flight after its current step, keeping its partial history (the Stop button).
    - :attr:`result` and :attr:`status`: what is shown now, a cached, finished, stopped or partial result
      (``result["done"]`` False while it trains) and a one-line status ("cached", "running: step 5 of 40", ...).
    - :attr:`listeners`: called ``(result, status)`` after every update (``result`` None for a status-only one),
      in the thread that made it (a worker, or the caller of :meth:`select`).
    - :meth:`watch`: like a listener, with a slow ``prepare(result)`` (drawing) done before the update is applied.
    - ``min_redraw_s``: partial results are published at most this often, so drawing does not slow the run.
    - ``name`` names the worker threads (``{name}-run-{n}``).
    """

    def __init__(self, experiment: Experiment, cache: ResultCache, params: Mapping, *, name: str = "minigpt-run",
                 min_redraw_s: float = 0.25):
        if not min_redraw_s >= 0:
            raise ValueError(f"min_redraw_s={min_redraw_s} is out of range: allowed >= 0 (seconds)")
        self.experiment, self.cache, self.name, self.min_redraw_s = experiment, cache, name, min_redraw_s
        self.listeners: list[Listener] = []
        self._watchers: list[tuple[Callable, Callable | None]] = []
        self._lock = threading.RLock()
        self._generation = 0  # bumped by every selection; an update of an older one is dropped
        self._params = dict(params)
        self._worker: threading.Thread | None = None
        self._stop: threading.Event | None = None
        self._result: dict | None = None
        self._status = "idle"
        self._runs_started = 0

    # --- what is shown ---------------------------------------------------------------------------------------

    @property
    def params(self) -> dict:
        """The current setting: the full parameters of the run selected last."""
        with self._lock:
            return dict(self._params)

    @property
    def result(self) -> dict | None:
        """What is shown now: a cached, finished, stopped or partial result (None before the first one)."""
        with self._lock:
            return self._result

    @property
    def status(self) -> str:
        with self._lock:
            return self._status

    @property
    def runs_started(self) -> int:
        """How many runs were started (cache hits start none)."""
        with self._lock:
            return self._runs_started

    @property
    def running(self) -> bool:
        with self._lock:
            return self._worker is not None and self._worker.is_alive()

    def watch(self, show: Callable[[dict | None, str, object], None],
              prepare: Callable[[dict], object] | None = None) -> None:
        """Call ``show(result, status, prepared)`` on every update, before the listeners, where ``prepared`` is
        ``prepare(result)`` (None for a status-only update). ``prepare`` runs before the lock is taken, so a slow
        one (drawing a frame) never delays a new selection; an update superseded meanwhile is dropped whole."""
        with self._lock:
            self._watchers.append((show, prepare))

    # --- selecting, running, stopping ------------------------------------------------------------------------

    def select(self, params: Mapping) -> None:
        """Show the run of ``params``: from the cache at once, or started in the background (cancelling the run
        in flight; the new one starts when the old one has stopped). Returns at once."""
        params = dict(params)
        hit = self.cache.lookup(self.experiment, **params)  # disk, outside the lock
        with self._lock:
            self._generation += 1
            generation = self._generation
            self._params = params
            previous = self._take_worker()  # stopping; the new worker joins it
            if hit is None:
                stop = threading.Event()
                worker = threading.Thread(target=self._work, args=(generation, params, stop, previous), daemon=True,
                                          name=f"{self.name}-run-{generation}")
                self._worker, self._stop = worker, stop
                self._runs_started += 1
                # nothing to prepare: applied here, before the worker can publish
                self._apply(None, "starting", [(show, None) for show, _ in self._watchers])
                worker.start()
        if hit is not None:
            self._publish(generation, hit, "cached")

    def run(self) -> None:
        """Show the current setting again: from the cache, or started (the Run button)."""
        self.select(self.params)

    def refresh(self) -> bool:
        """Publish again what is known about the current setting, without starting a run: its cached result, else
        the result shown now. False when there is nothing to show yet."""
        with self._lock:
            generation, params = self._generation, dict(self._params)
        hit = self.cache.lookup(self.experiment, **params)
        if hit is not None:
            self._publish(generation, hit, "cached")
            return True
        with self._lock:
            result, status = self._result, self._status
        if result is None:
            return False
        self._publish(generation, result, status)
        return True

    def stop(self) -> None:
        """End the run in flight after its current step and wait for it; its partial history stays shown."""
        with self._lock:
            worker = self._take_worker()
        if worker is not None:
            worker.join()

    def wait(self, timeout: float | None = None) -> dict | None:
        """Block until the run in flight ends (or ``timeout`` seconds pass); returns what is shown."""
        with self._lock:
            worker = self._worker
        if worker is not None:
            worker.join(timeout)
        return self.result

    def close(self) -> None:
        """Stop the run in flight; whatever it still publishes is dropped."""
        with self._lock:
            self._generation += 1
        self.stop()

    def _take_worker(self) -> threading.Thread | None:
        """Set the worker's stop event (it stops after its current step) and forget it; the caller holds the lock."""
        worker, stop = self._worker, self._stop
        self._worker = self._stop = None
        if stop is not None:
            stop.set()
        return worker

    # --- the worker --------------------------------------------------------------------------------------------

    def _work(self, generation: int, params: dict, stop: threading.Event, previous: threading.Thread | None) -> None:
        if previous is not None:
            previous.join()  # it stops after its current step; two runs at once would share the CPU threads
        if stop.is_set():  # superseded while waiting
            return
        spec = self.experiment.spec(**params)
        steps_total = spec.get("train", {}).get("steps")
        of_total = f" of {steps_total}" if steps_total else ""
        next_draw = 0.0

        def on_eval(history) -> None:
            nonlocal next_draw
            start = time.perf_counter()
            if generation != self._generation or start < next_draw:
                return
            partial = {"params": params, "history": history.to_dict(), "metrics": None, "done": False, "spec": spec}
            step = history.step[-1] + 1 if history.step else 0
            self._publish(generation, partial, f"running: step {step}{of_total}")
            # drawing runs in this thread, between training steps: keep it under about a fifth of the run
            now = time.perf_counter()
            next_draw = now + max(self.min_redraw_s, 4 * (now - start))

        try:
            result = self.cache.run(self.experiment, on_eval=on_eval, stop=stop, **params)
        except Exception as exc:  # shown in the status line; the kernel stays usable
            self._publish(generation, None, f"error: {type(exc).__name__}: {exc}")
            return
        if result["done"]:
            status = f"done in {result['seconds']:.1f} s"
        else:
            status = f"stopped at step {len(result['history']['step'])}{of_total}: partial history kept"
        self._publish(generation, result, status)

    # --- publishing ----------------------------------------------------------------------------------------------

    def _publish(self, generation: int, result: dict | None, status: str) -> None:
        """Show ``result`` and ``status`` unless a newer selection has superseded ``generation``.

        A cancelled run may still be publishing while the new selection publishes: the watchers' slow ``prepare``
        runs first, then the check and the whole update happen under the lock, so whichever comes second wins
        whole, never half of each."""
        if generation != self._generation:
            return
        with self._lock:
            watchers = list(self._watchers)
        views = [(show, prepare(result) if prepare is not None and result is not None else None)
                 for show, prepare in watchers]
        with self._lock:
            if generation != self._generation:
                return
            self._apply(result, status, views)

    def _apply(self, result: dict | None, status: str, views: list[tuple[Callable, object]]) -> None:
        """Make ``result`` (unless None) and ``status`` what is shown, then call each watcher's ``show`` with what
        its ``prepare`` made, then the listeners; the caller holds the lock."""
        if result is not None:
            self._result = result
        self._status = status
        for show, prepared in views:
            show(result, status, prepared)
        for listener in list(self.listeners):
            listener(result, status)

    def __repr__(self) -> str:
        return f"RunController({self.experiment.name}: {self.status})"
