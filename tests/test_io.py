"""Tokenizer, configs, checkpoints: the edges where bad input must be a clear error that loses nothing."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from minigpt import (
    GPT,
    CharTokenizer,
    History,
    ModelConfig,
    SampleConfig,
    TrainConfig,
    load_checkpoint,
    save_checkpoint,
)

from .conftest import tiny_config


def test_tokenizer_round_trip_and_specials():
    tok = CharTokenizer.from_text("hello world")
    assert tok.decode(tok.encode("hello")) == "hello"
    ids = tok.encode("lo", bos=True, eos=True)
    assert ids[0] == tok.special_id("<bos>") and ids[-1] == tok.special_id("<eos>")
    assert tok.decode(ids) == "lo" and tok.decode(ids, skip_specials=False) == "<bos>lo<eos>"
    assert CharTokenizer.from_dict(tok.to_dict()).itos == tok.itos


def test_unknown_characters_are_listed():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"\['x', 'z'\]"):
        tok.encode("axbz")


@pytest.mark.parametrize("cls,kw,field", [
    (ModelConfig, dict(vocab_size=10, dropout=1.5), "dropout"),
    (ModelConfig, dict(vocab_size=10, n_embd=30, n_head=4), "n_embd"),
    (ModelConfig, dict(vocab_size=0), "vocab_size"),
    (ModelConfig, dict(vocab_size=10, attention="flash"), "attention"),
    (ModelConfig, dict(vocab_size=10, dropout_schedule=(1.0,)), "dropout_schedule"),
    (TrainConfig, dict(lr=-1.0), "lr"),
    (TrainConfig, dict(weight_decay=float("nan")), "weight_decay"),
    (TrainConfig, dict(device="tpu"), "device"),
    (TrainConfig, dict(steps=10, warmup_steps=10), "warmup_steps"),
    (SampleConfig, dict(temperature=-1.0), "temperature"),
    (SampleConfig, dict(top_p=0.0), "top_p"),
])
def test_config_errors_name_field_and_range(cls, kw, field):
    with pytest.raises(ValueError, match=rf"^{field}=.*allowed"):
        cls(**kw)


bad_rate = st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=1.0), st.just(float("nan")),
                     st.just(float("inf")))


@given(rate=bad_rate, site=st.sampled_from(["dropout", "attn_dropout", "resid_dropout", "emb_dropout", "drop_path"]))
def test_any_invalid_rate_is_rejected(rate, site):
    with pytest.raises(ValueError, match=site):
        ModelConfig(vocab_size=10, **{site: rate})


@given(n_embd=st.integers(1, 512), n_head=st.integers(1, 16))
def test_head_divisibility(n_embd, n_head):
    if n_embd % n_head:
        with pytest.raises(ValueError, match="n_embd"):
            ModelConfig(vocab_size=5, n_embd=n_embd, n_head=n_head)
    else:
        ModelConfig(vocab_size=5, n_embd=n_embd, n_head=n_head)


@given(t=st.one_of(st.floats(max_value=-1e-9), st.floats(min_value=100.01), st.just(float("nan"))),
       p=st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0001), st.just(float("nan"))),
       k=st.integers(max_value=0))
def test_invalid_sampling_values(t, p, k):
    for kw, field in ((dict(temperature=t), "temperature"), (dict(top_p=p), "top_p"), (dict(top_k=k), "top_k")):
        with pytest.raises(ValueError, match=field):
            SampleConfig(**kw)


def test_checkpoint_round_trip(tmp_path):
    tok = CharTokenizer.from_text("abcdef")
    cfg = tiny_config(vocab_size=tok.vocab_size)
    model = GPT(cfg, seed=0)
    hist = History(step=[0], train_loss=[1.5], val_loss=[math.nan], stop_reason="completed")
    path = save_checkpoint(tmp_path / "run" / "model.pt", model, cfg, hist, tok, TrainConfig(steps=7))
    ck = load_checkpoint(path)
    assert ck.config == cfg and ck.tokenizer.itos == tok.itos and ck.train_config.steps == 7
    assert ck.history.train_loss == [1.5] and ck.history.stop_reason == "completed"
    idx = torch.randint(0, tok.vocab_size, (2, 8))
    torch.testing.assert_close(ck.model(idx), model.eval()(idx))
    assert ck.model.lm_head.weight is ck.model.wte.weight  # tying survives loading
    assert [p.name for p in tmp_path.joinpath("run").iterdir()] == ["model.pt"]  # no temp file left behind


def test_truncated_and_foreign_files_are_clear_errors(tmp_path):
    cfg = tiny_config()
    path = save_checkpoint(tmp_path / "model.pt", GPT(cfg, seed=0), cfg)
    data = path.read_bytes()
    (tmp_path / "cut.pt").write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a readable minigpt checkpoint"):
        load_checkpoint(tmp_path / "cut.pt")
    (tmp_path / "text.pt").write_text("hello")
    with pytest.raises(ValueError, match="not a readable minigpt checkpoint"):
        load_checkpoint(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a minigpt checkpoint"):
        load_checkpoint(tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")


def test_failed_save_keeps_previous_checkpoint(tmp_path, monkeypatch):
    cfg = tiny_config()
    path = save_checkpoint(tmp_path / "model.pt", GPT(cfg, seed=0), cfg)
    before = path.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, GPT(cfg, seed=1), cfg)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["model.pt"]
