"""Streaming training data (model/streaming.py, stream_records.py): same images as in memory, interleaved, sharded, resumable,
constant memory, and `train.py --stream` end to end."""
import json
import tracemalloc
from collections import Counter

import numpy as np
import pytest
import torch

from model import train_command as train_cli
from model import classify, datasets, streaming, strokes, synth, training
from model.quickdraw import formats, stream_records

THREE = ["circle", "line", "zigzag"]


def write_folder(folder, per_category=12, categories=THREE, seed=3):
    """Simplified ndjson per category (generated doodles), like Google's files."""
    folder.mkdir(exist_ok=True)
    for category in categories:
        records = ({"word": category, "key_id": str(i),
                    "drawing": strokes.simplify(synth.generate(category, synth.drawing_rng(seed, category, i)))}
                   for i in range(per_category))
        formats.write_ndjson(folder / f"{category}.ndjson", records)
    return folder


def settings(**changes):
    base = dict(batch_size=8, buffer=64, holdout=0.0, workers=0, seed=5,
                render=datasets.RenderSettings(prefixes=1, seed=5))
    return streaming.StreamSettings(**{**base, **changes})


def all_batches(batches, epoch=1, skip=0):
    return list(batches.epoch(epoch, skip, batches.steps_per_epoch))


def test_a_stream_renders_the_images_the_in_memory_path_renders(tmp_path):
    folder = write_folder(tmp_path / "qd", per_category=8)
    chosen = settings(batch_size=4)
    sources = streaming.file_sources(folder, THREE)
    assert [(s.category, s.counts) for s in sources] == [(c, (8,)) for c in THREE]
    stream = streaming.StreamBatches(sources, chosen)
    assert stream.images_total == 3 * 8 * 2 and stream.steps_per_epoch == 12
    streamed = all_batches(stream)
    memory = datasets.rasterize_examples(datasets.from_quickdraw_dir(folder, THREE), THREE, chosen.render)
    as_set = lambda images, labels: Counter((bytes(i.numpy()), int(l)) for i, l in zip(images, labels))
    assert as_set(torch.cat([b[0] for b in streamed]), torch.cat([b[1] for b in streamed])) == \
        as_set(memory.images, memory.labels)


def test_categories_are_interleaved_and_each_epoch_is_shuffled_differently(tmp_path):
    stream = streaming.StreamBatches(streaming.file_sources(write_folder(tmp_path / "qd", 30), THREE), settings(buffer=16))
    first = all_batches(stream, epoch=1)
    opening = Counter(torch.cat([b[1] for b in first[:len(first) // 3]]).tolist())
    assert all(0.15 < opening[label] / sum(opening.values()) < 0.55 for label in range(3))  # files read side by side
    again, other = all_batches(stream, epoch=1), all_batches(stream, epoch=2)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(first, again))
    assert not all(torch.equal(a[0], b[0]) for a, b in zip(first, other))


@pytest.mark.parametrize("workers", [0, 2])
def test_a_resumed_epoch_streams_the_same_batches(tmp_path, workers):
    stream = streaming.StreamBatches(streaming.file_sources(write_folder(tmp_path / "qd", 12), THREE),
                                     settings(workers=workers))
    whole = all_batches(stream)
    resumed = all_batches(stream, skip=5)
    assert len(whole) == stream.steps_per_epoch and len(resumed) == len(whole) - 5
    for a, b in zip(whole[5:], resumed):
        assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_shards_split_the_training_records_and_never_touch_the_held_out_ones(tmp_path):
    sources = streaming.file_sources(write_folder(tmp_path / "qd", 40), THREE)
    chosen = settings(holdout=0.25)
    records = lambda shard, shards, held_out=False: {
        (s.category, index) for s in sources for index, _, _ in streaming.records_of(s, chosen, shard, shards, held_out)}
    everything = {(s.category, i) for s in sources for i in range(40)}
    held_out = records(0, 1, held_out=True)
    shards = [records(k, 4) for k in range(4)]
    assert 10 <= len(held_out) <= 50  # about a quarter of 120
    assert set().union(*shards) == everything - held_out
    assert sum(len(s) for s in shards) == len(everything - held_out)  # disjoint
    planned = {(item[1], item[2]) for item in streaming.plan(sources, chosen, 1, 2, 4)}
    assert planned == shards[2]
    examples = streaming.held_out_examples(sources, chosen, limit_per_category=1000)
    assert sum(examples.per_category().values()) == len(held_out)


def test_bad_records_are_left_out_of_the_loss_not_fatal(tmp_path):
    folder = write_folder(tmp_path / "qd", 5)
    with open(folder / "circle.ndjson", "a") as file:
        file.write('{"word": "circle", "drawing": [[[1, 2], [3]]]}\nnot json\n')
    stream = streaming.StreamBatches(streaming.file_sources(folder, THREE), settings(batch_size=32, holdout=0.0))
    labels = torch.cat([b[1] for b in all_batches(stream)])
    images = torch.cat([b[0] for b in all_batches(stream)])
    assert (labels == streaming.IGNORE).sum() == 4  # 2 bad records x (whole + 1 prefix)
    assert images[labels == streaming.IGNORE].sum() == 0


def test_every_format_streams_and_counts(tmp_path):
    folder = tmp_path / "qd"
    folder.mkdir()
    records = [{"word": "line", "key_id": str(i + 1), "drawing": [[[0, 100 + i], [0, 50]]]} for i in range(7)]
    formats.write_bin(folder / "line.bin", records)
    np.save(folder / "circle.npy", np.full((4, 784), 9, np.uint8))
    (folder / "zigzag.ndjson").write_text(json.dumps(records[0] | {"word": "zigzag"}) + "\n\n")
    assert [stream_records.count_records(folder / n) for n in ("line.bin", "circle.npy", "zigzag.ndjson")] == [7, 4, 1]
    decoded = [stream_records.decode(kind, payload, "line") for kind, payload in stream_records.raw_records(folder / "line.bin")]
    assert decoded == [r["drawing"] for r in formats.read_bin(folder / "line.bin")]
    stream = streaming.StreamBatches(streaming.file_sources(folder, THREE), settings(batch_size=1))
    labels = torch.cat([b[1] for b in all_batches(stream)]).tolist()
    assert Counter(labels) == {0: 4, 1: 14, 2: 2}  # bitmaps once, drawings whole + a prefix


def big_ndjson(path, lines):
    line = json.dumps({"word": "circle", "drawing": strokes.simplify(synth.generate("circle", synth.drawing_rng(1, "circle", 0)))})
    with open(path, "w") as out:
        for _ in range(lines // 1000):
            out.write((line + "\n") * 1000)
    return path.stat().st_size


def peak_while_planning(folder, buffer):
    sources = streaming.file_sources(folder, ["circle"])
    tracemalloc.start()
    planned = sum(1 for _ in streaming.plan(sources, settings(buffer=buffer), 1, 0, 1))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return planned, peak


def test_streaming_a_large_file_takes_constant_memory(tmp_path):
    (tmp_path / "small").mkdir()
    (tmp_path / "large").mkdir()
    big_ndjson(tmp_path / "small" / "circle.ndjson", 5_000)
    size = big_ndjson(tmp_path / "large" / "circle.ndjson", 100_000)
    small_items, small_peak = peak_while_planning(tmp_path / "small", buffer=2_000)
    large_items, large_peak = peak_while_planning(tmp_path / "large", buffer=2_000)
    assert (small_items, large_items) == (10_000, 200_000)
    assert large_peak < 1.5 * small_peak + (1 << 20)  # twenty times the data, the same memory
    assert large_peak < size / 10  # far less than the file itself


def test_train_py_streams_a_folder_and_evaluates_its_held_out_share(tmp_path, capsys):
    folder = write_folder(tmp_path / "qd", 30)
    out = tmp_path / "m.pt"
    code = train_cli.main([str(a) for a in ["--quickdraw", folder, "--stream", "--categories", ",".join(THREE), "--calibrate", 2,
                                            "--epochs", 1, "--batch-size", 16, "--threads", 1, "--out", out,
                                            "--eval", "none", "--quiet", "--buffer", 50]])
    printed = capsys.readouterr().out
    assert code == 0 and "streaming" in printed and "shuffle buffer" in printed
    clf = classify.Classifier.load(out)
    held = [name for name in clf.metrics if "(held out)" in name and name.startswith("quickdraw")]
    assert held and 0 < clf.metrics[held[0]]["examples"] < 30
    trained = clf.data["sources"]["quickdraw:qd"]
    assert trained + clf.metrics[held[0]]["examples"] == 90
    assert clf.data["images"] == trained * (1 + training.TrainConfig().prefixes)  # whole drawings and their prefixes
