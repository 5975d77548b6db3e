"""The command line of `pennydraw` / play.py and the Settings it fills."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from game.main import data_line
from game.settings import Settings, build_parser, parse_size, settings_from_args
from model import locations

ROOT = Path(__file__).resolve().parents[1]


def test_defaults():
    settings = settings_from_args([])
    assert settings.db == ROOT / "data" / "pennydraw.db"
    assert settings.model is None and settings.lang == "en" and not settings.mute
    assert not settings.fullscreen and settings.seconds == 20 and settings.rounds == 6
    assert settings.size == (1280, 800)
    assert not hasattr(settings, "threshold")  # recognition is the model's one rule (model/recognition.py)


def test_every_option():
    settings = settings_from_args(["--db", "x.db", "--model", "m.pt", "--lang", "nl", "--mute",
                                   "--fullscreen", "--seconds", "8", "--rounds", "3", "--size", "1024x768"])
    assert settings.db == Path("x.db") and settings.model == Path("m.pt") and settings.lang == "nl"
    assert settings.mute and settings.fullscreen and settings.seconds == 8.0 and settings.rounds == 3
    assert settings.size == (1024, 768)


@pytest.mark.parametrize("argv", [["--lang", "de"], ["--seconds", "0"], ["--seconds", "soon"],
                                  ["--rounds", "0"], ["--size", "big"], ["--size", "100x100"]])
def test_bad_options_exit_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        settings_from_args(argv)
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


def test_parse_size():
    assert parse_size("800X600") == (800, 600)
    with pytest.raises(Exception, match="1280x800"):
        parse_size("800")


def test_settings_check_their_values():
    with pytest.raises(ValueError, match="language"):
        Settings(lang="es")
    with pytest.raises(ValueError, match="at least 640x480"):
        Settings(size=(320, 240))


def test_screenshot_dir_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PENNYDRAW_SCREENSHOT_DIR", str(tmp_path))
    assert Settings().screenshot_dir == tmp_path
    monkeypatch.delenv("PENNYDRAW_SCREENSHOT_DIR")
    assert Settings().screenshot_dir is None


def test_play_py_help_lists_every_option_and_where_the_data_lives():
    result = subprocess.run([sys.executable, str(ROOT / "play.py"), "--help"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "COLUMNS": "300"})   # paths unwrapped
    assert result.returncode == 0 and result.stdout.startswith("usage: play.py ")
    for option in ("--db", "--model", "--lang", "--mute", "--fullscreen", "--seconds", "--rounds", "--size"):
        assert option in result.stdout
    assert f"(default {ROOT / 'data' / 'pennydraw.db'})" in result.stdout
    assert f"kept in this checkout's data folder, {ROOT / 'data'}." in result.stdout
    assert build_parser().prog == "pennydraw"   # the installed command's name, unless told otherwise


def test_a_checkout_keeps_its_data_beside_the_code_and_db_overrides_it():
    assert locations.CHECKOUT == ROOT and locations.DATA_DIR == ROOT / "data"
    assert Settings().payslip_dir == ROOT / "data" / "payslips" and locations.RUNS_DIR == ROOT / "runs"
    in_checkout = f"drawings are kept in {ROOT / 'data' / 'pennydraw.db'} (this checkout's data folder)"
    assert data_line(Settings()) == in_checkout
    assert data_line(settings_from_args(["--db", "x.db"])) == "drawings are kept in x.db (--db)"
