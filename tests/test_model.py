import pytest
import torch

from minigpt import GPT, KVCache
from minigpt.model import NoiseSource, dropout, eval_mode

from .conftest import tiny_config


def test_shapes_and_loss(tiny_model):
    idx = torch.randint(0, 32, (3, 16))
    logits = tiny_model(idx)
    assert logits.shape == (3, 16, 32)
    logits2, loss = tiny_model(idx, idx)
    assert logits2.shape == (3, 16, 32) and loss.dim() == 0
    # a freshly initialized model is close to uniform: loss near ln(V)
    assert abs(loss.item() - torch.log(torch.tensor(32.0)).item()) < 0.5


def test_targets_minus_one_are_ignored(tiny_model):
    idx = torch.randint(0, 32, (2, 8))
    y = idx.clone()
    y[:, :4] = -1
    _, loss = tiny_model(idx, y)
    logits = tiny_model(idx)
    expected = torch.nn.functional.cross_entropy(logits[:, 4:].reshape(-1, 32), idx[:, 4:].reshape(-1))
    torch.testing.assert_close(loss, expected)


def test_too_long_sequence_names_block_size(tiny_model):
    with pytest.raises(ValueError, match="block_size=16"):
        tiny_model(torch.zeros(1, 17, dtype=torch.long))


@pytest.mark.parametrize("attention", ["sdpa", "manual"])
def test_causality(attention):
    model = GPT(tiny_config(attention=attention), seed=0).eval()
    idx = torch.randint(0, 32, (2, 12))
    changed = idx.clone()
    changed[:, 7] = (changed[:, 7] + 1) % 32
    a, b = model(idx), model(changed)
    torch.testing.assert_close(a[:, :7], b[:, :7])
    assert not torch.allclose(a[:, 7:], b[:, 7:])


def test_manual_attention_equals_sdpa():
    sdpa = GPT(tiny_config(), seed=0).eval()
    manual = GPT(tiny_config(attention="manual"), seed=0).eval()
    manual.load_state_dict(sdpa.state_dict())
    idx = torch.randint(0, 32, (4, 16))
    torch.testing.assert_close(manual(idx), sdpa(idx), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("attention", ["sdpa", "manual"])
def test_cache_prefill_and_step_equal_full_forward(attention):
    model = GPT(tiny_config(attention=attention), seed=0).eval()
    idx = torch.randint(0, 32, (2, 10))
    full = model(idx)
    cache = KVCache(model.config, 2)
    first = model(idx[:, :6], cache=cache)
    rest = model(idx[:, 6:], cache=cache)  # a multi-token chunk after a cache
    torch.testing.assert_close(torch.cat([first, rest], 1), full, atol=1e-5, rtol=1e-5)


def test_tied_weights_and_param_count():
    tied, untied = GPT(tiny_config(), seed=0), GPT(tiny_config(tie_weights=False), seed=0)
    assert tied.lm_head.weight is tied.wte.weight
    assert untied.num_params() - tied.num_params() == 32 * 16
    assert tied.num_params(non_embedding=True) == tied.num_params() - 16 * 16


def test_seeded_init_does_not_depend_on_the_global_rng():
    torch.manual_seed(1)
    a = GPT(tiny_config(), seed=3)
    torch.manual_seed(2)
    b = GPT(tiny_config(), seed=3)
    c = GPT(tiny_config(), seed=4)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.wte.weight, c.wte.weight)


def test_dropout_at_the_ends_of_its_range():
    """p is rounded to 1/256 on the CPU; rates that would round to 0 or 1 use an exact mask instead."""
    x = torch.ones(200_000)
    g = torch.Generator().manual_seed(0)
    tiny = dropout(x, 0.001, generator=g)
    assert 0 < (tiny == 0).float().mean() < 0.003  # not silently 0
    huge = dropout(x, 0.999, generator=g)
    assert 0.997 < (huge == 0).float().mean() < 1.0 and torch.isfinite(huge).all()
    assert (dropout(x, 0.2, generator=g) == 0).float().mean() == pytest.approx(51 / 256, abs=0.005)


@pytest.mark.parametrize("knob", [dict(dropout=0.3), dict(attn_dropout=0.3), dict(drop_path=0.5),
                                  dict(emb_noise_alpha=5.0), dict(emb_dropout=0.3)])
def test_every_knob_is_on_in_train_and_off_in_eval(knob):
    model = GPT(tiny_config(**knob), seed=0)
    idx = torch.randint(0, 32, (4, 16))
    model.eval()
    assert torch.equal(model(idx), model(idx))
    plain = GPT(tiny_config(), seed=0).eval()
    plain.load_state_dict(model.state_dict())
    torch.testing.assert_close(model(idx), plain(idx))  # eval mode = no regularization at all
    model.train()
    assert not torch.allclose(model(idx), model(idx))


def test_dropout_schedule_spares_last_layer():
    model = GPT(tiny_config(dropout=0.2, dropout_schedule=(1.0, 0.0)), seed=0)
    assert model.h[0].attn.attn_dropout.p == pytest.approx(0.2)
    assert model.h[1].attn.attn_dropout.p == 0.0 and model.h[1].mlp.dropout.p == 0.0
    assert model.emb_dropout.p == pytest.approx(0.2)


def test_dropout_rate_and_scale():
    x = torch.ones(200_000)
    y = dropout(x, 0.25)
    assert abs((y == 0).float().mean().item() - 0.25) < 0.01
    assert abs(y.mean().item() - 1.0) < 0.02  # inverted dropout keeps the expectation
    assert torch.equal(dropout(x, 0.25, training=False), x)


def test_drop_path_rates_grow_with_depth():
    model = GPT(tiny_config(n_layer=4, drop_path=0.4), seed=0)
    assert [round(b.drop_path.p, 3) for b in model.h] == [0.1, 0.2, 0.3, 0.4]


def test_state_dict_keys_map_to_nanogpt_by_a_transformer_prefix():
    # the mapping src/minigpt/model.py's docstring states; the keys themselves are pinned (checkpoints use them)
    model = GPT(tiny_config(n_layer=1), seed=0)
    ours = list(model.state_dict())
    block = [f"h.0.{m}.{p}" for m in ("ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj")
             for p in ("weight", "bias")]
    assert ours == ["wte.weight", "wpe.weight", *block, "ln_f.weight", "ln_f.bias", "lm_head.weight"]
    nanogpt = [k if k.startswith("lm_head.") else f"transformer.{k}" for k in ours]
    assert nanogpt[:3] == ["transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.ln_1.weight"]
    assert nanogpt[-1] == "lm_head.weight"


class FakeGenerator:
    """Stands in for a generator on a GPU this machine does not have: it has a device and a seed, and nothing else,
    so any attempt by torch to draw from it fails."""

    device = torch.device("cuda", 0)

    def initial_seed(self) -> int:
        return 123


def test_noise_source_uses_its_own_generator_on_its_own_device():
    g = torch.Generator().manual_seed(5)
    noise = NoiseSource(g)
    assert noise.generator_for(torch.device("cpu")) is g and noise.twins == {}  # CPU draws are what they were


KNOBS = dict(dropout=0.3, drop_path=0.5, emb_noise_alpha=5.0)


def test_noise_generator_follows_the_model_to_another_device():
    """A model whose noise generator is on another device than its tensors (trained on one device, then moved)
    draws from one twin generator on the tensors' device, seeded from the original: no device mismatch, and the
    same draws as a generator seeded like that."""
    model = GPT(tiny_config(**KNOBS), seed=0).train()
    model.use_generator(FakeGenerator())
    idx = torch.randint(0, 32, (4, 16))
    out = model(idx)  # dropout, stochastic depth and embedding noise all draw
    sources = {id(m.noise) for m in model.modules() if hasattr(m, "noise")}
    assert len(sources) == 1  # one stream shared by every site
    twins = model.noise.twins
    assert list(twins) == [torch.device("cpu")] and twins[torch.device("cpu")].initial_seed() == 123
    same = GPT(tiny_config(**KNOBS), seed=0).train()
    same.use_generator(torch.Generator().manual_seed(123))
    assert torch.equal(out, same(idx))
    assert torch.equal(model(idx), same(idx))  # the twin is kept and advances, like a generator of its own


def test_eval_mode_turns_regularizers_off_and_gives_the_mode_back(tiny_model):
    for mode in (True, False):
        tiny_model.train(mode)
        with pytest.raises(RuntimeError), eval_mode(tiny_model) as m:  # restored on an error too
            assert m is tiny_model and not any(x.training for x in tiny_model.modules())
            raise RuntimeError
        assert all(x.training == mode for x in tiny_model.modules())
