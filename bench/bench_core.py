"""The foundation's three numbers in one table: rasterize time, store saves per second, ndjson import rate.

Run from the repository root: `python bench/bench_core.py`. Uses the real Quick, Draw! sample beside
the checkout when it is there (else synthetic doodles). Goals (issue 2): rasterize < 0.3 ms a drawing,
>= 2,000 saves/s, >= 20,000 drawings/s import. `bench_store.py` and `bench_formats.py` go deeper.
"""
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from model.quickdraw import formats  # noqa: E402
from model.store import Store  # noqa: E402
from model.strokes import rasterize  # noqa: E402

SAMPLE = REPO_ROOT.parent / "shared" / "quickdraw-sample"


def sample_records(limit=3000):
    """Real simplified drawings from the sample, or random scribbles where it is absent."""
    records = []
    if SAMPLE.is_dir():
        for path in sorted(SAMPLE.glob("*.ndjson")):
            records += [json.loads(line) for line in path.read_text().splitlines()]
    rng = random.Random(0)
    while len(records) < limit:
        drawing = [[[rng.randint(0, 255) for _ in range(12)], [rng.randint(0, 255) for _ in range(12)]]
                   for _ in range(rng.randint(1, 8))]
        records.append({"word": "scribble", "key_id": str(len(records)), "drawing": drawing})
    return records[:limit]


def time_rasterize(drawings, repeats=3):
    """Milliseconds per drawing, per-drawing timings over `repeats` passes."""
    timings = []
    for _ in range(repeats):
        for drawing in drawings:
            start = time.perf_counter()
            rasterize(drawing)
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.99)]


def time_saves(folder, drawings, guesses):
    """save_drawing calls per second, each one its own committed transaction."""
    with Store(Path(folder) / "saves.db") as store:
        session = store.start_session()
        timed = [[s[0], s[1], [i * 16 for i in range(len(s[0]))]] for s in drawings[0]]
        start = time.perf_counter()
        for index in range(len(drawings)):
            store.save_drawing(session, "cat", timed, index % 2 == 0, 4200, 9000, guesses)
        return len(drawings) / (time.perf_counter() - start)


def time_import(folder, records, copies=10):
    """ndjson import into a fresh store, drawings per second (file read and parse included)."""
    path = Path(folder) / "import.ndjson"
    with open(path, "w") as out:
        for copy in range(copies):
            for index, record in enumerate(records):
                out.write(json.dumps(dict(record, key_id=f"{copy}-{index}")) + "\n")
    with Store(Path(folder) / "import.db") as store:
        transfer = formats.import_file(store, path)
    return transfer.written, transfer.rate


def main():
    records = sample_records()
    drawings = [r["drawing"] for r in records]
    guesses = [(t * 100, [("cat", 0.6), ("dog", 0.2), ("sun", 0.1)]) for t in range(8)]
    with tempfile.TemporaryDirectory() as folder:
        p50, p99 = time_rasterize(drawings)
        saves = time_saves(folder, drawings[:2000], guesses)
        imported, import_rate = time_import(folder, records)
    rows = [
        ("rasterize, one drawing (p50)", f"{p50:.3f} ms", "< 0.3 ms"),
        ("rasterize, one drawing (p99)", f"{p99:.3f} ms", ""),
        ("store save_drawing, one commit each", f"{saves:,.0f} /s", ">= 2,000 /s"),
        (f"ndjson import into the store ({imported:,} drawings)", f"{import_rate:,.0f} /s", ">= 20,000 /s"),
    ]
    print(f"| {'what':52} | {'measured':>12} | {'goal':>12} |")
    print(f"|{'-' * 54}|{'-' * 13}:|{'-' * 13}:|")
    for what, measured, goal in rows:
        print(f"| {what:52} | {measured:>12} | {goal:>12} |")
    print(f"\nload average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; "
          f"drawings: {'real Quick, Draw! sample' if SAMPLE.is_dir() else 'random scribbles'}")


if __name__ == "__main__":
    main()
