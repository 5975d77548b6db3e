"""Benchmark of the drawing store: how many drawings per second it saves and imports.

Prints one small table. `save_drawing` is measured the way the game uses it: one commit per drawing,
realistic 10-stroke timed drawings with a few guess snapshots, a database file in a temp dir.
`insert_imported` takes Google-style records (the real Quick, Draw! sample beside the checkout when
present, given fresh key_ids so that each copy is new; synthetic ones otherwise), then imports the
same file again, which must add nothing. A row of `json.loads` over the same records tells how fast
this machine is.

    python bench/bench_store.py [--saves 2000] [--imports 40000]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.store import Store  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "quickdraw-sample"
SAVE_GOAL = 2_000     # save_drawing calls per second
IMPORT_GOAL = 20_000  # imported drawings per second


def game_drawing(rng: random.Random, strokes: int = 10, points: int = 20) -> list:
    """A timed drawing as the game records it: canvas pixels, ms since the first point."""
    drawing, t = [], 0
    for _ in range(strokes):
        x, y = rng.randint(100, 700), rng.randint(100, 500)
        xs, ys, ts = [], [], []
        for _ in range(points):
            x, y, t = x + rng.randint(-12, 12), y + rng.randint(-12, 12), t + rng.randint(12, 20)
            xs.append(x), ys.append(y), ts.append(t)
        drawing.append([xs, ys, ts])
        t += rng.randint(150, 400)  # pen up between strokes
    return drawing


def guess_snapshots(rng: random.Random, count: int = 8) -> list:
    words = ["cat", "dog", "lion", "tiger", "house", "car"]
    return [(500 * (i + 1), [(word, round(rng.random(), 4)) for word in rng.sample(words, 3)])
            for i in range(count)]


def import_records(count: int, rng: random.Random) -> list[dict]:
    """`count` Google-style records with unique key_ids."""
    if SAMPLE.is_dir():
        source = [json.loads(line) for path in sorted(SAMPLE.glob("*.ndjson"))
                  for line in path.read_text().splitlines()]
    else:
        source = [{"word": "cat", "countrycode": "US", "timestamp": "2017-03-21 16:12:14.28939 UTC",
                   "recognized": True, "drawing": [stroke[:2] for stroke in game_drawing(rng, 5, 12)]}
                  for _ in range(500)]
    return [dict(source[i % len(source)], key_id=f"bench{i}") for i in range(count)]


def timed(action) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a busy shared machine the second tells what
    the code costs, the first what a user would wait."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def bench_saves(directory: Path, count: int, rng: random.Random) -> tuple[int, tuple[float, float]]:
    drawings = [game_drawing(rng) for _ in range(50)]
    guesses = guess_snapshots(rng)
    with Store(directory / "saves.db") as store:
        session = store.start_session(kiosk="bench")

        def save_all():
            for i in range(count):
                store.save_drawing(session, "cat", drawings[i % 50], True, 3000, 9000, guesses)
        return count, timed(save_all)


def bench_imports(directory: Path, records: list[dict]) -> list[tuple[str, int, tuple[float, float]]]:
    with Store(directory / "imports.db") as store:
        added = []
        first = timed(lambda: added.append(store.insert_imported(records, "bench.ndjson")))
        again = timed(lambda: added.append(store.insert_imported(records, "bench.ndjson")))
        if added != [len(records), 0]:
            raise SystemExit(f"import counted {added}, expected [{len(records)}, 0]")
    return [("insert_imported, new drawings", len(records), first),
            ("insert_imported, all duplicates", len(records), again)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=2000, help="save_drawing calls to time")
    parser.add_argument("--imports", type=int, default=40000, help="records to import")
    args = parser.parse_args(argv)
    rng = random.Random(7)
    records = import_records(args.imports, rng)
    texts = [json.dumps(record) for record in records]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [("save_drawing (one commit each)", *bench_saves(Path(tmp), args.saves, rng))]
        rows += bench_imports(Path(tmp), records)
    rows.append(("(reference) json.loads of the same records", len(texts),
                 timed(lambda: [json.loads(text) for text in texts])))
    goals = {rows[0][0]: SAVE_GOAL, rows[1][0]: IMPORT_GOAL}
    print(f"| {'what':44} | {'drawings':>8} | {'wall s':>7} | {'per second':>10} | {'per CPU s':>10} | {'goal':>6} |")
    print(f"|{'-' * 46}|{'-' * 9}:|{'-' * 8}:|{'-' * 11}:|{'-' * 11}:|{'-' * 7}:|")
    for name, count, (wall, cpu) in rows:
        goal = goals.get(name)
        print(f"| {name:44} | {count:8d} | {wall:7.3f} | {count / wall:10,.0f} | {count / max(cpu, 1e-9):10,.0f} | "
              f"{f'{goal:,}' if goal else '':>6} |")
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"\nsample: {'real Quick, Draw! sample' if SAMPLE.is_dir() else 'synthetic records'}; "
          f"Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
