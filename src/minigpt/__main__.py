"""Command line: ``python -m minigpt train|sample|sweep|verdicts ...``. Run with ``--help`` for every flag.

The flags that set a config field are made from the dataclass itself (``ModelConfig``, ``TrainConfig``,
``SampleConfig``): the flag is the field name with dashes, its default is the field's default, its help is the
field's documentation. So a new knob is a flag as soon as it is a field. One default differs on purpose, and its
help says so: ``--device`` is ``auto`` here (a command-line user wants the fastest device), while the library keeps
``TrainConfig.device = "cpu"`` (same seed, same numbers on every machine). A subcommand is a function that adds
its arguments and a function that runs it, registered in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
import types
import typing
from pathlib import Path

import torch

from .checkpoint import atomic_write, load_checkpoint, save_checkpoint
from .config import ModelConfig, SampleConfig, TrainConfig
from .model import GPT
from .sample import generate
from .tokenizer import CharTokenizer
from .train import Trainer

# The CLI's only departures from a dataclass default (see the module docstring); each one is shown in --help.
CLI_DEFAULTS = {(TrainConfig, "device"): "auto"}


def _flag_type(tp) -> dict:
    """argparse keywords that parse a field of type ``tp``: numbers, strings, bools (--x / --no-x), tuples
    (several values), and ``X | None`` (the word ``none`` for None)."""
    args = typing.get_args(tp)
    optional = (typing.get_origin(tp) in (typing.Union, types.UnionType)) and type(None) in args
    if optional:
        (tp,) = (a for a in args if a is not type(None))
    if tp is bool:
        return {"action": argparse.BooleanOptionalAction}
    if typing.get_origin(tp) is tuple:
        item, *rest = typing.get_args(tp)
        return {"type": item, "nargs": "+" if rest == [Ellipsis] else 1 + len(rest), "metavar": item.__name__.upper()}
    if not optional:
        return {"type": tp}

    def parse(text: str):
        return None if text.lower() == "none" else tp(text)

    parse.__name__ = f"{tp.__name__} or none"  # argparse names the type in its error message
    return {"type": parse, "metavar": f"{tp.__name__.upper()}|none"}


def add_config_arguments(parser, cls, skip=(), aliases=None, notes=None):
    """Add one flag per field of the config dataclass ``cls`` (except ``skip``) to ``parser``.

    ``aliases`` maps a field to extra flag names kept for compatibility; ``notes`` to text appended to its help.
    """
    hints = typing.get_type_hints(cls)
    group = parser.add_argument_group(cls.__name__, cls.__doc__.splitlines()[0])
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        help_text = f.metadata["help"] + (notes or {}).get(f.name, "")
        default = f.default
        if (cls, f.name) in CLI_DEFAULTS:
            default = CLI_DEFAULTS[cls, f.name]
            help_text += f"; the CLI defaults to {default!r}, {cls.__name__} to {f.default!r}"
        flags = [f"--{f.name.replace('_', '-')}", *(aliases or {}).get(f.name, ())]
        group.add_argument(*flags, dest=f.name, default=default, help=help_text.replace("%", "%%"),
                           **_flag_type(hints[f.name]))


def config_from_args(cls, args, **values):
    """``cls`` built from the parsed flags of its fields (lists back to tuples), plus ``values`` given here."""
    for f in dataclasses.fields(cls):
        if f.name not in values:
            v = getattr(args, f.name)
            values[f.name] = tuple(v) if isinstance(v, list) else v
    return cls(**values)


# --- train ------------------------------------------------------------------------------------------------------


def train_arguments(t: argparse.ArgumentParser) -> None:
    t.add_argument("--text", type=Path, required=True, help="UTF-8 text file to train on")
    t.add_argument("--out", type=Path, required=True, help="run folder: model.pt and history.json are written here")
    t.add_argument("--val-fraction", type=float, default=0.1, help="last fraction of the text held out for val loss")
    add_config_arguments(t, ModelConfig, skip={"vocab_size"},  # the vocabulary is the text's characters
                         aliases={"emb_noise_alpha": ["--emb-noise"]})
    add_config_arguments(t, TrainConfig, notes={"seed": "; also seeds the model's initialization"})


def train(args) -> int:
    from tqdm.auto import tqdm

    text = args.text.read_text(encoding="utf-8")
    tok = CharTokenizer.from_text(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    if not 0.0 <= args.val_fraction < 1.0:
        raise ValueError(f"--val-fraction={args.val_fraction} is out of range: allowed [0, 1)")
    mcfg = config_from_args(ModelConfig, args, vocab_size=tok.vocab_size)
    tcfg = config_from_args(TrainConfig, args)
    n_val = int(len(data) * args.val_fraction)
    train_data, val_data = (data[:-n_val], data[-n_val:]) if n_val > mcfg.block_size else (data, None)
    model = GPT(mcfg, seed=tcfg.seed)
    trainer = Trainer(model, tcfg, train_data, val_data)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)

    def save(tr: Trainer) -> None:  # at every evaluation and at the end, so an interrupted run keeps its work
        if tr.is_main:
            save_checkpoint(out / "model.pt", tr.model, mcfg, tr.history, tok, tcfg)
            atomic_write(out / "history.json", lambda f: f.write(json.dumps(tr.history.to_dict()).encode()))

    bar = tqdm(total=tcfg.steps, desc="train", disable=not trainer.is_main)

    def progress(tr):
        bar.update(1)
        bar.set_postfix(loss=f"{tr.history.train_loss[-1]:.3f}")

    trainer.add_callback("on_step_end", progress)
    trainer.add_callback("on_eval", save)
    trainer.add_callback("on_end", save)
    history = trainer.fit()
    bar.close()
    if trainer.is_main:
        val = history.val_loss[-1] if history.val_loss else float("nan")
        train = history.train_loss[-1] if history.train_loss else float("nan")  # Ctrl-C before the first step
        print(f"{history.stop_reason} after {trainer.step} steps: train loss {train:.4f}, "
              f"val loss {val:.4f}; saved {out / 'model.pt'}")
    return 0 if history.stop_reason == "completed" else 130


# --- sample -----------------------------------------------------------------------------------------------------


def sample_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("run", type=Path, help="run folder written by 'train' (or a model.pt file)")
    s.add_argument("--prompt", default="\n", help="text to continue")
    s.add_argument("--n", type=int, default=1, help="number of samples")
    s.add_argument("--mc-dropout", action="store_true", help="keep dropout on while sampling")
    s.add_argument("--seed", type=int, default=0, help="sampling seed")
    add_config_arguments(s, SampleConfig)


def sample(args) -> int:
    path = args.run / "model.pt" if args.run.is_dir() else args.run
    ck = load_checkpoint(path)
    if ck.tokenizer is None:
        raise ValueError(f"{path} has no tokenizer: it was not written by 'python -m minigpt train'")
    if args.n < 1:
        raise ValueError(f"--n={args.n} is out of range: allowed an integer >= 1")
    scfg = config_from_args(SampleConfig, args)
    prompt = torch.tensor([ck.tokenizer.encode(args.prompt)] * args.n, dtype=torch.long)
    gen = torch.Generator().manual_seed(args.seed)
    out = generate(ck.model, prompt, scfg.max_new_tokens, temperature=scfg.temperature, top_k=scfg.top_k,
                   top_p=scfg.top_p, generator=gen, mc_dropout=args.mc_dropout)
    for i, row in enumerate(out):
        print(f"--- sample {i + 1}")
        print(ck.tokenizer.decode(row))
    return 0


# --- the subcommands --------------------------------------------------------------------------------------------

# name -> (one-line help, adds its arguments, runs it and returns the exit status)
# --- sweep ------------------------------------------------------------------------------------------------------


def sweep_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("experiment", nargs="?", help="the experiment to run (see --list)")
    s.add_argument("--list", action="store_true", help="name every experiment and its parameters, then exit")
    s.add_argument("--grid", action="append", default=[], metavar="NAME=V1,V2,...",
                   help="a swept parameter and its values; repeat for a grid (every combination)")
    s.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="fixed",
                   help="a parameter held at one value for every point")
    s.add_argument("--seeds", default=None, metavar="S1,S2,...", help="run every point with each seed")
    s.add_argument("--fast", action="store_true", help="MINIGPT_FAST sizes: every run in seconds")
    s.add_argument("--workers", type=int, default=None,
                   help="local worker processes, one torch thread each (default: one per CPU core)")
    s.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask cluster instead, e.g. tcp://HOST:8786 (pip install -e '.[cluster]')")
    s.add_argument("--cache", type=Path, default=None, help="result cache folder (default: .minigpt_cache)")
    s.add_argument("--out", type=Path, default=None, help="folder for results.csv and summary.csv")


def parse_value(fn, name: str, text: str):
    """``text`` as a value of ``fn``'s parameter ``name``, typed by its default (``none`` is None)."""
    if name not in fn.param_names:
        raise ValueError(f"{fn.name} has no parameter {name!r}: allowed {list(fn.param_names)}")
    default = fn.defaults[name]
    word = text.strip()
    if word.lower() == "none":
        return None
    try:
        if isinstance(default, bool):
            if word.lower() not in ("true", "false", "on", "off", "1", "0"):
                raise ValueError
            return word.lower() in ("true", "on", "1")
        if isinstance(default, int):
            return int(word)
        if isinstance(default, float):
            return float(word)
        if default is None:  # no type to go by: an int, else a float, else the text
            for kind in (int, float):
                with contextlib.suppress(ValueError):
                    return kind(word)
        return word
    except ValueError:
        kind = "on/off" if isinstance(default, bool) else type(default).__name__
        raise ValueError(f"{name}={word!r} is out of range: allowed a {kind}") from None


def _assignment(text: str, flag: str) -> tuple[str, str]:
    name, sep, values = text.partition("=")
    if not sep or not name or not values:
        raise ValueError(f"{flag} {text!r} is out of range: allowed NAME=VALUE[,VALUE...]")
    return name.strip(), values


def sweep_command(args) -> int:
    from tqdm.auto import tqdm

    from .runs import ResultCache, grid_points, result_rows, set_fast, summary_rows, sweep, write_csv
    from .studies import experiment, experiments

    if args.list:
        for name, fn in experiments().items():
            print(f"{name}: {(fn.__doc__ or '').strip().splitlines()[0] if fn.__doc__ else ''}")
            for p, default in fn.defaults.items():
                stage = "sampling" if p in fn.sample_params else "training"
                print(f"    {p} = {default!r}  ({stage})")
        return 0
    if args.experiment is None:
        raise ValueError("sweep needs an EXPERIMENT (see python -m minigpt sweep --list)")
    if args.out is None:
        raise ValueError("sweep needs --out DIR (results.csv and summary.csv are written there)")
    fn = experiment(args.experiment)
    grid = {}
    for text in args.grid:
        name, values = _assignment(text, "--grid")
        grid[name] = [parse_value(fn, name, v) for v in values.split(",")]
    fixed = {}
    for text in args.fixed:
        name, value = _assignment(text, "--set")
        fixed[name] = parse_value(fn, name, value)
    seeds = None
    if args.seeds is not None:
        try:
            seeds = [int(s) for s in args.seeds.split(",")]
        except ValueError:
            raise ValueError(f"--seeds {args.seeds!r} is out of range: allowed whole numbers, e.g. 0,1,2") from None
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers={args.workers} is out of range: allowed an int >= 1")
    executor = None
    if args.scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ValueError("--scheduler needs Dask's distributed: pip install -e '.[cluster]'") from None
        executor = Client(args.scheduler).get_executor()
    cache = ResultCache(args.cache)
    done: list[dict] = []

    def write(results) -> None:
        write_csv(args.out / "results.csv", result_rows(results))
        write_csv(args.out / "summary.csv", summary_rows(results))

    with set_fast(True if args.fast else None):
        n_points = len(grid_points(grid)) * (len(seeds) if seeds else 1)
        bar = tqdm(total=n_points, desc=fn.name, unit="run")

        def finished(result) -> None:
            done.append(result)
            write(done)  # after every point: Ctrl-C keeps every finished row
            bar.update(1)
            bar.set_postfix(cached=sum(r["cached"] for r in done))

        try:
            results = sweep(fn, grid, cache, seeds=seeds, executor=executor,
                            workers=args.workers or os.cpu_count() or 1, on_result=finished, **fixed)
        except KeyboardInterrupt:
            bar.close()
            print(f"interrupted: {len(done)} of {n_points} finished runs kept in {args.out / 'results.csv'}")
            return 130
        bar.close()
    write(results)  # grid order
    print(f"{len(results)} runs ({sum(r['cached'] for r in results)} from the cache): "
          f"{args.out / 'results.csv'}, {args.out / 'summary.csv'}")
    return 0


def verdicts_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--cache", type=Path, default=None,
                   help="result cache folder (default: $MINIGPT_CACHE, else .minigpt_cache)")
    s.add_argument("--fast", action="store_true",
                   help="the runs of MINIGPT_FAST sizes (what the fast build and the notebook tests store)")
    s.add_argument("--run", action="store_true",
                   help="first run, at the protocol's settings, every run the table needs that the cache lacks")
    s.add_argument("--workers", type=int, default=2, help="worker processes for --run (default 2)")
    s.add_argument("--study", action="append", default=None, metavar="NAME",
                   help="only this study's rows (repeat for several; default: every study of the registry)")
    s.add_argument("--json", action="store_true", help="print the table as JSON instead of text")
    s.add_argument("--csv", type=Path, default=None, metavar="FILE", help="also write the table as CSV to FILE")


def verdicts_command(args) -> int:
    """Print the verdict table from the local result cache; with --run, first make the runs it lacks."""
    from .protocol import protocol_hash
    from .runs import ResultCache, set_fast
    from .verdicts import RULE_TEXT, claim_verdicts, run_missing, to_csv, to_json, to_text, verdict_table

    if args.workers < 1:
        raise ValueError(f"--workers={args.workers} is out of range: allowed an int >= 1")
    cache = ResultCache(args.cache)
    with set_fast(True if args.fast else None):
        ran = run_missing(cache, args.study, workers=args.workers) if args.run else 0
        table = verdict_table(cache, args.study)
    if args.csv is not None:
        text = to_csv(table).encode()
        atomic_write(args.csv, lambda f: f.write(text))
    if args.json:
        print(to_json(table))
        return 0
    print(f"Verdicts from {cache.root} (protocol {protocol_hash()}{f'; {ran} runs made now' if args.run else ''})\n")
    print(to_text(table))
    missing = [c for c, (v, _) in claim_verdicts(table).items() if v == "not measured"]
    if missing:
        print(f"Not measured: claims {', '.join(missing)}. Their runs are not in this cache: add --run, or build "
              "the book (or run those chapters) first, at the same scale (--fast for MINIGPT_FAST runs).\n")
    print("Rule: " + RULE_TEXT.replace("\n\n", "\n\n      "))
    if args.csv is not None:
        print(f"\nCSV: {args.csv}")
    return 0


def protocol_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--json", action="store_true", help="print the protocol as JSON, with its hash")


def protocol_command(args) -> int:
    """Print the frozen verdict protocol: every study's tuning and evaluation seeds, settings, margins and where
    each tuned value came from."""
    from .protocol import document, protocol_hash

    doc = {"hash": protocol_hash(), **document()}
    if args.json:
        print(json.dumps(doc, indent=1))
        return 0
    print(f"protocol {doc['hash']}: tuning seeds {doc['tuning_seeds']}, evaluation seeds {doc['eval_seeds']} "
          f"(fast mode {doc['fast_eval_seeds']}), evaluation world {doc['eval_world']}")
    for name, p in doc["studies"].items():
        print(f"\n{name}: evaluation seeds {p['eval_seeds']}, tuning seeds {p['tuning_seeds']}")
        if p["why_fewer_seeds"]:
            print(f"  fewer seeds: {p['why_fewer_seeds']}")
        print(f"  fixed: {json.dumps(p['fixed'])}")
        for label, arm in p["arms"].items():
            print(f"  arm {label}: {json.dumps(arm)}")
        print(f"  margins: {json.dumps(p['margins'])}")
        for what, where in p["tuned"].items():
            print(f"  tuned {what}: {where}")
    return 0


def cache_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("--cache", type=Path, default=None,
                   help="result cache folder (default: $MINIGPT_CACHE, else .minigpt_cache)")
    s.add_argument("--fast", action="store_true", help="check the runs of MINIGPT_FAST sizes instead")
    s.add_argument("--check", action="store_true",
                   help="exit with status 1 unless every run the verdict table needs is there for this code")


def cache_command(args) -> int:
    """Say which code made the results in a cache (results are keyed by the code version: those of other code are
    never served) and how many of the runs the verdict table needs it holds for this code, study by study."""
    from collections import Counter

    from .runs import ResultCache, code_version, set_fast
    from .studies import STUDIES

    cache = ResultCache(args.cache)
    versions: Counter = Counter()
    for path in cache.root.glob("*.json"):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            versions[json.loads(path.read_text(encoding="utf-8")).get("version", "unknown")] += 1
    now = code_version()
    print(f"cache {cache.root}: {versions[now]} results made by this code ({now})")
    for version, n in versions.most_common():
        if version != now:
            print(f"  {n} made by other code ({version}): never served, safe to delete")
    missing = 0
    with set_fast(True if args.fast else None):
        for s in STUDIES:
            points = [(e, p) for e, ps in s.module.verdict_runs() for p in ps]
            lacking = sum(cache.lookup(e, **p) is None for e, p in points)
            missing += lacking
            print(f"  {s.page}: {len(points) - lacking} of {len(points)} verdict runs")
    scale = "fast" if args.fast else "full"
    print(f"complete for this code at {scale} scale" if not missing else
          f"{missing} verdict runs missing at {scale} scale: run `make cache` (or the chapters) with this code")
    return 1 if args.check and missing else 0


COMMANDS = {
    "train": ("train a character-level GPT on a text file", train_arguments, train),
    "sample": ("sample text from a trained run", sample_arguments, sample),
    "sweep": ("run an experiment over a grid of parameters and seeds; write results.csv and summary.csv",
              sweep_arguments, sweep_command),
    "verdicts": ("print the verdict table (every claim, its rows and verdicts) from the local result cache",
                 verdicts_arguments, verdicts_command),
    "protocol": ("print the frozen verdict protocol (seeds, settings, margins, where tuned values came from)",
                 protocol_arguments, protocol_command),
    "cache": ("say which code made a result cache's results and whether it holds every run the verdict table needs",
              cache_arguments, cache_command),
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m minigpt", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, (help_text, add_arguments, run) in COMMANDS.items():
        s = sub.add_parser(name, help=help_text, description=help_text,
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        add_arguments(s)
        s.set_defaults(handler=run)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
