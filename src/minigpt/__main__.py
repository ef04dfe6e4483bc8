"""Command line: ``python -m minigpt train|sample ...``. Run with ``--help`` for every flag."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from .checkpoint import atomic_write, load_checkpoint, save_checkpoint
from .config import ModelConfig, TrainConfig
from .model import GPT
from .sample import generate
from .tokenizer import CharTokenizer
from .train import Trainer


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m minigpt", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a character-level GPT on a text file",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    t.add_argument("--text", type=Path, required=True, help="UTF-8 text file to train on")
    t.add_argument("--out", type=Path, required=True, help="run folder: model.pt and history.json are written here")
    t.add_argument("--val-fraction", type=float, default=0.1, help="last fraction of the text held out for val loss")
    m = t.add_argument_group("model")
    m.add_argument("--block-size", type=int, default=64, help="context length in characters")
    m.add_argument("--n-layer", type=int, default=2, help="transformer blocks")
    m.add_argument("--n-head", type=int, default=4, help="attention heads per block")
    m.add_argument("--n-embd", type=int, default=64, help="residual stream width (a multiple of --n-head)")
    m.add_argument("--dropout", type=float, default=0.0, help="dropout on embeddings, attention and residuals")
    m.add_argument("--drop-path", type=float, default=0.0, help="stochastic depth rate of the last block")
    m.add_argument("--emb-noise", type=float, default=0.0, help="NEFTune embedding noise alpha")
    o = t.add_argument_group("optimization")
    o.add_argument("--steps", type=int, default=500, help="optimizer steps")
    o.add_argument("--batch-size", type=int, default=32, help="sequences per step")
    o.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    o.add_argument("--warmup-steps", type=int, default=0, help="linear warmup steps before cosine decay")
    o.add_argument("--weight-decay", type=float, default=0.0, help="AdamW weight decay on matrices")
    o.add_argument("--grad-clip", type=float, default=1.0, help="max global gradient norm (0 = off)")
    o.add_argument("--eval-interval", type=int, default=100, help="steps between train/val loss evaluations")
    o.add_argument("--seed", type=int, default=0, help="seed for initialization, batches and dropout")
    o.add_argument("--device", default="auto", help="cpu, cuda, mps or auto")

    s = sub.add_parser("sample", help="sample text from a trained run",
                       formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    s.add_argument("run", type=Path, help="run folder written by 'train' (or a model.pt file)")
    s.add_argument("--prompt", default="\n", help="text to continue")
    s.add_argument("--n", type=int, default=1, help="number of samples")
    s.add_argument("--max-new-tokens", type=int, default=200, help="characters to generate per sample")
    s.add_argument("--temperature", type=float, default=1.0, help="0 = greedy; higher = more diverse")
    s.add_argument("--top-k", type=int, default=None, help="sample only among the k most likely characters")
    s.add_argument("--top-p", type=float, default=None, help="nucleus sampling mass in (0, 1]")
    s.add_argument("--mc-dropout", action="store_true", help="keep dropout on while sampling")
    s.add_argument("--seed", type=int, default=0, help="sampling seed")
    return p


def train(args) -> int:
    from tqdm.auto import tqdm

    text = args.text.read_text(encoding="utf-8")
    tok = CharTokenizer.from_text(text)
    data = torch.tensor(tok.encode(text), dtype=torch.long)
    if not 0.0 <= args.val_fraction < 1.0:
        raise ValueError(f"--val-fraction={args.val_fraction} is out of range: allowed [0, 1)")
    n_val = int(len(data) * args.val_fraction)
    train_data, val_data = (data[:-n_val], data[-n_val:]) if n_val > args.block_size else (data, None)
    mcfg = ModelConfig(vocab_size=tok.vocab_size, block_size=args.block_size, n_layer=args.n_layer,
                       n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout, drop_path=args.drop_path,
                       emb_noise_alpha=args.emb_noise)
    tcfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, warmup_steps=args.warmup_steps,
                       weight_decay=args.weight_decay, grad_clip=args.grad_clip, eval_interval=args.eval_interval,
                       seed=args.seed, device=args.device)
    model = GPT(mcfg, seed=args.seed)
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


def sample(args) -> int:
    path = args.run / "model.pt" if args.run.is_dir() else args.run
    ck = load_checkpoint(path)
    if ck.tokenizer is None:
        raise ValueError(f"{path} has no tokenizer: it was not written by 'python -m minigpt train'")
    if args.n < 1:
        raise ValueError(f"--n={args.n} is out of range: allowed an integer >= 1")
    prompt = torch.tensor([ck.tokenizer.encode(args.prompt)] * args.n, dtype=torch.long)
    gen = torch.Generator().manual_seed(args.seed)
    out = generate(ck.model, prompt, args.max_new_tokens, temperature=args.temperature, top_k=args.top_k,
                   top_p=args.top_p, generator=gen, mc_dropout=args.mc_dropout)
    for i, row in enumerate(out):
        print(f"--- sample {i + 1}")
        print(ck.tokenizer.decode(row))
    return 0


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"train": train, "sample": sample}[args.command](args)
    except (ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
