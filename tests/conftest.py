import pytest
import torch

from minigpt import GPT, CharTokenizer, ModelConfig
from minigpt.runs import torch_threads

TEXT = "the cat sat on the mat. the dog ran in the fog. a bird sang in the tree. " * 20


@pytest.fixture
def tok():
    return CharTokenizer.from_text(TEXT)


@pytest.fixture
def stream(tok):
    return torch.tensor(tok.encode(TEXT), dtype=torch.long)


def tiny_config(**overrides) -> ModelConfig:
    kw = dict(vocab_size=32, block_size=16, n_layer=2, n_head=2, n_embd=16)
    kw.update(overrides)
    return ModelConfig(**kw)


@pytest.fixture
def tiny_model():
    return GPT(tiny_config(), seed=0)


@pytest.fixture
def one_thread():
    """One torch thread for the test (restored afterwards, so other tests keep their setting). These models are
    tiny: a second thread barely helps on an idle machine and, measured here, makes a step 3-5x slower when another
    process is busy."""
    with torch_threads(1):
        yield
