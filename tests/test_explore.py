"""Explorers driven without a browser: slider values set in Python, background runs, the cache, the HTML view."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from minigpt.explore import WIDGET_MIME, Display, Explorer, FrameStore, RunController, SliderView, format_value
from minigpt.plots import loss_curves, new_figure
from minigpt.runs import ResultCache, grid_points
from minigpt.studies.overfitting import overfitting_explorer
from minigpt.train import History

from .fakes import fake_experiment


def _configure(x: float = 0.0, y: float = 0.0, steps: int = 40, delay: float = 0.004) -> dict:
    return {"train": {"steps": steps, "delay": delay}}


RUNNING = {"now": 0, "most": 0}  # fake runs in flight: the explorer must never overlap two


def make_fake(log: list):
    """A fake 'training' run: ``steps`` sleeps of ``delay`` s, an eval every 5 steps, honours ``stop``."""

    def run(spec, on_eval=None, stop=None):
        RUNNING["now"] += 1
        RUNNING["most"] = max(RUNNING["most"], RUNNING["now"])
        try:
            return _fake_run(spec, on_eval, stop, log)
        finally:
            RUNNING["now"] -= 1

    return fake_experiment("fake", _configure, run,
                           lambda spec: {"score": spec["params"]["x"] + 10 * spec["params"]["y"]})


def _fake_run(spec, on_eval, stop, log):
    h = History()
    t = spec["train"]
    for step in range(t["steps"]):
        if stop is not None and stop.is_set():
            h.stop_reason = "stopped"
            break
        time.sleep(t["delay"])
        h.step.append(step)
        h.train_loss.append(2.0 / (step + 1))
        if (step + 1) % 5 == 0:
            h.eval_step.append(step + 1)
            h.eval_train_loss.append(2.0 / (step + 1))
            h.val_loss.append(1.0 + spec["params"]["x"] + 0.3 * spec["params"]["y"])
            if on_eval is not None:
                on_eval(h)
    else:
        h.stop_reason = "completed"
    log.append((spec["params"]["x"], spec["params"]["y"], h.stop_reason))
    return h


def plot(result, fig):
    loss_curves(fig.subplots(), result["history"], xlim=40, ylim=(0, 2.5))


def numbers(result):
    if result.get("metrics"):
        return {"score": f"{result['metrics']['score']:.2f}"}
    return {"step": str(len(result["history"]["step"]))}


XS = [round(0.05 * i, 2) for i in range(21)]


@pytest.fixture
def log():
    return []


@pytest.fixture
def explorer(tmp_path, log):
    ex = Explorer(make_fake(log), {"x": XS, "y": [0.0, 1.0]}, plot=plot, numbers=numbers,
                  cache=ResultCache(tmp_path / "cache"), static_grid={"x": [0.0, 0.5, 1.0], "y": [0.0, 1.0]},
                  display=Display(title="fake", min_redraw_s=0.0, figsize=(2.0, 1.2), dpi=30))
    yield ex
    ex.close()


def run_threads(ex: Explorer) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(ex.id) and t.is_alive()]


def test_slider_move_starts_a_run_and_history_arrives(explorer, log):
    updates = []
    explorer.listeners.append(lambda result, status: updates.append((result, status)))
    slider = explorer.widget.children[1].children[0]
    assert slider.description == "x" and slider.value == 0.0
    slider.value = 0.05  # as the reader would
    assert explorer.runs_started == 1 and explorer.running
    result = explorer.wait(10)
    assert not explorer.running and run_threads(explorer) == []
    assert result["done"] and result["params"]["x"] == 0.05
    assert result["history"]["eval_step"] == [5, 10, 15, 20, 25, 30, 35, 40]
    partial = [r for r, _ in updates if r is not None and not r["done"]]
    assert partial, "no partial history was shown while the run trained"
    assert len(partial[0]["history"]["eval_step"]) < 8
    assert explorer.status.startswith("done")
    assert bytes(explorer.live.image.value).startswith(b"\x89PNG") and "score" in explorer.live.numbers_panel.value
    assert log == [(0.05, 0.0, "completed")]


def test_new_value_cancels_the_old_run(explorer, log):
    explorer.select(x=0.1, y=0.0)
    time.sleep(0.03)
    explorer.select(x=0.15)  # returns at once; the new run starts once the old one has stopped
    explorer.wait(10)
    assert log == [(0.1, 0.0, "stopped"), (0.15, 0.0, "completed")]
    assert explorer.runs_started == 2


def test_cached_result_shows_at_once(explorer, log):
    explorer.select(x=0.2)
    explorer.wait(10)
    explorer.select(x=0.25)
    explorer.wait(10)
    assert explorer.runs_started == 2
    t0 = time.perf_counter()
    explorer.select(x=0.2)  # back: from the cache, no run
    elapsed = time.perf_counter() - t0
    assert explorer.status == "cached" and explorer.result["cached"] and explorer.result["params"]["x"] == 0.2
    assert explorer.runs_started == 2 and not explorer.running and len(log) == 2
    assert elapsed < 1.0  # the live target is 0.2 s (benchmarks/explorers.py); this only catches a rerun


def test_twenty_rapid_moves_leave_one_run_and_no_leaked_threads(explorer, log):
    before = {t.ident for t in threading.enumerate()}
    RUNNING["most"] = 0
    slider = explorer.widget.children[1].children[0]
    for i in range(20):
        slider.value = XS[i + 1]
    assert explorer.runs_started == 20
    result = explorer.wait(10)
    assert result["params"]["x"] == XS[20] and result["done"]
    assert log[-1] == (XS[20], 0.0, "completed")
    assert all(reason == "stopped" for *_, reason in log[:-1])  # superseded moves mostly never start at all
    assert RUNNING["most"] == 1, "two runs trained at once"
    assert run_threads(explorer) == []
    leaked = [t for t in threading.enumerate() if t.ident not in before and t.name != "minigpt-warm-up"]
    assert not leaked, leaked


def test_a_cancelled_runs_late_update_never_overwrites_the_new_one(explorer, log, monkeypatch):
    assert explorer.widget is not None
    explorer.select(x=0.05)
    finished = explorer.wait(10)
    drawing = threading.Event()

    def slow_plot(result, fig):
        if not result["done"] and result["params"]["x"] == 0.1:
            drawing.set()
            time.sleep(0.3)  # the old run is drawing when the reader moves the slider
        plot(result, fig)

    monkeypatch.setattr(explorer.frames, "plot", slow_plot)
    explorer.select(x=0.1)  # a run: its first partial result is drawn slowly, in its worker
    assert drawing.wait(5)
    explorer.select(x=0.05)  # back, while the old run draws: the cached result shows at once
    for thread in run_threads(explorer):  # the old run publishes its late partial result, then stops
        thread.join(5)
    assert explorer.status == "cached" and "cached" in explorer.live.status_line.value
    assert explorer.result["done"] and explorer.result["key"] == finished["key"], "the late update was shown"
    assert log[-1] == (0.1, 0.0, "stopped")


def test_stop_button_keeps_the_partial_history(explorer, log):
    buttons = explorer.widget.children[2].children
    assert [b.description for b in buttons[:2]] == ["Run", "Stop"]
    explorer.select(x=0.3)
    t0 = time.perf_counter()
    while not (explorer.result and explorer.result["history"]["eval_step"]) and time.perf_counter() - t0 < 5:
        time.sleep(0.005)
    buttons[1].click()
    assert not explorer.running and run_threads(explorer) == []
    result = explorer.result
    assert result["stop_reason"] == "stopped" and not result["done"]
    assert 0 < len(result["history"]["step"]) < 40
    assert "stopped" in explorer.status and "partial" in explorer.status
    assert not explorer.cache.lookup(explorer.experiment, **explorer.params()), "a stopped run was cached"
    buttons[0].click()  # Run restarts it
    assert explorer.wait(10)["done"]


def test_run_errors_show_in_the_status(tmp_path):
    def boom(spec, on_eval=None, stop=None):
        raise RuntimeError("boom")

    broken = fake_experiment("broken", lambda x=0.0: {}, boom, lambda spec: {})

    ex = Explorer(broken, {"x": [0.0, 1.0]}, plot=plot, cache=ResultCache(tmp_path))
    ex.select(x=1.0)
    ex.wait(5)
    assert ex.status == "error: RuntimeError: boom"
    ex.close()


def test_bad_controls_are_rejected(tmp_path, log):
    fake = make_fake(log)
    with pytest.raises(ValueError, match="not a parameter"):
        Explorer(fake, {"z": [1]}, plot=plot, cache=ResultCache(tmp_path))
    with pytest.raises(ValueError, match="subset"):
        Explorer(fake, {"x": [0.0]}, plot=plot, static_grid={"x": [0.5]}, cache=ResultCache(tmp_path))
    ex = Explorer(fake, {"x": [0.0, 0.5]}, plot=plot, cache=ResultCache(tmp_path))
    with pytest.raises(ValueError, match="not one of the slider's values"):
        ex.select(x=0.25)


# --- the static HTML view -------------------------------------------------------------------------------------


class _Page(HTMLParser):
    """Collects the explorer's inputs, frames and numbers panel."""

    def __init__(self):
        super().__init__()
        self.roots, self.inputs, self.frames, self.numbers, self.scripts = [], [], [], [], []
        self._in = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "minigpt-explorer" in classes:
            self.roots.append(a)
        elif tag == "input":
            self.inputs.append(a)
        elif "minigpt-frame" in classes:  # <img> in an Explorer, <div> in a SliderView
            self.frames.append(a)
        elif tag == "div" and "minigpt-numbers" in classes:
            self._in = "numbers"
            self.numbers.append("")
        elif tag == "script":
            self._in = "script"
            self.scripts.append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "numbers":
            self.numbers[-1] += data
        elif self._in == "script":
            self.scripts[-1] += data


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def visible(frame: dict) -> bool:
    return "display:none" not in frame.get("style", "").replace(" ", "")


def test_html_has_one_frame_per_grid_point(explorer, log):
    results = explorer.precompute()
    assert len(results) == 6 and len(log) == 6
    page = parse(explorer.to_html())
    assert len(page.roots) == 1 and page.roots[0]["id"] == explorer.id
    assert [i["type"] for i in page.inputs] == ["range", "range"]
    assert [(i["name"], i["min"], i["max"], i["value"]) for i in page.inputs] == [("x", "0", "2", "0"),
                                                                                  ("y", "0", "1", "0")]
    assert len(page.frames) == 6
    assert all(f["src"].startswith("data:image/png;base64,") and f["class"] == "minigpt-frame" for f in page.frames)
    assert sum(visible(f) for f in page.frames) == 1
    indices = [f["data-index"] for f in page.frames]
    assert indices == ["0,0", "0,1", "1,0", "1,1", "2,0", "2,1"]
    # each frame's numbers are its own run's: x + 10 y
    for f, point in zip(page.frames, grid_points(explorer.static_grid), strict=True):
        assert f"score {point['x'] + 10 * point['y']:.2f}" in f["data-numbers"]
    assert len({f["data-numbers"] for f in page.frames}) == 6
    assert len({f["src"] for f in page.frames}) == 6, "two grid points rendered the same picture"
    shown = next(f for f in page.frames if visible(f))
    assert shown["data-index"] == "0,0" and page.numbers[0] == shown["data-numbers"]
    assert "http" not in "".join(page.scripts) and "src=" not in "".join(page.scripts)
    assert "Static view: 6 runs over x × y" in explorer.to_html()
    assert len(explorer.to_html()) < 3_000_000


def test_html_before_precompute_shows_placeholders(explorer, log):
    page = parse(explorer.to_html())
    assert len(page.frames) == 6 and all("not computed yet" in f["data-numbers"] for f in page.frames)
    assert log == []  # displaying never trains


# A DOM just big enough for the explorer's script: run it in Node, move the inputs, read what is shown.
NODE_HARNESS = r"""
const spec = JSON.parse(require('fs').readFileSync(0, 'utf8'));
function el(attrs) {
  const e = {attrs: attrs, style: {display: attrs.style && attrs.style.includes('display:none') ? 'none' : ''},
             listeners: {}, textContent: ''};
  e.getAttribute = k => (k in e.attrs ? e.attrs[k] : null);
  e.addEventListener = (type, fn) => { (e.listeners[type] = e.listeners[type] || []).push(fn); };
  Object.defineProperty(e, 'value', {get: () => e.attrs.value, set: v => { e.attrs.value = String(v); }});
  Object.defineProperty(e, 'name', {get: () => e.attrs.name});
  return e;
}
const inputs = spec.inputs.map(el), frames = spec.frames.map(el), numbers = el({});
const outputs = spec.inputs.map(i => el({'data-for': i.name}));
const root = {
  querySelectorAll: sel => sel.startsWith('input') ? inputs : frames,
  querySelector: sel => sel === '.minigpt-numbers' ? numbers
                        : outputs.find(o => sel.includes('"' + o.attrs['data-for'] + '"')),
};
global.document = {getElementById: id => (id === spec.id ? root : null)};
eval(spec.script);
const shown = () => frames.filter(f => f.style.display !== 'none').map(f => f.attrs['data-index']);
const states = [[shown(), numbers.textContent, outputs.map(o => o.textContent)]];
for (const [i, v] of spec.moves) {
  inputs[i].value = v;
  inputs[i].listeners.input.forEach(fn => fn());
  states.push([shown(), numbers.textContent, outputs.map(o => o.textContent)]);
}
console.log(JSON.stringify(states));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the page's script")
def test_html_script_swaps_frames_when_inputs_move(explorer):
    explorer.precompute()
    page = parse(explorer.to_html())
    moves = [[0, 1], [1, 1], [0, 2], [1, 0]]
    spec = {"id": explorer.id, "inputs": page.inputs, "frames": page.frames, "script": page.scripts[0],
            "moves": moves}
    out = subprocess.run(["node", "-e", NODE_HARNESS], input=json.dumps(spec), capture_output=True, text=True,
                         timeout=30, check=True)
    states = json.loads(out.stdout)
    by_index = {f["data-index"]: f["data-numbers"] for f in page.frames}
    expected = ["0,0", "1,0", "1,1", "2,1", "2,0"]
    assert [s[0] for s in states] == [[e] for e in expected]
    assert [s[1] for s in states] == [by_index[e] for e in expected]
    assert states[3][2] == ["1", "1"] and states[4][2] == ["1", "0"]  # the value readouts follow the inputs


def _slider_view(calls):
    def render(value):
        calls.append(value)
        return f"<p>value {value}</p>"

    return SliderView("temperature", [0.0, 0.5, 1.0], render, start=1)


def test_slider_view_has_a_frame_per_value_and_renders_live():
    calls = []
    view = _slider_view(calls)
    assert calls == [0.0, 0.5, 1.0]  # every static frame rendered once, now
    page = parse(view.to_html())
    assert [f["data-index"] for f in page.frames] == ["0", "1", "2"]
    assert [visible(f) for f in page.frames] == [False, True, False]
    assert [(i["min"], i["max"], i["value"]) for i in page.inputs] == [("0", "2", "1")]
    assert "<p>value 0.5</p>" in view.to_html() and page.numbers == []
    slider, shown = view.widget.children
    slider.value = 1.0
    assert calls[-1] == 1.0 and shown.value == "<p>value 1.0</p>"
    assert set(view._repr_mimebundle_()) == {WIDGET_MIME, "text/html", "text/plain"}
    with pytest.raises(ValueError, match="start=3 is out of range"):
        SliderView("x", [1, 2], str, start=3)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the page's script")
def test_slider_view_script_swaps_frames():
    view = _slider_view([])
    page = parse(view.to_html())
    spec = {"id": view.id, "inputs": page.inputs, "frames": page.frames, "script": page.scripts[0],
            "moves": [[0, 2], [0, 0]]}
    out = subprocess.run(["node", "-e", NODE_HARNESS], input=json.dumps(spec), capture_output=True, text=True,
                         timeout=30, check=True)
    states = json.loads(out.stdout)
    assert [s[0] for s in states] == [["1"], ["2"], ["0"]]
    assert [s[2] for s in states] == [["0.5"], ["1"], ["0"]]


def test_mimebundle_offers_widget_html_and_text(explorer):
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {WIDGET_MIME, "text/html", "text/plain"}
    assert bundle[WIDGET_MIME]["model_id"] == explorer.widget.model_id
    assert 'class="minigpt-explorer"' in bundle["text/html"]
    assert "x=0" in bundle["text/plain"]


def test_format_value():
    assert [format_value(v) for v in (0.0, 0.05, 1.0, 1e-5, 3, True)] == ["0", "0.05", "1", "1e-05", "3", "on"]


def test_overfitting_explorer_controls(tmp_path):
    ex = overfitting_explorer(cache=ResultCache(tmp_path), steps=6)
    assert list(ex.controls) == ["dropout", "weight_decay", "emb_noise_alpha", "drop_path", "temperature"]
    assert ex.fixed == {"steps": 6} and set(ex.static_grid) <= set(ex.controls)
    caption = ex.static_caption()
    assert "live sliders over all 5 knobs" in caption and "embedding noise" in caption
    assert new_figure() is not None


def test_drawn_frames_are_kept_in_memory_and_on_disk(tmp_path, log):
    draws = []

    def counting_plot(result, fig):
        draws.append(result["key"])
        plot(result, fig)

    cache = ResultCache(tmp_path)
    fake = make_fake(log)
    result = cache.run(fake, x=0.5)
    small = Display(figsize=(2.0, 1.2), dpi=30)
    version = "counting 1"  # a nested function's frames are kept on disk only under an explicit version
    first = Explorer(fake, {"x": [0.5]}, plot=counting_plot, plot_version=version, cache=cache, display=small)
    png = first.render_png(result)
    assert first.render_png(result) == png and len(draws) == 1  # memory
    second = Explorer(fake, {"x": [0.5]}, plot=counting_plot, plot_version=version, cache=cache, display=small)
    assert second.render_png(result) == png and len(draws) == 1  # disk: a new kernel draws nothing
    other_dpi = Explorer(fake, {"x": [0.5]}, plot=counting_plot, plot_version=version, cache=cache,
                         display=Display(figsize=(2.0, 1.2), dpi=40))
    assert other_dpi.render_png(result) != png and len(draws) == 2  # a different frame: drawn
    partial = {**result, "done": False}
    first.render_png(partial)
    first.render_png(partial)
    assert len(draws) == 4  # partial results are never kept


# --- the parts alone: the run controller (no widgets) and the frame store -----------------------------------------


@pytest.fixture
def controller(tmp_path, log):
    ctl = RunController(make_fake(log), ResultCache(tmp_path / "cache"), {"x": 0.0, "y": 0.0}, name="ctl-test",
                        min_redraw_s=0.0)
    yield ctl
    ctl.close()


def controller_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("ctl-test-run-") and t.is_alive()]


def test_controller_runs_a_setting_then_serves_it_from_the_cache(controller, log):
    updates = []
    controller.listeners.append(lambda result, status: updates.append((result, status)))
    assert controller.status == "idle" and controller.result is None and not controller.refresh()
    controller.select({"x": 0.1, "y": 1.0})
    assert controller.running and controller.runs_started == 1 and controller.params == {"x": 0.1, "y": 1.0}
    result = controller.wait(10)
    assert result["done"] and result["metrics"] == {"score": 10.1} and not controller.running
    assert updates[0] == (None, "starting") and controller.status.startswith("done in")
    partial = [r for r, s in updates if r is not None and not r["done"]]
    assert [len(r["history"]["eval_step"]) for r in partial] == list(range(1, 9))  # one per eval: min_redraw_s 0
    assert all(s.startswith("running: step") and s.endswith("of 40") for r, s in updates if r in partial)
    controller.select({"x": 0.2, "y": 0.0})
    controller.wait(10)
    controller.select({"x": 0.1, "y": 1.0})  # back: from the cache, no run
    assert controller.status == "cached" and controller.result["cached"] and controller.runs_started == 2
    assert controller.refresh() and updates[-1][1] == "cached"
    assert log == [(0.1, 1.0, "completed"), (0.2, 0.0, "completed")] and controller_threads() == []


def test_controller_cancels_and_restarts_without_overlap(controller, log):
    RUNNING["most"] = 0
    for x in XS[1:11]:
        controller.select({"x": x, "y": 0.0})
    assert controller.runs_started == 10
    result = controller.wait(10)
    assert result["done"] and result["params"]["x"] == XS[10] and log[-1] == (XS[10], 0.0, "completed")
    assert all(reason == "stopped" for *_, reason in log[:-1])
    assert RUNNING["most"] == 1, "two runs trained at once"
    assert controller_threads() == []


def test_controller_stop_keeps_the_partial_result_and_run_restarts(controller, log):
    controller.select({"x": 0.3, "y": 0.0})
    t0 = time.perf_counter()
    while not (controller.result and controller.result["history"]["eval_step"]) and time.perf_counter() - t0 < 5:
        time.sleep(0.005)
    controller.stop()
    assert not controller.running and controller_threads() == []
    assert not controller.result["done"] and "partial history kept" in controller.status
    controller.run()
    assert controller.wait(10)["done"] and controller.runs_started == 2


def test_controller_drops_a_superseded_update_whole(controller, log):
    """A watcher's slow prepare (drawing) runs outside the lock; an update superseded meanwhile is not shown."""
    controller.select({"x": 0.05, "y": 0.0})
    finished = controller.wait(10)
    drawing, shown = threading.Event(), []

    def prepare(result):
        if not result["done"] and result["params"]["x"] == 0.1:
            drawing.set()
            time.sleep(0.3)
        return result["params"]["x"]

    controller.watch(lambda result, status, prepared: shown.append((prepared, status)), prepare)
    controller.listeners.append(lambda result, status: controller.status)  # reading from a listener: no deadlock
    controller.select({"x": 0.1, "y": 0.0})
    assert drawing.wait(5)
    t0 = time.perf_counter()
    controller.select({"x": 0.05, "y": 0.0})
    assert time.perf_counter() - t0 < 0.2, "the new selection waited for the old run's drawing"
    for thread in controller_threads():
        thread.join(5)
    assert controller.status == "cached" and controller.result["key"] == finished["key"]
    assert shown[-1] == (0.05, "cached") and (0.1, "running: step 5 of 40") not in shown
    assert log[-1] == (0.1, 0.0, "stopped")


def test_controller_close_drops_what_the_run_still_publishes(controller, log):
    statuses = []
    controller.listeners.append(lambda result, status: statuses.append(status))
    controller.select({"x": 0.4, "y": 0.0})
    controller.close()
    assert not controller.running and controller_threads() == [] and log == [(0.4, 0.0, "stopped")]
    assert not any(s.startswith("stopped") for s in statuses)
    with pytest.raises(ValueError, match="min_redraw_s"):
        RunController(make_fake(log), controller.cache, {}, min_redraw_s=-1)


def _done_result(cache, log, x=0.5):
    return cache.run(make_fake(log), x=x)


def test_frame_store_keeps_finished_frames_in_memory_and_on_disk(tmp_path, log):
    cache = ResultCache(tmp_path)
    result, other = _done_result(cache, log), _done_result(cache, log, x=0.25)
    store = FrameStore(cache, plot, figsize=(2.0, 1.2), dpi=30, keep=1)
    assert store.plot_version == f"{plot.__module__}.plot" and store.get(result) is None and store.draws == 0
    png = store.frame(result)
    assert png.startswith(b"\x89PNG") and store.draws == 1 and len(store) == 1
    assert cache.get_file(store.name(result["key"])) == png
    assert store.frame(result) == png and store.draws == 1  # memory
    assert store.forget() == 1 and len(store) == 0
    assert store.get(result) == png and store.draws == 1  # disk: what a new kernel finds
    store.frame(other)
    assert len(store) == 1 and store.draws == 2  # keep=1: the least recently used frame left memory
    partial = {**result, "done": False}
    store.frame(partial)
    store.frame(partial)
    assert store.draws == 4 and store.get(partial) is None  # partial results are drawn every time, never kept
    assert store.draw(result) == png and store.draws == 5  # draw: always, keeping nothing
    assert store.placeholder().startswith(b"\x89PNG")


def test_frame_store_names_frames_by_an_explicit_plot_version(tmp_path, log):
    cache = ResultCache(tmp_path)
    result = _done_result(cache, log)
    v1 = FrameStore(cache, plot, figsize=(2.0, 1.2), dpi=30, plot_version="curves 1")
    v1_again = FrameStore(cache, lambda r, fig: fig, figsize=(2.0, 1.2), dpi=30, plot_version="curves 1")
    v2 = FrameStore(cache, plot, figsize=(2.0, 1.2), dpi=30, plot_version="curves 2")
    png = v1.frame(result)
    assert v1_again.frame(result) == png and v1_again.draws == 0  # the version names the drawing, not the code
    v2.frame(result)
    assert v2.draws == 1 and v2.name(result["key"]) != v1.name(result["key"])
    unnamed = FrameStore(cache, lambda r, fig: plot(r, fig), figsize=(2.0, 1.2), dpi=30)
    files = set((tmp_path / "files").iterdir())
    assert unnamed.plot_version is None and unnamed.name(result["key"]) is None
    unnamed.frame(result)
    unnamed.frame(result)
    assert unnamed.draws == 1 and set((tmp_path / "files").iterdir()) == files  # a lambda's frames: memory only


# Attribute names an explorer (or one of its parts) is held in, followed by "._": tests and benchmarks use only the
# public API. _repr_mimebundle_ is Jupyter's display protocol, which the tests call as Jupyter does.
PRIVATE_ACCESS = re.compile(r"\b(?:explorer|ex|view|controller|ctl|store|frames|live|static)\._(?!repr_mimebundle_\()")


def test_tests_and_benchmarks_use_only_the_public_api():
    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "tests").rglob("*.py")) + sorted((root / "benchmarks").glob("*.py"))
    assert Path(__file__).resolve() in files and len(files) > 3
    found = [f"{path.relative_to(root)}:{n}: {line.strip()}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE_ACCESS.search(line)]
    assert not found, "private attributes of an explorer used:\n" + "\n".join(found)
