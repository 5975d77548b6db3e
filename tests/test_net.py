"""The network: config round trips, shapes, hand-counted parameters, BN folding for inference."""
import dataclasses

import pytest
import torch

from model import net


def test_default_network_maps_a_batch_of_rasters_to_one_logit_per_category():
    model = net.build(net.NetConfig(num_classes=7)).eval()
    images = torch.zeros((5, 28, 28), dtype=torch.uint8)
    assert model(net.to_input(images)).shape == (5, 7)


def test_parameter_count_matches_a_hand_count():
    # conv 1->4 (3x3, no bias) = 36, BatchNorm(4) = 8, linear 4->2 = 10
    model = net.build(net.NetConfig(num_classes=2, widths=(4,), pool_size=1, dropout=0.0))
    assert net.parameter_count(model) == 36 + 8 + 10
    # two convs per block: + conv 4->4 = 144 and BatchNorm(4) = 8
    model = net.build(net.NetConfig(num_classes=2, widths=(4,), pool_size=1, convs_per_block=2))
    assert net.parameter_count(model) == 36 + 8 + 144 + 8 + 10
    # convs a block given per block: 1 in the first, 2 in the second (conv 4->6 = 216, BN 12, conv 6->6 = 324, BN 12)
    model = net.build(net.NetConfig(num_classes=2, widths=(4, 6), pool_size=1, convs_per_block=(1, 2)))
    assert net.parameter_count(model) == 36 + 8 + 216 + 12 + 324 + 12 + 14
    # a 3x3 grid before the head: linear (4 * 9) -> 2 = 74
    model = net.build(net.NetConfig(num_classes=2, widths=(4,), pool_size=3))
    assert net.parameter_count(model) == 36 + 8 + 74


def test_the_grid_head_sees_where_ink_is():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=2, widths=(4, 4, 4), pool_size=3)).eval()
    top, bottom = torch.zeros(1, 1, 28, 28), torch.zeros(1, 1, 28, 28)
    top[..., 2:8, 10:18], bottom[..., 20:26, 10:18] = 1.0, 1.0
    with torch.inference_mode():
        assert not torch.allclose(model(top), model(bottom))
        assert model(top).shape == (1, 2)


def test_config_survives_the_plain_dict_of_a_checkpoint():
    config = net.NetConfig(num_classes=5, widths=(8, 16), convs_per_block=2, dropout=0.1)
    d = net.config_to_dict(config)
    assert d["widths"] == [8, 16] and all(type(v) in (int, float, list) for v in d.values())
    assert net.config_from_dict(d) == config
    config = net.NetConfig(num_classes=5, widths=(8, 16), convs_per_block=(1, 2))
    d = net.config_to_dict(config)
    assert d["convs_per_block"] == [1, 2] and net.config_from_dict(d) == config


def test_same_config_and_seed_build_the_same_weights():
    config = net.NetConfig(num_classes=3, widths=(4, 8))
    torch.manual_seed(3)
    a = net.build(config).state_dict()
    torch.manual_seed(3)
    b = net.build(net.config_from_dict(net.config_to_dict(config))).state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("bad, message", [
    ({"num_classes": 1}, "num_classes"),
    ({"widths": []}, "widths"),
    ({"widths": [8, 8, 8, 8, 8, 8]}, "pooling"),
    ({"dropout": 1.0}, "dropout"),
    ({"convs_per_block": 0}, "convs_per_block"),
    ({"convs_per_block": [1, 2]}, "one per block"),  # three blocks
    ({"convs_per_block": [1, 0, 1]}, "convs_per_block"),
    ({"convs_per_block": ["1", 1, 1]}, "convs_per_block"),
    ({"pool_size": 4}, "pool_size"),
    ({"pool_size": 0}, "pool_size"),
])
def test_impossible_configs_are_refused_with_the_field_named(bad, message):
    with pytest.raises(ValueError, match=message):
        net.config_from_dict(net.config_to_dict(net.NetConfig()) | bad)


def test_unknown_config_keys_are_named():
    with pytest.raises(ValueError, match="colour"):
        net.config_from_dict({"num_classes": 3, "colour": "red"})
    with pytest.raises(ValueError, match="dict"):
        net.config_from_dict(["num_classes", 3])


def test_to_input_scales_uint8_to_unit_floats_and_refuses_other_types():
    images = torch.tensor([[[0, 255], [51, 102]]], dtype=torch.uint8)
    x = net.to_input(images)
    assert x.shape == (1, 1, 2, 2) and x.dtype == torch.float32
    assert torch.allclose(x.flatten(), torch.tensor([0.0, 1.0, 0.2, 0.4]))
    with pytest.raises(ValueError, match="uint8"):
        net.to_input(images.float())
    with pytest.raises(ValueError, match="shape"):
        net.to_input(images.flatten())


def test_folding_batchnorm_for_inference_keeps_the_outputs():
    torch.manual_seed(0)
    model = net.build(net.NetConfig(num_classes=4, widths=(8, 16, 16)))
    # Non-trivial BatchNorm statistics, as after training.
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.rand(16, 1, 28, 28) * 2)
    model.eval()
    fused = net.for_inference(model)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    x = torch.rand(6, 1, 28, 28)
    with torch.inference_mode():
        assert torch.allclose(model(x), fused(x.contiguous(memory_format=torch.channels_last)), atol=1e-4)
    assert model.training is False and any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        net.NetConfig().num_classes = 3


def test_net_assignments_become_config_fields_as_typed():
    changes = net.config_changes(["widths=8,16", "convs_per_block=2", "dropout=0.1", "pool-size=1"])
    assert changes == {"widths": (8, 16), "convs_per_block": 2, "dropout": 0.1, "pool_size": 1}
    assert net.config_changes(["convs_per_block=1,2"]) == {"convs_per_block": (1, 2)}
    assert net.NetConfig(num_classes=3, **changes).widths == (8, 16)


@pytest.mark.parametrize("assignment, message", [
    ("widths", "expected FIELD=VALUE"),
    ("num_classes=5", "not a network field one may set"),
    ("in_channels=2", "not a network field one may set"),
    ("widths=8,x", "comma-separated integers"),
    ("dropout=lots", "expected a number"),
    ("image_size=28.5", "expected an integer"),
])
def test_net_assignments_that_cannot_be_read_say_why(assignment, message):
    with pytest.raises(ValueError, match=message):
        net.config_changes([assignment])
