"""One oversized drawing never freezes the kiosk: the canvas caps what a player draws at the limits of
`model/strokes.py`, and the screens that show stored drawings (the attract loop's replay, the game-over
and "how the machine knows" grids) bound what they decode and draw: a drawing beyond the limits is
skipped, a big one within them is thinned, each with a log line."""
from __future__ import annotations

import json
import logging
import random
import time

import pygame
import pytest

from game import bounded
from game.canvas import Canvas
from game.scenes.attract import pick_drawing
from game.sketch import Thumbnails
from game.ui import Pointer
from game_fixtures import make_app
from model import strokes
from model.store import Store
from model.store.codec import utc_iso


def raw_row(store, word: str, drawing) -> int:
    """A drawing (or its JSON text) written straight into the table, as an older pennydraw or a raw
    SQL import could have: the store's own checks refuse such drawings today."""
    session = store.start_session()
    text = drawing if isinstance(drawing, str) else json.dumps(drawing, separators=(",", ":"))
    with store.db.conn:
        return store.db.conn.execute(
            "INSERT INTO drawings (key, session_id, word, drawing, recognized, created_at) "
            "VALUES (?, ?, ?, ?, 0, ?)", (f"raw-{random.random()}", session.id, word, text, utc_iso())).lastrowid


def line(points: int, strokes_: int = 1):
    return [[[i % 255 for i in range(points)], [(i * 7) % 255 for i in range(points)]] for _ in range(strokes_)]


def huge_text(points: int) -> str:
    """The JSON of one stroke of `points` points, made without building the lists (a test stays quick)."""
    return "[[[" + "128," * (points - 1) + "128],[" + "64," * (points - 1) + "64]]]"


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "kiosk.db") as store:
        yield store


def pointer(kind, pos):
    return Pointer(kind=kind, pos=pos, source="mouse", pressed=kind != "up")


# --- the canvas: the player's own input ---------------------------------------------------------
def test_the_canvas_caps_points_per_stroke_strokes_and_points_per_drawing(caplog):
    canvas = Canvas()
    canvas.set_rect(pygame.Rect(0, 0, 1000, 1000))
    with caplog.at_level(logging.INFO, logger="pennydraw"):
        canvas.handle(pointer("down", (0, 0)), 0)
        for i in range(1, strokes.MAX_STROKE_POINTS + 500):   # a jittering panel that never lifts
            canvas.handle(pointer("move", (i % 900 + 1, i % 2)), i)
        canvas.handle(pointer("up", (5, 5)), 99_999)
    assert len(canvas.strokes[0][0]) == strokes.MAX_STROKE_POINTS
    assert "reached the size limit" in caplog.text and caplog.text.count("reached the size limit") == 1
    for n in range(strokes.MAX_STROKES + 10):                 # then thousands of taps
        canvas.handle(pointer("down", (n % 800 + 1, n % 700 + 1)), 100_000 + n)
        canvas.handle(pointer("move", (n % 800 + 2, n % 700 + 3)), 100_000 + n)
        canvas.handle(pointer("up", (n % 800 + 2, n % 700 + 3)), 100_000 + n)
    drawing = canvas.drawing()
    assert len(drawing) <= strokes.MAX_STROKES and canvas.point_count <= strokes.MAX_POINTS
    strokes.check_size(drawing)                               # what the store will accept


# --- the attract loop: other people's drawings from the store ------------------------------------
def test_the_attract_loop_skips_a_drawing_too_large_to_read_without_reading_it(store, caplog):
    huge = raw_row(store, "cat", huge_text(1_000_000))         # 8 MB of JSON, like the 10**7 stroke
    for _ in range(3):
        store.start_session()                                 # later visitors: the cat may be shown
    started = time.perf_counter()
    with caplog.at_level(logging.INFO):
        picked = [pick_drawing(store, random.Random(seed)) for seed in range(5)]
    assert picked == [None] * 5 and time.perf_counter() - started < 1.0
    assert caplog.text.count(f"drawing {huge} is not shown") == 1 and "too large" in caplog.text
    small = raw_row(store, "sun", line(40))
    for _ in range(3):
        store.start_session()
    assert {pick_drawing(store, random.Random(seed))["word"] for seed in range(10)} == {"sun"}
    assert small


def test_the_attract_loop_skips_a_drawing_beyond_the_limits(store, caplog):
    beyond = raw_row(store, "cat", line(strokes.MAX_STROKE_POINTS + 1))
    for _ in range(3):
        store.start_session()
    with caplog.at_level(logging.INFO):
        assert pick_drawing(store, random.Random(1)) is None
    assert f"drawing {beyond}" in caplog.text and "more than the" in caplog.text


def test_a_big_drawing_within_the_limits_is_thinned_for_the_replay(store, caplog):
    app = make_app(store=store, kiosk=True, pin="582047")
    from game.kiosk.controller import Kiosk
    raw_row(store, "cat", line(strokes.MAX_STROKE_POINTS, 2))  # 40,000 points: allowed, but slow to ink
    for _ in range(3):
        store.start_session()
    with caplog.at_level(logging.INFO):
        Kiosk(app).install()
    scene = app.scene
    assert scene.phase == "drawing" and len(scene.replay) <= bounded.REPLAY_POINTS + 2 * 2
    assert "thinned" in caplog.text
    inked, slowest = 0, 0.0
    for _ in range(int(scene.replay.duration * 20) + 5):
        started = time.perf_counter()
        app.step([], 1 / 20)
        slowest = max(slowest, time.perf_counter() - started)
        inked = max(inked, scene.visible_points)
    assert inked == len(scene.replay) and slowest < 0.5
    app.close()


# --- the grids: thumbnails of any drawing ---------------------------------------------------------
def test_a_thumbnail_of_a_big_drawing_is_drawn_from_a_bounded_number_of_points(caplog, monkeypatch):
    drawn = []
    circle = pygame.draw.circle
    monkeypatch.setattr(pygame.draw, "circle", lambda *args, **kw: (drawn.append(1), circle(*args, **kw))[1])
    with caplog.at_level(logging.INFO):
        Thumbnails().get("big", line(strokes.MAX_STROKE_POINTS, 2), (120, 120), (0, 0, 0))
    assert 0 < len(drawn) <= 2_000 and "thinned" in caplog.text
    drawn.clear()
    Thumbnails().get("beyond", line(strokes.MAX_STROKE_POINTS + 5), (120, 120), (0, 0, 0))
    assert drawn == []                                        # beyond the limits: not drawn at all


def test_how_the_machine_knows_never_reads_an_oversized_drawing(store):
    raw_row(store, "cat", huge_text(1_000_000))
    ok = raw_row(store, "cat", line(30))
    started = time.perf_counter()
    rows = store.random_drawings("cat", 6)
    assert [row["id"] for row in rows] == [ok] and time.perf_counter() - started < 0.5
