"""The kiosk after a crash: start-up checks of the database and the model, the rotating log, and the
real kiosk process (`play.py --kiosk`) ignoring Ctrl+C and stopping cleanly on SIGTERM."""
from __future__ import annotations

import logging
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.kiosk.logs import LogConfig, close_kiosk_logging, format_fields, setup_kiosk_logging
from game.kiosk.startup_checks import StartupReport, check_database, choose_model
from model.classify import BUNDLED_PATH
from model.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[1]


def filled_store(path, drawings=40):
    with Store(path) as store:
        session = store.start_session()
        for i in range(drawings):
            store.save_drawing(session, "cat", [[list(range(50)), [i] * 50, list(range(0, 500, 10))]],
                               False, None, 500, [(100, [("cat", 0.4)])])
    return path


def corrupt(path, offset=4096, length=3000):
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(os.urandom(length))


def test_a_sound_or_missing_database_passes(tmp_path):
    report = StartupReport()
    check_database(tmp_path / "new.db", report)
    assert report.database == "new" and not (tmp_path / "new.db").exists()
    report = StartupReport()
    check_database(filled_store(tmp_path / "ok.db"), report)
    assert report.database == "ok" and "integrity ok" in report.notes[0]


def test_an_index_out_of_step_with_its_table_is_rebuilt_in_place(tmp_path, caplog):
    db = filled_store(tmp_path / "kiosk.db", drawings=50)
    conn = sqlite3.connect(db)   # make an index disagree with its rows, as a torn write could
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("""UPDATE sqlite_master SET sql = replace(sql, '("word", "id")', '("duration_ms", "id")')
                    WHERE name = 'idx_drawings_word_id'""")
    conn.commit()
    conn.close()
    report = StartupReport()
    with caplog.at_level(logging.WARNING, logger="pennydraw.startup"):
        check_database(db, report)
    assert "missing from index" in caplog.text and report.database == "reindexed" and db.exists()
    with Store(db) as store:
        assert store.integrity_check() == "ok" and store.count_drawings() == 50


def damage_table_pages(path):
    """Scribble over the cells of the table pages in the second half of the file: REINDEX fails too."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        for page in range(size // 2 // 4096 * 4096, size, 4096):
            handle.seek(page + 100)
            handle.write(b"\xff" * 64)


def garble_schema_name(path, table="drawings"):
    """Bytes that are not UTF-8 in a table's name in sqlite_master: SQLite's error message quotes them."""
    data = path.read_bytes()
    offset = data.index(f"table{table}{table}".encode()) + len("table")
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(b"\x9a\x9a")


@pytest.mark.parametrize("damage", ["pages", "table pages", "schema name", "not a database"])
def test_a_damaged_database_is_moved_aside_and_a_new_one_started(tmp_path, caplog, damage):
    db = filled_store(tmp_path / "kiosk.db", drawings=300)
    if damage == "pages":
        corrupt(db, offset=8192, length=20000)
    elif damage == "table pages":      # an index rebuild cannot help: it must not crash the start either
        damage_table_pages(db)
    elif damage == "schema name":
        garble_schema_name(db)
    else:
        db.write_bytes(b"this is not an SQLite file at all" * 100)
    original = db.read_bytes()
    report = StartupReport()
    with caplog.at_level(logging.ERROR, logger="pennydraw.startup"):
        check_database(db, report)
    assert report.database == "replaced" and not db.exists()
    assert report.moved_to.read_bytes() == original           # kept for the operator, byte for byte
    assert "damaged" in caplog.text and ".recover" in caplog.text
    with Store(db) as store:                                   # the kiosk can start on a fresh file
        assert store.integrity_check() == "ok"


def test_a_second_damaged_database_at_the_same_clock_time_keeps_the_first(tmp_path):
    from datetime import datetime

    from game.kiosk.startup_checks import quarantine
    db, boot = tmp_path / "kiosk.db", datetime(1970, 1, 1, 0, 0, 30)   # no clock battery, no network
    moved = []
    for content in (b"first damaged file", b"second damaged file"):
        db.write_bytes(content)
        db.with_name("kiosk.db-wal").write_bytes(content + b" wal")
        moved.append(quarantine(db, now=boot))
    assert moved[0] != moved[1] and not db.exists()
    assert [path.read_bytes() for path in moved] == [b"first damaged file", b"second damaged file"]
    assert moved[1].with_name(moved[1].name + "-wal").read_bytes() == b"second damaged file wal"


def test_a_database_of_a_newer_pennydraw_is_not_moved(tmp_path):
    db = filled_store(tmp_path / "kiosk.db", drawings=1)
    with Store(db) as store:
        store.db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                         "VALUES ('pennydraw', 'm999_future', '2030-01-01')")
        store.db.conn.commit()
    with pytest.raises(StoreError, match="newer pennydraw"):
        check_database(db, StartupReport())
    assert db.exists()


def test_the_model_falls_back_to_the_bundled_one_with_a_log_line(tmp_path, caplog):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not a checkpoint")
    with Store(tmp_path / "k.db") as store:
        for wanted in (broken, tmp_path / "absent.pt"):
            report = StartupReport()
            with caplog.at_level(logging.WARNING, logger="pennydraw.startup"):
                classifier = choose_model(store, wanted, report)
            assert report.fell_back and report.model_path is None and classifier.path == BUNDLED_PATH
            assert f"model {wanted} (--model) is unusable" in caplog.text and "bundled" in caplog.text
        # The store's active model (the last one learned on site) is what a restart loads...
        good = tmp_path / "onsite.pt"
        shutil.copy(BUNDLED_PATH, good)
        store.record_model("onsite-1", good, 100, {"top1": 0.5})
        report = StartupReport()
        choose_model(store, None, report)
        assert report.model_path == good and not report.fell_back
        # ...unless its file went missing.
        good.unlink()
        report = StartupReport()
        choose_model(store, None, report)
        assert report.fell_back and report.model_path is None and "active model onsite-1" in caplog.text


def test_the_log_rotates_and_never_grows_without_bound(tmp_path):
    path = setup_kiosk_logging(tmp_path / "logs" / "kiosk.log", LogConfig(max_bytes=2000, backups=2))
    try:
        for number in range(200):
            logging.getLogger("pennydraw.kiosk").info(format_fields("game finished", number=number, note="a b"))
    finally:
        close_kiosk_logging()
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2"]
    assert all(p.stat().st_size <= 2200 for p in path.parent.iterdir())
    assert "game finished number=199 note='a b'" in path.read_text()


def test_a_crash_at_start_leaves_its_traceback_in_the_kiosk_log(tmp_path, monkeypatch):
    import game.kiosk.run
    from game.settings import settings_from_args

    for name in ("SDL_NO_SIGNAL_HANDLERS", "SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS"):
        monkeypatch.setenv(name, os.environ.get(name, ""))   # kiosk_main sets them; undone after the test

    def broken_disk_check(path, report):
        raise RuntimeError("an unforeseen bug")
    monkeypatch.setattr(game.kiosk.run, "check_disk", broken_disk_check)
    log_path = tmp_path / "kiosk.log"
    settings = settings_from_args(["--kiosk", "--db", str(tmp_path / "kiosk.db"), "--log", str(log_path),
                                   "--mute", "--retrain-every", "0"])
    with pytest.raises(RuntimeError):
        game.kiosk.run.kiosk_main(settings)
    text = log_path.read_text()
    assert "the kiosk crashed" in text and "RuntimeError: an unforeseen bug" in text


def test_the_kiosk_process_ignores_ctrl_c_and_stops_cleanly_on_sigterm(tmp_path):
    db = filled_store(tmp_path / "kiosk.db", drawings=300)
    corrupt(db, offset=8192, length=20000)                    # as a power cut might leave it
    broken_model = tmp_path / "broken.pt"
    broken_model.write_bytes(b"\0" * 100)
    journal, log_path = tmp_path / "journal", tmp_path / "kiosk.log"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "play.py"), "--kiosk", "--db", str(db), "--model", str(broken_model),
         "--mute", "--pin", "582047", "--log", str(log_path), "--retrain-every", "0",
         "--autoplay", f"seed=5,speed=4,journal={journal}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 90
        while not (journal.exists() and "ready" in journal.read_text()):
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        time.sleep(1.0)
        assert process.poll() is None                          # Ctrl+C is a visitor's key: ignored
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log_path.read_text()
    assert "is damaged" in text and "started a new one" in text
    assert "is unusable" in text and "falling back to the bundled model" in text
    assert "kiosk ready" in text and "kiosk stopped reason=SIGTERM" in text
    assert list(tmp_path.glob("kiosk.db.damaged-*"))
    with Store(db) as store:
        assert store.integrity_check() == "ok"


def test_the_systemd_unit_restarts_for_ever_except_after_the_operator_exit(tmp_path):
    import configparser
    import shlex

    from game.kiosk.controller import OPERATOR_EXIT_CODE
    from game.settings import settings_from_args

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str
    unit.read(ROOT / "deploy" / "pennydraw-kiosk.service")
    service = unit["Service"]
    assert service["Restart"] == "always" and service["RestartSec"] == "2"
    assert unit["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["RestartPreventExitStatus"] == str(OPERATOR_EXIT_CODE)
    command = shlex.split(service["ExecStart"])
    assert command[1] == "play.py"
    config = tmp_path / "kiosk.toml"    # the example, once the operator has set a PIN (it ships none)
    example = (ROOT / "deploy" / "kiosk.toml.example").read_text()
    assert 'pin = "SET-YOUR-OWN-PIN"' in example
    config.write_text(example.replace("SET-YOUR-OWN-PIN", "582047"))
    arguments = [str(config) if part == "/etc/pennydraw/kiosk.toml" else part for part in command[2:]]
    settings = settings_from_args(arguments)                 # the unit's options are the game's own
    assert settings.kiosk and settings.pin == "582047" and settings.idle_seconds == 45
