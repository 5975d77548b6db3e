"""'Teach the machine' rounds in the game: a share of prompts are words the machine does not know,
the closest to being learned first; the screens say so, the machine still guesses, the round cannot be
recognised and ends with Done or the time-out, and its drawing is a label on the pay slip."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.payslip_sheet import game_work  # noqa: E402
from game.scenes.prompt import PromptScene  # noqa: E402
from game.settings import Settings, settings_from_args  # noqa: E402
from game_fixtures import (circle_points, click, draw_stroke, finish_round, make_app, next_round,  # noqa: E402
                           settle, start_game, steps)
from model.store import Store  # noqa: E402

CLOSE = {"piano": 17, "crab": 16, "bear": 15}   # donated drawings of words the machine does not know


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "teach.db") as store:
        session = store.start_session()
        for word, count in CLOSE.items():
            for _ in range(count):
                store.save_drawing(session, word, [[[0, 50, 100], [0, 80, 0], [0, 10, 20]]], False, None, 900, [])
        yield store


@pytest.fixture
def app(store):
    app = make_app(store=store, rounds=6, seconds=5.0, teach_share=1 / 6)
    yield app
    app.close()


def test_one_prompt_in_six_is_a_word_the_machine_does_not_know_closest_to_being_learned(app, store):
    seen = set()
    for _ in range(8):
        app.begin_game(consent=True)
        game = app.game
        assert len(game.prompts) == 6 and len(game.teaching) == 1
        (word,) = game.teaching
        assert word not in app.classifier.categories and word in CLOSE and game.prompts[0] != word
        assert set(game.prompts) - game.teaching <= set(app.classifier.categories)
        seen.add(word)
    assert len(seen) > 1                  # the three closest take turns


def test_the_teaching_round_says_so_guesses_aloud_and_ends_with_done(app, store):
    start_game(app)
    word = next(iter(app.game.teaching))
    # Straight to the teaching round's card, as the game shows it when its turn comes.
    app.game.prompts.remove(word)
    app.game.prompts.insert(0, word)
    app.switch(PromptScene(app, word))
    assert app.scene.teaching
    said = app.voice.said[-1][0]
    assert said.startswith("I don't know this word yet: you are teaching me.")
    next_round(app)
    scene = app.scene
    assert scene.teaching and scene.done_button in scene.buttons
    draw_stroke(app, circle_points(scene.canvas.rect, 30))
    steps(app, 0.5)
    assert scene.phase == "drawing"                       # never recognised: the word is not one it knows
    assert scene.current and scene.current[0][0] == "sun"  # but it still says what it sees
    assert any("sun" in text for text, _ in app.voice.said)
    settle(app)
    app.step(click(scene.done_button.rect.center), 1 / 60)
    assert scene.phase == "verdict" and not scene.recognized
    assert scene.verdict_sentence() == f"Thank you! One more drawing to learn what {app.translations.thing(word)} looks like."
    finish_round(app)
    result = app.game.results[0]
    assert result.taught and not result.recognized and result.word == word
    assert game_work(app.game.results)[1] == 1            # a label on the pay slip like any other
    assert app.rounds.flush(5)
    assert store.word_counts()[word] == CLOSE[word] + 1


def test_done_needs_ink_and_the_time_out_ends_a_teaching_round_too(store):
    app = make_app(store=store, rounds=1, seconds=1.0, teach_share=1.0)
    try:
        start_game(app)
        scene = app.scene
        assert scene.teaching
        app.step([pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r")], 1 / 60)
        assert scene.phase == "drawing"                   # Done with nothing drawn does nothing
        draw_stroke(app, circle_points(scene.canvas.rect, 8))
        steps(app, 1.2, dt=0.1)
        assert scene.phase == "verdict"
        finish_round(app)
        assert app.scene.name == "gameover"
        assert app.scene.score_sentence() == "You drew words the machine did not know yet: it learns them from you"
    finally:
        app.close()


def test_a_known_word_round_has_no_done_button(store):
    app = make_app(store=store, rounds=2, teach_share=0.0)
    try:
        start_game(app)
        assert not app.scene.teaching and app.scene.done_button not in app.scene.buttons
        assert app.game.teaching == frozenset()
    finally:
        app.close()


@pytest.mark.parametrize("share", [-0.1, 1.5, True, "half", float("nan")])
def test_a_teach_share_outside_0_to_1_is_refused(share):
    with pytest.raises(ValueError, match="teach_share must be a number from 0 to 1"):
        Settings(teach_share=share)


def test_teach_settings_on_the_command_line():
    settings = settings_from_args(["--teach-share", "1/3", "--teach-word-drawings", "30"])
    assert settings.teach_share == pytest.approx(1 / 3) and settings.teach_word_drawings == 30
    assert Settings().teach_share == pytest.approx(1 / 6) and Settings().teach_word_drawings == 20
    with pytest.raises(SystemExit):
        settings_from_args(["--teach-share", "lots"])
    with pytest.raises(ValueError, match="teach_word_drawings"):
        Settings(teach_word_drawings=0)


def test_teach_settings_in_the_kiosk_config(tmp_path):
    config = tmp_path / "kiosk.toml"
    config.write_text('teach_share = 0.25\nteach_word_drawings = 40\n')
    settings = settings_from_args(["--kiosk", "--config", str(config)])
    assert settings.teach_share == 0.25 and settings.teach_word_drawings == 40 and settings.retrain_every == 300
    config.write_text('teach_share = "lots"\n')
    with pytest.raises(SystemExit):
        settings_from_args(["--kiosk", "--config", str(config)])


def test_a_seeded_game_opens_with_the_same_known_word_whatever_it_teaches(store):
    # test_e2e.py predicts the first prompt from the seed alone (rounds.pick_prompts).
    import random

    from game.rounds import pick_prompts
    app = make_app(store=store, rounds=6, teach_share=1 / 6, seed=11)
    try:
        app.rng = random.Random(11)
        app.begin_game(consent=True)
        assert app.game.prompts[0] == pick_prompts(app.classifier.categories, 6, random.Random(11))[0]
        assert len(app.game.teaching) == 1
    finally:
        app.close()
