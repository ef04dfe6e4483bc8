"""How chapter 9's capacity runs were sized and their learning rate chosen: ``capacity_bits`` at 1000 exposures
(the expensive count) at several peak learning rates and widths, on the protocol's tuning seeds only; prints one
line per run and appends it to benchmarks/results/capacity_lr.csv.

A learning rate is good when it stores the most bits (the value-set bound floored at 0, ``bits_per_param``);
each run's CPU cost sizes the chapter: the widths it can afford at 1000 exposures within its time. Run on
2026-12-07: at width 8 no rate stored any bits under the character code (-5,997 to -6,894 bits); at width 12
(tuning seed 0, its own world) lr 0.25, 0.5 and 1.0 / width stored 0.165, 0.162 and 0.151 bits per parameter
under the value-set code, so ``LR_WIDTH`` is 0.25; one run took about 110 CPU seconds, so the chapter affords one
width (12) at 1000 exposures. At 100 exposures (``--exposures 100 --lr-widths 0.25``) the same width's
bound is -1,002 bits on tuning seed 0: it stores nothing, so chapter 9's dropout row there is a floor check. The
defaults in ``minigpt.studies.capacity`` (``LR_WIDTH``, the widths of ``grid()``) come from this sweep
(``minigpt.protocol``, "capacity"). Each seed also draws its own world. Seeds outside ``protocol.TUNING_SEEDS``
are refused: tuning never sees an evaluation seed.

    python benchmarks/tuning/capacity_lr.py [--seeds 0 1 2] [--widths 12] [--workers 2]
"""

import argparse

from tuning_csv import save_csv

from minigpt.protocol import TUNING_SEEDS
from minigpt.runs import ResultCache, set_fast, sweep
from minigpt.studies.capacity import capacity_bits

LR_WIDTHS = (0.25, 0.5, 1.0)  # peak learning rate = this / n_embd
COLUMNS = ("n_embd", "lr_width", "seed", "exposures", "n_params", "world_bits", "knowledge_bits_set", "bits_stored",
           "bits_per_param", "ceiling_per_param", "knowledge_bits", "knowledge_bits_clipped", "recall", "recall_set",
           "seconds")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(TUNING_SEEDS), choices=TUNING_SEEDS,
                    help=f"tuning seeds only, of {list(TUNING_SEEDS)}")
    ap.add_argument("--widths", type=int, nargs="+", default=[12])
    ap.add_argument("--exposures", type=int, default=1000)
    ap.add_argument("--lr-widths", type=float, nargs="+", default=list(LR_WIDTHS))
    ap.add_argument("--workers", type=int, default=1, help="1: in this process (the tree may change meanwhile)")
    args = ap.parse_args()
    points = [{"n_embd": d, "lr": k / d, "exposures": args.exposures} for d in args.widths for k in args.lr_widths]
    with set_fast(False):
        results = sweep(capacity_bits, points, ResultCache(), seeds=args.seeds, workers=args.workers)
    rows = [{"n_embd": r["params"]["n_embd"], "lr_width": r["params"]["lr"] * r["params"]["n_embd"],
             "seed": r["params"]["seed"], **{k: r["metrics"][k] for k in COLUMNS[3:-1]},
             "seconds": r.get("seconds", float("nan"))} for r in results]
    for row in rows:
        print("  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True)
    save_csv("capacity_lr", rows, COLUMNS, append=True)


if __name__ == "__main__":
    main()
