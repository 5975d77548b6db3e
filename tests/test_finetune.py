"""The fine-tune recipe (model/finetune.py): schedule, variants, replay beside balanced collected
drawings (the batches themselves: test_mixed_batches.py), the head grown for new words, and train.py
--init / --categories +word using it."""
import numpy as np
import pytest
import torch

from model import classify, datasets, finetune, net, synth, training
from model import train_command as train_cli
from model.store import Store

WORDS = ["circle", "line", "zigzag"]


def test_the_schedule_grows_with_what_was_collected_within_bounds():
    assert finetune.schedule(0) == finetune.MIN_STEPS == finetune.schedule(10)
    assert finetune.schedule(200_000) == finetune.MAX_STEPS
    middle = int((finetune.MIN_STEPS + 1) / finetune.STEPS_PER_DRAWING) + 400
    assert finetune.MIN_STEPS < finetune.schedule(middle) < finetune.MAX_STEPS
    assert finetune.schedule(middle + 400) > finetune.schedule(middle)
    # drawings of words taught from players' drawings alone are scheduled at their own rate
    taught = finetune.FinetuneSettings(steps_per_drawing=2.0, taught_steps_per_drawing=3.0)
    assert finetune.schedule(500, taught, taught=100) == 400 * 2 + 100 * 3
    assert finetune.schedule(500, taught, taught=900) == 500 * 3  # never more taught than collected
    assert finetune.schedule(500, taught) == 1000
    # a word drawn a few times: many varied copies each; often: fewer, then none; the budget stays bounded
    assert finetune.copies_for(1, 1) == finetune.MAX_COPIES and finetune.copies_for(0, 0) == 0
    assert finetune.copies_for(20, 20) == finetune.VARIED_TARGET // 20 - 1 > finetune.copies_for(40, 40) > 0
    assert finetune.copies_for(finetune.VARIED_TARGET, finetune.VARIED_TARGET) == 0
    assert finetune.copies_for(2, 4000) * 4000 <= finetune.COPIES_BUDGET


def test_bad_settings_are_refused():
    for bad in ({"min_steps": 0}, {"min_steps": 10, "max_steps": 5}, {"replay_share": 1.0}, {"max_copies": -1}):
        with pytest.raises(ValueError):
            finetune.FinetuneSettings(**bad)
    with pytest.raises(ValueError):
        finetune.FinetuneSettings(new_word_weight=0)


def test_replay_share_scales_by_replayed_words_only_when_asked():
    collected = datasets.Examples(drawings=[("circle", [[[0, 1], [0, 1]]]), ("piano", [[[0, 1], [1, 0]]])])
    fixed, by_words = finetune.FinetuneSettings(), finetune.FinetuneSettings(replay_by_words=True)
    assert finetune.replay_share(fixed, {"circle", "line"}, collected) == finetune.REPLAY_SHARE  # the default
    # a new word beside two replayed ones: two thirds of the share, so each class keeps its part of a batch
    assert finetune.replay_share(by_words, {"circle", "line"}, collected) == pytest.approx(0.4 * 2 / 3)
    only_old = datasets.Examples(drawings=[("circle", [[[0, 1], [0, 1]]])])
    assert finetune.replay_share(by_words, {"circle", "line"}, only_old) == pytest.approx(0.4)  # no new words
    assert finetune.replay_share(by_words, set(), collected) == pytest.approx(0.4)  # nothing replayed


def test_variants_multiply_stroke_drawings_but_not_bitmaps():
    examples = datasets.synthetic(["circle", "line"], 3, seed=1)
    examples.bitmaps.append(("circle", np.zeros((28, 28), np.uint8)))
    more = finetune.with_variants(examples, {"circle": 4, "line": 4}, seed=0)
    assert len(more.drawings) == 6 * 5 and len(more.bitmaps) == 1
    assert finetune.with_variants(examples, {}, seed=0) is examples
    assert finetune.with_variants(examples, {"circle": 0, "line": 0}, seed=0) is examples
    some = finetune.with_variants(examples, {"circle": 2}, seed=0)  # per word: line not varied
    assert [c for c, _ in some.drawings].count("circle") == 3 * 3 and [c for c, _ in some.drawings].count("line") == 3


def test_a_short_fine_tune_renders_no_more_variants_than_it_will_see():
    model = net.build(net.NetConfig(num_classes=2, widths=(8,)))
    collected = datasets.synthetic(["circle", "line"], 10, seed=1)
    render = datasets.RenderSettings(prefixes=2)
    lines = []
    short = finetune.prepare(model, ["circle", "line"], collected, [], 16, 0, render, steps=2, log=lines.append)
    assert len(short.parts[0].images) == 60 and "20 of words not replayed, x1 at most" in lines[-1]  # 20 drawings x 3 images
    long = finetune.prepare(model, ["circle", "line"], collected, [], 16, 0, render, steps=200, log=lines.append)
    assert len(long.parts[0].images) == 60 * (1 + finetune.VARIED_TARGET // 10 - 1)  # 10 a word


def test_only_the_words_the_replay_does_not_hold_are_varied():
    # circle is replayed (generated doodles bring the generator's variety), "line" here is not.
    model = net.build(net.NetConfig(num_classes=2, widths=(8,)))
    collected = datasets.synthetic(["circle", "line"], 10, seed=1)
    render = datasets.RenderSettings(prefixes=0)
    lines = []
    data = finetune.prepare(model, ["circle", "line"], collected, [], 16, 0, render, steps=200, drawable=["circle"],
                            replay_per_category=4, log=lines.append)
    counts = torch.bincount(data.parts[0].classes.repeat_interleave(data.parts[0].counts), minlength=2).tolist()
    assert counts == [10, 10 * (finetune.VARIED_TARGET // 10)]
    assert "10 of words not replayed, x8 at most" in lines[-1]
    none = finetune.prepare(model, ["circle", "line"], collected, [], 16, 0, render, steps=200,
                            drawable=["circle", "line"], replay_per_category=4, log=lines.append)
    assert len(none.parts[0].images) == 20 and "0 of words not replayed, x1 at most" in lines[-1]


def test_prototype_rows_point_at_their_class_and_old_rows_stay():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=3, widths=(8, 16)))
    old = model.head.weight[:2].clone()
    data = datasets.rasterize_examples(datasets.synthetic(["circle", "line", "zigzag"], 8, seed=2), WORDS,
                                       datasets.RenderSettings(prefixes=0))
    assert finetune.grow_head(model, [2], data) == [2]
    assert torch.equal(model.head.weight[:2], old)
    assert torch.isclose(model.head.weight[2].norm(), old.norm(dim=1).mean(), rtol=1e-4)
    model.eval()
    with torch.no_grad():
        logits = model(net.to_input(data.images))
    mine = data.labels == 2
    assert logits[mine, 2].mean() > logits[~mine, 2].mean()  # the new row fires on its own word
    assert finetune.grow_head(model, [], data) == []


@pytest.fixture
def small_model(tmp_path):
    torch.manual_seed(1)
    model = net.build(net.NetConfig(num_classes=2, widths=(8, 16)))
    checkpoint = classify.make_checkpoint(model, model.config, ["circle", "line"], "small-v")
    return classify.save_checkpoint(checkpoint, tmp_path / "small.pt")


def store_of(path, per_word):
    with Store(path) as store:
        session = store.start_session()
        for word, n in per_word.items():
            for i, drawing in enumerate(synth.generate_dataset(["zigzag" if word == "piano" else word], n, 9)):
                store.save_drawing(session, word, drawing[1], True, None, 1000, [])
    return path


def test_train_py_learns_a_new_word_from_collected_drawings_alone(tmp_path, small_model, capsys):
    # "piano" has no doodle recipe: it can only be learnt from what players drew (zigzags here).
    db, out = store_of(tmp_path / "p.db", {"circle": 12, "line": 12, "piano": 22}), tmp_path / "grown.pt"
    code = train_cli.main([str(a) for a in ["--init", small_model, "--db", db, "--categories", "+piano", "--steps", 30,
                                            "--synthetic", 5, "--threads", 1, "--out", out, "--eval", "none",
                                            "--quiet"]])
    printed = capsys.readouterr().out
    assert code == 0, printed
    checkpoint = classify.read_checkpoint(out)
    assert checkpoint["categories"] == ["circle", "line", "piano"]
    held = round(22 * train_cli.HOLDOUT)
    assert checkpoint["new_words"] == {"piano": 22 - held}
    # a word taught from players' drawings alone answers only when clearly ahead (finetune.TAUGHT_OFFSET)
    assert checkpoint["logit_offsets"] == {"piano": finetune.TAUGHT_OFFSET} and finetune.TAUGHT_OFFSET < 0
    assert classify.Classifier.load(out).offsets == {"piano": finetune.TAUGHT_OFFSET}
    # it learned from mirrored images (finetune.FLIP), so it guesses on each image and its mirror
    assert checkpoint["test_time_mirror"] is True and classify.Classifier.load(out).mirror
    assert checkpoint["training"]["history"][0]["images"] == 30 * 128
    assert "fine-tune: " in printed and "30 steps of 128" in printed
    start = classify.read_checkpoint(small_model)
    grown = checkpoint["weights"]["head.weight"]
    assert grown.shape[0] == 3 and not torch.equal(grown[:2], start["weights"]["head.weight"])  # trained


def test_a_step_cap_shortens_the_fine_tunes_own_schedule_and_only_caps_it(tmp_path, small_model, capsys):
    db = store_of(tmp_path / "p.db", {"circle": 12, "line": 12, "piano": 22})
    assert finetune.schedule(46, taught=22) == finetune.MIN_STEPS  # what these few drawings get uncapped
    for cap, steps in ((7, 7), (10_000, finetune.MIN_STEPS)):
        out = tmp_path / f"cap{cap}.pt"
        code = train_cli.main([str(a) for a in ["--init", small_model, "--db", db, "--categories", "+piano",
                                                "--step-cap", cap, "--synthetic", 5, "--threads", 1, "--out", out,
                                                "--eval", "none", "--quiet"]])
        printed = capsys.readouterr().out
        assert code == 0, printed
        assert f"{steps} steps of 128" in printed
        assert classify.read_checkpoint(out)["training"]["history"][0]["images"] == steps * 128


def test_holdout_zero_trains_on_every_collected_drawing(tmp_path, small_model, capsys):
    db, out = store_of(tmp_path / "p.db", {"circle": 12, "line": 12, "piano": 22}), tmp_path / "all.pt"
    code = train_cli.main([str(a) for a in ["--init", small_model, "--db", db, "--categories", "+piano", "--steps", 5,
                                            "--synthetic", 5, "--threads", 1, "--out", out, "--eval", "none",
                                            "--quiet", "--holdout", 0]])
    assert code == 0, capsys.readouterr().out
    checkpoint = classify.read_checkpoint(out)
    assert checkpoint["new_words"] == {"piano": 22}
    assert not any("held out" in name and "synthetic" not in name for name in checkpoint["metrics"])


def test_a_new_word_without_drawings_or_recipe_is_refused_in_one_line(tmp_path, small_model):
    db = store_of(tmp_path / "p.db", {"circle": 5, "line": 5})
    with pytest.raises(SystemExit) as caught:
        train_cli.main([str(a) for a in ["--init", small_model, "--db", db, "--categories", "+piano",
                                         "--threads", 1, "--eval", "none", "--quiet", "--out", tmp_path / "x.pt"]])
    text = str(caught.value.code)
    assert "no drawings to learn the new word(s) piano from" in text and "\n" not in text
    assert not (tmp_path / "x.pt").exists()


@pytest.mark.parametrize("argv, message", [
    (["--synthetic", 5, "--steps", 10], "--steps schedules a fine-tune"),
    (["--synthetic", 5, "--init", "bundled", "--steps", 10, "--epochs", 1], "not both"),
    (["--synthetic", 5, "--init", "bundled", "--steps", 0], "--steps must be at least 1"),
    (["--synthetic", 5, "--step-cap", 10], "--step-cap caps a fine-tune's own schedule"),
    (["--synthetic", 5, "--init", "bundled", "--step-cap", 10, "--steps", 5], "--step-cap caps"),
    (["--synthetic", 5, "--init", "bundled", "--step-cap", 0], "--step-cap must be at least 1"),
])
def test_schedule_options_are_checked(argv, message):
    with pytest.raises(SystemExit) as caught:
        train_cli.main([str(a) for a in argv])
    assert message in str(caught.value.code)


def test_a_fine_tune_replays_generated_doodles_by_default(tmp_path, small_model, capsys):
    out = tmp_path / "r.pt"
    code = train_cli.main([str(a) for a in ["--init", small_model, "--synthetic", 4, "--steps", 2, "--threads", 1,
                                            "--out", out, "--eval", "none", "--quiet"]])
    assert code == 0
    data = classify.read_checkpoint(out)
    assert data["data"]["sources"] == {"synthetic(seed=1234, replay)": 8} and data["new_words"] == {}


def test_taught_offsets_are_for_the_words_the_generator_cannot_draw():
    assert finetune.taught_offsets(["circle", "piano", "crab"], ["circle", "line"]) == {
        "piano": finetune.TAUGHT_OFFSET, "crab": finetune.TAUGHT_OFFSET}
    assert finetune.taught_offsets(["circle", "piano"], ["circle"], finetune.FinetuneSettings(taught_offset=0)) == {}
    with pytest.raises(ValueError, match="taught_offset must be in"):
        finetune.FinetuneSettings(taught_offset=0.5)


def test_a_model_guesses_mirrored_exactly_when_it_learned_from_mirrored_images():
    assert finetune.guesses_mirrored(finetune.train_config()) and finetune.FLIP > 0
    assert not finetune.guesses_mirrored(training.TrainConfig())  # from scratch: the bundled recipe never mirrors
    assert not finetune.guesses_mirrored(finetune.train_config(flip=0.0))
