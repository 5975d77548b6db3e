"""Small checkpoints that demand huge memory are refused before anything is built (model/net_limits.py,
issue 16 finding 6): a big network config, zero-stride weights, storages bigger or smaller than their
tensors, wrong dtypes. Through `Classifier.load`, the game's `choose_model` and `train.py --init`.

Nothing here allocates much even on code without the checks: `net.build` is watched and refuses big
networks itself, and the one weight that would ask for terabytes asks for so much that the allocator
refuses at once."""
import io
import struct
import zipfile

import pytest
import torch

from model import classify, net, net_limits, train_command
from model.classify import CheckpointError, Classifier

CATEGORIES = ["circle", "line", "square"]


def tiny_checkpoint() -> dict:
    torch.manual_seed(0)
    config = net.NetConfig(num_classes=len(CATEGORIES), widths=(8, 16, 16))
    model = net.build(config)
    return classify.make_checkpoint(model, config, CATEGORIES, "tiny-1")


class BuiltTooBig(Exception):
    """net.build was asked for a network beyond the limits: the file was not checked first."""


@pytest.fixture(autouse=True)
def watched_build(monkeypatch):
    real = net.build

    def build(config):
        if net_limits_exceeded(config):
            raise BuiltTooBig(f"net.build({config})")
        return real(config)
    monkeypatch.setattr(net, "build", build)


def net_limits_exceeded(config) -> bool:
    limits = net_limits.LIMITS
    return (config.num_classes > limits.max_classes or config.image_size > limits.max_image_size
            or max(config.widths) > limits.max_width or len(config.widths) > limits.max_blocks
            or max(config.block_convs()) > limits.max_convs_per_block)


BIG_CONFIGS = {  # each asks for gigabytes once built or run, from a file of a few kilobytes
    "wide": ({"widths": [8, 16, 1_000_000]}, "widths: 1,000,000 channels in a block is beyond the limit"),
    "huge raster": ({"image_size": 100_000}, "image_size: 100,000 px is beyond the limit"),
    "deep": ({"convs_per_block": 500}, "convs_per_block: 500 layers per block is beyond the limit"),
    "deep block": ({"widths": [8, 8], "convs_per_block": [1, 500]}, "convs_per_block: 500 layers per block is beyond"),
    "many inputs": ({"in_channels": 100_000}, "in_channels: 100,000 channels is beyond the limit"),
    "many parameters": ({"widths": [1024, 1024, 1024], "convs_per_block": 2}, "parameters"),
    "many activations": ({"image_size": 128, "widths": [1024, 16, 16]}, "activations per image"),
}


def write(tmp_path, name, checkpoint) -> str:
    path = tmp_path / f"{name}.pt"
    torch.save(checkpoint, path)
    return path


def big_config_file(tmp_path, kind):
    good = tiny_checkpoint()
    change, _ = BIG_CONFIGS[kind]
    return write(tmp_path, kind.replace(" ", "_"), {**good, "config": {**good["config"], **change}})


@pytest.mark.parametrize("kind", BIG_CONFIGS)
def test_a_big_network_config_is_refused_before_building(tmp_path, kind):
    path = big_config_file(tmp_path, kind)
    assert path.stat().st_size < 100_000
    with pytest.raises(CheckpointError) as caught:
        Classifier.load(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: network config") and BIG_CONFIGS[kind][1] in message
    assert "\n" not in message


def weights_file(tmp_path, name, **replaced):
    good = tiny_checkpoint()
    return write(tmp_path, name, {**good, "weights": {**good["weights"], **replaced}})


BAD_WEIGHTS = {
    "zero stride": ({"head.weight": torch.zeros(1).expand(3, 16 * 9)}, "head.weight has strides (0, 0)"),
    "zero stride, terabytes": ({"extra": torch.zeros(1).expand(1 << 21, 1 << 21)},
                               "unexpected extra"),
    "big storage": ({"head.bias": torch.zeros(100_000)[:3]}, "head.bias needs 12 bytes but its storage holds 400,000"),
    "offset view": ({"head.bias": torch.zeros(4)[1:]}, "head.bias needs 12 bytes but its storage holds 16 (offset 1)"),
    "wrong dtype": ({"head.bias": torch.zeros(3, dtype=torch.float64)}, "head.bias is torch.float64 (3,)"),
    "wrong shape": ({"head.bias": torch.zeros(4)}, "head.bias is torch.float32 (4,); the network config needs"),
}


@pytest.mark.parametrize("kind", BAD_WEIGHTS)
def test_weights_that_are_not_exactly_the_networks_are_refused(tmp_path, kind):
    replaced, expected = BAD_WEIGHTS[kind]
    path = weights_file(tmp_path, kind.replace(" ", "_").replace(",", ""), **replaced)
    assert path.stat().st_size < 100_000 or kind == "big storage"
    with pytest.raises(CheckpointError) as caught:
        Classifier.load(path)
    assert str(caught.value).startswith(f"{path}: ") and expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_storage_smaller_than_its_tensor_is_refused(tmp_path):
    """The pickle says head.bias has 50 million values; the file stores 3."""
    buffer = io.BytesIO()
    torch.save(tiny_checkpoint(), buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path = tmp_path / "short_storage.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("/data.pkl"):
                assert data.count(b"QK\x00K\x03\x85") == 1  # head.bias: offset 0, size (3,)
                data = data.replace(b"QK\x00K\x03\x85", b"QK\x00J" + struct.pack("<i", 50_000_000) + b"\x85")
            out.writestr(info.filename, data)
    with pytest.raises(CheckpointError, match=rf"^{path}: "):
        Classifier.load(path)


def test_the_bundled_model_and_channels_last_weights_pass():
    Classifier.load(None)
    good = tiny_checkpoint()
    config = net.config_from_dict(good["config"])
    net_limits.check_weights(config, good["weights"])
    channels_last = {name: tensor.contiguous(memory_format=torch.channels_last) if tensor.dim() == 4 else tensor
                     for name, tensor in good["weights"].items()}
    net_limits.check_weights(config, channels_last)
    assert net_limits.is_dense((24, 1, 3, 3), (9, 1, 3, 1)) and net_limits.is_dense((3, 1), (1, 99))
    assert not net_limits.is_dense((3, 4), (4, 0)) and not net_limits.is_dense((3, 4), (1, 1))
    assert net_limits.activations(net.NetConfig()) == 32_928


def test_the_game_falls_back_to_the_bundled_model_with_the_reason(tmp_path):
    for path in (big_config_file(tmp_path, "wide"),
                 weights_file(tmp_path, "zero_stride", **BAD_WEIGHTS["zero stride"][0])):
        choice = classify.choose_model(path)
        assert choice.fell_back and choice.path is None
        (warning,) = choice.warnings
        assert str(path) in warning and "falling back to the bundled model" in warning
        assert "beyond the limit" in warning or "strides (0, 0)" in warning


@pytest.mark.parametrize("make", [lambda tmp: big_config_file(tmp, "wide"),
                                  lambda tmp: weights_file(tmp, "zero_stride", **BAD_WEIGHTS["zero stride"][0]),
                                  lambda tmp: weights_file(tmp, "huge", **BAD_WEIGHTS["zero stride, terabytes"][0])])
def test_train_init_gives_the_same_one_line_error(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(SystemExit) as caught:
        train_command.main(["--synthetic", "1", "--init", str(path), "--categories", "circle,line",
                            "--out", str(tmp_path / "out.pt"), "--eval", "none", "--quiet"])
    message = str(caught.value.code)
    assert message.startswith(f"pennydraw-train: error: {path}: ") and "\n" not in message
    assert not (tmp_path / "out.pt").exists()


def test_train_never_builds_a_network_the_game_would_refuse(tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("\n".join(f"thing {i}" for i in range(net_limits.LIMITS.max_classes + 1)))
    with pytest.raises(SystemExit) as caught:
        train_command.main(["--synthetic", "1", "--categories", str(names), "--out", str(tmp_path / "o.pt"),
                            "--eval", "none", "--quiet"])
    assert "num_classes: 1,001 classes is beyond the limit of 1,000" in str(caught.value.code)
