"""A short soak (the 500-game one is `bench/bench_kiosk.py`): scripted visitors play 30 games on the
real kiosk with the bundled model and a fast clock; nothing crashes, every consented round with ink
is stored, the idle reset brings the attract loop back, and no screen of a visitor outlives them."""
from __future__ import annotations

import gc

from game.kiosk.autoplay import AutoplaySpec, Visitors, play_games
from game.kiosk.controller import Kiosk
from game_fixtures import make_app
from model.classify import Classifier
from model.store import Store


def test_thirty_games_of_scripted_visitors(tmp_path):
    journal = tmp_path / "journal"
    with Store(tmp_path / "soak.db") as store:
        app = make_app(store=store, classifier=Classifier.load(threads=1), kiosk=True, pin="582047",
                       payslip_dir=tmp_path / "payslips", fullscreen=True, seconds=4.0, rounds=3,
                       idle_seconds=20.0)
        try:
            kiosk = Kiosk(app).install()
            visitors = Visitors(AutoplaySpec(seed=11, journal=journal, walk_away=0.3))
            frames = play_games(app, kiosk, visitors, games=30, dt=1 / 15, max_frames=200_000)
            assert app.rounds.flush(5)
            visitors.after_frame(app)              # the last rounds are safe now: journaled too
            visitors.close()
            assert kiosk.games_started == 30 and frames < 200_000
            assert kiosk.games_finished >= 5 and kiosk.games_abandoned >= 3     # both endings happened
            assert app.running and not kiosk.errors
            lines = [line.split() for line in journal.read_text().splitlines() if line.startswith("round")]
            kept = [line[1] for line in lines if "consent=1" in line and "ink=1" in line]
            assert kept and "None" not in kept
            assert {d["key"] for d in store.drawings()} == set(kept)           # stored: exactly those
            assert store.integrity_check() == "ok"
            app.go_home()
            gc.collect()
            from game.scenes.base import Scene
            alive = [o for o in gc.get_objects() if isinstance(o, Scene)]
            assert [scene.name for scene in alive] == ["attract"]              # earlier screens are gone
        finally:
            app.close()
