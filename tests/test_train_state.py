"""Resumable training (model/train_state.py) through train.py: a paused run resumes and ends exactly
where an uninterrupted one does, a run killed while saving resumes from its last whole snapshot, and
snapshots of another job or broken ones are refused with a clear message."""
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from model import classify
from model import train_command as train_cli

ROOT = Path(__file__).resolve().parents[1]
RESUMABLE = ["--synthetic", 30, "--categories", "circle,line,zigzag", "--epochs", 3, "--batch-size", 16, "--calibrate", 2,
             "--threads", 1, "--eval", "none", "--quiet"]
# Runs train.py in a child process that SIGKILLs itself while its second snapshot is being written:
# after the new file's bytes are out but before it replaces the previous snapshot.
DIES_MID_SAVE = """
import os, runpy, signal, sys
saves = []
real_fsync = os.fsync
def fsync(fd):
    saves.append(fd)
    if len(saves) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    real_fsync(fd)
os.fsync = fsync
sys.argv = ["train.py"] + sys.argv[1:]
runpy.run_path("train.py", run_name="__main__")
"""


def weights_of(path):
    return torch.load(path, weights_only=True)["weights"]


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def uninterrupted(tmp_path, run_train):
    out = tmp_path / "whole.pt"
    assert run_train(RESUMABLE + ["--out", out])[0] == 0
    return out


def test_a_paused_run_resumes_and_ends_exactly_where_an_uninterrupted_one_does(tmp_path, run_train):
    whole = uninterrupted(tmp_path, run_train)
    state, out = tmp_path / "run.state", tmp_path / "resumed.pt"
    code, printed = run_train(RESUMABLE + ["--out", out, "--resume", state, "--max-steps", 5, "--save-every", 2])
    assert code == 0 and "paused" in printed and state.is_file() and not out.exists()
    code, printed = run_train(RESUMABLE + ["--out", out, "--resume", state, "--max-steps", 14])  # past an epoch
    assert code == 0 and "resuming from" in printed and "epoch 1, step 5 of 12" in printed
    code, printed = run_train(RESUMABLE + ["--out", out, "--resume", state])
    assert code == 0 and "epoch 2, step 2 of 12" in printed and out.is_file()
    assert same_weights(weights_of(out), weights_of(whole))
    histories = [torch.load(p, weights_only=True)["training"]["history"] for p in (out, whole)]
    assert [h["loss"] for h in histories[0]] == [h["loss"] for h in histories[1]]
    code, printed = run_train(RESUMABLE + ["--out", out, "--resume", state])  # finished: nothing to redo
    assert code == 0 and "nothing left to train" in printed and same_weights(weights_of(out), weights_of(whole))


def test_a_run_killed_while_saving_resumes_from_its_last_whole_snapshot(tmp_path, run_train):
    whole = uninterrupted(tmp_path, run_train)
    state, out = tmp_path / "run.state", tmp_path / "resumed.pt"
    argv = [str(a) for a in RESUMABLE + ["--out", out, "--resume", state, "--save-every", 4]]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([sys.executable, "-c", DIES_MID_SAVE, *argv], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    assert not out.exists() and state.is_file()
    snapshot = torch.load(state, weights_only=True)
    assert snapshot["position"] == {"epoch": 1, "step": 4, "global_step": 4}  # the first save; the second died
    code, printed = run_train(argv)
    assert code == 0 and "epoch 1, step 4 of 12" in printed
    assert same_weights(weights_of(out), weights_of(whole))


def test_snapshots_of_another_job_or_broken_ones_are_refused(tmp_path, capsys, run_train):
    state = tmp_path / "run.state"
    assert run_train(RESUMABLE + ["--out", tmp_path / "a.pt", "--resume", state, "--max-steps", 2])[0] == 0
    for argv, message in [
        (RESUMABLE + ["--epochs", 4, "--resume", state], "training.epochs: 3 in the snapshot, 4 now"),
        (RESUMABLE + ["--categories", "circle,line", "--resume", state], "another training job"),
        (RESUMABLE + ["--resume", classify.BUNDLED_PATH], "not a pennydraw training snapshot"),
        (RESUMABLE + ["--resume", tmp_path / "cut.state"], "not a readable training snapshot"),
        (RESUMABLE + ["--max-steps", 3], "--max-steps needs --resume"),
        (RESUMABLE + ["--save-every", 0, "--resume", state], "--save-every must be at least 1"),
    ]:
        (tmp_path / "cut.state").write_bytes(state.read_bytes()[:300])
        with pytest.raises(SystemExit) as caught:
            train_cli.main([str(a) for a in argv])
        assert message in str(caught.value.code), (argv, caught.value.code)
    capsys.readouterr()
