"""Resumable training: a periodic snapshot from which an interrupted run continues exactly where it was.

`train.py --resume PATH` writes the snapshot every `--save-every` optimiser steps (and at every epoch's
end), atomically (a temporary file, flushed and renamed over the old one, so a kill mid-write leaves the
previous snapshot intact), and, when PATH already exists, continues from it. A snapshot holds:

- the network's weights, the optimiser's state (AdamW moments), the learning-rate schedule's position
  and the fp16 loss scaler's state;
- where training stood: epoch, step within the epoch, steps in total, the epoch's running loss and
  accuracy sums (over all processes), the finished epochs' history;
- a *fingerprint* of the job (categories, network, training settings, data sources, process count):
  a snapshot from another job is refused with the differences, rather than silently mixed.

Random state needs no saving: the training loop derives every random draw (the epoch's order, each
step's augmentation and dropout) from (seed, process rank, epoch or step), so a resumed run draws the
same numbers as an uninterrupted one, in every process, although only rank 0 writes the snapshot.
It is a plain dict of tensors and builtins, loaded with `torch.load(weights_only=True)`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import torch

FORMAT = "pennydraw-train-state/1"
IGNORED_IN_FINGERPRINT = ("threads",)  # may change between runs without changing the result's meaning


@dataclass
class Resume:
    """How train.py asked for snapshots: where, how often, and whether to stop early."""

    path: Path  # the snapshot file, written and (when it exists) continued from
    every: int = 200  # optimiser steps between snapshots (one is also written at each epoch's end)
    max_steps: int | None = None  # stop after this many steps in total, snapshot saved (None = run to the end)
    fingerprint: dict = field(default_factory=dict)  # what the job is; see `differences`


class TrainingStopped(Exception):
    """Training paused at `--max-steps`; the snapshot at `path` continues it."""

    def __init__(self, step: int, path: Path):
        super().__init__(f"stopped after step {step}; continue with --resume {path}")
        self.step, self.path = step, path


def fingerprint(**parts) -> dict:
    """A plain, comparable description of a training job (nested dicts, lists, strings, numbers)."""
    def plain(value):
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items() if k not in IGNORED_IN_FINGERPRINT}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return str(value)
    return plain(parts)


def differences(saved: dict, current: dict, prefix: str = "") -> list[str]:
    """Human-readable differences between two fingerprints ('epochs: 3 in the snapshot, 4 now')."""
    found = []
    for key in sorted(set(saved) | set(current)):
        a, b = saved.get(key, "(absent)"), current.get(key, "(absent)")
        name = f"{prefix}{key}"
        if isinstance(a, dict) and isinstance(b, dict):
            found += differences(a, b, name + ".")
        elif a != b:
            show = lambda v: (repr(v)[:60] + "...") if len(repr(v)) > 60 else repr(v)
            found.append(f"{name}: {show(a)} in the snapshot, {show(b)} now")
    return found


def save(path, *, model, optimiser, schedule, scaler, position: dict, history: list, running: list,
         fingerprint: dict, done: bool = False) -> Path:
    """Write the snapshot atomically (see `model.classify.save_checkpoint`)."""
    from model.classify import save_checkpoint

    state = {
        "format": FORMAT,
        "fingerprint": fingerprint,
        "weights": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "optimiser": _to_cpu(optimiser.state_dict()),
        "schedule": schedule.state_dict(),
        "scaler": scaler.state_dict(),
        "position": dict(position),  # epoch, step (within the epoch, done), global_step
        "history": list(history),
        "running": [float(v) for v in running],  # loss sum, correct, seen so far in the epoch
        "done": bool(done),
    }
    return save_checkpoint(state, path)


def load(path, current_fingerprint: dict) -> dict | None:
    """The snapshot at `path` (None when there is none yet); ValueError naming the file if it is
    unreadable, not a snapshot, or from another job."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # corrupt, truncated, or not a torch file
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise ValueError(f"{path}: not a readable training snapshot ({reason})") from None
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path}: not a pennydraw training snapshot (a model checkpoint is not one: "
                         "--resume takes the file --resume wrote; to start from a model use --init)")
    changed = differences(state["fingerprint"], current_fingerprint)
    if changed:
        raise ValueError(f"{path}: the snapshot is from another training job; "
                         f"differences: {'; '.join(changed[:6])}. Use another --resume file to start afresh")
    return state


def restore(state: dict, *, model, optimiser, schedule, scaler, device) -> None:
    """Load a snapshot's weights and optimiser, schedule and scaler states in place."""
    model.load_state_dict(state["weights"])
    optimiser.load_state_dict(state["optimiser"])  # moves the moments to the parameters' device
    schedule.load_state_dict(state["schedule"])
    scaler.load_state_dict(state["scaler"])
    model.to(device)


def _to_cpu(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone()
    if isinstance(value, dict):
        return {k: _to_cpu(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_cpu(v) for v in value]
    return value
