"""On-site learning of new words: which words a retraining adds (model/onsite.py), and the job adding
them and reporting `new_words` in its checkpoint and outcome (model/retrain_job.py)."""
from pathlib import Path

import pytest

import torch

from model import classify, finetune, net, onsite, retrain_job, synth
from model.store import Store

TEACHABLE = ["cat", "piano", "crab", "bear"]


def test_words_to_learn_are_unknown_words_drawn_often_enough():
    counts = {"cat": 50, "piano": 20, "crab": 19, "bear": 30, "not a quickdraw word": 99}
    assert onsite.words_to_learn(counts, known=["cat"], teachable=TEACHABLE, minimum=20) == {"piano": 20, "bear": 30}
    assert onsite.words_to_learn(counts, ["cat"], TEACHABLE, minimum=31) == {}
    assert onsite.words_to_learn({"piano": "many", "bear": None}, [], TEACHABLE, 1) == {}  # junk counts as 0
    assert onsite.NEW_WORD_MIN == 20


def test_the_outcome_carries_new_words_and_tolerates_junk(tmp_path):
    path = tmp_path / "onsite-1.json"
    onsite.write_outcome(path, {"accepted": True, "path": "x.pt", "new_words": {"piano": 24, "crab": 21}})
    outcome = onsite.read_outcome(path)
    assert outcome.new_words == {"piano": 24, "crab": 21}
    assert outcome.record_metrics("accepted")["new_words"] == {"piano": 24, "crab": 21}
    for junk in (None, [1, 2], "piano"):
        onsite.write_outcome(path, {"new_words": junk})
        assert onsite.read_outcome(path).new_words == {}
    onsite.write_outcome(path, {"new_words": {"piano": "x", "crab": 21}})
    assert onsite.read_outcome(path).new_words == {"crab": 21}   # no count to show: not listed


def test_taught_recognitions_read_back_keep_only_counts_that_make_sense():
    good = {"piano": {"recognised": 2, "drawings": 3}, "crab": {"recognised": 0, "drawings": 1}}
    assert onsite.taught_recognised(good) == {"piano": (2, 3), "crab": (0, 1)}
    junk = {"a": {"recognised": 4, "drawings": 3}, "b": {"recognised": -1, "drawings": 3},
            "c": {"recognised": 1, "drawings": 0}, "d": {"recognised": True, "drawings": 2},
            "e": {"recognised": 1.5, "drawings": 2}, "f": [1, 2], "g": {"drawings": 2}, "h": {"recognised": 1}}
    assert onsite.taught_recognised(junk) == {}
    for value in (None, [], "x", 3):
        assert onsite.taught_recognised(value) == {}


def test_the_job_trains_on_the_schedule_capped_for_the_kiosk_and_adds_its_words():
    args = retrain_job.parse_args(["--db", "k.db", "--init", "bundled", "--out-dir", "."])
    cap = ["--step-cap", str(onsite.ONSITE_MAX_STEPS)]  # train.py schedules by what it trains on, capped
    assert retrain_job.training_options(args, {}) == cap
    assert retrain_job.training_options(args, {"piano": 40}) == ["--categories", "+piano"] + cap
    assert onsite.ONSITE_MAX_STEPS < finetune.schedule(10_000)
    args = retrain_job.parse_args(["--db", "k.db", "--init", "bundled", "--out-dir", ".", "--epochs", "2",
                                   "--synthetic", "0"])
    assert retrain_job.training_options(args, {}) == ["--synthetic", "0", "--epochs", "2"]


def fill(path: Path, per_word: dict):
    with Store(path) as store:
        session = store.start_session()
        for word, (like, n) in per_word.items():
            for i, (_, drawing) in enumerate(synth.generate_dataset([like], n, seed=3)):
                store.save_drawing(session, word, drawing, True, None, 1000, [], key=f"{word}-{i}")


def test_the_job_adds_words_drawn_often_enough_and_judges_the_old_ones(tmp_path):
    db = tmp_path / "kiosk.db"
    # "piano" (drawn as zigzags) often enough to be learnt; "crab" not yet; cat and sun are known.
    fill(db, {"cat": ("cat", 40), "sun": ("sun", 40), "piano": ("zigzag", 36), "crab": ("fish", 6)})
    (tmp_path / "models").mkdir()
    torch.manual_seed(0)  # a small current model of two words: the job's own evaluations stay quick
    small = net.build(net.NetConfig(num_classes=2, widths=(8, 16)))
    init = classify.save_checkpoint(classify.make_checkpoint(small, small.config, ["cat", "sun"], "small"),
                                    tmp_path / "current.pt")
    # run(), not main(): main lowers its own priority to the lowest, which would slow the rest of the tests
    args = retrain_job.parse_args(["--db", str(db), "--init", str(init), "--out-dir", str(tmp_path / "models"),
                                   "--collected", "122", "--synthetic", "0", "--epochs", "1", "--min-held-out", "3",
                                   "--new-word-min", "20", "--tolerance", "1.0"])
    result = tmp_path / "models" / "out.json"
    onsite.write_outcome(result, retrain_job.run(args))
    outcome = onsite.read_outcome(result)
    assert outcome.data["path"], outcome.data.get("reason")
    in_snapshot = sum(not onsite.is_held_out(f"piano-{i}", onsite.HOLDOUT_PERCENT) for i in range(36))
    trained_piano = in_snapshot  # the job trains on the whole snapshot (train.py --holdout 0)
    assert outcome.new_words == {"piano": trained_piano}
    checkpoint = classify.read_checkpoint(Path(outcome.data["path"]))
    assert checkpoint["new_words"] == {"piano": trained_piano}
    assert checkpoint["categories"] == ["cat", "sun", "piano"]  # crab: not drawn often enough yet
    assert checkpoint["logit_offsets"] == {"piano": finetune.TAUGHT_OFFSET}  # taught: answers when clearly ahead
    assert (tmp_path / "models" / onsite.CALIBRATION_CACHE).is_file()   # the next retraining reads it
    held_old = sum(onsite.is_held_out(f"{w}-{i}", onsite.HOLDOUT_PERCENT) for w in ("cat", "sun") for i in range(40))
    # judged on the words both models know; the new word's held-out drawings scored apart
    assert outcome.data["metrics"][onsite.HELD_OUT_SET]["examples"] == held_old
    held_piano = 36 - in_snapshot
    if held_piano:
        assert outcome.data["metrics"][onsite.NEW_WORDS_SET]["examples"] == held_piano
        assert "1 new word(s)" in outcome.data["reason"]
    # the taught word's held-out drawings, recognised by the game's rule as the game would (the reference:
    # the checkpoint loaded again and asked drawing by drawing)
    new = classify.Classifier.load(Path(outcome.data["path"]))
    held = [d for i, (_, d) in enumerate(synth.generate_dataset(["zigzag"], 36, seed=3))   # as `fill` stored them
            if onsite.is_held_out(f"piano-{i}", onsite.HOLDOUT_PERCENT)]
    expected = sum(new.recognizes(new.predict(d, k=len(new.categories)), "piano") for d in held)
    recognised = outcome.data["metrics"].get(onsite.TAUGHT_RECOGNISED, {})
    assert recognised == ({"piano": {"recognised": expected, "drawings": held_piano}} if held_piano else {})
    assert onsite.taught_recognised(recognised) == ({"piano": (expected, held_piano)} if held_piano else {})


def test_a_bad_new_word_minimum_is_refused(tmp_path):
    with pytest.raises(SystemExit) as caught:
        retrain_job.main(["--db", str(tmp_path / "k.db"), "--init", "bundled", "--out-dir", str(tmp_path),
                          "--new-word-min", "0"])
    assert "--new-word-min must be at least 1" in str(caught.value.code)


def test_the_job_trains_on_the_kiosks_threads_unless_told_and_refuses_none(tmp_path):
    base = ["--db", str(tmp_path / "k.db"), "--init", "bundled", "--out-dir", str(tmp_path)]
    assert retrain_job.parse_args(base).threads == onsite.ONSITE_THREADS
    assert retrain_job.parse_args(base + ["--threads", "1"]).threads == 1
    with pytest.raises(SystemExit) as caught:
        retrain_job.main(base + ["--threads", "0"])
    assert "--threads must be at least 1, got 0" in str(caught.value.code)
