"""Helpers for the game's tests: a scripted classifier (a test double), a headless App, synthetic input.

`ScriptedClassifier` has the real `Classifier`'s interface (`categories`, `predict(drawing, k)`,
`recognizes(guesses, word)` by the real rule with a checkpoint's default: the old one) but answers
from a script, so a scene test can say "the machine sees a cat after 30 points" and check what
the game does with it. The game itself only ever loads the real classifier; the end-to-end test and
the benchmark use the bundled model.
"""
from __future__ import annotations

import math
import os
import random

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402

from game.app import App  # noqa: E402
from game.settings import Settings  # noqa: E402
from game.voice import Voice  # noqa: E402
from model.categories import load_categories  # noqa: E402
from model.recognition import OLD_RULE  # noqa: E402
from model.store import Store  # noqa: E402

CATEGORIES = tuple(load_categories())


def point_count(drawing) -> int:
    return sum(len(stroke[0]) for stroke in drawing)


class ScriptedClassifier:
    """Test double of model.classify.Classifier: `answer(drawing)` decides the guesses."""

    def __init__(self, answer=None, categories=CATEGORIES) -> None:
        self.categories = tuple(categories)
        self.answer = answer or self.unsure
        self.calls: list[list] = []

    @staticmethod
    def unsure(drawing):
        """Never sure of anything: sun 40%, cookie 30%, cat 20%."""
        return [("sun", 0.4), ("cookie", 0.3), ("cat", 0.2)] if point_count(drawing) else []

    def predict(self, drawing, k: int = 3):
        self.calls.append(drawing)
        return list(self.answer(drawing))[:k]

    def recognizes(self, guesses, word: str) -> bool:
        return OLD_RULE.recognizes(guesses, word)


def recognizes_after(word_of, points: int):
    """An answer that is sure of the current prompt (`word_of()`) once the drawing has `points` points."""
    def answer(drawing):
        n = point_count(drawing)
        if not n:
            return []
        if n >= points:
            return [(word_of(), 0.9), ("sun", 0.05), ("cookie", 0.03)]
        return [("sun", 0.5), (word_of(), 0.2), ("cookie", 0.1)]
    return answer


class SilentVoice(Voice):
    """A Voice that never starts a speech engine but remembers what it was asked to say."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.said: list[tuple[str, bool]] = []

    def say(self, text: str, interrupt: bool = False) -> None:
        self.said.append((text, interrupt))


def make_app(store=None, classifier=None, seed: int = 1, **settings) -> App:
    """A started App with test services; without a store, an in-memory one (never data/pennydraw.db)."""
    settings.setdefault("mute", True)
    settings.setdefault("seconds", 3.0)
    settings.setdefault("verdict_seconds", 0.5)
    # Games of known words unless a test asks for "teach the machine" rounds (test_game_teaching.py).
    settings.setdefault("teach_share", 0.0)
    owns_store = store is None
    app = App(Settings(**settings), classifier=classifier or ScriptedClassifier(),
              store=Store(":memory:") if owns_store else store, voice=SilentVoice(), rng=random.Random(seed))
    app._owns_store = owns_store  # closed with the app
    return app.start()


# --- synthetic input ---------------------------------------------------------------------------
def mouse_down(pos, **extra):
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=tuple(pos), button=1, **extra)


def mouse_up(pos, **extra):
    return pygame.event.Event(pygame.MOUSEBUTTONUP, pos=tuple(pos), button=1, **extra)


def mouse_move(pos, pressed=True, **extra):
    return pygame.event.Event(pygame.MOUSEMOTION, pos=tuple(pos), rel=(0, 0),
                              buttons=(1 if pressed else 0, 0, 0), **extra)


def click(pos):
    return [mouse_down(pos), mouse_up(pos)]


def finger(kind: str, pos, window_size, finger_id=0):
    event_type = {"down": pygame.FINGERDOWN, "move": pygame.FINGERMOTION, "up": pygame.FINGERUP}[kind]
    width, height = window_size
    return pygame.event.Event(event_type, x=pos[0] / width, y=pos[1] / height, dx=0.0, dy=0.0,
                              finger_id=finger_id, touch_id=1, pressure=1.0)


def circle_points(rect: pygame.Rect, count: int = 40, fraction: float = 0.3):
    radius = rect.width * fraction
    return [(rect.centerx + radius * math.cos(i / count * math.tau),
             rect.centery + radius * math.sin(i / count * math.tau)) for i in range(count + 1)]


def steps(app: App, seconds: float, dt: float = 1 / 60, events=()) -> None:
    """Run frames for `seconds` of game time; `events` go into the first frame."""
    first = list(events)
    for _ in range(max(1, round(seconds / dt))):
        app.step(first, dt)
        first = []


def settle(app: App) -> None:
    """Let the scene's grace period pass, so the next tap counts."""
    steps(app, app.settings.input_grace + 0.05)


def draw_stroke(app: App, points, dt: float = 1 / 60, wait_for_guesses: bool = True) -> None:
    """Draw one stroke with the mouse through `points`, one motion event per frame."""
    app.step([mouse_down(points[0])], dt)
    for point in points[1:]:
        if app.scene.name != "drawing" or app.scene.phase != "drawing":
            return
        app.step([mouse_move(point)], dt)
        if wait_for_guesses:
            app.guesser.wait_idle()
    app.step([mouse_up(points[-1])], dt)


def answer_consent(app: App, consent: bool = True) -> None:
    """On the participation agreement, press "Donate my drawings" (or "Play without donating")."""
    assert app.scene.name == "consent", app.scene.name
    settle(app)
    button = app.scene.donate_button if consent else app.scene.decline_button
    app.step(click(button.rect.center), 1 / 60)
    assert app.scene.name == "prompt", app.scene.name


def start_game(app: App, consent: bool = True) -> None:
    """From the title screen, through the consent screen, to the first drawing round."""
    settle(app)
    app.step(click(app.scene.start_button.rect.center), 1 / 60)
    answer_consent(app, consent)
    settle(app)
    app.step(click(app.scene.go_button.rect.center), 1 / 60)
    assert app.scene.name == "drawing"


def finish_round(app: App) -> None:
    """Run frames until the current drawing scene hands over to the next scene."""
    scene = app.scene
    for _ in range(10_000):
        if app.scene is not scene:
            return
        app.step([], 0.05)
        app.guesser.wait_idle()
    raise AssertionError("the round never ended")


def next_round(app: App) -> None:
    """From a prompt card into its drawing round."""
    assert app.scene.name == "prompt", app.scene.name
    settle(app)
    app.step([pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ")], 1 / 60)
    assert app.scene.name == "drawing"
