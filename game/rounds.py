"""One game: the prompts, the result of every round, and handing each finished round to be stored.

This is the game's bookkeeping without any pygame: the scenes hand a `RoundResult` to `Game.record`,
which appends it and gives it at once to the `RoundWriter` (`round_writer.py`), which stores it off
the frame thread and keeps it (in memory and in a journal beside the database) until it is committed,
so a player who walks away mid-game has still given every finished drawing, even while the database
is busy or the process is killed. The game-over screen and the pay slip read `results`, in memory.
Every round has a stable `key`, the key of its drawing in the store.

Some prompts may be words the machine does not know ("teach the machine" rounds, chosen by
`model.teaching`): `Game.teaching` names them. Such a round cannot be recognised; its drawing is a
label like any other, and `RoundResult.taught` says so to the screens after it.
"""
from __future__ import annotations

import logging
import random
import uuid
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

Top = list[tuple[str, float]]          # [(category, probability), ...] best first


@dataclass
class RoundResult:
    word: str                          # the prompt (a category name of the model)
    drawing: list                      # raw format [[xs, ys, ts], ...] in canvas units
    recognized: bool                   # did the machine guess the prompt in time
    guessed_at_ms: int | None          # drawing clock time of the winning guess, else None
    duration_ms: int                   # drawing clock time when the round ended
    guesses: list[tuple[int, Top]]     # every live guess: (t_ms, top-3)
    final: Top = field(default_factory=list)   # the machine's last word on the finished drawing
    drawing_id: int | None = None      # row id in the store, once committed (None until then, or never)
    key: str = field(default_factory=lambda: uuid.uuid4().hex)   # the drawing's stable key in the store
    taught: bool = False               # a word the machine did not know: the player was teaching it

    @property
    def top(self) -> Top:
        """The top-3 to show: the final guess, else the last live one."""
        if self.final:
            return self.final
        return list(self.guesses[-1][1]) if self.guesses else []

    @property
    def has_ink(self) -> bool:
        return any(len(stroke[0]) for stroke in self.drawing)


def pick_prompts(categories, count: int, rng: random.Random | None = None) -> list[str]:
    """`count` different categories in random order."""
    categories = list(dict.fromkeys(categories))
    if count > len(categories):
        raise ValueError(f"cannot pick {count} different prompts from {len(categories)} categories")
    return (rng or random.Random()).sample(categories, count)


class Game:
    """The prompts of one game and what became of each."""

    def __init__(self, prompts: list[str], writer=None, session=None, teaching=()) -> None:
        if not prompts:
            raise ValueError("a game needs at least one prompt")
        self.prompts = list(prompts)
        self.teaching = frozenset(teaching)   # the prompts the machine does not know: the player teaches them
        if not self.teaching <= set(self.prompts):
            raise ValueError(f"teaching words {sorted(self.teaching - set(self.prompts))} are not prompts")
        self.writer = writer               # a RoundWriter; None: nothing is stored
        self.session = session
        self.results: list[RoundResult] = []

    @property
    def index(self) -> int:
        """Index of the round being played (== number of finished rounds)."""
        return len(self.results)

    @property
    def finished(self) -> bool:
        return len(self.results) >= len(self.prompts)

    @property
    def current_word(self) -> str:
        if self.finished:
            raise IndexError("the game is over: there is no current prompt")
        return self.prompts[self.index]

    def teaches(self, index: int | None = None) -> bool:
        """Whether round `index` (default: the current one) is a word the machine does not know."""
        index = self.index if index is None else index
        return 0 <= index < len(self.prompts) and self.prompts[index] in self.teaching

    @property
    def score(self) -> int:
        return sum(result.recognized for result in self.results)

    @property
    def donated(self) -> bool:
        """The player consented: their rounds with ink are stored."""
        return bool(getattr(self.session, "consent", False))

    def record(self, result: RoundResult) -> RoundResult:
        """Keep a finished round and hand it to the writer now (never waiting for the database)."""
        if self.finished:
            raise ValueError("every round of this game is already recorded")
        if result.word != self.current_word:
            raise ValueError(f"round for {result.word!r} recorded while {self.current_word!r} was asked")
        self.results.append(result)
        if self.writer is None or not self.donated:
            return result
        if not result.has_ink:
            log.info("nothing was drawn for %r: nothing to store", result.word)
            return result
        self.writer.submit(self.session, result)
        return result
