"""Per-chapter execution time of the last book build, read from its execution cache.

Writes benchmarks/results/chapter_times.json, prints a Markdown table, and with --readme replaces the table between
the `<!-- chapter-times -->` markers in README.md. Run it after `make book` (full scale) so the numbers are the
book's, not fast mode's.
"""

import argparse
import json
import re
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=ROOT / "_build" / ".jupyter_cache")
    ap.add_argument("--readme", action="store_true", help="update the table in README.md")
    args = ap.parse_args()
    if not args.cache.exists():
        raise SystemExit(f"no execution cache at {args.cache}: run `make book` first")
    seconds = {Path(r.uri).stem: r.data.get("execution_seconds") for r in get_cache(args.cache).list_cache_records()}
    rows = [(stem, title, seconds.get(stem)) for stem, title in chapter_titles().items()]
    lines = ["| chapter | title | CPU time (2 cores) |", "|---|---|---|"]
    lines += [f"| `{stem}` | {title} | {'not run' if s is None else f'{s:.0f} s'} |" for stem, title, s in rows]
    total = sum(s for *_, s in rows if s)
    lines.append(f"| | **whole book** | **{total / 60:.1f} min** |")
    table = "\n".join(lines)
    print(table)
    out = ROOT / "benchmarks" / "results" / "chapter_times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({stem: s for stem, _, s in rows}, indent=2))
    if args.readme:
        readme = ROOT / "README.md"
        text = readme.read_text()
        new = re.sub(r"<!-- chapter-times -->.*<!-- /chapter-times -->",
                     f"<!-- chapter-times -->\n{table}\n<!-- /chapter-times -->", text, flags=re.S)
        readme.write_text(new)


if __name__ == "__main__":
    main()
