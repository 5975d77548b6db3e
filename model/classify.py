"""`Classifier`: load a checkpoint and guess what a drawing shows. The public API of the model.

Used by the game (a guess every few hundred milliseconds while the player draws) and by outside
evaluation, so its signatures are stable:

    clf = Classifier.load()                       # the bundled assets/model.pt
    clf.predict(drawing, k=3)                     # [("cat", 0.81), ("dog", 0.07), ("bear", 0.03)]
    clf.predict_bitmap(image_28x28_uint8, k=3)    # or a flat 784 numpy_bitmap row

A drawing is raw strokes in any coordinate space (canvas pixels or 0-255); it is rendered with
`strokes.rasterize`, Google's numpy_bitmap recipe, so strokes and Google's bitmaps give the same input.
A drawing without any point (`[]`, or only empty strokes) and a blank bitmap give `[]`: there is
nothing to guess from. A single point is a dot and gets the model's guesses like any other drawing.
Malformed input (NaN, ragged strokes, wrong shapes) raises ValueError.

A checkpoint is a plain dict (see `make_checkpoint`) read with `torch.load(weights_only=True)`, so
a file cannot run code when loaded, and its network config and every tensor are checked against
`net_limits` before anything is built, so a small file cannot ask for gigabytes. Anything that is not
a readable pennydraw checkpoint raises `CheckpointError` naming the file and what is wrong.

Which model plays is one rule, `choose_model`: `--model`, else the store's active model, else the
bundled one; a model that does not load or cannot guess (`check_usable`) falls back to the bundled
model with a warning. The game, the kiosk and the benchmarks all go through it.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

import assets
from model import net, net_limits, strokes
from model.recognition import OLD_RULE, RecognitionRule

BUNDLED_PATH = assets.path("model.pt")
FORMAT = "pennydraw-classifier/1"  # written into every checkpoint; a different value is refused
REQUIRED_KEYS = ("format", "weights", "config", "categories", "version")


class CheckpointError(ValueError):
    """A checkpoint file that is missing, unreadable or not a pennydraw classifier."""


def make_checkpoint(model: torch.nn.Module, config: net.NetConfig, categories, version: str,
                    metrics: dict | None = None, data: dict | None = None, training: dict | None = None,
                    created_at: str | None = None) -> dict:
    """The self-describing dict a checkpoint file holds: everything needed to rebuild and judge it."""
    return {
        "format": FORMAT,
        "version": str(version),
        "created_at": created_at or datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": net.config_to_dict(config),
        "categories": [str(c) for c in categories],
        "weights": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
        "metrics": metrics or {},  # evaluation summaries by data set name (see model/evaluate.py)
        "data": data or {},  # what it was trained on: sources, counts, seed
        "training": training or {},  # the TrainConfig used, as a dict
        # "temperature" and "recognition" are added by model/calibration.py (absent: 1.0, the old rule);
        # "logit_offsets" ({word: added to its logit}) by a fine-tune for words taught from players'
        # drawings alone (model/finetune.py, taught_offsets; absent: none); "test_time_mirror" (True) by a
        # training that mirrored its images (finetune.guesses_mirrored; absent: False)
    }


def save_checkpoint(checkpoint: dict, path) -> Path:
    """Write atomically: a temporary file beside `path`, flushed, then renamed over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save(checkpoint, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes 0600; a checkpoint is meant to be read by the game
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path) -> dict:
    """Load and validate a checkpoint dict; CheckpointError (naming `path`) for anything else."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: no such checkpoint file" if not path.exists()
                              else f"{path}: is not a file")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many kinds for corrupt, truncated or unsafe files
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0][:200]
        raise CheckpointError(f"{path}: not a readable checkpoint ({reason})") from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(f"{path}: holds a {type(checkpoint).__name__}, not a checkpoint dict")
    missing = [k for k in REQUIRED_KEYS if k not in checkpoint]
    if missing:
        found = ", ".join(sorted(map(str, checkpoint))[:8]) or "nothing"
        raise CheckpointError(f"{path}: not a pennydraw classifier checkpoint "
                              f"(missing {', '.join(missing)}; has {found})")
    if checkpoint["format"] != FORMAT:
        raise CheckpointError(f"{path}: checkpoint format {checkpoint['format']!r} is not {FORMAT!r}")
    categories = checkpoint["categories"]
    if (not isinstance(categories, list) or not all(isinstance(c, str) and c for c in categories)
            or len(set(categories)) != len(categories)):
        raise CheckpointError(f"{path}: categories must be a list of distinct non-empty names")
    try:
        config = net.config_from_dict(checkpoint["config"])
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    if config.num_classes != len(categories):
        raise CheckpointError(f"{path}: the network has {config.num_classes} outputs "
                              f"but the checkpoint names {len(categories)} categories")
    weights = checkpoint["weights"]
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise CheckpointError(f"{path}: weights must be a dict of tensors")
    try:  # before anything is built or computed: a small file must not ask for gigabytes
        net_limits.check_weights(config, weights)
    except ValueError as error:
        raise CheckpointError(f"{path}: {error}") from None
    if not all(torch.isfinite(v).all() for v in weights.values() if v.is_floating_point()):
        raise CheckpointError(f"{path}: weights hold NaN or infinite values")
    for key in ("metrics", "data", "training"):
        if not isinstance(checkpoint.get(key, {}), dict):
            raise CheckpointError(f"{path}: {key} must be a dict")
    temperature = checkpoint.get("temperature", 1.0)  # older checkpoints have none: 1.0
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not 0 < temperature < 1e3:
        raise CheckpointError(f"{path}: temperature must be a positive number, got {temperature!r}")
    if "recognition" in checkpoint:
        try:
            RecognitionRule.from_dict(checkpoint["recognition"])
        except ValueError as error:
            raise CheckpointError(f"{path}: {error}") from None
    offsets = checkpoint.get("logit_offsets", {})
    if (not isinstance(offsets, dict) or not set(offsets) <= set(categories)
            or not all(not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and abs(v) <= 100
                       for v in offsets.values())):
        raise CheckpointError(f"{path}: logit_offsets must map categories of the checkpoint to numbers in [-100, 100]")
    if not isinstance(checkpoint.get("test_time_mirror", False), bool):
        raise CheckpointError(f"{path}: test_time_mirror must be true or false, got {checkpoint['test_time_mirror']!r}")
    return checkpoint


class Classifier:
    """A trained network plus its category names; predicts in eval mode under inference_mode."""

    def __init__(self, model: net.DoodleNet, categories, version: str = "", metrics: dict | None = None,
                 data: dict | None = None, created_at: str = "", path: Path | None = None,
                 temperature: float = 1.0, rule: RecognitionRule = OLD_RULE, offsets: dict | None = None,
                 mirror: bool = False):
        if model.config.num_classes != len(categories):
            raise ValueError(f"{model.config.num_classes} outputs but {len(categories)} categories")
        self.config: net.NetConfig = model.config
        self.categories: tuple[str, ...] = tuple(categories)
        self.version, self.created_at, self.path = version, created_at, path
        self.metrics: dict = metrics or {}
        self.data: dict = data or {}
        self.temperature = float(temperature)  # logits are divided by it (model/calibration.py)
        self.rule = rule  # when a guess ends a round (model/recognition.py)
        # Added to the logits of some words before anything else (model/finetune.py: taught words).
        self.offsets: dict[str, float] = {str(w): float(v) for w, v in (offsets or {}).items()}
        unknown = set(self.offsets) - set(self.categories)
        if unknown:
            raise ValueError(f"offsets for words the classifier does not know: {', '.join(sorted(unknown))}")
        self._offsets = (torch.tensor([self.offsets.get(c, 0.0) for c in self.categories], dtype=torch.float32)
                         if any(self.offsets.values()) else None)
        # Each image also seen mirrored, the two logits averaged (a model that learned that a doodle facing
        # the other way is the same word; finetune.guesses_mirrored): one batch of two, ~0.2 ms more a guess.
        self.mirror = bool(mirror)
        self._model = net.for_inference(model)

    @classmethod
    def load(cls, path=None, threads: int | None = None) -> Classifier:
        """Load a checkpoint (None = the bundled `assets/model.pt`).

        torch's global thread count is left alone unless `threads` is given (the game asks for 1).
        """
        path = BUNDLED_PATH if path is None else Path(path)
        checkpoint = read_checkpoint(path)
        model = net.build(net.config_from_dict(checkpoint["config"]))
        try:
            model.load_state_dict(checkpoint["weights"], strict=True)
        except RuntimeError as error:
            first = str(error).strip().splitlines()[0][:200]
            raise CheckpointError(f"{path}: weights do not fit the network config ({first})") from None
        if threads is not None:
            torch.set_num_threads(int(threads))
        rule = (RecognitionRule.from_dict(checkpoint["recognition"]) if "recognition" in checkpoint
                else OLD_RULE)
        return cls(model, checkpoint["categories"], version=checkpoint["version"],
                   metrics=checkpoint.get("metrics"), data=checkpoint.get("data"),
                   created_at=checkpoint.get("created_at", ""), path=path,
                   temperature=checkpoint.get("temperature", 1.0), rule=rule,
                   offsets=checkpoint.get("logit_offsets"), mirror=checkpoint.get("test_time_mirror", False))

    def __repr__(self) -> str:
        return f"Classifier(version={self.version!r}, {len(self.categories)} categories)"

    # ---- drawings ---------------------------------------------------------------------------

    def predict(self, drawing, k: int = 3) -> list[tuple[str, float]]:
        """The `k` likeliest categories for a drawing, best first; [] for a drawing without points."""
        return self.predict_many([drawing], k)[0]

    def predict_many(self, drawings, k: int = 3) -> list[list[tuple[str, float]]]:
        """`predict` for each drawing, in one batch through the network."""
        drawings = list(drawings)
        rasters = []
        for index, drawing in enumerate(drawings):
            try:
                rasters.append(self.rasterize(drawing))
            except ValueError as error:
                raise ValueError(f"drawing {index}: {error}" if len(drawings) > 1 else str(error)) from None
        side = self.config.image_size
        return self._top_k(np.stack(rasters) if rasters else np.zeros((0, side, side), np.uint8), k)

    def recognizes(self, guesses, word: str) -> bool:
        """Whether `guesses` (`predict(drawing, k=len(categories))`) end the round for `word`: the
        game's one rule, with this checkpoint's thresholds (model/recognition.py)."""
        return self.rule.recognizes(guesses, word)

    def rasterize(self, drawing) -> np.ndarray:
        """The network's input for a drawing: a (size, size) uint8 raster, blank if it has no points."""
        return strokes.rasterize(_without_empty_strokes(drawing), size=self.config.image_size)

    # ---- bitmaps ----------------------------------------------------------------------------

    def predict_bitmap(self, image, k: int = 3) -> list[tuple[str, float]]:
        """The `k` likeliest categories for one 28x28 uint8 image (or a flat 784 row); [] if blank."""
        image = np.asarray(image)
        side = self.config.image_size
        if image.shape not in ((side, side), (side * side,)):
            raise ValueError(f"expected a {side}x{side} image or a flat {side * side} row, got shape {image.shape}")
        return self.predict_bitmaps(image.reshape(1, side, side), k)[0]

    def predict_bitmaps(self, images, k: int = 3) -> list[list[tuple[str, float]]]:
        """`predict_bitmap` for a batch: (N, 28, 28) or (N, 784) uint8, e.g. a Google .npy file."""
        return self._top_k(self._as_batch(images), k)

    def probabilities(self, images) -> np.ndarray:
        """Softmax over all categories, (N, C) float32, for (N, 28, 28) or (N, 784) uint8 images."""
        return self._probabilities(self._as_batch(images))

    def logits(self, images) -> np.ndarray:
        """The network's outputs with the checkpoint's offsets, (N, C) float32, before the temperature
        (calibration fits it)."""
        batch = self._as_batch(images)
        if len(batch) == 0:
            return np.zeros((0, len(self.categories)), np.float32)
        with torch.inference_mode():
            return self._logits(batch).numpy()

    def _logits(self, batch: np.ndarray) -> torch.Tensor:
        images = net.to_input(torch.from_numpy(batch.copy()))  # rasters may be read-only
        if self.mirror:
            both = self._model(torch.cat([images, images.flip(-1)]))
            logits = (both[:len(images)] + both[len(images):]) / 2
        else:
            logits = self._model(images)
        return logits if self._offsets is None else logits + self._offsets

    def _probabilities(self, batch: np.ndarray) -> np.ndarray:
        if len(batch) == 0:
            return np.zeros((0, len(self.categories)), np.float32)
        with torch.inference_mode():
            logits = self._logits(batch)
            if self.temperature != 1.0:
                logits = logits / self.temperature
            return torch.softmax(logits, dim=1).numpy()

    def _as_batch(self, images) -> np.ndarray:
        images = np.asarray(images)
        side = self.config.image_size
        if images.dtype != np.uint8:
            raise ValueError(f"expected uint8 images (0 paper, 255 ink), got {images.dtype}")
        if images.ndim == 2 and images.shape[1] == side * side:
            images = images.reshape(len(images), side, side)
        if images.ndim != 3 or images.shape[1:] != (side, side):
            raise ValueError(f"expected images of shape (N, {side}, {side}) or (N, {side * side}), "
                             f"got {images.shape}")
        return images

    def _top_k(self, images: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        k = min(int(k), len(self.categories))
        results: list[list[tuple[str, float]]] = [[] for _ in range(len(images))]
        inked = [i for i, image in enumerate(images) if image.any()]  # blank images get []
        if inked:
            probs = self._probabilities(images if len(inked) == len(images) else images[inked])
            best = np.argsort(-probs, axis=1, kind="stable")[:, :k].tolist()
            probs = probs.tolist()
            for row, index in enumerate(inked):
                results[index] = [(self.categories[c], probs[row][c]) for c in best[row]]
        return results


def _without_empty_strokes(drawing):
    """Drop strokes with no points (a tap the canvas saw as nothing); anything else is left as is."""
    if isinstance(drawing, (list, tuple)):
        return [s for s in drawing if not _is_empty_stroke(s)]
    return drawing


def _is_empty_stroke(stroke) -> bool:
    if isinstance(stroke, np.ndarray):
        return stroke.size == 0
    if isinstance(stroke, (list, tuple)) and len(stroke) in (2, 3):
        return all(isinstance(part, (list, tuple, np.ndarray)) and len(part) == 0 for part in stroke)
    return False


# ---- which model plays ---------------------------------------------------------------------

def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:300]


SMOKE_DRAWING = [[[0, 10, 20], [0, 10, 0]]]   # one stroke: the guess every chosen model must answer


def check_usable(classifier: Classifier) -> Classifier:
    """A checkpoint that loads must also answer: a wrong shape shows up only on the first guess.
    The guess also warms the network up before the first player. Raises on a model that cannot."""
    if len(classifier.categories) < 2:
        raise ValueError(f"{classifier.path}: only {len(classifier.categories)} categories")
    classifier.predict(SMOKE_DRAWING)
    return classifier


@dataclass(frozen=True)
class ModelChoice:
    """The model `choose_model` picked, and what to log about it."""
    classifier: Classifier
    path: Path | None                 # the checkpoint in use; None is the bundled one
    note: str                         # one line: what was loaded, and why that one
    fell_back: bool = False           # the wanted model was unusable: the bundled one plays instead
    warnings: list[str] = field(default_factory=list)   # one line each, for the log


def choose_model(requested=None, store=None, threads: int | None = None) -> ModelChoice:
    """The classifier to play with: `requested` (`--model`), else `store`'s active model (the last
    one `train.py --db` or the kiosk recorded), else the bundled `assets/model.pt`.

    Anything wrong with the wanted one (a missing or foreign file, a network that cannot guess, a
    models table that cannot be read) falls back to the bundled model with a warning; a broken
    bundled model raises (CheckpointError), since there is nothing left to fall back to."""
    wanted, why, warnings, fell_back = requested, "--model", [], False
    if wanted is None and store is not None:
        try:
            active = store.active_model()
        except Exception as error:   # a models table that cannot be read must not stop the game
            warnings.append(f"cannot read the active model from the store: {error}")
            active = None
        if active is not None:
            wanted, why = Path(active["path"]), f"active model {active['version']}"
    if wanted is not None and Path(wanted).resolve() != BUNDLED_PATH.resolve():
        try:
            classifier = check_usable(Classifier.load(wanted, threads=threads))
            return ModelChoice(classifier, Path(wanted), f"model {wanted} ({why}) loaded: version "
                               f"{classifier.version}", warnings=warnings)
        except Exception as error:   # CheckpointError, a missing file, a network that cannot guess
            fell_back = True
            warnings.append(f"model {wanted} ({why}) is unusable: {_first_line(error)}; "
                            "falling back to the bundled model")
    classifier = check_usable(Classifier.load(None, threads=threads))
    return ModelChoice(classifier, None, f"bundled model {BUNDLED_PATH} loaded: version {classifier.version}",
                       fell_back, warnings)
