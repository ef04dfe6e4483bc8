"""DistributedDataParallel on the CPU: two gloo processes must train exactly like one process on their joint batch."""

import os
import socket

import torch
import torch.multiprocessing as mp

from minigpt import GPT, TrainConfig, Trainer

from .conftest import tiny_config

STEPS = 5


def data():
    g = torch.Generator().manual_seed(0)
    X = torch.randint(0, 32, (8, 16), generator=g)
    return X, torch.roll(X, -1, dims=1)


def train(world: int, rank: int = 0) -> list[float]:
    model = GPT(tiny_config(), seed=0)
    cfg = TrainConfig(steps=STEPS, batch_size=None, lr=1e-2, weight_decay=0.1, eval_interval=100)
    trainer = Trainer(model, cfg, data())
    assert trainer.world == world and trainer.rank == rank
    return trainer.fit().train_loss


def worker(rank: int, port: int, out: str) -> None:
    os.environ.update(WORLD_SIZE="2", RANK=str(rank), MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    losses = train(world=2, rank=rank)
    torch.save(losses, f"{out}.{rank}")
    torch.distributed.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_match_one_process(tmp_path, monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    single = train(world=1)
    mp.spawn(worker, args=(free_port(), str(tmp_path / "losses")), nprocs=2, join=True)
    rank0, rank1 = (torch.load(tmp_path / f"losses.{r}") for r in range(2))
    assert rank0 == rank1  # the logged loss is averaged across ranks
    torch.testing.assert_close(torch.tensor(rank0), torch.tensor(single), rtol=1e-5, atol=1e-6)
    assert single[-1] < single[0]
