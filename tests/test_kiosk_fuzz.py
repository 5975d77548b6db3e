"""Bad input for the kiosk: 10,000 random events (taps, drags, fingers outside the window, bursts of
1,000 events in one frame, key mashing, window-close requests) never crash it and never let a visitor
out. Frames are stepped directly, without the kiosk loop's error guard: no frame may even fail."""
from __future__ import annotations

import random

import pygame
import pytest

from game.kiosk.controller import Kiosk
from game_fixtures import ScriptedClassifier, make_app, recognizes_after
from model.store import Store

KEYS = [value for name, value in vars(pygame).items() if name.startswith("K_")]
MODS = [0, pygame.KMOD_CTRL, pygame.KMOD_ALT, pygame.KMOD_SHIFT, pygame.KMOD_META,
        pygame.KMOD_CTRL | pygame.KMOD_SHIFT, pygame.KMOD_CTRL | pygame.KMOD_ALT, pygame.KMOD_LALT]
PIN = "739164285"   # long enough that key mashing never types it


def random_event(rng: random.Random, size) -> pygame.event.Event:
    width, height = size
    x, y = rng.uniform(-500, width + 500), rng.uniform(-500, height + 500)
    kind = rng.randrange(12)
    if kind <= 2:
        event_type = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION)[kind]
        if event_type == pygame.MOUSEMOTION:
            return pygame.event.Event(event_type, pos=(int(x), int(y)), rel=(rng.randint(-50, 50), 0),
                                      buttons=(rng.randint(0, 1), 0, rng.randint(0, 1)), touch=rng.random() < 0.2)
        return pygame.event.Event(event_type, pos=(int(x), int(y)), button=rng.randint(1, 7),
                                  touch=rng.random() < 0.2)
    if kind <= 5:
        event_type = (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP)[kind - 3]
        return pygame.event.Event(event_type, x=rng.uniform(-2, 3), y=rng.uniform(-2, 3), dx=rng.uniform(-1, 1),
                                  dy=rng.uniform(-1, 1), finger_id=rng.randrange(10), touch_id=rng.randrange(3),
                                  pressure=rng.random())
    if kind <= 8:
        key = rng.choice(KEYS)
        return pygame.event.Event(rng.choice((pygame.KEYDOWN, pygame.KEYUP)), key=key, mod=rng.choice(MODS),
                                  unicode=chr(rng.randint(32, 0x2FF)), scancode=rng.randrange(300))
    if kind == 9:
        return pygame.event.Event(rng.choice((pygame.QUIT, pygame.WINDOWCLOSE, pygame.WINDOWFOCUSLOST,
                                              pygame.WINDOWMINIMIZED)))
    if kind == 10:
        return pygame.event.Event(pygame.MOUSEWHEEL, x=rng.randint(-5, 5), y=rng.randint(-5, 5), flipped=False,
                                  precise_x=0.0, precise_y=0.0, touch=False)
    return pygame.event.Event(pygame.TEXTINPUT, text=rng.choice(["a", "é", "\u00a0", "🙂", ""]))


def drag(rng: random.Random, size) -> list[pygame.event.Event]:
    """A press, many moves (some far outside the window) and a release, by mouse or finger."""
    width, height = size
    points = [(rng.uniform(-0.3, 1.3) * width, rng.uniform(-0.3, 1.3) * height) for _ in range(rng.randint(5, 60))]
    if rng.random() < 0.5:
        return ([pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=tuple(map(int, points[0])), button=1, touch=False)]
                + [pygame.event.Event(pygame.MOUSEMOTION, pos=tuple(map(int, p)), rel=(0, 0), buttons=(1, 0, 0),
                                      touch=False) for p in points]
                + [pygame.event.Event(pygame.MOUSEBUTTONUP, pos=tuple(map(int, points[-1])), button=1, touch=False)])
    finger = rng.randrange(10)

    def event(kind, point):
        return pygame.event.Event(kind, x=point[0] / width, y=point[1] / height, dx=0.0, dy=0.0,
                                  finger_id=finger, touch_id=1, pressure=1.0)
    return ([event(pygame.FINGERDOWN, points[0])] + [event(pygame.FINGERMOTION, p) for p in points]
            + [event(pygame.FINGERUP, points[-1])])


@pytest.mark.parametrize("seed", [1, 2])
def test_ten_thousand_random_events_never_crash_or_exit_the_kiosk(tmp_path, seed):
    rng = random.Random(seed)
    with Store(tmp_path / "fuzz.db") as store:
        classifier = ScriptedClassifier(recognizes_after(lambda: "cat", 10 ** 6))
        app = make_app(store=store, classifier=classifier, pin=PIN, idle_seconds=3.0, seconds=2.0,
                       kiosk=True, payslip_dir=tmp_path / "payslips", seed=seed)
        Kiosk(app).install()
        sent, bursts, scenes = 0, 0, set()
        try:
            while sent < 10_000:
                size = app.window_size
                roll = rng.random()
                if roll < 0.04:
                    frame = [random_event(rng, size) for _ in range(1000)]   # a burst in one frame
                    bursts += 1
                elif roll < 0.3:
                    frame = drag(rng, size)
                else:
                    frame = [random_event(rng, size) for _ in range(rng.randint(0, 8))]
                frame = frame[:10_000 - sent]
                sent += len(frame)
                app.step(frame, rng.choice((0.0, 1 / 60, 1 / 30, 0.25, 1.0)))
                scenes.add(app.scene.name)
                assert app.running, f"a visitor got out after {sent} events (scene {app.scene.name})"
            assert bursts >= 5 and sent == 10_000
            assert {"attract", "consent", "prompt", "drawing"} <= scenes, scenes   # it got into the game
            assert store.integrity_check() == "ok"
        finally:
            app.close()
