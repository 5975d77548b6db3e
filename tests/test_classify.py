"""The public Classifier API: checkpoint round trips, refused files, predictions on odd drawings."""
import pathlib
import pickle

import numpy as np
import pytest
import torch

from model import classify, net, strokes
from model.classify import CheckpointError, Classifier

CATEGORIES = ["circle", "line", "square"]
CIRCLE = [[[50 + 40 * np.cos(a) for a in np.linspace(0, 6.3, 30)],
           [50 + 40 * np.sin(a) for a in np.linspace(0, 6.3, 30)],
           list(range(0, 300, 10))]]
SQUARE = [[[10, 90, 90, 10, 10], [10, 10, 90, 90, 10]]]


def tiny_checkpoint(seed=0):
    torch.manual_seed(seed)
    config = net.NetConfig(num_classes=len(CATEGORIES), widths=(8, 16, 16))
    model = net.build(config)
    with torch.no_grad():  # BatchNorm statistics of real-looking inputs, not the identity
        model.train()
        model(torch.rand(32, 1, 28, 28))
    model.eval()
    return classify.make_checkpoint(model, config, CATEGORIES, "test-1", metrics={"synthetic": {"top1": 0.5}},
                                    data={"sources": {"synthetic(seed=1)": 30}})


@pytest.fixture
def checkpoint_path(tmp_path):
    return classify.save_checkpoint(tiny_checkpoint(), tmp_path / "model.pt")


@pytest.fixture
def clf(checkpoint_path):
    return Classifier.load(checkpoint_path)


def test_round_trip_keeps_everything_and_predicts_identically(checkpoint_path, clf):
    assert clf.categories == tuple(CATEGORIES) and clf.version == "test-1"
    assert clf.metrics == {"synthetic": {"top1": 0.5}} and clf.data["sources"] == {"synthetic(seed=1)": 30}
    assert clf.config == net.NetConfig(num_classes=3, widths=(8, 16, 16))
    again = Classifier.load(checkpoint_path)
    images = np.stack([strokes.rasterize(CIRCLE), strokes.rasterize(SQUARE)])
    assert np.array_equal(clf.probabilities(images), again.probabilities(images))
    assert clf.predict(CIRCLE, k=3) == again.predict(CIRCLE, k=3)
    # ...and equal to the unfused training network the checkpoint was made from.
    model = net.build(clf.config)
    model.load_state_dict(tiny_checkpoint()["weights"])
    with torch.inference_mode():
        expected = torch.softmax(model.eval()(net.to_input(torch.from_numpy(images))), 1).numpy()
    assert np.allclose(clf.probabilities(images), expected, atol=1e-5)


def test_checkpoint_file_is_written_atomically_and_loads_with_weights_only(checkpoint_path):
    assert [p.name for p in checkpoint_path.parent.iterdir()] == ["model.pt"]  # no temp file left
    assert checkpoint_path.stat().st_mode & 0o777 == 0o644  # readable by the game, whoever runs it
    raw = torch.load(checkpoint_path, map_location="cpu", weights_only=True)
    assert set(raw) >= {"weights", "config", "categories", "metrics", "data", "version", "created_at"}


def test_predictions_are_the_k_best_categories_best_first(clf):
    guesses = clf.predict(CIRCLE, k=2)
    assert len(guesses) == 2 and all(c in CATEGORIES for c, _ in guesses)
    assert guesses[0][1] >= guesses[1][1] > 0
    everything = clf.predict(CIRCLE, k=10)  # more than there are categories: all of them
    assert sorted(c for c, _ in everything) == sorted(CATEGORIES)
    assert sum(p for _, p in everything) == pytest.approx(1.0, abs=1e-5)
    for bad_k in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="k must"):
            clf.predict(CIRCLE, k=bad_k)


def test_any_coordinate_space_gives_the_same_guess(clf):
    canvas = [[[x * 3.1 + 200 for x in xs], [y * 3.1 + 75 for y in ys]] for xs, ys, _ in CIRCLE]
    assert np.array_equal(strokes.rasterize(canvas), strokes.rasterize(CIRCLE))
    assert clf.predict(canvas) == clf.predict([s[:2] for s in CIRCLE])


def test_empty_and_degenerate_drawings_have_a_defined_answer(clf):
    assert clf.predict([]) == []
    assert clf.predict([[[], []]]) == [] and clf.predict([[[], [], []]]) == []
    dot = clf.predict([[[5], [5]]], k=3)  # one point is a dot: the model guesses from it
    assert len(dot) == 3
    assert clf.predict([[[], []], [[5], [5]]]) == dot  # empty strokes beside ink are ignored
    assert len(clf.predict([[[5, 5, 5], [7, 7, 7], [0, 10, 20]]])) == 3  # zero-length line


def test_malformed_drawings_raise_value_error(clf):
    for bad in ([[[1.0, float("nan")], [2.0, 3.0]]], [[[1, 2, 3], [1, 2]]], "circle", [[1, 2]], None):
        with pytest.raises(ValueError):
            clf.predict(bad)
    with pytest.raises(ValueError, match="drawing 1"):
        clf.predict_many([CIRCLE, [[[float("inf")], [0]]]])


def test_partial_drawings_are_predicted(clf):
    for fraction in (0.05, 0.3, 0.7):
        assert len(clf.predict(strokes.truncate(CIRCLE, fraction=fraction))) == 3
    by_time = strokes.truncate(CIRCLE, ms=50)
    assert len(clf.predict(by_time)) == 3


def test_predict_bitmap_equals_predict_on_the_same_drawing_rasterised(clf):
    for drawing in (CIRCLE, SQUARE, strokes.truncate(SQUARE, fraction=0.5)):
        image = strokes.rasterize(drawing)
        assert clf.predict_bitmap(image, k=3) == clf.predict(drawing, k=3)
        assert clf.predict_bitmap(image.reshape(784), k=3) == clf.predict(drawing, k=3)
    assert clf.predict_bitmap(np.zeros((28, 28), np.uint8)) == []  # blank, like an empty drawing


def test_bad_bitmaps_raise_value_error(clf):
    with pytest.raises(ValueError, match="uint8"):
        clf.predict_bitmap(np.zeros((28, 28), np.float32))
    with pytest.raises(ValueError, match="28x28"):
        clf.predict_bitmap(np.zeros((32, 32), np.uint8))
    with pytest.raises(ValueError, match="shape"):
        clf.predict_bitmaps(np.zeros((2, 3, 28, 28), np.uint8))


def test_batches_agree_with_single_predictions(clf):
    drawings = [CIRCLE, [], SQUARE]
    batch = clf.predict_many(drawings)
    assert batch[1] == []
    for one, many in zip([clf.predict(d) for d in drawings], batch):
        assert [c for c, _ in one] == [c for c, _ in many]
        assert [p for _, p in one] == pytest.approx([p for _, p in many], abs=1e-5)
    images = np.stack([strokes.rasterize(d) for d in drawings])
    assert clf.predict_bitmaps(images.reshape(3, 784)) == clf.predict_bitmaps(images)
    assert clf.predict_many([]) == []


def test_loading_leaves_torchs_thread_count_alone_unless_asked(checkpoint_path):
    before = torch.get_num_threads()
    try:
        Classifier.load(checkpoint_path)
        assert torch.get_num_threads() == before
        Classifier.load(checkpoint_path, threads=1)
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


class Payload:
    """Unpickling this would create a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def write_bad(tmp_path, kind):
    path = tmp_path / f"{kind}.pt"
    good = tiny_checkpoint()
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        classify.save_checkpoint(good, path)
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif kind == "random":
        path.write_bytes(np.random.default_rng(1).bytes(5000))
    elif kind == "text":
        path.write_text("this is not a model\n")
    elif kind == "foreign":
        torch.save({"model": good["weights"], "optimizer": {}}, path)
    elif kind == "state_dict":
        torch.save(good["weights"], path)
    elif kind == "tensor":
        torch.save(torch.zeros(3), path)
    elif kind == "pickle_code":
        path.write_bytes(pickle.dumps({"weights": Payload(tmp_path / "pwned")}, protocol=2))
    elif kind == "torch_code":
        torch.save({**good, "metrics": Payload(tmp_path / "pwned")}, path)
    elif kind == "other_format":
        torch.save({**good, "format": "someone-else/3"}, path)
    elif kind == "wrong_categories":
        torch.save({**good, "categories": ["a", "b"]}, path)
    elif kind == "duplicate_categories":
        torch.save({**good, "categories": ["a", "a", "b"]}, path)
    elif kind == "nan_weights":
        weights = dict(good["weights"])
        weights["head.bias"] = torch.full_like(weights["head.bias"], float("nan"))
        torch.save({**good, "weights": weights}, path)
    elif kind == "wrong_shapes":
        torch.save({**good, "config": {**good["config"], "widths": [8, 16, 32]}}, path)
    elif kind == "bad_config":
        torch.save({**good, "config": {**good["config"], "layers": 9}}, path)
    return path


BAD_KINDS = ["empty", "truncated", "random", "text", "foreign", "state_dict", "tensor", "pickle_code",
             "torch_code", "other_format", "wrong_categories", "duplicate_categories", "nan_weights",
             "wrong_shapes", "bad_config"]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_checkpoints_raise_checkpoint_error_naming_the_file(tmp_path, kind):
    path = write_bad(tmp_path, kind)
    with pytest.raises(CheckpointError) as caught:
        Classifier.load(path)
    assert str(path) in str(caught.value) and len(str(caught.value).splitlines()) == 1
    assert isinstance(caught.value, ValueError)
    assert not (tmp_path / "pwned").exists()  # the payload never ran


def test_missing_checkpoint_and_directories_raise_checkpoint_error(tmp_path):
    with pytest.raises(CheckpointError, match="no such checkpoint"):
        Classifier.load(tmp_path / "nope.pt")
    with pytest.raises(CheckpointError, match="not a file"):
        Classifier.load(tmp_path)


def test_choose_model_falls_back_with_a_warning(tmp_path, checkpoint_path, monkeypatch):
    monkeypatch.setattr(classify, "BUNDLED_PATH", checkpoint_path)
    choice = classify.choose_model(checkpoint_path)
    assert choice.warnings == [] and not choice.fell_back and choice.classifier.path == checkpoint_path
    broken = write_bad(tmp_path, "truncated")
    choice = classify.choose_model(broken)
    assert choice.classifier.version == "test-1" and choice.classifier.path == checkpoint_path
    assert choice.fell_back and str(broken) in choice.warnings[0] and "bundled" in choice.warnings[0]
    choice = classify.choose_model(None)
    assert choice.warnings == [] and choice.classifier.path == checkpoint_path
    monkeypatch.setattr(classify, "BUNDLED_PATH", broken)
    with pytest.raises(CheckpointError):
        classify.choose_model(tmp_path / "missing.pt")


def test_real_quickdraw_drawings_and_bitmaps_are_accepted(clf, sample_dir):
    from model.quickdraw import formats

    drawing = next(formats.read_drawings(sample_dir / "cat.ndjson"))["drawing"]
    assert len(clf.predict(drawing)) == 3
    bitmaps = formats.load_npy(sample_dir / "cat.npy")[:4]
    assert [len(r) for r in clf.predict_bitmaps(bitmaps)] == [3, 3, 3, 3]


# ---- calibration and the recognition rule in the checkpoint ----------------------------------------

def test_an_old_checkpoint_without_calibration_loads_at_temperature_one_with_the_old_rule(clf):
    from model.recognition import OLD_RULE

    assert clf.temperature == 1.0 and clf.rule == OLD_RULE
    guesses = clf.predict(CIRCLE, k=len(clf.categories))
    best, p = guesses[0]
    assert clf.recognizes(guesses, best) == (p >= 0.5)
    assert not any(clf.recognizes(guesses, other) for other, _ in guesses[1:])


def test_the_temperature_softens_probabilities_and_keeps_the_order(tmp_path):
    checkpoint = tiny_checkpoint()
    plain = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "plain.pt"))
    checkpoint["temperature"] = 3.0
    checkpoint["recognition"] = {"thresholds": {"circle": 0.9}, "default": 0.34, "margin": 0.0}
    warm = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "warm.pt"))
    before, after = plain.predict(SQUARE, k=3), warm.predict(SQUARE, k=3)
    assert [c for c, _ in before] == [c for c, _ in after] and after[0][1] < before[0][1]
    raster = plain.rasterize(SQUARE)[None]
    assert np.allclose(plain.logits(raster), warm.logits(raster))
    assert warm.rule.threshold("circle") == 0.9 and warm.rule.threshold("line") == 0.34
    assert not warm.recognizes([("circle", 0.8), ("line", 0.1), ("square", 0.1)], "circle")
    assert warm.recognizes([("line", 0.4), ("circle", 0.3), ("square", 0.3)], "line")


@pytest.mark.parametrize("key, value, message", [
    ("temperature", -1.0, "temperature must be a positive number"),
    ("temperature", "hot", "temperature must be a positive number"),
    ("recognition", {"thresholds": {"circle": 2}}, "recognition threshold for 'circle'"),
    ("recognition", [0.5], "recognition must be a dict"),
    ("logit_offsets", {"piano": -1.0}, "logit_offsets must map categories of the checkpoint"),
    ("logit_offsets", {"circle": float("nan")}, "logit_offsets must map"),
    ("logit_offsets", {"circle": True}, "logit_offsets must map"),
    ("logit_offsets", [-1.0], "logit_offsets must map"),
    ("test_time_mirror", 1, "test_time_mirror must be true or false"),
    ("test_time_mirror", "yes", "test_time_mirror must be true or false"),
])
def test_a_bad_calibration_is_refused_with_one_line(tmp_path, key, value, message):
    checkpoint = tiny_checkpoint()
    checkpoint[key] = value
    path = classify.save_checkpoint(checkpoint, tmp_path / "bad.pt")
    with pytest.raises(CheckpointError, match=message) as caught:
        Classifier.load(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_logit_offsets_are_added_before_the_softmax_and_kept_by_the_checkpoint(tmp_path):
    checkpoint = tiny_checkpoint()
    plain = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "plain.pt"))
    raster = np.stack([plain.rasterize(CIRCLE), plain.rasterize(SQUARE)])
    raw = plain.logits(raster)
    best = CATEGORIES[int(raw[0].argmax())]
    checkpoint["logit_offsets"] = {best: -100.0}  # the word it would answer, made shy
    shy = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "shy.pt"))
    assert shy.offsets == {best: -100.0}
    column = CATEGORIES.index(best)
    expected = raw.copy()
    expected[:, column] -= 100.0
    assert np.allclose(shy.logits(raster), expected, atol=1e-4)  # the one word's logit, nothing else
    assert shy.predict(CIRCLE, k=1)[0][0] != best
    probs = dict(shy.predict(CIRCLE, k=3))
    assert probs[best] < 1e-6 and abs(sum(probs.values()) - 1) < 1e-5
    with pytest.raises(ValueError, match="offsets for words the classifier does not know"):
        Classifier(net.build(net.config_from_dict(checkpoint["config"])), CATEGORIES, offsets={"piano": -1.0})


def test_a_mirrored_checkpoint_averages_the_logits_of_each_image_and_its_mirror(tmp_path):
    checkpoint = tiny_checkpoint()
    plain = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "plain.pt"))
    assert plain.mirror is False  # absent: guessed as drawn
    checkpoint["test_time_mirror"] = True
    both = Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "mirrored.pt"))
    assert both.mirror is True
    raster = np.stack([plain.rasterize(CIRCLE), plain.rasterize(SQUARE), plain.rasterize([[[10, 90, 90], [10, 10, 90]]])])  # a corner: not its own mirror
    expected = (plain.logits(raster) + plain.logits(raster[:, :, ::-1].copy())) / 2  # the reference, by hand
    assert np.allclose(both.logits(raster), expected, atol=1e-5)
    assert not np.allclose(plain.logits(raster), expected, atol=1e-3)  # mirroring changes something
    guesses = both.predict(SQUARE, k=3)  # the whole path: rasterise, both views, softmax
    probs = torch.softmax(torch.from_numpy(expected[1]), 0).numpy()
    assert [c for c, _ in guesses] == [CATEGORIES[i] for i in np.argsort(-probs)]
    assert np.allclose([p for _, p in guesses], np.sort(probs)[::-1], atol=1e-5)
