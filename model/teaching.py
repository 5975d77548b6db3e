"""What players taught the machine: the model's accuracy over its versions, the players' share, the
new words they taught it, and which new words a game asks them to teach ("teach the machine" rounds).

Read by the game's "What you taught the machine" screen and by the game when it picks its prompts. The input is the store's `models` table
(`Store.models()`, one row per trained version with its metrics and how many of its training examples
came from players) and the checkpoint the game is running (its version, metrics and data summary), which
may be the bundled model that no store has recorded. Pure: no pygame, no torch, no sqlite.

Metrics come in two shapes: `train.py` records one dict per evaluation set
(`{"synthetic (held out)": {"top1": 0.98, ...}, "quickdraw:sample": {"top1": 0.65, ...}}`), and simple
records carry one number (`{"top1": 0.8}` or `{"accuracy": 0.8}`). A plot must compare like with like,
so `history` picks one evaluation set, the one most versions were measured on (real people's drawings
first when that ties), and plots only the versions measured on it. A retraining that learned new words
records them under `NEW_WORDS` (`{word: drawings}`), which is no evaluation set: `taught_words` reads it.

Teaching rounds: a share of a game's prompts (`Settings.teach_share`) are words of Quick, Draw!'s 345
the model does not know. `teach_words` favours the words closest to being learned: the most donated
drawings below the number a retraining needs to add a word (`Settings.teach_word_drawings`); `plan_game`
puts them among the known prompts, never first (the first round shows how the machine guesses).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from model.onsite import TAUGHT_RECOGNISED, new_word_counts, taught_recognised

FLAT = ""                      # the evaluation set of a metrics dict that holds one plain number
FLAT_KEYS = ("top1", "accuracy")
# Which kind of evaluation set wins a tie: drawings by people say most about what players face.
KIND_PREFERENCE = ("quickdraw", "players", "other", "flat", "synthetic")
NEW_WORDS = "new_words"        # metrics key of the words a retraining added: {word: drawings}, not an evaluation
# Teaching rounds draw from the few unknown words with the most drawings: all on the single closest
# word would have one home player draw "piano" every game for 20 games; three keep a game varied and
# still finish a word in about three times its threshold of rounds.
TEACH_POOL = 3


@dataclass(frozen=True)
class Version:
    """One trained model as the screen shows it."""
    version: str
    trained_at: datetime | None   # None when unknown (a checkpoint without a date)
    accuracy: float | None        # top-1 on `History.eval_set`, 0..1; None if not measured on it
    examples: int                 # training examples behind it
    player_examples: int          # of which drawn by players of the game
    current: bool                 # the model the game is guessing with


@dataclass(frozen=True)
class History:
    versions: tuple[Version, ...]  # oldest first; those without an accuracy are left out of the plot
    eval_set: str                  # name of the evaluation set the accuracies are measured on
    kind: str                      # "quickdraw", "players", "synthetic", "flat" or "other"

    @property
    def current(self) -> Version | None:
        return next((v for v in self.versions if v.current), None)

    @property
    def plotted(self) -> tuple[Version, ...]:
        return tuple(v for v in self.versions if v.accuracy is not None)


def set_kind(name: str) -> str:
    """What an evaluation set holds, from the name `train.py` gives it."""
    if name == FLAT:
        return "flat"
    if name.startswith("synthetic"):
        return "synthetic"
    if name.startswith("store:"):
        return "players"
    if name.startswith("quickdraw:"):
        return "quickdraw"
    return "other"


def accuracies(metrics: object) -> dict[str, float]:
    """{evaluation set: top-1 accuracy} from a metrics dict of either shape; {} when it has none."""
    if not isinstance(metrics, dict):
        return {}
    for key in FLAT_KEYS:
        if _is_fraction(metrics.get(key)):
            return {FLAT: float(metrics[key])}
    return {name: float(value["top1"]) for name, value in metrics.items()
            if name != NEW_WORDS and isinstance(value, dict) and _is_fraction(value.get("top1"))}


def _is_fraction(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1


def parse_time(text: object) -> datetime | None:
    """An ISO time from the store or a checkpoint, as an aware datetime (naive means UTC); else None."""
    if isinstance(text, datetime):
        moment = text
    elif isinstance(text, str) and text:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def history(models: list[dict], running: dict | None = None) -> History:
    """The versions to plot, oldest first, and the evaluation set they are compared on.

    `models` are `Store.models()` rows; `running` describes the checkpoint the game uses: `version`,
    `created_at`, `metrics`, `data` (a `Classifier`'s attributes). It is marked current; when no row has
    its version it is added from its own metrics (the bundled model is in no store)."""
    rows = []
    for model in models:
        rows.append((model.get("version", ""), parse_time(model.get("trained_at")),
                     accuracies(model.get("metrics")), int(model.get("examples") or 0),
                     int(model.get("player_examples") or 0)))
    running_version = (running or {}).get("version") or None
    if running_version is None:
        running = None  # a checkpoint without a version cannot be told apart: the active one is current
    if running is not None and running_version not in {row[0] for row in rows}:
        data = running.get("data") or {}
        rows.append((running_version or "?", parse_time(running.get("created_at")),
                     accuracies(running.get("metrics")), int(data.get("examples") or 0),
                     int(data.get("player_examples") or 0)))
    active = next((m.get("version") for m in models if m.get("active")), None)
    current_version = running_version if running is not None else active
    counts: dict[str, int] = {}
    for row in rows:
        for name in row[2]:
            counts[name] = counts.get(name, 0) + 1
    eval_set = max(counts, key=lambda name: (counts[name], -KIND_PREFERENCE.index(set_kind(name)),
                                             name), default=FLAT)
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    rows.sort(key=lambda row: row[1] or earliest)  # stable: undated rows keep their order, first
    versions = tuple(Version(version, trained, accs.get(eval_set), examples, players,
                             current=version == current_version)
                     for version, trained, accs, examples, players in rows)
    return History(versions, eval_set, set_kind(eval_set))


def retrained_since(models: list[dict], since: datetime, running_version: str | None = None) -> list[dict]:
    """The models trained after `since` (the start of the player's game), oldest first, other than the
    one the game runs: a machine that may already have learned from the player's earlier drawings."""
    since = parse_time(since)
    later = [m for m in models if (t := parse_time(m.get("trained_at"))) is not None and t > since
             and m.get("version") != running_version]
    return sorted(later, key=lambda m: parse_time(m["trained_at"]))


# --- the words players taught it ------------------------------------------------------------------
@dataclass(frozen=True)
class TaughtWord:
    word: str
    learned_at: datetime | None   # when the model that first knew it was trained
    drawings: int                 # players' drawings it learned the word from
    version: str
    recognised: int = 0           # of `held_out` drawings never trained on, how many the newest model that
    held_out: int = 0             # counted them recognises (game's rule, whole drawings); 0 of 0 if none did


def _new_words(metrics: object) -> dict[str, int]:
    return new_word_counts(metrics.get(NEW_WORDS) if isinstance(metrics, dict) else None)


def taught_words(models: list[dict]) -> list[TaughtWord]:
    """The words retrainings added, each once (the first model that played with it), oldest first.
    A model that was judged worse and never played taught nothing: only active models and those
    swapped in (or recorded without a decision, as `train.py --db` does) count."""
    earliest = datetime.min.replace(tzinfo=timezone.utc)
    used = [m for m in models if m.get("active") or not isinstance(m.get("metrics"), dict)
            or m["metrics"].get("decision", "swapped in") == "swapped in"]
    used.sort(key=lambda m: parse_time(m.get("trained_at")) or earliest)
    seen: dict[str, TaughtWord] = {}
    for model in used:
        metrics = model.get("metrics") if isinstance(model.get("metrics"), dict) else {}
        for word, drawings in _new_words(metrics).items():
            if word not in seen:
                seen[word] = TaughtWord(word, parse_time(model.get("trained_at")), drawings,
                                        str(model.get("version", "")))
        # how the newest model that checked a word does with it (a later retraining learnt from more drawings)
        for word, (right, total) in taught_recognised(metrics.get(TAUGHT_RECOGNISED)).items():
            if word in seen:
                seen[word] = replace(seen[word], recognised=right, held_out=total)
    return list(seen.values())


# --- teaching rounds ------------------------------------------------------------------------------
def teach_candidates(all_words, known, counts: dict[str, int], needed: int) -> list[str]:
    """The words the model does not know, closest to being learned first: most drawings below `needed`
    (ties in list order). Words that already have `needed` drawings wait for the next retraining:
    asked for last, only when nothing else is left to teach."""
    known = set(known)
    unknown = [word for word in dict.fromkeys(all_words) if word not in known]
    below = [w for w in unknown if counts.get(w, 0) < needed]
    enough = [w for w in unknown if counts.get(w, 0) >= needed]
    return sorted(below, key=lambda w: -counts.get(w, 0)) + sorted(enough, key=lambda w: counts.get(w, 0))


def teach_words(all_words, known, counts: dict[str, int], needed: int, count: int,
                rng: random.Random, pool: int = TEACH_POOL) -> list[str]:
    """`count` different words to teach, drawn from the `pool` closest to being learned (the pool
    widens to the next ones once those are drawn; ties with the pool's last word are drawn among)."""
    candidates = teach_candidates(all_words, known, counts, needed)
    chosen: list[str] = []
    while candidates and len(chosen) < count:
        edge = counts.get(candidates[min(pool, len(candidates)) - 1], 0)
        near = candidates[:pool] + [w for w in candidates[pool:] if edge == counts.get(w, 0) < needed]
        word = rng.choice(near)
        chosen.append(word)
        candidates.remove(word)
    return chosen


def teach_count(rounds: int, share: float, rng: random.Random) -> int:
    """How many of `rounds` prompts teach: `share` of them on average (1/6 of 6 is exactly one, the
    fraction is drawn by chance), and, below a share of 1, never every round of a longer game."""
    expected = rounds * share
    count = math.floor(expected + 1e-9)
    if rng.random() < expected - count:
        count += 1
    if share < 1 and rounds > 1:
        count = min(count, rounds - 1)
    return min(count, rounds)


def plan_game(prompts: list[str], teach: list[str], rng: random.Random) -> list[str]:
    """The game's prompts: `prompts` (known words, in order) with the `teach` words in the place of
    some of them, never the first while a known word can keep it (the first round shows how the machine
    guesses; and a seeded game opens with the same word whatever it teaches)."""
    prompts = list(prompts)
    if len(teach) > len(prompts):
        raise ValueError(f"cannot teach {len(teach)} words in a game of {len(prompts)} prompts")
    first = 1 if len(teach) < len(prompts) else 0
    for place, word in zip(sorted(rng.sample(range(first, len(prompts)), len(teach))), teach):
        prompts[place] = word
    return prompts
