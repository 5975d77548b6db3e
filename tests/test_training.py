"""Data sources, rasterising, the training loop, evaluation arithmetic and the train.py command line."""
import dataclasses
import json

import numpy as np
import pytest
import torch

from model import train_command as train_cli
from model import augment, calibration, classify, datasets, net, strokes, training
from model.quickdraw import formats
from model.evaluate import evaluate, format_report
from model.store import Store

FOUR = ["circle", "line", "zigzag", "star"]
CIRCLE = [[[50 + 40 * np.cos(a) for a in np.linspace(0, 6.3, 30)],
           [50 + 40 * np.sin(a) for a in np.linspace(0, 6.3, 30)]]]
LINE = [[[0, 100], [0, 3]]]
SQUARE = [[[10, 90, 90, 10, 10], [10, 10, 90, 90, 10]]]


def test_a_tiny_training_run_learns_what_it_cannot_have_memorised():
    config = training.TrainConfig(epochs=4, batch_size=32, lr=5e-3, prefixes=1, threads=1, seed=5)
    settings = datasets.RenderSettings(prefixes=1, seed=5)
    data = datasets.synthetic_rasters(FOUR, 60, synth_seed=5, settings=settings)
    torch.manual_seed(5)
    model = net.build(net.NetConfig(num_classes=4, widths=(8, 16, 32), dropout=0.1))
    history = training.train(model, data, config, progress=False, log=lambda line: None)
    assert history[-1]["loss"] < history[0]["loss"] - 0.2
    held_out = datasets.synthetic(FOUR, 15, seed=999)  # other seed: drawings never trained on
    metrics = evaluate(classify.Classifier(model, FOUR), held_out, "held out")
    assert metrics["examples"] == 60 and metrics["top1"] > 0.6  # chance is 0.25
    assert 0.1 <= metrics["early"]["median"] <= 1.0


def test_rasterising_renders_whole_drawings_prefixes_and_bitmaps_with_labels():
    bitmap = np.zeros((28, 28), np.uint8)
    bitmap[10:20, 14] = 255
    examples = datasets.Examples(drawings=[("circle", CIRCLE), ("line", LINE)], bitmaps=[("square", bitmap)])
    settings = datasets.RenderSettings(prefixes=2, prefix_range=(0.4, 0.6), seed=1)
    data = datasets.rasterize_examples(examples, ["circle", "line", "square"], settings)
    assert data.images.shape == (7, 28, 28) and data.images.dtype == torch.uint8
    assert data.labels.tolist() == [0, 0, 0, 1, 1, 1, 2]
    assert np.array_equal(data.images[0].numpy(), strokes.rasterize(CIRCLE))
    assert np.array_equal(data.images[6].numpy(), bitmap)
    whole_ink = int(data.images[0].sum())
    assert all(0 < int(data.images[i].sum()) < 0.8 * whole_ink for i in (1, 2))  # half a circle or so
    with pytest.raises(ValueError, match="square"):
        datasets.rasterize_examples(examples, ["circle", "line"], settings)


def test_synthetic_rasters_are_the_same_whoever_renders_them():
    settings = datasets.RenderSettings(prefixes=1, seed=3)
    direct = datasets.synthetic_rasters(["circle", "line"], 6, synth_seed=2, settings=settings)
    parallel = datasets.synthetic_rasters(["circle", "line"], 6, synth_seed=2, settings=settings, workers=2)
    via_examples = datasets.rasterize_examples(datasets.synthetic(["circle", "line"], 6, seed=2),
                                               ["circle", "line"], settings)
    for other in (parallel, via_examples):
        assert torch.equal(direct.images, other.images) and torch.equal(direct.labels, other.labels)
    assert direct.labels.tolist() == [0] * 12 + [1] * 12


def test_holdout_split_is_per_category_disjoint_and_seeded():
    examples = datasets.Examples(drawings=[("circle", [[[i], [i]]]) for i in range(20)]
                                 + [("line", [[[i], [0]]]) for i in range(10)], sources={"x": 30})
    train_part, held = datasets.split_holdout(examples, 0.2, seed=4)
    assert held.per_category() == {"circle": 4, "line": 2} and len(train_part) == 24
    keys = lambda ex: {(c, d[0][0][0]) for c, d in ex.drawings}
    assert keys(train_part) | keys(held) == keys(examples) and not keys(train_part) & keys(held)
    assert keys(datasets.split_holdout(examples, 0.2, seed=4)[1]) == keys(held)
    assert train_part.sources == {"x": 24} and held.sources == {"x (held out)": 6}


def write_quickdraw_dir(folder):
    folder.mkdir()
    records = [{"word": "circle", "drawing": CIRCLE}, {"word": "circle", "drawing": SQUARE}]
    (folder / "circle.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "cat.ndjson").write_text(json.dumps({"word": "cat", "drawing": LINE}) + "\n")
    np.save(folder / "line.npy", np.full((3, 784), 7, np.uint8))
    (folder / "full_binary_square.bin").write_bytes(
        formats.pack_drawing({"key_id": 1, "countrycode": "GB", "recognized": True, "timestamp": 0,
                              "drawing": [[[0, 255, 255], [0, 0, 255]]]}))
    (folder / "README.txt").write_text("not data")
    return folder


def test_quickdraw_dir_gives_the_chosen_categories_from_every_format(tmp_path):
    folder = write_quickdraw_dir(tmp_path / "qd")
    examples = datasets.from_quickdraw_dir(folder, ["circle", "line", "square"])
    assert examples.per_category() == {"circle": 2, "line": 3, "square": 1}
    assert [c for c, _ in examples.bitmaps] == ["line"] * 3 and examples.bitmaps[0][1].shape == (28, 28)
    assert examples.sources == {"quickdraw:qd": 6}
    assert datasets.from_quickdraw_dir(folder, ["circle"], limit_per_category=1).per_category() == {"circle": 1}
    with pytest.raises(ValueError, match="not a directory"):
        datasets.from_quickdraw_dir(tmp_path / "nothing", ["circle"])


def make_store(path):
    with Store(path) as store:
        player = store.start_session(consent=True)
        store.save_drawing(player, "circle", CIRCLE, True, 500, 900)
        store.save_drawing(player, "line", LINE, True, 300, 400)
        store.save_drawing(player, "giraffe", LINE, False, None, 400)
        stranger = store.start_session(consent=False)
        store.save_drawing(stranger, "circle", SQUARE, False, None, 800)  # never stored
        store.insert_imported([{"word": "circle", "drawing": SQUARE, "key_id": 7}], "circle.ndjson")
    return path


def test_store_source_reads_consented_drawings_and_counts_the_players_share(tmp_path):
    examples, players = datasets.from_store(make_store(tmp_path / "p.db"), ["circle", "line"])
    assert examples.per_category() == {"circle": 2, "line": 1}  # player circle + imported circle, line
    assert players == 2
    with pytest.raises(ValueError, match="no such database"):
        datasets.from_store(tmp_path / "missing.db", ["circle"])


def always_first_category(categories):
    """A real network whose head is rigged to answer categories[0] whatever it sees."""
    model = net.build(net.NetConfig(num_classes=len(categories), widths=(4,))).eval()
    with torch.no_grad():
        model.head.weight.zero_()
        model.head.bias.copy_(torch.tensor([10.0] + [0.0] * (len(categories) - 1)))
    return classify.Classifier(model, categories)


def test_evaluation_arithmetic_matches_a_hand_count():
    clf = always_first_category(["circle", "line", "square"])
    examples = datasets.Examples(
        drawings=[("circle", CIRCLE), ("circle", SQUARE), ("line", LINE), ("giraffe", LINE)],
        bitmaps=[("square", strokes.rasterize(SQUARE))])
    m = evaluate(clf, examples, "hand")
    assert (m["examples"], m["drawings"], m["bitmaps"], m["skipped_unknown_category"]) == (4, 3, 1, 1)
    assert m["per_category"]["circle"] == {"n": 2, "top1": 1.0, "top3": 1.0, "early": 0.1}
    assert m["per_category"]["line"] == {"n": 1, "top1": 0.0, "top3": 1.0, "early": None}
    assert m["top1"] == pytest.approx(1 / 3) and m["top3"] == 1.0  # mean over the 3 categories
    assert m["early"]["fractions"] == pytest.approx([0.1 * i for i in range(1, 11)])
    assert (m["early"]["median"], m["early"]["recognised"], m["early"]["never"]) == (0.1, 2, 1)
    assert m["confusions"] == [["line", "circle", 1, 1.0], ["square", "circle", 1, 1.0]]
    table = format_report(m)
    assert "overall (mean over 3 categories): top-1 33.3%, top-3 100.0%" in table
    assert "1 (33%) never recognised" in table and "line -> circle 1 (100%)" in table


def test_early_recognition_in_the_table_plays_by_the_checkpoints_rule():
    from model.recognition import RecognitionRule

    clf = always_first_category(["circle", "line", "square"])   # circle at ~99.99% whatever it sees
    examples = datasets.Examples(drawings=[("circle", CIRCLE), ("circle", SQUARE)])
    assert evaluate(clf, examples, "old rule")["early"]["recognised"] == 2
    clf.temperature = 4.0   # 10 / 4: circle at ~86%
    clf.rule = RecognitionRule(thresholds={"circle": 0.9})
    m = evaluate(clf, examples, "strict")
    assert m["early"]["recognised"] == 0 and m["early"]["never"] == 2 and m["per_category"]["circle"]["top1"] == 1.0
    assert m["temperature"] == 4.0 and 0 < m["ece"] < 0.2   # 86% sure and always right


def test_new_categories_keep_the_trained_rows_of_the_old_ones():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=3, widths=(4, 8)))
    adapted = training.adapt_to_categories(model, ["a", "b", "c"], ["c", "a", "d"])
    assert adapted.config.num_classes == 3
    assert torch.equal(adapted.head.weight[0], model.head.weight[2])
    assert torch.equal(adapted.head.weight[1], model.head.weight[0])
    assert torch.equal(adapted.features[0].weight, model.features[0].weight)
    assert training.adapt_to_categories(model, ["a", "b", "c"], ["a", "b", "c"]) is model


def test_a_features_learning_rate_scale_moves_the_conv_layers_that_much_less():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=3, widths=(4, 8)))
    groups, peaks = training.parameter_groups(model, training.TrainConfig(lr=1e-3))
    assert peaks == [1e-3] and len(groups[0]["params"]) == len(list(model.parameters()))
    groups, peaks = training.parameter_groups(model, training.TrainConfig(lr=1e-3, features_lr_scale=0.25))
    assert peaks == [0.25e-3, 1e-3]
    assert {id(p) for p in groups[0]["params"]} == {id(p) for p in model.features.parameters()}
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.head.parameters()}
    # one step of AdamW moves every weight by about its group's rate (Adam's steps are ~lr in size)
    data = datasets.RasterSet(torch.randint(0, 256, (8, 28, 28), dtype=torch.uint8), torch.arange(8) % 3,
                              ("a", "b", "c"))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    config = training.TrainConfig(epochs=1, batch_size=8, lr=1e-2, features_lr_scale=0.25, augment=False,
                                  threads=1, weight_decay=0.0)
    training.train(model, data, config, progress=False, log=lambda line: None)
    moved = {name: (p.detach() - before[name]).abs().max().item() for name, p in model.named_parameters()}
    conv, head = moved["features.0.weight"], moved["head.weight"]
    assert 0 < conv < head / 2


def test_after_step_sees_every_optimiser_step_in_order():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=3, widths=(4, 8)))
    data = datasets.RasterSet(torch.randint(0, 256, (20, 28, 28), dtype=torch.uint8), torch.arange(20) % 3,
                              ("a", "b", "c"))
    seen, weights = [], []
    config = training.TrainConfig(epochs=2, batch_size=8, augment=False, threads=1)
    training.train(model, data, config, progress=False, log=lambda line: None,
                   after_step=lambda step: (seen.append(step), weights.append(model.head.weight.sum().item())))
    assert seen == [1, 2, 3, 4, 5, 6]  # 3 batches of 8 (the last of 4) a pass, two passes
    assert len(set(weights)) == 6  # called after each step moved the weights


def test_train_config_refuses_nonsense_and_augmentation_moves_ink():
    for bad in ({"epochs": 0}, {"prefix_low": 0.9, "prefix_high": 0.5}, {"lr": 0}, {"prefixes": -1},
                {"features_lr_scale": 0}, {"features_lr_scale": 1.5}):
        with pytest.raises(ValueError):
            training.TrainConfig(**bad)
    images = net.to_input(torch.from_numpy(np.stack([strokes.rasterize(SQUARE)] * 16)))
    ranges = dataclasses.replace(training.augmentation(training.TrainConfig(rotate=20)), chunk=1)
    moved = augment.random_affine(images, ranges, torch.Generator().manual_seed(0))
    assert moved.shape == images.shape and not torch.equal(moved, images)
    assert not torch.equal(moved[0], moved[1])  # a transform per image
    again = augment.random_affine(images, ranges, torch.Generator().manual_seed(0))
    assert torch.equal(moved, again)  # the generator decides everything: resumed runs draw the same
    shared = augment.random_affine(images, dataclasses.replace(ranges, chunk=8), torch.Generator().manual_seed(1))
    assert torch.equal(shared[0], shared[7]) and not torch.equal(shared[0], shared[8])
    assert training.augmentation(training.TrainConfig(augment=False)) is None
    mirror = dataclasses.replace(augment.identity_ranges(), flip=1.0)
    assert torch.equal(augment.random_affine(images, mirror), images.flip(-1))
    assert torch.equal(augment.random_affine(images, augment.identity_ranges()), images)


@pytest.mark.parametrize("angle, tx, ty, scale, shear", [(13.0, 2, -1, 0.8, 7.0), (-19.0, -3, 2, 1.15, -14.0),
                                                         (5.0, 1, 1, 0.7, 15.0)])
def test_batched_affine_is_torchvisions_affine(angle, tx, ty, scale, shear):
    from torchvision.transforms.v2 import InterpolationMode, functional as TF

    image = net.to_input(torch.from_numpy(np.array(strokes.rasterize(SQUARE + CIRCLE)))[None])
    expected = TF.affine(image, angle=angle, translate=[tx, ty], scale=scale, shear=[shear, 0.0],
                         interpolation=InterpolationMode.NEAREST)
    as_tensors = [torch.tensor([float(v)], dtype=torch.float64) for v in (angle, tx, ty, scale, shear)]
    assert torch.equal(augment.apply_matrices(image, augment.inverse_matrices(*as_tensors)), expected)


# ---- train.py ----------------------------------------------------------------------------------

def test_cli_trains_on_synthetic_and_player_drawings_and_records_the_model(tmp_path, run_train):
    db, out = make_store(tmp_path / "p.db"), tmp_path / "m.pt"
    code, printed = run_train(["--synthetic", 12, "--db", db, "--categories", "circle,line,zigzag", "--epochs", 1,
                               "--calibrate", 4, "--threads", 1, "--out", out, "--eval", "none", "--quiet"])
    assert code == 0 and out.is_file()
    clf = classify.Classifier.load(out)
    assert clf.categories == ("circle", "line", "zigzag")
    assert "synthetic (held out)" in clf.metrics and "== synthetic (held out)" in printed
    assert clf.data["sources"]["synthetic(seed=1234)"] == 36 and clf.data["player_examples"] == 2
    # train.py itself fits the temperature and the recognition thresholds, on generated doodles
    assert clf.temperature > 0 and set(clf.rule.thresholds) == {"circle", "line", "zigzag"}
    assert "calibrated on 12 generated doodles" in printed
    # trained from scratch without mirrored images: guessed as drawn (finetune.guesses_mirrored)
    assert clf.mirror is False and "test_time_mirror" not in classify.read_checkpoint(out)
    with Store(db) as store:
        (record,) = store.models()
    assert record["version"] == clf.version and record["player_examples"] == 2 and record["active"]


def test_cli_net_shapes_the_network_trained_from_scratch_and_the_checkpoint_keeps_it(tmp_path, run_train):
    out = tmp_path / "deep.pt"
    code, printed = run_train(["--synthetic", 6, "--categories", "circle,line", "--epochs", 1, "--calibrate", 2,
                               "--threads", 1, "--net", "widths=8,16", "--net", "convs_per_block=2", "--out", out,
                               "--eval", "none", "--quiet"])
    assert code == 0 and "widths=(8, 16), convs_per_block=2" in printed
    clf = classify.Classifier.load(out)
    assert clf.config == net.NetConfig(num_classes=2, widths=(8, 16), convs_per_block=2)


def test_cli_eval_only_prints_the_table(tmp_path, run_train):
    model = net.build(net.NetConfig(num_classes=3, widths=(4,)))
    checkpoint = classify.make_checkpoint(model, model.config, ["circle", "line", "square"], "v-eval")
    path = classify.save_checkpoint(checkpoint, tmp_path / "c.pt")
    folder = write_quickdraw_dir(tmp_path / "qd")
    code, printed = run_train(["--eval-only", "--checkpoint", path, "--quickdraw", folder, "--eval", "none"])
    assert code == 0
    assert "== quickdraw:qd: 6 examples (3 drawings, 3 bitmaps) in 3 categories ==" in printed
    assert "overall (mean over 3 categories)" in printed and "early recognition" in printed
    assert "true recognitions" in printed and "false recognitions" in printed  # the rules side by side


def test_recalibrate_writes_the_temperature_and_thresholds_into_an_old_checkpoint(tmp_path, run_train):
    model = net.build(net.NetConfig(num_classes=3, widths=(4,)))
    checkpoint = classify.make_checkpoint(model, model.config, ["circle", "line", "square"], "v-old",
                                          data={"seed": 7})
    path = classify.save_checkpoint(checkpoint, tmp_path / "old.pt")
    assert classify.Classifier.load(path).temperature == 1.0  # an old checkpoint: T = 1, the old rule
    code, printed = run_train(["--recalibrate", "--checkpoint", path, "--calibrate", 2])
    assert code == 0 and "wrote the temperature" in printed
    clf = classify.Classifier.load(path)
    assert clf.version == "v-old" and set(clf.rule.thresholds) == {"circle", "line", "square"}
    stored = torch.load(path, weights_only=True)
    # the doodles every model is calibrated on, whatever it was trained with
    assert stored["recognition"]["fitted"]["on"] == f"synthetic(seed={calibration.CALIBRATION_SEED})"
    assert torch.equal(stored["weights"]["head.weight"], checkpoint["weights"]["head.weight"])


@pytest.mark.parametrize("argv, message", [
    (["--synthetic", 0], "--synthetic must be at least 1"),
    (["--synthetic", 5, "--holdout", 1], "--holdout must be at least 0 and below 1, got 1.0"),
    (["--synthetic", 5, "--holdout", -0.1], "--holdout must be at least 0 and below 1"),
    (["--epochs", 2], "no training data"),
    (["--eval-only"], "needs --checkpoint"),
    (["--eval-only", "--checkpoint", "{tmp}/none.pt", "--quickdraw", "{tmp}"], "no such checkpoint"),
    (["--db", "{tmp}/missing.db"], "no such database"),
    (["--synthetic", 5, "--init", "{tmp}/none.pt"], "no such checkpoint"),
    (["--synthetic", 5, "--categories", "circle"], "at least 2 categories"),
    (["--synthetic", 5, "--net", "widths=8,x"], "--net 'widths=8,x': expected comma-separated integers"),
    (["--synthetic", 5, "--net", "convs_per_block=0"], "--net convs_per_block must be at least 1"),
    (["--synthetic", 5, "--net", "widths=4096"], "beyond the limit"),
    (["--synthetic", 5, "--init", "bundled", "--net", "widths=8"], "a fine-tune (--init) keeps its checkpoint's"),
])
def test_cli_bad_arguments_get_one_line_errors(tmp_path, argv, message):
    with pytest.raises(SystemExit) as caught:
        train_cli.main([str(a).format(tmp=tmp_path) for a in argv])
    text = str(caught.value.code)
    assert text.startswith("pennydraw-train: error:") and message in text and "\n" not in text


def test_category_lists_restrict_extend_or_come_from_a_file(tmp_path):
    assert train_cli.choose_categories(None, ["a", "b"]) == ["a", "b"]
    assert train_cli.choose_categories("b, c", ["a", "b"]) == ["b", "c"]
    assert train_cli.choose_categories("+c,a", ["a", "b"]) == ["a", "b", "c"]
    names = tmp_path / "names.txt"
    names.write_text("# mine\nx\ny\n\nx\n")
    assert train_cli.choose_categories(str(names), ["a"]) == ["x", "y"]
