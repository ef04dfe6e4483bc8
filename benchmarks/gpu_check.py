"""GPU readiness: training throughput and MFU, float32 losses against the CPU, and generate() on the device.

Each step is a function that returns one row (a dict); a step that raises becomes a failed row with its error, so
one broken step does not hide the others. Prints a table, writes JSON, exits 1 if any check failed.
``--device cpu`` runs every step but the parts that only mean something on a GPU (the CPU side-by-side figure,
TF32 switches, CUDA synchronization), so CI runs this script on the CPU (``--quick``: tiny configs, seconds).

    python benchmarks/gpu_check.py [--device auto|cuda|cuda:N|cpu] [--quick] [--peak-tflops X] [--out PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import torch
import torch.nn as nn
from throughput import REFERENCE

import minigpt
from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer, generate
from minigpt.worlds import make_stories

BIG = dict(block_size=256, n_layer=6, n_head=6, n_embd=384, batch_size=64)
SAMPLER = dict(block_size=256, n_layer=4, n_head=4, n_embd=128, dropout=0.1)  # as in throughput.py's sampling
TINY = dict(block_size=16, n_layer=1, n_head=2, n_embd=16, batch_size=4)  # --quick stands in for every config
TINY_SAMPLER = dict(block_size=32, n_layer=1, n_head=2, n_embd=16, dropout=0.1)

# Dense bf16 tensor-core peaks in TFLOP/s. NVIDIA's H200 spec sheet (https://www.nvidia.com/en-us/data-center/h200/,
# "BFLOAT16 Tensor Core") gives 1,979 (SXM) and 1,671 (NVL) "with sparsity"; dense is half. Matched by device name,
# NVL first; any other GPU: pass --peak-tflops, or MFU is not reported.
PEAKS = (("H200 NVL", 835.5), ("H200", 989.5))
PEAK_SOURCE = "NVIDIA H200 spec sheet, BFLOAT16 Tensor Core with sparsity / 2 (https://www.nvidia.com/en-us/data-center/h200/)"

# Max |loss difference| allowed over the first 50 float32 steps, device against CPU. On the CPU the same run in
# float32 and float64 differs by at most 5e-7 nats (2 float32 ulps of a loss near 3.8): 50 steps of this run do not
# amplify rounding. Another device's kernels (cuBLAS, its SDPA, fused AdamW, atomics in backward) round differently
# but at float32 precision, so 1e-4 leaves 200x room, while bf16 (~1e-2) or a wrong kernel shows up far above it;
# the loss itself falls by about 1.6 nats over these steps.
LOSS_TOLERANCE = 1e-4


@dataclass
class Check:
    device: torch.device
    quick: bool
    peak_tflops: float | None
    peak_source: str | None
    cache: dict = field(default_factory=dict)

    @property
    def on_cpu(self) -> bool:
        return self.device.type == "cpu"

    def sync(self, device: torch.device | None = None) -> None:
        device = device or self.device
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    @cached_property
    def stories(self) -> tuple[CharTokenizer, torch.Tensor]:
        world = make_stories()
        tok = CharTokenizer.from_text(world.train_text)
        return tok, torch.tensor(tok.encode(world.train_text), dtype=torch.long)

    @cached_property
    def sampler(self) -> GPT:
        """A small model trained briefly on the CPU, with dropout, by the Trainer (so its noise generator is on
        the CPU): what every generate step moves to the device."""
        tok, data = self.stories
        cfg = TINY_SAMPLER if self.quick else SAMPLER
        model = GPT(ModelConfig(vocab_size=tok.vocab_size, **cfg), seed=0)
        steps = 3 if self.quick else 30
        Trainer(model, TrainConfig(steps=steps, batch_size=8, lr=3e-3, eval_interval=steps), data).fit()
        return model.eval()


class FP32Trainer(Trainer):
    """The Trainer without bf16 autocast on CUDA: float32 throughout, to compare losses with the CPU."""

    def _autocast(self):
        return contextlib.nullcontext()


@contextlib.contextmanager
def true_fp32():
    """TF32 off (matmuls and cuDNN), restored afterwards: float32 matmuls really in float32."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


def model_config(cfg: dict, vocab_size: int) -> ModelConfig:
    return ModelConfig(vocab_size=vocab_size, **{k: v for k, v in cfg.items() if k not in ("batch_size", "vocab_size")})


def flops_per_token(model: GPT, T: int) -> float:
    """Training FLOPs per token: 6 N for the matmul weights N (forward 2N, backward 4N), plus attention's
    scores and weighted sum, 12 n_layer n_embd T (Kaplan et al., 2020; PaLM's appendix B; nanoGPT's estimate_mfu)."""
    n = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))  # lm_head included, tied or not
    c = model.config
    return 6 * n + 12 * c.n_layer * c.n_embd * T


def measure_training(check: Check, cfg: dict, device: torch.device, steps: int) -> dict:
    """Tokens/s of full Trainer steps (batch, forward, backward, clip, AdamW; bf16 autocast on CUDA)."""
    B, T = cfg["batch_size"], cfg["block_size"]
    model = GPT(model_config(cfg, REFERENCE["vocab_size"]), seed=0)
    data = torch.randint(0, REFERENCE["vocab_size"], (200_000,))
    trainer = Trainer(model, TrainConfig(steps=10**9, batch_size=B, weight_decay=0.1, eval_interval=10**9,
                                         device=device.type), data)

    def step():
        trainer._train_step(trainer.step)
        trainer.step += 1

    for _ in range(3 if device.type == "cuda" else 1):  # warm-up: allocator, cuBLAS handles, kernel choice
        step()
    check.sync(device)
    t = time.perf_counter()
    for _ in range(steps):
        step()
    check.sync(device)
    seconds = (time.perf_counter() - t) / steps
    tok_s = B * T / seconds
    tflops = tok_s * flops_per_token(model, T) / 1e12
    return dict(ms_per_step=seconds * 1e3, tok_s=tok_s, model_tflops=tflops, params=model.num_params())


def _training_row(check: Check, name: str, cfg: dict, steps: int, cpu_steps: int | None) -> dict:
    cfg = TINY if check.quick else cfg
    if check.quick:
        steps = 2
    elif check.on_cpu:  # --device cpu at full size: the big config takes seconds a step here
        steps = max(2, steps // 10)
    shape = f"{cfg['n_layer']}x{cfg['n_head']}x{cfg['n_embd']}, block {cfg['block_size']}, batch {cfg['batch_size']}"
    row = dict(config=name, shape=shape, precision="bf16 autocast" if check.device.type == "cuda" else "fp32",
               **measure_training(check, cfg, check.device, steps))
    if check.peak_tflops:  # model FLOPs utilization, only against a known peak
        row["mfu"] = row["model_tflops"] / check.peak_tflops
    if cpu_steps is not None and not check.on_cpu:  # the CPU figure, side by side, from this run
        cpu = measure_training(check, cfg, torch.device("cpu"), cpu_steps)
        row |= dict(cpu_tok_s=cpu["tok_s"], speedup_over_cpu=row["tok_s"] / cpu["tok_s"])
    mfu = f", MFU {row['mfu']:.1%}" if "mfu" in row else ""
    cpu = f", CPU fp32 {row['cpu_tok_s']:,.0f} tok/s ({row['speedup_over_cpu']:.1f}x)" if "cpu_tok_s" in row else ""
    row["summary"] = (f"{shape}: {row['tok_s']:,.0f} tok/s, {row['ms_per_step']:.1f} ms/step, "
                      f"{row['model_tflops']:.3g} TFLOP/s{mfu}{cpu}")
    return row | dict(ok=None)


def train_reference(check: Check) -> dict:
    """train, reference config"""
    return _training_row(check, "reference", REFERENCE, steps=100, cpu_steps=10)


def train_big(check: Check) -> dict:
    """train, big config"""
    return _training_row(check, "big", BIG, steps=30, cpu_steps=None)


def losses_match_cpu(check: Check) -> dict:
    """fp32 losses, device vs CPU"""
    tok, data = check.stories
    cfg = TINY if check.quick else REFERENCE
    steps = 10 if check.quick else 50
    mcfg = model_config(cfg, tok.vocab_size)

    def losses(device: torch.device) -> list[float]:
        tcfg = TrainConfig(steps=steps, batch_size=cfg["batch_size"], eval_interval=steps, device=device.type)
        return FP32Trainer(GPT(mcfg, seed=0), tcfg, data).fit().train_loss  # same seed, same batches

    with true_fp32():
        on_device = losses(check.device)
    on_cpu = losses(torch.device("cpu"))
    diff = max(abs(a - b) for a, b in zip(on_device, on_cpu, strict=True))
    return dict(ok=diff <= LOSS_TOLERANCE, steps=steps, max_abs_diff=diff, tolerance=LOSS_TOLERANCE,
                first_loss=on_device[0], last_loss=on_device[-1],
                summary=f"max |diff| {diff:.2e} over {steps} steps (tolerance {LOSS_TOLERANCE:g})")


def kv_cache_matches(check: Check) -> dict:
    """generate: KV cache vs none (greedy)"""
    model = copy.deepcopy(check.sampler).to(check.device)
    rows, results = [], []
    for batch, new in ((1, 20), (4, 10)) if check.quick else ((1, 200), (64, 100)):
        prompt = torch.zeros(batch, 1, dtype=torch.long, device=check.device)
        out, secs = {}, {}
        for cache in (True, False):
            generate(model, prompt, 2, temperature=0, use_cache=cache)  # warm-up
            check.sync()
            t = time.perf_counter()
            out[cache] = generate(model, prompt, new, temperature=0, use_cache=cache)
            check.sync()
            secs[cache] = time.perf_counter() - t
        same = torch.equal(out[True], out[False])
        first_diff = None if same else int((out[True] != out[False]).any(0).nonzero()[0])
        results.append(same)
        rows.append(dict(batch=batch, new_tokens=new, equal=same, first_diff_position=first_diff,
                         cached_tok_s=batch * new / secs[True], uncached_tok_s=batch * new / secs[False],
                         speedup=secs[False] / secs[True]))
    summary = ", ".join(f"{r['batch']}x{r['new_tokens']}: {'equal' if r['equal'] else 'DIFFER'}, "
                        f"{r['speedup']:.1f}x faster" for r in rows)
    return dict(ok=all(results), runs=rows, summary=summary)


def mc_dropout_after_move(check: Check) -> dict:
    """generate: mc_dropout after a move"""
    prompt = torch.zeros(8, 1, dtype=torch.long, device=check.device)
    outs = []
    for _ in range(2):  # two copies of the same trained model: the same masks, so the same tokens
        model = copy.deepcopy(check.sampler).to(check.device)
        outs.append(generate(model, prompt, 30, temperature=0, mc_dropout=True))
    noise = model.noise
    valid = bool(((outs[0] >= 0) & (outs[0] < model.config.vocab_size)).all())
    rows_differ = not bool((outs[0] == outs[0][0]).all())
    ok = valid and torch.equal(outs[0], outs[1]) and outs[0].device.type == check.device.type
    return dict(ok=ok, valid_tokens=valid, reproducible=torch.equal(outs[0], outs[1]), rows_differ=rows_differ,
                noise_home=str(noise.home.device), noise_twins=[str(d) for d in noise.twins],
                summary=f"ran; reproducible {torch.equal(outs[0], outs[1])}; masks from {noise.home.device} home, "
                        f"twins {[str(d) for d in noise.twins] or 'none'}; rows differ {rows_differ}")


def top_k_top_p(check: Check) -> dict:
    """generate: top-k and top-p sampling"""
    model = copy.deepcopy(check.sampler).to(check.device)
    V = model.config.vocab_size
    prompt = torch.zeros(16, 1, dtype=torch.long, device=check.device)
    n = 10 if check.quick else 40
    found = {}
    for name, kw in (("top_k=5", dict(top_k=5)), ("top_p=0.9", dict(top_p=0.9))):
        g = torch.Generator(device=check.device).manual_seed(0)
        out = generate(model, prompt, n, temperature=1.0, generator=g, **kw)
        found[name] = dict(shape_ok=tuple(out.shape) == (16, 1 + n), valid=bool(((out >= 0) & (out < V)).all()))
        if "top_k" in kw:  # how many sampled tokens are among the 5 most likely (1.0 but for near-ties at the edge)
            with torch.inference_mode():
                logits = model(out[:, :-1])  # (B, n, V)
            top = logits.topk(5, dim=-1).indices  # (B, n, 5): position i predicted token i + 1
            found[name]["in_top_k"] = (top == out[:, 1:, None]).any(-1).float().mean().item()
    ok = all(f["shape_ok"] and f["valid"] for f in found.values())
    return dict(ok=ok, **found, summary="; ".join(f"{k}: {'valid' if v['valid'] and v['shape_ok'] else 'INVALID'}"
                                                   for k, v in found.items())
                                        + f"; in top-5 {found['top_k=5']['in_top_k']:.3f}")


def experiment_end_to_end(check: Check) -> dict:
    """book experiment through the cache"""
    # One named experiment of the book on the device through a fresh result cache: the first call trains and
    # samples, the second is a cache hit with the same result, a new temperature re-samples the stored model (moved
    # back to the device) without training. Then, not --quick, every registered experiment at its MINIGPT_FAST size
    # (what the chapters run under nbval), timed on the device.
    from minigpt.runs import ResultCache, set_fast
    from minigpt.studies import experiments
    from minigpt.studies.overfitting import overfit_stories

    device = str(check.device)
    small = dict(steps=6, n_stories=8, n_samples=4) if check.quick else {}
    with tempfile.TemporaryDirectory() as tmp, set_fast(True):
        cache = ResultCache(tmp)
        t = time.perf_counter()
        first = cache.run(overfit_stories, device=device, **small)
        train_s = time.perf_counter() - t
        again = cache.run(overfit_stories, device=device, **small)
        t = time.perf_counter()
        hotter = cache.run(overfit_stories, device=device, temperature=1.3, **small)
        resample_s = time.perf_counter() - t
        ok = (first["done"] and again["cached"] and again["metrics"] == first["metrics"]
              and hotter["model_cached"] and not hotter["cached"] and hotter["history"] == first["history"])
        timings = {}
        if not check.quick:
            for name, fn in experiments().items():
                t = time.perf_counter()
                result = cache.run(fn, device=device)
                timings[name] = dict(seconds=time.perf_counter() - t, done=result["done"])
            ok = ok and all(r["done"] for r in timings.values())
    summary = (f"overfit_stories on {device}: run {train_s:.1f} s, re-sample {resample_s:.2f} s, "
               f"{'equal cache hit' if ok else 'MISMATCH'}"
               + (f"; {len(timings)} fast-mode experiments in {sum(r['seconds'] for r in timings.values()):.1f} s"
                  if timings else ""))
    return dict(ok=ok, train_and_sample_s=train_s, resample_s=resample_s, metrics=first["metrics"],
                fast_experiments=timings, summary=summary)


STEPS = [train_reference, train_big, losses_match_cpu, kv_cache_matches, mc_dropout_after_move, top_k_top_p,
         experiment_end_to_end]


def run_step(check: Check, fn) -> dict:
    name = fn.__doc__.strip().splitlines()[0]
    t = time.perf_counter()
    try:
        row = fn(check)
    except Exception as e:  # a failed row, and the remaining steps still run
        row = dict(ok=False, error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc(limit=-4),
                   summary=f"error: {type(e).__name__}: {e}")
    status = row.pop("status", None) or {True: "pass", False: "FAIL", None: "measured"}[row["ok"]]
    return dict(step=fn.__name__, name=name, status=status, seconds=time.perf_counter() - t, **row)


def peak_for(device: torch.device, override: float | None) -> tuple[float | None, str | None]:
    if override:
        return override, "--peak-tflops"
    if device.type == "cuda":
        gpu = torch.cuda.get_device_name(device)
        for key, tflops in PEAKS:
            if key in gpu:
                return tflops, f"{PEAK_SOURCE}; matched {key!r} in {gpu!r}"
    return None, None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="auto", help="auto (minigpt.device), cuda, cuda:N or cpu")
    ap.add_argument("--quick", action="store_true", help="tiny configs and few steps: checks the script, not speed")
    ap.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak of this GPU, for MFU")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "gpu_check.json")
    args = ap.parse_args(argv)
    device = minigpt.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        ap.error(f"--device {args.device}: torch sees no CUDA device here (torch {torch.__version__})")
    if device.index is not None:
        torch.cuda.set_device(device)  # the Trainer's "cuda" is the current device
    peak, source = peak_for(device, args.peak_tflops)
    check = Check(device, args.quick, peak, source)
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else None
    print(f"torch {torch.__version__}, device {device}{f' ({gpu})' if gpu else ''}, "
          f"peak {f'{peak:g} TFLOP/s' if peak else 'unknown (no MFU)'}{', quick' if args.quick else ''}")
    rows = []
    for fn in STEPS:
        rows.append(run_step(check, fn))
        r = rows[-1]
        print(f"{r['name']:<40}{r['status']:>9}{r['seconds']:>7.1f}s  {r['summary']}", flush=True)
    failed = [r["step"] for r in rows if r["status"] == "FAIL"]
    result = dict(device=str(device), gpu=gpu, torch=torch.__version__, machine=platform.processor() or
                  platform.machine(), quick=args.quick, peak_tflops=peak, peak_source=source,
                  loss_tolerance=LOSS_TOLERANCE, rows=rows, failed=failed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"\n{len(failed)} failed{': ' + ', '.join(failed) if failed else ''}; wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
