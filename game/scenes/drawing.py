"""A round: the player draws, the machine guesses aloud, the round ends when it knows or time is up.

Input goes to the `Canvas` (every point timed from its own event). While ink grows, a copy of the
drawing goes to the background `Guesser` at most every `settings.guess_interval` seconds; answers
are read in `update`, shown as a sentence ("I see... a sun. Or a cookie?") with the top-3 as bars, and
spoken when the top guess changes and the voice is free. The round ends as soon as the classifier
recognises the prompt (`Classifier.recognizes`, the one rule: model/recognition.py), or when the
countdown reaches zero. Then the verdict
shows for `settings.verdict_seconds`; the round is written to the store as soon as it is final (at
once, or after one last guess about ink drawn since the previous one, waiting at most a second).

Recognised mid-stroke, the round lets the player finish the line under the pen ("let me finish my
doodle", Quick, Draw!'s players asked): the stored drawing ends where the pen lifts, waiting at most
`STROKE_FINISH_WAIT`; no new stroke starts once the verdict shows.

A "teach the machine" round (a word the machine does not know, `Game.teaching`) says so above the
guesses ("I don't know this word yet: you are teaching me"), still guesses aloud from the words it
knows, and cannot be recognised: it ends when the player presses Done (or Enter), or when the time is
up, and thanks the player. A player who knows the machine cannot win expects to say "finished"
rather than wait out 20 seconds; the round's drawing is a label like any other.
"""
from __future__ import annotations

import itertools

import pygame

from ..canvas import Canvas, event_time_ms
from ..rounds import RoundResult
from ..ui import Button
from ..voice import SpeechPacer
from . import drawing_view
from .base import Scene

ALTERNATIVE_MIN = 0.1      # a second guess is mentioned ("Or a cookie?") from this probability
FINAL_GUESS_WAIT = 1.0     # seconds to wait for a guess about the last ink before storing without it
# Seconds a recognised round waits for the pen to lift: a stroke is a second or two at most (Quick,
# Draw!'s raw data: median stroke about 0.5 s), and a pen held down longer is not drawing any more.
STROKE_FINISH_WAIT = 1.0
_ROUND_TOKENS = itertools.count(1)  # tags guesses with their round (an id() could be reused)
UNDO_KEYS = (pygame.K_BACKSPACE, pygame.K_z, pygame.K_u)
CLEAR_KEYS = (pygame.K_DELETE, pygame.K_c)
DONE_KEYS = (pygame.K_RETURN, pygame.K_KP_ENTER)


class DrawingScene(Scene):
    name = "drawing"

    def __init__(self, app, word: str) -> None:
        super().__init__(app)
        settings = app.settings
        self.word = word
        self.teaching = app.game is not None and word in app.game.teaching   # a word it does not know
        self.token = next(_ROUND_TOKENS)
        self.canvas = Canvas()
        self.remaining = float(settings.seconds)
        self.phase = "drawing"                 # then "verdict"
        self.history: list[tuple[int, list]] = []
        self.current: list[tuple[str, float]] = []
        self.generation = 0                    # bumped whenever the canvas is emptied
        self.submitted_version = -1
        self.last_submit_age = float("-inf")
        self.classified_version = -1
        self.recognized = False
        self.guessed_at_ms: int | None = None
        self.duration_ms = 0
        self.final: list[tuple[str, float]] = []
        self.result: RoundResult | None = None
        self.verdict_age = 0.0
        self.pacer = SpeechPacer(settings.speech_interval)
        self.undo_button = Button("", self.undo)
        self.clear_button = Button("", self.clear)
        self.done_button = Button("", self.done, style="accent")
        self.buttons = [self.undo_button, self.clear_button] + ([self.done_button] if self.teaching else [])

    # --- input --------------------------------------------------------------------------------
    def handle(self, event: pygame.event.Event) -> None:
        if self.phase != "drawing":
            if self.canvas.drawing_now:   # recognised mid-stroke: the line under the pen goes on
                ptr = self.pointer(event)
                if ptr is not None:
                    self.canvas.handle(ptr, event_time_ms(event))
            return
        if event.type == pygame.KEYDOWN:
            if event.key in UNDO_KEYS:
                self.undo()
            elif event.key in CLEAR_KEYS:
                self.clear()
            elif event.key in DONE_KEYS:
                self.done()
            return
        ptr = self.pointer(event)
        if ptr is None:
            return
        if ptr.kind == "down" and not self.canvas.drawing_now and self.handle_buttons(event):
            return
        self.canvas.handle(ptr, event_time_ms(event))

    def undo(self) -> None:
        if self.phase == "drawing" and self.canvas.undo() and not self.canvas.strokes:
            self._forget_guesses()

    def clear(self) -> None:
        if self.phase == "drawing" and self.canvas.clear():
            self._forget_guesses()

    def done(self) -> None:
        """A teaching round's Done: the player has finished the drawing (a round of a known word ends
        when the machine knows it, or at the time-out)."""
        if self.teaching and self.phase == "drawing" and self.canvas.strokes:
            self._end(recognized=False)

    def _forget_guesses(self) -> None:
        """An empty canvas starts a new drawing: earlier guesses were about ink that is gone."""
        self.generation += 1
        self.history.clear()
        self.current = []
        self.pacer.reset()

    # --- the clock ----------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        super().update(dt)
        for guess in self.app.guesser.poll():
            self._take(guess)
        if self.phase == "drawing":
            self.remaining = max(0.0, self.remaining - dt)
            self._maybe_submit()
            if self.phase == "drawing" and self.remaining <= 0:
                self._end(recognized=False)
        else:
            self.verdict_age += dt
            if self.canvas.drawing_now and self.verdict_age >= STROKE_FINISH_WAIT:
                self.canvas.end_stroke()     # a pen held down this long is not drawing any more
            if self.result is None and not self.canvas.drawing_now and (
                    self.recognized or self.classified_version == self.canvas.version
                    or self.verdict_age >= FINAL_GUESS_WAIT):
                self._finalize()
            if self.result is not None and self.verdict_age >= self.app.settings.verdict_seconds:
                self.app.finish_round(self.result)

    def _tag(self) -> tuple:
        return (self.token, self.generation, self.canvas.version)

    def _maybe_submit(self) -> None:
        interval = self.app.settings.guess_interval
        if (self.canvas.version != self.submitted_version and self.canvas.strokes
                and self.age - self.last_submit_age >= interval):
            self._submit()

    def _submit(self) -> None:
        now = pygame.time.get_ticks()
        self.app.guesser.submit(self.canvas.drawing(), self.canvas.ink_time(now) or 0, self._tag())
        self.submitted_version = self.canvas.version
        self.last_submit_age = self.age

    def _take(self, guess) -> None:
        owner, generation, version = guess.tag if isinstance(guess.tag, tuple) else (None, None, None)
        if owner != self.token or generation != self.generation or not guess.top:
            return
        top = [(name, p) for name, p in guess.top]
        self.classified_version = max(self.classified_version, version)
        if self.phase != "drawing":
            if version == self.canvas.version:
                self.final = top  # the machine's last word on the finished drawing
            return
        self.history.append((guess.t_ms, top))
        self.current = top
        best = top[0][0]
        if not self.teaching and self.app.classifier.recognizes(guess.guesses or guess.top, self.word):
            self.final = top
            self._end(recognized=True, guessed_at_ms=guess.t_ms)
            return
        if self.pacer.should_speak(best, self.age, self.app.voice.busy):
            self.app.voice.say(self.guess_sentence())

    def _end(self, recognized: bool, guessed_at_ms: int | None = None) -> None:
        self.phase = "verdict"
        self.recognized = recognized
        self.guessed_at_ms = guessed_at_ms
        self.canvas.close(keep_stroke=recognized)
        self.duration_ms = self.canvas.ink_time(pygame.time.get_ticks()) or 0
        self.app.voice.say(self.verdict_sentence(), interrupt=True)
        if recognized and self.canvas.drawing_now:
            return   # stored once the pen lifts (`update`)
        if recognized or not self.canvas.strokes:
            self._finalize()
        elif self.submitted_version != self.canvas.version:
            self._submit()  # one last look at the ink drawn since the previous guess
        elif self.history and self.classified_version == self.canvas.version:
            self.final = list(self.history[-1][1])

    def _finalize(self) -> None:
        # The line finished after the verdict is work too: the round lasts until its last point.
        last = max((stroke[2][-1] for stroke in self.canvas.strokes if stroke[2]), default=0)
        self.duration_ms = max(self.duration_ms, last)
        result = RoundResult(word=self.word, drawing=self.canvas.drawing(), recognized=self.recognized,
                             guessed_at_ms=self.guessed_at_ms, duration_ms=self.duration_ms,
                             guesses=list(self.history), final=list(self.final or self.current),
                             taught=self.teaching)
        self.result = self.app.record_round(result)

    # --- words --------------------------------------------------------------------------------
    def guess_sentence(self, separator: str = " ") -> str:
        """What the machine says about the drawing; `separator` between its guess and alternative."""
        tr = self.app.translations
        if not self.canvas.strokes:
            return self.t("start_drawing")
        if not self.current:
            return self.t("thinking")
        sentence = self.t("guess_first", thing=tr.thing(self.current[0][0]))
        if len(self.current) > 1 and self.current[1][1] >= ALTERNATIVE_MIN:
            sentence += separator + self.t("guess_or", thing=tr.thing(self.current[1][0]))
        return sentence

    def verdict_sentence(self) -> str:
        if self.teaching:
            thing = self.app.translations.thing(self.word)
            return self.t("teach_thanks", thing=thing) if self.canvas.strokes else self.t("teach_nothing")
        if self.recognized:
            return self.t("recognized", thing=self.app.translations.thing(self.word))
        return self.t("not_recognized")

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        self.view = drawing_view.layout(size, self.u, teaching=self.teaching)
        self.canvas.set_rect(self.view.canvas)
        self.undo_button.rect = self.view.undo
        self.clear_button.rect = self.view.clear
        self.done_button.rect = self.view.done

    def draw_static(self, surface: pygame.Surface) -> None:
        drawing_view.draw_static(self, surface)

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.undo_button.label = self.t("undo")
        self.clear_button.label = self.t("clear")
        self.done_button.label = self.t("done")
        enabled = self.phase == "drawing" and bool(self.canvas.strokes)
        self.undo_button.enabled = self.clear_button.enabled = self.done_button.enabled = enabled
        drawing_view.draw(self, surface)
