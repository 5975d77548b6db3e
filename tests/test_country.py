"""The installation's country (issue 15, item 3): one `country` setting ("BE") labels every drawing of
the installation with Google's countrycode and is stated on the consent screen in every language;
without it the countrycode stays empty. A player is never asked."""
import argparse
import json
from pathlib import Path

import pytest

from game.round_journal import PendingRound, RoundJournal, journal_path
from game.round_writer import RoundWriter
from game.rounds import RoundResult
from game.scenes.consent import ConsentScene
from game.settings import Settings, read_kiosk_config, settings_from_args
from game_fixtures import make_app
from model import export
from model.store import Session, Store
from model.translations import LANGUAGES

EXAMPLE = Path(__file__).resolve().parents[1] / "deploy" / "kiosk.toml.example"
CAT = [[[10, 40, 90], [20, 60, 20], [0, 30, 70]]]


@pytest.mark.parametrize("country", ["be", "BEL", "B", "B1", "", " BE", "ÉÉ", 32])
def test_a_country_is_two_upper_case_letters(country, tmp_path):
    with pytest.raises(ValueError, match="two upper-case letters"):
        Settings(country=country)
    config = tmp_path / "kiosk.toml"
    config.write_text(f"country = {json.dumps(country)}\n")
    with pytest.raises(argparse.ArgumentTypeError, match=f"{config}.*(two upper-case letters|wrong type)"):
        read_kiosk_config(config)
    with Store(":memory:") as store, pytest.raises(ValueError, match="two upper-case letters"):
        store.new_session(country=country)


def test_the_example_config_and_the_command_line_set_it(tmp_path):
    example = EXAMPLE.read_text()
    assert '# country = "BE"' in example and Settings().country is None
    config = tmp_path / "kiosk.toml"
    config.write_text(example.replace("SET-YOUR-OWN-PIN", "582047").replace('# country = "BE"', 'country = "BE"'))
    assert settings_from_args(["--kiosk", "--config", str(config)]).country == "BE"
    assert settings_from_args(["--kiosk", "--config", str(config), "--country", "NL"]).country == "NL"
    assert settings_from_args([]).country is None


def test_every_drawing_of_the_installation_carries_its_country_and_only_then(tmp_path):
    db = tmp_path / "kiosk.db"
    with Store(db) as store:
        store.save_drawing(store.start_session(country="BE"), "cat", CAT, True, 30, 700)
        store.save_drawing(store.start_session(), "cat", CAT, True, 30, 700)
        # The game's way: a session not written yet, its rounds through the writer (and its journal).
        writer = RoundWriter(store, RoundJournal(journal_path(db))).start()
        session = store.new_session(country="BE")
        result = RoundResult(word="dog", drawing=CAT, recognized=False, guessed_at_ms=None, duration_ms=900,
                             guesses=[])
        replayed = PendingRound.of(session, result).stored_session(Session)  # as the journal keeps it
        assert replayed.country == "BE" and replayed.code == session.code
        writer.submit(session, result)
        assert writer.flush(5)
        writer.close()
        assert [row["countrycode"] for row in store.drawings()] == ["BE", None, "BE"]
    export.export([db], tmp_path / "out", export.ExportSettings(formats=("raw", "bin")))
    lines = [json.loads(line) for name in ("cat", "dog")
             for line in (tmp_path / "out" / "raw" / f"{name}.ndjson").read_text().splitlines()]
    assert [line["countrycode"] for line in lines] == ["BE", "", "BE"]
    data = (tmp_path / "out" / "binary" / "cat.bin").read_bytes()
    assert data[8:10] == b"BE"  # the first record's countrycode, after its uint64 key_id


def test_the_app_labels_a_game_with_the_setting(tmp_path):
    with Store(tmp_path / "p.db") as store:
        assert make_app(store=store, country="BE").start_session(True).country == "BE"
        assert make_app(store=store).start_session(True).country is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_consent_screen_states_the_country_in_every_language(lang):
    app = make_app(country="BE")
    app.set_language(lang)
    labelled = dict(ConsentScene(app).row_texts())
    app.settings.country = None
    plain = dict(ConsentScene(app).row_texts())
    changed = [heading for heading in plain if plain[heading] != labelled[heading]]
    assert changed == [app.translations.t("consent_what_label")]  # "what is kept" says it, nothing else
    assert "BE" in labelled[changed[0]] and "BE" not in plain[changed[0]]
