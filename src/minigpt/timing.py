"""Where the time goes: seconds per activity, tallied in each process, for ``benchmarks/book_profile.py``.

The library marks its costly steps with :func:`timed`: ``train`` (optimizer steps), ``eval_loss`` (a Trainer's
loss evaluations), ``score`` (greedy answers checked by teacher forcing, cross-entropies), ``decode``
(``generate``: sampling, votes, Monte Carlo passes), ``evaluate`` (an experiment's scoring beyond those),
``explorer`` (drawing an explorer's frames) and ``wait`` (a sweep waiting for its worker processes). Each
activity is counted once: time inside a nested activity is that one's, not its caller's.

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

_totals: dict[str, float] = {}
_lock = threading.Lock()
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
