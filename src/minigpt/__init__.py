"""minigpt: a small GPT from scratch, with every regularization knob, for the book
"When to regularize, when to sharpen"."""

from .checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from .config import ModelConfig, SampleConfig, TrainConfig
from .model import GPT, KVCache
from .sample import generate
from .tokenizer import CharTokenizer
from .train import History, Trainer, device, lr_at, param_groups
from .version import __version__  # the one place the version is written; pyproject.toml reads it too

__all__ = [
    "GPT", "KVCache", "ModelConfig", "TrainConfig", "SampleConfig", "Trainer", "History", "generate",
    "CharTokenizer", "save_checkpoint", "load_checkpoint", "Checkpoint", "device", "lr_at", "param_groups",
    "__version__",
]
