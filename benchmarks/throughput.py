"""Training and sampling throughput on this machine; prints a table and writes benchmarks/results/throughput.json.

Training: tokens/s of our Trainer step against a nanoGPT-style baseline (benchmarks/reference_gpt.py) at the usual
small-CPU reference config, dropout 0.0 and 0.2, and at the book's live config. Runs are interleaved and the best
of several repeats is kept, so a busy neighbour process hurts both sides alike.
Sampling: tokens/s of ``generate`` with and without the KV cache at block_size 256.

    python benchmarks/throughput.py [--repeats 5] [--threads N]
"""

import argparse
import json
import platform
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
    B, T = cfg["batch_size"], cfg["block_size"]
    model = RefGPT(cfg["vocab_size"], T, cfg["n_layer"], cfg["n_head"], cfg["n_embd"], dropout)
    opt = model.optimizer(1e-3, 0.1)
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


def best_ms(fns: dict, repeats: int, steps: int = 10) -> dict:
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            for _ in range(2):
                fn()  # warm up after the other runs
            t = time.perf_counter()
            for _ in range(steps):
                fn()
            best[name] = min(best[name], (time.perf_counter() - t) / steps * 1000)
    return best


def sampling(repeats: int) -> list[dict]:
    model = GPT(ModelConfig(vocab_size=65, block_size=256, n_layer=4, n_head=4, n_embd=128), seed=0)
    rows = []
    for batch, new in ((1, 200), (64, 100)):
        prompt = torch.zeros(batch, 1, dtype=torch.long)
        times = {}
        for cache in (True, False):
            def run(c=cache, prompt=prompt, new=new):
                return generate(model, prompt, new, temperature=0, use_cache=c)

            times[cache] = min(_time(run) for _ in range(repeats))
        rows.append(dict(batch=batch, new_tokens=new, cached_tok_s=batch * new / times[True],
                         uncached_tok_s=batch * new / times[False], speedup=times[False] / times[True]))
    return rows


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5, help="interleaved repeats; the best is kept")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    data = torch.randint(0, 40, (200_000,))
    results = {"machine": platform.processor() or platform.machine(), "threads": torch.get_num_threads(),
               "torch": torch.__version__, "training": [], "sampling": []}
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'config':<10}{'dropout':>8}{'ours ms':>10}{'ref ms':>9}{'ours tok/s':>12}{'ref tok/s':>11}{'ref/ours':>9}")
    for name, cfg in (("reference", REFERENCE), ("live", LIVE)):
        fns = {}
        for p in (0.0, 0.2):
            fns[("ours", p)] = ours_step(cfg, p, data)
            fns[("ref", p)] = reference_step(cfg, p, data)
        ms = best_ms(fns, args.repeats)
        tokens = cfg["batch_size"] * cfg["block_size"]
        for p in (0.0, 0.2):
            o, r = ms[("ours", p)], ms[("ref", p)]
            results["training"].append(dict(config=name, dropout=p, ours_ms=o, ref_ms=r, ours_tok_s=tokens / o * 1e3,
                                             ref_tok_s=tokens / r * 1e3, ref_over_ours=r / o))
            tok_o, tok_r = tokens / o * 1e3, tokens / r * 1e3
            print(f"{name:<10}{p:>8.1f}{o:>10.1f}{r:>9.1f}{tok_o:>12.0f}{tok_r:>11.0f}{r / o:>9.2f}")
        ratio = ms[("ours", 0.2)] / ms[("ours", 0.0)]
        ref_ratio = ms[("ref", 0.2)] / ms[("ref", 0.0)]
        results[f"{name}_dropout_cost"] = dict(ours=ratio, ref=ref_ratio)
        print(f"{name:<10} dropout 0.2 costs {ratio:.2f}x (baseline: {ref_ratio:.2f}x)")
    print(f"\n{'sampling (block 256)':<22}{'cached tok/s':>14}{'uncached tok/s':>16}{'speedup':>9}")
    for row in sampling(max(1, args.repeats // 2)):
        results["sampling"].append(row)
        label = f"{row['batch']} x {row['new_tokens']} tokens"
        print(f"{label:<22}{row['cached_tok_s']:>14.0f}{row['uncached_tok_s']:>16.0f}{row['speedup']:>9.1f}")
    out = Path(__file__).parent / "results" / "throughput.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
