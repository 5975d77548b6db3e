"""The crash drill, 10 kills (the 50-kill run is `bench/bench_kiosk_crash.py`): the real kiosk with
scripted visitors in a subprocess, SIGKILLed at random moments and restarted each time, some of the
kills while the drill holds the database's write lock (as a long import would). Every round that was
safe before a kill must be in the database once, `PRAGMA integrity_check` must say ok, no journal of
pending rounds may be left, and the kiosk must come back every time and stop cleanly at the end."""
from __future__ import annotations

from game.kiosk.crash_drill import format_result, run_drill
from game.round_journal import journal_path


def test_the_kiosk_survives_ten_random_sigkills_without_losing_a_round(tmp_path):
    result = run_drill(tmp_path, kills=10, seed=7)
    report = format_result(result)
    assert result.kills == 10, report
    assert not result.failed_starts, report
    assert result.comebacks == 10 - result.early_kills + 1, report       # came back after every kill
    assert result.rounds_journaled >= 5, report                          # the drill really played
    assert result.locked_cycles >= 2, report                             # some kills hit a locked database
    assert result.missing == [] and result.duplicates == 0, report       # nothing finished was lost
    assert not journal_path(tmp_path / "drill.db").exists(), report      # all of it replayed and stored
    assert result.drawings_in_db >= result.rounds_journaled, report
    assert result.integrity == "ok", report
    assert result.clean_exit_code == 0 and result.ok, report
