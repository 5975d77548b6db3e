"""The game's settings: one dataclass with commented defaults, and the command line that fills it.

`play.py --help` prints the parser built here. Everything the scenes tune (round length, how sure the
machine must be, how often it guesses, how fast it talks) lives in `Settings`, so a kiosk operator or a
test changes one value instead of hunting through scene code.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("en", "fr", "nl")
# The smallest window in which every text of every language fits (the tests check this size).
MIN_SIZE = (640, 480)
ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets"


@dataclass
class Settings:
    # SQLite file of every drawing; its folder is created when missing.
    db: Path = ROOT / "data" / "pennydraw.db"
    # Classifier checkpoint; None means the bundled assets/model.pt. A bad file falls back to it.
    model: Path | None = None
    # Language of all text, category names and the voice: en, fr or nl.
    lang: str = "en"
    # No speech at all (the game never fails without a speech engine either).
    mute: bool = False
    # Fill the screen instead of opening a window.
    fullscreen: bool = False
    # Window size in pixels when not fullscreen; the layout adapts to any size after resizing.
    size: tuple[int, int] = (1280, 800)
    # Length of one drawing round.
    seconds: float = 20.0
    # Prompts per game, drawn from the model's categories without repeats.
    rounds: int = 6
    # The round ends early when the prompt is the top guess with at least this probability.
    threshold: float = 0.5
    # At most one classification per this many seconds of new ink (a Quick, Draw!-like pace).
    guess_interval: float = 0.1
    # How long the verdict ("Oh, I know, it's a cat!") stays before the next prompt card.
    verdict_seconds: float = 2.5
    # Never start a new spoken guess sooner than this after the previous one started.
    speech_interval: float = 1.6
    # Speech rate in words per minute (espeak's default 175 is hard to follow in a noisy room).
    speech_rate: int = 160
    # Taps in the first moments of a scene are ignored, so a double tap cannot skip a card.
    input_grace: float = 0.35
    # Frames per second the loop aims for.
    fps: int = 60
    # When set, a PNG of each new scene is saved here (tests and documentation screenshots).
    screenshot_dir: Path | None = field(
        default_factory=lambda: Path(os.environ["PENNYDRAW_SCREENSHOT_DIR"])
        if os.environ.get("PENNYDRAW_SCREENSHOT_DIR") else None)
    # Seed of the prompt order; None draws new prompts every game. PENNYDRAW_SEED sets it (tests, demos).
    seed: int | None = field(default_factory=lambda: _int_or_none(os.environ.get("PENNYDRAW_SEED")))

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {self.lang!r}")
        if not self.seconds > 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")
        if self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {self.rounds}")
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        width, height = self.size
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            raise ValueError("window size must be at least {}x{}, got {}x{}".format(*MIN_SIZE, width, height))


def _int_or_none(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"PENNYDRAW_SEED must be a whole number, got {text!r}") from None


def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); a clear error for anything else."""
    parts = text.lower().replace("*", "x").split("x")
    try:
        width, height = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, got {text!r}") from None
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        raise argparse.ArgumentTypeError("size must be at least {}x{}, got {!r}".format(*MIN_SIZE, text))
    return width, height


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"seconds must be positive, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog="play.py",
        description="pennydraw: draw for the machine, and see the work you did for it.")
    parser.add_argument("--db", type=Path, default=defaults.db,
                        help="SQLite file that keeps every drawing "
                             "(default data/pennydraw.db in the repository)")
    parser.add_argument("--model", type=Path, default=None,
                        help="classifier checkpoint (default: the bundled assets/model.pt; "
                             "a bad file falls back to it with a log line)")
    parser.add_argument("--lang", choices=LANGUAGES, default=defaults.lang,
                        help="language of text, prompts and voice (default en)")
    parser.add_argument("--mute", action="store_true", help="no spoken guesses")
    parser.add_argument("--fullscreen", action="store_true", help="fill the whole screen")
    parser.add_argument("--seconds", type=_positive_float, default=defaults.seconds,
                        help=f"seconds per drawing (default {defaults.seconds:g})")
    parser.add_argument("--rounds", type=_positive_int, default=defaults.rounds,
                        help=f"prompts per game (default {defaults.rounds})")
    parser.add_argument("--size", type=parse_size, default=defaults.size, metavar="WxH",
                        help="window size (default {}x{})".format(*defaults.size))
    return parser


def settings_from_args(argv: list[str] | None) -> Settings:
    """Parse the command line into Settings (argparse exits with a message on bad input)."""
    args = build_parser().parse_args(argv)
    return Settings(db=args.db, model=args.model, lang=args.lang, mute=args.mute,
                    fullscreen=args.fullscreen, seconds=args.seconds, rounds=args.rounds,
                    size=args.size)
