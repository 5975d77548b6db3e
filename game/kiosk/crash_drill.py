"""The crash drill: kill the kiosk at random moments, restart it each time, and check nothing was lost.

    python -m game.kiosk.crash_drill --kills 50 [--seed 1] [--workdir DIR]

Each cycle starts `pennydraw --kiosk` (as `python -m game`) with scripted visitors (`autoplay.py`, a fast clock) on a
scratch database, waits until it shows its first frame (or, for some cycles, not even that), lets the
visitors play for a random moment and sends SIGKILL, the one signal nothing can catch, as a power
cut or the kernel's out-of-memory killer would. In some cycles the drill itself holds the database's
write lock meanwhile, as a long import on the live database would, so that finished rounds can only
wait in the game's journal when the kill comes. After the last kill the kiosk must come back once
more and stop cleanly on SIGTERM. Then:

- every round the visitors' journal says was safe (recorded with consent and ink) before a kill is in
  the database once (a round is committed moments after it ends, and kept in the game's own journal
  of pending rounds until then, replayed at the next start: `game/round_writer.py`);
- `PRAGMA integrity_check` (and the foreign keys) say "ok";
- the kiosk came back after every kill.

The drill never touches a real database: it works in its own folder (a temporary one by default).
Operators can run it on the exhibition machine itself, to see the kiosk recover there.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from model.locations import child_environment, module_command


@dataclass
class DrillResult:
    kills: int = 0
    early_kills: int = 0                 # killed before its first frame (during start-up)
    locked_cycles: int = 0               # cycles in which the drill held the database's write lock
    comebacks: int = 0                   # starts that reached their first frame
    failed_starts: list[str] = field(default_factory=list)
    rounds_journaled: int = 0            # rounds recorded with consent and ink, per the journal
    missing: list[str] = field(default_factory=list)   # journaled rounds (their keys) not in the database
    duplicates: int = 0                  # drawings stored more than once (by key)
    drawings_in_db: int = 0
    integrity: str = ""
    clean_exit_code: int | None = None
    startup_seconds: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (not self.failed_starts and not self.missing and not self.duplicates and self.integrity == "ok"
                and self.clean_exit_code == 0 and self.comebacks == self.kills - self.early_kills + 1)


def kiosk_command(workdir: Path, journal: Path, seed: int, speed: float) -> list[str]:
    return module_command("game", "--kiosk", "--db", str(workdir / "drill.db"), "--mute", "--seconds", "3",
                          "--rounds", "3", "--pin", "582047", "--retrain-every", "0",
                          "--log", str(workdir / "kiosk.log"),
                          "--autoplay", f"seed={seed},speed={speed},journal={journal}")


def wait_until_ready(process: subprocess.Popen, journal: Path, timeout: float) -> float | None:
    """Seconds until the kiosk wrote `ready PID` to the journal; None if it died or took too long."""
    started, marker = time.monotonic(), f"ready {process.pid}\n"
    while time.monotonic() - started < timeout:
        if journal.exists() and marker in journal.read_text(encoding="utf-8"):
            return time.monotonic() - started
        if process.poll() is not None:
            return None
        time.sleep(0.05)
    return None


def check_database(db: Path, journal: Path, result: DrillResult) -> None:
    from model.store import Store

    expected = []
    for line in journal.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if parts and parts[0] == "round" and "consent=1" in parts and "ink=1" in parts:
            expected.append(parts[1])
    result.rounds_journaled = len(expected)
    with Store(db) as store:
        result.integrity = store.integrity_check()
        stored = [row[0] for row in store.db.execute("SELECT key FROM drawings")]
    result.drawings_in_db = len(stored)
    result.duplicates = len(stored) - len(set(stored))
    result.missing = [key for key in expected if key not in set(stored)]


class WriteLock:
    """The database's write lock, held by the drill (`BEGIN IMMEDIATE`) as a long import holds it."""

    def __init__(self, db: Path) -> None:
        import sqlite3
        self.conn = sqlite3.connect(db, isolation_level=None, timeout=10)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()


def run_drill(workdir: Path, kills: int = 10, seed: int = 0, alive: tuple[float, float] = (1.0, 4.0),
              early_share: float = 0.15, locked_share: float = 0.3, speed: float = 20.0,
              startup_timeout: float = 120.0, progress=None) -> DrillResult:
    """Kill and restart the kiosk `kills` times in `workdir` (holding the database's write lock in
    `locked_share` of the cycles), then check the database."""
    workdir.mkdir(parents=True, exist_ok=True)
    journal = workdir / "journal.txt"
    env = child_environment({**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"})
    rng, result, began = random.Random(seed), DrillResult(), time.monotonic()
    with open(workdir / "stderr.txt", "ab") as stderr:
        def start(cycle: int) -> subprocess.Popen:
            return subprocess.Popen(kiosk_command(workdir, journal, seed * 1000 + cycle, speed), env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)

        for cycle in range(kills + 1):
            process = start(cycle)
            last = cycle == kills
            if not last and rng.random() < early_share:
                time.sleep(rng.uniform(0.0, 1.0))   # somewhere in start-up: imports, checks, migrations
                result.early_kills += 1
            else:
                ready = wait_until_ready(process, journal, startup_timeout)
                if ready is None:
                    result.failed_starts.append(f"cycle {cycle}: exit code {process.poll()}")
                else:
                    result.comebacks += 1
                    result.startup_seconds.append(ready)
                    lock = None
                    if not last and rng.random() < locked_share and (workdir / "drill.db").exists():
                        lock = WriteLock(workdir / "drill.db")   # rounds can only go to the journal now
                        result.locked_cycles += 1
                    time.sleep(rng.uniform(*alive))
                    if lock is not None:
                        process.kill()   # still locked: what finished is in the game's journal only
                        process.wait()
                        lock.release()
            if last:
                process.send_signal(signal.SIGTERM)
                try:
                    result.clean_exit_code = process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    result.clean_exit_code = process.wait()
            else:
                if process.poll() is None:
                    process.kill()
                    process.wait()
                result.kills += 1
            if progress:
                progress(cycle, result)
    check_database(workdir / "drill.db", journal, result)
    result.seconds = time.monotonic() - began
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m game.kiosk.crash_drill", description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="SIGKILLs, each followed by a restart (default 50)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the moments and the visitors")
    parser.add_argument("--workdir", type=Path, help="where the scratch database goes (default: a temporary folder)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pennydraw-drill-") as scratch:
        workdir = args.workdir or Path(scratch)
        result = run_drill(workdir, args.kills, args.seed,
                           progress=lambda cycle, r: print(f"cycle {cycle}: {r.kills} kills, {r.comebacks} comebacks",
                                                          flush=True))
    print(format_result(result))
    return 0 if result.ok else 1


def format_result(result: DrillResult) -> str:
    starts = sorted(result.startup_seconds)
    median = starts[len(starts) // 2] if starts else float("nan")
    return "\n".join([
        f"kills (SIGKILL)            {result.kills} ({result.early_kills} during start-up, "
        f"{result.locked_cycles} while the database was locked)",
        f"came back (first frame)    {result.comebacks} of {result.kills - result.early_kills + 1} waited for",
        f"failed starts              {len(result.failed_starts)} {result.failed_starts[:3]}",
        f"start to first frame       median {median:.2f} s, max {max(starts, default=float('nan')):.2f} s",
        f"rounds journaled (stored)  {result.rounds_journaled}",
        f"missing from the database  {len(result.missing)} {result.missing[:5]}",
        f"stored twice               {result.duplicates}",
        f"drawings in the database   {result.drawings_in_db}",
        f"integrity_check            {result.integrity}",
        f"clean stop (SIGTERM) exit  {result.clean_exit_code}",
        f"duration                   {result.seconds:.0f} s",
        f"verdict                    {'OK' if result.ok else 'FAILED'}",
    ])


if __name__ == "__main__":
    sys.exit(main())
