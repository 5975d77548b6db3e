"""Where pennydraw writes: beside the code in a checkout, in the user's data folder once installed.

The same code runs two ways:

- from a checkout (`make play`, `python play.py`, an editable install): the folder that holds `model/`
  holds `pyproject.toml` too, and what pennydraw writes stays beside the code, ignored by git:
  `data/pennydraw.db`, `data/payslips/`, and `runs/` for checkpoints `train.py` writes without `--out`;
- installed (`pip install .`, `pipx install .`): the code lies in site-packages, no place for a player's
  drawings, so `DATA_DIR` is the user's data folder as platformdirs names it: `~/.local/share/pennydraw`
  on Linux (`$XDG_DATA_HOME/pennydraw` when that is set), `~/Library/Application Support/pennydraw` on
  macOS, `%LOCALAPPDATA%\\pennydraw` on Windows; checkpoints go to its `runs/`.

`--db PATH` overrides the database for one run; a kiosk keeps the path its unit configures, with its
pay slips, models and logs beside it. The game prints the folder at start and `--help` shows it.
Nothing is created here: each writer makes its folder when it first writes. The files pennydraw
*ships* (model, fonts, translations, rates) are read through `assets/__init__.py` instead.

A child process that must run this same copy of pennydraw (the kiosk's retraining job and the training
it starts, the crash drill's kiosk) is started with `module_command` and `child_environment`.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "pennydraw"
# The folder the `model` package was imported from: a checkout's root, or site-packages.
IMPORT_ROOT = Path(__file__).resolve().parents[1]
# That folder when it is a checkout (it has the project's pyproject.toml and play.py), else None.
CHECKOUT: Path | None = (IMPORT_ROOT if (IMPORT_ROOT / "pyproject.toml").is_file()
                         and (IMPORT_ROOT / "play.py").is_file() else None)
# appauthor=False: no vendor folder above ours on Windows.
DATA_DIR = (CHECKOUT / "data" if CHECKOUT is not None
            else platformdirs.user_data_path(APP_NAME, appauthor=False))
DEFAULT_DB_PATH = DATA_DIR / "pennydraw.db"
PAYSLIP_DIR = DATA_DIR / "payslips"
RUNS_DIR = CHECKOUT / "runs" if CHECKOUT is not None else DATA_DIR / "runs"
# What DATA_DIR is, in words, for `--help` texts and the start-up line.
DATA_DIR_KIND = "this checkout's data folder" if CHECKOUT is not None else "the user's data folder"


def module_command(module: str, *args: str, python: str = sys.executable) -> list[str]:
    """`python -m module args...`, by default with this interpreter, importing this same copy of pennydraw.

    `-P` keeps the child's working directory off its import path, so a folder called `model/` where it
    happens to run is never imported instead; `child_environment` puts a checkout on the path."""
    return [python, "-P", "-m", module, *args]


def child_environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for `module_command`: `base` (default os.environ), with a checkout's root first
    on PYTHONPATH. An installed copy needs nothing: its interpreter's site-packages already hold it (and
    putting site-packages on PYTHONPATH would rank it above the standard library)."""
    env = dict(os.environ if base is None else base)
    if CHECKOUT is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CHECKOUT), env.get("PYTHONPATH")]))
    return env
