"""Devices, precision and processes (model/distributed.py), and a real 2-process torchrun run of train.py."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from model import train_command as train_cli
from model import classify, datasets, distributed, net, training

ROOT = Path(__file__).resolve().parents[1]
JOB = ["--synthetic", 60, "--categories", "circle,line,zigzag,star", "--epochs", 3, "--batch-size", 32, "--calibrate", 2,
       "--eval", "none", "--quiet"]


def test_devices_are_chosen_or_refused_with_a_clear_message():
    assert distributed.resolve_device("cpu", cuda_available=True).type == "cpu"
    assert distributed.resolve_device("auto", cuda_available=False).type == "cpu"
    with pytest.raises(distributed.RuntimeChoiceError, match="no CUDA GPU.*--device cpu"):
        distributed.resolve_device("cuda", cuda_available=False)
    with pytest.raises(distributed.RuntimeChoiceError, match="one of auto, cpu, cuda"):
        distributed.resolve_device("gpu0")


def test_precision_is_fp32_on_the_cpu_and_mixed_on_a_gpu():
    cpu, gpu = torch.device("cpu"), torch.device("cuda", 0)
    assert distributed.resolve_precision("auto", cpu) == "fp32"
    assert distributed.resolve_precision("bf16", cpu) == "bf16"
    assert distributed.resolve_precision("auto", gpu, bf16_supported=True) == "bf16"
    assert distributed.resolve_precision("auto", gpu, bf16_supported=False) == "fp16"
    with pytest.raises(distributed.RuntimeChoiceError, match="for GPUs"):
        distributed.resolve_precision("fp16", cpu)
    with pytest.raises(distributed.RuntimeChoiceError, match="no bfloat16"):
        distributed.resolve_precision("bf16", gpu, bf16_supported=False)
    assert distributed.Runtime(precision="fp16").scaler().is_enabled()
    assert not distributed.Runtime(precision="bf16").scaler().is_enabled()


def test_a_plain_run_is_one_process_and_torchruns_environment_is_read():
    runtime = distributed.start("cpu", "auto", env={})
    assert (runtime.rank, runtime.world, runtime.is_main, runtime.distributed) == (0, 1, True, False)
    assert runtime.all_sum([2.0, 3.0]) == [2.0, 3.0] and runtime.all_min(7) == 7
    other = distributed.Runtime(rank=1, world=2, local_world=2)
    assert not other.is_main and distributed.default_threads(other) >= 1


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_train_py_refuses_cuda_without_a_gpu_in_one_line():
    with pytest.raises(SystemExit) as caught:
        train_cli.main(["--synthetic", "5", "--device", "cuda"])
    assert "no CUDA GPU" in str(caught.value.code) and "\n" not in str(caught.value.code)


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_trains_the_same_network_up_to_rounding(precision):
    """The autocast and loss-scaling code of GPU runs, exercised on the CPU."""
    data = datasets.synthetic_rasters(["circle", "line"], 20, 1, datasets.RenderSettings(prefixes=1))
    config = training.TrainConfig(epochs=2, batch_size=16, threads=1)
    losses = {}
    for name in ("fp32", precision):
        torch.manual_seed(0)
        model = net.build(net.NetConfig(num_classes=2, widths=(8, 16)))
        history = training.train(model, data, config, progress=False, log=lambda line: None,
                                 runtime=distributed.Runtime(precision=name))
        losses[name] = [h["loss"] for h in history]
        assert all(torch.isfinite(p).all() for p in model.parameters())
    assert losses[precision] == pytest.approx(losses["fp32"], abs=0.01)
    assert losses[precision] != losses["fp32"]  # it really ran in lower precision


def test_two_gloo_processes_under_torchrun_train_like_one(tmp_path, capsys):
    out_two, out_one = tmp_path / "two.pt", tmp_path / "one.pt"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           str(ROOT / "train.py"), *map(str, JOB), "--out", str(out_two)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("epoch 3/3") == 1  # rank 0 alone prints
    assert "2 processes (gloo)" in done.stdout
    assert train_cli.main([str(a) for a in JOB + ["--threads", 1, "--out", out_one]]) == 0
    capsys.readouterr()
    two, one = classify.Classifier.load(out_two), classify.Classifier.load(out_one)
    assert two.categories == one.categories
    # the shards cover the data exactly once: 4 words x 60 doodles, each whole and with its prefixes
    assert two.data["images"] == one.data["images"] == 4 * 60 * (1 + training.TrainConfig().prefixes)
    trained = [torch.load(p, weights_only=True)["training"] for p in (out_two, out_one)]
    assert (trained[0]["processes"], trained[1]["processes"]) == (2, 1)
    assert trained[0]["history"][-1]["images"] == trained[1]["history"][-1]["images"]
    assert trained[0]["history"][-1]["loss"] == pytest.approx(trained[1]["history"][-1]["loss"], abs=0.15)
    held_out = "synthetic (held out)"
    assert two.metrics[held_out]["top1"] > 0.6 and one.metrics[held_out]["top1"] > 0.6  # chance: 0.25
    assert two.metrics[held_out]["top1"] == pytest.approx(one.metrics[held_out]["top1"], abs=0.2)
