import json
import os
import subprocess
import sys

from minigpt.__main__ import build_parser, main

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
