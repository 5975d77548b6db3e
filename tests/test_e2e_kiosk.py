"""End to end, the exhibition kiosk as a visitor and an operator meet it, in a real X server.

`play.py --kiosk` runs under Xvfb (a 1024x768 screen, unlike the game's default window) with the
bundled model. The window must fill the screen; Esc, Alt+F4, Ctrl+C, Ctrl+Q and a SIGINT must leave
it running; a tap on the attract loop opens the participation agreement; with nobody touching it, the
idle reset brings the attract loop back; the keyboard is grabbed (no window manager shortcut would
see a key); the operator's chord (Ctrl+Shift+O) and PIN end it with the
operator's exit status, and its log file tells the story. Screens go to test-artifacts/e2e-kiosk/.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from x11 import find_window, game_env, keyboard_is_grabbed, needs_x11, wait_for, xdotool, xvfb

REPO_ROOT = Path(__file__).resolve().parents[1]
BUNDLED_MODEL = REPO_ROOT / "assets" / "model.pt"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "e2e-kiosk"
SCREEN = (1024, 768)
PIN = "246813"
IDLE_SECONDS = 4

pytestmark = [
    needs_x11,
    pytest.mark.skipif(not BUNDLED_MODEL.exists(), reason=f"the bundled model {BUNDLED_MODEL} does not exist yet"),
]


@pytest.fixture
def screen():
    with xvfb(SCREEN) as display:
        yield display


def shots(pattern: str) -> list:
    return sorted(ARTIFACTS.glob(pattern))


def shot_number(path) -> int:
    return int(path.name.split("-", 1)[0])


def test_the_kiosk_keeps_visitors_in_resets_when_idle_and_lets_the_operator_out(screen, tmp_path):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    log_path, output_path = tmp_path / "kiosk.log", ARTIFACTS / "stderr.txt"
    env = game_env(screen, ARTIFACTS)
    command = [sys.executable, str(REPO_ROOT / "play.py"), "--kiosk", "--db", str(tmp_path / "kiosk.db"),
               "--mute", "--pin", PIN, "--idle-seconds", str(IDLE_SECONDS), "--retrain-every", "0",
               "--log", str(log_path)]
    with open(output_path, "w") as output:
        kiosk = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    story = lambda: (log_path.read_text() if log_path.exists() else "") + output_path.read_text()  # noqa: E731
    try:
        wait_for(lambda: log_path.exists() and "kiosk ready" in log_path.read_text(), 120, "the kiosk's first frame")
        window = find_window(screen)
        geometry = dict(line.split("=") for line in xdotool(screen, "getwindowgeometry", "--shell", window).split())
        assert (int(geometry["WIDTH"]), int(geometry["HEIGHT"])) == SCREEN, "full screen at the display's size"
        # The keyboard is the kiosk's: a window manager would not see Super, Alt+Tab or Ctrl+Alt+T.
        wait_for(lambda: keyboard_is_grabbed(screen), 10, "the kiosk to grab the keyboard")
        wait_for(lambda: shots("*-attract-*.png"), 10, "the attract loop")

        # A visitor tries every way out.
        for keys in ("Escape", "alt+F4", "ctrl+c", "ctrl+q", "ctrl+w"):
            xdotool(screen, "key", "--window", window, keys)
        kiosk.send_signal(signal.SIGINT)
        time.sleep(1.5)
        assert kiosk.poll() is None, story()

        # A tap starts a game: the participation agreement comes first.
        xdotool(screen, "mousemove", "--window", window, SCREEN[0] * 3 // 4, SCREEN[1] * 7 // 8, "click", "1")
        consent = wait_for(lambda: shots("*-consent.png"), 10, "the participation agreement")[0]

        # Nobody touches it: the idle reset brings the attract loop back.
        wait_for(lambda: [s for s in shots("*-attract-*.png") if shot_number(s) > shot_number(consent)],
                 IDLE_SECONDS + 15, "the attract loop after the idle reset")

        # The operator: the chord, a wrong PIN, then the right one.
        xdotool(screen, "key", "--window", window, "ctrl+shift+o")
        wait_for(lambda: shots("*-pinpad.png"), 10, "the operator's PIN pad")
        xdotool(screen, "key", "--window", window, "1", "1", "1", "1", "Return")
        time.sleep(0.5)
        assert kiosk.poll() is None, "a wrong PIN must not let anyone out"
        xdotool(screen, "key", "--window", window, *PIN, "Return")
        assert kiosk.wait(timeout=20) == 10, story()     # kiosk.OPERATOR_EXIT_CODE
    finally:
        if kiosk.poll() is None:
            kiosk.kill()
            kiosk.wait()
    log = log_path.read_text()
    for line in ("kiosk starting", "start-up check", "keyboard grabbed", "idle reset scene=consent", "wrong operator PIN",
                 "operator exit", "kiosk stopped"):
        assert line in log, f"{line!r} missing from the kiosk log:\n{log}"
    assert "Traceback" not in story()
