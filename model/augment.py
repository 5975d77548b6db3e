"""Training-time augmentation: torchvision's `RandomAffine`, drawn once per image and applied to a whole batch.

torchvision's `transforms.v2.RandomAffine` draws one transform per call, so giving each image of a batch
its own meant one call per image (or sharing a draw among chunks of 8, as the first training loop did:
32 calls per batch of 256, 7-12 ms on one core). Here the same parameter distributions are drawn for
every image at once and the inverse affine matrices are built exactly as
`torchvision.transforms.functional._get_inverse_affine_matrix` builds them (rotation, integer
translation, scale, x-shear about the image centre, nearest-neighbour sampling, zero fill), then one
`affine_grid` + `grid_sample` moves the whole batch: under a millisecond on the CPU, and a single
kernel on a GPU. `tests/test_training.py` checks the result against `v2.functional.affine`.

Parameters come from an explicit `torch.Generator`, so the training loop can seed each step and a
resumed run draws the same transforms as an uninterrupted one.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AffineRanges:
    """RandomAffine's ranges (torchvision's meaning), plus the chance of a horizontal mirror image."""

    rotate: float = 20.0  # max rotation, degrees (uniform in [-rotate, rotate])
    translate: float = 0.1  # max shift, fraction of the image side (rounded to whole pixels)
    scale: tuple[float, float] = (0.7, 1.2)  # zoom range
    shear: float = 15.0  # max x-shear, degrees
    flip: float = 0.0  # chance of mirroring (before the affine, like v2.RandomHorizontalFlip)
    chunk: int = 1  # consecutive images sharing one draw (1 = a transform per image)


def inverse_matrices(angle, tx, ty, scale, shear_x) -> torch.Tensor:
    """(n, 2, 3) float64 inverse affine maps in pixels about the centre, torchvision's formula with shear_y = 0.

    Each argument is a (n,) tensor: degrees, whole-pixel shifts, zoom, degrees.
    """
    rot, sx = torch.deg2rad(angle), torch.deg2rad(shear_x)
    a, c = torch.cos(rot), torch.sin(rot)
    b = -torch.cos(rot) * torch.tan(sx) - torch.sin(rot)
    d = -torch.sin(rot) * torch.tan(sx) + torch.cos(rot)
    m00, m01, m10, m11 = d / scale, -b / scale, -c / scale, a / scale
    m02 = m00 * -tx + m01 * -ty  # the centre is the origin: C = identity
    m12 = m10 * -tx + m11 * -ty
    return torch.stack([torch.stack([m00, m01, m02], 1), torch.stack([m10, m11, m12], 1)], 1)


def random_matrices(n: int, ranges: AffineRanges, height: int, width: int,
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """(n, 2, 3) inverse maps drawn like RandomAffine (+ mirror), one per image (or per chunk)."""
    draws = -(-n // ranges.chunk)

    def uniform(low, high):
        return torch.rand(draws, generator=generator, dtype=torch.float64) * (high - low) + low

    angle = uniform(-ranges.rotate, ranges.rotate)
    tx = torch.round(uniform(-ranges.translate * width, ranges.translate * width))
    ty = torch.round(uniform(-ranges.translate * height, ranges.translate * height))
    scale = uniform(*ranges.scale)
    shear = uniform(-ranges.shear, ranges.shear)
    matrices = inverse_matrices(angle, tx, ty, scale, shear)
    if ranges.flip > 0:
        mirrored = torch.rand(draws, generator=generator, dtype=torch.float64) < ranges.flip
        # Flip first, then the affine: the output samples the mirrored image, so x' = -x after the map.
        matrices[mirrored, 0, :] *= -1
    return matrices.repeat_interleave(ranges.chunk, 0)[:n]


def apply_matrices(images: torch.Tensor, matrices: torch.Tensor) -> torch.Tensor:
    """Warp float images (B, C, H, W) by per-image inverse maps in centred pixels (nearest, zero fill)."""
    _, _, height, width = images.shape
    # affine_grid works in [-1, 1] units (align_corners=False: pixel centres at (2i+1)/W - 1), which
    # are the centred pixel units divided by half the side: rescale rows and columns to match.
    half = torch.tensor([width / 2, height / 2], dtype=matrices.dtype)
    theta = matrices.clone()
    theta[:, :, :2] *= half[None, None, :] / half[None, :, None]
    theta[:, :, 2] /= half[None, :]
    theta = theta.to(device=images.device, dtype=images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="nearest", padding_mode="zeros", align_corners=False)


def random_affine(images: torch.Tensor, ranges: AffineRanges, generator: torch.Generator | None = None,
                  ) -> torch.Tensor:
    """A random affine per image of a float batch (B, C, H, W); parameters drawn on the CPU."""
    if len(images) == 0:
        return images
    matrices = random_matrices(len(images), ranges, images.shape[-2], images.shape[-1], generator)
    return apply_matrices(images, matrices)


def identity_ranges() -> AffineRanges:
    """Ranges that leave every image unchanged (useful to test the plumbing)."""
    return AffineRanges(rotate=0.0, translate=0.0, scale=(1.0, 1.0), shear=0.0, flip=0.0)
