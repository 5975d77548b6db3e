"""Benchmark of training: throughput on the CPU (1 process, 2 DDP processes), streaming, fine-tuning, and a
paper estimate of one epoch over the full Quick, Draw! dataset.

Prints one table, then the estimate. Rows:
- training images/s of the default network (batch 256, augmentation on), in one process with 1 and 2
  threads, fp32 and bf16 autocast, and in 2 DistributedDataParallel processes (torchrun, gloo, 1 thread each);
- the forward+backward+AdamW cost of one image (one thread, batch 256);
- streaming simplified ndjson in one process: reading (plan: read, shard, hold out, shuffle) and
  reading + decoding + rasterising (whole drawing + train.py's prefixes, the training stream);
- `train.py --db STORE --init bundled` on 10,000 collected drawings, the whole command (evaluation included).

    python bench/bench_train.py [--steps 60] [--stream-drawings 20000] [--finetune 10000]

The machine is shared: the last lines say its load average before and after. Like train.py, the bench
lets idle OpenMP threads sleep (OMP_WAIT_POLICY=PASSIVE) unless the environment says otherwise.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as train.py does, before torch loads (see its main)
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FULL_DATASET = 50_000_000  # drawings in Google's Quick, Draw! dataset (345 categories)
GPU_FLOPS = 50e12  # ASSUMED sustained FLOP/s of one modern GPU on this small CNN (~5% of an H100's bf16 peak)
GPU_LOADER_CORES = 32  # ASSUMED CPU cores feeding that GPU (decoding and rasterising, as measured here)


def training_data(images: int):
    import torch
    from model import datasets

    generator = torch.Generator().manual_seed(0)
    pixels = torch.randint(0, 256, (images, 28, 28), generator=generator, dtype=torch.uint8)
    return datasets.RasterSet(pixels, torch.randint(0, 40, (images,), generator=generator), tuple(map(str, range(40))))


def train_rate(steps: int, threads: int, precision: str = "fp32", runtime=None) -> float:
    """Images/s of training.train over `steps` batches of 256 (the first 5 steps, warm-up, not counted)."""
    import torch
    from model import distributed, net, training

    runtime = runtime or distributed.Runtime(precision=precision)
    config = training.TrainConfig(epochs=1, threads=threads)
    torch.manual_seed(0)
    share = 256 // runtime.world  # each process's part of every batch
    training.train(net.build(net.NetConfig(num_classes=40)), training_data(5 * share), config,
                   progress=False, log=lambda line: None, runtime=runtime)  # warm-up: kernels chosen, pages touched
    history = training.train(net.build(net.NetConfig(num_classes=40)), training_data(steps * share), config,
                             progress=False, log=lambda line: None, runtime=runtime)
    return history[0]["images_per_s"]  # all processes together


def ddp_worker(steps: int) -> None:
    """Run by torchrun: each process trains its shard; rank 0 prints the images/s of all together."""
    from model import distributed

    runtime = distributed.start("cpu", "fp32")
    try:
        rate = train_rate(steps, threads=1, runtime=runtime)
        if runtime.is_main:
            print(json.dumps({"images_per_s": rate}))
    finally:
        distributed.stop(runtime)


def spinning_rate(steps: int) -> float:
    """Images/s with 2 threads when idle OpenMP threads spin (libgomp's default), in a fresh process."""
    env = {**os.environ, "OMP_WAIT_POLICY": "ACTIVE"}
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--rate-worker", "--steps", str(steps)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    if done.returncode:
        raise SystemExit(f"rate worker failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.splitlines()[-1])["images_per_s"]


def ddp_rate(steps: int, processes: int = 2) -> float:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}",
               str(Path(__file__).resolve()), "--ddp-worker", "--steps", str(steps)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"torchrun failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(lines[-1])["images_per_s"]


def step_cost_ms(threads: int = 1, batch: int = 256, repeats: int = 20) -> float:
    """Milliseconds of forward + backward + AdamW step for one image (batch 256, channels-last)."""
    import torch
    import torch.nn.functional as F
    from model import net

    torch.set_num_threads(threads)
    model = net.build(net.NetConfig(num_classes=40)).to(memory_format=torch.channels_last).train()
    optimiser = torch.optim.AdamW(model.parameters())
    x = torch.rand(batch, 1, 28, 28).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 40, (batch,))

    def step():
        loss = F.cross_entropy(model(x), y)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    for _ in range(3):
        step()
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats / batch * 1000


def flops_per_image() -> float:
    """Forward + backward FLOPs of the default network for one image (backward ~ twice the forward)."""
    from model import net

    config, side, channels, macs = net.NetConfig(num_classes=40), 28, 1, 0
    for width in config.widths:
        macs += side * side * width * channels * 9
        channels, side = width, side // 2
    macs += channels * config.pool_size ** 2 * config.num_classes
    return 2 * 3 * macs


def prefixes() -> int:
    """Random prefixes train.py renders per drawing, besides the whole drawing."""
    from model import training

    return training.TrainConfig().prefixes


def stream_rates(drawings: int, directory: Path) -> tuple[float, float]:
    """(drawings/s read and planned, drawings/s read + decoded + rasterised with train.py's prefixes), one process."""
    from bench.bench_stream import source_records, write_big_ndjson
    import random
    from model import datasets, streaming

    records = [r for r in source_records(random.Random(7))]
    folder = directory / "stream"
    folder.mkdir()
    write_big_ndjson(folder / "cat.ndjson", drawings, [r | {"word": "cat"} for r in records])
    sources = streaming.file_sources(folder, ["cat"])
    settings = streaming.StreamSettings(holdout=0.0, render=datasets.RenderSettings(prefixes=prefixes()))
    started = time.perf_counter()
    planned = sum(1 for _ in streaming.plan(sources, settings, 1, 0, 1))
    read_rate = planned / (1 + prefixes()) / (time.perf_counter() - started)
    rendered, started = 0, time.perf_counter()
    for item in streaming.plan(sources, settings, 1, 0, 1):
        streaming.render(item, settings)
        rendered += 1
        if rendered >= min(planned, (1 + prefixes()) * 3000):
            break
    return read_rate, rendered / (1 + prefixes()) / (time.perf_counter() - started)


def finetune_seconds(drawings: int, directory: Path) -> float:
    """Wall time of `train.py --db STORE --init bundled` on `drawings` collected drawings (40 categories)."""
    from model import categories, synth
    from model.store import Store

    names = categories.load_categories()
    db = directory / "collected.db"
    with Store(db) as store:
        session = store.start_session()
        for i in range(drawings):
            word = names[i % len(names)]
            drawing = synth.generate(word, synth.drawing_rng(99, word, i))
            store.save_drawing(session, word, drawing, True, 800, 4000, [])
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "train.py"), "--db", str(db), "--init", "bundled",
                           "--out", str(directory / "finetuned.pt"), "--quiet"],
                          capture_output=True, text=True, cwd=ROOT, timeout=1800)
    if done.returncode:
        raise SystemExit(f"fine-tune failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - started


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60, help="training batches of 256 per measurement")
    parser.add_argument("--stream-drawings", type=int, default=20_000, help="lines of the streamed ndjson")
    parser.add_argument("--finetune", type=int, default=10_000, help="collected drawings to fine-tune on (0: skip)")
    parser.add_argument("--ddp-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--rate-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.ddp_worker:
        return ddp_worker(args.steps)
    if args.rate_worker:
        return print(json.dumps({"images_per_s": train_rate(args.steps, threads=2)}))
    load_before = os.getloadavg()[0]
    rows = []
    for threads, precision in ((1, "fp32"), (2, "fp32"), (2, "bf16")):
        rate = train_rate(args.steps, threads, precision)
        rows.append((f"train, 1 process, {threads} thread(s), {precision}", f"{rate:,.0f} images/s"))
    two_threads = float(rows[1][1].split()[0].replace(",", ""))
    rows.append(("  the same, idle OpenMP threads spinning (libgomp default)", f"{spinning_rate(args.steps):,.0f} images/s"))
    ddp = ddp_rate(args.steps)
    rows.append(("train, 2 DDP processes (gloo), 1 thread each, fp32", f"{ddp:,.0f} images/s"))
    cost = step_cost_ms()
    rows.append(("forward+backward+AdamW per image, 1 thread", f"{cost:.3f} ms"))
    with tempfile.TemporaryDirectory() as tmp:
        read_rate, render_rate = stream_rates(args.stream_drawings, Path(tmp))
        rows.append(("stream simplified ndjson: read+shard+shuffle", f"{read_rate:,.0f} drawings/s"))
        rows.append((f"stream: + decode + rasterise whole and {prefixes()} prefix(es)", f"{render_rate:,.0f} drawings/s"))
        if args.finetune:
            seconds = finetune_seconds(args.finetune, Path(tmp))
            rows.append((f"fine-tune on {args.finetune:,} collected drawings (train.py)", f"{seconds:.0f} s"))
    print(f"| {'what':55} | {'measured':>18} |")
    print(f"|{'-' * 57}|{'-' * 19}:|")
    for name, value in rows:
        print(f"| {name:55} | {value:>18} |")
    print_estimate(two_threads, ddp, render_rate)
    print(f"\nload average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}; "
          f"{os.cpu_count()} CPUs; OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}; Python {sys.version.split()[0]}")


def print_estimate(two_threads: float, ddp: float, render_rate: float) -> None:
    """One epoch over the full dataset, on paper, from the measured per-image costs."""
    train_core_s = 2 / max(two_threads, ddp)  # core-seconds to train one image on this machine
    per_drawing = 1 + prefixes()  # images a drawing becomes as train.py trains
    render_core_s = 1 / (per_drawing * render_rate)  # core-seconds to read, decode and rasterise one image
    print(f"\nPaper estimate, one epoch over the full Quick, Draw! dataset ({FULL_DATASET / 1e6:.0f}M drawings):")
    for label, images in (("whole drawings only", FULL_DATASET),
                          (f"whole + {per_drawing - 1} prefix(es) (train.py)", per_drawing * FULL_DATASET)):
        here = images * (train_core_s + render_core_s) / 2
        gpu = images * flops_per_image() / GPU_FLOPS
        loader = images * render_core_s / GPU_LOADER_CORES
        print(f"- {label}, {images / 1e6:.0f}M images: this machine (2 cores, training + streaming) "
              f"{here / 3600:.0f} h; one GPU ~{max(gpu, loader) / 3600:.1f} h "
              f"(GPU compute {gpu / 60:.1f} min, rendering on {GPU_LOADER_CORES} loader cores {loader / 3600:.1f} h)")
    print(f"  costs: training {train_core_s * 1e3:.2f} core-ms/image, streaming {render_core_s * 1e3:.2f} core-ms/image, "
          f"{flops_per_image() / 1e6:.0f} MFLOP/image fwd+bwd; GPU assumed {GPU_FLOPS / 1e12:.0f} TFLOP/s sustained")


if __name__ == "__main__":
    main()
