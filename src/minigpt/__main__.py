"""Command line: ``python -m minigpt train|sample ...``. Run with ``--help`` for every flag.

The flags that set a config field are made from the dataclass itself (``ModelConfig``, ``TrainConfig``,
``SampleConfig``): the flag is the field name with dashes, its default is the field's default, its help is the
field's documentation. So a new knob is a flag as soon as it is a field. One default differs on purpose, and its
help says so: ``--device`` is ``auto`` here (a command-line user wants the fastest device), while the library keeps
``TrainConfig.device = "cpu"`` (same seed, same numbers on every machine). A subcommand is a function that adds
its arguments and a function that runs it, registered in ``COMMANDS``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
COMMANDS = {
    "train": ("train a character-level GPT on a text file", train_arguments, train),
    "sample": ("sample text from a trained run", sample_arguments, sample),
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
