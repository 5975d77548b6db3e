"""model/teaching.py: the model's accuracy over its versions, the evaluation set they are compared on,
the players' share, and the versions trained since a game began."""
from datetime import datetime, timedelta, timezone

from model.store import Store
from model.teaching import accuracies, history, parse_time, retrained_since, set_kind

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def nested(**sets):
    """Metrics as train.py records them: one dict per evaluation set."""
    return {name.replace("_", " "): {"top1": value, "top3": 1.0, "examples": 10} for name, value in sets.items()}


def test_accuracies_of_both_metric_shapes():
    assert accuracies({"top1": 0.8}) == {"": 0.8}
    assert accuracies({"accuracy": 0.7, "loss": 3}) == {"": 0.7}
    assert accuracies({"synthetic (held out)": {"top1": 0.9}, "quickdraw:s": {"top1": 0.6, "top3": 0.8}}) == {
        "synthetic (held out)": 0.9, "quickdraw:s": 0.6}
    # Not accuracies: out of range, booleans, text, other shapes.
    assert accuracies({"top1": 1.5}) == {} and accuracies({"top1": True}) == {}
    assert accuracies({"a": {"top1": "high"}}) == {} and accuracies(None) == {} and accuracies([0.5]) == {}


def test_set_kinds():
    assert [set_kind(n) for n in ("synthetic (held out)", "store:pennydraw.db", "quickdraw:sample", "", "x")] == [
        "synthetic", "players", "quickdraw", "flat", "other"]


def test_history_compares_versions_on_the_set_most_of_them_share():
    models = [
        {"version": "v2", "trained_at": "2025-02-01T00:00:00.000+00:00", "examples": 200, "player_examples": 50,
         "metrics": nested(**{"synthetic": 0.95, "quickdraw:s": 0.62}), "active": True},
        {"version": "v1", "trained_at": "2025-01-01T00:00:00.000+00:00", "examples": 100, "player_examples": 0,
         "metrics": nested(**{"synthetic": 0.9, "quickdraw:s": 0.5}), "active": False},
        {"version": "v3", "trained_at": "2025-03-01T00:00:00.000+00:00", "examples": 300, "player_examples": 120,
         "metrics": nested(synthetic=0.97), "active": False},
    ]
    result = history(models)
    # Three versions have the synthetic set, two the real drawings: the shared one wins.
    assert result.eval_set == "synthetic" and result.kind == "synthetic"
    assert [(v.version, v.accuracy) for v in result.versions] == [("v1", 0.9), ("v2", 0.95), ("v3", 0.97)]
    assert result.current.version == "v2" and result.current.player_examples == 50  # the active one
    # On a tie, real people's drawings win over generated doodles.
    tie = history(models[:2])
    assert tie.eval_set == "quickdraw:s" and [v.accuracy for v in tie.plotted] == [0.5, 0.62]


def test_the_running_checkpoint_is_current_and_added_when_no_store_knows_it():
    bundled = {"version": "bundled", "created_at": "2024-06-01T00:00:00+00:00",
               "metrics": {"quickdraw:sample": {"top1": 0.65}}, "data": {"examples": 120000, "player_examples": 0}}
    alone = history([], bundled)
    assert [(v.version, v.accuracy, v.examples, v.current) for v in alone.versions] == [
        ("bundled", 0.65, 120000, True)]
    models = [{"version": "v1", "trained_at": "2025-01-01T00:00:00+00:00", "examples": 10, "player_examples": 4,
               "metrics": {"quickdraw:sample": {"top1": 0.7}}, "active": True}]
    both = history(models, bundled)
    assert [v.version for v in both.versions] == ["bundled", "v1"]  # oldest first
    assert both.current.version == "bundled"
    recorded = history(models, {"version": "v1", "metrics": {}, "data": {}})
    assert len(recorded.versions) == 1 and recorded.current.player_examples == 4
    # A checkpoint without a version (a test double, an old file) cannot be matched: the active one is current.
    assert history(models, {"version": None}).current.version == "v1"


def test_versions_without_the_chosen_set_are_not_plotted():
    models = [{"version": "a", "trained_at": "2025-01-01", "metrics": {"top1": 0.4}},
              {"version": "b", "trained_at": "2025-01-02", "metrics": {"top1": 0.5}},
              {"version": "c", "trained_at": "2025-01-03", "metrics": {}}]
    result = history(models)
    assert result.kind == "flat" and [v.version for v in result.plotted] == ["a", "b"]
    assert len(result.versions) == 3
    assert history([]).versions == () and history([]).current is None


def test_retrained_since_the_game_began(tmp_path):
    with Store(tmp_path / "m.db") as store:
        store.record_model("old", "o.pt", 10, {"top1": 0.5}, trained_at=T0)
        store.record_model("running", "r.pt", 10, {"top1": 0.6}, trained_at=T0 + timedelta(hours=2))
        store.record_model("new", "n.pt", 12, {"top1": 0.7}, player_examples=5, trained_at=T0 + timedelta(hours=3))
        models = store.models()
    since = T0 + timedelta(hours=1)
    assert [m["version"] for m in retrained_since(models, since, running_version="running")] == ["new"]
    assert [m["version"] for m in retrained_since(models, since)] == ["running", "new"]
    assert retrained_since(models, T0 + timedelta(days=1)) == []


def test_parse_time():
    assert parse_time("2025-01-01T10:00:00.000+00:00") == T0 + timedelta(hours=10)
    assert parse_time("2025-01-01") == T0  # naive means UTC
    assert parse_time("yesterday") is None and parse_time(None) is None and parse_time("") is None


# --- new words: what retrainings added, and which words a game asks players to teach ---------------
import random  # noqa: E402

import pytest  # noqa: E402

from model.onsite import TAUGHT_RECOGNISED  # noqa: E402
from model.teaching import (NEW_WORDS, plan_game, taught_words, teach_candidates, teach_count,  # noqa: E402
                            teach_words)

ALL = ["piano", "crab", "bear", "cat", "sun", "monkey", "necklace", "lion"]
KNOWN = ["cat", "sun"]


def test_the_new_words_of_a_retraining_are_no_evaluation_set():
    metrics = {**nested(quickdraw_sample=0.7), NEW_WORDS: {"piano": 1, "crab": 0}}
    assert accuracies(metrics) == {"quickdraw sample": 0.7}
    rows = [{"version": "v2", "trained_at": "2025-02-01T00:00:00", "metrics": metrics, "active": True}]
    assert history(rows).eval_set == "quickdraw sample"


def test_taught_words_come_from_models_that_played_each_word_once_oldest_first():
    def row(version, day, words, decision=None, active=False):
        metrics = {NEW_WORDS: words, **({"decision": decision} if decision else {})}
        return {"version": version, "trained_at": (T0 + timedelta(days=day)).isoformat(), "metrics": metrics,
                "active": active}
    models = [row("v3", 3, {"piano": 40, "crab": 22}, "swapped in", active=True),
              row("v2", 2, {"piano": 21}, "swapped in"),
              row("v4", 4, {"bear": 25}, "kept the current model"),        # judged worse: never played
              row("v1", 1, {"monkey": 30}),                                 # train.py --db: no decision
              row("v0", 0, {"lion": "many", "necklace": -3})]               # nonsense is skipped
    words = taught_words(models)
    assert [(w.word, w.drawings, w.version) for w in words] == [("monkey", 30, "v1"), ("piano", 21, "v2"),
                                                               ("crab", 22, "v3")]
    assert words[1].learned_at == T0 + timedelta(days=2)
    assert taught_words([{"version": "x", "metrics": None}]) == []


def test_taught_words_carry_the_newest_count_of_their_unseen_drawings_recognised():
    def row(version, day, words, recognised, decision="swapped in"):
        metrics = {NEW_WORDS: words, TAUGHT_RECOGNISED: recognised, "decision": decision}
        return {"version": version, "trained_at": (T0 + timedelta(days=day)).isoformat(), "metrics": metrics}
    models = [row("v1", 1, {"piano": 20}, {"piano": {"recognised": 1, "drawings": 2}}),
              row("v2", 2, {"crab": 20}, {"piano": {"recognised": 3, "drawings": 4},   # a later check of piano
                                          "crab": {"recognised": 5, "drawings": 2},    # nonsense: skipped
                                          "bear": {"recognised": 1, "drawings": 1}}),  # never taught: ignored
              row("v3", 3, {}, {"piano": {"recognised": 0, "drawings": 9}}, "kept the current model")]  # never played
    words = {w.word: (w.recognised, w.held_out) for w in taught_words(models)}
    assert words == {"piano": (3, 4), "crab": (0, 0)}


def test_teach_candidates_are_unknown_words_closest_to_the_threshold_first():
    counts = {"piano": 12, "crab": 19, "bear": 20, "monkey": 25, "cat": 500}
    assert teach_candidates(ALL, KNOWN, counts, needed=20) == [
        "crab", "piano", "necklace", "lion", "bear", "monkey"]    # enough drawings: waiting, asked for last


@pytest.mark.parametrize("seed", range(20))
def test_teach_words_favour_the_words_closest_to_being_learned(seed):
    rng = random.Random(seed)
    counts = {"piano": 15, "crab": 14, "bear": 13, "monkey": 2}
    words = teach_words(ALL, KNOWN, counts, needed=20, count=1, rng=rng)
    assert len(words) == 1 and words[0] in {"piano", "crab", "bear"}
    two = teach_words(ALL, KNOWN, counts, needed=20, count=2, rng=rng)
    assert len(set(two)) == 2 and not set(two) & set(KNOWN)


def test_with_no_drawings_yet_every_unknown_word_can_be_asked():
    rng = random.Random(3)
    asked = {teach_words(ALL, KNOWN, {}, needed=20, count=1, rng=rng)[0] for _ in range(300)}
    assert asked == set(ALL) - set(KNOWN)


def test_a_machine_that_knows_every_word_has_nothing_to_be_taught():
    assert teach_words(KNOWN, KNOWN, {}, needed=20, count=2, rng=random.Random(1)) == []


def test_teach_count_is_the_share_of_a_game_never_all_of_it():
    rng = random.Random(5)
    assert {teach_count(6, 1 / 6, rng) for _ in range(200)} == {1}
    assert {teach_count(6, 0.0, rng) for _ in range(50)} == {0}
    assert {teach_count(6, 1.0, rng) for _ in range(50)} == {6}
    assert {teach_count(2, 0.9, rng) for _ in range(50)} == {1}        # a game of several keeps a known word
    ones = [teach_count(1, 1 / 6, rng) for _ in range(3000)]
    assert set(ones) == {0, 1} and 0.12 < sum(ones) / len(ones) < 0.21


@pytest.mark.parametrize("seed", range(10))
def test_plan_game_never_opens_with_a_word_to_teach(seed):
    known = ["cat", "sun", "fish", "tree", "house", "bird"]
    prompts = plan_game(known, ["piano"], random.Random(seed))
    assert len(prompts) == 6 and prompts[0] == "cat" and "piano" in prompts
    assert [p for p in prompts if p != "piano"] == [p for p in known if p in prompts]
    assert plan_game(["cat"], ["piano"], random.Random(seed)) == ["piano"]   # a one-round game at a share of 1
    with pytest.raises(ValueError):
        plan_game(["cat"], ["piano", "crab"], random.Random(seed))
