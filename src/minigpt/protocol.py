"""The verdict protocol, frozen: every setting that enters a row of the verdict table, and where each tuned value
came from. ``python -m minigpt protocol [--json]`` prints it with its hash; the verdict table records the hash.

Two kinds of runs are kept apart:

- *Tuning* (choosing a setting: a learning rate, a step count, a rate to compare) used the tuning seeds and the
  tuning worlds (world seed 0, the worlds the chapters were written on); its scripts live in
  ``benchmarks/tuning/`` and see nothing else.
- *Evaluation* (the runs the verdict rows read) uses the evaluation seeds (from 1000 up) and evaluation worlds
  (world seed 1000, or a world per seed where a study's seed also draws its world) that no tuning saw, with the
  settings below, which were fixed before any evaluation run.

Each study's ``verdict_measurements(cache)`` reads exactly these settings (it takes no others), so a table can
only come from runs made at them. Every row states its margin: the smallest difference that would matter, in the
measure's units, set before the runs (a difference within it is "negligible", never "holds").

Fast mode (``MINIGPT_FAST=1``, the notebook tests) runs every study much smaller and on two evaluation seeds: its
verdicts test the machinery, not the claims.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

from .runs.spec import fast_mode

TUNING_SEEDS = (0, 1, 2)
EVAL_SEEDS = (1000, 1001, 1002, 1003, 1004)
EVAL_WORLD = 1000  # the world seed of studies whose runs share one world
FAST_EVAL_SEEDS = (1000, 1001)
FAST_WHY = "fast mode: the notebook tests' scale, which checks that the machinery runs, not the claims"

# Margins shared by the studies, per kind of measure, in the measure's units.
SHARE_MARGIN = 0.02  # two percentage points of a share of items (recall, accuracy, pass@k, sentences)

STUDIES: dict[str, dict] = {
    "overfitting": {
        "fixed": {"world_seed": EVAL_WORLD},
        # the regularizers claim (a) names, against none (weight decay is claim b's, chapter 6; chapter 3's explorer
        # shows it at one seed, beside these)
        "arms": {"none": {}, "dropout 0.1": {"dropout": 0.1}, "embedding noise 5": {"emb_noise_alpha": 5.0},
                 "stochastic depth 0.1": {"drop_path": 0.1}},
        # novel_of_new and distinct_novel before novel: protocol.margin matches a measure by prefix or suffix
        "margins": {"novel_of_new": SHARE_MARGIN, "distinct_novel": 2.0, "novel": SHARE_MARGIN,
                    "invalid": SHARE_MARGIN},
        "tuned": {
            "arms": "a common setting of each regularizer (the middle of its slider), fixed before any run",
            "steps, n_stories, lr": "chosen while writing chapter 3 on world seed 0 and seeds 0-2, so that the "
                                    "unregularized model overfits (its validation loss turns up)",
            "checkpoint": "each run also at its own lowest validation loss (stop_at='best_val', selected on the "
                          "validation stories; the rows on novel_of_new and distinct_novel read it)",
            "distinct_novel margin 2": "two sentences of about 100 sampled per run, fixed before any run",
        },
    },
    "repetition": {
        "fixed": {"world_seed": EVAL_WORLD},
        # the two dropout arms (claim l compares them), each read at both amounts of data (claim m compares those)
        "arms": {"none": {"dropout": 0.0}, "dropout": {"dropout": 0.1}},
        # the same budget (steps x batch x block) on all of the pool's stories, or on 1/125 of them
        "data": {"one pass": {"passes": 1.0}, "many passes": {"passes": 125.0}},
        "margins": {"test_loss": 0.02},  # nats per character of held-out text (also best_test_loss)
        "tuned": {
            "dropout 0.1": "benchmarks/tuning/repetition_dropout.py on world seed 0 and seeds 0-2, at 125 passes "
                           "(where dropout is meant to help): of 0.05, 0.1, 0.2, 0.3 the lowest mean validation loss "
                           "at the last step, validation stories only (benchmarks/results/repetition_dropout.csv)",
            "steps 400, batch 16, block 32, 2 layers x 48, lr 1e-2": "chosen while writing chapter 4 on world seed 0 "
                                                                     "and seed 0: a run costs about 5 s of one core, "
                                                                     "and at 125 passes the validation loss turns up",
            "passes 1 and 125 (the chapter's grid 1, 5, 25, 125)": "fixed before any run: the whole pool once, and "
                                                                   "the most passes of the grid",
            "temperature 0.5": "chosen on world seed 0 and seed 0: at this budget 0.8 left nearly every sampled "
                               "sentence invalid",
            "held-out stories": "fixed before any run: 50 validation stories (curves, best checkpoint) and 60 test "
                                "stories (the rows' items, windows of 32 characters) after the pool, the same for "
                                "every run of a world",
            "margin 0.02": "fixed before any run: 0.02 nats per character of held-out text, about 2% in perplexity",
        },
    },
    "recall": {
        "fixed": {"world_seed": EVAL_WORLD},
        "arms": {"none": {"dropout": 0.0}, "heavy": {"dropout": 0.3, "mc_passes": 8}, "constant": {"dropout": 0.3},
                 "off_late": {"dropout": 0.3, "schedule": "off_late"},
                 "early_only": {"dropout": 0.3, "schedule": "early_only"}},
        "margins": {"recall": SHARE_MARGIN, "auroc": 0.05},
        "tuned": {
            "dropout 0.3, 75% switch point, lr 6e-3, steps 800, width 48": "chosen while writing chapter 5 on "
                                                                          "world seed 0 and seeds 0-2",
            "heavy, constant": "one run: dropout 0.3 on the constant schedule (claim b reads it as heavy dropout, "
                               "claim c as dropout on throughout); off_late and early_only branch off it",
            "early_only: dropout on for the first half": "early dropout (Liu et al., 2023, who switch it off after "
                                                         "an early phase): switched off at the chapter's early "
                                                         "measurement (half the steps), fixed before any run; it "
                                                         "replaced only_late (on for the last 25% only), which no "
                                                         "row of claim c's three needed, to stay in the budget",
            "mc_passes 8": "the experiment's default, fixed before any run (claim i's AUROC rows read the "
                           "disagreement between the passes; its paired row reads the first pass only)",
            "margin auroc 0.05": "fixed before any run: an AUROC within 0.05 of chance is no signal worth using",
        },
    },
    "decay": {
        "fixed": {"world_seed": EVAL_WORLD, "forget": True},
        # facts: each arm's peak lr and weight decay; the lr x2 arms halve weight decay, so lr x wd (the decay per
        # step) is the same in every weight-decay arm. "wd 1" serves claims b, g and h (see studies/decay.py)
        "arms": {"wd 0": {"lr": 6e-3, "weight_decay": 0.0}, "wd 1": {"lr": 6e-3, "weight_decay": 1.0},
                 "wd 1, final spared": {"lr": 6e-3, "weight_decay": 1.0, "spared": "final"},
                 "wd 1, first spared": {"lr": 6e-3, "weight_decay": 1.0, "spared": "first"},
                 "wd 1, cosine": {"lr": 6e-3, "weight_decay": 1.0, "schedule": "cosine"},
                 "lr x2": {"lr": 1.2e-2, "weight_decay": 0.5},
                 "lr x2, cosine": {"lr": 1.2e-2, "weight_decay": 0.5, "schedule": "cosine"}},
        "margins": {"recall": SHARE_MARGIN},
        "tuned": {
            "lr 6e-3, weight decay 1": "chosen while writing chapter 6 on world seed 0 and seeds 0-2 (at the old "
                                       "size, kept at the new one)",
            "lr x2 arms at weight decay 0.5": "fixed before any run: twice the learning rate at the same lr x wd, "
                                              "so that the learning rate is not confounded with the decay per step",
            "first spared (control of final spared)": "fixed before any run: the token embedding and the first "
                                                      "block, the mirror image of the final layers (the last block "
                                                      "and the untied head): the same shapes, so exactly as many "
                                                      "parameters; embeddings decay in every facts arm (else the "
                                                      "token embedding would be spared in all of them)",
            "facts runs: 300 steps, width 32, 24 people": "benchmarks/tuning/decay_budget.py on world seed 0 and "
                                                           "seeds 0-2: of the sizes that fit the chapter's 230 s "
                                                           "with seven facts arms, the one whose base arm (wd 1) "
                                                           "recalled the most (was 600 steps, width 48, 48 people; "
                                                           "two rounds, see the script's docstring)",
            "forget": "every facts arm removes the same quarter of the people at half the steps, so that every "
                      "arm is scored on the same probes (the people who stayed)",
        },
    },
    "grokking": {  # chapter 6's second study (studies/grokking.py)
        "fixed": {},  # none: grok_modular has no world seed, its seed draws its train/test split
        "arms": {"wd 0": {"weight_decay": 0.0, "threshold": 0.95}, "wd 1": {"weight_decay": 1.0, "threshold": 0.95}},
        "margins": {"accuracy": SHARE_MARGIN},
        "tuned": {
            "lr 3e-3, 1500 steps, p = 31": "chosen while writing chapter 6 on seeds 0-2",
            "seeds": "each evaluation seed is scored on test sums of its own (its split)",
            "threshold 0.95": "the test accuracy that counts as generalized, fixed before any run",
        },
    },
    "sampling": {
        "fixed": {"world_seed": EVAL_WORLD},
        "arms": {"greedy": {"temperature": 0.0}, "T=0.1": {"temperature": 0.1}, "T=0.5": {"temperature": 0.5},
                 "T=1": {"temperature": 1.0}},
        "margins": {"accuracy": SHARE_MARGIN, "creativity": 1.0, "distinct_2": SHARE_MARGIN},
        "tuned": {
            "compared temperatures 0.1, 0.5, 1": "fixed before any run: near 0, the middle, the model's own",
            "expectations": "fixed before any run: greedy equal to T=0.1 within the margin (both near 0), higher "
                            "than T=0.5 and T=1",
            "story prompts": "fixed before any run: sample i starts from the first two words of validation story i "
                             "(96 samples and validation stories), for every temperature, greedy included",
            "steps 800, model sizes": "chosen while writing chapter 7 on world seed 0 and seeds 0-2",
        },
    },
    "sharpening": {
        "fixed": {},  # none: each seed also draws its own addition world (the seed is the world seed)
        "arms": {"direct answers": {"format": "plain", "temperature": 0.8, "k": 16, "verifier_error": 0.2},
                 "scratchpad": {"format": "scratchpad", "temperature": 0.8, "k": 16, "verifier_error": 0.2},
                 "RL on direct answers": {"format": "plain"}},
        "margins": {"accuracy": SHARE_MARGIN, "pass": SHARE_MARGIN, "distinct": 0.25},
        "tuned": {
            "RL learning rate per format (1e-4 direct, 3e-5 scratchpad)":
                "benchmarks/tuning/rl_learning_rate.py on tuning seeds 0 and 1, each on its own addition world "
                "(world seeds 0 and 1); the evaluation seeds draw their own worlds from the same 10,000 pairs, so "
                "their problems are disjoint from the tuning worlds' only up to chance overlap (an evaluation test "
                "problem is a tuning world's test problem with chance 0.03, a training problem with chance 0.3)",
            "temperature 0.8, k 16, checker error 0.2, bank sizes": "set while writing chapter 8 on seeds 0-2 (their "
                                                                    "own worlds), before any evaluation run",
            "steps 600 direct, 250 scratchpad; RL 150 and 60 steps": "chosen while writing chapter 8 on seeds 0-2",
        },
    },
    "capacity": {
        "fixed": {},  # none: each seed draws its own world (people and values) and initialization
        # the regularizer arm at width 12 and 100 exposures ("none" is that size's run of the capacity rows): a
        # floor check (sanity row), not a row of claim b; weight decay's cost to recall is measured in chapter 6
        "arms": {"none": {}, "dropout 0.2": {"dropout": 0.2}},
        # bits_per_param: knowledge bits per parameter (the value-set bound floored at 0; every parameter counted,
        # the tied embedding once) of width 12 after 1000 and 100 exposures; each run's world holds 4 bits per
        # parameter of its model (4.10 at width 12), the ceiling. stored_share: those bits over the world's, in [0, 1]
        "margins": {"bits_per_param": 0.5, "stored_share": SHARE_MARGIN},
        "eval_seeds": list(EVAL_SEEDS[:3]),
        "why_fewer_seeds": "chapter 9 is the book's most expensive chapter: its 1000-exposure runs cost about "
                           "110 s each on one core, so 5 seeds would take past the 6 minutes it may take",
        "tuned": {
            "world 4 bits per parameter": "fixed before any run: twice the paper's 2 bits per parameter, so the "
                                          "measure can reach the claim's number with room to spare",
            "exposures 100 and 1000": "the paper's two counts, fixed before any run",
            "batch 64": "fixed before any run: a tiny model's step is mostly overhead, so 64 records cost about "
                        "twice 16 (measured)",
            "value-set bound": "chosen on tuning seed 0 (its own world) before any evaluation run: under the "
                               "character code widths 8-16 stayed below 0 bits even after 1000 exposures (width 8: "
                               "-5,997 to -6,894 bits; width 12: -44), so every row read 0 against 0; renormalized "
                               "over the value sets the same width-12 run stores 571 bits",
            "width 12": "the widest whose 1000-exposure run (about 110 CPU seconds at 4 bits per parameter) leaves "
                        "three seeds and the regularizer arm inside the chapter's 6 minutes; width 8 stored nothing "
                        "under either code on tuning seed 0 (it does not learn the format at 100 exposures)",
            "lr 0.25 / width": "benchmarks/tuning/capacity_lr.py --widths 12 --seeds 0 at 1000 exposures, lr 0.25, "
                               "0.5 and 1.0 / width: 0.165, 0.162 and 0.151 bits per parameter stored; the most "
                               "bits won",
            "dropout 0.2 at 100 exposures": "dropout 0.2 a common setting, fixed before any run; the 100-exposure "
                                            "count because a 1000-exposure arm would cost 110 CPU seconds a seed",
            "dropout row a floor check": "benchmarks/tuning/capacity_lr.py --widths 12 --seeds 0 --exposures "
                                         "100 --lr-widths 0.25: without dropout the run's bound is -1,002 bits "
                                         "(at 200 exposures -18, at 300 +237), so both "
                                         "arms store 0 and 'dropout lower' cannot hold; the row checks the floor "
                                         "and is not counted for claim b. Made a sanity row after its first "
                                         "evaluation (0 against 0 on every seed, read as a claim row), as the "
                                         "weight-decay floor rows were",
            "bits_per_param margin 0.5": "the paper's 'about 2 bits per parameter' (and 'about 1' after 100) read "
                                         "as within half a bit, and half a bit the smallest drop from 1000 to "
                                         "100 exposures that matters, fixed before any run",
        },
    },
}


# Seeds of a replication (minigpt.replication.rerun), set only inside ``with replication(seeds):``
_REPLICATION: ContextVar[tuple[int, ...] | None] = ContextVar("minigpt_replication_seeds", default=None)


def replication_seeds(seeds: Sequence[int]) -> tuple[int, ...]:
    """``seeds`` checked as the evaluation seeds of a replication: two or more distinct ints in [0, 2**31), none
    of them a tuning seed, an evaluation seed (either scale) or the evaluation world; else a ValueError."""
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Sequence):
        raise ValueError(f"seeds: must be a sequence of ints, got {seeds!r}")
    bad = [s for s in seeds if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s < 2**31]
    if bad or len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds: must be two or more distinct ints in [0, 2**31), got {list(seeds)!r}")
    used = sorted(set(seeds) & {*TUNING_SEEDS, *EVAL_SEEDS, *FAST_EVAL_SEEDS, EVAL_WORLD})
    if used:
        raise ValueError(f"seeds: {used} are the protocol's own (tuning seeds {list(TUNING_SEEDS)}, evaluation "
                         f"seeds {list(EVAL_SEEDS)}, evaluation world {EVAL_WORLD}): a replication needs new ones")
    return tuple(int(s) for s in seeds)


@contextmanager
def replication(seeds: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """Inside, :func:`study` gives every study ``seeds`` (checked by :func:`replication_seeds`) as its
    evaluation seeds, and nothing else changes: the study's own ``verdict_runs()`` and
    ``verdict_measurements(cache)`` then make and read a replication. The verdict table refuses to be made
    inside (a replication's rows are not the build's verdicts), and the protocol's hash does not change."""
    token = _REPLICATION.set(replication_seeds(seeds))
    try:
        yield _REPLICATION.get()
    finally:
        _REPLICATION.reset(token)


def replicating() -> tuple[int, ...] | None:
    """The seeds of the :func:`replication` in force, or None."""
    return _REPLICATION.get()


def study(name: str, fast: bool | None = None) -> dict:
    """The protocol of study ``name`` at this scale (``fast``: default :func:`minigpt.runs.fast_mode`): its
    entry of :data:`STUDIES` with ``tuning_seeds``, ``eval_seeds`` and ``why_fewer_seeds`` filled in (inside a
    :func:`replication`, its seeds as ``eval_seeds``)."""
    out = _study(name, fast)
    seeds = _REPLICATION.get()
    if seeds is not None:
        out["eval_seeds"], out["why_fewer_seeds"] = list(seeds), "a replication on new seeds"
    return out


def _study(name: str, fast: bool | None = None) -> dict:
    if name not in STUDIES:
        raise ValueError(f"study {name!r} has no protocol: allowed {sorted(STUDIES)}")
    fast = fast_mode() if fast is None else fast
    # an entry may run fewer evaluation seeds at book scale ("eval_seeds"), saying why ("why_fewer_seeds"); fast
    # mode runs FAST_EVAL_SEEDS for every study
    entry = dict(STUDIES[name])
    seeds, why = entry.pop("eval_seeds", EVAL_SEEDS), entry.pop("why_fewer_seeds", None)
    out = {"tuning_seeds": list(TUNING_SEEDS), "eval_seeds": list(FAST_EVAL_SEEDS if fast else seeds),
           "why_fewer_seeds": FAST_WHY if fast else why, **entry}
    return json.loads(json.dumps(out))  # a copy, as plain JSON data


def margin(name: str, measure: str) -> float:
    """The margin of ``measure`` in study ``name`` (a key of its margins, or the family the measure names)."""
    margins = STUDIES[name]["margins"]
    if measure in margins:
        return float(margins[measure])
    # else the one family the measure names in whole words: "recall" for "early_recall", "pass" for "pass_5"
    words = measure.split("_")
    family = [key for key in margins if words[:len(key.split("_"))] == key.split("_")
              or words[-len(key.split("_")):] == key.split("_")]
    if len(family) > 1:
        raise ValueError(f"measure {measure!r} of study {name!r} names several margins of the protocol: {family}")
    if family:
        return float(margins[family[0]])
    raise ValueError(f"measure {measure!r} of study {name!r} has no margin in the protocol: allowed {list(margins)}")


def document() -> dict:
    """The whole protocol as plain data, both scales, with the seeds of each: what the hash covers."""
    return {"tuning_seeds": list(TUNING_SEEDS), "eval_seeds": list(EVAL_SEEDS), "fast_eval_seeds":
            list(FAST_EVAL_SEEDS), "eval_world": EVAL_WORLD, "studies": {n: _study(n, fast=False) for n in STUDIES}}


def protocol_hash() -> str:
    """The first 12 hex digits of the sha256 of the protocol's canonical JSON."""
    text = json.dumps(document(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
