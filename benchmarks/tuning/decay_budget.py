"""How the size of chapter 6's facts runs was chosen: ``decay_recall`` at several step counts, widths and numbers
of people, on the protocol's tuning seeds and tuning world (world seed 0) only; prints one line per run and a
summary per size, and appends its runs to benchmarks/results/decay_budget.csv.

Chapter 6 has seven facts arms (claims b, g and h, with their controls) and must run in about 230 s on 2 cores.
The rule, fixed before any run: of the sizes whose facts runs fit the chapter's budget (seven arms x five
evaluation seeds, on two worker processes, in ``FACTS_BUDGET_S``), take the one whose base arm (weight decay 1 at
lr 6e-3, constant: the arm every claim row of the chapter compares with) recalls the most facts (mean cloze recall
over the tuning seeds). It looks at one arm only, so it cannot favour the direction of any claim. The cost of a
run is its CPU time in a worker process with one torch thread (a busy machine slows the wall clock, not this).

    python benchmarks/tuning/decay_budget.py [--sizes 300x48x24 ...] [--seeds 0 1 2] [--workers 2]

Two rounds were run (about 3 minutes each on 2 idle cores): the first five sizes, of which none fit (the fewer
steps, the fewer facts the model had learned), then the last five, with fewer people (more passes over each
fact in as many steps). Chosen: 300 steps, width 32, 24 people (``minigpt.studies.decay.BOOK_*``). The rounds'
summaries (steps x width x people: CPU s a run, estimated facts part of the chapter, base-arm cloze recall; on a
busy machine, 7 December 2026; benchmarks/results/ is not kept in git):

    600x48x48: 17.1 s, 299 s, 0.171    400x48x48: 11.0 s, 193 s, 0.086    300x48x48: 9.5 s, 167 s, 0.030
    400x32x48:  9.6 s, 169 s, 0.035    300x32x48:  7.3 s, 128 s, 0.025    (round 1, budget 120 s: none fits)
    300x32x24:  7.3 s, 127 s, 0.116    300x48x24:  8.5 s, 149 s, 0.213    250x48x24: 7.9 s, 138 s, 0.167
    250x32x24:  7.0 s, 122 s, 0.051    250x48x32:  8.9 s, 156 s, 0.087    (round 2, budget 127 s)
"""

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

from tuning_csv import save_csv

from minigpt.protocol import TUNING_SEEDS
from minigpt.runs import set_fast
from minigpt.studies.decay import decay_recall

# (steps, width, people); 600 x 48 x 48: the old size
SIZES = ((600, 48, 48), (400, 48, 48), (300, 48, 48), (400, 32, 48), (300, 32, 48),
         (300, 32, 24), (300, 48, 24), (250, 48, 24), (250, 32, 24), (250, 48, 32))
BASE = {"lr": 6e-3, "weight_decay": 1.0, "forget": True}  # the base arm, on the tuning world
N_RUNS = 7 * 5  # facts arms x evaluation seeds
# 230 s for the chapter, less its 10 grokking runs (about 19 CPU s each, halved by two workers: 95 s) and the
# rest of the page (imports, plots, the explorer's frames): 15 s in the first round, a guess; 8 s in the second,
# what the last full build implies (274 s measured, 266 s for its 20 facts and 10 grokking runs by these timings)
FACTS_BUDGET_S = 230 - 95 - 8
COLUMNS = ("steps", "width", "people", "seed", "cpu_s", "recall_cloze", "cloze_L1", "forgotten_at_removal",
           "forgotten_final")


def one(steps: int, width: int, people: int, seed: int) -> dict:
    with set_fast(False):
        start = time.process_time()
        r = decay_recall(**BASE, steps=steps, width=width, n_people=people, seed=seed, world_seed=0)
        cpu = time.process_time() - start
    return {"steps": steps, "width": width, "people": people, "seed": seed, "cpu_s": round(cpu, 2),
            **{k: r["metrics"][k] for k in COLUMNS[5:]}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(TUNING_SEEDS), choices=TUNING_SEEDS,
                    help=f"tuning seeds only, of {list(TUNING_SEEDS)}")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sizes", nargs="+", default=[f"{s}x{w}x{n}" for s, w, n in SIZES],
                    help="steps x width x people, e.g. 300x48x24 (default: all of SIZES)")
    args = ap.parse_args()
    sizes = [tuple(int(x) for x in size.split("x")) for size in args.sizes]
    jobs = [(*size, seed) for size in sizes for seed in args.seeds]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(one, *zip(*jobs, strict=True)))
    for row in rows:
        print("  ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
    print(f"\nfacts budget {FACTS_BUDGET_S} s: {N_RUNS} runs on 2 workers")
    fits = []
    for size in sizes:
        mine = [r for r in rows if (r["steps"], r["width"], r["people"]) == size]
        cpu = sum(r["cpu_s"] for r in mine) / len(mine)
        recall = sum(r["recall_cloze"] for r in mine) / len(mine)
        est = N_RUNS * cpu / 2
        print(f"steps x width x people {size}: {cpu:.1f} CPU s a run, facts part of the chapter ~{est:.0f} s, "
              f"base-arm cloze recall {recall:.3f}")
        if est <= FACTS_BUDGET_S:
            fits.append((recall, size))
    if fits:
        recall, size = max(fits)
        print(f"chosen: steps x width x people {size} (recall {recall:.3f})")
    else:
        print("no size fits the budget")
    print(f"wrote {save_csv('decay_budget', rows, COLUMNS, append=True).name}")


if __name__ == "__main__":
    main()
