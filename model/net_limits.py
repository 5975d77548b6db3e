"""How big a network a checkpoint may ask for, and its tensors checked against it, before anything is built.

A checkpoint is small, but its config says how big a network to build and each tensor's shape and
strides say how much memory it spans: a 360 KB file with a large config asked 14.4 GB when its network
was built, a 225 KB one with a zero-stride weight 4 GB (4 TB in a variant) when its weights were first
computed on (issue 16). So `classify.read_checkpoint` (the game's `choose_model`/`check_usable`, the
kiosk, `train.py --init` and `--eval-only`) calls `check_config` and `check_weights` first:

- the config within `LIMITS` (classes, raster side, channels, blocks, widths, layers per block, and
  the parameters and per-image activations they add up to); checked before any tensor is touched;
- the weights exactly the network's: the same names, and for each tensor its dtype, shape, strides
  (dense: no zero-stride or overlapping views, any order of dimensions, since training writes
  channels-last weights), storage offset 0 and a storage of exactly the bytes the tensor needs
  (neither a huge storage behind a small view nor the reverse).

The expected names, shapes and dtypes come from `net.build` on PyTorch's "meta" device, which
allocates nothing: the architecture is written once, in `net.py`. `train.py` checks a new network's
config against the same limits, so it never writes a checkpoint the game would refuse.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from model import net


@dataclass(frozen=True)
class NetLimits:
    """Generous bounds on memory, not on speed: the bundled network (40 classes, 28 px, 24-48-96,
    86,992 parameters, 32,928 activations a guess) fits a hundred times over. Measured near the limits
    (1,000 classes, 64 px, 256-512-1024: 15.1 million parameters, 1.8 million activations, a 61 MB
    file; 2 cores at load 9): loading takes 2.3 s and 64 MB, a guess 0.5 s on one thread, fine for
    evaluation and slow to play with (the guesser runs off the frame, so the game only lags)."""

    max_classes: int = 1_000           # Quick, Draw! has 345 categories
    max_image_size: int = 128          # Google's bitmaps are 28 px
    max_in_channels: int = 4
    max_blocks: int = 6                # a 128 px raster halved six times is 2 px
    max_width: int = 1_024             # channels of one block (the bundled widest: 96)
    max_convs_per_block: int = 4
    max_parameters: int = 16_000_000   # 64 MB of float32 (the bundled model: 87 thousand, 0.35 MB)
    max_activations: int = 4_000_000   # conv outputs for one image, 16 MB (the bundled model: 32,928)

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"NetLimits.{name} must be a positive int, got {value!r}")


LIMITS = NetLimits()


def activations(config: net.NetConfig) -> int:
    """Conv outputs one image produces through the blocks (each block works at half the last side)."""
    return sum(convs * (config.image_size >> block) ** 2 * width
               for block, (width, convs) in enumerate(zip(config.widths, config.block_convs())))


def check_config(config: net.NetConfig, limits: NetLimits = LIMITS) -> None:
    """ValueError saying which bound `config` exceeds; nothing is allocated."""
    _bounded_tensors(config, limits)


def _bounded_tensors(config: net.NetConfig, limits: NetLimits) -> dict:
    bounds = [("num_classes", config.num_classes, limits.max_classes, "classes"),
              ("image_size", config.image_size, limits.max_image_size, "px"),
              ("in_channels", config.in_channels, limits.max_in_channels, "channels"),
              ("widths", len(config.widths), limits.max_blocks, "blocks"),
              ("widths", max(config.widths), limits.max_width, "channels in a block"),
              ("convs_per_block", max(config.block_convs()), limits.max_convs_per_block, "layers per block")]
    for name, value, bound, unit in bounds:
        if value > bound:
            raise ValueError(f"network config {name}: {value:,} {unit} is beyond the limit of {bound:,}")
    expected = expected_tensors(config)  # bounded depth: a few milliseconds
    values = sum(math.prod(shape) for shape, _ in expected.values())
    if values > limits.max_parameters:
        raise ValueError(f"network config asks for {values:,} parameters ({values * 4 / 1e9:.1f} GB), "
                         f"beyond the limit of {limits.max_parameters:,}")
    if activations(config) > limits.max_activations:
        raise ValueError(f"network config asks for {activations(config):,} activations per image, "
                         f"beyond the limit of {limits.max_activations:,}")
    return expected


def expected_tensors(config: net.NetConfig) -> dict[str, tuple[tuple[int, ...], torch.dtype]]:
    """name -> (shape, dtype) of every tensor in the state dict of `net.build(config)`, built on
    PyTorch's meta device (no memory). Call with a config `check_config` bounded, or under its
    depth limits: the time is the number of layers."""
    with torch.device("meta"):
        model = net.build(config)
    return {name: (tuple(tensor.shape), tensor.dtype) for name, tensor in model.state_dict().items()}


def is_dense(shape, strides) -> bool:
    """The elements exactly tile a block of memory: in some order of the dimensions, each stride is
    the product of the sizes before it (dimensions of size 1 are never stepped along, so any stride)."""
    expected = 1
    for size, stride in sorted(((size, stride) for size, stride in zip(shape, strides) if size != 1),
                               key=lambda pair: pair[1]):
        if stride != expected:
            return False
        expected *= size
    return True


def check_weights(config: net.NetConfig, weights: dict, limits: NetLimits = LIMITS) -> None:
    """ValueError naming the first tensor of `weights` that is not exactly what `config`'s network
    holds (see the module docstring). Reads only metadata: no tensor's values are touched."""
    expected = _bounded_tensors(config, limits)
    missing = [name for name in expected if name not in weights]
    unexpected = [str(name) for name in weights if name not in expected]
    if missing or unexpected:
        parts = [f"missing {', '.join(missing[:3])}" if missing else "",
                 f"unexpected {', '.join(unexpected[:3])}" if unexpected else ""]
        raise ValueError(f"weights do not fit the network config ({'; '.join(p for p in parts if p)})")
    for name, (shape, dtype) in expected.items():
        tensor = weights[name]
        if not isinstance(tensor, torch.Tensor) or tensor.layout != torch.strided or tensor.device.type != "cpu":
            raise ValueError(f"weight {name} is not a plain CPU tensor")
        if tensor.dtype != dtype or tuple(tensor.shape) != shape:
            raise ValueError(f"weight {name} is {tensor.dtype} {tuple(tensor.shape)}; "
                             f"the network config needs {dtype} {shape}")
        if not is_dense(tensor.shape, tensor.stride()):
            raise ValueError(f"weight {name} has strides {tensor.stride()}: not one dense block "
                             "(a zero-stride or overlapping view)")
        needed = tensor.numel() * tensor.element_size()
        stored = tensor.untyped_storage().nbytes()
        if tensor.storage_offset() != 0 or stored != needed:
            raise ValueError(f"weight {name} needs {needed:,} bytes but its storage holds {stored:,} "
                             f"(offset {tensor.storage_offset():,})")
