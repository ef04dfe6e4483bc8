"""Per-chapter execution time of the last book builds, read from their execution caches.

Full scale comes from `make book` (_build/.jupyter_cache); MINIGPT_FAST=1 from the fast build that the browser tests
make (_build/browser/_build/.jupyter_cache). Writes benchmarks/results/chapter_times.json, prints a Markdown table,
and with --write replaces the table between the `<!-- chapter-times -->` markers in README.md and book/intro.md.

    make book && make test && .venv/bin/python benchmarks/chapter_times.py --write
"""

import argparse
import json
import os
import platform
import re
from datetime import date
from pathlib import Path

import yaml
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parents[1]


def chapter_titles() -> dict[str, str]:
    """Notebook stem -> first Markdown heading, in table-of-contents order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [entry["file"] for part in toc.get("parts", [toc]) for entry in part.get("chapters", [])]
    titles = {}
    for f in files:
        nb = ROOT / f"{f}.ipynb"
        if nb.exists():
            cells = json.loads(nb.read_text())["cells"]
            heading = next((line for c in cells if c["cell_type"] == "markdown"
                            for line in "".join(c["source"]).splitlines() if line.startswith("# ")), f"# {nb.stem}")
            titles[nb.stem] = heading[2:].strip()
    return titles


def execution_seconds(cache: Path) -> dict[str, float]:
    """Notebook stem -> seconds its last cached execution took; empty if there is no cache."""
    if not cache.exists():
        return {}
    return {Path(r.uri).stem: r.data.get("execution_seconds") for r in get_cache(cache).list_cache_records()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache", help="full-scale build cache")
    ap.add_argument("--fast-cache", type=Path, default=ROOT / "_build" / "browser" / "_build" / ".jupyter_cache")
    ap.add_argument("--write", action="store_true", help="update the tables in README.md and book/intro.md")
    args = ap.parse_args()
    full, fast = execution_seconds(args.cache), execution_seconds(args.fast_cache)
    if not full:
        raise SystemExit(f"no execution cache at {args.cache}: run `make book` first")

    def cell(s):
        return "not run" if s is None else f"{s:.0f} s"

    rows = [(stem, title, full.get(stem), fast.get(stem)) for stem, title in chapter_titles().items()]
    lines = ["| Chapter | Full scale | `MINIGPT_FAST=1` |", "|---|---|---|"]
    lines += [f"| {i}. {title} | {cell(s)} | {cell(f)} |" for i, (_, title, s, f) in enumerate(rows, 1)]
    total_full = sum(s for _, _, s, _ in rows if s)
    total_fast = sum(f for *_, f in rows if f)
    lines.append(f"| Whole book | {total_full / 60:.1f} min | {total_fast:.0f} s |")
    cores = len(os.sched_getaffinity(0))
    lines.append(f"\nMeasured {date.today()} on {cores} CPU cores ({platform.machine()}, {platform.system()}) "
                 "by `benchmarks/chapter_times.py` from the build's execution cache.")
    table = "\n".join(lines)
    print(table)
    out = ROOT / "benchmarks" / "results" / "chapter_times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({stem: {"full_s": s, "fast_s": f} for stem, _, s, f in rows}, indent=2))
    if args.write:
        for page in (ROOT / "README.md", ROOT / "book" / "intro.md"):
            text = page.read_text()
            new, n = re.subn(r"<!-- chapter-times -->.*<!-- /chapter-times -->",
                             f"<!-- chapter-times -->\n{table}\n<!-- /chapter-times -->", text, flags=re.S)
            if n != 1:
                raise SystemExit(f"{page}: expected one <!-- chapter-times --> ... <!-- /chapter-times --> block")
            page.write_text(new)


if __name__ == "__main__":
    main()
