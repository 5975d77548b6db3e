"""The kiosk's log file: what happened on the exhibition floor, for the operator, never on screen.

An exhibition runs for weeks without anyone watching, so the log is the operator's only witness:
games played and abandoned, errors (with their tracebacks), model swaps, start-up checks. It goes to
one file that rotates by size (`LogConfig`), so it can never fill the disk; the visitor's screen never
shows any of it. Under systemd, warnings also reach the journal through stderr.

`setup_kiosk_logging` is called once by the kiosk process; `close_kiosk_logging` removes what it
added (tests start and stop many kiosks in one process). `format_fields` renders `key=value` pairs
the same way everywhere, so a line reads well and greps well: `game finished rounds=6 recognised=3`.
"""
from __future__ import annotations

import logging
import logging.handlers
import sys
from dataclasses import dataclass
from pathlib import Path

LOG_NAME = "pennydraw-kiosk.log"
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class LogConfig:
    # One file is at most this many bytes before it rotates (about 10,000 lines).
    max_bytes: int = 1_000_000
    # Rotated files kept (pennydraw-kiosk.log.1 ... .5): weeks of a busy exhibition in 6 MB at most.
    backups: int = 5
    # Lines at or above this level reach stderr (the systemd journal) as well as the file.
    stderr_level: int = logging.WARNING


def default_log_path(db_path: str | Path) -> Path:
    """logs/pennydraw-kiosk.log in the folder of the database (data/ by default)."""
    return Path(db_path).resolve().parent / "logs" / LOG_NAME


def format_fields(message: str, **fields) -> str:
    """'game finished' + rounds=6 -> 'game finished rounds=6' (values with spaces are quoted)."""
    parts = [message]
    for key, value in fields.items():
        text = f"{value:.3f}" if isinstance(value, float) else str(value)
        parts.append(f"{key}={text!r}" if (" " in text or not text) else f"{key}={text}")
    return " ".join(parts)


_installed: list[logging.Handler] = []
_previous_hook = None


def setup_kiosk_logging(path: str | Path, config: LogConfig = LogConfig()) -> Path:
    """Send every log line of the process to the rotating file at `path` (its folder is created).

    Returns the path. If the file cannot be opened (read-only disk, bad permissions) the kiosk must
    still run: lines then go to stderr only, with one line saying why."""
    global _previous_hook
    close_kiosk_logging()
    path = Path(path)
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    formatter = logging.Formatter(LINE_FORMAT)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(config.stderr_level)
    stderr.setFormatter(formatter)
    handlers: list[logging.Handler] = [stderr]
    problem = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        rotating = logging.handlers.RotatingFileHandler(path, maxBytes=config.max_bytes,
                                                        backupCount=config.backups, encoding="utf-8")
        rotating.setFormatter(formatter)
        handlers.append(rotating)
    except OSError as error:
        problem = f"cannot write the kiosk log {path}: {error.strerror or error}; logging to stderr only"
        stderr.setLevel(logging.INFO)
    for handler in handlers:
        root.addHandler(handler)
        _installed.append(handler)
    if problem:
        logging.getLogger("pennydraw").warning(problem)
    # A crash that escapes every guard still leaves its traceback in the file before the restart.
    _previous_hook = sys.excepthook
    sys.excepthook = _log_uncaught
    return path


def _log_uncaught(kind, value, traceback) -> None:
    if not issubclass(kind, KeyboardInterrupt):
        logging.getLogger("pennydraw").critical("the kiosk crashed", exc_info=(kind, value, traceback))
    (_previous_hook or sys.__excepthook__)(kind, value, traceback)


def close_kiosk_logging() -> None:
    """Flush and remove the handlers `setup_kiosk_logging` added (and its exception hook)."""
    global _previous_hook
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()
    if _previous_hook is not None:
        sys.excepthook = _previous_hook
        _previous_hook = None
