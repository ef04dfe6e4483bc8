"""Training and sampling throughput on this machine; prints a table and writes benchmarks/results/throughput.json.

Training: tokens/s of our Trainer step against a nanoGPT-style baseline (benchmarks/reference_gpt.py) at the usual
small-CPU reference config, dropout 0.0 and 0.2, and at the book's live config. The runs take turns within each
repeat, so a busy neighbour process slows both sides of a ratio alike; each ratio is taken repeat by repeat and
reported as the median with its range over the repeats (the range says how noisy the machine was).
Sampling: tokens/s of ``generate`` with and without the KV cache at block_size 256, and of the baseline's
nanoGPT-style generate (no cache, the whole sequence through the model for every token).
``--nanogpt PATH``: also time nanoGPT's own model.py (a copy of https://github.com/karpathy/nanoGPT's, not kept in
this repository) side by side, trained as its train.py does on the CPU (its configure_optimizers, clip 1.0).
``--clock cpu`` (with ``--threads 1``) times with the thread's CPU time: time spent waiting for a core while
other processes run does not count (caches shared with them still do).

    python benchmarks/throughput.py [--repeats 7] [--threads N] [--clock wall|cpu] [--nanogpt PATH/model.py]
"""

import argparse
import contextlib
import importlib.util
import io
import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from reference_gpt import RefGPT

from minigpt import GPT, ModelConfig, TrainConfig, Trainer, generate

REFERENCE = dict(vocab_size=65, block_size=64, n_layer=4, n_head=4, n_embd=128, batch_size=12)
LIVE = dict(vocab_size=40, block_size=64, n_layer=2, n_head=4, n_embd=64, batch_size=32)


def ours_step(cfg: dict, dropout: float, data: torch.Tensor):
    mcfg = ModelConfig(**{k: v for k, v in cfg.items() if k != "batch_size"}, dropout=dropout)
    trainer = Trainer(GPT(mcfg, seed=0), TrainConfig(steps=10**9, batch_size=cfg["batch_size"], weight_decay=0.1,
                                                    eval_interval=10**9), data)

    def step():
        trainer._train_step(trainer.step)  # one full step: batch, forward, backward, clip, AdamW, history
        trainer.step += 1

    return step


def reference_step(cfg: dict, dropout: float, data: torch.Tensor):
    model = RefGPT(cfg["vocab_size"], cfg["block_size"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], dropout)
    return baseline_step(model, model.optimizer(1e-3, 0.1), cfg, data)


def load_nanogpt(path: str):
    """nanoGPT's model.py, imported from ``path``."""
    spec = importlib.util.spec_from_file_location("nanogpt_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def nanogpt_model(nanogpt, cfg: dict, dropout: float):
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its parameter count
        return nanogpt.GPT(nanogpt.GPTConfig(**{k: cfg[k] for k in ("vocab_size", "block_size", "n_layer", "n_head",
                                                                  "n_embd")}, dropout=dropout, bias=True))


def nanogpt_step(nanogpt, cfg: dict, dropout: float, data: torch.Tensor):
    model = nanogpt_model(nanogpt, cfg, dropout)
    with contextlib.redirect_stdout(io.StringIO()):
        opt = model.configure_optimizers(0.1, 1e-3, (0.9, 0.95), "cpu")
    return baseline_step(model, opt, cfg, data)


def baseline_step(model, opt, cfg: dict, data: torch.Tensor):
    """A training step as nanoGPT's train.py takes it (random windows, clip 1.0, the loss read every step)."""
    B, T = cfg["batch_size"], cfg["block_size"]
    g = torch.Generator().manual_seed(0)

    def step():
        ix = torch.randint(len(data) - T, (B,), generator=g)
        x = torch.stack([data[i:i + T] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + T] for i in ix])
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()

    return step


CLOCK = time.perf_counter  # or time.thread_time (--clock cpu)


def times_ms(fns: dict, repeats: int, steps: int = 10, warmup: int = 2) -> dict[str, list[float]]:
    """ms per step of every function, once per repeat; the functions take turns within each repeat, so a busy
    neighbour process slows both sides of a ratio alike."""
    out: dict = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            for _ in range(warmup):
                fn()  # warm up after the other runs
            t = CLOCK()
            for _ in range(steps):
                fn()
            out[name].append((CLOCK() - t) / steps * 1000)
    return out


def spread(values: list[float]) -> dict:
    """The median of paired per-repeat values, and their range: how noisy the measurement was."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ratios(num: list[float], den: list[float]) -> dict:
    """``spread`` of num / den, repeat by repeat (each pair was measured side by side)."""
    return spread([a / b for a, b in zip(num, den, strict=True)])


def _fmt(r: dict) -> str:
    return f"{r['median']:.2f}x [{r['min']:.2f}, {r['max']:.2f}]"


def sampling(repeats: int, nanogpt=None) -> list[dict]:
    """Our generate with and without the KV cache, and nanoGPT's uncached generate, at block 256; temperature 1."""
    cfg = dict(vocab_size=65, block_size=256, n_layer=4, n_head=4, n_embd=128)
    model = GPT(ModelConfig(**cfg), seed=0)
    ref = RefGPT(cfg["vocab_size"], cfg["block_size"], cfg["n_layer"], cfg["n_head"], cfg["n_embd"], 0.0).eval()
    theirs = None if nanogpt is None else nanogpt_model(nanogpt, cfg, 0.0).eval()
    rows = []
    for batch, new in ((1, 200), (64, 100)):
        prompt = torch.zeros(batch, 1, dtype=torch.long)
        g = torch.Generator().manual_seed(0)
        fns = {"cached": lambda p=prompt, n=new, g=g: generate(model, p, n, generator=g),
               "uncached": lambda p=prompt, n=new, g=g: generate(model, p, n, generator=g, use_cache=False),
               "ref": lambda p=prompt, n=new, g=g: ref.generate(p, n, generator=g)}
        if theirs is not None:
            fns["nanogpt"] = lambda p=prompt, n=new: theirs.generate(p, n)
        ms = times_ms(fns, repeats, steps=1, warmup=1)
        rows.append(dict(batch=batch, new_tokens=new,
                         cached_tok_s=batch * new / statistics.median(ms["cached"]) * 1e3,
                         uncached_tok_s=batch * new / statistics.median(ms["uncached"]) * 1e3,
                         ref_tok_s=batch * new / statistics.median(ms["ref"]) * 1e3,
                         speedup=ratios(ms["uncached"], ms["cached"]),
                         speedup_over_ref=ratios(ms["ref"], ms["cached"])))
        if theirs is not None:
            rows[-1].update(nanogpt_tok_s=batch * new / statistics.median(ms["nanogpt"]) * 1e3,
                            speedup_over_nanogpt=ratios(ms["nanogpt"], ms["cached"]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7, help="interleaved repeats; medians and ranges are reported")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                    help="wall: elapsed time; cpu: this thread's CPU time (needs --threads 1)")
    ap.add_argument("--nanogpt", default=None, help="path to nanoGPT's model.py: time it side by side too")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.clock == "cpu":
        if torch.get_num_threads() != 1:
            ap.error("--clock cpu counts one thread's time: allowed only with --threads 1")
        global CLOCK
        CLOCK = time.thread_time
    nanogpt = None if args.nanogpt is None else load_nanogpt(args.nanogpt)
    data = torch.randint(0, 40, (200_000,))
    results = {"machine": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
               "torch": torch.__version__, "repeats": args.repeats, "clock": args.clock,
               "load_average_at_start": os.getloadavg()[0], "training": [], "sampling": []}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {args.repeats} interleaved repeats, "
          f"{args.clock} clock, load average {os.getloadavg()[0]:.1f}; ratios: median [min, max] over the repeats")
    print(f"{'config':<10}{'dropout':>8}{'ours ms':>10}{'ref ms':>9}{'ours tok/s':>12}{'ref tok/s':>11}"
          f"  ours speed / ref's")
    for name, cfg in (("reference", REFERENCE), ("live", LIVE)):
        fns = {}
        for p in (0.0, 0.2):
            fns[("ours", p)] = ours_step(cfg, p, data)
            fns[("ref", p)] = reference_step(cfg, p, data)
            if nanogpt is not None:
                fns[("nanogpt", p)] = nanogpt_step(nanogpt, cfg, p, data)
        ms = times_ms(fns, args.repeats)
        tokens = cfg["batch_size"] * cfg["block_size"]
        for p in (0.0, 0.2):
            o, r = statistics.median(ms[("ours", p)]), statistics.median(ms[("ref", p)])
            speed = ratios(ms[("ref", p)], ms[("ours", p)])
            results["training"].append(dict(config=name, dropout=p, ours_ms=o, ref_ms=r, ours_tok_s=tokens / o * 1e3,
                                             ref_tok_s=tokens / r * 1e3, ref_over_ours=speed))
            print(f"{name:<10}{p:>8.1f}{o:>10.1f}{r:>9.1f}{tokens / o * 1e3:>12.0f}{tokens / r * 1e3:>11.0f}"
                  f"  {_fmt(speed)}")
            if nanogpt is not None:
                n, theirs = statistics.median(ms[("nanogpt", p)]), ratios(ms[("nanogpt", p)], ms[("ours", p)])
                results["training"][-1].update(nanogpt_ms=n, nanogpt_over_ours=theirs)
                print(f"{'':<18}{'nanoGPT ms':>10}{n:>9.1f}{'':<12}{tokens / n * 1e3:>11.0f}  {_fmt(theirs)}")
        cost, ref_cost = ratios(ms[("ours", 0.2)], ms[("ours", 0.0)]), ratios(ms[("ref", 0.2)], ms[("ref", 0.0)])
        results[f"{name}_dropout_cost"] = dict(ours=cost, ref=ref_cost)
        print(f"{name:<10} dropout 0.2 costs {_fmt(cost)} (baseline: {_fmt(ref_cost)})")
        if nanogpt is not None:
            results[f"{name}_dropout_cost"]["nanogpt"] = ratios(ms[("nanogpt", 0.2)], ms[("nanogpt", 0.0)])
            print(f"{'':<10} nanoGPT's dropout 0.2 costs {_fmt(results[f'{name}_dropout_cost']['nanogpt'])}")
    print(f"\n{'sampling (block 256)':<22}{'cached tok/s':>14}{'uncached tok/s':>16}{'ref tok/s':>11}"
          "  cached over: our uncached, nanoGPT-style uncached")
    for row in sampling(max(3, args.repeats // 2), nanogpt):
        results["sampling"].append(row)
        label = f"{row['batch']} x {row['new_tokens']} tokens"
        print(f"{label:<22}{row['cached_tok_s']:>14.0f}{row['uncached_tok_s']:>16.0f}{row['ref_tok_s']:>11.0f}"
              f"  {_fmt(row['speedup'])}, {_fmt(row['speedup_over_ref'])}")
        if nanogpt is not None:
            print(f"{'':<22}{'nanoGPT tok/s':>30}{row['nanogpt_tok_s']:>11.0f}"
                  f"  cached over nanoGPT's uncached: {_fmt(row['speedup_over_nanogpt'])}")
    results["load_average_at_end"] = os.getloadavg()[0]
    out = Path(__file__).parent / "results" / "throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
