"""Where the book's time goes: every chapter executed at full scale (or fast), on an empty result cache, with the
library's timers on (minigpt.timing), split into training, loss evaluation, greedy scoring, decoding (sampling,
votes, Monte Carlo passes), the rest of each experiment's evaluation, drawing explorer frames, and the rest
(imports, plots, kernel start, the notebook's own code).

    .venv/bin/python benchmarks/book_profile.py              # full scale, every chapter: as long as `make book`
    .venv/bin/python benchmarks/book_profile.py --fast 03 10  # fast mode, chapters 3 and 10 only

The chapters run in order on one cache, as in the book build (chapter 10 reads what the others stored). Time in
a chapter's kernel is split by activity; time in its sweep's worker processes (they run beside the kernel, which
then counts "wait") is reported apart, as the seconds each activity took summed over workers. Writes
benchmarks/results/book_profile.json and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from minigpt.timing import ACTIVITIES, PROFILE_ENV

ROOT = Path(__file__).resolve().parents[1]


def tallies(folder: Path) -> dict[int, dict[str, float]]:
    """``{pid: {activity: seconds}}`` of every process that wrote into ``folder``."""
    return {int(p.stem): json.loads(p.read_text()) for p in folder.glob("*.json")}


def profile_chapter(path: Path, cache: Path, folder: Path, timeout: int) -> dict:
    nb = nbformat.read(path, as_version=4)
    os.environ[PROFILE_ENV] = str(folder)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    kernel_pid = None
    with client.setup_kernel():
        kernel_pid = getattr(client.km.provisioner, "pid", None)
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    wall = time.perf_counter() - start
    time.sleep(0.5)  # let worker processes write their last tally
    by_pid = tallies(folder)
    kernel = by_pid.pop(kernel_pid, {}) if kernel_pid is not None else {}
    workers = {a: round(sum(t.get(a, 0.0) for t in by_pid.values()), 2) for a in ACTIVITIES}
    own = {a: round(kernel.get(a, 0.0), 2) for a in ACTIVITIES}
    own["other"] = round(wall - sum(kernel.values()), 2)
    return {"wall": round(wall, 2), "kernel": own, "workers": workers, "worker_processes": len(by_pid)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*", help="chapter numbers or name prefixes (default: all)")
    ap.add_argument("--fast", action="store_true", help="MINIGPT_FAST=1: the notebook tests' scale")
    ap.add_argument("--timeout", type=int, default=1200, help="seconds a cell may take")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "book_profile.json")
    args = ap.parse_args()
    if args.fast:
        os.environ["MINIGPT_FAST"] = "1"
    else:
        os.environ.pop("MINIGPT_FAST", None)
    notebooks = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        notebooks = [nb for nb in notebooks if any(nb.stem.startswith(c.zfill(2)) for c in args.chapters)]
    out = {"scale": "fast" if args.fast else "full", "machine": f"{os.cpu_count()} cores, {platform.machine()}",
           "chapters": {}}
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MINIGPT_CACHE"] = str(Path(tmp) / "cache")
        for nb in notebooks:
            out["chapters"][nb.stem] = profile_chapter(nb, Path(tmp) / "cache", Path(tmp) / nb.stem, args.timeout)
            print(f"{nb.stem}: {out['chapters'][nb.stem]['wall']:.0f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))
    columns = [*ACTIVITIES, "other"]
    lines = ["| chapter | wall | " + " | ".join(columns) + " | workers: " + " + ".join(ACTIVITIES[:4]) + " |",
             "|---" * (len(columns) + 3) + "|"]
    for stem, r in out["chapters"].items():
        w = r["workers"]
        lines.append(f"| {stem} | {r['wall']:.0f} | " + " | ".join(f"{r['kernel'][c]:.0f}" for c in columns)
                     + " | " + " + ".join(f"{w[a]:.0f}" for a in ACTIVITIES[:4]) + " |")
    total = {c: sum(r["kernel"][c] for r in out["chapters"].values()) for c in columns}
    lines.append(f"| all | {sum(r['wall'] for r in out['chapters'].values()):.0f} | "
                 + " | ".join(f"{total[c]:.0f}" for c in columns) + " | |")
    print("\n".join(lines))
    print(f"\nseconds; kernel columns add up to wall; wrote {args.out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
