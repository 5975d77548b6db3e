"""No way out of the kiosk with shipped settings: the example config holds no usable PIN, and the kiosk
refuses to start with it, with a PIN of fewer than 6 digits or one anybody would guess, saying how to
set one; in kiosk mode the window grabs the keyboard (checked in a real X server by test_e2e_kiosk.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from game.main import main
from game.settings import Settings, pin_problem, settings_from_args

EXAMPLE = Path(__file__).resolve().parents[1] / "deploy" / "kiosk.toml.example"


def refusal(capsys, argv) -> str:
    """play.py's exit status and stderr for `argv`: it must refuse to start (status 2)."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_the_example_config_ships_no_usable_pin(capsys, tmp_path):
    err = refusal(capsys, ["--kiosk", "--config", str(EXAMPLE), "--db", str(tmp_path / "k.db")])
    assert "placeholder" in err and str(EXAMPLE) in err
    assert 'pin = "' in err and "6 to 12 digits" in err          # it says how to set one
    assert not (tmp_path / "k.db").exists()                     # refused before anything starts


def test_the_pin_the_example_used_to_ship_is_refused_too(capsys, tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('pin = "480215"\n')      # what an install copied from an older example holds
    err = refusal(capsys, ["--kiosk", "--config", str(config)])
    assert "published" in err and "480215" not in err          # never echo a PIN
    err = refusal(capsys, ["--kiosk", "--pin", "480215"])
    assert "published" in err


@pytest.mark.parametrize("pin, why", [
    ("1234", "6 to 12 digits"), ("04200", "6 to 12 digits"), ("1234567890123", "6 to 12 digits"),
    ("12a456", "6 to 12 digits"), ("", "6 to 12 digits"), ("111111", "easy to guess"),
    ("123456", "easy to guess"), ("987654321", "easy to guess"),
])
def test_short_or_guessable_pins_are_refused_with_how_to_set_one(capsys, pin, why):
    assert why in pin_problem(pin)
    err = refusal(capsys, ["--kiosk", "--pin", pin])
    assert why in err and 'pin = "' in err
    with pytest.raises(ValueError, match=why):
        Settings(kiosk=True, pin=pin)


def test_a_good_pin_or_none_starts(tmp_path):
    assert pin_problem("503917") is None and pin_problem("739164285") is None and pin_problem(None) is None
    config = tmp_path / "kiosk.toml"
    config.write_text('pin = "503917"\n')
    assert settings_from_args(["--kiosk", "--config", str(config)]).pin == "503917"
    assert settings_from_args(["--kiosk"]).pin is None          # no PIN: no operator exit at all
