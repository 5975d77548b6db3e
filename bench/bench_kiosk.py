"""Benchmark of the exhibition kiosk: a soak of hundreds of games, and the frame rate while it retrains.

1. Soak: the real kiosk (App + Kiosk controller + bundled classifier + a real SQLite file) played by
   scripted visitors (`game.kiosk.autoplay`) on a fast clock, frame after frame without waiting, until they
   have started `--games` games (default 500). Visitors tap, consent or not, draw, walk away (the idle
   reset brings the attract loop back), play again. Printed: resident memory (RSS) and frame work over
   time, crashes, and the verdicts: >= 500 games, no crash, RSS growth < 50 MB.
2. Learning on site: the kiosk at its real 60 FPS pace for `--train-seconds`, first alone, then while
   a real retraining job (`model.retrain_job`, nice 19 + SCHED_IDLE, its default threads) runs beside it on a
   database of generated drawings. Printed: frame work p50/p99 and the real frame rate of both runs.

    python bench/bench_kiosk.py [--games 500] [--train-seconds 20] [--skip-soak] [--skip-training]

The 50-kill crash drill is `bench/bench_kiosk_crash.py`.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pygame  # noqa: E402

from bench_frames import percentile  # noqa: E402  (bench/ is the script's folder, first on sys.path)
from game.app import App  # noqa: E402
from game.kiosk.autoplay import AutoplaySpec, Visitors  # noqa: E402
from game.kiosk.controller import Kiosk  # noqa: E402
from game.settings import Settings  # noqa: E402
from game.voice import Voice  # noqa: E402
from model.classify import Classifier  # noqa: E402
from model.store import Store  # noqa: E402

RSS_GOAL_MB = 50.0


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2 ** 20


def kiosk_app(db: Path, classifier, **settings) -> tuple[App, Kiosk]:
    settings = Settings(kiosk=True, fullscreen=True, mute=True, pin="582047", retrain_every=0,
                        payslip_dir=db.parent / "payslips", **settings)
    store = Store(db)
    app = App(settings, classifier=classifier, store=store, voice=Voice(enabled=False),
              rng=random.Random(0)).start()
    return app, Kiosk(app).install()


def soak(games: int, classifier, folder: Path, dt: float, seed: int) -> bool:
    app, kiosk = kiosk_app(folder / "soak.db", classifier, seconds=5.0, rounds=6, verdict_seconds=1.0)
    visitors = Visitors(AutoplaySpec(seed=seed))
    rows, window, frames, crashes = [], [], 0, 0
    began, start_rss, every = time.perf_counter(), rss_mb(), max(1, games // 20)
    next_sample = every
    try:
        while kiosk.games_started < games:
            events = visitors.events(app, dt)
            started = time.perf_counter()
            try:
                app.step(events, dt)
            except Exception as error:   # counted, then the kiosk's own guard takes over as in production
                crashes += 1
                kiosk.recover(error)
            window.append(time.perf_counter() - started)
            frames += 1
            if kiosk.games_started >= next_sample:
                rows.append((kiosk.games_started, frames, frames * dt / 3600, rss_mb(),
                             1000 * statistics.median(window), 1000 * percentile(window, 99), 1000 * max(window)))
                window, next_sample = [], next_sample + every
        wall = time.perf_counter() - began
        totals = app.store.totals()
        integrity = app.store.integrity_check()
        size = app.window_size
    finally:
        app.close()
        app.store.close()
    print(f"soak: {games} games by scripted visitors, fast clock ({dt:.3f} game s per frame, no waiting), "
          f"kiosk at {size[0]}x{size[1]} (dummy driver), rounds of 5 s, "
          f"classifier {classifier.version!r}")
    header = f"{'games':>6} {'frames':>8} {'game h':>7} {'RSS MB':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        print(f"{row[0]:>6} {row[1]:>8} {row[2]:>7.2f} {row[3]:>7.1f} {row[4]:>7.2f} {row[5]:>7.2f} {row[6]:>7.1f}")
    # The goal is on the whole growth, from before the first game: weeks of play must not add more.
    # The first tenth of the games fills the bounded caches (fonts and text in three languages,
    # thumbnails, rendered buttons), so the growth after it is printed too: what weeks would add.
    warm_row = next((row for row in rows if row[0] >= games // 10), rows[0]) if rows else None
    warm = warm_row[3] if warm_row else start_rss
    end_rss = rows[-1][3] if rows else rss_mb()
    growth = end_rss - start_rss
    print(f"games started {kiosk.games_started}, finished {kiosk.games_finished}, abandoned "
          f"{kiosk.games_abandoned}; {totals['drawings']} drawings stored; integrity {integrity}; "
          f"{crashes} crashed frames; {frames} frames in {wall:.0f} s wall, {frames * dt / 3600:.2f} h of game time")
    print(f"RSS: {start_rss:.1f} MB before the first game, {warm:.1f} MB after {warm_row[0] if rows else 0} games, "
          f"{end_rss:.1f} MB at the end: growth {growth:+.1f} MB in all (goal < {RSS_GOAL_MB:.0f} MB), "
          f"{end_rss - warm:+.1f} MB after the warm-up")
    ok = kiosk.games_started >= 500 and crashes == 0 and growth < RSS_GOAL_MB and integrity == "ok"
    print(f"verdict: {'meets' if ok else 'MISSES'} (>= 500 games, no crash, RSS growth < {RSS_GOAL_MB:.0f} MB)\n")
    return ok


def paced_run(app: App, visitors: Visitors, seconds: float) -> dict:
    """The kiosk at its real pace (clock.tick(fps)) for `seconds`: frame work and real frame rate."""
    work, intervals = [], []
    app.clock.tick()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        dt = app.clock.tick(app.settings.fps) / 1000.0
        events = visitors.events(app, dt)
        started = time.perf_counter()
        app.step(events, dt)
        pygame.display.flip()
        work.append(time.perf_counter() - started)
        intervals.append(dt)
        visitors.after_frame(app)
    return {"work": work, "fps": len(intervals) / max(1e-9, sum(intervals)), "p99_interval": percentile(intervals, 99)}


def training(seconds: float, classifier, folder: Path, wait: float) -> None:
    from game.learning import LearningConfig, OnSiteLearning
    from model import synth
    from model.onsite import ONSITE_THREADS

    db = folder / "learning.db"
    with Store(db) as store:
        session = store.start_session()
        for category, drawing in synth.generate_dataset(list(classifier.categories), 40, seed=11):
            store.save_drawing(session, category, drawing, True, None, 3000, [])
    app, _ = kiosk_app(db, classifier, seconds=20.0)
    visitors = Visitors(AutoplaySpec(seed=3, walk_away=0.0))
    learning = OnSiteLearning(app.store, db, every=100, current_path=None, config=LearningConfig(synthetic=50))
    rows = []
    try:
        rows.append(("kiosk alone", paced_run(app, visitors, seconds), None))
        learning.maybe_start(app.store.count_drawings())
        job_started = time.monotonic()
        time.sleep(3.0)   # past the job's imports: training proper is under way
        result = paced_run(app, visitors, seconds)
        rows.append(("kiosk + retraining", result, learning.running))
        deadline = time.monotonic() + wait
        while learning.running and time.monotonic() < deadline:
            learning.poll()
            time.sleep(0.5)
        outcome = learning.poll()
        job_seconds = time.monotonic() - job_started
    finally:
        learning.close()
        app.close()
        app.store.close()
    print(f"learning on site: {seconds:g} s of kiosk play at 60 FPS per run; retraining on "
          f"{len(classifier.categories) * 40} drawings + 50 generated per category, nice 19, SCHED_IDLE, {ONSITE_THREADS} thread(s); "
          f"{os.cpu_count()} CPU cores")
    header = (f"{'run':<20} {'frames':>6} {'fps':>6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
              f"{'p99 gap ms':>10} {'job running':>11}")
    print(header)
    print("-" * len(header))
    for label, result, running in rows:
        ms = [1000 * w for w in result["work"]]
        print(f"{label:<20} {len(ms):>6} {result['fps']:>6.1f} {statistics.median(ms):>7.2f} "
              f"{percentile(ms, 99):>7.2f} {max(ms):>7.2f} {1000 * result['p99_interval']:>10.1f} {'-' if running is None else str(running):>11}")
    if outcome is not None:
        print(f"retraining took {job_seconds:.0f} s: {outcome.data.get('reason')}")
    elif learning.running:
        print(f"retraining still running after {job_seconds:.0f} s (stopped by the benchmark)")
    else:
        reason = "no outcome file (see retrain.log)"
        if learning.result_file is not None and learning.result_file.exists():
            import json
            reason = json.loads(learning.result_file.read_text()).get("reason", "?")
        print(f"retraining took {job_seconds:.0f} s, model not swapped in: {reason}")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=500, help="games in the soak (default 500)")
    parser.add_argument("--dt", type=float, default=1 / 15, help="game seconds per soak frame (default 1/15)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--train-seconds", type=float, default=20.0, help="paced play per run (default 20)")
    parser.add_argument("--train-wait", type=float, default=300.0, help="how long to let the retraining finish")
    parser.add_argument("--skip-soak", action="store_true")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args(argv)
    classifier = Classifier.load(threads=1)
    classifier.predict([[[0, 10], [0, 10]]])
    ok = True
    with tempfile.TemporaryDirectory(prefix="pennydraw-bench-kiosk-") as folder:
        if not args.skip_soak:
            ok = soak(args.games, classifier, Path(folder), args.dt, args.seed)
        if not args.skip_training:
            training(args.train_seconds, classifier, Path(folder), args.train_wait)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
