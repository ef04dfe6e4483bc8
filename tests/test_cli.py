import dataclasses
import json
import os
import subprocess
import sys

from minigpt import ModelConfig, SampleConfig, TrainConfig
from minigpt.__main__ import build_parser, config_from_args, main

TEXT = "the cat sat on the mat.\nthe dog ran in the fog.\n" * 40


def test_train_then_sample_end_to_end(tmp_path, capsys):
    text = tmp_path / "tiny.txt"
    text.write_text(TEXT)
    out = tmp_path / "run"
    rc = main(["train", "--text", str(text), "--steps", "40", "--block-size", "16", "--n-embd", "32",
               "--dropout", "0.1", "--weight-decay", "0.1", "--eval-interval", "20", "--out", str(out),
               "--device", "cpu"])
    assert rc == 0
    history = json.loads((out / "history.json").read_text())
    assert history["stop_reason"] == "completed" and len(history["train_loss"]) == 40
    assert history["eval_step"] == [20, 40]
    capsys.readouterr()
    assert main(["sample", str(out), "--temperature", "0.8", "--n", "3", "--prompt", "the ", "--max-new-tokens",
                 "20"]) == 0
    printed = capsys.readouterr().out
    assert printed.count("--- sample") == 3 and printed.count("the ") >= 3


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    text = tmp_path / "tiny.txt"
    text.write_text(TEXT)
    assert main(["train", "--text", str(text), "--dropout", "1.5", "--out", str(tmp_path / "r")]) == 2
    assert "dropout=1.5" in capsys.readouterr().err
    assert main(["sample", str(tmp_path / "nothing")]) == 2
    assert "no checkpoint" in capsys.readouterr().err


def test_help_documents_every_flag():
    sub = build_parser()._subparsers._group_actions[0].choices
    for parser in sub.values():
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"{action.option_strings} has no help text"
    result = subprocess.run([sys.executable, "-m", "minigpt", "train", "--help"], capture_output=True, text=True,
                            env=os.environ | {"PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0 and "--weight-decay" in result.stdout


def _subparser(name):
    return build_parser()._subparsers._group_actions[0].choices[name]


def test_flags_come_from_the_config_dataclasses():
    # every field is a flag whose default and help are the field's; the one deliberate exception is --device
    for command, classes in (("train", (ModelConfig, TrainConfig)), ("sample", (SampleConfig,))):
        actions = {a.dest: a for a in _subparser(command)._actions}
        for cls in classes:
            for f in dataclasses.fields(cls):
                if f.name == "vocab_size":
                    assert f.name not in actions  # taken from the text
                    continue
                a = actions[f.name]
                assert f"--{f.name.replace('_', '-')}" in a.option_strings
                assert a.help.startswith(f.metadata["help"].replace("%", "%%"))
                expected = "auto" if (cls, f.name) == (TrainConfig, "device") else f.default
                assert a.default == expected, f.name
    device = {a.dest: a for a in _subparser("train")._actions}["device"]
    assert "'auto'" in device.help and "TrainConfig to 'cpu'" in device.help  # the override is visible in --help


def test_every_earlier_flag_still_parses():
    args = build_parser().parse_args([
        "train", "--text", "t.txt", "--out", "r", "--val-fraction", "0.2", "--block-size", "8", "--n-layer", "1",
        "--n-head", "2", "--n-embd", "8", "--dropout", "0.1", "--drop-path", "0.1", "--emb-noise", "5",
        "--steps", "3", "--batch-size", "4", "--lr", "0.01", "--warmup-steps", "1", "--weight-decay", "0.1",
        "--grad-clip", "0.5", "--eval-interval", "2", "--seed", "7", "--device", "cpu"])
    assert (args.emb_noise_alpha, args.block_size, args.seed, args.device) == (5.0, 8, 7, "cpu")
    args = build_parser().parse_args(["sample", "run", "--prompt", "a", "--n", "2", "--max-new-tokens", "5",
                                      "--temperature", "0", "--top-k", "3", "--top-p", "0.9", "--mc-dropout",
                                      "--seed", "1"])
    assert (args.max_new_tokens, args.top_k, args.top_p, args.mc_dropout) == (5, 3, 0.9, True)


def test_new_flags_reach_the_configs():
    args = build_parser().parse_args([
        "train", "--text", "t.txt", "--out", "r", "--no-bias", "--dropout-schedule", "1", "0.5",
        "--attn-dropout", "0.2", "--batch-size", "none", "--betas", "0.8", "0.9", "--decay-embeddings"])
    m = config_from_args(ModelConfig, args, vocab_size=5)
    t = config_from_args(TrainConfig, args)
    assert m == ModelConfig(vocab_size=5, bias=False, dropout_schedule=(1.0, 0.5), attn_dropout=0.2)
    assert t == TrainConfig(batch_size=None, betas=(0.8, 0.9), decay_embeddings=True, device="auto")
