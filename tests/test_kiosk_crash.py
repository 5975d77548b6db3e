"""The crash drill, 10 kills (the 50-kill run is `bench/bench_kiosk_crash.py`): the real kiosk with
scripted visitors in a subprocess, SIGKILLed at random moments and restarted each time. Every round
recorded before a kill must be in the database, `PRAGMA integrity_check` must say ok, and the kiosk
must come back every time and stop cleanly at the end."""
from __future__ import annotations

from game.kiosk.crash_drill import format_result, run_drill


def test_the_kiosk_survives_ten_random_sigkills_without_losing_a_round(tmp_path):
    result = run_drill(tmp_path, kills=10, seed=7)
    report = format_result(result)
    assert result.kills == 10, report
    assert not result.failed_starts, report
    assert result.comebacks == 10 - result.early_kills + 1, report       # came back after every kill
    assert result.rounds_journaled >= 5, report                          # the drill really played
    assert result.missing == [], report                                  # nothing finished was lost
    assert result.drawings_in_db >= result.rounds_journaled, report
    assert result.integrity == "ok", report
    assert result.clean_exit_code == 0 and result.ok, report
