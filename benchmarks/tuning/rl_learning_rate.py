"""How the RL learning rate of chapter 8 was chosen: ``rl_addition`` at several learning rates per format, on the
protocol's tuning seeds only; prints one line per run and writes benchmarks/results/rl_learning_rate.csv.

A learning rate is good when the policy improves (pass@1, greedy accuracy) without wandering off (the KL to the
start stays small; on the scratchpad the column steps stay right). The defaults in
``minigpt.studies.sharpening.RL_LR`` come from this sweep on tuning seeds 0 and 1 (``minigpt.protocol``). In this
study a seed also draws its addition world, so a tuning seed trains and measures on its own world's problems; the
evaluation seeds (1000 and up) draw other worlds, which share problems with these only by chance (each world is
3300 of the same 10,000 pairs). Seeds outside ``protocol.TUNING_SEEDS`` are refused: tuning never sees an
evaluation seed.

    python benchmarks/tuning/rl_learning_rate.py [--seeds 0 1] [--workers 2]     # about 4 minutes on 2 cores
"""

import argparse

from tuning_csv import save_csv

from minigpt.protocol import TUNING_SEEDS
from minigpt.runs import ResultCache, sweep
from minigpt.studies.sharpening import rl_addition

RATES = {"plain": (1e-4, 3e-4, 1e-3, 3e-3), "scratchpad": (3e-5, 1e-4, 3e-4)}
COLUMNS = ("format", "lr", "seed", "base_pass_1", "pass_1", "base_greedy", "greedy", "base_distinct", "distinct",
           "kl_last", "base_steps_ok", "steps_ok")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1], choices=TUNING_SEEDS,
                    help=f"tuning seeds only, of {list(TUNING_SEEDS)}")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    points = [{"format": f, "lr": lr} for f, rates in RATES.items() for lr in rates]
    results = sweep(rl_addition, points, ResultCache(), seeds=args.seeds, workers=args.workers)
    rows = [{"format": r["params"]["format"], "lr": r["params"]["lr"], "seed": r["params"]["seed"],
             **{k: r["metrics"].get(k) for k in COLUMNS[3:]}} for r in results]
    for row in rows:
        print("  ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    print(f"wrote {save_csv('rl_learning_rate', rows, COLUMNS)}")


if __name__ == "__main__":
    main()
