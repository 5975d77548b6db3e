"""A game's bookkeeping: prompts without repeats, and each finished round handed to the writer at once
(the writer itself, with a busy database and a restart: test_round_writer.py)."""
from __future__ import annotations

import random

import pytest

from game.round_writer import RoundWriter, journal_for
from game.rounds import Game, RoundResult, pick_prompts
from model.store import Store

DRAWING = [[[10, 20, 30], [10, 15, 10], [0, 40, 80]], [[5, 5], [0, 30], [300, 350]]]


def result(word, recognized=True, drawing=DRAWING):
    return RoundResult(word=word, drawing=drawing, recognized=recognized,
                       guessed_at_ms=80 if recognized else None, duration_ms=400,
                       guesses=[(40, [("sun", 0.3), (word, 0.2)]), (80, [(word, 0.7), ("sun", 0.1)])])


def test_pick_prompts_never_repeats_and_is_seeded():
    categories = [f"c{i}" for i in range(40)]
    prompts = pick_prompts(categories, 6, random.Random(3))
    assert len(prompts) == 6 and len(set(prompts)) == 6 and set(prompts) <= set(categories)
    assert prompts == pick_prompts(categories, 6, random.Random(3))
    assert sorted(pick_prompts(categories, 40, random.Random(1))) == sorted(categories)
    with pytest.raises(ValueError, match="cannot pick 7 different prompts from 6"):
        pick_prompts(["a", "b", "c", "a", "d", "e", "f"], 7)


def test_each_round_is_in_the_store_soon_after_it_is_recorded(tmp_path):
    path = tmp_path / "rounds.db"
    with Store(path) as store:
        writer = RoundWriter(store, journal_for(store)).start()
        session = store.new_session(locale="nl")
        game = Game(["cat", "sun"], writer, session)
        assert game.current_word == "cat" and game.index == 0
        game.record(result("cat"))
        assert writer.flush(5)
        # A second connection sees it: committed, not waiting for the end of the game.
        with Store(path) as other:
            rows = list(other.drawings())
        assert [(r["word"], r["recognized"], r["guessed_at_ms"], r["duration_ms"]) for r in rows] == [
            ("cat", True, 80, 400)]
        assert rows[0]["drawing"] == DRAWING and rows[0]["key"] == game.results[0].key
        assert store.guesses(rows[0]["id"]) == [(40, [("sun", 0.3), ("cat", 0.2)]),
                                                (80, [("cat", 0.7), ("sun", 0.1)])]
        assert game.results[0].drawing_id == rows[0]["id"] and session.id == rows[0]["session_id"]
        game.record(result("sun", recognized=False))
        assert writer.flush(5)
        assert game.finished and game.score == 1 and store.count_drawings() == 2
        with pytest.raises(IndexError):
            game.current_word
        with pytest.raises(ValueError, match="already recorded"):
            game.record(result("sun"))
        writer.close()


def test_the_wrong_word_is_refused_and_empty_drawings_or_declined_games_are_not_stored(tmp_path):
    with Store(tmp_path / "r.db") as store:
        writer = RoundWriter(store).start()
        game = Game(["cat", "sun"], writer, store.new_session())
        with pytest.raises(ValueError, match="round for 'sun' recorded while 'cat' was asked"):
            game.record(result("sun"))
        game.record(result("cat", recognized=False, drawing=[]))
        declined = Game(["cat"], writer, store.new_session(consent=False))
        declined.record(result("cat"))
        assert writer.flush(5) and writer.pending() == []
        assert store.count_drawings() == 0 and len(game.results) == 1 and len(declined.results) == 1
        writer.close()


def test_a_store_failure_is_logged_and_the_round_kept_until_it_can_be_stored(caplog):
    with Store(":memory:") as store:
        writer = RoundWriter(store).start()
        game = Game(["cat", "sun"], writer, store.new_session())
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        store.db.execute(f"PRAGMA max_page_count = {pages}")       # a full disk
        with caplog.at_level("ERROR"):
            game.record(result("cat", drawing=[[list(range(5000)), list(range(5000))]]))
        assert game.results[0].drawing_id is None and [r.word for r in writer.pending()] == ["cat"]
        assert "cannot store 1 round(s) yet" in caplog.text and "full" in caplog.text
        store.db.execute("PRAGMA max_page_count = 1073741823")     # space again
        game.record(result("sun"))
        assert writer.pending() == [] and [d["word"] for d in store.drawings()] == ["cat", "sun"]
        assert game.finished and game.results[0].drawing_id is not None


def test_top_is_the_final_guess_or_the_last_live_one():
    r = result("cat")
    assert r.top == [("cat", 0.7), ("sun", 0.1)]
    r.final = [("dog", 0.5)]
    assert r.top == [("dog", 0.5)]
    assert RoundResult("cat", [], False, None, 0, []).top == []


def test_a_game_needs_prompts():
    with pytest.raises(ValueError):
        Game([])
