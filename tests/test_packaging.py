"""pennydraw as users install it: a wheel built from this tree, installed in a fresh virtual environment,
run from another folder, with no checkout on its path.

The wheel is built offline (`pip wheel --no-deps --no-build-isolation --no-index`, from a copy of the
tree so the checkout gains no build/ or egg-info) and installed without its dependencies into a venv
made without pip. That venv reuses this interpreter's torch, pygame and the rest through a `.pth` file
naming this interpreter's site-packages; `--system-site-packages` would not do, since a venv made from
a venv sees the base Python's packages, not the venv's. A `.pth` line only adds a folder to the path:
the `.pth` files inside it (the shared editable install's finder among them) do not run, so `model`,
`game` and `assets` can only come from the wheel, which each test checks.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import site
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import NamedTuple

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Never copied into the build: what git ignores, and what a build would leave behind.
NOT_BUILT_FROM = {".git", ".venv", "data", "runs", "test-artifacts", "build", "dist", ".pytest_cache",
                  ".hypothesis", ".gl", ".whl"}
COMMANDS = ("pennydraw", "pennydraw-train", "pennydraw-data")


def shipped_asset_files() -> set[str]:
    """Every file of the checkout's assets/ folder, as `assets/...` paths (compiled Python aside)."""
    folder = REPO_ROOT / "assets"
    return {path.relative_to(REPO_ROOT).as_posix() for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts}


def run(command, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def copy_source(target: Path) -> None:
    def ignore(folder, names):
        at_root = Path(folder) == REPO_ROOT
        return [n for n in names
                if (at_root and n in NOT_BUILT_FROM) or n == "__pycache__" or n.endswith(".egg-info")]
    shutil.copytree(REPO_ROOT, target, ignore=ignore)


class Installed(NamedTuple):
    bin_dir: Path      # the venv's bin/: python and the three commands
    env: dict          # no PYTHONPATH, a user data folder of its own, headless SDL
    elsewhere: Path    # the working directory: neither the checkout nor the venv
    purelib: Path      # the venv's site-packages, where model/, game/ and assets/ must come from


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """A fresh venv holding the wheel built from this tree, and how to run it from elsewhere."""
    try:
        import setuptools  # noqa: F401  (the build backend; a test dependency in pyproject.toml)
    except ImportError:
        pytest.fail("building the wheel offline needs setuptools in this environment: pip install -e '.[test]'")
    root = tmp_path_factory.mktemp("wheel")
    offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    copy_source(root / "src")
    run([sys.executable, "-m", "pip", "wheel", str(root / "src"), "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(root / "dist")], env=offline, cwd=root)
    wheel, = (root / "dist").glob("pennydraw-*.whl")
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--quiet", str(wheel)], env=offline, cwd=root)
    # After the install, so pip does not meet the host's own pennydraw (an editable install) there.
    purelib = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    (purelib / "_pennydraw_test_host.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PENNYDRAW_SCREENSHOT_DIR", "PENNYDRAW_SEED")}
    env.update(XDG_DATA_HOME=str(root / "xdg"), SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
               OMP_NUM_THREADS="1", COLUMNS="250")   # --help lines unwrapped: paths stay whole
    return Installed(venv / "bin", env, elsewhere, purelib)


def test_the_three_commands_answer_help_from_the_installed_copy(installed):
    bin_dir, env, elsewhere, _ = installed
    helps = {name: run([str(bin_dir / name), "--help"], env=env, cwd=elsewhere).stdout for name in COMMANDS}
    for name, text in helps.items():
        assert text.startswith(f"usage: {name} "), text[:200]
    from game.settings import build_parser   # the checkout's play.py: the installed game has its options
    options = {o for action in build_parser()._actions for o in action.option_strings}
    assert [o for o in options if o not in helps["pennydraw"]] == ["--autoplay"]   # hidden in both
    data_folder = Path(env["XDG_DATA_HOME"]) / "pennydraw"
    flat = {name: " ".join(text.split()) for name, text in helps.items()}   # argparse's line breaks
    assert f"(default {data_folder / 'pennydraw.db'})" in flat["pennydraw"]
    assert f"kept in the user's data folder, {data_folder}." in flat["pennydraw"]
    assert f"The store is {data_folder / 'pennydraw.db'} (the user's data folder)" in flat["pennydraw-data"]
    assert f"(default {data_folder / 'runs' / '<version>.pt'})" in flat["pennydraw-train"]


INSTALLED_COPY = textwrap.dedent("""
    import json, pkgutil, importlib, subprocess, sys
    from pathlib import Path
    venv = Path(sys.prefix)
    import assets, game, model
    names = [m.name for package in (assets, game, model)
             for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    modules = [importlib.import_module(n) for n in ["assets", "game", "model"] + names
               if not n.endswith(".__main__")]     # those run their command when imported
    outside = [m.__name__ for m in modules if venv not in Path(m.__file__).parents]

    from model import locations
    from model.classify import Classifier, BUNDLED_PATH
    from model.store import DEFAULT_DB_PATH
    import pygame
    from game import theme
    pygame.font.init()
    fonts = [pygame.font.Font(str(p), 24).size("Ça dessine, één") for p in (theme.FONT_BOLD, theme.FONT_REGULAR)]
    classifier = Classifier.load()
    guess = classifier.predict([[[10, 90, 90, 10, 10], [10, 10, 90, 90, 10]]], k=3)
    # A few frames of the game, as `pennydraw` starts it: the bundled model, the fonts, the title screen.
    from game.app import App
    from game.main import data_line
    from game.settings import Settings
    settings = Settings(mute=True, screenshot_dir=Path(sys.argv[1]))
    app = App(settings).start()
    for _ in range(5):
        app.step([], 1 / 60)
    scene = type(app.scene).__name__
    app.close()
    shipped = sorted(p.relative_to(assets.path().parent).as_posix() for p in assets.path().rglob("*")
                     if p.is_file() and "__pycache__" not in p.parts)
    # How the kiosk starts its retraining and the crash drill its kiosk: this same installed copy.
    child = subprocess.run(locations.module_command("model.train_command", "--help"),
                           env=locations.child_environment(), capture_output=True, text=True)
    print(json.dumps({
        "modules": len(modules), "outside": outside, "checkout": str(locations.CHECKOUT),
        "db": str(DEFAULT_DB_PATH), "payslips": str(locations.PAYSLIP_DIR),
        "model": str(BUNDLED_PATH), "in_venv": all(venv in Path(p).parents for p in
                                                     (BUNDLED_PATH, theme.FONT_BOLD, theme.FONT_REGULAR)),
        "fonts": fonts, "categories": len(classifier.categories), "guess": guess,
        "shipped": shipped, "child": [child.returncode, child.stdout.partition(" [")[0]],
        "scene": scene, "start_line": data_line(settings)}))
""")


def test_the_installed_copy_imports_every_module_finds_its_own_files_and_runs_frames(installed, tmp_path):
    bin_dir, env, elsewhere, _ = installed
    done = run([str(bin_dir / "python"), "-c", INSTALLED_COPY, str(tmp_path)], env=env, cwd=elsewhere)
    found = json.loads(done.stdout.splitlines()[-1])
    checkout_modules = [p for p in (*REPO_ROOT.glob("model/**/*.py"), *REPO_ROOT.glob("game/**/*.py"))
                        if p.name != "__main__.py"]
    assert found["modules"] == len(checkout_modules) + 1    # + assets/__init__.py
    assert found["outside"] == []
    assert found["checkout"] == "None"
    data_folder = Path(env["XDG_DATA_HOME"]) / "pennydraw"
    assert found["db"] == str(data_folder / "pennydraw.db") and found["payslips"] == str(data_folder / "payslips")
    assert found["in_venv"], found["model"]
    assert all(width > 0 and height > 0 for width, height in found["fonts"])
    assert found["categories"] >= 40 and len(found["guess"]) == 3
    missing = shipped_asset_files() - set(found["shipped"])
    assert not missing, f"not in the wheel (add them to [tool.setuptools.package-data]): {sorted(missing)}"
    assert found["child"] == [0, "usage: python -m model.train_command"]
    assert found["scene"] == "TitleScene" and (tmp_path / "01-title.png").stat().st_size > 10_000
    assert found["start_line"] == f"drawings are kept in {data_folder / 'pennydraw.db'} (the user's data folder)"
    assert (data_folder / "pennydraw.db").is_file()     # the game's start made it there


def wait_for(predicate, process: subprocess.Popen, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert process.poll() is None, f"the game exited {process.returncode} before {what}"
        assert time.monotonic() < deadline, f"no {what} after {timeout:.0f} s"
        time.sleep(0.1)


def test_the_installed_kiosk_plays_rounds_into_the_users_data_folder(installed, tmp_path):
    """`pennydraw --kiosk` with scripted visitors (the crash drill's) records donated rounds in the
    user's data folder, the database of a kiosk given no --db, and stops cleanly on SIGTERM."""
    bin_dir, env, elsewhere, purelib = installed
    db = Path(env["XDG_DATA_HOME"]) / "pennydraw" / "pennydraw.db"
    journal = tmp_path / "journal.txt"
    with open(tmp_path / "kiosk.log", "w+") as log:
        kiosk = subprocess.Popen([str(bin_dir / "pennydraw"), "--kiosk", "--mute", "--seconds", "3", "--rounds", "2",
                                  "--retrain-every", "0", "--autoplay", f"seed=2,speed=20,journal={journal}"],
                                 cwd=elsewhere, env=env, stdout=log, stderr=log)
        try:
            wait_for(lambda: journal.exists() and "consent=1 ink=1" in journal.read_text(), kiosk, 90,
                     "donated round")
        finally:
            kiosk.send_signal(signal.SIGTERM)
            kiosk.wait(30)
        log.seek(0)
        assert kiosk.returncode == 0, log.read()
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT count(*) FROM drawings").fetchone()[0] >= 1
    kiosk_log = (db.parent / "logs" / "pennydraw-kiosk.log").read_text()   # beside the database
    assert str(purelib / "assets" / "model.pt") in kiosk_log                  # the installed model


def test_no_module_finds_files_from_its_own_path():
    """Shipped files come from `assets.path`, written ones from `model/locations.py`: the one module
    that may look at where the code lies, to tell a checkout from an installed copy."""
    allowed = {REPO_ROOT / "model" / "locations.py"}
    offenders = [p.relative_to(REPO_ROOT).as_posix()
                 for p in (*REPO_ROOT.glob("model/**/*.py"), *REPO_ROOT.glob("game/**/*.py"))
                 if "__file__" in p.read_text(encoding="utf-8") and p not in allowed]
    assert offenders == []
