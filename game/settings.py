"""The game's settings: one dataclass with commented defaults, and the command line that fills it.

`play.py --help` prints the parser built here. Everything the scenes tune (round length, how sure the
machine must be, how often it guesses, how fast it talks) lives in `Settings`, so a kiosk operator or a
test changes one value instead of hunting through scene code.

The rules a value must follow are checked once, in `Settings.__post_init__`, whoever builds it (the
command line, the kiosk config file, a test); the parser only turns text into numbers and paths, and
turns a refused value into argparse's usual one-line error.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from model import locations
from model.quickdraw.records import countrycode_problem
from model.translations import LANGUAGES  # noqa: F401  (the game speaks the languages with a file)

# The smallest window in which every text of every language fits (the tests check this size).
MIN_SIZE = (640, 480)
# Players' drawings are erased after a year by default: long enough to retrain the machine from them
# over an exhibition season, short enough that nothing is kept "just in case" (GDPR: storage limitation).
DEFAULT_KEEP_DAYS = 365
KIOSK_RETRAIN_EVERY = 300   # `Settings.retrain_every` by default in a kiosk...
HOME_RETRAIN_EVERY = 30     # ...and at home


@dataclass
class Settings:
    # SQLite file of every drawing; its folder is created when missing. data/ in a checkout, the
    # user's data folder once installed (model/locations.py).
    db: Path = locations.DEFAULT_DB_PATH
    # Classifier checkpoint; None means the store's active model, else the bundled assets/model.pt.
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
    # --- exhibition kiosk (`play.py --kiosk`, game/kiosk/) ---
    # Kiosk mode: full screen, cursor hidden, attract loop when idle, no way out without the PIN.
    kiosk: bool = False
    # Seconds without any input before a kiosk game is abandoned (its finished rounds stay stored)
    # and the attract loop returns: long enough to think about a drawing, short enough to free the
    # screen soon after a visitor walks away.
    idle_seconds: float = 45.0
    # The same on the pay slip, which shows the visitor's erasure code: a visitor who walks away from
    # it must not leave the code to the next one. 20 s is time to read the slip and photograph it
    # (any touch restarts the clock); after it the game is dropped and the attract loop returns.
    payslip_idle_seconds: float = 20.0
    # The operator's PIN (6 to 12 digits, see `pin_problem`) asked after the exit chord or corner long
    # press; None: the kiosk has no operator exit (stop it with `systemctl stop pennydraw-kiosk`).
    pin: str | None = None
    # The country every drawing of this installation is labelled with (Google's countrycode, two
    # upper-case letters such as "BE"), stated on the consent screen; None: no country, as a home
    # install. It is the place of the installation, never asked of a player.
    country: str | None = None
    # Retrain from players' drawings after every this many new consented drawings; 0: never. None
    # means 300 in a kiosk (about 50 games: a day of an exhibition) and 30 at home (5 games of one
    # player, so the machine they teach learns while they still play; a retraining is judged only
    # once a tenth of the drawings, held out, reaches model/onsite.MIN_HELD_OUT, about 100 drawings).
    retrain_every: int | None = None
    # The kiosk's rotating log file; None means logs/pennydraw-kiosk.log beside the database.
    log: Path | None = None
    # Hidden test driver: scripted visitors, e.g. "seed=3,speed=6,journal=PATH" (game/kiosk/autoplay.py).
    autoplay: str | None = None
    # When set, a PNG of each new scene is saved here (tests and documentation screenshots).
    screenshot_dir: Path | None = field(
        default_factory=lambda: Path(os.environ["PENNYDRAW_SCREENSHOT_DIR"])
        if os.environ.get("PENNYDRAW_SCREENSHOT_DIR") else None)
    # Retention: at start, players' drawings older than this many days are erased (None: kept until
    # erased by code or by hand). The consent screen and the pay slip state it.
    keep_days: int | None = DEFAULT_KEEP_DAYS
    # Where "Save as PNG" on the pay slip writes its images (created when first needed); the kiosk
    # puts them beside its database.
    payslip_dir: Path = locations.PAYSLIP_DIR
    # The sourced micro-task rates every money figure comes from; None means assets/labour_rates.toml.
    rates: Path | None = None
    # --- teaching the machine new words (model/teaching.py) ---
    # Share of prompts that are words the machine does not know yet ("teach the machine" rounds),
    # chosen from Quick, Draw!'s 345: 1/6 is one round in a game of six, so a word gets its drawings in
    # about 20 games while the machine still guesses most of a game; 0 switches them off.
    teach_share: float = 1 / 6
    # A retraining adds a new word once it has this many donated drawings (`retrain_job --new-word-min`):
    # 20 real drawings a word were enough for most words to reach about 70% top-1 in issue 12's tests.
    teach_word_drawings: int = 20
    # Seed of the prompt order; None draws new prompts every game. PENNYDRAW_SEED sets it (tests, demos).
    seed: int | None = field(default_factory=lambda: _int_or_none(os.environ.get("PENNYDRAW_SEED")))

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {self.lang!r}")
        if not self.seconds > 0:
            raise ValueError(f"seconds must be positive, got {self.seconds}")
        if self.rounds < 1:
            raise ValueError(f"rounds must be at least 1, got {self.rounds}")
        if self.keep_days is not None and not _is_whole(self.keep_days, 1):
            raise ValueError(f"keep_days must be a whole number of days >= 1 or None, got {self.keep_days!r}")
        width, height = self.size
        if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
            raise ValueError("window size must be at least {}x{}, got {}x{}".format(*MIN_SIZE, width, height))
        # Kiosk values that would make an exhibition unattended-unsafe.
        for name in ("idle_seconds", "payslip_idle_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if pin_problem(self.pin):
            raise ValueError(pin_problem(self.pin))   # never echoes the PIN itself
        if countrycode_problem(self.country):
            raise ValueError(countrycode_problem(self.country))
        if self.retrain_every is None:
            self.retrain_every = KIOSK_RETRAIN_EVERY if self.kiosk else HOME_RETRAIN_EVERY
        if not _is_whole(self.retrain_every, 0):
            raise ValueError(f"retrain_every must be a whole number >= 0, got {self.retrain_every!r}")
        share = self.teach_share
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            raise ValueError(f"teach_share must be a number from 0 to 1, got {share!r}")
        if not _is_whole(self.teach_word_drawings, 1):
            raise ValueError(f"teach_word_drawings must be a whole number >= 1, got {self.teach_word_drawings!r}")


def _is_whole(value, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _int_or_none(text: str | None) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"PENNYDRAW_SEED must be a whole number, got {text!r}") from None


# --- text into values (the rules are Settings') -------------------------------------------------
def parse_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); a clear error for anything else."""
    parts = text.lower().replace("*", "x").split("x")
    try:
        width, height = (int(part) for part in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x800, got {text!r}") from None
    return width, height


def _seconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None


def _whole_number(text: str, what: str = "a whole number") -> int:
    """An argparse value: an int, or a one-line error saying what was expected."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None


def _fraction(text: str) -> float:
    """'0.25' or '1/6' -> a number (Settings checks that it is from 0 to 1)."""
    try:
        top, _, bottom = text.partition("/")
        return float(top) / float(bottom) if bottom else float(top)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"expected a fraction like 0.25 or 1/6, got {text!r}") from None


def parse_keep_days(text: str) -> int | None:
    """'30' -> 30, 'forever' -> None (kept until erased); a clear error for anything else."""
    if text.strip().lower() == "forever":
        return None
    return _whole_number(text, "a whole number of days or 'forever'")


def build_parser(prog: str = "pennydraw") -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(
        prog=prog,
        description="pennydraw: draw for the machine, and see the work you did for it.",
        epilog=f"Drawings and pay slips are kept in {locations.DATA_DIR_KIND}, {locations.DATA_DIR}.")
    parser.add_argument("--db", type=Path, default=defaults.db,
                        help=f"SQLite file that keeps every drawing (default {defaults.db})")
    parser.add_argument("--model", type=Path, default=None,
                        help="classifier checkpoint (default: the database's active model, recorded by "
                             "train.py --db or the kiosk, else the bundled assets/model.pt; a bad file falls "
                             "back to the bundled one with a log line)")
    parser.add_argument("--lang", choices=LANGUAGES, default=defaults.lang,
                        help="language of text, prompts and voice (default en)")
    parser.add_argument("--mute", action="store_true", help="no spoken guesses")
    parser.add_argument("--fullscreen", action="store_true", help="fill the whole screen")
    parser.add_argument("--seconds", type=_seconds, default=defaults.seconds,
                        help=f"seconds per drawing (default {defaults.seconds:g})")
    parser.add_argument("--rounds", type=_whole_number, default=defaults.rounds,
                        help=f"prompts per game (default {defaults.rounds})")
    parser.add_argument("--size", type=parse_size, default=defaults.size, metavar="WxH",
                        help="window size (default {}x{})".format(*defaults.size))
    parser.add_argument("--keep-days", type=parse_keep_days, default=defaults.keep_days, metavar="DAYS",
                        help="at start, erase players' drawings older than DAYS days; 'forever' keeps "
                             f"them until erased (default {defaults.keep_days})")
    parser.add_argument("--teach-share", type=_fraction, metavar="F",
                        help="share of prompts that teach the machine a word it does not know, 0 to 1 "
                             f"(default {defaults.teach_share:.3g})")
    parser.add_argument("--teach-word-drawings", type=_whole_number, metavar="N",
                        help="drawings a new word needs before a retraining adds it "
                             f"(default {defaults.teach_word_drawings})")
    parser.add_argument("--retrain-every", type=_whole_number, metavar="N",
                        help=f"retrain the machine from players' drawings after every N new ones, 0 never (default {KIOSK_RETRAIN_EVERY} in a "
                             f"kiosk, {HOME_RETRAIN_EVERY} at home)")
    add_kiosk_arguments(parser)
    return parser


def settings_from_args(argv: list[str] | None, prog: str = "pennydraw") -> Settings:
    """Parse the command line into Settings (argparse exits with a message on bad input, and on a
    value the Settings refuse)."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        return Settings(db=args.db, model=args.model, lang=args.lang, mute=args.mute,
                        fullscreen=args.fullscreen, seconds=args.seconds, rounds=args.rounds,
                        size=args.size, keep_days=args.keep_days,
                        **kiosk_options(args, parser))
    except ValueError as error:
        parser.error(str(error))


# --- kiosk mode: its options, and the config file that keeps the PIN off the command line ----------
# The operator PIN is the only way out of a kiosk, typed where every visitor can watch. Six digits
# at least: against the pad's lock (three wrong PINs, then a lock that doubles up to an hour) a
# million PINs take decades to try, four digits only months. The example config holds a placeholder
# that is not a PIN, and PINs pennydraw ever published (the example's until issue 16) are refused,
# as are ones anybody tries first (one digit repeated, a run up or down).
PIN_DIGITS = (6, 12)
PIN_PLACEHOLDER = "SET-YOUR-OWN-PIN"      # what deploy/kiosk.toml.example holds
PUBLISHED_PINS = frozenset({"480215"})
PIN_HOW = ('set one of your own in the kiosk config, quoted: pin = "<6 to 12 digits>" (for instance '
           'python3 -c "import secrets; print(10**7 + secrets.randbelow(9 * 10**7))" makes one), or '
           "remove the pin line for a kiosk without an operator exit (stop it with systemctl)")


def pin_problem(pin: str | None) -> str | None:
    """Why `pin` cannot be the operator PIN, saying how to set one; None when it can (or there is
    none). The message never repeats the PIN."""
    if pin is None:
        return None
    pin, (low, high) = str(pin), PIN_DIGITS
    if pin == PIN_PLACEHOLDER:
        return f"the operator PIN is still the example's placeholder: {PIN_HOW}"
    if not (pin.isascii() and pin.isdigit() and low <= len(pin) <= high):
        return f"the operator PIN must be {low} to {high} digits: {PIN_HOW}"
    if pin in PUBLISHED_PINS:
        return f"the operator PIN is one pennydraw published in an example, known to anyone: {PIN_HOW}"
    steps = {int(b) - int(a) for a, b in zip(pin, pin[1:])}
    if len(steps) == 1 and steps <= {-1, 0, 1}:
        return f"the operator PIN is too easy to guess (one digit repeated, or a run): {PIN_HOW}"
    return None


KIOSK_CONFIG_KEYS = {"pin": str, "idle_seconds": (int, float), "payslip_idle_seconds": (int, float),
                     "retrain_every": int, "teach_share": (int, float), "teach_word_drawings": int, "log": str,
                     "country": str}


def read_kiosk_config(path: Path) -> dict:
    """The TOML kiosk config (the keys of `KIOSK_CONFIG_KEYS`); errors name the file."""
    import tomllib
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot read the kiosk config {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise argparse.ArgumentTypeError(f"kiosk config {path} is not valid TOML: {error}") from None
    for key, value in data.items():
        if key not in KIOSK_CONFIG_KEYS:
            raise argparse.ArgumentTypeError(
                f"kiosk config {path}: unknown key {key!r} (known: {', '.join(KIOSK_CONFIG_KEYS)})")
        if isinstance(value, bool) or not isinstance(value, KIOSK_CONFIG_KEYS[key]):
            hint = ' (quote it: pin = "<6 to 12 digits>")' if key == "pin" else ""
            raise argparse.ArgumentTypeError(f"kiosk config {path}: {key} has the wrong type{hint}")
    for problem in (pin_problem(data.get("pin")), countrycode_problem(data.get("country"))):
        if problem:   # said here too, to name the file to edit
            raise argparse.ArgumentTypeError(f"kiosk config {path}: {problem}")
    return data


def add_kiosk_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Settings()
    group = parser.add_argument_group("exhibition kiosk")
    group.add_argument("--kiosk", action="store_true",
                       help="exhibition mode: full screen, attract loop, idle reset, operator exit only")
    group.add_argument("--config", type=Path, metavar="PATH",
                       help="kiosk config file (TOML: pin, idle_seconds, payslip_idle_seconds, retrain_every, "
                            "teach_share, teach_word_drawings, log, country); "
                            "the command line wins over it")
    group.add_argument("--idle-seconds", type=_seconds, metavar="S",
                       help=f"abandon a kiosk game after S seconds without input (default {defaults.idle_seconds:g})")
    group.add_argument("--payslip-idle-seconds", type=_seconds, metavar="S",
                       help="the same on the pay slip, which shows the erasure code "
                            f"(default {defaults.payslip_idle_seconds:g})")
    group.add_argument("--pin", metavar="DIGITS",
                       help="operator PIN for the exit (prefer the config file: a command line is visible to ps)")
    group.add_argument("--country", metavar="CC",
                       help="label every drawing of this installation with this country (two upper-case "
                            "letters, e.g. BE), stated on the consent screen (default: none)")
    group.add_argument("--log", type=Path, metavar="PATH",
                       help="kiosk log file, rotated (default logs/pennydraw-kiosk.log beside the database)")
    group.add_argument("--autoplay", help=argparse.SUPPRESS)  # scripted visitors for the crash tests


def kiosk_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> dict:
    """Settings fields of the kiosk options: the command line first, then the config file."""
    config = {}
    if args.config is not None:
        try:
            config = read_kiosk_config(args.config)
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
    options = {"kiosk": args.kiosk, "autoplay": args.autoplay}
    for name in KIOSK_CONFIG_KEYS:
        value = getattr(args, name)
        value = config.get(name) if value is None else value
        if value is not None:
            options[name] = Path(value) if name == "log" else value
    return options
