"""How the dropout rate of chapter 4 was chosen: ``repeat_stories`` at several rates, at the protocol's "many
passes" (where dropout is meant to help, so the rate is the one most in its favour), on the tuning seeds and the
tuning world (world seed 0) only; prints one line per run and the choice, and writes
benchmarks/results/repetition_dropout.csv.

The rule, fixed before the sweep: the rate with the lowest validation loss at the last step, averaged over the
seeds (the validation stories only: the test stories, which the verdict rows read, are not looked at). The
protocol's ``repetition`` entry records the rate and this provenance. Seeds outside ``protocol.TUNING_SEEDS``
are refused: tuning never sees an evaluation seed or world.

    python benchmarks/tuning/repetition_dropout.py [--workers 2]     # 12 runs, about a minute on 2 idle cores
"""

import argparse
import statistics

from tuning_csv import save_csv

from minigpt import protocol
from minigpt.protocol import TUNING_SEEDS
from minigpt.runs import ResultCache, sweep
from minigpt.studies.repetition import repeat_stories

RATES = (0.05, 0.1, 0.2, 0.3)
WORLD_SEED = 0  # the tuning world
COLUMNS = ("dropout", "seed", "passes", "final_val_loss", "best_val_loss", "best_val_step")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(TUNING_SEEDS), choices=TUNING_SEEDS,
                    help=f"tuning seeds only, of {list(TUNING_SEEDS)}")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    many = protocol.study("repetition")["data"]["many passes"]
    points = [{"dropout": rate, **many} for rate in RATES]
    results = sweep(repeat_stories, points, ResultCache(), seeds=args.seeds, workers=args.workers,
                    world_seed=WORLD_SEED)
    rows = [{"dropout": r["params"]["dropout"], "seed": r["params"]["seed"],
             **{k: r["metrics"][k] for k in COLUMNS[2:]}} for r in results]  # validation only, never test
    for row in rows:
        print("  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    means = {rate: statistics.fmean(r["final_val_loss"] for r in rows if r["dropout"] == rate) for rate in RATES}
    print("mean final validation loss: " + ", ".join(f"dropout {k:g}: {v:.4f}" for k, v in means.items()))
    print(f"chosen: dropout {min(means, key=means.get):g}")
    print(f"wrote {save_csv('repetition_dropout', rows, COLUMNS)}")


if __name__ == "__main__":
    main()
