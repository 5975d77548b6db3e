"""The labour ledger: what a game of pennydraw would have cost a company on a micro-task platform.

Playing pennydraw is unpaid data work: every drawing is a training example labelled with its prompt,
guessed or not (`train.py` learns from all of them), the kind of micro-task platforms pay pennies
for (Antonio A. Casilli, *En attendant les robots*, Seuil, 2019). This module turns a session
(seconds worked, labels produced) into a `Ledger` whose every figure carries the key of the
`assets/labour_rates.toml` entry it came from (or `SESSION` when the game measured it), so a screen
can print the source beside each number. `model/labour_format.py` writes its figures out in the
game's three locales; the pay slip made of them is `game/payslip_sheet.py`.

Pure: no pygame, no torch, no sqlite, nothing done at import. Money is `decimal.Decimal` throughout
(the rates file is read with `parse_float=Decimal`); rounding happens only when formatting.
"""

from __future__ import annotations

import operator
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping

import assets
from model.labour_format import non_negative_decimal

DEFAULT_RATES_PATH = assets.path("labour_rates.toml")
SESSION = "session"  # source key of the figures measured in the player's session, not read from the file

# The sections of the rates file and the unit each one's entries must have (None: any unit).
SECTION_UNITS = {"rates": "USD/label", "hourly": "USD/hour", "facts": None}
REQUIRED_FIELDS = ("value", "unit", "source", "detail")
OPTIONAL_FIELDS = ("url", "page", "checked", "short")
# [statements.*]: what a source says without a figure (a quote, a proposal, an argument).
STATEMENT_FIELDS = ("text", "source", "detail")
STATEMENT_OPTIONAL = ("url", "page", "checked", "short", "quoted", "language")
# The per-label rates a ledger prices labels at (cheapest first with the bundled figures); required.
LEDGER_RATE_KEYS = ("rates.low", "rates.sagemaker", "rates.typical")
# The penny rate and its 90% share are of "until the early 2010s" (Casilli): screens that say so
# declare this year as part of those entries' figures.
PENNY_YEARS = "2010"


# --- the rates file ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One sourced figure of the rates file."""
    key: str                    # "section.name", e.g. "rates.low": the reference every figure carries
    value: Decimal              # positive, exactly as written in the file
    unit: str                   # e.g. "USD/label", "USD/hour", "micro-workers in France"
    source: str                 # full citation
    detail: str                 # what exactly the figure is
    url: str | None = None      # where the source can be read
    page: str | None = None     # page or section of the source
    checked: str | None = None  # when and how the figure was last checked
    short: str | None = None    # the source in a few words, for small print on screen

    def citation(self, short: bool = False) -> str:
        """The source with its page, for printing beside a figure (`short`: its few-word form)."""
        return _cite(self.short if short and self.short else self.source, self.page)


@dataclass(frozen=True)
class Statement:
    """What a source says without a figure: a quote (`quoted`: `text` is its own words, in
    `language`), a proposal or an argument the screens report."""
    key: str                    # "statements.name"
    text: str
    source: str
    detail: str
    url: str | None = None
    page: str | None = None
    checked: str | None = None
    short: str | None = None
    quoted: bool = False
    language: str | None = None  # the language of a quote, e.g. "fr"

    def citation(self, short: bool = False) -> str:
        return _cite(self.short if short and self.short else self.source, self.page)


def _cite(source: str, page: str | None) -> str:
    if not page:
        return source
    return f"{source}, {'p. ' + page if page.isdigit() else page}"


@dataclass(frozen=True)
class Rates:
    """Every entry of a rates file, by key."""
    path: Path
    entries: Mapping[str, Entry]
    statements: Mapping[str, Statement] = field(default_factory=lambda: MappingProxyType({}))

    def __getitem__(self, key: str) -> Entry | Statement:
        if key in self.entries:
            return self.entries[key]
        if key in self.statements:
            return self.statements[key]
        raise KeyError(f"{self.path} has no entry [{key}]")

    def __contains__(self, key: object) -> bool:
        return key in self.entries or key in self.statements

    def short_citation(self, key: str) -> str:
        """The source of `key` as small print on a screen: its short form with the page."""
        return self[key].citation(short=True)

    def section(self, name: str) -> tuple[Entry, ...]:
        """The entries of one section ("rates", "hourly", "facts") in file order."""
        return tuple(e for k, e in self.entries.items() if k.split(".", 1)[0] == name)


def load_rates(path: str | Path | None = None) -> Rates:
    """Read and validate a rates file (default `assets/labour_rates.toml`).

    Raises ValueError naming the file and the entry when the TOML is invalid, a section is unknown, an
    entry lacks a positive value, a unit, a source or a detail, or a ledger rate is missing."""
    path = Path(path) if path is not None else DEFAULT_RATES_PATH
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f, parse_float=Decimal)  # exact decimals: 0.012 stays 0.012
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from error
    entries: dict[str, Entry] = {}
    statements: dict[str, Statement] = {}
    for section, table in data.items():
        if section not in SECTION_UNITS and section != "statements":
            raise ValueError(f"{path}: unknown section [{section}]; expected {', '.join(SECTION_UNITS)}, statements")
        if not isinstance(table, dict):
            raise ValueError(f"{path}: [{section}] must hold tables such as [{section}.name]")
        for name, fields in table.items():
            key = f"{section}.{name}"
            if section == "statements":
                statements[key] = _parse_statement(f"{path}: [{key}]", key, fields)
            else:
                entries[key] = _parse_entry(f"{path}: [{key}]", key, fields, SECTION_UNITS[section])
    missing = [f"[{key}]" for key in LEDGER_RATE_KEYS if key not in entries]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}, which the labour ledger needs")
    return Rates(path, MappingProxyType(entries), MappingProxyType(statements))


def _parse_entry(where: str, key: str, fields: object, unit_required: str | None) -> Entry:
    if not isinstance(fields, dict):
        raise ValueError(f"{where} must be a table with fields {', '.join(REQUIRED_FIELDS)}")
    unknown = sorted(set(fields) - set(REQUIRED_FIELDS) - set(OPTIONAL_FIELDS))
    if unknown:  # most likely a typo, which would otherwise silently drop a field
        raise ValueError(f"{where} has unknown field(s) {', '.join(unknown)}; "
                         f"known fields: {', '.join(REQUIRED_FIELDS + OPTIONAL_FIELDS)}")
    for name in REQUIRED_FIELDS[1:]:
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise ValueError(f"{where} has no {name}: every figure shown needs a value, unit, source and detail")
    value = fields.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise ValueError(f"{where} needs a numeric value, got {value!r}")
    value = Decimal(value)
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{where} value must be positive, got {value}")
    unit = fields["unit"].strip()
    if unit_required is not None and unit != unit_required:
        raise ValueError(f"{where} unit must be {unit_required!r}, got {unit!r}")
    optional: dict[str, str] = {}
    for name in OPTIONAL_FIELDS:
        if name in fields:
            text = str(fields[name]) if isinstance(fields[name], int) else fields[name]  # page = 124 is fine
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"{where} {name} must be non-empty text, got {fields[name]!r}")
            optional[name] = text.strip()
    return Entry(key, value, unit, fields["source"].strip(), " ".join(fields["detail"].split()), **optional)


def _parse_statement(where: str, key: str, fields: object) -> Statement:
    if not isinstance(fields, dict):
        raise ValueError(f"{where} must be a table with fields {', '.join(STATEMENT_FIELDS)}")
    unknown = sorted(set(fields) - set(STATEMENT_FIELDS) - set(STATEMENT_OPTIONAL))
    if unknown:
        raise ValueError(f"{where} has unknown field(s) {', '.join(unknown)}; "
                         f"known fields: {', '.join(STATEMENT_FIELDS + STATEMENT_OPTIONAL)}")
    texts = {}
    for name in STATEMENT_FIELDS + STATEMENT_OPTIONAL:
        if name == "quoted" or name not in fields:
            continue
        text = str(fields[name]) if isinstance(fields[name], int) and not isinstance(fields[name], bool) else fields[name]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where} {name} must be non-empty text, got {fields.get(name)!r}")
        texts[name] = " ".join(text.split()) if name in ("text", "detail") else text.strip()
    missing = [name for name in STATEMENT_FIELDS if name not in texts]
    if missing:
        raise ValueError(f"{where} has no {', '.join(missing)}: every statement shown needs its text, source and detail")
    quoted = fields.get("quoted", False)
    if not isinstance(quoted, bool):
        raise ValueError(f"{where} quoted must be true or false, got {quoted!r}")
    return Statement(key, quoted=quoted, **texts)


# --- the ledger ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One number of the ledger and where it came from."""
    value: Decimal | None  # None only for the player's hourly wage when no time was worked
    unit: str              # "USD", "USD/label", "USD/hour", "seconds", "labels"
    source_key: str        # key of the rates-file entry it came from, or SESSION


@dataclass(frozen=True)
class Costing:
    """The session's labels priced at one per-label rate. No hourly wage is worked out from it: a game
    counts only the seconds of ink, so such a wage (always above $9/h for a 2-minute game at a penny a
    label) would say micro-work pays well, when micro-workers' real hourly pay, unpaid time between
    tasks included, is the [hourly.*] entries."""
    rate: Figure    # USD/label, straight from the file
    cost: Figure    # USD: labels x rate, exact

    @property
    def key(self) -> str:
        return self.rate.source_key


@dataclass(frozen=True)
class Ledger:
    """What a session was worth to the machine, and what the player got."""
    seconds_worked: Figure                  # SESSION
    labels: Figure                          # SESSION: labelled drawings (the game counts each one with ink)
    costings: tuple[Costing, ...]           # one per LEDGER_RATE_KEYS, cheapest rate first
    hourly_references: tuple[Figure, ...]   # every [hourly.*] entry: what micro-workers really earn an hour
    paid: Figure                            # SESSION: always 0 USD

    def costing(self, key: str) -> Costing:
        for costing in self.costings:
            if costing.key == key:
                return costing
        raise KeyError(f"the ledger has no costing at [{key}]; it has {[c.key for c in self.costings]}")

    def figures(self) -> Iterator[tuple[str, Figure]]:
        """Every figure with a name, e.g. ("rates.low.cost", Figure(...))."""
        yield "seconds_worked", self.seconds_worked
        yield "labels", self.labels
        for c in self.costings:
            yield from ((f"{c.key}.rate", c.rate), (f"{c.key}.cost", c.cost))
        yield from ((reference.source_key, reference) for reference in self.hourly_references)
        yield "paid", self.paid


def ledger(seconds_worked: float, labels: int, rates: Rates) -> Ledger:
    """Price `labels` produced in `seconds_worked` at the per-label rates of `rates`."""
    seconds = non_negative_decimal(seconds_worked, "seconds_worked")
    if isinstance(labels, bool) or not hasattr(labels, "__index__"):  # ints and numpy integers, no floats
        raise ValueError(f"labels must be a whole number, got {labels!r}")
    labels = operator.index(labels)
    if labels < 0:
        raise ValueError(f"labels must be 0 or more, got {labels}")
    costings = []
    for key in LEDGER_RATE_KEYS:
        rate = rates[key].value
        costings.append(Costing(Figure(rate, "USD/label", key), Figure(rate * labels, "USD", key)))
    return Ledger(
        seconds_worked=Figure(seconds, "seconds", SESSION),
        labels=Figure(Decimal(labels), "labels", SESSION),
        costings=tuple(costings),
        hourly_references=tuple(Figure(e.value, "USD/hour", e.key) for e in rates.section("hourly")),
        paid=Figure(Decimal(0), "USD", SESSION),
    )
