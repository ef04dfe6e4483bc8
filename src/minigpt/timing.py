"""Where the time goes: seconds per activity, tallied in each process, for ``benchmarks/book_profile.py``.

The library marks its costly steps with :func:`timed`: ``train`` (optimizer steps), ``eval_loss`` (a Trainer's
loss evaluations), ``score`` (greedy answers checked by teacher forcing, cross-entropies), ``decode``
(``generate``: sampling, votes, Monte Carlo passes), ``evaluate`` (an experiment's scoring beyond those),
``explorer`` (drawing an explorer's frames) and ``wait`` (a sweep waiting for its worker processes). Each
activity is counted once: time inside a nested activity is that one's, not its caller's. Threads keep their
own nesting; ``wait``, which several threads can do at once (a chapter's sweeps in parallel), counts the time
during which any thread waits.

Nothing is written unless ``MINIGPT_PROFILE`` names a folder: then each process writes its tally there as
``<pid>.json`` (at most once a second while it runs, and when it exits). Two clock reads per timed call.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import threading
import time
from pathlib import Path

PROFILE_ENV = "MINIGPT_PROFILE"
ACTIVITIES = ("train", "eval_loss", "score", "decode", "evaluate", "explorer", "wait")

UNION = ("wait",)  # counted as the time during which any thread does it (never nested, never nests)

_totals: dict[str, float] = {}
_lock = threading.Lock()
_open: dict[str, list] = {}  # UNION activity -> [threads doing it now, when the first one started]
_local = threading.local()  # each thread its own stack: explorers train in background threads
_last_write = 0.0


def totals() -> dict[str, float]:
    """Seconds per activity in this process so far (self time: nested activities are not counted twice)."""
    with _lock:
        return dict(_totals)


@contextlib.contextmanager
def timed(activity: str):
    """Count the block's seconds as ``activity`` (one of :data:`ACTIVITIES`), less what nested blocks count."""
    if activity not in ACTIVITIES:
        raise ValueError(f"activity: must be one of {ACTIVITIES}, got {activity!r}")
    if activity in UNION:
        with _union(activity):
            yield
        return
    stack = _local.__dict__.setdefault("stack", [])
    frame = [0.0]  # seconds of nested activities
    stack.append(frame)
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        stack.pop()
        if stack:
            stack[-1][0] += elapsed
        with _lock:
            _totals[activity] = _totals.get(activity, 0.0) + elapsed - frame[0]
        if not stack:
            _write(force=False)


@contextlib.contextmanager
def _union(activity: str):
    start = time.perf_counter()
    with _lock:
        state = _open.setdefault(activity, [0, 0.0])
        if state[0] == 0:
            state[1] = start
        state[0] += 1
    try:
        yield
    finally:
        now = time.perf_counter()
        with _lock:
            state[0] -= 1
            if state[0] == 0:
                _totals[activity] = _totals.get(activity, 0.0) + now - state[1]
        stack = _local.__dict__.get("stack", [])
        if stack:  # not the caller's self time either
            stack[-1][0] += now - start


def _write(force: bool) -> None:
    global _last_write
    folder = os.environ.get(PROFILE_ENV)
    now = time.monotonic()
    if not folder or (not force and now - _last_write < 1.0):
        return
    _last_write = now
    path = Path(folder) / f"{os.getpid()}.json"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(totals()))
        os.replace(tmp, path)
    except OSError:  # a profile that cannot be written must not break a run
        pass


atexit.register(_write, True)
