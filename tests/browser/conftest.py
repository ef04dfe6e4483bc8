"""Fixtures for the browser tests: a built book and a local server for it, headless Chromium, and Voila
servers for live widgets.

The book must work offline (a classroom without network), so every page is opened with all requests to
hosts other than 127.0.0.1 blocked and recorded.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "_build" / "screenshots"
# A fast-mode build of our own, kept between runs: its execution cache is separate from the full-scale
# one in _build/.jupyter_cache, which MINIGPT_FAST outputs must not pollute (the cache ignores env vars).
FAST_OUT = ROOT / "_build" / "browser"
BUILD_TIMEOUT_S = 900
# Flags that keep Chromium from phoning home and hanging on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_chromium() -> str | None:
    """Path of a Chromium to drive; None when there is none (the tests then skip)."""
    explicit = os.environ.get("MINIGPT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _book_inputs() -> Iterator[Path]:
    yield ROOT / "_config.yml"
    yield ROOT / "_toc.yml"
    for base, pattern in ((ROOT / "book", "*"), (ROOT / "src" / "minigpt", "*.py")):
        for path in base.rglob(pattern):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                yield path


def _is_fresh(html: Path, newest_input: float) -> bool:
    # Sphinx rewrites .buildinfo at the end of every build that wrote pages. A build that found nothing
    # to do (e.g. only book/_static changed) leaves it old, which sends us to a build of our own.
    info = html / ".buildinfo"
    return info.exists() and info.stat().st_mtime >= newest_input


def _build_fast() -> Path:
    html = FAST_OUT / "_build" / "html"
    cache = FAST_OUT / "_build" / ".jupyter_cache"
    src = [p.stat().st_mtime for p in (ROOT / "src" / "minigpt").rglob("*.py")]
    if cache.exists() and not _is_fresh(html, max(src, default=0.0)):
        # The execution cache keys on notebook code only; outputs made by older library code must go.
        shutil.rmtree(cache)
    fetch = subprocess.run(
        ["bash", str(ROOT / "scripts" / "fetch_assets.sh")], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    if fetch.returncode:
        pytest.fail(f"scripts/fetch_assets.sh failed:\n{fetch.stdout}{fetch.stderr}")
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(ROOT), "--path-output", str(FAST_OUT), "--all"]
    try:
        run = subprocess.run(
            cmd,
            cwd=ROOT,
            env={**os.environ, "MINIGPT_FAST": "1"},
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"fast book build took over {BUILD_TIMEOUT_S} s: {' '.join(cmd)}")
    if run.returncode or not (html / "index.html").exists():
        pytest.fail(f"book build failed ({' '.join(cmd)}):\n{(run.stdout + run.stderr)[-4000:]}")
    return html


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip(
            "browser tests need Chromium: none found on PATH (chromium, chromium-browser, google-chrome) "
            "or at $MINIGPT_CHROMIUM; install it with `make browser` or `apt-get install chromium`"
        )
    pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright Python package")
    return path


@pytest.fixture(scope="session")
def book_html(chromium_path: str) -> Path:
    """The built HTML book: _build/html if it is newer than every input, else a MINIGPT_FAST=1 build."""
    newest = max(p.stat().st_mtime for p in _book_inputs() if p.exists())
    for html in (ROOT / "_build" / "html", FAST_OUT / "_build" / "html"):
        if _is_fresh(html, newest):
            return html
    return _build_fast()


@pytest.fixture(scope="session")
def book_url(book_html: Path) -> Iterator[str]:
    """Serve the book on 127.0.0.1 (an OS-chosen port); the server is stopped even if tests fail."""
    server = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(book_html)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        # http.server prints "Serving HTTP on 127.0.0.1 port N (...)" once it listens.
        ready, _, _ = select.select([server.stdout], [], [], 15)
        line = server.stdout.readline() if ready else ""
        if " port " not in line:
            pytest.fail(f"http.server did not start within 15 s (said {line!r})")
        port = int(line.split(" port ")[1].split()[0])
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stdout.close()


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, timeout=30_000)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class BookPage:
    """A Playwright page plus what it did that it must not: console errors, uncaught exceptions, and
    requests to hosts other than 127.0.0.1 (blocked)."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    off_host: list[str] = field(default_factory=list)

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base_url}/{path}", wait_until="load", timeout=30_000)


@pytest.fixture
def book_page(browser, book_url: str) -> Iterator[BookPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    bp = BookPage(page=context.new_page(), base_url=book_url)

    def route(r):
        url = r.request.url
        if url.startswith((book_url + "/", "data:", "blob:")):
            r.continue_()
        else:
            bp.off_host.append(url)
            r.abort()

    context.route("**/*", route)
    bp.page.on("console", lambda msg: bp.console_errors.append(msg.text) if msg.type == "error" else None)
    bp.page.on("pageerror", lambda exc: bp.console_errors.append(f"uncaught: {exc}"))
    try:
        yield bp
    finally:
        context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


# Latencies the live tests measure, shown in pytest's terminal summary even without -s.
_TIMINGS = pytest.StashKey[list]()


@pytest.fixture
def record_timing(request) -> Callable[[str], None]:
    """record_timing(line): add a line to the "browser timings" section of the terminal summary."""
    return request.config.stash.setdefault(_TIMINGS, []).append


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    lines = config.stash.get(_TIMINGS, [])
    if lines:
        terminalreporter.section("browser timings")
        for line in lines:
            terminalreporter.write_line(line)


# --- live widgets: a Voila server per test ------------------------------------------------------------------

VOILA_START_TIMEOUT_S = 30
# Python errors shown in a Voila page: stderr outputs (tracebacks with --show_tracebacks=True).
ERROR_OUTPUT = '.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'


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
    """A running `voila NOTEBOOK` on 127.0.0.1; its output (and its kernels') goes to `log`."""

    url: str
    port: int
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
        "JUPYTER_DATA_DIR": str(tmp / "jupyter_data"),
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
    return VoilaServer(url=f"http://127.0.0.1:{port}/", port=port, log=log, proc=proc, started=time.perf_counter())


def _wait_listening(server: VoilaServer) -> None:
    deadline = time.monotonic() + VOILA_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"voila exited with {server.proc.returncode}:\n{server.log_text()[-3000:]}")
        try:  # a TCP connect only: a GET of the page would already start a kernel
            with socket.create_connection(("127.0.0.1", server.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"voila did not listen within {VOILA_START_TIMEOUT_S} s:\n{server.log_text()[-3000:]}")


def _stop_voila(server: VoilaServer) -> None:
    """SIGTERM lets Voila shut its kernels down; kernels live in sessions of their own, so any left are
    killed by pid."""
    proc = server.proc
    kernels = _children(proc.pid)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=5)
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
    """A Playwright page on a Voila server, with the console errors, uncaught exceptions and blocked
    off-host requests it produced."""

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
