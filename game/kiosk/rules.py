"""The kiosk's two clocks: the idle reset that frees the screen, and the operator's way out.

- Idle reset (`IdleReset`): after `Settings.idle_seconds` without a visitor's input during a game,
  the game is abandoned (its finished rounds are already stored if the visitor consented) and the
  attract loop comes back; never while a verdict is still on screen, never on the kiosk's own
  screens (the attract loop and the PIN pad). The pay slip shows the visitor's erasure code, so it
  goes sooner (`Settings.payslip_idle_seconds`): once the attract loop is back, no screen of that
  game, and so no code, can be brought back by the next visitor (hiding just the code would leave
  it one tap away).
- Operator exit (`OperatorExit`): the chord (`visitor_filter.OPERATOR_CHORD`) or a press held
  `HOLD_SECONDS` in the top-left corner of the attract screen opens the PIN pad; the PIN of the
  config (compared in constant time) ends the kiosk cleanly. Wrong PINs lock every pad (`PinLock`,
  owned here, so closing and reopening the pad does not reset it).

Rules only: `controller.py` acts on what they say.
"""
from __future__ import annotations

import hmac

from ..scenes.pinpad import PinLock
from ..ui import pointer

HOLD_SECONDS = 5.0                 # a corner long press this long opens the operator's PIN pad
CORNER = 36                        # side of the operator corner, in 1280x800 design pixels
HOME_SCENES = ("attract", "pinpad")
CODE_SCENES = ("payslip",)         # screens that show the erasure code: `payslip_idle_seconds`


class IdleReset:
    """Seconds since a visitor last touched anything, and whether that is long enough to reset
    (`settings.idle_seconds`, read when asked)."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.idle = 0.0

    def touched(self) -> None:
        self.idle = 0.0

    def tick(self, dt: float) -> None:
        self.idle += dt

    def limit(self, scene) -> float:
        """Seconds without input that `scene` may stay up."""
        if scene.name in CODE_SCENES:
            return min(self.settings.payslip_idle_seconds, self.settings.idle_seconds)
        return self.settings.idle_seconds

    def due(self, scene) -> bool:
        """Time to go home from `scene`: away from home, idle long enough, no verdict showing."""
        verdict = scene.name == "drawing" and getattr(scene, "phase", "") == "verdict"
        return scene.name not in HOME_SCENES and self.idle >= self.limit(scene) and not verdict


class OperatorExit:
    """The corner long press, the PIN (`settings.pin`; None: no operator exit) and its lock."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.lock = PinLock()
        self.hold_source = None            # the pointer pressing the operator corner
        self.hold_time = 0.0

    def forget_hold(self) -> None:
        self.hold_source, self.hold_time = None, 0.0

    def tick(self, dt: float) -> bool:
        """Run the clocks; True once a corner press has been held long enough to open the pad."""
        self.lock.tick(dt)
        if self.hold_source is not None:
            self.hold_time += dt
            return self.hold_time >= HOLD_SECONDS
        return False

    def corner_hold(self, event, scene, window_size) -> bool:
        """Track a press held in the operator corner of the attract screen; True if `event` is one
        (it is then kept from the game: a long press must not also start a game)."""
        if scene.name != "attract":
            self.hold_source = None
            return False
        ptr = pointer(event, window_size)
        if ptr is None:
            return False
        side = max(24, round(CORNER * scene.u)) if hasattr(scene, "u") else CORNER
        inside = 0 <= ptr.pos[0] < side and 0 <= ptr.pos[1] < side
        if ptr.kind == "down" and inside and self.hold_source is None:
            self.hold_source, self.hold_time = ptr.source, 0.0
            return True
        if ptr.source == self.hold_source:
            if ptr.kind == "up" or (ptr.kind == "move" and not inside):
                self.hold_source = None
            return True
        return False

    @property
    def has_pin(self) -> bool:
        return self.settings.pin is not None

    def is_pin(self, typed: str) -> bool:
        pin = self.settings.pin
        return pin is not None and hmac.compare_digest(typed.encode(), str(pin).encode())
