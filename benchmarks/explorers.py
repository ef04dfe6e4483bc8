"""Explorer latencies against the live targets of docs/DESIGN.md section 6, on chapter 3's explorer.

- cached result: a slider move back to a setting already in the cache, until the plot and numbers are updated
  (target < 0.2 s); "new kernel": the result and its drawn frame are on disk but not in memory (what a reader
  gets for the settings the book build computed); "first draw": a result on disk that was never drawn, which
  adds one matplotlib drawing;
- first curve points: a slider move to a new setting, until the first partial history is drawn (target < 2 s);
- whole run: the same move, until the finished run (with its scored samples) is shown (target < 30 s);
- sampling knob: a temperature move over a trained (stored) model, until its new samples and numbers are shown
  (target < 0.5 s): the model is not trained again, only sampled and scored.

The live widget is built without a browser (ipywidgets work without a kernel), the cache is a fresh temporary
folder, and the one-time import cost of the first optimizer is paid before timing (as the explorer's warm-up
does in a reader's kernel). Prints a table and writes benchmarks/results/explorers.json.

    python benchmarks/explorers.py [--repeats 2] [--fast]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

TARGETS_S = {"cached result": 0.2, "cached result, new kernel": 0.2, "cached result, first draw": 0.2,
             "first curve points": 2.0, "whole run": 30.0, "sampling knob": 0.5}


def measure(repeats: int) -> dict[str, list[float]]:
    import torch

    from minigpt.explore import warm_up
    from minigpt.runs import ResultCache
    from minigpt.studies.overfitting import OVERFIT_CONTROLS, overfitting_explorer

    times: dict[str, list[float]] = {name: [] for name in TARGETS_S}
    with tempfile.TemporaryDirectory() as tmp:
        explorer = overfitting_explorer(cache=ResultCache(tmp))
        explorer.widget  # noqa: B018 - build the live widget: the timings include drawing into it
        warm_up(wait=True)
        events: list[tuple[float, dict | None, str]] = []
        explorer.listeners.append(lambda result, status: events.append((time.perf_counter(), result, status)))
        # new settings, never cached: walk the dropout slider, one weight decay per repeat
        settings = [{"dropout": OVERFIT_CONTROLS["dropout"][1 + i % 4],
                     "weight_decay": OVERFIT_CONTROLS["weight_decay"][i // 4 % 3]} for i in range(repeats)]
        for values in settings:
            events.clear()
            t0 = time.perf_counter()
            explorer.select(**values)
            result = explorer.wait()
            partial = [t for t, r, _ in events if r is not None and not r.get("done")]
            times["first curve points"].append(partial[0] - t0 if partial else float("nan"))
            times["whole run"].append(events[-1][0] - t0)
            if not result or not result["done"]:
                raise RuntimeError(f"run at {values} did not finish: {explorer.status}")
            start = explorer.values["temperature"]
            for temperature in [t for t in OVERFIT_CONTROLS["temperature"] if t != start]:  # same model, new samples
                t0 = time.perf_counter()
                explorer.select(temperature=temperature)
                result = explorer.wait()
                times["sampling knob"].append(time.perf_counter() - t0)
                if not result["model_cached"] or result["cached"]:
                    raise RuntimeError(f"temperature {temperature} did not re-sample the stored model")
            explorer.select(temperature=start)
            explorer.wait()
        for name, forget in (("cached result", None), ("cached result, new kernel", "memory"),
                             ("cached result, first draw", "all")):
            for values in settings:
                explorer.select(dropout=0.0, weight_decay=0.0)  # a move away (not timed)
                explorer.stop()
                if forget:  # as in a new kernel: the result and its frame on disk, nothing in memory
                    explorer.frames.forget()
                if forget == "all":  # a result on disk that was never drawn
                    for frame in (explorer.cache.root / "files").glob("*.png"):
                        frame.unlink()
                t0 = time.perf_counter()
                explorer.select(**values)
                times[name].append(time.perf_counter() - t0)
                if explorer.status != "cached":
                    raise RuntimeError(f"{values} was not served from the cache: {explorer.status}")
        explorer.close()
        times["_torch_threads_main"] = [torch.get_num_threads()]
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2, help="new settings timed (each a whole run)")
    parser.add_argument("--fast", action="store_true", help="MINIGPT_FAST=1 sizes (a smoke test, not the target)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "explorers.json")
    args = parser.parse_args()
    if args.fast:
        os.environ["MINIGPT_FAST"] = "1"

    times = measure(args.repeats)
    threads = times.pop("_torch_threads_main")[0]
    rows = []
    print(f"{'measure':<26} {'median s':>9} {'max s':>7} {'target s':>9}  ok")
    for name, target in TARGETS_S.items():
        values = times[name]
        median, worst = statistics.median(values), max(values)
        ok = worst < target
        rows.append({"measure": name, "seconds": values, "median_s": median, "max_s": worst, "target_s": target,
                     "ok": ok})
        print(f"{name:<26} {median:>9.3f} {worst:>7.3f} {target:>9.1f}  {'yes' if ok else 'NO'}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    report = {
        "benchmark": "explorers",
        "fast_mode": args.fast,
        "repeats": args.repeats,
        "results": rows,
        "machine": {"platform": platform.platform(), "processor": platform.processor(), "cpus": os.cpu_count(),
                    "load_average": load, "torch_threads_main": threads},
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"load average {load}; wrote {args.out}")


if __name__ == "__main__":
    main()
