"""Text that fits its box (every string of every language), buttons, and mouse/touch pointers."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game import theme  # noqa: E402
from game.i18n import Translations  # noqa: E402
from game.settings import LANGUAGES  # noqa: E402
from game.ui import Button, TextFitter, pointer, wrap_words  # noqa: E402


@pytest.fixture(scope="module")
def fitter():
    pygame.font.init()
    return TextFitter()


ALL_STRINGS = sorted({text for lang in LANGUAGES for text in Translations.load(lang).all_strings()})


@pytest.mark.parametrize("box,max_size", [((320, 120), 44), ((200, 60), 30), ((560, 90), 58)])
def test_every_string_of_every_language_fits_a_box(fitter, box, max_size):
    for text in ALL_STRINGS:
        fitted = fitter.fit(text, box, max_size)
        font = fitter.fonts.get(fitted.size)
        assert fitted.fits, text
        assert all(font.size(line)[0] <= box[0] for line in fitted.lines), text
        assert len(fitted.lines) * fitted.line_height <= box[1], text
        assert " ".join(fitted.lines).replace("\n", " ") == text.replace("\n", " ")
    assert fitter.overflows == []


def test_fitting_prefers_the_largest_size_and_shrinks_only_when_needed(fitter):
    short = fitter.fit("Undo", (400, 100), 60)
    assert short.size == 60 and short.lines == ("Undo",)
    long = fitter.fit("Oh, je sais, c'est un bonhomme de neige\u00a0!", (400, 100), 60)
    assert long.size < 60 and len(long.lines) >= 2
    bigger_box = fitter.fit("Oh, je sais, c'est un bonhomme de neige\u00a0!", (800, 200), 60)
    assert bigger_box.size > long.size


def test_a_string_that_cannot_fit_is_reported_not_hidden():
    pygame.font.init()
    fitter = TextFitter()
    fitted = fitter.fit("Ongedaan maken, het is een bonhomme de neige", (40, 10), 40, min_size=12)
    assert not fitted.fits
    assert fitter.overflows == [("Ongedaan maken, het is een bonhomme de neige", (40, 10))]


def test_wrap_never_breaks_at_a_no_break_space(fitter):
    font = fitter.fonts.get(30)
    text = "Ou un soleil\u00a0?"
    width = font.size("Ou un soleil")[0] + 2  # room for the words, not for "soleil ?"
    lines = wrap_words(text, font, width)
    assert lines == ["Ou un", "soleil\u00a0?"]
    assert wrap_words("Supercalifragilistic", font, 20) is None
    assert wrap_words("one\ntwo", font, 1000) == ["one", "two"]


def test_draw_stays_inside_its_rectangle(fitter):
    surface = pygame.Surface((400, 300))
    surface.fill((0, 0, 0))
    rect = pygame.Rect(50, 40, 200, 80)
    covered = fitter.draw(surface, "Dessine\u00a0: un arc-en-ciel, vite", rect, (255, 255, 255), 60)
    assert rect.contains(covered)
    lit = [(x, y) for x in range(400) for y in range(0, 300, 2) if surface.get_at((x, y))[0] > 0]
    assert lit and all(rect.collidepoint(p) for p in lit)


def test_every_glyph_exists_in_the_bundled_font(fitter):
    """A missing glyph renders as the font's empty box; compare every character with it."""
    font = fitter.fonts.get(40)
    missing = pygame.image.tobytes(font.render("\uffff", True, (255, 255, 255)), "RGBA")
    characters = sorted({c for text in ALL_STRINGS for c in text if not c.isspace()} | set("0123456789%/"))
    bad = [c for c in characters
           if pygame.image.tobytes(font.render(c, True, (255, 255, 255)), "RGBA") == missing]
    assert bad == []
    assert (theme.FONT_BOLD.parent / "Quicksand-LICENSE.txt").read_text().count("OFL") >= 1


def test_buttons_hit_and_press():
    pressed = []
    button = Button("Start", lambda: pressed.append(1))
    button.rect = pygame.Rect(10, 10, 100, 50)
    assert button.hit((20, 20)) and not button.hit((200, 20))
    button.press()
    button.enabled = False
    assert not button.hit((20, 20))
    button.press()
    assert pressed == [1]


def test_pointer_unifies_mouse_and_touch_and_drops_synthetic_mouse_events():
    size = (1000, 500)
    down = pointer(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=1), size)
    assert (down.kind, down.pos, down.source, down.pressed) == ("down", (10, 20), "mouse", True)
    assert pointer(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=3), size) is None
    assert pointer(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(1, 2), button=1, touch=True), size) is None
    hover = pointer(pygame.event.Event(pygame.MOUSEMOTION, pos=(5, 5), buttons=(0, 0, 0)), size)
    assert hover.kind == "move" and not hover.pressed
    touch = pointer(pygame.event.Event(pygame.FINGERMOTION, x=0.25, y=0.5, dx=0, dy=0, finger_id=7,
                                       touch_id=1, pressure=1.0), size)
    assert (touch.kind, touch.pos, touch.source, touch.pressed) == ("move", (250.0, 250.0), ("finger", 7), True)
    lift = pointer(pygame.event.Event(pygame.FINGERUP, x=1.0, y=1.0, dx=0, dy=0, finger_id=7,
                                      touch_id=1, pressure=0.0), size)
    assert lift.kind == "up" and lift.pos == (1000.0, 500.0) and not lift.pressed
    assert pointer(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_a), size) is None
