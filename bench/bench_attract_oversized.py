"""Benchmark of the attract loop with one oversized drawing in the store: it must not freeze the kiosk.

A database gets one drawing of a single 10**7-point stroke (80 MB of JSON, written straight into the
table as an older pennydraw or a raw import could have; today's store refuses it), then, in the second
scenario, 20 ordinary drawings after it. The real kiosk (App + Kiosk + bundled classifier with its
live guesser) shows its attract loop at the real 60 FPS pace for `--seconds`, counted from the
start of the kiosk (which picks the first drawing). Printed per scenario: seconds to the first frame,
frames shown, frames per second, frame work p50 / p99 / max, replays started, and the process's
resident memory at the end and at its peak. (Before the canvas and screens bounded drawings:
22 frames in 60 s at 4.9 GB.)

Goal: about 60 FPS, frame work p99 under 20 ms, memory as without the drawing (a few hundred MB).

    python bench/bench_attract_oversized.py [--seconds 30] [--points 10000000]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench_kiosk (bench/ is the script's folder, first on sys.path) sets the headless drivers and puts
# the repository on sys.path when imported: it comes first.
from bench_kiosk import ROOT, kiosk_app, rss_mb
from bench_frames import percentile
from model.classify import Classifier

# Run in a child process, so that building 80 MB of JSON does not count in this one's memory.
BUILD = """
import sys
from model.store import Store
from model.store.codec import utc_iso
db, points, normal = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with Store(db) as store:
    session = store.start_session()
    reps = points // 250   # a zigzag over the whole canvas, 250 points at a time
    xs = ",".join([",".join(str(i) for i in range(250))] * reps)
    ys = ",".join([",".join(str((i * 7) % 250) for i in range(250))] * reps)
    text = "[[[" + xs + "],[" + ys + "]]]"
    with store.db.conn:
        store.db.conn.execute("INSERT INTO drawings (key, session_id, word, drawing, recognized, created_at) "
                              "VALUES ('oversized', ?, 'cat', ?, 0, ?)", (session.id, text, utc_iso()))
    for i in range(normal):
        xs = list(range(0, 600, 15))
        store.save_drawing(session, "sun", [[xs, [300 + (x * (i + 3)) % 90 for x in xs],
                                             [j * 40 for j in range(len(xs))]]], True, 500, 1600, [])
    for _ in range(3):
        store.start_session()   # later visitors: every drawing above may be replayed
"""


def scenario(name: str, folder: Path, classifier, points: int, normal: int, seconds: float) -> None:
    db = folder / f"{name}.db"
    subprocess.run([sys.executable, "-c", BUILD, str(db), str(points), str(normal)], cwd=ROOT, check=True)
    began = time.perf_counter()
    app, kiosk = kiosk_app(db, classifier)   # the attract loop picks its first drawing here
    times, first = [], time.perf_counter() - began
    try:
        while time.perf_counter() - began < seconds:
            started = time.perf_counter()
            app.step([], 1 / 60)
            times.append(time.perf_counter() - started)
            time.sleep(max(0.0, 1 / 60 - (time.perf_counter() - started)))
        elapsed = time.perf_counter() - began
        shown = getattr(app.scene, "shown", 0)
    finally:
        app.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times = times or [float("nan")]
    print(f"{name:<22} {first:>7.1f} {len(times):>7} {len(times) / elapsed:>6.1f} "
          f"{percentile(times, 50) * 1000:>8.2f} {percentile(times, 99) * 1000:>8.2f} {max(times) * 1000:>9.1f} "
          f"{shown:>8} {rss_mb():>8.0f} {peak:>8.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of attract loop per scenario")
    parser.add_argument("--points", type=int, default=10_000_000, help="points of the oversized stroke")
    args = parser.parse_args(argv)
    classifier = Classifier.load(threads=1)
    print(f"one stroke of {args.points:,} points in the store; {args.seconds:g} s of attract loop each")
    print(f"{'scenario':<22} {'start s':>7} {'frames':>7} {'FPS':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>9} "
          f"{'replays':>8} {'RSS MB':>8} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="pennydraw-oversized-") as folder:
        scenario("oversized alone", Path(folder), classifier, args.points, 0, args.seconds)
        scenario("oversized + 20 others", Path(folder), classifier, args.points, 20, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
