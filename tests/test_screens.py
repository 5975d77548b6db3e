"""The screen audit: every screen, in every state a visitor can reach, in English, French and Dutch, at
1280x800 and 1024x768. On each one no text may overflow its box or be cut by an edge, none may be
drawn too small to read, no two texts may overlap, and every number must trace to a source: an entry
of `assets/labour_rates.toml` whose citation is printed on the same screen, or something the game
measured (`game/provenance.py`).

`PENNYDRAW_SHOTS=folder` also saves every screen as a PNG there, to look at them.
"""
from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame  # noqa: E402
import pytest  # noqa: E402

from game import facts  # noqa: E402
from game.provenance import Drawn, audit  # noqa: E402
from game.rounds import RoundResult  # noqa: E402
from game.scenes.attract import AttractScene  # noqa: E402
from game.scenes.consent import ConsentScene  # noqa: E402
from game.scenes.drawing import DrawingScene  # noqa: E402
from game.scenes.explain import ExplainScene  # noqa: E402
from game.scenes.gameover import GameOverScene  # noqa: E402
from game.scenes.payslip import PayslipScene  # noqa: E402
from game.scenes.pinpad import PinLock, PinPadScene  # noqa: E402
from game.scenes.prompt import PromptScene  # noqa: E402
from game.scenes.taught import TaughtScene  # noqa: E402
from game.scenes.title import TitleScene  # noqa: E402
from game.settings import LANGUAGES  # noqa: E402
from game_fixtures import CATEGORIES, make_app  # noqa: E402
from model import labour  # noqa: E402
from model.quickdraw.download import quickdraw_categories  # noqa: E402
from model.onsite import TAUGHT_RECOGNISED  # noqa: E402
from model.store import Store  # noqa: E402
from model.teaching import NEW_WORDS  # noqa: E402

SIZES = [(1280, 800), (1024, 768)]
SHOTS = os.environ.get("PENNYDRAW_SHOTS")
# The smallest text a visitor must still read at arm's length, small print included (the pay slip's
# sources and column headings are the smallest: 12 px at 1024x768).
MIN_TEXT_PX = 12
CIRCLE = [[[10, 60, 110, 60, 10], [60, 10, 60, 110, 60], [0, 300, 600, 900, 1200]]]
# The longest of Quick, Draw!'s words the machine does not know: a "teach the machine" round's prompt
# (shown as its English name, marked, until its translations land) and a word visitors taught it.
TEACH_WORD = max(sorted(set(quickdraw_categories()) - set(CATEGORIES)), key=len)


def citation_forms(rates) -> dict[str, tuple[str, ...]]:
    """Every form a screen may print a rates entry's source in: in full, or short."""
    return {key: (rates[key].citation(), rates.short_citation(key)) for key in [*rates.entries, *rates.statements]}


def longest(tr, count):
    return sorted(CATEGORIES, key=lambda c: -len(tr.thing(c)))[:count]


def results_for(app, pattern=(True, False, False, True, False, True)):
    """Six finished rounds of the longest names, with long times and many guesses."""
    words = longest(app.translations, 6)
    results = [RoundResult(word=word, drawing=CIRCLE if index != 2 else [], recognized=ok,
                           guessed_at_ms=12_345 if ok else None, duration_ms=19_999,
                           guesses=[(100 * k, [(words[0], 0.61), (words[1], 0.2), (word, 0.1)]) for k in range(40)],
                           final=[(words[(index + 1) % 6], 0.6), (words[(index + 2) % 6], 0.25), (word, 0.1)])
               for index, (word, ok) in enumerate(zip(words, pattern))]
    results[4].word, results[4].taught = TEACH_WORD, True   # a word the machine was being taught
    return results


def fill_store(store, app):
    """Three earlier visitors (the attract loop skips the last two), and three model versions."""
    for visitor in range(3):
        session = store.start_session()
        for word in longest(app.translations, 3):
            store.save_drawing(session, word, CIRCLE, visitor % 2 == 0, 900, 19_000,
                               [(100, [(word, 0.5), ("sun", 0.2), ("cat", 0.1)])])
    metrics = lambda top1: {"quickdraw:sample": {"top1": top1}}  # noqa: E731
    store.record_model("v1", "a.pt", 100_000, metrics(0.5), trained_at=datetime(2025, 1, 1, tzinfo=timezone.utc))
    # v2 learned two words visitors taught it; two more are being taught.
    # The longest word says in how many of its unseen drawings it is recognised (four-digit counts: the longest line).
    store.record_model("v2", "b.pt", 101_234, {**metrics(0.61), NEW_WORDS: {TEACH_WORD: 1_023, "piano": 21},
                                               TAUGHT_RECOGNISED: {TEACH_WORD: {"recognised": 1_012, "drawings": 1_113}}},
                       player_examples=1_234, trained_at=datetime(2025, 6, 1, tzinfo=timezone.utc))
    session = store.start_session()
    for word, count in (("hockey stick", 19), ("crab", 3)):
        for _ in range(count):
            store.save_drawing(session, word, CIRCLE, False, None, 19_000, [])


def tour(app, store):
    """(name, draw) for every screen state: `draw()` shows it on app.screen."""
    def scene(make, prepare=None):
        def draw():
            screen = make()
            app.switch(screen)
            if prepare:
                prepare(screen)
            screen.draw(app.screen)
        return draw

    yield "title", scene(lambda: TitleScene(app))
    for index in range(1, len(facts.facts(app.rates, app.translations, store.totals(source="game")))):
        # Each fact of the rotation, on the title screen and on the attract loop.
        at = lambda s, index=index: setattr(s, "age", index * facts.ROTATE_SECONDS)  # noqa: E731
        yield f"title-fact-{index}", scene(lambda: TitleScene(app), at)
        yield f"attract-fact-{index}", scene(lambda: AttractScene(app), at)
    yield "attract-replay", scene(lambda: AttractScene(app), lambda s: s.update(0.5))
    yield "attract-empty", scene(lambda: AttractScene(app), lambda s: setattr(s, "phase", "empty"))
    yield "attract-reveal", scene(lambda: AttractScene(app),
                                  lambda s: (setattr(s, "phase", "reveal"), setattr(s, "current", [("sun", .5)])))
    for days in (365, None):
        def consent(days=days):
            app.settings.keep_days = days
            return ConsentScene(app)
        yield f"consent-{days or 'forever'}", scene(consent)
    app.settings.keep_days = 365

    def consent_with_country():
        app.settings.country = "BE"
        return ConsentScene(app)
    yield "consent-country", scene(consent_with_country)
    app.settings.country = None  # (the tour is walked lazily: after that screen was drawn)
    for consent in (True, False):
        tag = "donated" if consent else "declined"

        def begin(consent=consent):
            app.begin_game(consent=consent)
            app.game.prompts = longest(app.translations, 6)
            return PromptScene(app, app.game.prompts[0])
        yield f"prompt-{tag}", scene(begin)

        def guessing(screen):
            screen.canvas.strokes = [[[1, 500], [1, 500], [0, 10]]]
            screen.current = [(word, p) for word, p in zip(longest(app.translations, 3), (0.61, 0.2, 0.1))]
            screen.remaining = 12.0
        yield f"drawing-{tag}", scene(lambda: DrawingScene(app, app.game.prompts[0]), guessing)
        for recognized in (True, False):
            def verdict(screen, recognized=recognized):
                guessing(screen)
                screen.recognized, screen.phase = recognized, "verdict"
            yield f"verdict-{'hit' if recognized else 'miss'}-{tag}", scene(
                lambda: DrawingScene(app, app.game.prompts[0]), verdict)

        def teach_round():
            # Round 2 is a word the machine does not know: the player teaches it.
            app.game.prompts[1] = TEACH_WORD
            app.game.teaching = frozenset({TEACH_WORD})
            app.game.results = results_for(app)[:1]
            return PromptScene(app, TEACH_WORD)
        yield f"prompt-teach-{tag}", scene(teach_round)
        yield f"drawing-teach-{tag}", scene(lambda: DrawingScene(app, TEACH_WORD), guessing)
        for ink in (True, False):
            def thanks(screen, ink=ink):
                guessing(screen)
                if not ink:
                    screen.canvas.strokes = []
                screen.phase = "verdict"
            yield f"verdict-teach-{'thanks' if ink else 'nothing'}-{tag}", scene(
                lambda: DrawingScene(app, TEACH_WORD), thanks)

        def finished():
            app.game.results = results_for(app)
            return GameOverScene(app)
        yield f"gameover-{tag}", scene(finished)
        # Players drew the first words; nobody drew the fourth (generated doodles); the fifth was taught.
        for index in (0, 1, 3, 4):
            yield f"explain-{index}-{tag}", scene(lambda index=index: _entered(ExplainScene(app, index)))
        yield f"payslip-{tag}", scene(lambda: PayslipScene(app))

        def saved(screen):
            screen.saved = app.settings.payslip_dir / "payslip-20260101-120000-99.png"
        yield f"payslip-saved-{tag}", scene(lambda: PayslipScene(app), saved)
        yield f"payslip-failed-{tag}", scene(lambda: PayslipScene(app),
                                             lambda s: setattr(s, "error", "No space left on device"))

        def retraining_off():
            app.settings.retrain_every = 0   # the slip and the taught screen stop promising a retraining
            return PayslipScene(app)
        yield f"payslip-no-retraining-{tag}", scene(retraining_off)
        yield f"taught-no-retraining-{tag}", scene(lambda: _entered(TaughtScene(app)))
        app.settings.retrain_every = 30
        yield f"taught-{tag}", scene(lambda: _entered(TaughtScene(app)))

        def nothing_taught(screen):
            screen.taught, screen.learning = [], []
        yield f"taught-no-words-{tag}", scene(lambda: _entered(TaughtScene(app)), nothing_taught)

        def bundled():
            # A fresh install: the bundled model, which learned only from the doodle generator.
            app.classifier.version = "bundled"
            app.classifier.data = {"sources": {"synthetic(seed=1234)": 100_000}, "examples": 100_000,
                                   "player_examples": 0}
            return _entered(TaughtScene(app))
        yield f"taught-bundled-{tag}", scene(bundled)
        app.classifier.version, app.classifier.data = "v2", {"examples": 101_234, "player_examples": 1_234}
    lock = PinLock()
    for _ in range(3):
        lock.fail()
    yield "pinpad-locked", scene(lambda: PinPadScene(app, lambda pin: False, lambda: None, lock=lock))


def _entered(screen):
    screen.enter()
    return screen


def overlaps(drawn: list[Drawn], size) -> list[str]:
    """Texts on the window (and its static layer) whose lines cross each other."""
    on_window = [d for d in drawn if d.surface == tuple(size) and d.text.strip()]
    problems = []
    for i, a in enumerate(on_window):
        for b in on_window[i + 1:]:
            if a.text == b.text and a.box == b.box:
                continue  # the same text drawn again (a static layer and a frame)
            if pygame.Rect(a.covered).inflate(-2, -2).colliderect(pygame.Rect(b.covered).inflate(-2, -2)):
                problems.append(f"{a.text!r} overlaps {b.text!r}")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_fits_reads_and_sources_its_figures(tmp_path, size):
    rates = labour.load_rates()
    forms = citation_forms(rates)
    problems = []
    with Store(tmp_path / "audit.db") as store:
        # An exhibition's folder for the pay slips (the hint names it; nothing is written there).
        app = make_app(store=store, size=size, rounds=6, seconds=20.0,
                       payslip_dir=Path("/var/lib/pennydraw/exhibition-2027/payslips"))
        app.classifier.version, app.classifier.data = "v2", {"examples": 101_234, "player_examples": 1_234}
        try:
            fill_store(store, app)
            for lang in LANGUAGES:
                app.set_language(lang)
                for name, draw in tour(app, store):
                    app.text.overflows.clear()
                    app.text.record = drawn = []
                    draw()
                    app.text.record = None
                    where = f"{lang} {size[0]}x{size[1]} {name}"
                    problems += [f"{where}: overflows {text!r} in {box}" for text, box in app.text.overflows]
                    problems += [f"{where}: {text!r} at {px} px" for text, px in
                                 {(d.text, d.size) for d in drawn if d.size < MIN_TEXT_PX and d.text.strip()}]
                    problems += [f"{where}: {p}" for p in audit(drawn, rates, forms)]
                    problems += [f"{where}: {p}" for p in overlaps(drawn, size)]
                    if SHOTS:
                        Path(SHOTS).mkdir(parents=True, exist_ok=True)
                        pygame.image.save(app.screen, str(Path(SHOTS) / f"{lang}-{size[0]}x{size[1]}-{name}.png"))
        finally:
            app.close()
    assert problems == [], "\n".join(problems[:300]) + f"\n({len(problems)} problems)"


def test_the_overlap_check_sees_texts_that_cross():
    def drawn(text, covered, surface=(1280, 800)):
        return Drawn(text, (), covered, covered, 20, surface, True)
    crossing = [drawn("Back", (10, 10, 100, 40)), drawn("Saved: data/payslips", (80, 20, 200, 30))]
    assert overlaps(crossing, (1280, 800)) == ["'Back' overlaps 'Saved: data/payslips'"]
    apart = [drawn("Back", (10, 10, 100, 40)), drawn("Save", (120, 10, 100, 40)),
             drawn("On a button", (0, 0, 100, 40), surface=(100, 40))]   # drawn on the button's own image
    assert overlaps(apart, (1280, 800)) == []
