"""Shared test set-up: headless pygame, the repository root on sys.path, and the real Quick, Draw! sample.

The dummy SDL drivers are set before any test imports pygame, so no test opens a window or a sound
device unless it starts its own X server (the end-to-end test does).
"""
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = REPO_ROOT.parent / "shared" / "quickdraw-sample"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The real Quick, Draw! sample beside the checkout (read in place, never copied)."""
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"the Quick, Draw! sample is not at {SAMPLE_DIR}")
    return SAMPLE_DIR


# The drawing store, as sqlite-utils' own tests do it: one in memory for the quick tests, a real file
# (in a folder that does not exist yet) where the file itself matters.
@pytest.fixture
def memory_store():
    from model.store import Store
    with Store(":memory:") as store:
        yield store


@pytest.fixture
def file_store(tmp_path):
    from model.store import Store
    with Store(tmp_path / "nested" / "dir" / "pennydraw.db") as store:
        yield store


@pytest.fixture
def run_train(capsys):
    """train.py's `main` on `argv` (anything `str` takes): returns (exit code, what it printed)."""
    from model import train_command

    def run(argv):
        code = train_command.main([str(a) for a in argv])
        return code, capsys.readouterr().out
    return run
