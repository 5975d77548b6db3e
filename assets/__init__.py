"""The files pennydraw ships, read-only: the bundled model, fonts, translations, category lists, rates.

    import assets
    assets.path("model.pt")                       # the bundled checkpoint
    assets.path("fonts", "Quicksand-Bold.ttf")

Why a package: one rule then finds these files wherever pennydraw runs. `importlib.resources` asks the
import system where the `assets` package was loaded from: this folder in a checkout or an editable
install, site-packages once a wheel is installed (`pyproject.toml` ships the files as its package data).
A path computed from a module's own file (`Path(__file__).parents[1] / "assets"`) only held in a
checkout: the wheel it built had no assets at all, and nothing said so until a player pressed Start.

Why here, at the top beside `model/` and `game/` and not inside one of them: both read it (the model,
categories and rates in `model/`, the fonts in `game/`), and its files are known by these paths
(`train.py --out assets/model.pt`, `assets/labour_rates.toml`). Installed, `assets` is a top-level
package like `model` and `game`; `pipx install .` keeps the three in pennydraw's own environment.

What pennydraw *writes* (the database, pay slips, checkpoints) never goes here: `model/locations.py`.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path


def path(*parts: str) -> Path:
    """The shipped file or folder `assets/<parts...>` as a real path (torch.load, pygame's fonts and
    error messages need one). It need not exist: whoever opens it says what is missing."""
    folder = resources.files(__name__)
    if not isinstance(folder, Path):  # e.g. imported from a zip archive: there is no file to hand out
        raise RuntimeError(f"pennydraw's assets are inside {folder}, not in a folder: install pennydraw "
                           "as files (pip install .), not as a zip archive")
    return folder.joinpath(*parts)
