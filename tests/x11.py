"""What the end-to-end tests share: a virtual X server (Xvfb), xdotool, and waiting for things.

Not a test file: `test_e2e.py` (a person plays a round) and `test_e2e_kiosk.py` (the exhibition kiosk)
import it. Both skip with the reason when Debian's xvfb, xdotool or x11-utils are absent.
"""
from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

TOOLS = ("Xvfb", "xdotool", "xdpyinfo")
needs_x11 = pytest.mark.skipif(any(shutil.which(tool) is None for tool in TOOLS),
                               reason="needs Debian's xvfb, xdotool and x11-utils (Xvfb, xdotool, xdpyinfo)")


def wait_for(condition, timeout: float, what: str, poll: float = 0.1):
    """The first truthy value of `condition()`, or an AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def free_display() -> int:
    for number in range(91, 160):
        if not Path(f"/tmp/.X{number}-lock").exists() and not Path(f"/tmp/.X11-unix/X{number}").exists():
            return number
    pytest.skip("no free X display number between :91 and :159")


@contextlib.contextmanager
def xvfb(size: tuple[int, int]):
    """A virtual X server with one screen of `size`; yields its DISPLAY, e.g. ':91'."""
    number = free_display()
    server = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{size[0]}x{size[1]}x24",
                               "-nolisten", "tcp"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    display = f":{number}"
    try:
        wait_for(lambda: subprocess.run(["xdpyinfo", "-display", display], capture_output=True).returncode == 0,
                 15, "Xvfb to accept connections")
        yield display
    finally:
        server.terminate()
        server.wait(timeout=10)


def xdotool(display: str, *args) -> str:
    result = subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "DISPLAY": display})
    return result.stdout.strip()


def game_env(display: str, screenshots: Path, **extra) -> dict:
    """The environment of a game started on `display`: the real video driver, no sound card, a PNG of
    every new scene into `screenshots`."""
    env = {key: value for key, value in os.environ.items() if key != "SDL_VIDEODRIVER"}
    env.update(DISPLAY=display, SDL_AUDIODRIVER="dummy", PENNYDRAW_SCREENSHOT_DIR=str(screenshots),
               PYGAME_HIDE_SUPPORT_PROMPT="1", **extra)
    return env


def find_window(display: str) -> str:
    """The game's window, by its X11 class `pennydraw`, focused (there is no window manager)."""
    window = wait_for(lambda: xdotool(display, "search", "--classname", "pennydraw"), 10,
                      "a window of class pennydraw").splitlines()[0]
    xdotool(display, "windowfocus", window)
    return window


def keyboard_is_grabbed(display: str) -> bool:
    """True when some client of `display` holds the keyboard: our own XGrabKeyboard then answers
    AlreadyGrabbed (1) instead of GrabSuccess (0). Through libX11 itself, as xdotool has no such query."""
    xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XGrabKeyboard.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                   ctypes.c_ulong]
    xlib.XUngrabKeyboard.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    connection = xlib.XOpenDisplay(display.encode())
    assert connection, f"cannot open X display {display}"
    try:
        answer = xlib.XGrabKeyboard(connection, xlib.XDefaultRootWindow(connection), 0, 1, 1, 0)
        if answer == 0:
            xlib.XUngrabKeyboard(connection, 0)
        return answer == 1
    finally:
        xlib.XCloseDisplay(connection)
