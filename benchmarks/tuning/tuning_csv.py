"""The one CSV writer of the tuning scripts: their rows go to ``benchmarks/results/<name>.csv`` (git-ignored)."""

import csv
from pathlib import Path


def save_csv(name: str, rows: list[dict], columns: list[str], *, append: bool = False) -> Path:
    """Write ``rows`` (dicts keyed by ``columns``) to ``benchmarks/results/<name>.csv`` with a header, or append
    them (the header only when the file is new); returns the path."""
    out = Path(__file__).resolve().parents[1] / "results" / f"{name}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    new = not (append and out.exists())
    with out.open("a" if append else "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        if new:
            writer.writeheader()
        writer.writerows(rows)
    return out
