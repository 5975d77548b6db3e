"""Where every number on a screen comes from: an entry of the rates file, or something pennydraw counted.

pennydraw shows figures about work, pay and micro-workers, and every one of them must trace to a
source in `assets/labour_rates.toml` (whose citation is then printed on the same screen), or be
something the game itself measured or counted. A scene says so where it draws the string:

    text.draw(surface, sentence, rect, colour, max_size, figures=[shown(seconds_text, "session")])

`TextFitter` ignores `figures` when drawing; when its `record` list is set (the screen audit of
`tests/test_screens.py`) it keeps every string drawn with the figures declared for it, and `audit`
then checks each screen: no digit may be left in a string once its declared figures are taken out,
every source must be a rates-file key or one of `MEASURED`, and a figure taken from the rates file
needs its citation somewhere on the same screen. Pure: no pygame.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

# The sources that are not in the rates file: what pennydraw measures or counts itself.
MEASURED = {
    "session": "measured during the player's game (seconds drawn, drawings, prompts, guesses)",
    "installation": "counted in this installation's store (drawings and hours of all its players)",
    "machine": "the machine's own output (its guesses' probabilities, its accuracy, its training counts)",
    "settings": "this installation's settings (seconds per round, retention, folders)",
    "clock": "the date and time",
    "interface": "the interface itself (keypad digits, a plot's axis ticks)",
    "citation": "a source's own reference (year, page, DOI), printed as the source of a figure",
    "system": "a message from the computer (a file path, an error)",
}
DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class Shown:
    """A figure as drawn (`text`, exactly as it appears in the string) and where it came from."""
    text: str
    sources: tuple[str, ...]


def shown(text: object, *sources: str) -> Shown:
    """`Shown(str(text), sources)`; at least one source."""
    if not sources:
        raise ValueError(f"the figure {text!r} needs a source")
    return Shown(str(text), tuple(sources))


@dataclass(frozen=True)
class Drawn:
    """One string a `TextFitter` drew, as the screen audit records it."""
    text: str
    figures: tuple[Shown, ...]
    box: tuple[int, int, int, int]       # the rectangle it was fitted into
    covered: tuple[int, int, int, int]   # where its lines landed
    size: int                            # the font size it was drawn at
    surface: tuple[int, int]             # the size of the surface it was drawn on
    fits: bool


def unsourced(text: str, figures: Iterable[Shown]) -> str:
    """What is left of `text` once its declared figures are taken out (longest first, so "12" goes
    before "1"); any digit left in it is a number nobody vouched for."""
    rest = text
    for figure in sorted(figures, key=lambda f: -len(f.text)):
        if figure.text:
            rest = rest.replace(figure.text, " ")
    return rest


def audit(drawn: Iterable[Drawn], rates, citations: dict[str, tuple[str, ...]]) -> list[str]:
    """The problems of one screen: numbers without a declared figure, sources nobody knows, and
    figures from the rates file whose citation is not on the screen. `citations` maps each rates
    key to the forms of its citation a screen may print (full or shortened)."""
    drawn = list(drawn)
    problems, used = [], {}
    for item in drawn:
        rest = unsourced(item.text, item.figures)
        if DIGIT.search(rest):
            problems.append(f"unsourced number in {item.text!r}")
        for figure in item.figures:
            if figure.text and figure.text not in item.text:
                problems.append(f"figure {figure.text!r} declared for {item.text!r}, which does not show it")
            for source in figure.sources:
                if source in MEASURED:
                    continue
                if source not in rates:
                    problems.append(f"{figure.text!r} in {item.text!r} names an unknown source {source!r}")
                else:
                    used.setdefault(source, item.text)
    screen_text = "\n".join(item.text for item in drawn)
    flat = " ".join(screen_text.split())
    for key, where in used.items():
        forms = citations.get(key, ())
        if not any(" ".join(form.split()) in flat for form in forms):
            problems.append(f"[{key}] is shown ({where!r}) without its source on the screen")
    return problems
