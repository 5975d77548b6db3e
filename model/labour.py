"""The labour ledger: what a game of pennydraw would have cost a company on a micro-task platform.

Playing pennydraw is unpaid data work: every drawing is a training example labelled with its prompt,
guessed or not (`train.py` learns from all of them), the kind of micro-task platforms pay pennies
for (Antonio A. Casilli, *En attendant les robots*, Seuil, 2019). This module turns a session (seconds
worked, labels produced)
into a `Ledger` whose every figure carries the key of the `assets/labour_rates.toml` entry it came
from (or `SESSION` when the game measured it), so a screen can print the source beside each number.
It also formats figures and a payslip for the game's three locales (its words are the `ledger`
section of the language files, `assets/i18n/*.json`).

Pure: no pygame, no torch, no sqlite, nothing done at import. Money is `decimal.Decimal` throughout
(the rates file is read with `parse_float=Decimal`); rounding happens only when formatting.

Formatting conventions, close to CLDR, with U+00A0 no-break spaces (CLDR's U+202F is missing from the
bundled Quicksand font) so that a wrapped line never leaves a number apart from its unit:
    en  $1,234.56     $0.012    1 h 02 min 05 s    266,126
    fr  1 234,56 $    0,012 $   1 h 02 min 05 s    266 126
    nl  $ 1.234,56    $ 0,012   1 u 02 min 05 s    266.126
Every amount is in US dollars, the currency of every source; no exchange rate is applied.
"""

from __future__ import annotations

import operator
import tomllib
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Iterator, Mapping

import assets
from model import translations

DEFAULT_RATES_PATH = assets.path("labour_rates.toml")
SESSION = "session"  # source key of the figures measured in the player's session, not read from the file
LOCALES = translations.LANGUAGES
NBSP = "\u00a0"

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


class _LedgerTexts(Mapping):
    """The ledger's words by locale: the `ledger` section of `assets/i18n/<locale>.json` (the one
    translation system, `model/translations.py`), read when first used, never at import."""

    def __getitem__(self, locale: str) -> dict[str, str]:
        if locale not in LOCALES:
            raise KeyError(locale)
        return translations.ledger_text(locale)

    def __iter__(self) -> Iterator[str]:
        return iter(LOCALES)

    def __len__(self) -> int:
        return len(LOCALES)


TEXT: Mapping[str, dict[str, str]] = _LedgerTexts()

# (group separator, decimal separator) per locale
SEPARATORS = {"en": (",", "."), "fr": (NBSP, ","), "nl": (".", ",")}


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
    seconds = _non_negative_decimal(seconds_worked, "seconds_worked")
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


def _non_negative_decimal(number: object, name: str) -> Decimal:
    """A finite number >= 0 as a Decimal; floats go through their shortest repr (93.1 stays 93.1)."""
    if isinstance(number, (bool, str, bytes)) or not hasattr(number, "__float__"):
        raise ValueError(f"{name} must be a number, got {number!r}")
    if not isinstance(number, (int, float, Decimal)):
        number = float(number)  # type: ignore[arg-type]  # numpy scalars and the like
    value = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite number, 0 or more, got {number!r}")
    return value


# --- formatting ------------------------------------------------------------------------------------------

def _language(locale: str) -> str:
    """"fr", "fr_BE", "fr-FR" -> "fr"; ValueError for a language the game does not speak."""
    language = str(locale).replace("-", "_").split("_", 1)[0].lower()
    if language not in LOCALES:
        raise ValueError(f"unsupported locale {locale!r}; pennydraw speaks {', '.join(LOCALES)}")
    return language


def _group(digits: str, separator: str) -> str:
    """Thousands grouping of a string of digits: "1234567" -> "1,234,567"."""
    head = len(digits) % 3 or 3
    return separator.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def format_money(amount_usd: float | Decimal, locale: str = "en", places: int | None = None) -> str:
    """An amount of US dollars as the locale writes it: "$0.06", "0,06 $", "$ 0,06".

    `places=None` shows the amount exactly with 2 to 4 decimals (so a 0.012 rate is not shown as
    0.01), rounding half up past 4; an int rounds half up to that many decimals. Amounts are never
    negative here: a negative one is a bug upstream and raises ValueError."""
    language = _language(locale)
    amount = _non_negative_decimal(amount_usd, "amount_usd")
    if places is None:
        amount = amount.quantize(Decimal("0.0001"), ROUND_HALF_UP)
        for exponent in (-2, -3):  # drop zeros below the cent: 0.0600 -> 0.06, 0.0120 -> 0.012
            if amount == (shorter := amount.quantize(Decimal(1).scaleb(exponent))):
                amount = shorter
                break
    else:
        if isinstance(places, bool) or not isinstance(places, int) or places < 0:
            raise ValueError(f"places must be None or a whole number >= 0, got {places!r}")
        amount = amount.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    whole, _, fraction = f"{amount:f}".partition(".")
    group, decimal_mark = SEPARATORS[language]
    number = _group(whole, group) + (decimal_mark + fraction if fraction else "")
    return {"en": f"${number}", "fr": f"{number}{NBSP}$", "nl": f"${NBSP}{number}"}[language]


def format_duration(seconds: float, locale: str = "en") -> str:
    """A duration to the nearest second: "45 s", "2 min 05 s", "1 h 02 min 05 s" ("1 u ..." in nl).
    Under 10 s to the tenth ("0.4 s", "0,4 s"): a quick doodle is still work, never "0 s"."""
    language = _language(locale)
    exact = _non_negative_decimal(seconds, "seconds")
    tenths = exact.quantize(Decimal("0.1"), ROUND_HALF_UP)
    if tenths < 10 and tenths != tenths.to_integral_value():
        return f"{tenths:f}".replace(".", SEPARATORS[language][1]) + f"{NBSP}s"
    total = int(exact.quantize(Decimal(1), ROUND_HALF_UP))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        parts = [f"{hours}{NBSP}{TEXT[language]['hour']}", f"{minutes:02d}{NBSP}min", f"{secs:02d}{NBSP}s"]
    elif minutes:
        parts = [f"{minutes}{NBSP}min", f"{secs:02d}{NBSP}s"]
    else:
        parts = [f"{secs}{NBSP}s"]
    return NBSP.join(parts)


def format_count(count: int | Decimal, locale: str = "en") -> str:
    """A whole number with the locale's thousands separator: "266,126", "266 126", "266.126"."""
    language = _language(locale)
    value = _non_negative_decimal(count, "count")
    if value != value.to_integral_value():
        raise ValueError(f"count must be a whole number, got {count!r}")
    return _group(str(int(value)), SEPARATORS[language][0])


def format_figure(figure: Figure, locale: str = "en") -> str:
    """A ledger figure with its unit; an undefined hourly wage (no time worked) shows as an em dash."""
    text = TEXT[_language(locale)]
    if figure.value is None:
        return "\u2014"
    if figure.unit == "USD":
        return format_money(figure.value, locale)
    if figure.unit == "USD/label":
        return f"{format_money(figure.value, locale)} {text['per_label']}"
    if figure.unit == "USD/hour":  # a wage: cents are enough
        return f"{format_money(figure.value, locale, places=2)}/{text['hour']}"
    if figure.unit == "seconds":
        return format_duration(figure.value, locale)
    if figure.unit == "labels":
        return format_count(figure.value, locale)
    raise ValueError(f"no format for unit {figure.unit!r}")


def describe_source(source_key: str | None, rates: Rates, locale: str = "en") -> str:
    """The text to print beside a figure: the citation of its rates-file entry, or "measured during
    your game" (translated) for SESSION, or "" for None (a plain statement, not a figure)."""
    if source_key is None:
        return ""
    if source_key == SESSION:
        return TEXT[_language(locale)]["session"]
    return rates[source_key].citation()


def payslip_lines(ledger: Ledger, locale: str = "en") -> list[tuple[str, str, str | None]]:
    """The rows of a payslip-style sheet as (label, value, source_key), labels in the locale.

    source_key is a rates-file key, SESSION for what the game measured, or None for a statement that
    is not a figure (the employer). Pass it to `describe_source` to print the source."""
    text = TEXT[_language(locale)]
    rows: list[tuple[str, str, str | None]] = [
        (text["employer"], text["the_machine"], None),
        (text["time_worked"], format_figure(ledger.seconds_worked, locale), ledger.seconds_worked.source_key),
        (text["units"], format_figure(ledger.labels, locale), ledger.labels.source_key),
    ]
    for costing in ledger.costings:
        rows.append((text[costing.key], format_figure(costing.rate, locale), costing.key))
        rows.append((text["gross"], format_figure(costing.cost, locale), costing.key))
    rows.append((text["paid"], format_money(ledger.paid.value, locale, places=2), ledger.paid.source_key))
    return rows
