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
