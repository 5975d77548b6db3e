"""The screen audit's rules (`game/provenance.py`) and what `TextFitter` records for it: a number
nobody vouched for, an unknown source, a rates-file figure without its citation on the screen, and
text cut by the edge of the surface are each caught."""
from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game.provenance import Drawn, audit, shown, unsourced  # noqa: E402
from game.ui import TextFitter  # noqa: E402
from model import labour  # noqa: E402


@pytest.fixture(scope="module")
def rates():
    return labour.load_rates()


def drawn(text, *figures):
    return Drawn(text, tuple(figures), (0, 0, 10, 10), (0, 0, 10, 10), 20, (100, 100), True)


def forms(rates):
    return {key: (entry.citation(),) for key, entry in rates.entries.items()}


def test_declared_figures_are_taken_out_longest_first():
    assert unsourced("Drawing 1 of 12", [shown("1", "session"), shown("12", "settings")]).split() == ["Drawing", "of"]
    assert unsourced("12 s", [shown("1", "session")]) == " 2 s"


def test_a_number_without_a_declared_figure_is_caught(rates):
    assert audit([drawn("Under 13? Ask a parent")], rates, forms(rates)) == [
        "unsourced number in 'Under 13? Ask a parent'"]
    assert audit([drawn("no number here")], rates, forms(rates)) == []


def test_measured_figures_need_no_citation_but_a_known_kind(rates):
    assert audit([drawn("3 drawings", shown("3", "session"))], rates, forms(rates)) == []
    problems = audit([drawn("3 drawings", shown("3", "guesswork"))], rates, forms(rates))
    assert problems == ["'3' in '3 drawings' names an unknown source 'guesswork'"]


def test_a_rates_figure_needs_its_citation_on_the_same_screen(rates):
    figure = drawn("$2.00/h median", shown("$2.00/h", "hourly.hara_median"))
    assert audit([figure], rates, forms(rates)) == [
        "[hourly.hara_median] is shown ('$2.00/h median') without its source on the screen"]
    citation = rates["hourly.hara_median"].citation()
    assert audit([figure, drawn(citation, shown(citation, "citation"))], rates, forms(rates)) == []


def test_a_declared_figure_must_be_in_its_string(rates):
    assert audit([drawn("Not guessed", shown("0.0", "session"))], rates, forms(rates)) == [
        "figure '0.0' declared for 'Not guessed', which does not show it"]


def test_the_fitter_records_strings_and_reports_text_cut_by_the_edge():
    pygame.font.init()
    text, surface = TextFitter(), pygame.Surface((200, 100))
    text.record = []
    text.draw(surface, "3 labels", pygame.Rect(10, 10, 180, 40), (0, 0, 0), 20, figures=(shown("3", "session"),))
    assert [(d.text, d.figures, d.fits) for d in text.record] == [("3 labels", (shown("3", "session"),), True)]
    assert text.overflows == []
    text.draw(surface, "half off the surface", pygame.Rect(120, 70, 180, 60), (0, 0, 0), 20)
    assert text.overflows == [("half off the surface", (180, 60))]
    with pytest.raises(ValueError, match="needs a source"):
        shown("3")
