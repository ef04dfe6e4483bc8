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


# --- sweep --------------------------------------------------------------------------------------------------------

TINY_SWEEP = ["--set", "steps=4", "--set", "n_stories=8", "--set", "n_samples=2", "--fast", "--workers", "1"]


def _csv(path):
    import csv

    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_sweep_end_to_end_writes_results_and_summary(tmp_path, capsys):
    args = ["sweep", "overfit_stories", "--grid", "dropout=0,0.1", "--seeds", "0,1", *TINY_SWEEP,
            "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out")]
    assert main(args) == 0
    rows = _csv(tmp_path / "out" / "results.csv")
    assert [(r["dropout"], r["seed"]) for r in rows] == [("0.0", "0"), ("0.0", "1"), ("0.1", "0"), ("0.1", "1")]
    assert {"steps", "temperature", "device", "novel", "final_val_loss", "seconds", "cached"} <= set(rows[0])
    assert all(r["cached"] == "False" for r in rows)
    summary = _csv(tmp_path / "out" / "summary.csv")
    assert [(r["dropout"], r["n_seeds"]) for r in summary] == [("0.0", "2"), ("0.1", "2")]
    assert float(summary[0]["novel_low"]) <= float(summary[0]["novel"]) <= float(summary[0]["novel_high"])
    assert main(args) == 0  # again: every point from the cache
    assert all(r["cached"] == "True" for r in _csv(tmp_path / "out" / "results.csv"))
    assert "4 runs (4 from the cache)" in capsys.readouterr().out


def test_sweep_list_names_experiments_and_stages(capsys):
    assert main(["sweep", "--list"]) == 0
    out = capsys.readouterr().out
    assert "overfit_stories:" in out and "temperature = 0.8  (sampling)" in out and "dropout = 0.0  (training)" in out


def test_sweep_bad_input_fails_before_anything_runs(tmp_path, capsys):
    cache = tmp_path / "cache"
    for bad, message in ([["nope"], "experiment 'nope' is unknown"],
                         [["overfit_stories", "--grid", "zzz=1"], "no parameter 'zzz'"],
                         [["overfit_stories", "--grid", "dropout=0,1.5"], "dropout"],
                         [["overfit_stories", "--grid", "dropout=a"], "allowed a float"],
                         [["overfit_stories", "--grid", "dropout"], "NAME=VALUE"],
                         [["overfit_stories", "--seeds", "x"], "--seeds"],
                         [["overfit_stories", "--workers", "0"], "--workers"]):
        assert main(["sweep", *TINY_SWEEP, *bad, "--cache", str(cache), "--out", str(tmp_path / "o")]) == 2
        assert message in capsys.readouterr().err
    assert not cache.exists() and not (tmp_path / "o").exists()


def test_sweep_ctrl_c_keeps_finished_rows(tmp_path, monkeypatch, capsys):
    from minigpt.studies.overfitting import overfit_stories

    evaluate, calls = overfit_stories.evaluate_fn, []

    def interrupted_second_time(spec, trained):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return evaluate(spec, trained)

    monkeypatch.setattr(overfit_stories, "evaluate_fn", interrupted_second_time)
    rc = main(["sweep", "overfit_stories", "--grid", "dropout=0,0.1,0.2", *TINY_SWEEP,
               "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "out")])
    assert rc == 130 and "1 of 3 finished runs kept" in capsys.readouterr().out
    assert [r["dropout"] for r in _csv(tmp_path / "out" / "results.csv")] == ["0.0"]


def test_cache_check_counts_the_verdict_runs_for_this_code(tmp_path, capsys):
    from minigpt.runs import ResultCache, code_version, set_fast
    from minigpt.studies import STUDIES

    cache = ResultCache(tmp_path)
    cache.put("old", {"key": "old", "version": "0.0.1+oldcode"})  # made by other code: reported, never served
    assert main(["cache", "--check", "--fast", "--cache", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "0 results made by this code" in out and "1 made by other code (0.0.1+oldcode)" in out
    assert "verdict runs missing at fast scale" in out
    assert main(["cache", "--fast", "--cache", str(tmp_path)]) == 0  # without --check: a report only
    capsys.readouterr()
    with set_fast(True):  # stand-in results under the keys the verdict table reads (nothing is trained)
        for s in STUDIES:
            for experiment, points in s.module.verdict_runs():
                for p in points:
                    key = experiment.key(**p)
                    cache.put(key, {"key": key, "version": code_version()})
    assert main(["cache", "--check", "--fast", "--cache", str(tmp_path)]) == 0
    assert "complete for this code at fast scale" in capsys.readouterr().out
