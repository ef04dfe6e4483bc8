import math
import threading

import pytest
import torch

from minigpt import GPT, TrainConfig, Trainer, lr_at, param_groups
from minigpt.train import clip_gradients, trim_padding

from .conftest import tiny_config


def make_trainer(stream, tok, steps=30, **kw):
    model = GPT(tiny_config(vocab_size=tok.vocab_size), seed=0)
    cfg = TrainConfig(steps=steps, batch_size=8, lr=3e-3, eval_interval=10, **kw)
    return Trainer(model, cfg, stream, stream[-200:])


def test_overfits_one_batch_to_near_zero_loss():
    torch.manual_seed(0)
    X = torch.randint(0, 32, (4, 16))
    Y = torch.roll(X, -1, dims=1)
    model = GPT(tiny_config(n_embd=32), seed=0)
    h = Trainer(model, TrainConfig(steps=300, batch_size=None, lr=1e-2, eval_interval=300), (X, Y)).fit()
    assert h.train_loss[0] > 3.0 and h.train_loss[-1] < 0.05


def test_history_records_every_step_and_eval(stream, tok):
    h = make_trainer(stream, tok).fit()
    assert h.stop_reason == "completed"
    assert h.step == list(range(30)) and len(h.train_loss) == len(h.lr) == len(h.grad_norm) == 30
    assert h.eval_step == [10, 20, 30] and len(h.val_loss) == 3 and all(math.isfinite(v) for v in h.val_loss)
    assert h.train_loss[-1] < h.train_loss[0]


def test_same_seed_same_losses_bit_for_bit(stream, tok):
    a = make_trainer(stream, tok, seed=1)
    b = make_trainer(stream, tok, seed=1)
    a.model = a.model  # both start from GPT(seed=0)
    ha, hb = a.fit(), b.fit()
    assert ha.train_loss == hb.train_loss and ha.val_loss == hb.val_loss
    hc = make_trainer(stream, tok, seed=2).fit()
    assert hc.train_loss != ha.train_loss


def test_same_seed_same_losses_with_dropout(stream, tok):
    def run():
        model = GPT(tiny_config(vocab_size=tok.vocab_size, dropout=0.2, drop_path=0.1), seed=0)
        return Trainer(model, TrainConfig(steps=10, batch_size=8, eval_interval=100), stream).fit().train_loss

    assert run() == run()


def test_noise_does_not_depend_on_other_threads_random_draws(stream, tok):
    """Dropout masks, stochastic depth and embedding noise come from the trainer's own generator: a run in a
    background thread (a live explorer) is reproducible while the notebook draws random numbers meanwhile."""

    def run(disturb: bool):
        model = GPT(tiny_config(vocab_size=tok.vocab_size, dropout=0.2, drop_path=0.1, emb_noise_alpha=5.0), seed=0)
        trainer = Trainer(model, TrainConfig(steps=10, batch_size=8, eval_interval=100), stream)
        if disturb:  # what another thread might do between any two steps
            trainer.add_callback("on_step_end", lambda t: (torch.manual_seed(t.step), torch.rand(1000)))
        return trainer.fit().train_loss

    assert run(False) == run(True)


def test_stop_before_fit_is_not_lost(stream, tok):
    trainer = make_trainer(stream, tok, steps=5)
    trainer.stop()  # e.g. a slider moved again before the worker thread reached fit()
    h = trainer.fit()
    assert h.stop_reason == "stopped" and h.step == []
    assert trainer.fit().stop_reason == "completed"  # one stop ends one fit


def test_full_batch_of_a_token_stream_is_an_error(stream, tok):
    model = GPT(tiny_config(vocab_size=tok.vocab_size), seed=0)
    with pytest.raises(ValueError, match="batch_size=None"):
        Trainer(model, TrainConfig(steps=5, batch_size=None), stream)


def test_callbacks_fire_and_stop_keeps_partial_history(stream, tok):
    tr = make_trainer(stream, tok, steps=1000)
    seen = {"step": 0, "eval": 0, "end": 0}
    tr.add_callback("on_step_end", lambda t: seen.__setitem__("step", seen["step"] + 1))
    tr.add_callback("on_eval", lambda t: seen.__setitem__("eval", seen["eval"] + 1))
    tr.add_callback("on_end", lambda t: seen.__setitem__("end", seen["end"] + 1))
    tr.add_callback("on_step_end", lambda t: t.stop() if t.step == 25 else None)
    h = tr.fit()
    assert h.stop_reason == "stopped" and tr.step == 25 and len(h.train_loss) == 25
    assert seen == {"step": 25, "eval": 2, "end": 1}
    with pytest.raises(ValueError, match="event"):
        tr.add_callback("on_batch", print)


def test_stop_from_another_thread(stream, tok):
    tr = make_trainer(stream, tok, steps=100_000)
    started = threading.Event()
    tr.add_callback("on_step_end", lambda t: started.set())
    thread = threading.Thread(target=tr.fit)
    thread.start()
    assert started.wait(30)
    tr.stop()
    thread.join(30)
    assert not thread.is_alive() and tr.history.stop_reason == "stopped" and 0 < tr.step < 100_000


def test_keyboard_interrupt_keeps_history(stream, tok):
    tr = make_trainer(stream, tok, steps=100)

    def interrupt(t):
        if t.step == 7:
            raise KeyboardInterrupt

    tr.add_callback("on_step_end", interrupt)
    h = tr.fit()
    assert h.stop_reason == "interrupted" and len(h.train_loss) == 7


def test_nan_loss_stops_with_clear_error(stream, tok):
    tr = make_trainer(stream, tok, steps=50)
    tr.add_callback("on_step_end", lambda t: t.model.lm_head.weight.data.fill_(float("nan")) if t.step == 5 else None)
    with pytest.raises(FloatingPointError, match="at step 5"):
        tr.fit()
    assert tr.history.stop_reason == "nan" and len(tr.history.train_loss) == 5


@pytest.mark.parametrize("max_norm", [0.0, 1e-3, 0.5, 1e6])
def test_clip_gradients_is_clip_grad_norm_bit_for_bit(max_norm):
    """The same norm and gradients as torch's clip_grad_norm_ (0: no limit), clipping or not."""
    models = [GPT(tiny_config(), seed=0) for _ in range(2)]
    x = torch.randint(0, 32, (4, 16), generator=torch.Generator().manual_seed(0))
    for m in models:
        m(x, x)[1].backward()
    ours = clip_gradients(list(models[0].parameters()), max_norm)
    theirs = torch.nn.utils.clip_grad_norm_(models[1].parameters(), max_norm if max_norm > 0 else math.inf)
    assert torch.equal(ours, theirs)
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(models[0].parameters(), models[1].parameters(),
                                                           strict=True))


def test_param_groups_cover_every_parameter_once():
    model = GPT(tiny_config(tie_weights=False), seed=0)
    groups = param_groups(model, 0.1)
    ids = [id(p) for g in groups for p in g["params"]]
    assert sorted(ids) == sorted(id(p) for p in model.parameters())
    decayed = {id(p) for p in groups[0]["params"]}
    names = {n for n, p in model.named_parameters() if id(p) in decayed}
    assert all(n.endswith("weight") and "ln_" not in n for n in names)  # biases and norms never decay
    assert "wte.weight" not in names and "wpe.weight" not in names  # embeddings spared by default
    assert "lm_head.weight" in names and "h.1.mlp.c_fc.weight" in names


def test_decay_switches():
    model = GPT(tiny_config(tie_weights=False), seed=0)

    def decayed(**kw):
        ids = {id(p) for p in param_groups(model, 0.1, **kw)[0]["params"]}
        return {n for n, p in model.named_parameters() if id(p) in ids}

    assert {"wte.weight", "wpe.weight"} <= decayed(decay_embeddings=True)
    spared = decayed(decay_final_layers=False)
    assert "lm_head.weight" not in spared and not any(n.startswith("h.1.") for n in spared)
    assert "h.0.attn.c_attn.weight" in spared


def test_lr_schedule():
    cfg = TrainConfig(steps=100, lr=1e-3, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_at(0, cfg) == pytest.approx(1e-4)
    assert lr_at(9, cfg) == pytest.approx(1e-3)  # warmup ends at the peak
    assert lr_at(10, cfg) == pytest.approx(1e-3)
    assert lr_at(99, cfg) == pytest.approx(1e-4)  # the last step reaches lr * min_lr_ratio
    assert all(lr_at(s, cfg) >= lr_at(s + 1, cfg) for s in range(10, 99))


def test_full_batch_rows_and_masked_targets():
    X = torch.randint(0, 32, (6, 8))
    Y = torch.full_like(X, -1)
    Y[:, -1] = 3
    model = GPT(tiny_config(), seed=0)
    h = Trainer(model, TrainConfig(steps=60, batch_size=None, lr=1e-2, eval_interval=60), (X, Y), (X, Y)).fit()
    assert h.val_loss[-1] < 0.05  # only the last position is scored, and it is always token 3


def test_trailing_padding_is_cut_and_changes_neither_loss_nor_gradients():
    torch.manual_seed(0)
    X = torch.randint(0, 32, (5, 12))
    Y = torch.randint(0, 32, (5, 12))
    Y[:, 7:] = -1  # no row has a loss after column 6
    Y[2, 1:] = -1  # a short row
    x, y = trim_padding(X, Y)
    assert x.shape == y.shape == (5, 7) and torch.equal(x, X[:, :7]) and torch.equal(y, Y[:, :7])
    losses, grads = [], []
    for a, b in ((X, Y), (x, y)):
        model = GPT(tiny_config(), seed=0)
        _, loss = model(a, b)
        loss.backward()
        losses.append(loss.item())
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters()]))
    assert math.isclose(losses[0], losses[1], rel_tol=1e-6)
    assert torch.allclose(grads[0], grads[1], atol=1e-7)
    assert trim_padding(X, torch.full_like(Y, -1))[0].shape == X.shape  # nothing to score: left as it is


def test_a_restored_snapshot_trains_on_bit_for_bit(stream, tok):
    def trainer(seed):  # dropout on for steps 0-14 of 30: the snapshot at 13 is mid-way through its draws
        model = GPT(tiny_config(vocab_size=tok.vocab_size, dropout=0.2), seed=seed)
        cfg = TrainConfig(steps=30, batch_size=8, lr=3e-3, eval_interval=10, dropout_window=(0.0, 0.5))
        return Trainer(model, cfg, stream, stream[-200:])

    whole, snap = trainer(0), {}
    whole.add_callback("on_step_end", lambda t: snap.update(t.snapshot()) if t.step == 13 else None)
    whole.fit()
    later = trainer(5)  # other initial weights: the snapshot's must replace them
    later.restore(snap)
    assert snap["step"] == 13 and len(snap["history"].train_loss) == 13  # the snapshot is left as it was
    later.fit()
    assert later.history.train_loss == whole.history.train_loss
    assert all(torch.equal(a, b) for a, b in zip(later.model.state_dict().values(),
                                                 whole.model.state_dict().values(), strict=True))


def _rows(n: int = 40):
    X = torch.randint(0, 32, (n, 8), generator=torch.Generator().manual_seed(0))
    return X, torch.roll(X, -1, dims=1)


def test_eval_rows_evaluates_the_first_rows_only():
    X, Y = _rows()

    def trainer(**options):
        cfg = TrainConfig(steps=4, batch_size=8, eval_interval=2)
        return Trainer(GPT(tiny_config(), seed=0), cfg, (X, Y), **options)

    few, every = trainer(eval_rows=10), trainer()
    h, h_every = few.fit(), every.fit()
    assert h.train_loss == h_every.train_loss and h.eval_step == h_every.eval_step == [2, 4]  # the same training
    assert h.eval_train_loss[-1] == few.estimate_loss((X[:10], Y[:10])) != h_every.eval_train_loss[-1]
    seen = []
    few.add_callback("on_eval", lambda t: seen.append(t.step))
    few.evaluate()  # what fit does at an evaluation step: record the current step, then fire on_eval
    assert h.eval_step == [2, 4, 4] and len(h.eval_train_loss) == 3 and seen == [4]
    with pytest.raises(ValueError, match="eval_rows"):
        trainer(eval_rows=0)
    with pytest.raises(ValueError, match="eval_rows"):
        Trainer(GPT(tiny_config(), seed=0), TrainConfig(), torch.zeros(100, dtype=torch.long), eval_rows=4)


def test_batches_give_the_training_batches():
    X, Y = _rows(6)
    made = []

    def first_two(rows, batch_size, generator):  # the same two rows at every step
        made.append((batch_size, generator))
        while True:
            yield rows[0][:2], rows[1][:2]

    custom = Trainer(GPT(tiny_config(), seed=0), TrainConfig(steps=5, batch_size=2, eval_interval=5), (X, Y),
                     batches=first_two)
    full = Trainer(GPT(tiny_config(), seed=0), TrainConfig(steps=5, batch_size=None, eval_interval=5), (X[:2], Y[:2]))
    assert custom.fit().train_loss == full.fit().train_loss  # trained on those two rows, bit for bit
    assert made == [(2, custom.batch_gen)]  # made once, at the first step, with the trainer's batch generator
    with pytest.raises(ValueError, match="batches"):
        custom.snapshot()  # its position in the order could not be restored


def test_bad_data_is_a_clear_error():
    model = GPT(tiny_config(), seed=0)
    with pytest.raises(ValueError, match="train_data"):
        Trainer(model, TrainConfig(), torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="val_data"):
        Trainer(model, TrainConfig(), torch.zeros(100, dtype=torch.long), (torch.zeros(2, 3), torch.zeros(2, 4)))
