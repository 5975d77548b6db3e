"""Benchmark of streaming: reading simplified ndjson, and exporting a store to Quick, Draw! files.

Prints one table (one process, one core). The read rows stream a generated simplified `.ndjson` of
`--drawings` records (the real Quick, Draw! sample beside the checkout, repeated with fresh key_ids,
or synthetic drawings without it) through `formats.read_ndjson`, with plain `json.loads` of the same
lines as the machine's yardstick (the last column: rate / json.loads rate). The export rows import `--export` of those records into a store
in a temp dir and time `python -m model export` per format; players' drawings (timed canvas strokes,
which must be simplified) are timed apart, on `--game` drawings.

    python bench/bench_stream.py [--drawings 200000] [--export 20000] [--game 1000]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import export  # noqa: E402
from model.quickdraw import formats  # noqa: E402
from model.store import Store  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "quickdraw-sample"


def source_records(rng: random.Random) -> list[dict]:
    if SAMPLE.is_dir():
        return [record for path in sorted(SAMPLE.glob("*.ndjson")) for record in formats.read_ndjson(path)]
    return [{"word": "cat", "countrycode": "US", "timestamp": "2017-03-21 16:12:14.28939 UTC", "recognized": True,
             "drawing": [[sorted(rng.randrange(256) for _ in range(12)), [rng.randrange(256) for _ in range(12)]]
                         for _ in range(5)]} for _ in range(500)]


def write_big_ndjson(path: Path, count: int, records: list[dict]) -> int:
    """`count` lines cycling through `records` with fresh key_ids; returns the file size in bytes."""
    with open(path, "w", encoding="utf-8") as out:
        for number in range(count):
            record = records[number % len(records)]
            out.write(json.dumps({**record, "key_id": str(10**15 + number)}, separators=(",", ":")) + "\n")
    return path.stat().st_size


def game_drawing(rng: random.Random, strokes: int = 8, points: int = 25) -> list:
    drawing, t = [], 0
    for _ in range(strokes):
        x, y = rng.randint(100, 700), rng.randint(100, 500)
        xs, ys, ts = [], [], []
        for _ in range(points):
            x, y, t = x + rng.randint(-12, 12), y + rng.randint(-12, 12), t + rng.randint(12, 20)
            xs.append(x), ys.append(y), ts.append(t)
        drawing.append([xs, ys, ts])
        t += rng.randint(150, 400)
    return drawing


def timed(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench_read(path: Path, count: int) -> list[tuple[str, int, float]]:
    def read_all():
        if sum(1 for _ in formats.read_ndjson(path)) != count:
            raise SystemExit("read a different number of drawings than written")

    def loads_all():
        with open(path, "rb") as lines:
            for line in lines:
                json.loads(line)
    return [("read_ndjson, simplified (streamed)", count, timed(read_all)),
            ("(reference) json.loads of the same lines", count, timed(loads_all))]


def bench_export(directory: Path, big: Path, count: int, games: int, rng: random.Random) -> list:
    db = directory / "export.db"
    with Store(db) as store:
        lines = (record for _, record in zip(range(count), formats.read_ndjson(big)))
        store.insert_imported(lines, "big.ndjson")
        session = store.start_session()
        for _ in range(games):
            store.save_drawing(session, "player", game_drawing(rng), True, 900, 4000, [])
    with export.ConsentedDrawings([db]) as source:
        imported = tuple(word for word in source.words() if word != "player")
    rows = []
    for words, label, names in [(imported, f"imported, {len(imported)} categories", ("raw", "simplified", "npy", "npz")),
                                (("player",), "players', 1 category", ("raw", "simplified", "npy"))]:
        for name in names:
            settings = export.ExportSettings(formats=(name,), categories=words)
            result = export.export([db], directory / f"out-{name}-{len(words)}", settings)
            rows.append((f"export {name}, {label}", result.drawings, result.seconds))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=200_000, help="records in the generated ndjson")
    parser.add_argument("--export", type=int, default=20_000, help="imported records to export")
    parser.add_argument("--game", type=int, default=1_000, help="players' drawings to export")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    records = source_records(rng)
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.ndjson"
        size = write_big_ndjson(big, args.drawings, records)
        rows = bench_read(big, args.drawings)
        rows += bench_export(Path(tmp), big, min(args.export, args.drawings), args.game, rng)
    reference = rows[1][1] / rows[1][2]
    print(f"| {'what':44} | {'drawings':>8} | {'seconds':>7} | {'per second':>10} | {'x json.loads':>12} |")
    print(f"|{'-' * 46}|{'-' * 9}:|{'-' * 8}:|{'-' * 11}:|{'-' * 13}:|")
    for name, count, seconds in rows:
        print(f"| {name:44} | {count:8d} | {seconds:7.3f} | {count / seconds:10,.0f} | "
              f"{count / seconds / reference:12.2f} |")
    print(f"\nndjson: {size / 1e6:.0f} MB, {'real Quick, Draw! sample' if SAMPLE.is_dir() else 'synthetic'} "
          f"drawings repeated; Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
