"""Temperature scaling and the fitted recognition rule (model/calibration.py)."""
import numpy as np
import pytest
import torch

from model import calibration, classify, net
from model.calibration import expected_calibration_error, fit_temperature, nll
from model.recognition_eval import softmax


def overconfident(n, seed, true_temperature=2.5, classes=6):
    """Logits of a model that is too sure: the labels follow softmax(logits / 2.5)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 4, size=(n, classes))
    probs = softmax(logits, true_temperature)
    labels = np.array([rng.choice(classes, p=p) for p in probs])
    return logits, labels


def test_the_fitted_temperature_lowers_the_nll_of_a_held_out_set():
    fit_logits, fit_labels = overconfident(3000, seed=1)
    held_logits, held_labels = overconfident(3000, seed=2)
    t = fit_temperature(fit_logits, fit_labels)
    assert 2.0 < t < 3.0   # finds the temperature the labels were drawn with
    assert nll(held_logits, held_labels, t) < nll(held_logits, held_labels) - 0.1
    before = expected_calibration_error(softmax(held_logits), held_labels)
    after = expected_calibration_error(softmax(held_logits, t), held_labels)
    assert after < before / 2
    assert fit_temperature(np.zeros((0, 3)), np.zeros(0, np.int64)) == 1.0


def test_an_underconfident_model_gets_a_temperature_below_one():
    logits, labels = overconfident(3000, seed=3, true_temperature=0.5)
    assert fit_temperature(logits, labels) < 0.7


def test_expected_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]])
    labels = np.array([0, 0, 0, 1])
    # bin of 0.9: accuracy 1.0 vs 0.9; bin of 0.6: accuracy 0.5 vs 0.6 -> 0.5 * 0.1 + 0.5 * 0.1
    assert expected_calibration_error(probs, labels) == pytest.approx(0.1)
    assert expected_calibration_error(np.zeros((0, 2)), np.zeros(0)) == 0.0


def test_calibrate_fits_on_generated_doodles_and_the_classifier_applies_it(tmp_path):
    torch.manual_seed(0)
    config = net.NetConfig(num_classes=3, widths=(8, 16, 16))
    model = net.build(config)
    clf = classify.Classifier(model, ["circle", "line", "square"])
    fitted = calibration.calibrate(clf, seed=5, per_category=3)
    assert set(fitted) == {"temperature", "recognition"}
    info = fitted["recognition"]["fitted"]
    assert info["drawings"] == 9 and info["images"] > 9   # growing prefixes of each doodle
    assert info["nll_after"] <= info["nll_before"] + 1e-9
    assert fitted == calibration.calibrate(clf, seed=5, per_category=3)   # seeded: a rerun is identical
    checkpoint = classify.make_checkpoint(model, config, clf.categories, "cal-1")
    checkpoint.update(fitted)
    loaded = classify.Classifier.load(classify.save_checkpoint(checkpoint, tmp_path / "c.pt"))
    assert loaded.temperature == fitted["temperature"]
    assert loaded.rule.thresholds == fitted["recognition"]["thresholds"]


def test_no_recipe_no_calibration():
    model = net.build(net.NetConfig(num_classes=2, widths=(4,)))
    assert calibration.calibrate(classify.Classifier(model, ["The Mona Lisa", "aircraft carrier"]), 1, 2) == {}


# ---- the cache of the calibration doodles' rasters (what the on-site retraining keeps) -------------

def small_classifier():
    torch.manual_seed(0)
    return classify.Classifier(net.build(net.NetConfig(num_classes=3, widths=(8, 16, 16))), ["circle", "line", "square"])


def test_a_cached_calibration_is_the_calibration_rendered_afresh(tmp_path):
    clf, cache, said = small_classifier(), tmp_path / "calibration-cache.npz", []
    fresh = calibration.calibrate(clf, per_category=3)
    assert calibration.calibrate(clf, per_category=3, cache=cache, log=said.append) == fresh   # written
    assert cache.exists() and said == []
    assert calibration.calibrate(clf, per_category=3, cache=cache, log=said.append) == fresh   # read back
    assert said == []


def test_a_cache_of_other_doodles_is_rendered_again_and_replaced(tmp_path):
    clf, cache, said = small_classifier(), tmp_path / "calibration-cache.npz", []
    calibration.calibrate(clf, per_category=2, cache=cache)
    assert calibration.calibrate(clf, per_category=3, cache=cache, log=said.append) == calibration.calibrate(clf, per_category=3)
    assert said == [f"calibration cache {cache} is for other doodles: rendering them again"]
    words, counts, images = calibration.prefix_rasters(["circle", "line", "square"], 3, calibration.CALIBRATION_SEED,
                                                       28, cache, log=said.append)
    assert len(words) == 9 and len(images) == counts.sum() and len(said) == 1   # the new one was kept


@pytest.mark.parametrize("damage", [b"", b"not a numpy file at all", "truncated"])
def test_a_corrupt_cache_is_rendered_again_with_a_line_and_mended(tmp_path, damage):
    clf, cache, said = small_classifier(), tmp_path / "calibration-cache.npz", []
    expected = calibration.calibrate(clf, per_category=3, cache=cache)
    cache.write_bytes(cache.read_bytes()[:200] if damage == "truncated" else damage)
    assert calibration.calibrate(clf, per_category=3, cache=cache, log=said.append) == expected
    assert len(said) == 1 and said[0].startswith(f"calibration cache {cache} unreadable (")
    said.clear()
    assert calibration.calibrate(clf, per_category=3, cache=cache, log=said.append) == expected
    assert said == []   # written again whole


def test_a_cache_that_cannot_be_written_only_costs_a_line(tmp_path, monkeypatch):
    clf, said = small_classifier(), []
    cache = tmp_path / "missing-folder" / "calibration-cache.npz"
    assert calibration.calibrate(clf, per_category=2, cache=cache, log=said.append) == calibration.calibrate(clf, per_category=2)
    assert len(said) == 1 and said[0].startswith(f"calibration cache not written to {cache}:")
    full = tmp_path / "full.npz"

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez_compressed", disk_full)
    said.clear()
    calibration.calibrate(clf, per_category=2, cache=full, log=said.append)
    assert said == [f"calibration cache not written to {full}: [Errno 28] No space left on device"]
    assert list(tmp_path.iterdir()) == []   # no half-written file left behind


def test_every_model_is_calibrated_on_the_same_doodles_whatever_its_training_seed():
    fitted = calibration.calibrate(small_classifier(), per_category=2)
    assert fitted["recognition"]["fitted"]["on"] == f"synthetic(seed={calibration.CALIBRATION_SEED})"
