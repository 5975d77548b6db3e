"""Every scene drawn in every language at the largest, a portrait and the smallest window: no text may
overflow its box, whatever the category. Also: screenshots of each new scene on request."""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.rounds import RoundResult  # noqa: E402
from game.scenes.consent import ConsentScene  # noqa: E402
from game.scenes.drawing import DrawingScene  # noqa: E402
from game.scenes.explain import ExplainScene, best_grid  # noqa: E402
from game.scenes.gameover import GameOverScene, grid_shape  # noqa: E402
from game.scenes.payslip import PayslipScene  # noqa: E402
from game.scenes.prompt import PromptScene  # noqa: E402
from game.scenes.taught import TaughtScene  # noqa: E402
from game.scenes.title import TitleScene  # noqa: E402
from game.settings import LANGUAGES, MIN_SIZE  # noqa: E402
from game_fixtures import (CATEGORIES, circle_points, finish_round, make_app, start_game,  # noqa: E402
                           draw_stroke)
from model.store import Store  # noqa: E402

SIZES = [(1280, 800), (800, 1280), MIN_SIZE]
CIRCLE = [[[10, 60, 110, 60, 10], [60, 10, 60, 110, 60], [0, 40, 80, 120, 160]]]


def longest_names(translations, count=3):
    return sorted(CATEGORIES, key=lambda c: -len(translations.thing(c)))[:count]


def show(app, scene):
    """Make `scene` current and draw it once (no update: the test sets the state it wants to see)."""
    app.switch(scene)
    scene.draw(app.screen)


def fake_results(app, recognized_pattern):
    longest = longest_names(app.translations, 6)
    return [RoundResult(word=word, drawing=CIRCLE if index != 2 else [], recognized=ok,
                        guessed_at_ms=1234 if ok else None, duration_ms=5000,
                        guesses=[(100, [(longest[0], 0.61), (longest[1], 0.2), (word, 0.1)])],
                        final=[(longest[(index + 1) % 6], 0.6), (longest[(index + 2) % 6], 0.25),
                               (word, 0.1)])
            for index, (word, ok) in enumerate(zip(longest, recognized_pattern))]


def record_models(store):
    """Three model versions, the last one trained "during" the game, with long numbers."""
    metrics = lambda top1: {"synthetic (held out)": {"top1": 0.99}, "quickdraw:sample": {"top1": top1}}  # noqa: E731
    store.record_model("v1", "a.pt", 1_200_000, metrics(0.5), trained_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    store.record_model("v2", "b.pt", 1_234_567, metrics(0.61), player_examples=123_456,
                       trained_at=datetime(2025, 6, 1, tzinfo=timezone.utc))
    store.record_model("v3", "c.pt", 1_234_567, metrics(1.0), player_examples=234_567,
                       trained_at=datetime.now(timezone.utc) + timedelta(hours=1))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_scene_in_every_language_fits(tmp_path, size):
    with Store(tmp_path / "render.db") as store:
        # An exhibition's folder for the pay slips (the hint names it; nothing is written there).
        app = make_app(store=store, size=size, rounds=6,
                       payslip_dir=Path("/var/lib/pennydraw/exhibition-2027/payslips-of-the-entrance-hall"))
        app.classifier.version, app.classifier.data = "v2", {"examples": 1_234_567, "player_examples": 123_456}
        try:
            session = store.start_session()
            for word in longest_names(app.translations, 2):
                store.save_drawing(session, word, CIRCLE, True, 10, 20, [])
            record_models(store)
            for lang in LANGUAGES:
                app.set_language(lang)
                tr = app.translations
                show(app, TitleScene(app))
                show(app, ConsentScene(app))
                app.settings.keep_days = None
                show(app, ConsentScene(app))
                app.settings.keep_days = 3650
                app.begin_game(consent=True)
                # Every prompt card and header in the tightest window; the longest ones in the others.
                words = CATEGORIES if size == MIN_SIZE else longest_names(tr, 10)
                for word in words:
                    show(app, PromptScene(app, word))
                    scene = DrawingScene(app, word)
                    show(app, scene)
                # The bubble and bars with every category as the machine's guess, next to long ones.
                long = longest_names(tr, 2)
                for word in words:
                    scene.canvas.strokes = [[[1, 500], [1, 500], [0, 10]]]
                    scene.current = [(word, 0.5), (long[0], 0.3), (long[1], 0.1)]
                    scene.draw(app.screen)
                for recognized in (True, False):
                    scene.recognized, scene.phase = recognized, "verdict"
                    scene.draw(app.screen)
                app.game.results = fake_results(app, [True, False, False, True, False, True])
                for result in app.game.results:
                    result.duration_ms = 19_999  # the longest times and wages
                show(app, GameOverScene(app))
                for index in range(6):
                    show(app, ExplainScene(app, index))
                for consent in (True, False):
                    app.game.session = store.start_session(locale=lang, consent=consent)
                    slip = PayslipScene(app)
                    show(app, slip)
                    slip.saved = app.settings.payslip_dir / "payslip-20260101-120000-99.png"
                    slip.draw(app.screen)
                    slip.saved, slip.error = None, "No space left on device"
                    slip.draw(app.screen)
                    show(app, TaughtScene(app))
                    assert len(app.scene.facts()) == (3 if consent else 2)
                for score in (0, 1):  # the one-round sentences
                    app.game.results = app.game.results[:1]
                    app.game.results[0].recognized = bool(score)
                    show(app, GameOverScene(app))
                assert app.text.overflows == [], (lang, size, app.text.overflows)
        finally:
            app.close()


def test_screenshots_of_every_new_scene(tmp_path):
    shots = tmp_path / "shots"
    with Store(tmp_path / "s.db") as store:
        app = make_app(store=store, rounds=1, seconds=0.5, screenshot_dir=shots)
        try:
            start_game(app)
            draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
            finish_round(app)
        finally:
            app.close()
    names = sorted(path.name for path in shots.iterdir())
    assert names == ["01-title.png", "02-consent.png", "03-prompt.png", "04-drawing-drawing.png",
                     "05-drawing-verdict.png", "06-gameover.png"]
    image = pygame.image.load(str(shots / "04-drawing-drawing.png"))
    assert image.get_size() == (1280, 800)


def test_grid_shapes():
    assert grid_shape(6, landscape=True) == (3, 2)
    assert grid_shape(6, landscape=False) == (2, 3)
    assert grid_shape(1, landscape=True) == (1, 1)
    assert grid_shape(4, landscape=True) == (2, 2)
    assert grid_shape(10, landscape=True) == (3, 4)
    # Six squares in a wide shelf: one row of six beats two rows of three.
    assert best_grid(6, (1200, 200), 10) == (6, 191)
    assert best_grid(6, (300, 400), 10) == (2, 126)  # 3 rows of 2: min(290 // 2, 380 // 3)
    assert best_grid(0, (300, 400), 10)[1] >= 0
