"""No way out for visitors: which of a frame's events a kiosk visitor may give the game.

Window close, Esc, Alt+F4, Alt+Tab, Ctrl+C, Ctrl+Q, Ctrl+W (and Cmd+Q, Android's Back) never reach
the game; SDL's own SIGINT/SIGTERM handling is switched off by the kiosk process (`run.py`), so a
Ctrl+C in a terminal cannot close the window either. The operator's chord (Ctrl+Shift+O) is taken
out too: it opens the PIN pad instead (`controller.py`).

The desktop's own ways out never reach the window: the window manager acts on Super, Alt+Tab or
Ctrl+Alt+T before any application sees them. `grab_keyboard` takes the keyboard for the kiosk's window
where SDL can (X11 and Wayland compositors that allow it), so those keys come to the kiosk, which
drops them; the operator guide still tells how to switch them off in the desktop itself, and the
X server's own Ctrl+Alt+F1..F12 (switching to a text console) only the X config can switch off.

Pure event predicates plus a small counter; the idle clock and the operator corner are `rules.py`.
"""
from __future__ import annotations

import logging

import pygame

from ..app import display_window

log = logging.getLogger("pennydraw.kiosk")

OPERATOR_CHORD = (pygame.K_o, pygame.KMOD_CTRL, pygame.KMOD_SHIFT)   # Ctrl+Shift+O
INPUT_EVENTS = frozenset((pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION, pygame.MOUSEWHEEL,
                          pygame.FINGERDOWN, pygame.FINGERUP, pygame.FINGERMOTION, pygame.KEYDOWN,
                          pygame.KEYUP, pygame.TEXTINPUT))
QUIT_EVENTS = frozenset((pygame.QUIT, pygame.WINDOWCLOSE))
KEEP, DROP, OPERATOR = "keep", "drop", "operator"   # what `VisitorFilter.sort` says of an event


def is_escape_key(event: pygame.event.Event) -> bool:
    """Keys a visitor could use to leave or close the window: never passed to the game."""
    if event.type not in (pygame.KEYDOWN, pygame.KEYUP):
        return False
    mod = getattr(event, "mod", 0)
    key = getattr(event, "key", None)
    if key in (pygame.K_ESCAPE, pygame.K_AC_BACK):
        return True
    if mod & pygame.KMOD_ALT and key in (pygame.K_F4, pygame.K_TAB):
        return True
    return bool(mod & (pygame.KMOD_CTRL | pygame.KMOD_META)) and key in (pygame.K_c, pygame.K_q, pygame.K_w)


def grab_keyboard() -> bool:
    """Every key to the kiosk's window, none to the window manager (SDL_SetWindowKeyboardGrab, active
    while the window has the focus); True if SDL says the keyboard is grabbed."""
    try:
        window = display_window()
        window.grab_keyboard = True
        grabbed = window.grab_keyboard
    except (AttributeError, pygame.error) as error:   # an SDL before 2.0.16, a display without windows
        log.warning("cannot grab the keyboard (%s): switch off the desktop's shortcuts (README)", error)
        return False
    if grabbed:
        log.info("keyboard grabbed: Super, Alt+Tab and the like come to the kiosk, not the desktop")
    else:
        log.warning("the keyboard could not be grabbed: switch off the desktop's shortcuts (README)")
    return grabbed


def is_hover(event: pygame.event.Event) -> bool:
    """A mouse moving with no button held: a jittering mouse or a noisy touch panel, not a visitor;
    it must not keep the last visitor's screens up."""
    return event.type == pygame.MOUSEMOTION and not any(getattr(event, "buttons", ()))


def is_visitor_input(event: pygame.event.Event) -> bool:
    """Someone is there: a touch, a click, a drag, a key (the idle clock starts again)."""
    return event.type in INPUT_EVENTS and not is_hover(event)


def is_operator_chord(event: pygame.event.Event) -> bool:
    key, *mods = OPERATOR_CHORD
    return (event.type == pygame.KEYDOWN and getattr(event, "key", None) == key
            and all(getattr(event, "mod", 0) & mod for mod in mods))


class VisitorFilter:
    """Sorts events into KEEP (the game gets it), DROP (a way out) and OPERATOR (the exit chord)."""

    def __init__(self) -> None:
        self.ignored_quits = 0

    def sort(self, event: pygame.event.Event) -> str:
        if event.type in QUIT_EVENTS:
            self.ignored_quits += 1
            if self.ignored_quits in (1, 10, 100) or self.ignored_quits % 1000 == 0:
                log.info("ignored a request to close the window (%d so far)", self.ignored_quits)
            return DROP
        if is_operator_chord(event):
            return OPERATOR
        return DROP if is_escape_key(event) else KEEP
