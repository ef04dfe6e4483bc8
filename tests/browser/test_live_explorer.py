"""Live widgets in a kernel: Voila serves a small notebook on 127.0.0.1, headless Chromium drives its sliders.

The notebooks are written into each test's tmp dir. Each test starts its own Voila server (MINIGPT_FAST=1, an
empty MINIGPT_CACHE so the explorer really trains instead of replaying a cached run) and stops it, with the
kernel, even when the test fails. Latencies are printed (`pytest -s` shows them) and checked against the
live targets of DESIGN.md section 6 with a margin for a loaded 2-core machine.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.browser

SERVER_START_TIMEOUT_S = 30
RENDER_TIMEOUT_MS = 30_000
# DESIGN.md section 6: a training slider shows its first curve points in under 2 s. The assertion allows
# a loaded machine much more; the measured latency is printed so a regression is visible.
UPDATE_TARGET_S = 2.0
UPDATE_TIMEOUT_S = 20.0
ERROR_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'


def _code_notebook(*cells: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
            for src in cells
        ],
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# A plain ipywidgets slider whose Python callback writes the value into an HTML widget: checks the harness
# (server, kernel, comms, keyboard) independently of the explorer.
PLAIN_NOTEBOOK = _code_notebook(
    """import ipywidgets as w
slider = w.IntSlider(value=3, min=0, max=10, description="plain")
out = w.HTML(value="<span class='plain-result'>square 9</span>")
def on_change(change):
    out.value = f"<span class='plain-result'>square {change['new'] ** 2}</span>"
slider.observe(on_change, names="value")
w.VBox([slider, out])"""
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Direct child pids of `pid` (Linux /proc; empty elsewhere)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@dataclass
class VoilaServer:
    url: str
    log: Path
    proc: subprocess.Popen
    started: float  # time.perf_counter() when the process was launched

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _start_voila(notebook: Path, tmp: Path) -> VoilaServer:
    port = _free_port()
    env = {
        **os.environ,
        "MINIGPT_FAST": "1",
        "MINIGPT_CACHE": str(tmp / "minigpt_cache"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])),
        # keep the user's Jupyter config and runtime files out of it
        "JUPYTER_CONFIG_DIR": str(tmp / "jupyter_config"),
        "JUPYTER_RUNTIME_DIR": str(tmp / "jupyter_runtime"),
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [
        sys.executable, "-m", "voila", str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--show_tracebacks=True",
    ]  # fmt: skip
    log = tmp / "voila.log"
    with log.open("w") as sink:
        proc = subprocess.Popen(
            cmd, cwd=notebook.parent, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    return VoilaServer(url=f"http://127.0.0.1:{port}/", log=log, proc=proc, started=time.perf_counter())


def _wait_listening(server: VoilaServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"voila exited with {server.proc.returncode}:\n{server.log_text()[-3000:]}")
        try:
            with urllib.request.urlopen(server.url + "api/status", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"voila did not listen within {SERVER_START_TIMEOUT_S} s:\n{server.log_text()[-3000:]}")


def _stop_voila(server: VoilaServer) -> None:
    """SIGTERM lets Voila shut its kernels down; kernels live in sessions of their own, so any left are
    killed by pid."""
    proc = server.proc
    kernels = _children(proc.pid)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@dataclass
class LivePage:
    page: object
    server: VoilaServer
    console_errors: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)

    def python_errors(self) -> list[str]:
        """Tracebacks or stderr outputs in the page, and tracebacks the kernel or server logged."""
        found = [t for t in self.page.locator(ERROR_OUTPUT).all_inner_texts() if t.strip()]
        body = self.page.locator("body").inner_text()
        if "Traceback" in body:
            found.append("page text: " + body[body.index("Traceback") :][:1500])
        log = self.server.log_text()
        if "Traceback" in log:
            found.append("server/kernel log: " + log[log.index("Traceback") :][:1500])
        return found


@pytest.fixture
def live_page(browser, tmp_path: Path):
    """Factory: live_page(notebook_dict) -> LivePage with Voila serving the notebook; stops the server after."""
    pytest.importorskip("voila", reason="live browser tests need voila (pip install voila)")
    servers: list[VoilaServer] = []
    contexts = []

    def open_notebook(nb: dict, name: str = "live.ipynb") -> LivePage:
        import json

        work = tmp_path / f"voila{len(servers)}"
        work.mkdir()
        path = work / name
        path.write_text(json.dumps(nb), encoding="utf-8")
        server = _start_voila(path, work)
        servers.append(server)
        _wait_listening(server)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.set_default_timeout(15_000)
        lp = LivePage(page=context.new_page(), server=server)

        def route(r):
            url = r.request.url
            if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:")):
                r.continue_()
            else:  # e.g. Voila's font stylesheet from a CDN, which never answers offline
                lp.off_host.append(url)
                r.abort()

        context.route("**/*", route)
        lp.page.on("console", lambda m: lp.console_errors.append(m.text) if m.type == "error" else None)
        lp.page.on("pageerror", lambda exc: lp.console_errors.append(f"uncaught: {exc}"))
        lp.page.goto(server.url, wait_until="commit", timeout=30_000)
        return lp

    try:
        yield open_notebook
    finally:
        for context in contexts:
            try:
                context.close()
            except Exception:  # the browser may already be gone; the servers must still stop
                pass
        for server in servers:
            _stop_voila(server)


def _press_right(handle) -> None:
    """Keyboard move of an ipywidgets 8 (noUiSlider) slider: focus its handle, one step right."""
    handle.focus()
    handle.press("ArrowRight")


def _wait_change(page, read, before, timeout_s: float) -> tuple[object, float]:
    """Poll read() until it differs from `before`; returns (new value, seconds waited)."""
    t0 = time.perf_counter()
    now = read()
    while now == before and time.perf_counter() - t0 < timeout_s:
        page.wait_for_timeout(25)
        now = read()
    return now, time.perf_counter() - t0


@pytest.mark.timeout(60)
def test_plain_widget_round_trip(live_page):
    """The harness itself: a plain slider's Python callback reaches the page."""
    lp = live_page(PLAIN_NOTEBOOK)
    page = lp.page
    handle = page.locator(".widget-slider .noUi-handle").first
    handle.wait_for(state="visible", timeout=RENDER_TIMEOUT_MS)
    result = page.locator(".plain-result").first
    result.wait_for(timeout=RENDER_TIMEOUT_MS)
    first_render = time.perf_counter() - lp.server.started

    before = result.inner_text()
    _press_right(handle)
    after, latency = _wait_change(page, result.inner_text, before, 5.0)
    print(f"\nplain widget: server start to first render {first_render:.2f} s, key to callback output {latency:.3f} s")

    assert before == "square 9"
    assert after == "square 16", f"the slider's Python callback did not update the page ({after!r})"
    assert not lp.python_errors(), lp.python_errors()
