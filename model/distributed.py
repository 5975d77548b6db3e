"""Where training runs: the device (CPU or a CUDA GPU), the numeric precision, and the processes.

`start(device, precision)` is called once by train.py. Run plainly, it gives a one-process `Runtime`.
Run under `torchrun --nproc_per_node N train.py ...`, it reads torchrun's environment (RANK,
WORLD_SIZE, LOCAL_RANK) and joins the process group: the gloo backend on the CPU, nccl on GPUs
(one GPU per process, `cuda:LOCAL_RANK`). The training loop then wraps the network in
DistributedDataParallel (`Runtime.wrap`), each process trains on its own shard of the data and the
gradients are averaged across processes at every step; only rank 0 (`is_main`) prints, saves and
writes checkpoints.

Precision: `fp32` everywhere by default on the CPU; on a GPU `auto` picks bf16 autocast where the GPU
supports it (no loss scaling needed) and fp16 autocast with a GradScaler otherwise. bf16 may also be
asked for on the CPU (autocast on CPUs with AVX-512 BF16); fp16 is for GPUs only.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch
import torch.distributed as dist

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DTYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


class RuntimeChoiceError(ValueError):
    """A device or precision that this machine cannot give (the message says what to use instead)."""


def resolve_device(choice: str, local_rank: int = 0, cuda_available: bool | None = None) -> torch.device:
    """'cpu', 'cuda' (refused with a clear message when no GPU is visible) or 'auto' (cuda when there)."""
    if choice not in DEVICES:
        raise RuntimeChoiceError(f"--device must be one of {', '.join(DEVICES)}, got {choice!r}")
    available = torch.cuda.is_available() if cuda_available is None else cuda_available
    if choice == "cuda" and not available:
        raise RuntimeChoiceError("--device cuda: PyTorch sees no CUDA GPU on this machine "
                                 f"(torch {torch.__version__}, torch.cuda.is_available() is False); "
                                 "use --device cpu, or install a CUDA build of torch on a machine with a GPU")
    if choice == "cpu" or not available:
        return torch.device("cpu")
    count = torch.cuda.device_count()
    if local_rank >= count:
        raise RuntimeChoiceError(f"process {local_rank} needs its own GPU but only {count} are visible; "
                                 f"run torchrun with --nproc_per_node {count} or fewer")
    return torch.device("cuda", local_rank)


def resolve_precision(choice: str, device: torch.device, bf16_supported: bool | None = None) -> str:
    """'fp32', 'bf16' or 'fp16' for `device`; 'auto' = fp32 on the CPU, bf16 (else fp16) on a GPU."""
    if choice not in PRECISIONS:
        raise RuntimeChoiceError(f"--precision must be one of {', '.join(PRECISIONS)}, got {choice!r}")
    if device.type == "cpu":
        if choice == "fp16":
            raise RuntimeChoiceError("--precision fp16 is for GPUs; on the CPU use fp32 or bf16")
        return "fp32" if choice == "auto" else choice
    if bf16_supported is None:
        bf16_supported = torch.cuda.is_bf16_supported()
    if choice == "auto":
        return "bf16" if bf16_supported else "fp16"
    if choice == "bf16" and not bf16_supported:
        raise RuntimeChoiceError("--precision bf16: this GPU has no bfloat16; use fp16 or fp32")
    return choice


@dataclass
class Runtime:
    """One training process: its device, precision and place among the processes."""

    device: torch.device = field(default_factory=lambda: torch.device("cpu"))
    precision: str = "fp32"  # fp32 | bf16 | fp16 (fp16 scales the loss, see `scaler`)
    rank: int = 0  # this process among all (0 = the one that writes)
    world: int = 1  # how many processes train together
    local_rank: int = 0  # this process on its machine (its GPU index)
    local_world: int = 1  # processes on this machine (they share its CPU cores)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def autocast(self):
        """The mixed-precision context for forward passes (a no-op in fp32)."""
        enabled = self.precision in DTYPES
        return torch.autocast(self.device.type, dtype=DTYPES.get(self.precision, torch.bfloat16), enabled=enabled)

    def scaler(self) -> torch.amp.GradScaler:
        """Loss scaling, needed by fp16 only (its small range underflows gradients); off otherwise."""
        return torch.amp.GradScaler(self.device.type, enabled=self.precision == "fp16")

    def wrap(self, model: torch.nn.Module) -> torch.nn.Module:
        """The model as the training loop calls it: DistributedDataParallel across processes."""
        if not self.distributed:
            return model
        from torch.nn.parallel import DistributedDataParallel

        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(model, device_ids=ids)

    def all_sum(self, values: list[float]) -> list[float]:
        """Element-wise sum of `values` over all processes (the values themselves in one process)."""
        if not self.distributed:
            return list(values)
        tensor = torch.tensor(values, dtype=torch.float64, device=self._collective_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
        return tensor.tolist()

    def all_min(self, value: int) -> int:
        """The smallest `value` over all processes."""
        if not self.distributed:
            return value
        tensor = torch.tensor([value], dtype=torch.int64, device=self._collective_device())
        dist.all_reduce(tensor, op=dist.ReduceOp.MIN)
        return int(tensor.item())

    def _collective_device(self) -> torch.device:
        return self.device if dist.get_backend() == "nccl" else torch.device("cpu")

    def describe(self) -> str:
        gpu_name = f" ({torch.cuda.get_device_name(self.device)})" if self.device.type == "cuda" else ""
        where = f"{self.device}{gpu_name}"
        processes = f", {self.world} processes ({dist.get_backend()})" if self.distributed else ""
        return f"{where}, {self.precision}{processes}"


def start(device: str = "auto", precision: str = "auto", env=None) -> Runtime:
    """The Runtime of this process; joins torchrun's process group when WORLD_SIZE > 1."""
    env = os.environ if env is None else env
    world = int(env.get("WORLD_SIZE", "1"))
    rank, local_rank = int(env.get("RANK", "0")), int(env.get("LOCAL_RANK", "0"))
    local_world = int(env.get("LOCAL_WORLD_SIZE", str(world)))
    chosen = resolve_device(device, local_rank)
    runtime = Runtime(chosen, resolve_precision(precision, chosen), rank, world, local_rank, local_world)
    if world > 1 and not dist.is_initialized():
        if chosen.type == "cuda":
            torch.cuda.set_device(chosen)
        dist.init_process_group("nccl" if chosen.type == "cuda" else "gloo", rank=rank, world_size=world)
    return runtime


def stop(runtime: Runtime) -> None:
    """Leave the process group (each process on its own: no collective, so rank 0 may still be saving)."""
    if runtime.distributed and dist.is_initialized():
        dist.destroy_process_group()


def default_threads(runtime: Runtime) -> int:
    """CPU threads per process: the machine's cores shared by the processes on it (at least 1)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // runtime.local_world)
