"""Fixtures for the static-book browser tests: a built book, a local server, headless Chromium.

The book must work offline (a classroom without network), so every page is opened with all requests to
hosts other than 127.0.0.1 blocked and recorded.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
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
