"""minigpt.timing: self time per activity, per thread, written only where MINIGPT_PROFILE asks."""

from __future__ import annotations

import json
import threading
import time

import pytest

from minigpt import timing


def test_nested_activities_are_counted_once(monkeypatch, tmp_path):
    monkeypatch.setenv(timing.PROFILE_ENV, str(tmp_path))
    before = timing.totals()
    with timing.timed("train"):
        time.sleep(0.05)
        with timing.timed("eval_loss"):
            time.sleep(0.05)

    def other_thread():  # a thread's stack is its own: this block is not nested in anything
        with timing.timed("decode"):
            time.sleep(0.02)

    with timing.timed("explorer"):
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    after = timing.totals()
    gained = {k: after.get(k, 0.0) - before.get(k, 0.0) for k in after}
    assert 0.05 <= gained["train"] < 0.09 and 0.05 <= gained["eval_loss"] < 0.09
    assert gained["decode"] >= 0.02 and gained["explorer"] >= 0.02  # the thread's time is not the caller's child
    timing._write(force=True)
    written = json.loads(next(tmp_path.glob("*.json")).read_text())
    assert written == pytest.approx(timing.totals())
    with pytest.raises(ValueError, match="activity"):
        with timing.timed("lunch"):
            pass


def test_waiting_threads_count_once():
    """A chapter that runs two sweeps at once, each thread waiting for its workers, waited once, not twice."""
    before = timing.totals().get("wait", 0.0)

    def wait():
        with timing.timed("wait"):
            time.sleep(0.1)

    threads = [threading.Thread(target=wait) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 0.1 <= timing.totals()["wait"] - before < 0.18
