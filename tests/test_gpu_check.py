"""benchmarks/gpu_check.py on the CPU, in its --quick mode: the script a GPU run relies on works end to end."""

import json
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_gpu_check_runs_on_the_cpu_and_its_checks_pass(tmp_path):
    out = tmp_path / "gpu_check.json"
    src = str(BENCHMARKS.parent / "src")  # this checkout's package, installed or not
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "gpu_check.py"), "--device", "cpu", "--quick", "--out",
                           str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    assert result["device"] == "cpu" and result["quick"] and result["failed"] == []
    assert result["peak_tflops"] is None  # no MFU without a known peak
    rows = {r["step"]: r for r in result["rows"]}
    assert list(rows) == ["train_reference", "train_big", "losses_match_cpu", "kv_cache_matches",
                          "mc_dropout_after_move", "top_k_top_p", "experiment_end_to_end"]
    for row in result["rows"]:
        assert {"step", "name", "status", "seconds", "ok", "summary"} <= row.keys()
        assert row["status"] in ("pass", "measured"), row
    for name in ("train_reference", "train_big"):
        assert rows[name]["tok_s"] > 0 and rows[name]["model_tflops"] > 0 and "mfu" not in rows[name]
    assert rows["losses_match_cpu"]["max_abs_diff"] == 0.0  # CPU against CPU: bit for bit
    assert all(r["equal"] for r in rows["kv_cache_matches"]["runs"])
    assert rows["mc_dropout_after_move"]["reproducible"] and rows["mc_dropout_after_move"]["rows_differ"]
    assert rows["top_k_top_p"]["top_k=5"]["valid"] and rows["top_k_top_p"]["top_p=0.9"]["valid"]
    assert rows["experiment_end_to_end"]["status"] == "pass"  # cache hit equal, temperature re-samples the model


def test_a_failing_step_is_a_failed_row_not_a_crash(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import gpu_check

    def broken(check):
        """a step that breaks"""
        raise RuntimeError("boom")

    row = gpu_check.run_step(None, broken)
    assert row["status"] == "FAIL" and row["ok"] is False and "RuntimeError: boom" in row["error"]
