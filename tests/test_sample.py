import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig, TrainConfig, Trainer, generate, sample
from minigpt.sample import filter_logits

from .conftest import TEXT, tiny_config
from .test_model import FakeGenerator


def test_temperature_zero_is_argmax_and_deterministic(tiny_model):
    idx = torch.randint(0, 32, (3, 4))
    a = generate(tiny_model, idx, 10, temperature=0)
    b = generate(tiny_model, idx, 10, temperature=0, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b)
    # each greedy token is the argmax of the model's logits for the prefix before it
    tiny_model.eval()
    for t in range(4, 14):
        assert torch.equal(a[:, t], tiny_model(a[:, :t])[:, -1].argmax(-1))


def test_sampling_is_seeded(tiny_model):
    idx = torch.zeros(2, 1, dtype=torch.long)
    a = generate(tiny_model, idx, 12, generator=torch.Generator().manual_seed(1))
    b = generate(tiny_model, idx, 12, generator=torch.Generator().manual_seed(1))
    c = generate(tiny_model, idx, 12, generator=torch.Generator().manual_seed(2))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("temperature", [0.0, 1.0])
def test_stop_token_ends_when_every_row_wrote_it_and_keeps_what_came_before(tiny_model, temperature):
    """With ``stop_token`` each row's tokens up to its first stop token are those of the full run (same seed),
    the run ends once every row has one, and a row that stopped is filled with it."""
    idx = torch.randint(0, 32, (6, 3), generator=torch.Generator().manual_seed(0))
    full = generate(tiny_model, idx, 40, temperature=temperature, generator=torch.Generator().manual_seed(3))
    stop = int(full[0, 5])  # a token the first row writes early on
    cut = generate(tiny_model, idx, 40, temperature=temperature, generator=torch.Generator().manual_seed(3),
                   stop_token=stop)
    firsts = []
    for f, c in zip(full[:, 3:].tolist(), cut[:, 3:].tolist(), strict=True):
        end = f.index(stop) if stop in f else len(f)
        firsts.append(end)
        assert c[:end + 1] == f[:end + 1] and set(c[end:]) <= {stop}
    assert cut.size(1) == 3 + min(40, max(firsts) + 1)
    with pytest.raises(ValueError, match="stop_token"):
        generate(tiny_model, idx, 2, stop_token=tiny_model.config.vocab_size)


def test_checking_for_the_stop_token_every_8_tokens_returns_the_same_tokens(tiny_model, monkeypatch):
    """Checking that every row has ended only every 8 tokens (as on a GPU, where each check is a sync) returns
    what checking at every token does: cut after the last row's first stop token."""
    idx = torch.randint(0, 32, (6, 3), generator=torch.Generator().manual_seed(0))
    full = generate(tiny_model, idx, 40, generator=torch.Generator().manual_seed(3))
    rows = full[:, 3:].tolist()
    stop = min((t for t in range(32) if all(t in r for r in rows)), key=lambda t: max(r.index(t) for r in rows))
    out = {}
    for every in (1, 8):
        monkeypatch.setattr(sample, "STOP_CHECK_EVERY", {"cpu": every})
        out[every] = generate(tiny_model, idx, 40, generator=torch.Generator().manual_seed(3), stop_token=stop)
    assert torch.equal(out[1], out[8])
    assert out[8].size(1) == 3 + max(r.index(stop) for r in rows) + 1 < full.size(1)


def test_qa_complete_stops_at_the_newline_and_matches_decoding_each_prompt_alone():
    """qa.complete (prompts of several lengths, k rows each, stopped once every row wrote a newline) gives, at
    temperature 0, each prompt's own full-length greedy decoding cut at its first newline."""
    from minigpt.worlds import qa

    tok = CharTokenizer.from_text(TEXT + "\n")
    model = GPT(tiny_config(vocab_size=tok.vocab_size, block_size=32), seed=3)
    newline, e = tok.encode("\n")[0], tok.encode("e")[0]
    with torch.no_grad():  # a newline where an "e" is likely: some prompts end at once, one after 2, some never
        model.lm_head.weight[newline] += 0.2 * model.lm_head.weight[e] / model.lm_head.weight[e].norm()
    prompts = [TEXT[i:i + n] for i, n in ((0, 3), (5, 4), (9, 3), (2, 6), (20, 5))]
    got = qa.complete(model, tok, prompts, 12, k=2)
    assert sorted(len(a[0]) for a in got) == [0, 2, 12, 12, 12]
    for prompt, answers in zip(prompts, got, strict=True):
        ids = generate(model, torch.tensor([tok.encode(prompt)]), 12, temperature=0)[0, len(prompt):].tolist()
        text = tok.decode(ids, skip_specials=False)
        assert answers == [text.split("\n")[0]] * 2


def test_top_k_keeps_exactly_k():
    logits = torch.tensor([[1.0, 5.0, 3.0, 4.0, 2.0]])
    kept = torch.isfinite(filter_logits(logits, top_k=2))
    assert kept.tolist() == [[False, True, False, True, False]]


def test_top_p_keeps_smallest_nucleus():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    logits = probs.log()
    assert torch.isfinite(filter_logits(logits, top_p=0.5)).tolist() == [[True, False, False, False]]
    assert torch.isfinite(filter_logits(logits, top_p=0.8)).tolist() == [[True, True, False, False]]
    assert torch.isfinite(filter_logits(logits, top_p=0.81)).tolist() == [[True, True, True, False]]
    assert torch.isfinite(filter_logits(logits, top_p=1.0)).all()


def test_samples_stay_in_support(tiny_model):
    idx = torch.zeros(64, 1, dtype=torch.long)
    tiny_model.eval()
    logits = tiny_model(idx)[:, -1]
    allowed = torch.isfinite(filter_logits(logits, top_k=3))[0]
    out = generate(tiny_model, idx, 1, temperature=1.5, top_k=3, generator=torch.Generator().manual_seed(0))
    assert allowed[out[:, 1]].all()


def test_kv_cache_equals_no_cache_over_50_tokens():
    model = GPT(tiny_config(block_size=64), seed=0)
    idx = torch.randint(0, 32, (3, 5))
    cached = generate(model, idx, 50, temperature=0, use_cache=True)
    plain = generate(model, idx, 50, temperature=0, use_cache=False)
    assert torch.equal(cached, plain)
    g1, g2 = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    assert torch.equal(generate(model, idx, 50, generator=g1), generate(model, idx, 50, generator=g2, use_cache=False))


def test_generation_past_block_size_slides_the_window(tiny_model):
    idx = torch.randint(0, 32, (2, 4))
    out = generate(tiny_model, idx, 30, temperature=0)  # block_size is 16
    assert out.shape == (2, 34)
    assert torch.equal(out, generate(tiny_model, idx, 30, temperature=0, use_cache=False))


def test_samples_can_be_trained_on(tiny_model):
    """generate runs in inference mode but returns a normal tensor: samples can become training data."""
    out = generate(tiny_model, torch.zeros(2, 1, dtype=torch.long), 5)
    assert not out.is_inference()
    _, loss = tiny_model(out[:, :-1], out[:, 1:])
    loss.backward()


def test_eval_mode_unless_mc_dropout_and_mode_restored():
    model = GPT(tiny_config(dropout=0.5), seed=0).train()
    idx = torch.zeros(8, 1, dtype=torch.long)
    a = generate(model, idx, 8, temperature=0)
    assert model.training  # restored
    assert (a == a[0]).all()  # eval mode: greedy rows are identical
    b = generate(model, idx, 8, temperature=0, mc_dropout=True)
    assert not (b == b[0]).all()  # dropout on: greedy rows differ


def test_mc_dropout_turns_on_dropout_only():
    """Monte Carlo dropout samples thinned networks; stochastic depth and embedding noise stay off."""
    model = GPT(tiny_config(drop_path=0.5, emb_noise_alpha=50.0), seed=0).train()
    idx = torch.zeros(8, 1, dtype=torch.long)
    out = generate(model, idx, 8, temperature=0, mc_dropout=True)
    assert (out == out[0]).all()  # no dropout configured: nothing random is left on
    assert model.training and model.h[0].drop_path.training  # every module's mode restored


@pytest.mark.parametrize("kw,field", [(dict(temperature=-1.0), "temperature"), (dict(top_p=0.0), "top_p"),
                                      (dict(top_k=0), "top_k"), (dict(max_new_tokens=-1), "max_new_tokens")])
def test_bad_sampling_arguments_name_the_field(tiny_model, kw, field):
    args = dict(max_new_tokens=3) | kw
    with pytest.raises(ValueError, match=field):
        generate(tiny_model, torch.zeros(1, 1, dtype=torch.long), **args)


def test_mc_dropout_after_moving_the_model_needs_no_use_generator_none():
    """MC dropout on a model whose noise generator is on another device (simulated): masks come from a generator on
    the model's device seeded from the original, so sampling runs and is reproducible."""
    def sample(generator):
        model = GPT(tiny_config(dropout=0.5), seed=0)
        model.use_generator(generator)
        return generate(model, torch.zeros(8, 1, dtype=torch.long), 8, temperature=0, mc_dropout=True)

    out = sample(FakeGenerator())
    assert torch.equal(out, sample(torch.Generator().manual_seed(FakeGenerator().initial_seed())))
    assert not (out == out[0]).all()  # dropout really was on


def test_sampling_generator_on_another_device_is_a_clear_error(tiny_model):
    with pytest.raises(ValueError, match="generator on cuda:0 is out of range for idx on cpu"):
        generate(tiny_model, torch.zeros(1, 1, dtype=torch.long), 3, generator=FakeGenerator())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_model_trained_on_cpu_samples_with_mc_dropout_on_cuda(stream, tok):
    model = GPT(ModelConfig(vocab_size=tok.vocab_size, block_size=16, n_layer=2, n_head=2, n_embd=16, dropout=0.3),
                seed=0)
    Trainer(model, TrainConfig(steps=3, batch_size=4, eval_interval=3), stream).fit()
    model.to("cuda")
    out = generate(model, torch.zeros(4, 1, dtype=torch.long, device="cuda"), 10, temperature=0, mc_dropout=True)
    assert out.device.type == "cuda" and ((0 <= out) & (out < tok.vocab_size)).all()
