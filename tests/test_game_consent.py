"""The participation agreement: shown before the first drawing of every game, two equal choices, and a
declined game that leaves the database exactly as it was (row counts and file bytes)."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import hashlib  # noqa: E402
import sqlite3  # noqa: E402
from pathlib import Path  # noqa: E402

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.i18n import Translations  # noqa: E402
from game.scenes.consent import ConsentScene  # noqa: E402
from game.settings import LANGUAGES  # noqa: E402
from game_fixtures import (ScriptedClassifier, circle_points, click, draw_stroke, finish_round,  # noqa: E402
                           make_app, next_round, recognizes_after, settle, start_game)
from model.store import Store  # noqa: E402

TABLES = ("sessions", "drawings", "guesses", "models", "erasures")


def snapshot(db: Path) -> dict:
    """Row counts of every table (read through a separate connection) and the bytes of the database
    file and its write-ahead log. The -shm file is SQLite's shared-memory index, rewritten by readers
    too, so it says nothing about what was stored."""
    with sqlite3.connect(db) as conn:
        counts = {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}
    conn.close()
    files = {}
    for path in (db, Path(f"{db}-wal")):
        files[path.name] = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
    return {"rows": counts, "files": files}


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "consent.db"
    with Store(path) as store:  # an installation that already has a player and a model
        earlier = store.start_session()
        store.save_drawing(earlier, "cat", [[[0, 50, 100], [0, 80, 0], [0, 10, 20]]], True, 10, 20,
                           [(10, [("cat", 0.9)])])
        store.record_model("v1", "m.pt", 100, {"top1": 0.5})
    return path


def test_start_shows_the_agreement_before_any_drawing(db):
    with Store(db) as store:
        app = make_app(store=store)
        try:
            settle(app)
            app.step(click(app.scene.start_button.rect.center), 1 / 60)
            assert app.scene.name == "consent" and app.game is None
            scene = app.scene
            # Two equal buttons: same size, same style, side by side; Enter chooses neither.
            assert scene.donate_button.rect.size == scene.decline_button.rect.size
            assert scene.donate_button.style == scene.decline_button.style
            assert scene.donate_button.rect.top == scene.decline_button.rect.top
            settle(app)
            app.step([pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, unicode="\r")], 1 / 60)
            assert app.scene is scene and app.game is None
            scene.draw(app.screen)
            assert app.voice.said[-1][0] == app.translations.t("consent_spoken")
        finally:
            app.close()


def test_donating_stores_the_session_with_its_code_and_every_round(db):
    with Store(db) as store:
        before = store.totals()["drawings"]
        app = make_app(store=store, rounds=1, seconds=0.5)
        try:
            start_game(app, consent=True)
            session = app.game.session
            assert session.consent and len(session.code) == 8    # its row comes with its first drawing
            draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
            finish_round(app)
            assert app.rounds.flush(5) and session.id is not None
            assert store.totals()["drawings"] == before + 1
            assert store.totals(session)["drawings"] == 1
            assert store.db["sessions"].get(session.id)["code"] == session.code
        finally:
            app.close()


def test_a_store_that_cannot_be_read_lets_a_donating_player_play_without_storing(db, monkeypatch, caplog):
    from model.store import StoreError
    with Store(db) as store:
        app = make_app(store=store, rounds=1, seconds=0.5)
        real_new = store.new_session

        def damaged(locale="en", consent=True, kiosk=None, country=None):
            if consent:   # what Store raises when SQLite cannot read (a full disk is the writer's: it waits)
                raise StoreError(f"could not read {db}: database disk image is malformed")
            return real_new(locale=locale, consent=consent, kiosk=kiosk, country=country)

        monkeypatch.setattr(store, "new_session", damaged)
        try:
            before = snapshot(db)
            start_game(app, consent=True)
            assert app.scene.name == "drawing" and app.game.session.consent is False
            draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
            finish_round(app)
            assert "played without storing" in caplog.text and snapshot(db) == before
        finally:
            app.close()


def test_declining_writes_nothing_at_all(db):
    holder = {}
    with Store(db) as store:
        classifier = ScriptedClassifier(recognizes_after(lambda: holder["app"].scene.word, 12))
        app = holder["app"] = make_app(store=store, classifier=classifier, rounds=2, seconds=1.0)
        try:
            before = snapshot(db)  # after the start (and its retention purge): now only the player acts
            start_game(app, consent=False)
            assert app.game.session.consent is False and app.game.session.id is None
            for index in range(2):
                if index:
                    next_round(app)
                draw_stroke(app, circle_points(app.scene.canvas.rect, 16))
                finish_round(app)
            assert app.scene.name == "gameover" and len(app.game.results) == 2
            assert all(result.has_ink and result.drawing_id is None for result in app.game.results)
            settle(app)
            app.step(click(app.scene.payslip_button.rect.center), 1 / 60)
            assert app.scene.name == "payslip"
            sheet = app.scene.sheet
            # The pay slip says so: nothing kept, no erasure code, and the work is still counted.
            assert not sheet.donated and sheet.code is None
            assert sheet.badge == "Not donated" and sheet.where == app.translations.t("slip_where_declined")
            assert sheet.work[1][1].text == "2"
            settle(app)
            app.step(click(app.scene.taught_button.rect.center), 1 / 60)
            assert app.scene.name == "taught"
            assert app.scene.facts()[-1][1] == app.translations.t("taught_yours_declined")
            steps_home = app.scene.home_button.rect.center
            settle(app)
            app.step(click(steps_home), 1 / 60)
            assert app.scene.name == "title"
            assert snapshot(db) == before
        finally:
            app.close()
    assert snapshot(db)["rows"] == before["rows"]


def drawn_texts(app, scene) -> list[str]:
    """Every string `scene` draws in one frame."""
    seen, draw = [], app.text.draw
    app.text.draw = lambda surface, text, *args, **kwargs: (seen.append(text), draw(surface, text, *args, **kwargs))[1]
    try:
        scene.draw(app.screen)
    finally:
        app.text.draw = draw
    return seen


def test_the_meter_says_when_nothing_is_donated(db):
    with Store(db) as store:
        app = make_app(store=store, seconds=30)
        try:
            start_game(app, consent=False)
            draw_stroke(app, circle_points(app.scene.canvas.rect, 8))
            meters = [text for text in drawn_texts(app, app.scene) if "·" in text]
            assert len(meters) == 1 and meters[0].startswith("Not donated · drawings: 0 · time: ")
        finally:
            app.close()


def test_a_double_tap_starts_one_game(db):
    with Store(db) as store:
        app = make_app(store=store)
        try:
            app.new_game()
            scene = app.scene
            scene.choose(True)
            game = app.game
            scene.choose(True)
            scene.choose(False)
            assert app.game is game and app.game.session.consent
            next_round(app)
            draw_stroke(app, circle_points(app.scene.canvas.rect, 10))
            finish_round(app)
            assert app.rounds.flush(5)
            count = store.db.execute("SELECT count(*) FROM sessions WHERE source = 'game'").fetchone()[0]
            assert count == 2  # the earlier player and this game, not three
        finally:
            app.close()


@pytest.mark.parametrize("keep_days, expected", [(30, "Kept for 30 days, then erased automatically."),
                                                  (None, "Kept until you or the people running this "
                                                         "installation erase them.")])
def test_the_agreement_states_the_retention_setting(keep_days, expected):
    app = make_app(keep_days=keep_days)
    try:
        scene = ConsentScene(app)
        rows = dict(scene.row_texts())
        assert rows["How long"].startswith(expected)
        assert set(rows) == {"What is kept", "What for", "How long", "Who sees it"}
        assert "No name, no IP address, no country, no camera." in rows["What is kept"]
    finally:
        app.close()


def test_every_language_has_the_age_notice_and_the_two_choices():
    for lang in LANGUAGES:
        tr = Translations.load(lang)
        assert tr.t("consent_yes") != tr.t("consent_no")
        what = tr.t("consent_what")
        assert "IP" in what, lang  # no IP address, in every language
    assert Translations.load("fr").t("consent_yes") == "Donner mes dessins"
    assert Translations.load("fr").t("consent_no") == "Jouer sans donner mes dessins"
    assert Translations.load("nl").t("consent_no") == "Spelen zonder te doneren"


def test_the_age_notice_gives_each_countrys_age_of_digital_consent_with_its_law():
    app = make_app()
    try:
        for lang, expected in (("en", "Under 13 in Belgium, 15 in France or 16 in the Netherlands?"),
                               ("fr", "Moins de 15\u00a0ans en France, de 13\u00a0ans en Belgique ou de 16\u00a0ans "
                                      "aux Pays-Bas\u00a0?"),
                               ("nl", "Jonger dan 13 in België, 16 in Nederland of 15 in Frankrijk?")):
            app.set_language(lang)
            notice, figures, laws = ConsentScene(app).age_notice()
            assert notice.startswith(expected), notice
            assert {f.sources[0] for f in figures} == {"facts.age_consent_be", "facts.age_consent_fr",
                                                       "facts.age_consent_nl"}
            assert "art. 7" in laws and "art. 45" in laws and "GDPR, art. 8(1)" in laws
    finally:
        app.close()


def test_the_agreement_lists_everything_a_session_stores():
    what = Translations.load("en").t("consent_what")
    for stored in ("timing", "the word", "guesses", "when you started", "the language", "your answer",
                   "erasure code"):
        assert stored in what, stored
