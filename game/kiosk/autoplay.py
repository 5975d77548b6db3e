"""Scripted visitors: synthetic people who play the kiosk, for the crash drill, the soak and the fuzzer.

Hidden behind `play.py --kiosk --autoplay "seed=3,speed=6,journal=PATH"` (not in `--help`): the kiosk
loop adds their events to the real ones every frame, and runs its clock `speed` times faster. They do
what visitors do, through the same input events a touch screen or a mouse sends: tap the attract
screen, answer the consent screen, tap the prompt card, draw a few strokes into the canvas, look at
the game over, play again, go home, or simply walk away in the middle of a game (the idle reset then
brings the attract loop back). Everything is seeded, so a run can be replayed.

The journal (optional) is what the crash drill checks against the database after killing the kiosk:
a `ready PID` line after the first frame, then one `round KEY WORD consent=0|1 ink=0|1` line per
finished round (KEY: the drawing's stable key), written with one `os.write` on an O_APPEND file
descriptor after the frame in which the round became safe from a crash: at once for a round that is
not stored, once the game's writer has it in its journal or in the database for one that is.
"""
from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass
from pathlib import Path

import pygame


@dataclass(frozen=True)
class AutoplaySpec:
    seed: int = 0                   # every choice the visitors make follows from it
    speed: float = 1.0              # game seconds per real second (a fast clock)
    journal: Path | None = None     # where ready/round lines go (the crash drill reads it)
    walk_away: float = 0.15         # chance that a visitor leaves a game half-way
    consent: float = 0.8            # chance that a visitor donates their drawings

    @classmethod
    def parse(cls, text: str) -> "AutoplaySpec":
        """'seed=3,speed=6,journal=/tmp/j' -> AutoplaySpec; unknown or bad parts raise ValueError."""
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name in ("seed",):
                values[name] = int(value)
            elif name in ("speed", "walk_away", "consent"):
                values[name] = float(value)
            elif name == "journal":
                values[name] = Path(value)
            else:
                raise ValueError(f"autoplay: unknown setting {name!r} in {text!r}")
        if values.get("speed", 1.0) <= 0:
            raise ValueError("autoplay: speed must be positive")
        return cls(**values)


def tap(pos, window_size, rng: random.Random) -> list[list]:
    """A touch (finger events) or a click (mouse events), as two frames of events."""
    if rng.random() < 0.5:
        x, y = pos[0] / window_size[0], pos[1] / window_size[1]
        common = dict(x=x, y=y, dx=0.0, dy=0.0, finger_id=rng.randrange(4), touch_id=1, pressure=1.0)
        return [[pygame.event.Event(pygame.FINGERDOWN, **common)], [pygame.event.Event(pygame.FINGERUP, **common)]]
    pos = (int(pos[0]), int(pos[1]))
    return [[pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False)],
            [pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False)]]


def stroke(rect: pygame.Rect, rng: random.Random) -> list[list]:
    """A mouse stroke inside `rect`: a wobbly loop or zigzag, one motion event per frame."""
    cx, cy = rect.centerx + rng.uniform(-0.2, 0.2) * rect.width, rect.centery + rng.uniform(-0.2, 0.2) * rect.height
    radius = rect.width * rng.uniform(0.1, 0.3)
    count, turns = rng.randint(8, 30), rng.uniform(0.4, 1.2)
    points = [(int(cx + radius * math.cos(i / count * math.tau * turns) + rng.uniform(-4, 4)),
               int(cy + radius * math.sin(i / count * math.tau * turns) + rng.uniform(-4, 4)))
              for i in range(count + 1)]
    frames = [[pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=points[0], button=1, touch=False)]]
    frames += [[pygame.event.Event(pygame.MOUSEMOTION, pos=p, rel=(0, 0), buttons=(1, 0, 0), touch=False)]
               for p in points[1:]]
    frames.append([pygame.event.Event(pygame.MOUSEBUTTONUP, pos=points[-1], button=1, touch=False)])
    return frames


class Visitors:
    """One visitor after another, forever; `events(app, dt)` is this frame's input."""

    def __init__(self, spec: AutoplaySpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.queue: list[list] = []      # events of the coming frames, one list per frame
        self.wait = 0.0
        self.leaving = False
        self.strokes_left = 0
        self.games = 0
        self._journal = None if spec.journal is None else os.open(
            spec.journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._game = None
        self._seen = 0                   # rounds of `_game` looked at
        self._unsafe: list = []          # (result, consent) of rounds not yet journaled by the writer
        self._ready = False

    def events(self, app, dt: float) -> list:
        if self.queue:
            return self.queue.pop(0)
        self.wait -= dt
        if self.wait > 0:
            return []
        scene, name = app.scene, app.scene.name
        if self.leaving:
            if name != "attract":
                return []         # gone: the idle reset will bring the attract loop back
            self.leaving = False
        rng, size = self.rng, app.window_size
        if name == "attract":
            self.games += 1
            target = rng.choice(scene.buttons) if rng.random() < 0.1 else None
            pos = target.rect.center if target else (rng.uniform(0.3, 0.9) * size[0], rng.uniform(0.2, 0.9) * size[1])
            self.queue, self.wait = tap(pos, size, rng), rng.uniform(0.3, 2.0)
        elif name == "prompt":
            if rng.random() < self.spec.walk_away / 3:
                self.leaving = True
                return []
            self.strokes_left = rng.randint(1, 3)
            self.queue, self.wait = tap((size[0] / 2, size[1] / 2), size, rng), rng.uniform(0.2, 1.0)
        elif name == "drawing":
            if getattr(scene, "phase", "") != "drawing" or self.strokes_left <= 0:
                self.wait = 0.5
                return []
            self.strokes_left -= 1
            if rng.random() < 0.1 and scene.buttons:
                self.queue = tap(rng.choice(scene.buttons).rect.center, size, rng)   # undo or clear
            else:
                self.queue = stroke(scene.canvas.rect, rng)
            self.wait = rng.uniform(0.1, 0.8)
        elif name == "pinpad":
            self.queue = tap(scene.cancel_button.rect.center, size, rng)
        else:   # consent, game over, pay slip, explanations: press one of the buttons, or leave
            if name == "gameover" and rng.random() < self.spec.walk_away:
                self.leaving = True
                return []
            self.queue, self.wait = tap(self._choose_button(scene).center, size, rng), rng.uniform(0.5, 3.0)
        return self.queue.pop(0) if self.queue else []

    def _choose_button(self, scene) -> pygame.Rect:
        buttons = [b for b in getattr(scene, "buttons", []) if b.enabled and b.rect.width]
        if not buttons:
            return pygame.Rect(scene.size[0] // 2, scene.size[1] // 2, 1, 1)
        donate = getattr(scene, "donate_button", None)
        if donate is not None and self.rng.random() < self.spec.consent:
            return donate.rect
        accent = [b for b in buttons if b.style == "accent"]
        pool = accent if accent and self.rng.random() < 0.7 else buttons
        return self.rng.choice(pool).rect

    # --- the journal --------------------------------------------------------------------------
    def after_frame(self, app) -> None:
        """Journal the readiness and every round recorded since the last frame."""
        if self._journal is None:
            return
        if not self._ready:
            self._ready = True
            os.write(self._journal, f"ready {os.getpid()}\n".encode())
        game = app.game
        if game is not self._game:
            self._game, self._seen = game, 0
        if game is not None:
            consent = int(bool(getattr(game.session, "consent", False)))
            self._unsafe += [(result, consent) for result in game.results[self._seen:]]
            self._seen = len(game.results)
        while self._unsafe:
            result, consent = self._unsafe[0]
            kept = consent and result.has_ink
            if kept and app.rounds.state(result.key) not in ("journaled", "stored"):
                break   # in order: the writer journals rounds in the order they came
            self._unsafe.pop(0)
            word = result.word.replace(" ", "_")
            os.write(self._journal, f"round {result.key} {word} consent={consent} "
                                    f"ink={int(result.has_ink)}\n".encode())

    def close(self) -> None:
        if self._journal is not None:
            os.close(self._journal)
            self._journal = None


def play_games(app, kiosk, visitors: Visitors, games: int, dt: float, max_frames: int = 10_000_000,
               on_frame=None) -> int:
    """Step `app` (a started App with `kiosk` installed) headlessly until the visitors started `games`
    games; `on_frame(seconds)` gets each frame's work time. Returns the frames run."""
    import time

    frames = 0
    while kiosk.games_started < games and frames < max_frames:
        events = visitors.events(app, dt)
        started = time.perf_counter()
        app.step(events, dt)
        if on_frame is not None:
            on_frame(time.perf_counter() - started)
        visitors.after_frame(app)
        frames += 1
    return frames
