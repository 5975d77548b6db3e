"""Input capture on the canvas: coordinates, per-event timestamps, undo/clear and the drawing clock."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game import canvas as canvas_module  # noqa: E402
from game.canvas import UNITS, Canvas, event_time_ms  # noqa: E402
from game.ui import Pointer  # noqa: E402
from model import strokes  # noqa: E402


def ptr(kind, pos, source="mouse", pressed=None):
    return Pointer(kind, pos, source, kind != "up" if pressed is None else pressed)


@pytest.fixture
def canvas():
    c = Canvas()
    c.set_rect(pygame.Rect(100, 50, 500, 400))  # squared to 400x400, centred
    return c


def test_canvas_is_a_centred_square_and_maps_to_units(canvas):
    assert canvas.rect == pygame.Rect(150, 50, 400, 400)
    assert canvas.to_canvas((150, 50)) == (0, 0)
    assert canvas.to_canvas((550, 450)) == (UNITS, UNITS)
    assert canvas.to_canvas((350, 250)) == (500, 500)
    assert canvas.to_canvas((0, 9999)) == (0, UNITS)  # clamped, never outside the paper
    assert canvas.to_screen(500, 500) == (350, 250)


def test_every_point_gets_its_own_time_from_the_first_point(canvas):
    assert canvas.handle(ptr("down", (150, 50)), 10_000)
    assert canvas.handle(ptr("move", (190, 90)), 10_016)
    assert canvas.handle(ptr("move", (230, 90)), 10_021)
    assert canvas.handle(ptr("up", (230, 130)), 10_050)
    assert canvas.handle(ptr("down", (350, 250)), 10_400)
    assert canvas.handle(ptr("up", (350, 260)), 10_433)
    assert canvas.drawing() == [[[0, 100, 200, 200], [0, 100, 100, 200], [0, 16, 21, 50]],
                                [[500, 500], [500, 525], [400, 433]]]
    assert [len(a) for a in strokes.as_arrays(canvas.drawing())] == [4, 2]
    assert canvas.ink_time(11_000) == 1000


def test_repeated_positions_are_not_new_points_and_time_never_runs_backwards(canvas):
    canvas.handle(ptr("down", (200, 200)), 5_000)
    assert not canvas.handle(ptr("move", (200, 200)), 5_010)
    canvas.handle(ptr("move", (210, 200)), 4_990)  # an event source with an older clock
    xs, ys, ts = canvas.strokes[0]
    assert len(xs) == 2 and ts == [0, 0]


def test_presses_outside_the_paper_and_other_sources_are_ignored(canvas):
    assert not canvas.handle(ptr("down", (10, 10)), 0)
    assert not canvas.handle(ptr("move", (200, 200)), 5)   # dragged in from outside: no stroke
    assert canvas.handle(ptr("down", (200, 200), source=("finger", 1)), 10)
    assert not canvas.handle(ptr("move", (220, 220), source=("finger", 2)), 20)
    assert not canvas.handle(ptr("down", (300, 300)), 30)  # the mouse while a finger draws
    assert canvas.handle(ptr("move", (220, 240), source=("finger", 1)), 40)
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0][0]) == 2


def test_a_lost_button_release_ends_the_stroke(canvas):
    canvas.handle(ptr("down", (200, 200)), 0)
    canvas.handle(ptr("move", (250, 200), pressed=False), 10)
    assert not canvas.drawing_now
    canvas.handle(ptr("move", (300, 300), pressed=True), 20)
    assert len(canvas.strokes) == 1 and len(canvas.strokes[0][0]) == 2


def test_undo_and_clear_restart_the_clock_only_when_empty(canvas):
    assert not canvas.undo() and not canvas.clear()
    canvas.handle(ptr("down", (200, 200)), 1_000)
    canvas.handle(ptr("up", (220, 200)), 1_100)
    canvas.handle(ptr("down", (300, 300)), 2_000)
    canvas.handle(ptr("up", (320, 300)), 2_100)
    version = canvas.version
    assert canvas.undo() and canvas.version > version
    assert canvas.drawing() == [[[125, 175], [375, 375], [0, 100]]]
    canvas.handle(ptr("down", (300, 300)), 3_000)
    assert canvas.strokes[1][2] == [2000]
    assert canvas.clear() and canvas.strokes == [] and canvas.ink_time(5_000) is None
    canvas.handle(ptr("down", (300, 300)), 7_000)
    canvas.handle(ptr("up", (310, 300)), 7_040)
    assert canvas.drawing()[0][2] == [0, 40]
    canvas.undo()
    canvas.handle(ptr("down", (300, 300)), 9_000)
    assert canvas.drawing()[0][2] == [0]


def test_a_disabled_canvas_takes_no_ink(canvas):
    canvas.enabled = False
    assert not canvas.handle(ptr("down", (200, 200)), 0)
    assert canvas.strokes == []


def test_a_closed_canvas_lets_the_stroke_under_the_pen_finish_and_starts_no_other(canvas):
    canvas.handle(ptr("down", (200, 200)), 0)
    canvas.handle(ptr("move", (220, 200)), 10)
    canvas.close(keep_stroke=True)
    assert canvas.drawing_now
    assert canvas.handle(ptr("move", (240, 200)), 20)
    assert not canvas.handle(ptr("move", (250, 200), source="finger-1"), 25)   # another finger: no
    assert canvas.handle(ptr("up", (260, 200)), 30)
    assert not canvas.drawing_now
    assert not canvas.handle(ptr("down", (300, 300)), 40) and len(canvas.strokes) == 1
    assert canvas.strokes[0][2] == [0, 10, 20, 30]


def test_closing_without_keeping_the_stroke_stops_it(canvas):
    canvas.handle(ptr("down", (200, 200)), 0)
    canvas.close()
    assert not canvas.drawing_now and not canvas.handle(ptr("move", (240, 200)), 20)
    assert len(canvas.strokes[0][0]) == 1


def test_drawing_copies_are_independent(canvas):
    canvas.handle(ptr("down", (200, 200)), 0)
    copy = canvas.drawing()
    canvas.handle(ptr("move", (260, 200)), 10)
    assert len(copy[0][0]) == 1 and len(canvas.strokes[0][0]) == 2


def test_ink_appears_on_the_paper(canvas):
    pygame.display.init()
    surface = pygame.Surface((700, 500))
    canvas.draw(surface)
    middle = (350, 250)
    from game import theme
    assert tuple(surface.get_at(middle))[:3] == theme.PAPER
    canvas.handle(ptr("down", (300, 250)), 0)
    canvas.handle(ptr("move", (400, 250)), 10)
    canvas.draw(surface)
    assert tuple(surface.get_at(middle))[:3] == theme.INK
    canvas.set_rect(pygame.Rect(0, 0, 200, 200))  # resized: the paper is redrawn from the strokes
    canvas.draw(surface)
    assert tuple(surface.get_at((100, 100)))[:3] == theme.INK


def test_event_time_prefers_the_event_timestamp(monkeypatch):
    monkeypatch.setattr(canvas_module.pygame.time, "get_ticks", lambda: 777)
    with_stamp = pygame.event.Event(pygame.MOUSEMOTION, pos=(0, 0), timestamp=123)
    without = pygame.event.Event(pygame.MOUSEMOTION, pos=(0, 0))
    assert event_time_ms(with_stamp) == 123
    assert event_time_ms(without) == 777
