"""Study: temperature, top-k and top-p (chapter 6). Its experiments, the numbers it reports, its plots, its explorer.

Three experiments, one trained model per world and seed; every sampling knob re-evaluates the stored model:

- ``sample_stories``: a 2-layer character GPT trained on the stories world, sampled at ``temperature``,
  ``top_k`` and ``top_p``; scored for diversity (distinct-n, self-BLEU), novelty, validity and *creativity*:
  distinct novel-valid sentences per 1,000 sampled characters (a fixed budget), which repetition cannot game.
  Each result also holds a perfect-sampler baseline drawn at the same temperature (:func:`tempered_story`).
- ``sample_facts``: a GPT trained on the facts world's Q/A rows; exact recall of the training facts when the
  answer is decoded at ``temperature`` (0 = greedy).
- ``sample_addition``: a GPT trained on 2-digit addition; test accuracy at ``temperature``.

:func:`book_runs` computes the chapter's grids (models first, then every sampling point, on one process
pool); :func:`verdict_measurements` reads the measurements behind the chapter's claims back from a cache.
"""

from __future__ import annotations

import contextlib
import functools
import json
import random
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .. import metrics as M
from ..config import ModelConfig, TrainConfig
from ..explore import Display, Explorer
from ..model import GPT
from ..plots import COLORS, KIND_LABELS, sample_bars, tidy
from ..sample import generate
from ..tokenizer import CharTokenizer
from ..train import Trainer
from ..worlds.arithmetic import AdditionConfig, make_addition
from ..worlds.facts import FactsConfig, make_facts, recall
from ..worlds.stories import GRAMMAR, StoriesConfig, is_valid, make_stories, realize, split_sentences
from .core import Experiment, ResultCache, Trained, canonical_json, fast_mode, fit, summarize, sweep
from .core import fast as fast_context

# --- the grids of the chapter -----------------------------------------------------------------------------

TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.4, 1.6)
TOP_KS = (1, 2, 3, 5, 8, 15)  # at temperature 1; 0 means off
TOP_PS = (0.01, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95)  # at temperature 1; 1.0 means off
QA_TEMPERATURES = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.3, 1.6)
SEEDS = (0, 1, 2)
FAST_TEMPERATURES = (0.0, 0.5, 1.0, 1.6)
FAST_TOP_KS = (1, 5)
FAST_TOP_PS = (0.01, 0.9)
FAST_QA_TEMPERATURES = (0.0, 1.0)


def grids(fast: bool | None = None) -> dict[str, tuple]:
    """The sampling grids of the chapter (smaller in fast mode): ``temperature``, ``top_k``, ``top_p`` (stories)
    and ``qa_temperature`` (facts and addition)."""
    fast = fast_mode() if fast is None else fast
    if fast:
        return {"temperature": FAST_TEMPERATURES, "top_k": FAST_TOP_KS, "top_p": FAST_TOP_PS,
                "qa_temperature": FAST_QA_TEMPERATURES}
    return {"temperature": TEMPERATURES, "top_k": TOP_KS, "top_p": TOP_PS, "qa_temperature": QA_TEMPERATURES}


def _check_sampling(s: Mapping) -> None:
    if not (isinstance(s["temperature"], (int, float)) and s["temperature"] >= 0):
        raise ValueError(f"temperature={s['temperature']} is out of range: allowed a number >= 0 (0 = greedy)")
    if "top_k" in s and not (isinstance(s["top_k"], int) and s["top_k"] >= 0):
        raise ValueError(f"top_k={s['top_k']} is out of range: allowed an int >= 0 (0 = off)")
    if "top_p" in s and not (isinstance(s["top_p"], (int, float)) and 0 < s["top_p"] <= 1):
        raise ValueError(f"top_p={s['top_p']} is out of range: allowed a number in (0, 1] (1 = off)")
    if "n" in s and not (isinstance(s["n"], int) and s["n"] >= 2):
        raise ValueError(f"n_samples={s['n']} is out of range: allowed an int >= 2 (self-BLEU needs two)")


def _fit(model: GPT, spec: dict, train_data, val_data, on_eval, stop) -> Trained:
    trainer = Trainer(model, TrainConfig(device=spec["device"], **spec["train"]), train_data, val_data)
    history = fit(trainer, on_eval, stop)
    return Trained(model, history)


def _device(model: GPT) -> torch.device:
    return model.lm_head.weight.device


# --- the perfect sampler, tempered ------------------------------------------------------------------------


def _tempered_weights(weights: Sequence[float], temperature: float) -> list[float]:
    """``w ** (1 / T)`` (a softmax of log-weights at temperature T); at T = 0 the limit: 1 for the largest
    weights, 0 for the rest (ties stay uniform, as they do for every T)."""
    if temperature == 0:
        top = max(weights)
        return [1.0 if w == top else 0.0 for w in weights]
    return [w ** (1.0 / temperature) for w in weights]


def _expand(symbol: str, rng: random.Random, subject, subject_prob: float, temperature: float) -> list[str]:
    # the stories world's generator (worlds/stories.py), with each choice's weights tempered
    if symbol not in GRAMMAR:
        return [symbol]
    if symbol == "SUBJ" and subject is not None:
        keep = _tempered_weights([subject_prob, 1.0 - subject_prob], temperature)
        if rng.random() < keep[0] / sum(keep):
            return list(subject)
    alternatives = GRAMMAR[symbol]
    if len(alternatives) == 1:
        seq = alternatives[0][0]
    else:
        weights = _tempered_weights([a[1] for a in alternatives], temperature)
        seq = rng.choices([a[0] for a in alternatives], weights=weights)[0]
    out: list[str] = []
    for s in seq:
        out.extend(_expand(s, rng, subject, subject_prob, temperature))
    return out


def tempered_story(rng: random.Random, config: StoriesConfig, temperature: float = 1.0) -> tuple[str, ...]:
    """One story from the stories world's own generator with every random choice tempered: the weights ``w``
    of a rule's alternatives (and the chance of reusing the protagonist) become ``w ** (1 / T)``.

    This is the perfect sampler at temperature T: a model that had learned the grammar's choices exactly and
    divided their logits by T. It is the analogue, not the equal, of a character model at T (that one tempers
    each character, not each grammatical choice). At ``temperature=1`` it makes exactly the stories
    :func:`~minigpt.worlds.stories.make_stories` makes from the same ``rng`` state; at 0 every choice is the
    most likely alternative (ties drawn uniformly, since tempering never breaks a tie).
    """
    protagonist = tuple(_expand("SUBJ", rng, None, 0.0, temperature))
    n = rng.randint(config.min_sentences, config.max_sentences)
    return tuple(realize(_expand("S", rng, protagonist, config.protagonist_prob, temperature)) for _ in range(n))


def perfect_sampler_sentences(config: StoriesConfig, temperature: float, budget_chars: int,
                              seed: int) -> list[str]:
    """Sentences of tempered perfect-sampler stories (:func:`tempered_story`) written until their text (one
    story per line, as in training) fills ``budget_chars`` characters, the model's sampling budget; the
    sentence that would overflow the budget is left out, as a model's unfinished last sentence is. ``seed``
    seeds a stream of its own: an integer seed would replay the world's generator (``random.Random(0)`` wrote
    the training stories of world seed 0), and at temperature 1 copy the training set story for story."""
    rng = random.Random(f"perfect sampler {seed}")
    out: list[str] = []
    used = 0
    while True:
        for sentence in tempered_story(rng, config, temperature):
            used += len(sentence) + 1  # a space, or the newline after the story's last sentence
            if used > budget_chars:
                return out
            out.append(sentence)


# --- stories ----------------------------------------------------------------------------------------------


def _configure_stories(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, n_samples: int | None = None,
                       steps: int | None = None, seed: int = 0, world_seed: int = 0,
                       n_stories: int | None = None) -> dict:
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    return {
        "torch_threads": 1,  # fast for this size, and the same numbers on every machine (see torch_threads)
        "world": {"n_stories": n_stories if n_stories is not None else (30 if fast else 300),
                  "n_val_stories": 10 if fast else 50, "seed": world_seed},
        # a 64-character window holds a whole sentence (they are 20-50 characters long)
        "model": {"block_size": 64, "n_layer": 2, "n_head": 4, "n_embd": 64},
        "train": {"steps": steps, "batch_size": 32, "lr": 1e-2, "warmup_steps": min(50, steps // 10),
                  "eval_interval": max(1, steps // 4), "eval_batches": 2 if fast else 4, "seed": seed},
        # 63 new characters fill the 64-character window exactly, so every step uses the KV cache: one
        # evaluation samples in about 0.1 s, what a live temperature slider needs (DESIGN section 6)
        "sample": {"n": n_samples if n_samples is not None else (16 if fast else 96), "max_new_tokens": 63,
                   "temperature": temperature, "top_k": top_k, "top_p": top_p, "seed": seed,
                   "self_bleu_texts": 8 if fast else 32},
    }


@functools.lru_cache(maxsize=8)
def _stories_world(config_json: str):
    """The stories world of a spec, made once per process (training and every re-evaluation share it)."""
    return make_stories(StoriesConfig(**json.loads(config_json)))


def _check_stories(spec: dict) -> None:
    StoriesConfig(**spec["world"])
    ModelConfig(vocab_size=1, **spec["model"])
    TrainConfig(device=spec["device"], **spec["train"])
    _check_sampling(spec["sample"])


def _train_stories(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide character GPT on the stories world (300 stories, 800 steps of 32 windows of 64
    characters), then sample ``n_samples`` continuations of a story start (96 of 63 characters) at
    ``temperature``, ``top_k`` (0 = off) and ``top_p`` (1 = off), and score them.

    Parameters: ``steps``, ``seed`` (init, batches and sampling), ``world_seed``, ``n_stories``; sampling only:
    ``temperature``, ``top_k``, ``top_p``, ``n_samples``.

    ``metrics``: ``n_sentences`` (complete sampled sentences), ``validity`` (share the grammar accepts),
    ``copied``, ``novel`` (valid and not in the training set), ``invalid`` (shares of sentences);
    ``distinct_novel_valid`` (how many *different* novel-valid sentences) and ``creativity`` (that per 1,000
    sampled characters); ``distinct_1``, ``distinct_2`` (word n-grams over all samples); ``self_bleu`` (each of
    the first ``self_bleu_texts`` samples against the others, 4-grams); ``novelty_4`` (share of word 4-grams
    never in the training text); and the perfect sampler at the same temperature: ``perfect_copied``,
    ``perfect_creativity``. ``samples``: the first 4 texts; ``sentences``: ``[sentence, kind]`` of the first
    few samples.
    """
    world = _stories_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    train = torch.tensor(tok.encode(world.train_text), dtype=torch.long)
    val = torch.tensor(tok.encode(world.val_text), dtype=torch.long)
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, **spec["model"]), seed=spec["train"]["seed"])
    trained = _fit(model, spec, train, val, on_eval, stop)
    trained.info["n_train_sentences"] = len(world.train_sentences)
    return trained


def sample_texts(model: GPT, tok: CharTokenizer, s: Mapping) -> list[str]:
    """The ``s["n"]`` texts a stories spec's sampling section asks for (each after a story-start newline)."""
    device = _device(model)
    gen = torch.Generator(device=device).manual_seed(s["seed"])
    prompt = torch.full((s["n"], 1), tok.encode("\n")[0], dtype=torch.long, device=device)
    rows = generate(model, prompt, s["max_new_tokens"], temperature=s["temperature"],
                    top_k=s["top_k"] or None, top_p=s["top_p"] if s["top_p"] < 1 else None, generator=gen)
    return [tok.decode(r[1:].tolist()) for r in rows]


def _evaluate_stories(spec: dict, trained: Trained) -> dict:
    world = _stories_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    s = spec["sample"]
    texts = sample_texts(trained.model, tok, s)
    per_text = [split_sentences(t) for t in texts]
    sentences = [x for group in per_text for x in group]
    kinds = [world.classify(x) for x in sentences]
    n = len(sentences)
    counts = {k: kinds.count(k) for k in ("copied", "novel", "invalid")}
    budget = s["n"] * s["max_new_tokens"] / 1000  # thousands of sampled characters, fixed by the spec
    train_lines = [" ".join(story) for story in world.train_stories]
    perfect = perfect_sampler_sentences(world.config, s["temperature"], s["n"] * s["max_new_tokens"], s["seed"])
    metrics = {
        "n_sentences": n,
        "validity": (counts["copied"] + counts["novel"]) / n if n else 0.0,
        **{k: (c / n if n else 0.0) for k, c in counts.items()},
        "distinct_novel_valid": M.distinct_novel_valid(sentences, is_valid, world.train_sentences),
        "creativity": M.creativity(sentences, is_valid, world.train_sentences, budget),
        "distinct_1": M.distinct_n(texts, 1),
        "distinct_2": M.distinct_n(texts, 2),
        "self_bleu": M.self_bleu(texts[: s["self_bleu_texts"]]),
        "novelty_4": M.ngram_novelty(texts, train_lines, 4),
        "perfect_copied": sum(x in world.train_sentences for x in perfect) / max(1, len(perfect)),
        "perfect_creativity": M.creativity(perfect, is_valid, world.train_sentences, budget),
    }
    shown = [[x, world.classify(x)] for group in per_text[:10] for x in group][:11]  # what the panel has room for
    return {"metrics": metrics, "samples": texts[:4], "sentences": shown}


sample_stories = Experiment("sample_stories", _configure_stories, _train_stories, _evaluate_stories,
                            sample_params=("temperature", "top_k", "top_p", "n_samples"), check=_check_stories,
                            bounds=dict.fromkeys(("validity", "copied", "novel", "invalid", "distinct_1",
                                                  "distinct_2", "self_bleu", "novelty_4", "perfect_copied"),
                                                 M.SHARE))


# --- facts and addition -----------------------------------------------------------------------------------


def _configure_facts(temperature: float = 0.0, steps: int | None = None, seed: int = 0, world_seed: int = 0,
                     n_people: int | None = None) -> dict:
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    return {
        "torch_threads": 1,
        # every person's facts as Q/A lines (qa_fraction 1), each stated 1 to 16 times: recall of trained facts
        "world": {"n_people": n_people if n_people is not None else (30 if fast else 200), "qa_fraction": 1.0,
                  "mention_levels": [1, 2, 4, 8, 16], "n_unseen": 0, "seed": world_seed},
        "model": {"n_layer": 2, "n_head": 4, "n_embd": 64},  # block_size: the longest Q/A row
        "train": {"steps": steps, "batch_size": 32, "lr": 3e-3, "warmup_steps": min(50, steps // 10),
                  "eval_interval": steps, "eval_batches": 1, "seed": seed},
        "sample": {"temperature": temperature, "seed": seed},
    }


@functools.lru_cache(maxsize=8)
def _facts_world(config_json: str):
    return make_facts(FactsConfig(**json.loads(config_json)))


def _check_qa(spec: dict) -> None:
    ModelConfig(vocab_size=1, block_size=8, **spec["model"])
    TrainConfig(device=spec["device"], **spec["train"])
    _check_sampling(spec["sample"])


def _check_facts(spec: dict) -> None:
    FactsConfig(**spec["world"])
    _check_qa(spec)


def _train_facts(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide GPT on the Q/A rows of a facts world (200 made-up people x 4 attributes; each row
    repeated as often as the training text states its fact, so frequent facts are seen more; loss on the answer
    only), then decode every training question once at ``temperature`` (0 = greedy).

    ``metrics``: ``accuracy`` (share of the training facts answered exactly right), ``n`` (facts asked).
    """
    world = _facts_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    X, Y = world.qa_rows(tok, "recitation", repeat_by_frequency=True)
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], **spec["model"]),
                seed=spec["train"]["seed"])
    return _fit(model, spec, (X, Y), None, on_eval, stop)


def _evaluate_facts(spec: dict, trained: Trained) -> dict:
    world = _facts_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    s = spec["sample"]
    gen = torch.Generator(device=_device(trained.model)).manual_seed(s["seed"])
    correct = recall(trained.model, tok, world.split("recitation"), temperature=s["temperature"], generator=gen)
    return {"metrics": {"accuracy": M.exact_match_recall(correct), "n": len(correct)}, "samples": []}


sample_facts = Experiment("sample_facts", _configure_facts, _train_facts, _evaluate_facts,
                          sample_params=("temperature",), check=_check_facts, bounds={"accuracy": M.SHARE})


def _configure_addition(temperature: float = 0.0, steps: int | None = None, seed: int = 0, world_seed: int = 0,
                        n_train: int | None = None) -> dict:
    fast = fast_mode()
    steps = steps if steps is not None else (40 if fast else 800)
    return {
        "torch_threads": 1,
        "world": {"n_digits": 2, "n_train": n_train if n_train is not None else (300 if fast else 3000),
                  "n_test": 100 if fast else 500, "seed": world_seed},
        "model": {"n_layer": 2, "n_head": 4, "n_embd": 64},
        "train": {"steps": steps, "batch_size": 32, "lr": 3e-3, "warmup_steps": min(50, steps // 10),
                  "eval_interval": steps, "eval_batches": 1, "seed": seed},
        "sample": {"temperature": temperature, "seed": seed},
    }


@functools.lru_cache(maxsize=8)
def _addition_world(config_json: str):
    return make_addition(AdditionConfig(**json.loads(config_json)))


def _check_addition(spec: dict) -> None:
    AdditionConfig(**spec["world"])
    _check_qa(spec)


def _train_addition(spec: dict, on_eval: Callable | None = None, stop: threading.Event | None = None) -> Trained:
    """Train a 2-layer, 64-wide GPT on 2-digit addition (3000 problems ``a+b=`` with the plain answer, loss on
    the answer only), then answer the 500 test problems once each at ``temperature`` (0 = greedy).

    ``metrics``: ``accuracy`` (share of test problems answered right), ``n`` (problems).
    """
    world = _addition_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    X, Y = world.qa_rows(tok, "train")
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=X.shape[1], **spec["model"]),
                seed=spec["train"]["seed"])
    return _fit(model, spec, (X, Y), None, on_eval, stop)


def _evaluate_addition(spec: dict, trained: Trained) -> dict:
    world = _addition_world(canonical_json(spec["world"]))
    tok = CharTokenizer(world.alphabet)
    s = spec["sample"]
    gen = torch.Generator(device=_device(trained.model)).manual_seed(s["seed"])
    correct = world.accuracy(trained.model, tok, "test", temperature=s["temperature"], generator=gen)
    return {"metrics": {"accuracy": M.exact_match_recall(correct), "n": len(correct)}, "samples": []}


sample_addition = Experiment("sample_addition", _configure_addition, _train_addition, _evaluate_addition,
                             sample_params=("temperature",), check=_check_addition, bounds={"accuracy": M.SHARE})


def stories_model(cache: ResultCache, seed: int = 0, **params):
    """The stored stories model of ``seed`` (trained on first use) and its tokenizer: ``(model, tokenizer)``."""
    result = cache.run(sample_stories, seed=seed, **params)
    trained = cache.models.get(result["train_key"])
    world = _stories_world(canonical_json(result["spec"]["world"]))
    return trained.model, CharTokenizer(world.alphabet)


# --- temperature 0, top-k 1, top-p near 0 -----------------------------------------------------------------


def greedy_ids(model: GPT, idx: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
    """Greedy decoding written out, without the KV cache: append the argmax of the last logits, again and
    again. (B, T) -> (B, T + max_new_tokens)."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for _ in range(max_new_tokens):
                logits = model(idx[:, -model.config.block_size:])
                idx = torch.cat([idx, logits[:, -1, :].argmax(dim=-1, keepdim=True)], dim=1)
        return idx
    finally:
        model.train(was_training)


def reductions(model: GPT, idx: torch.Tensor, max_new_tokens: int, seed: int = 0) -> dict[str, dict]:
    """What the samplers reduce to: for each setting, the sampled ids and how many tokens differ from
    :func:`greedy_ids` (``{"ids": (B, T') tensor, "differ": int, "same": bool}``).

    Temperature 0 takes the argmax without dividing by T; top-k = 1 keeps only the most likely token, so any
    temperature then samples it; top-p near 0 keeps the smallest nucleus, which is always the most likely
    token. A small but positive temperature only *nearly* reduces to greedy: a token whose runner-up is close
    is still sometimes drawn.
    """
    reference = greedy_ids(model, idx, max_new_tokens)
    settings = {"temperature 0": {"temperature": 0.0},
                "top-k 1, temperature 1": {"temperature": 1.0, "top_k": 1},
                "top-k 1, temperature 1.6": {"temperature": 1.6, "top_k": 1},
                "top-p 1e-6, temperature 1": {"temperature": 1.0, "top_p": 1e-6},
                "temperature 0.2": {"temperature": 0.2},
                "temperature 1": {"temperature": 1.0}}
    out = {}
    for name, kw in settings.items():
        ids = generate(model, idx, max_new_tokens, generator=torch.Generator().manual_seed(seed), **kw)
        differ = int((ids != reference).sum())
        out[name] = {"ids": ids, "differ": differ, "same": differ == 0}
    out["greedy, written out"] = {"ids": reference, "differ": 0, "same": True}
    return out


# --- the book's grid --------------------------------------------------------------------------------------


def book_runs(cache: ResultCache, seeds: Sequence[int] = SEEDS, workers: int = 2) -> dict:
    """Every run of chapter 6, from ``cache`` where stored: one model per world and seed, trained first (all
    of them sharing one pool of ``workers`` processes), then every sampling point of :func:`grids` on them.

    Returns ``{"stories": {"temperature": {T: [result per seed]}, "top_k": {k: [...]}, "top_p": {p: [...]}},
    "facts": {T: [...]}, "addition": {T: [...]}}`` (top-k and top-p at temperature 1).
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    g = grids()
    seeds = list(seeds)
    n = len(seeds)

    def run_all(pool, jobs):
        # each job is (experiment, grid, fixed): one thread per sweep, all of them feeding the same pool
        if pool is None:
            return [sweep(fn, grid, cache, seeds=seeds, **fixed) for fn, grid, fixed in jobs]
        with ThreadPoolExecutor(len(jobs)) as threads:
            futures = [threads.submit(sweep, fn, grid, cache, seeds=seeds, executor=pool, **fixed)
                       for fn, grid, fixed in jobs]
            return [f.result() for f in futures]

    def by_value(values, results):
        return {v: results[i * n:(i + 1) * n] for i, v in enumerate(values)}

    qa = {"temperature": list(g["qa_temperature"])}
    jobs = [(sample_stories, {"temperature": list(g["temperature"])}, {}),
            (sample_stories, {"top_k": list(g["top_k"])}, {"temperature": 1.0}),
            (sample_stories, {"top_p": list(g["top_p"])}, {"temperature": 1.0}),
            (sample_facts, qa, {}), (sample_addition, qa, {})]
    ctx = multiprocessing.get_context("spawn")  # as sweep's own pool: a forked torch process can deadlock
    with contextlib.ExitStack() as stack:
        pool = None
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                                           initializer=torch.set_num_threads, initargs=(1,)))
        # the models first, one point per world and seed, so no two workers ever train the same model
        run_all(pool, [(sample_stories, {"temperature": [1.0]}, {}), (sample_facts, {"temperature": [0.0]}, {}),
                       (sample_addition, {"temperature": [0.0]}, {})])
        temps, ks, ps, facts, addition = run_all(pool, jobs)
    return {"stories": {"temperature": by_value(g["temperature"], temps), "top_k": by_value(g["top_k"], ks),
                        "top_p": by_value(g["top_p"], ps)},
            "facts": by_value(g["qa_temperature"], facts), "addition": by_value(g["qa_temperature"], addition)}


def lookup_runs(cache: ResultCache, seeds: Sequence[int] = SEEDS, fast: bool | None = None) -> dict:
    """The same structure as :func:`book_runs`, read from ``cache`` only (never running anything); a missing
    run is None. ``fast``: the runs of fast mode (True), of the book (False), or of the current mode (None)."""
    g = grids(fast)

    def seeds_of(fn, **params):
        with fast_context(fast):
            return [cache.lookup(fn, seed=s, **params) for s in seeds]

    return {
        "stories": {"temperature": {t: seeds_of(sample_stories, temperature=t) for t in g["temperature"]},
                    "top_k": {k: seeds_of(sample_stories, temperature=1.0, top_k=k) for k in g["top_k"]},
                    "top_p": {p: seeds_of(sample_stories, temperature=1.0, top_p=p) for p in g["top_p"]}},
        "facts": {t: seeds_of(sample_facts, temperature=t) for t in g["qa_temperature"]},
        "addition": {t: seeds_of(sample_addition, temperature=t) for t in g["qa_temperature"]},
    }


# --- the numbers --------------------------------------------------------------------------------------------


def summary(results: Sequence[Mapping | None]) -> dict[str, M.Interval] | None:
    """``{metric: Interval}`` over the seeds of one setting (None when a seed is missing)."""
    if not results or any(r is None for r in results):
        return None
    return summarize(results)


def best_setting(family: Mapping, metric: str = "creativity") -> tuple:
    """The setting of a family (``{value: [results]}``) with the highest mean ``metric``, and its summary:
    ``(value, {metric: Interval})``. Picked after looking, so its interval is optimistic."""
    sums = {v: summary(rs) for v, rs in family.items()}
    sums = {v: s for v, s in sums.items() if s is not None}
    value = max(sums, key=lambda v: sums[v][metric].estimate)
    return value, sums[value]


def _by_seed(results: Sequence[Mapping]) -> dict[int, Mapping]:
    return {r["params"]["seed"]: r for r in results}


def paired_difference(a: Sequence[Mapping], b: Sequence[Mapping], metric: str) -> M.Interval:
    """Mean over seeds of ``a``'s ``metric`` minus ``b``'s, seed by seed, with its 95% t interval.

    Two samplings of the *same* stored model (one per seed) are a paired design: the models differ between
    seeds far more than two samplers differ on one model, so comparing the two settings' intervals over seeds
    would hide a difference that every seed shows. The difference differs from 0 when its interval excludes 0.
    """
    sa, sb = _by_seed(a), _by_seed(b)
    if set(sa) != set(sb):
        raise ValueError(f"b: needs the same seeds as a, got {sorted(sb)} for {sorted(sa)}")
    return M.mean_interval([sa[s]["metrics"][metric] - sb[s]["metrics"][metric] for s in sorted(sa)])


def sign(iv: M.Interval) -> str:
    """"higher" / "lower" when a paired difference's interval excludes 0, else "overlap" ("one seed" for one)."""
    if iv.one_seed:
        return "one seed"
    return "higher" if iv.low > 0 else "lower" if iv.high < 0 else "overlap"


def frontier_gap(family: Mapping, temperature: Mapping, skip: Sequence = ()) -> M.Interval:
    """How far a sampler family lies above (+) or below (-) the temperature curve on the frontier, in
    creativity (distinct novel-valid sentences per 1,000 characters) at equal validity.

    Per seed: the creativity of each setting of ``family`` (``{value: [results]}``; values in ``skip`` left out,
    e.g. the settings that reduce to greedy) minus the creativity the same seed's temperature curve reaches at the
    same validity (linear interpolation between the two temperatures that bracket it), averaged over the
    settings; then the mean over seeds with its 95% t interval."""
    seeds = sorted(_by_seed(next(iter(temperature.values()))))
    gaps = []
    for seed in seeds:
        curve = sorted((_by_seed(rs)[seed]["metrics"]["validity"], _by_seed(rs)[seed]["metrics"]["creativity"])
                       for rs in temperature.values())
        xs, ys = [c[0] for c in curve], [c[1] for c in curve]
        per = []
        for value, rs in family.items():
            if value in skip:
                continue
            m = _by_seed(rs)[seed]["metrics"]
            per.append(m["creativity"] - _interp(m["validity"], xs, ys))
        gaps.append(sum(per) / len(per))
    return M.mean_interval(gaps)


def _interp(x: float, xs: Sequence[float], ys: Sequence[float]) -> float:
    # piecewise linear through (xs, ys), xs increasing; constant beyond the ends
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    for (x0, y0), (x1, y1) in zip(zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=True):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return ys[-1]


def qa_verdict(runs: Mapping) -> dict:
    """Is greedy decoding best for a Q/A world (``{T: [results per seed]}``)? The greedy accuracy, the best
    positive temperature's and the one at T = 1 (intervals over seeds), and the paired differences greedy minus
    each (seed by seed, the same model: :func:`paired_difference`)."""
    sums = {t: summary(rs) for t, rs in runs.items()}
    warm = {t: s["accuracy"] for t, s in sums.items() if t > 0 and s is not None}
    best_t = max(warm, key=lambda t: warm[t].estimate)
    out = {"greedy": sums[0.0]["accuracy"], "best_t": best_t, "best": warm[best_t], "at_one": warm.get(1.0),
           "greedy_minus_best": paired_difference(runs[0.0], runs[best_t], "accuracy"),
           "greedy_minus_one": paired_difference(runs[0.0], runs[1.0], "accuracy") if 1.0 in runs else None}
    return out


VERDICT_TEMPERATURES = (0.1, 0.5, 1.0)  # greedy is compared with these (those in the grid of the current scale)


def verdict_measurements(cache: ResultCache, seeds: Sequence[int] = SEEDS) -> list[dict]:
    """The measurements behind claims (d) and (k) for the verdict table (chapter 9; the row shape is documented in
    :mod:`minigpt.verdicts`), from ``cache`` only (never running anything), at the current scale: accuracy of greedy
    decoding (T=0) against sampling at each of :data:`VERDICT_TEMPERATURES` in the chapter's grid, on facts and on
    addition; for stories, creativity and distinct-2 at T=1 against greedy. ``a`` and ``b`` are the two settings'
    means over seeds; ``difference`` is the paired difference a - b over seeds (the same stored models;
    :func:`paired_difference`). Every interval is None where a run is missing from the cache."""
    runs = lookup_runs(cache, seeds)
    out = []
    for world in ("facts", "addition"):
        r = runs[world]
        for t in (t for t in VERDICT_TEMPERATURES if t in r):
            a, b = r[0.0], r[t]
            complete = all(x is not None for x in (*a, *b))
            out.append({"claim": "d", "chapter": 6, "measure": "accuracy", "expect": "higher",
                        "text": f"{world}: accuracy at T=0 (greedy) vs T={t:g}", "labels": ["T=0", f"T={t:g}"],
                        "a": summary(a)["accuracy"].to_dict() if complete else None,
                        "b": summary(b)["accuracy"].to_dict() if complete else None,
                        "difference": paired_difference(a, b, "accuracy").to_dict() if complete else None})
    temps = runs["stories"]["temperature"]
    a, b = temps.get(1.0), temps.get(0.0)
    complete = a is not None and b is not None and all(x is not None for x in (*a, *b))
    for metric, what in (("creativity", "distinct novel, valid sentences per 1,000 characters"),
                         ("distinct_2", "distinct-2")):
        out.append({"claim": "k", "chapter": 6, "measure": metric, "expect": "higher",
                    "text": f"stories: {what} at T=1 vs T=0 (greedy)", "labels": ["T=1", "T=0"],
                    "a": summary(a)[metric].to_dict() if complete else None,
                    "b": summary(b)[metric].to_dict() if complete else None,
                    "difference": paired_difference(a, b, metric).to_dict() if complete else None})
    return out


# --- plots and the explorer ---------------------------------------------------------------------------------


def plot_frontier(ax: Axes, families: Mapping[str, Sequence[tuple[str, Mapping]]], *, x: str = "validity",
                  y: str = "creativity", colors: Mapping[str, str] | None = None) -> Axes:
    """Validity against creativity: one line per sampler family, one point per setting, error bars of the
    95% intervals over seeds in both directions. ``families``: label -> [(point label, {metric: Interval})]."""
    tidy(ax)
    for i, (label, points) in enumerate(families.items()):
        color = (colors or {}).get(label) or list(COLORS.values())[i % len(COLORS)]
        xs = [p[x] for _, p in points]
        ys = [p[y] for _, p in points]
        ax.plot([v.estimate for v in xs], [v.estimate for v in ys], color=color, marker="o", markersize=3,
                label=label)
        for vx, vy in zip(xs, ys, strict=True):
            if not (vx.one_seed or vy.one_seed):
                ax.errorbar(vx.estimate, vy.estimate, xerr=[[vx.estimate - vx.low], [vx.high - vx.estimate]],
                            yerr=[[vy.estimate - vy.low], [vy.high - vy.estimate]], color=color, alpha=0.45,
                            linewidth=0.8, capsize=0)
        for name, p in points:
            if name:
                ax.annotate(name, (p[x].estimate, p[y].estimate), textcoords="offset points", xytext=(3, 3),
                            fontsize=6.5, color=color)
    return ax


def stories_numbers(result: Mapping) -> dict[str, str]:
    """The numbers an explorer shows for a ``sample_stories`` result, as display strings."""
    m = result.get("metrics")
    if not m:
        h = result["history"]
        return {"step": str(h["eval_step"][-1]) if h["eval_step"] else "0"}
    return {
        "valid": f"{m['validity']:.0%}",
        "distinct novel-valid": f"{m['distinct_novel_valid']} ({m['creativity']:.1f} per 1k chars)",
        "copied": f"{m['copied']:.0%} (perfect sampler {m['perfect_copied']:.0%})",
        "distinct-2": f"{m['distinct_2']:.2f}",
        "self-BLEU": f"{m['self_bleu']:.2f}",
    }


def plot_samples(result: Mapping, fig: Figure) -> Figure:
    """The explorer panel for a ``sample_stories`` result: the shares of sentence kinds, and the sampled
    sentences themselves, coloured by kind (copied grey, novel-valid green, invalid purple)."""
    left, right = fig.subplots(1, 2, width_ratios=[1, 2.4])
    if fig.get_layout_engine() is None:
        fig.subplots_adjust(left=0.08, right=0.99, bottom=0.14, top=0.9, wspace=0.08)
    sample_bars(left, result.get("metrics"))
    right.set_axis_off()
    sentences = result.get("sentences") or []
    if not sentences:
        right.text(0, 0.5, "training... the samples come when the run ends", fontsize=8, color="#555555")
    for i, (text, kind) in enumerate(sentences[:11]):
        shown = text if len(text) <= 62 else text[:59] + "..."
        right.text(0.0, 0.97 - i * 0.088, shown, fontsize=7.5, family="monospace", color=COLORS[kind],
                   va="top", transform=right.transAxes)
    right.set_title("sampled sentences: " + ", ".join(f"{KIND_LABELS[k]}" for k in ("copied", "novel",
                                                                                    "invalid")) + " (by colour)",
                    fontsize=8)
    return fig


SAMPLING_CONTROLS = {
    "temperature": list(TEMPERATURES),
    "top_k": [0, *TOP_KS],
    "top_p": [1.0, *sorted(TOP_PS, reverse=True)],
}
STATIC_GRID = {"temperature": [0.0, 0.3, 0.6, 0.8, 1.0, 1.2, 1.6], "top_p": [1.0, 0.8]}


def sampling_explorer(cache: ResultCache | None = None, **fixed) -> Explorer:
    """Chapter 6's explorer over :data:`sample_stories`: sliders for temperature, top-k (0 = off) and top-p
    (1 = off) over one stored model (every move re-samples it, nothing retrains); the static view steps through
    temperature x top-p, computed at build time."""
    return Explorer(
        sample_stories,
        controls=SAMPLING_CONTROLS,
        initial={"temperature": 1.0},
        static_grid=STATIC_GRID,
        plot=plot_samples,
        numbers=stories_numbers,
        cache=cache,
        fixed=fixed,
        display=Display(title="Sampling one stored story model: temperature, top-k, top-p",
        labels={"temperature": "temperature", "top_k": "top-k (0 = off)", "top_p": "top-p (1 = off)"}),
    )

