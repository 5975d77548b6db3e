"""How fast Quick, Draw! files stream: ndjson and .bin reading, and `import` into a fresh store.

    .venv/bin/python bench/bench_formats.py [--count 100000]

Builds a ~100k-drawing simplified ndjson file in a temporary folder (the real sample's drawings,
repeated with fresh key_ids; random walks if the sample is absent), then prints drawings per second.
Goal: ndjson read + import at >= 20,000 drawings/s.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from model import strokes  # noqa: E402  (after the path set-up above)
from model.quickdraw import formats  # noqa: E402
from model.store import Store  # noqa: E402

SAMPLE_DIR = REPO_ROOT.parent / "shared" / "quickdraw-sample"
GOAL_PER_SECOND = 20_000


def source_drawings() -> list[dict]:
    """Real simplified drawings when the sample is there, else seeded random walks of the same shape."""
    if SAMPLE_DIR.is_dir():
        return [r for path in sorted(SAMPLE_DIR.glob("*.ndjson")) for r in formats.read_ndjson(path)]
    rng = random.Random(0)
    walks = []
    for index in range(2000):
        drawing = [[[rng.randrange(256) for _ in range(9)], [rng.randrange(256) for _ in range(9)]]
                   for _ in range(rng.randrange(1, 9))]
        walks.append({"word": f"walk{index % 20}", "countrycode": "US", "recognized": True,
                      "timestamp": "2017-03-03 14:13:44.5744 UTC", "drawing": drawing})
    return walks


def write_big_ndjson(path: Path, count: int) -> None:
    sources = source_drawings()
    with path.open("w") as out:
        for index in range(count):
            record = sources[index % len(sources)] | {"key_id": str(10**15 + index)}
            out.write(json.dumps({k: v for k, v in record.items() if v is not None}) + "\n")


def timed(label: str, count: int, work) -> float:
    started = time.perf_counter()
    done = work()
    seconds = time.perf_counter() - started
    assert done == count, f"{label}: expected {count}, got {done}"
    rate = count / seconds
    print(f"{label:<44} {count:>9,} {seconds:>8.2f} s {rate:>12,.0f} /s")
    return rate


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="drawings in the generated file")
    count = parser.parse_args(argv).count
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        ndjson, binary = folder / "mixed.ndjson", folder / "mixed.bin"
        write_big_ndjson(ndjson, count)
        formats.write_bin(binary, formats.read_drawings(ndjson))
        print(f"{count:,} simplified drawings: ndjson {ndjson.stat().st_size / 1e6:.1f} MB, "
              f".bin {binary.stat().st_size / 1e6:.1f} MB\n")
        print(f"{'what':<44} {'drawings':>9} {'time':>10} {'rate':>14}")
        read = timed("read ndjson (cheap structural check)", count,
                     lambda: sum(1 for _ in formats.read_drawings(ndjson)))
        timed("read ndjson + strokes.as_arrays (reference)", count,
              lambda: sum(1 for r in formats.read_drawings(ndjson) if strokes.as_arrays(r["drawing"])))
        timed("read .bin", count, lambda: sum(1 for _ in formats.read_drawings(binary)))
        timed("write .bin from ndjson", count, lambda: formats.write_bin(folder / "again.bin",
                                                                       formats.read_drawings(ndjson)))
        with Store(folder / "bench.db") as store:
            imported = timed("import ndjson into a new store", count,
                             lambda: formats.import_file(store, ndjson).written)
            timed("import it again (all duplicates)", count, lambda: formats.import_file(store, ndjson).duplicates)
    for label, rate in (("ndjson read", read), ("ndjson read + import", imported)):
        verdict = "meets" if rate >= GOAL_PER_SECOND else "MISSES"
        print(f"{label}: {rate:,.0f}/s {verdict} the goal of {GOAL_PER_SECOND:,}/s")


if __name__ == "__main__":
    main()
