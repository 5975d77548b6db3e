"""The doodle classifier network: a compact CNN on Quick, Draw!'s 28x28 raster.

The architecture was chosen by measurement on real doodles (../shared/quickdraw-sample), training
each candidate on the same 600 synthetic doodles per category for 3 epochs:

    widths        head            augmentation   real top-1 / top-3   train images/s (2 threads)
    32-64-128     global average  small          53.7% / 71.9%         ~1,200
    16-32-64      global average  small          49.5% / 67.2%         ~3,400
    24-48-96      global average  small          52.0% / 71.0%         ~1,800
    24-48-96      3x3 grid        small          56.7% / 76.0%
    32-64-128     3x3 grid        strong         57.2% / 78.6%         ~1,900
    24-48-96      3x3 grid        strong         60.8% / 77.3%         ~2,000   <- default

so: three blocks of conv3x3 -> BatchNorm -> ReLU -> max-pool (24, 48, 96 channels), the last 3x3
map kept as a grid (where strokes are matters: a snowman is a circle *above* a circle), dropout and
one linear layer. Predicting one drawing takes well under a millisecond on one CPU thread.

Tried for issue 13 on the bundled model of then (2,500 doodles per category, 3 epochs), without retraining,
on the real sample's 2,578 drawings and bitmaps (macro top-1 / top-3):

    bundled model as it is                                       72.7% / 89.0%
    + test-time mirror, mean of the logits of raster and mirror  74.9% / 89.2%
    + test-time mirror, mean of the probabilities                74.1% / 89.7%
    + four one-pixel shifts, mean of the probabilities           72.5% / 89.2%
    + mirror and four shifts                                     74.1% / 90.0%

The mirror gains 2 points of top-1 but is not used: two images per guess cost 2.3x the network's time
on one thread (0.50 -> 1.15 ms per guess, measured on the loaded machine), which would take
`predict()` past its 1 ms p50 goal. Session 10, on session 7's bundled model and a faster machine,
raster and mirror as one batch of two: macro top-1 / top-3 74.4% / 90.2% (without: 74.8% / 88.1%),
pooled top-1 74.4% (73.6%), `predict()` p50 +0.05 ms: the top-1 gain is gone with this model (the
top-3 one stays), so it is still not used.

Retraining levers (issue 13), each trained from scratch on 600 doodles a word for 3 epochs
(`bench/bench_seed.py`, the same seed; real sample as above; a full retrain is ~15 minutes here, so
levers are compared small and the winner trained full size). Macro top-1 moves by a point or two
with a single drawing of the words the sample has 2-6 of, so the pooled top-1 is beside it:

    lever (one change from the recipe of then)           macro top-1 / top-3   pooled top-1
    the recipe of then (2 prefixes a doodle)                   69.8% / 85.3%         69.6%
    fresh doodles instead of passes (1,800 a word, 1 epoch)    70.3% / 85.9%
    peak learning rate 5e-3 (3e-3)                             67.9% / 86.8%
    elastic warp of the raster, 1.5 px (augmentation)          66.7% / 85.4%
    1 prefix a doodle, 900 doodles a word (the same images)    71.5% / 88.0%         71.7%
    recipes: tall flared trunks, big-lobed clouds, upright
      bananas (the bundled model's worst confusions)            68.6% / 86.2%         70.3%
    both                                                       72.7% / 88.2%         72.2%   <- taken

Then at 900 doodles a word (the bundled proportions at a quarter of its size), one change from the
taken recipe (72.7% / 88.2%, pooled 72.2%): no label smoothing (0.1) 70.1% / 86.9% (71.3%), dropout
0.1 (0.3) 71.9% / 88.0% (71.6%): both kept as they are.

So the bundled model is trained on 3,750 doodles a word with one prefix each (the same 900,000
images in three passes as 2,500 with two). Full size, on the real sample: macro top-1 / top-3
72.7% / 89.0% -> 74.8% / 88.1%, pooled 71.2% / 87.8% -> 73.6% / 88.2%, bitmaps' top-1 and true
recognitions in the README; 14 min 31 s from scratch on this machine.

Session 9: width, depth and input size, at 900 doodles a word, one change from the bundled recipe
(`bench/bench_seed.py --levers base,wide,deep,deep-last,deep-narrow,px32 --per-category 900`; training
seconds on 2 threads; the network's forward pass on one thread at batch 1 relative to today's,
measured side by side):

    lever                                 macro top-1 / top-3   pooled   strokes  bitmaps   train   forward
    base: 24-48-96, one conv a block          72.7% / 88.2%      72.2%    77.3%    71.8%    160 s    1x
    wide: 32-64-128                           71.2% / 88.1%      71.7%    75.0%    71.3%    216 s    1.3x
    deep: two convs a block                   75.3% / 87.7%      73.7%    78.3%    74.1%    416 s    2.7x
    deep-last: a second conv on the 7x7 map   71.8% / 87.5%      72.3%    76.5%    72.3%    360 s*   1.55x
    deep-narrow: two convs a block, 16-32-64  74.3% / 87.9%      73.2%    77.3%    73.2%    243 s*   1.6x
    32 px raster (4x4 map averaged to 3x3)    strokes only (Google's bitmaps are 28 px): 72.6% vs 77.3%
    mirrored in training, half the images     71.6% / 87.4%      71.8%    76.6%    70.9%    179 s    1x
    mirrored in training, a quarter           70.8% / 88.1%      71.6%    74.8%    71.1%    172 s    1x
    weight average (EMA), decay 0.99 a step   72.7% / 88.2%      72.0%    77.3%    71.6%    228 s*   1x
    weight average (EMA), decay 0.995         67.0% / 86.1%      67.8%    70.7%    67.2%    186 s    1x

Depth is the lever that pays: +2.6 points of macro top-1 from the same doodles, more than the bundled
model gets from four times as many (74.8% from 3,750 a word in ~870 s of rendering and training,
against 75.3% here in ~460 s). It is not taken: its forward pass is 2.7x today's (about 2 ms on one
thread here, 1.9 ms on session 5's faster machine), which puts `predict()` far past its 1 ms p50 goal,
and every fine-tune (the kiosk's on-site retraining: 115 s of its 2 minutes today) would take about
as much longer. Nor does depth alone reach issue 13's 78%: the deep network on 1,500 doodles a word
(`--levers deep --per-category 1500`, 1,158 s of training beside another run, ~700 s quiet) scores
74.9% / 89.1% (pooled 75.5%, strokes 79.5%, bitmaps 75.6%): pooled +1.8 over 900 a word, macro none
(75.3%), so what is left is mostly the generator's gap to real doodles, not the network's size.
(The test-time mirror and a small ensemble fail the latency goal too: two forward passes a guess;
and mirrored images in training do not bring the test-time mirror's gain: -1.1 and -1.9 points, so
that gain is the averaging of two views, not doodles facing the other way. Averaging the weights
instead, free at guess time, gives nothing: the one-cycle schedule already ends at a tiny rate, and
an average reaching further back takes in the weights of its fast middle.)
Width, 32 px and depth where it is cheapest (deep-last, 170,128 parameters; * trained beside another
run; its forward 1.2x when measured again quiet) lose outright. Depth on narrower blocks (deep-narrow,
95,096 parameters) keeps +1.6 of the +2.6 (pooled +1.0) at 1.6x today's forward pass (1.16-1.22 ms
against 0.73-0.75 ms, side by side on a quiet machine): not taken either, since `predict()` already
misses its 1 ms p50 on this machine. Session 10, on a machine about twice as fast (the bundled model's `predict()` p50 0.45 ms, p99 0.83 ms;
base at 900 a word 72.8% / 88.0%, pooled 72.1%, in 77 s of training), the deep networks again, with
`predict()` (rasterising included, 1 thread, 500 generated drawings) measured side by side:

    lever                                 macro top-1 / top-3   pooled   train   predict p50 / p99
    base: 24-48-96, one conv a block          72.8% / 88.0%      72.1%     77 s   0.41 / 0.65 ms
    deep-narrow: two convs a block, 16-32-64  73.9% / 88.0%      73.0%     66 s   0.54 / 0.79 ms
    deep-20: two convs a block, 20-40-80      74.3% / 88.7%      74.0%     93 s   0.70 / 0.99 ms
    deep: two convs a block, 24-48-96         75.2% / 88.2%      74.2%    138 s   0.80 / 1.04 ms

Here even `deep` keeps `predict()` under 1 ms, so it was trained at full size (the bundled recipe:
3,750 doodles a word, 3 epochs; `train.py --synthetic 3750` with convs_per_block = 2; 12.5 min): macro
top-1 / top-3 75.1% / 88.5% (bundled 74.8% / 88.1%), pooled 75.0% (73.6%), but true recognitions
68.8% of the real drawings (bundled 70.8%) with false ones 2.1% (1.8%), and the calibration error on
whole drawings 0.241 (0.205). The +2.4 points of macro top-1 at 900 a word shrink to +0.3 at full
size, the game's own measure gets worse, and the network costs twice the time of every guess and
fine-tune: not taken. More generated doodles close most of what depth gives at 900 a word.
The generator's hand, at 900 a word (model/synth/engine.py's HandSettings; base 72.8% / 88.0%, pooled
72.1%): twice the warp and drift (0.08, 0.024) 71.2% / 85.7% (71.9%), half (0.02, 0.006) 72.0% / 88.2%
(71.1%); recipes redrawn for three weak words (a quarter of smiley faces without a head, clouds of many
small scallops, alarm clocks without hands a fifth of the time) 70.7% / 88.1% (72.3%), the words
themselves within two points of before (smiley face 63% -> 64%, cloud 64% -> 66%, alarm clock
54% -> 51%): none kept.
Session 11 (`bench/bench_seed.py`'s base recipe at 900 a word, seeds changed; scratch scripts): the seed alone
moves the small model by 1.4 points (seed 1234 72.8% / 88.0%, pooled 72.1%; 4321 71.9% / 87.0%, 71.2%; 777
73.3% / 87.4%, 71.1%), so a lever within that of the base on one run was rightly not taken. The mean of two
such models' logits: 73.6% / 87.7% (pooled 72.8%), three 73.7%: +0.8 over the better one, at twice the guess.
The bundled model with the full-size deep one (above) averaged: 76.7% / 89.8% (pooled 75.8%), but its guess
would take 1.1 ms here. Distilling that deep model into this network (half the loss the KL divergence to
its outputs at temperature 2; its forward pass on every training image, +30% time): 73.4% and 72.8% at seeds
1234 and 4321 (+0.6, +0.9; pooled 72.5%, 72.1%), within the seeds' spread, and a teacher scoring 75.1% leaves
the bundled 74.8% little to gain at full size: not taken.
Stroke-order channels (the Kaggle 2018 winners' extra inputs)
are not tried: 1,800 of the 2,578 real test images are Google's bitmaps, which carry no stroke order,
and the game's prefixes would need the channel too. Distilling a deep teacher into this network was
measured in session 11 (above): within the seeds' spread.

`NetConfig` is stored in every checkpoint as a plain dict (`config_to_dict`), so that
`build(config_from_dict(d))` rebuilds exactly the same network before its weights are loaded.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn.utils.fusion import fuse_conv_bn_eval


@dataclass(frozen=True)
class NetConfig:
    """Shape of the network; everything `build` needs, nothing about training."""

    num_classes: int = 40  # output size: one logit per category
    image_size: int = 28  # input raster side in pixels (Google's numpy_bitmap size)
    in_channels: int = 1  # 1 = ink only
    widths: tuple[int, ...] = (24, 48, 96)  # channels of each conv block; each block halves the raster
    convs_per_block: int | tuple[int, ...] = 1  # conv3x3-BN-ReLU layers per block before its max-pool (or one a block)
    pool_size: int = 3  # side of the grid the last block is averaged to (1 = global average)
    dropout: float = 0.3  # dropout before the linear head, against overfitting synthetic doodles

    def __post_init__(self) -> None:
        if self.num_classes < 2:
            raise ValueError(f"num_classes must be at least 2, got {self.num_classes}")
        if self.image_size < 8:
            raise ValueError(f"image_size must be at least 8, got {self.image_size}")
        if self.in_channels < 1:
            raise ValueError(f"in_channels must be at least 1, got {self.in_channels}")
        if not self.widths or any(int(w) < 1 for w in self.widths):
            raise ValueError(f"widths must be a non-empty list of positive ints, got {self.widths!r}")
        if self.image_size >> len(self.widths) < 1:
            raise ValueError(f"{len(self.widths)} pooling blocks shrink a {self.image_size}px raster to nothing")
        convs = self.convs_per_block
        if isinstance(convs, tuple):
            if len(convs) != len(self.widths) or not all(isinstance(c, int) and c >= 1 for c in convs):
                raise ValueError(f"convs_per_block must be an int >= 1 or one per block, got {convs!r}")
        elif not isinstance(convs, int) or convs < 1:
            raise ValueError(f"convs_per_block must be at least 1, got {convs!r}")
        if not 1 <= self.pool_size <= self.image_size >> len(self.widths):
            raise ValueError(f"pool_size must be between 1 and the last block's side, got {self.pool_size}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")

    def block_convs(self) -> tuple[int, ...]:
        """The conv layers of each block."""
        convs = self.convs_per_block
        return tuple(convs) if isinstance(convs, tuple) else (convs,) * len(self.widths)


def config_to_dict(config: NetConfig) -> dict:
    """A plain dict of builtins, safe for `torch.load(..., weights_only=True)`."""
    d = dataclasses.asdict(config)
    d["widths"] = [int(w) for w in config.widths]
    if isinstance(config.convs_per_block, tuple):
        d["convs_per_block"] = list(config.convs_per_block)
    return d


def config_from_dict(d: dict) -> NetConfig:
    """Inverse of `config_to_dict`; unknown or missing keys raise ValueError naming them."""
    if not isinstance(d, dict):
        raise ValueError(f"network config must be a dict, got {type(d).__name__}")
    known = {f.name for f in dataclasses.fields(NetConfig)}
    unknown = sorted(set(d) - known)
    if unknown:
        raise ValueError(f"unknown network config keys: {', '.join(map(str, unknown))}")
    kwargs = dict(d)
    if "widths" in kwargs:
        kwargs["widths"] = tuple(int(w) for w in kwargs["widths"])
    if isinstance(kwargs.get("convs_per_block"), list):
        kwargs["convs_per_block"] = tuple(kwargs["convs_per_block"])
    try:
        return NetConfig(**kwargs)
    except TypeError as err:
        raise ValueError(f"bad network config: {err}") from None


# What `train.py --net FIELD=VALUE` may change: the class count comes from the categories, and the data
# pipeline draws one ink channel.
SHAPE_FIELDS = ("image_size", "widths", "convs_per_block", "pool_size", "dropout")


def config_changes(assignments) -> dict:
    """`["widths=32,64,128", "convs_per_block=2"]` -> NetConfig keyword arguments (`train.py --net`):
    ints, a float for dropout, comma-separated ints for widths and per-block convs. ValueError naming
    the assignment for anything else; the values themselves are checked by NetConfig."""
    changes = {}
    for assignment in assignments:
        name, equals, text = (part.strip() for part in str(assignment).partition("="))
        name = name.replace("-", "_")
        if not equals or not text:
            raise ValueError(f"{assignment!r}: expected FIELD=VALUE")
        if name not in SHAPE_FIELDS:
            raise ValueError(f"{assignment!r}: {name!r} is not a network field one may set "
                             f"(one of {', '.join(SHAPE_FIELDS)})")
        try:
            if name == "dropout":
                value = float(text)
            elif name == "widths" or (name == "convs_per_block" and "," in text):
                value = tuple(int(part) for part in text.split(","))
            else:
                value = int(text)
        except ValueError:
            kind = "a number" if name == "dropout" else "comma-separated integers" if name == "widths" else "an integer"
            raise ValueError(f"{assignment!r}: expected {kind}") from None
        changes[name] = value
    return changes


class DoodleNet(nn.Module):
    """conv blocks -> average pool to a pool_size grid -> dropout -> linear; logits (B, num_classes)."""

    def __init__(self, config: NetConfig):
        super().__init__()
        self.config = config
        layers: list[nn.Module] = []
        channels = config.in_channels
        for width, convs in zip(config.widths, config.block_convs()):
            for _ in range(convs):
                # bias=False: BatchNorm's shift makes a conv bias redundant.
                layers += [
                    nn.Conv2d(channels, width, kernel_size=3, padding=1, bias=False),
                    nn.BatchNorm2d(width),
                    nn.ReLU(inplace=True),
                ]
                channels = width
            layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(config.pool_size)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(channels * config.pool_size ** 2, config.num_classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """`images`: float (B, C, H, W) scaled to [0, 1] (see `to_input`)."""
        x = self.features(images)
        x = self.pool(x).flatten(1)
        return self.head(self.dropout(x))


def build(config: NetConfig) -> DoodleNet:
    """A freshly initialised network for `config` (weights depend on torch's RNG state)."""
    return DoodleNet(config)


def for_inference(model: DoodleNet) -> DoodleNet:
    """An eval-mode copy for fast prediction on the CPU; takes the same (B, C, H, W) input.

    Each BatchNorm is folded into its conv, and everything after the first conv runs in channels-last
    memory. Measured on one thread for one image: NCHW max-pooling is ~10x slower than channels-last,
    while the first conv (one input channel) is ~3x slower in channels-last; together ~0.35 ms
    instead of ~0.9 ms for the default network.
    """
    fused = copy.deepcopy(model).eval()
    folded: list[nn.Module] = []
    for layer in fused.features:
        if isinstance(layer, nn.BatchNorm2d) and folded and isinstance(folded[-1], nn.Conv2d):
            folded[-1] = fuse_conv_bn_eval(folded[-1], layer)
        else:
            folded.append(layer)
    first, rest = folded[0], nn.Sequential(*folded[1:]).to(memory_format=torch.channels_last)
    with torch.no_grad():  # plain NCHW strides: a 1-channel weight can carry channels-last ones
        first.weight = nn.Parameter(torch.empty(first.weight.shape).copy_(first.weight))
    fused.features = nn.Sequential(first, _ChannelsLast(), *rest)
    return fused


class _ChannelsLast(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last)


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 rasters (B, H, W) or (B, 1, H, W), 0 = paper, 255 = ink -> float (B, 1, H, W) in [0, 1]."""
    if images.dtype != torch.uint8:
        raise ValueError(f"expected uint8 rasters, got {images.dtype}")
    if images.dim() == 3:
        images = images.unsqueeze(1)
    if images.dim() != 4:
        raise ValueError(f"expected rasters of shape (B, H, W) or (B, 1, H, W), got {tuple(images.shape)}")
    return images.float().div_(255.0)


def parameter_count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
