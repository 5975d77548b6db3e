"""Benchmark of the store's write lock under a long import and merge: how long another program waits.

`python -m model import` of a big file (400k lines by default, the real Quick, Draw! sample repeated
with fresh key_ids) runs in a subprocess on a database the "game" uses at the same time, then
`python -m model merge` copies that database into a fresh one the game uses. Meanwhile, in this process:

- a probe tries to take the write lock without waiting (`BEGIN IMMEDIATE`, busy timeout 0) every 2 ms;
  the longest run of failures is the longest time the command held the lock at once (to ~2 ms);
- a player saves a drawing (`save_drawing`, one commit, the store's own busy timeout) every 100 ms;
  the worst time one took, and how many failed ("database is locked", a lost round without the
  game's writer thread).

Prints one table; "CPU s" is the command's own CPU time, which the machine's load does not change
as it does the wall time. Needs a few hundred MB in the temp dir for the file.

    python bench/bench_store_locks.py [--lines 400000]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model.store import Store, StoreError  # noqa: E402

SAMPLE = ROOT.parent / "shared" / "quickdraw-sample"
HOLD_GOAL_S = 1.0   # the longest a long command may hold the write lock at once
SAVE_GOAL_S = 1.0   # the longest a player's save may wait meanwhile
CAT = [[[10, 20, 30], [40, 50, 40], [0, 16, 33]], [[25, 26], [60, 61], [400, 420]]]


def write_big_file(path: Path, lines: int, sample: Path = SAMPLE) -> None:
    if sample.is_dir():
        source = [json.loads(line) for file in sorted(sample.glob("*.ndjson"))
                  for line in file.read_text().splitlines()]
    else:
        source = [{"word": "cat", "countrycode": "US", "timestamp": "2017-03-21 16:12:14.28939 UTC",
                   "recognized": True, "drawing": [[[0, 50, 255], [10, 200, 30]]]}]
    with path.open("w") as out:
        for number in range(lines):
            out.write(json.dumps(dict(source[number % len(source)], key_id=f"lock{number}")) + "\n")


def _children_cpu() -> float:
    """CPU seconds of the finished subprocesses: what the command cost, whatever the machine's load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Watch:
    """The probe and the player, in threads, while `command` runs."""

    def __init__(self, db: Path):
        self.db, self.stop = db, threading.Event()
        self.longest_hold, self.saves, self.failed, self.worst_save = 0.0, 0, 0, 0.0

    def probe(self) -> None:
        conn = sqlite3.connect(self.db, timeout=0, isolation_level=None)
        busy_since = None
        while not self.stop.is_set():
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                if busy_since is not None:
                    self.longest_hold = max(self.longest_hold, time.perf_counter() - busy_since)
                busy_since = None
            except sqlite3.OperationalError:
                busy_since = busy_since or time.perf_counter()
            time.sleep(0.002)
        if busy_since is not None:
            self.longest_hold = max(self.longest_hold, time.perf_counter() - busy_since)
        conn.close()

    def player(self) -> None:
        with Store(self.db) as store:
            session = store.start_session(kiosk="bench")
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    store.save_drawing(session, "cat", CAT, True, 420, 1500)
                    self.saves += 1
                except StoreError:
                    self.failed += 1
                self.worst_save = max(self.worst_save, time.perf_counter() - started)
                time.sleep(0.1)

    def run(self, command: list[str]) -> float:
        threads = [threading.Thread(target=self.probe), threading.Thread(target=self.player)]
        for thread in threads:
            thread.start()
        started, cpu = time.perf_counter(), _children_cpu()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-P", "-m", "model", *command], env=env,
                              capture_output=True, text=True)
        seconds = time.perf_counter() - started
        self.cpu = _children_cpu() - cpu
        self.stop.set()
        for thread in threads:
            thread.join()
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command[:1])} failed: {done.stderr.strip()}")
        return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=400_000, help="lines in the imported file")
    parser.add_argument("--sample", type=Path, default=SAMPLE,
                        help="the Quick, Draw! sample whose drawings fill the file (default: beside the checkout; "
                             "tiny synthetic drawings without it, which are much quicker to import)")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        big, live, merged = tmp / "big.ndjson", tmp / "live.db", tmp / "merged.db"
        write_big_file(big, args.lines, args.sample)
        for name, db, command in (("import", live, ["import", str(big), "--db", str(live)]),
                                  ("merge", merged, ["merge", str(merged), str(live)])):
            Store(db).close()
            watch = Watch(db)
            seconds = watch.run(command)
            rows.append((name, seconds, watch))
        with Store(merged) as store:
            if store.count_drawings() < args.lines:
                raise SystemExit(f"the merge holds {store.count_drawings()} drawings, expected {args.lines}+")
    print(f"| {'command':26} | {'wall s':>7} | {'CPU s':>6} | {'longest lock hold s':>19} | {'saves':>5} | "
          f"{'worst save s':>12} | {'failed saves':>12} |")
    print(f"|{'-' * 28}|{'-' * 8}:|{'-' * 7}:|{'-' * 20}:|{'-' * 6}:|{'-' * 13}:|{'-' * 13}:|")
    for name, seconds, watch in rows:
        print(f"| {name + f' ({args.lines:,} lines)':26} | {seconds:7.1f} | {watch.cpu:6.1f} | "
              f"{watch.longest_hold:19.3f} | {watch.saves:5d} | {watch.worst_save:12.3f} | {watch.failed:12d} |")
    print(f"\ngoals: lock held at most {HOLD_GOAL_S:g} s at once, a save waits at most {SAVE_GOAL_S:g} s, "
          f"none fails; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; drawings: "
          f"{'the real Quick, Draw! sample' if args.sample.is_dir() else 'synthetic'}")


if __name__ == "__main__":
    main()
