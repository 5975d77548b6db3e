"""Kiosk mode driven headlessly by events: the attract loop, the idle reset, no way out for visitors,
the operator exit (chord or corner long press, then the PIN), and the error guard."""
from __future__ import annotations

import logging
import random

import pygame
import pytest

from game.kiosk.controller import OPERATOR_EXIT_CODE, Kiosk
from game.kiosk.rules import HOLD_SECONDS
from game.scenes.attract import pick_drawing
from game.scenes.pinpad import LOCK_SECONDS, MAX_LOCK_SECONDS, MAX_TRIES, TIMEOUT, PinLock
from game_fixtures import (ScriptedClassifier, answer_consent, circle_points, click, draw_stroke, finger,
                           finish_round, make_app, mouse_down, mouse_up, next_round, point_count, settle, steps)
from model.store import Store

PIN = "246813"


def key(code, mod=0):
    return pygame.event.Event(pygame.KEYDOWN, key=code, mod=mod, unicode="", scancode=0)


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kiosk.db") as store:
        yield store


@pytest.fixture
def kiosk_app(store, tmp_path):
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin=PIN, idle_seconds=10.0,
                   seconds=3.0)
    kiosk = Kiosk(app).install()
    yield app, kiosk
    app.close()


def stored_drawing(store, word="cat", sessions_after=2):
    """A drawing from an earlier visitor, then `sessions_after` more visitors' sessions."""
    session = store.start_session()
    xs = list(range(0, 600, 20))
    store.save_drawing(session, word, [[xs, [300 + (x % 60) for x in xs], [i * 40 for i in range(len(xs))]]],
                       True, 500, 1200, [])
    for _ in range(sessions_after):
        store.start_session()


def start_from_attract(app, consent=True):
    settle(app)
    app.step([finger("down", (app.window_size[0] * 0.8, app.window_size[1] * 0.8), app.window_size),
              finger("up", (app.window_size[0] * 0.8, app.window_size[1] * 0.8), app.window_size)], 1 / 60)
    answer_consent(app, consent)


def test_the_attract_loop_is_home_and_nobody_can_quit(kiosk_app):
    app, kiosk = kiosk_app
    assert app.scene.name == "attract" and not app.quit_allowed and not pygame.mouse.get_visible()
    visitor_ways_out = [pygame.event.Event(pygame.QUIT), pygame.event.Event(pygame.WINDOWCLOSE),
                        key(pygame.K_ESCAPE), key(pygame.K_F4, pygame.KMOD_LALT), key(pygame.K_c, pygame.KMOD_CTRL),
                        key(pygame.K_q, pygame.KMOD_CTRL), key(pygame.K_w, pygame.KMOD_LCTRL),
                        key(pygame.K_q, pygame.KMOD_META)]
    for event in visitor_ways_out:
        app.step([event], 1 / 60)
    assert app.running and app.scene.name == "attract" and kiosk.ignored_quits == 2
    app.go_home()   # the game's Home button leads to the attract loop too, never the title screen
    assert app.scene.name == "attract"


def test_attract_replays_a_stored_drawing_while_the_machine_guesses(store, kiosk_app):
    app, kiosk = kiosk_app
    stored_drawing(store, "cat")
    app.go_home()
    scene = app.scene
    assert scene.phase == "drawing" and scene.word == "cat"
    seen = []
    for _ in range(200):
        app.step([], 1 / 20)
        app.guesser.wait_idle()
        seen.append(scene.visible)
        if scene.phase == "reveal":
            break
    assert scene.phase == "reveal"
    assert seen == sorted(seen) and len(set(seen)) > 5     # drawn point by point, never backwards
    sizes = [point_count(drawing) for drawing in app.classifier.calls]
    assert len(sizes) >= 5 and sizes == sorted(sizes) and sizes[-1] == len(scene.replay)   # guessed live
    words, _ = scene.bubble_text()
    assert words.startswith("It was a cat.") and "missed" in words   # the scripted machine says sun
    steps(app, 3.5, 1 / 20)
    assert scene.phase == "drawing" and scene.shown == 2   # and the next one starts


def test_the_attract_verdict_is_the_game_rule(store, tmp_path):
    """The machine is 90% sure of the cat, but this model's fitted rule asks 95% for it: missed."""
    from model.recognition import RecognitionRule

    class Strict(ScriptedClassifier):
        def recognizes(self, guesses, word):
            return RecognitionRule(thresholds={"cat": 0.95}).recognizes(guesses, word)

    sure = Strict(lambda drawing: [("cat", 0.9), ("sun", 0.05)] if point_count(drawing) else [])
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin=PIN, classifier=sure)
    Kiosk(app).install()
    try:
        stored_drawing(store, "cat")
        app.go_home()
        scene = app.scene
        for _ in range(200):
            app.step([], 1 / 20)
            app.guesser.wait_idle()
            if scene.phase == "reveal":
                break
        assert scene.phase == "reveal" and scene.current[0] == ("cat", 0.9)
        words, _ = scene.bubble_text()
        assert words.startswith("It was a cat.") and "missed" in words
    finally:
        app.close()


def test_attract_never_replays_the_last_visitors_drawings(store, kiosk_app):
    app, _ = kiosk_app
    stored_drawing(store, "cat", sessions_after=0)
    stored_drawing(store, "sun", sessions_after=0)
    app.go_home()
    assert app.scene.phase == "empty" and "Be the first" in app.scene.bubble_text()[0]
    store.start_session()   # one more visitor: the cat's session is now the third most recent
    assert {pick_drawing(store, random.Random(seed))["word"] for seed in range(20)} == {"cat"}


def test_a_touch_starts_a_game_and_the_language_pills_do_not(kiosk_app):
    app, _ = kiosk_app
    settle(app)
    french = app.scene.language_buttons["fr"].rect.center
    app.step([finger("down", french, app.window_size), finger("up", french, app.window_size)], 1 / 60)
    assert app.scene.name == "attract" and app.translations.lang == "fr"
    app.step([], 1 / 60)
    assert app.scene.play_button.label == "Touche pour jouer"
    app.step(click((app.window_size[0] // 2, app.window_size[1] - 5)), 1 / 60)
    assert app.scene.name == "consent"


def test_idle_reset_abandons_the_game_keeps_finished_rounds_and_forgets_the_visitor(store, kiosk_app, caplog):
    app, kiosk = kiosk_app
    start_from_attract(app, consent=True)
    next_round(app)
    draw_stroke(app, circle_points(app.scene.canvas.rect, 20))
    finish_round(app)                      # round 1 ends on time and is stored at once
    next_round(app)
    draw_stroke(app, circle_points(app.scene.canvas.rect, 12))
    assert app.scene.name == "drawing" and app.game.index == 1
    with caplog.at_level(logging.INFO, logger="pennydraw.kiosk"):
        steps(app, 4.0, 1 / 20)            # round 2 times out (3 s), a prompt card waits
        assert app.scene.name == "prompt"
        steps(app, 7.0, 1 / 20)            # 10 s after the last input the visitor is gone
    assert app.scene.name == "attract" and app.game is None
    assert app.rounds.flush(5) and store.count_drawings() == 2 and kiosk.games_abandoned == 1
    assert "idle reset scene=prompt" in caplog.text and "game abandoned rounds=2 of=6" in caplog.text
    start_from_attract(app, consent=False)
    assert app.game.results == []          # the next visitor starts from nothing
    app.show_game_over()
    assert app.scene.name == "gameover" and app.scene.app.game.results == []


def test_idle_reset_waits_for_the_verdict_and_input_keeps_a_game_alive(kiosk_app):
    app, kiosk = kiosk_app
    app.settings.idle_seconds = 2.0
    start_from_attract(app)
    next_round(app)
    rect = app.scene.canvas.rect
    for _ in range(6):                     # 3 s of drawing, beyond the 2 s idle limit: still playing
        app.step([mouse_down(rect.center), mouse_up(rect.center)], 0.5)
        assert app.scene.name == "drawing"
    assert app.scene.phase == "verdict"
    kiosk.idle = 5.0                       # idle, but the verdict is still showing: wait for it
    app.step([], 1 / 60)
    assert app.scene.name == "drawing" and app.scene.phase == "verdict"
    steps(app, 1.0, 1 / 20)
    assert app.scene.name == "attract"


def test_the_pay_slip_with_its_erasure_code_goes_sooner_than_the_other_screens(store, tmp_path, caplog):
    """A visitor who walks away from the pay slip leaves their erasure code on it: the next visitor
    must not find it there, so that screen has its own, shorter idle timeout."""
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin=PIN, rounds=1)
    kiosk = Kiosk(app).install()
    assert app.settings.idle_seconds == 45
    start_from_attract(app, consent=True)
    next_round(app)
    draw_stroke(app, circle_points(app.scene.canvas.rect, 20))
    finish_round(app)
    assert app.scene.name == "gameover"
    steps(app, 25.0, 1 / 10)               # the game-over screen keeps the general timeout
    assert app.scene.name == "gameover"
    app.step(click(app.scene.payslip_button.rect.center), 1 / 60)
    assert app.scene.name == "payslip" and app.scene.sheet.code == app.game.session.code
    steps(app, 15.0, 1 / 10)
    app.step([finger("down", (5, 5), app.window_size), finger("up", (5, 5), app.window_size)], 1 / 60)
    steps(app, 15.0, 1 / 10)               # a touch restarts the clock: still reading
    assert app.scene.name == "payslip"
    with caplog.at_level(logging.INFO, logger="pennydraw.kiosk"):
        steps(app, 6.0, 1 / 10)            # 21 s untouched: gone, with every screen of the game
    assert app.scene.name == "attract" and app.game is None and app._payslip is None
    assert "idle reset scene=payslip" in caplog.text and kiosk.games_finished == 1
    app.close()


def test_the_pay_slip_timeout_is_a_setting(tmp_path):
    from game.settings import Settings, settings_from_args
    config = tmp_path / "kiosk.toml"
    assert Settings().payslip_idle_seconds == 20.0
    config.write_text("payslip_idle_seconds = 12\n")
    assert settings_from_args(["--kiosk", "--config", str(config)]).payslip_idle_seconds == 12
    assert settings_from_args(["--kiosk", "--payslip-idle-seconds", "8"]).payslip_idle_seconds == 8.0
    with pytest.raises(ValueError, match="payslip_idle_seconds must be positive"):
        Settings(payslip_idle_seconds=0)


def test_a_jittering_mouse_does_not_keep_a_walked_away_visitors_game_up(kiosk_app):
    from game_fixtures import mouse_move
    app, kiosk = kiosk_app
    app.settings.idle_seconds = 2.0
    start_from_attract(app)
    assert app.scene.name == "prompt"
    x, y = app.window_size[0] // 2, app.window_size[1] // 2
    for step in range(12):                 # 3 s of a mouse twitching by itself, no button held
        app.step([mouse_move((x + step % 2, y), pressed=False)], 0.25)
    assert app.scene.name == "attract" and app.game is None


def test_operator_exit_with_the_chord_and_the_pin(kiosk_app, caplog):
    app, kiosk = kiosk_app
    app.step([key(pygame.K_o, pygame.KMOD_LCTRL | pygame.KMOD_LSHIFT)], 1 / 60)
    assert app.scene.name == "pinpad"
    for digit in "1111":
        app.step([key(getattr(pygame, f"K_{digit}"))], 1 / 60)
    app.step([key(pygame.K_RETURN)], 1 / 60)
    assert app.running and app.scene.message_key == "pin_wrong" and app.scene.typed == ""
    with caplog.at_level(logging.INFO, logger="pennydraw.kiosk"):
        for digit in PIN:                  # this time on the big keys, by touch
            app.step([finger("down", app.scene.digit_buttons[int(digit)].rect.center, app.window_size)], 1 / 60)
        app.step(click(app.scene.ok_button.rect.center), 1 / 60)
    assert not app.running and kiosk.exit_code == OPERATOR_EXIT_CODE
    assert "operator exit" in caplog.text and PIN not in caplog.text


def test_operator_exit_with_a_long_press_in_the_corner(kiosk_app):
    app, _ = kiosk_app
    settle(app)
    app.step([mouse_down((5, 5)), mouse_up((5, 5))], 1 / 60)
    steps(app, HOLD_SECONDS + 1, 1 / 20)
    assert app.scene.name == "attract"     # a tap in the corner is nothing, and starts no game
    app.step([finger("down", (8, 8), app.window_size)], 1 / 60)
    steps(app, HOLD_SECONDS - 0.5, 1 / 20)
    assert app.scene.name == "attract"
    steps(app, 0.6, 1 / 20)
    assert app.scene.name == "pinpad"
    for digit in PIN:
        app.step(click(app.scene.digit_buttons[int(digit)].rect.center), 1 / 60)
    app.step([key(pygame.K_KP_ENTER)], 1 / 60)
    assert not app.running


def test_the_pin_pad_locks_after_wrong_pins_and_times_out_to_the_attract_loop(kiosk_app):
    app, _ = kiosk_app
    app.step([key(pygame.K_o, pygame.KMOD_CTRL | pygame.KMOD_SHIFT)], 1 / 60)
    pad = app.scene
    for _ in range(MAX_TRIES):
        app.step([key(pygame.K_9), key(pygame.K_RETURN)], 1 / 60)
    assert LOCK_SECONDS - 0.1 < pad.locked_for <= LOCK_SECONDS
    for digit in PIN:                      # even the right PIN does nothing while locked
        app.step([key(getattr(pygame, f"K_{digit}"))], 1 / 60)
    app.step([key(pygame.K_RETURN)], 1 / 60)
    assert app.running and app.scene is pad
    steps(app, TIMEOUT + 1, 0.25)
    assert app.scene.name == "attract" and app.running
    app.step([key(pygame.K_o, pygame.KMOD_CTRL | pygame.KMOD_SHIFT)], 1 / 60)
    assert app.scene.name == "pinpad" and app.scene.locked_for > 0   # reopening does not unlock it
    steps(app, app.scene.locked_for + 0.5, 0.25)
    for digit in PIN:
        app.step([key(getattr(pygame, f"K_{digit}"))], 1 / 60)
    app.step([key(pygame.K_RETURN)], 1 / 60)
    assert not app.running                 # once the lock is over, the right PIN works


def test_each_lock_of_the_pin_pad_lasts_twice_the_last_up_to_an_hour():
    lock = PinLock()
    lengths = []
    for _ in range(10):
        for _ in range(MAX_TRIES):
            lock.fail()
        lengths.append(lock.locked_for)
        lock.tick(lock.locked_for)
    assert lengths[:3] == [LOCK_SECONDS, 2 * LOCK_SECONDS, 4 * LOCK_SECONDS]
    assert lengths[-1] == MAX_LOCK_SECONDS and all(b >= a for a, b in zip(lengths, lengths[1:]))


def test_without_a_pin_there_is_no_operator_exit(store, caplog, tmp_path):
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin=None)
    try:
        Kiosk(app).install()
        with caplog.at_level(logging.WARNING, logger="pennydraw.kiosk"):
            app.step([key(pygame.K_o, pygame.KMOD_CTRL | pygame.KMOD_SHIFT)], 1 / 60)
        assert app.scene.name == "attract" and "no PIN is configured" in caplog.text
    finally:
        app.close()


def test_a_failing_frame_goes_back_to_the_attract_loop_and_a_storm_re_raises(kiosk_app, caplog):
    app, kiosk = kiosk_app
    start_from_attract(app)
    with caplog.at_level(logging.ERROR, logger="pennydraw.kiosk"):
        kiosk.recover(RuntimeError("a bug in a scene"))
    assert app.scene.name == "attract" and app.game is None and "a frame failed in scene prompt" in caplog.text
    with pytest.raises(RuntimeError):
        for _ in range(20):
            kiosk.recover(RuntimeError("the same bug, again and again"))


def test_kiosk_settings_come_from_the_command_line_and_the_config_file(tmp_path, capsys):
    from game.settings import build_parser, settings_from_args
    config = tmp_path / "kiosk.toml"
    config.write_text('pin = "042031"\nidle_seconds = 30\nretrain_every = 500\nlog = "/tmp/k.log"\n')
    settings = settings_from_args(["--kiosk", "--config", str(config), "--idle-seconds", "60"])
    assert settings.kiosk and settings.pin == "042031" and settings.idle_seconds == 60.0
    assert settings.retrain_every == 500 and str(settings.log) == "/tmp/k.log"
    assert settings_from_args([]).idle_seconds == 45.0 and not settings_from_args([]).kiosk
    for text, message in [('pin = 420\n', 'quote it'), ('pin = "4203"\n', "6 to 12 digits"),
                          ('colour = "red"\n', "unknown key 'colour'"), ('pin = \n', "not valid TOML")]:
        config.write_text(text)
        with pytest.raises(SystemExit):
            settings_from_args(["--kiosk", "--config", str(config)])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        settings_from_args(["--kiosk", "--config", str(tmp_path / "absent.toml")])
    assert "cannot read the kiosk config" in capsys.readouterr().err
    assert "--autoplay" not in build_parser().format_help()   # the test driver stays hidden


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280), (640, 480), (1920, 1080)])
def test_kiosk_screens_fit_every_language_at_every_size(store, size, tmp_path):
    from game.facts import ROTATE_SECONDS
    from game.scenes.pinpad import PinPadScene
    from game.settings import LANGUAGES
    stored_drawing(store, "cat")
    app = make_app(store=store, kiosk=True, payslip_dir=tmp_path / "payslips", pin=PIN, size=size)
    try:
        kiosk = Kiosk(app).install()
        for lang in LANGUAGES:
            app.set_language(lang)
            tr = app.translations
            longest = max(tr.categories, key=lambda c: len(tr.thing(c)))
            scene = app.scene
            scene.totals = {"drawings": 123_456, "seconds": 98_765.0}
            scene.rotation.reset()
            scene._static_key = None
            for phase, current in (("drawing", []), ("drawing", [(longest, 0.9)]), ("reveal", [(longest, 0.9)]),
                                   ("empty", [])):
                scene.phase, scene.current, scene.word = phase, current, longest
                scene.draw(app.screen)
            for index in range(len(scene.rotation.facts(app.rates, tr, scene.totals))):   # every fact
                scene.age = index * ROTATE_SECONDS
                scene.draw(app.screen)
            pad = PinPadScene(app, kiosk.check_pin, kiosk.go_home, kiosk.pin_lock)
            app.switch(pad)
            pad.typed, pad.message_key = "123456789012", "pin_wrong"
            pad.draw(app.screen)
            kiosk.pin_lock.locked_for = 59.5
            pad.draw(app.screen)
            kiosk.pin_lock.locked_for = 0.0
            kiosk.go_home()
        assert app.text.overflows == []
    finally:
        app.close()
