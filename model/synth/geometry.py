"""The geometry of the doodle primitives: each turns concrete parameters into strokes.

Every function here takes the random generator, the part's noise level `sigma` (std of the noise on
corners, control points and radii, in the unit frame) and the part's resolved parameters (see the
constructors in `model/synth/shapes.py`), and returns a list of float arrays (n, 2) in the unit frame,
y up, angles in degrees with 90 = up. `GEOMETRY` maps each part kind to its function.
"""
from __future__ import annotations

import math

import numpy as np


def _ellipse_points(c, r, angles_deg, rot):
    th = np.radians(angles_deg)
    x = r[0] * np.cos(th)
    y = r[1] * np.sin(th)
    if rot:
        cr, sr = math.cos(math.radians(rot)), math.sin(math.radians(rot))
        x, y = x * cr - y * sr, x * sr + y * cr
    return np.column_stack((x + c[0], y + c[1]))


def g_arc(rng, sigma, c, r, a0, a1, rot):
    sweep = a1 - a0
    if abs(sweep) >= 359.0:
        # Closed shapes: people start anywhere near the given angle and overshoot or stop short.
        a0 = a0 + rng.normal(0.0, 25.0)
        sweep = math.copysign(360.0 + rng.normal(12.0, 15.0), sweep)
    n = max(6, int(abs(sweep) / 9))
    angles = a0 + np.linspace(0.0, sweep, n)
    # A slight spiral: the radius drifts so the end does not land exactly on the start.
    drift = 1.0 + rng.normal(0.0, 0.04) * np.linspace(-0.5, 0.5, n)[:, None]
    r = np.asarray(r, float) * (1.0 + rng.normal(0.0, sigma, 2))
    pts = _ellipse_points(c, r, angles, rot)
    centre = np.asarray(c, float)
    return [centre + (pts - centre) * drift]


def _vertices(points, rng, sigma):
    pts = np.asarray(points, float)
    return pts + rng.normal(0.0, sigma, pts.shape) if sigma else pts


def _split_closed(pts: np.ndarray, split: int, rng) -> list[np.ndarray]:
    """Cut a closed polyline (first point repeated at the end) at corners into `split` strokes."""
    corners = len(pts) - 1
    split = max(1, min(int(split), corners))
    if split == 1:
        return [pts]
    cuts = np.sort(rng.choice(np.arange(1, corners), split - 1, replace=False))
    bounds = [0, *cuts.tolist(), corners]
    return [pts[a:b + 1] for a, b in zip(bounds[:-1], bounds[1:])]


def g_poly(rng, sigma, points, closed, split):
    pts = _vertices(points, rng, sigma)
    if closed:
        pts = np.vstack((pts, pts[:1] + rng.normal(0.0, 0.03, 2)))
        return _split_closed(pts, split, rng)
    return [pts]


_CR_STEPS = 8
_CR_T = np.linspace(0.0, 1.0, _CR_STEPS, endpoint=False)[:, None]
# Catmull-Rom basis: rows = samples, columns = weights of p0, p1, p2, p3.
_CR_BASIS = 0.5 * np.hstack((-_CR_T ** 3 + 2 * _CR_T ** 2 - _CR_T,
                             3 * _CR_T ** 3 - 5 * _CR_T ** 2 + 2,
                             -3 * _CR_T ** 3 + 4 * _CR_T ** 2 + _CR_T,
                             _CR_T ** 3 - _CR_T ** 2))


def catmull_rom(pts: np.ndarray, closed: bool) -> np.ndarray:
    """Uniform Catmull-Rom spline through the points (8 samples per segment), ends extrapolated."""
    if closed:
        ext = np.vstack((pts[-1:], pts, pts[:2]))
    else:
        ext = np.vstack((2 * pts[:1] - pts[1:2], pts, 2 * pts[-1:] - pts[-2:-1]))
    segments = len(ext) - 3
    # For each segment the four control points, then every sample as a weighted sum of them.
    idx = np.arange(segments)[:, None] + np.arange(4)[None, :]
    ctrl = ext[idx]                                     # (segments, 4, 2)
    out = np.einsum("sk,gkd->gsd", _CR_BASIS, ctrl).reshape(-1, 2)
    last = ext[-2:-1]
    return np.vstack((out, last))


def g_curve(rng, sigma, points, closed):
    pts = _vertices(points, rng, sigma)
    return [catmull_rom(pts, closed)]


def g_ngon(rng, sigma, c, r, n, inner, pentagram, rot, split):
    n = int(n)
    if inner is not None:
        angles = 90.0 + rot + np.arange(2 * n) * (180.0 / n)
        radii = np.where(np.arange(2 * n) % 2 == 0, 1.0, inner)[:, None]
        pts = _ellipse_points((0, 0), r, angles, 0) * radii + np.asarray(c, float)
    else:
        angles = 90.0 + rot + np.arange(n) * (360.0 / n)
        pts = _ellipse_points(c, r, angles, 0)
        if pentagram:
            order = (np.arange(n) * 2) % n if n % 2 else np.arange(n)
            pts = pts[order]
    pts = _vertices(pts, rng, sigma)
    # Start at a random corner so stroke order varies, then close with a little miss.
    start = int(rng.integers(len(pts))) if rng.random() < 0.4 else 0
    pts = np.roll(pts, -start, axis=0)
    pts = np.vstack((pts, pts[:1] + rng.normal(0.0, 0.03, 2)))
    return _split_closed(pts, split, rng)


def g_rays(rng, sigma, c, r0, r1, n, a0, a1):
    n = int(n)
    full = abs(a1 - a0) >= 359.0
    k = np.arange(n) / (n if full else max(n - 1, 1))
    angles = np.radians(a0 + (a1 - a0) * k + rng.normal(0.0, 4.0 + 60.0 * sigma, n) + (rng.random() * 360 if full else 0))
    unit = np.column_stack((np.cos(angles), np.sin(angles)))
    length_noise = 1.0 + rng.normal(0.0, 0.05 + sigma, (n, 1))
    inner = np.asarray(c, float) + unit * np.asarray(r0, float)
    outer = np.asarray(c, float) + unit * np.asarray(r1, float) * length_noise
    return [np.vstack((a, b)) for a, b in zip(inner, outer)]


_DOT_ANGLES = np.radians(np.arange(0, 400, 45))
_DOT_RING = np.column_stack((np.cos(_DOT_ANGLES), np.sin(_DOT_ANGLES)))  # a small closed loop


def g_dots(rng, sigma, c, r, n, size):
    n = int(n)
    rad = np.sqrt(rng.random(n)) * 0.85
    ang = rng.random(n) * 2 * np.pi
    centres = np.asarray(c, float) + np.column_stack((np.cos(ang), np.sin(ang))) * rad[:, None] * np.asarray(r, float)
    scale = (0.6 + 0.8 * rng.random(n)) * size
    return list(centres[:, None, :] + _DOT_RING[None, :, :] * scale[:, None, None])


def g_zigzag(rng, sigma, x0, x1, y0, y1, n, vertical):
    n = int(n)
    xs = np.linspace(x0, x1, n)
    ys = np.where(np.arange(n) % 2 == 0, y0, y1).astype(float)
    pts = _vertices(np.column_stack((xs, ys)), rng, sigma)
    if vertical:
        pts = pts[:, ::-1]
    return [pts]


def g_bumps(rng, sigma, c, r, n, depth, a0, a1):
    n = int(n)
    full = abs(a1 - a0) >= 359.0
    sweep = a1 - a0
    start = a0 + (rng.random() * 360.0 if full else 0.0)
    count = max(12, n * 9)
    t = np.linspace(0.0, 1.0, count)
    th = np.radians(start + sweep * t)
    # |sin| bumps: outward arcs meeting in inward cusps, like a hand-drawn cloud edge.
    phase = rng.random() * np.pi if full else 0.0
    r = np.asarray(r, float) * (1.0 + rng.normal(0.0, sigma, 2))
    bump = 1.0 + depth * np.abs(np.sin(n * np.pi * t + phase))
    pts = np.column_stack((r[0] * np.cos(th) * bump, r[1] * np.sin(th) * bump)) + np.asarray(c, float)
    if full:
        pts = np.vstack((pts, pts[:1] + rng.normal(0.0, 0.04, 2)))
    return [pts]


def g_spiral(rng, sigma, c, r0, r1, turns):
    count = max(12, int(turns * 36))
    t = np.linspace(0.0, 1.0, count)
    th = rng.random() * 2 * np.pi + t * turns * 2 * np.pi
    rad = r0 + (r1 - r0) * t
    return [np.column_stack((rad * np.cos(th), rad * np.sin(th))) + np.asarray(c, float)]


_PETAL_T = np.linspace(0.0, 1.0, 14)


def g_petals(rng, sigma, c, r, length, width, n):
    n = int(n)
    start = rng.random() * 360.0
    strokes = []
    for k in range(n):
        ang = math.radians(start + k * 360.0 / n + rng.normal(0.0, 6.0))
        # A loop leaving the centre's rim, out to `length` and back: a half-ellipse in petal coordinates.
        th = np.pi * _PETAL_T
        long = r + (length * (1.0 + rng.normal(0.0, sigma * 3))) * np.sin(th)
        side = width * 0.5 * np.cos(th) * (1.0 + 0.4 * np.sin(th))
        ca, sa = math.cos(ang), math.sin(ang)
        strokes.append(np.column_stack((c[0] + long * ca - side * sa, c[1] + long * sa + side * ca)))
    return strokes


def g_wave(rng, sigma, x0, x1, y, amp, n):
    n = int(n)
    t = np.linspace(0.0, 1.0, max(12, n * 8))
    ys = y + amp * np.abs(np.sin(np.pi * n * t)) * (1.0 + rng.normal(0.0, sigma, len(t)))
    return [np.column_stack((x0 + (x1 - x0) * t, ys))]


def g_scribble(rng, sigma, c, r, n, angle):
    """Back-and-forth strokes filling an ellipse: a shaded canopy, a filled-in moustache or hat."""
    n = int(n)
    ang = math.radians(angle + rng.normal(0.0, 20.0))
    # Corners alternate between the two sides of the ellipse along a line at `ang`, sweeping across it.
    across = np.linspace(-0.85, 0.85, n) + rng.normal(0.0, 0.05, n)
    side = np.where(np.arange(n) % 2 == 0, -1.0, 1.0) * np.sqrt(np.clip(1.0 - across ** 2, 0.05, 1.0))
    side *= 0.8 + 0.2 * rng.random(n)
    u = np.column_stack((side, across))                  # in the ellipse's own frame
    ca, sa = math.cos(ang), math.sin(ang)
    pts = np.column_stack((u[:, 0] * ca - u[:, 1] * sa, u[:, 0] * sa + u[:, 1] * ca))
    return [_vertices(pts * np.asarray(r, float) + np.asarray(c, float), rng, sigma)]


GEOMETRY = {
    "petals": g_petals, "wave": g_wave, "scribble": g_scribble,
    "arc": g_arc, "poly": g_poly, "curve": g_curve, "ngon": g_ngon, "rays": g_rays,
    "dots": g_dots, "zigzag": g_zigzag, "bumps": g_bumps, "spiral": g_spiral,
}
