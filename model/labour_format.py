"""The labour ledger's figures as text in the game's three locales: money, durations, counts, and a
ledger `Figure` with its unit. The words they need ("per label", the hour's abbreviation) are the
`ledger` section of the language files (`assets/i18n/*.json`, read through `model/translations.py`).

Pure: no pygame, no torch, nothing done at import. Amounts arrive as `decimal.Decimal` (the ledger's
exact figures, `model/labour.py`) or plain numbers; rounding happens only here.

Conventions, close to CLDR, with U+00A0 no-break spaces (CLDR's U+202F is missing from the bundled
Quicksand font) so that a wrapped line never leaves a number apart from its unit:
    en  $1,234.56     $0.012    1 h 02 min 05 s    266,126
    fr  1 234,56 $    0,012 $   1 h 02 min 05 s    266 126
    nl  $ 1.234,56    $ 0,012   1 u 02 min 05 s    266.126
Every amount is in US dollars, the currency of every source; no exchange rate is applied.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Iterator, Mapping

from model import translations

if TYPE_CHECKING:  # the ledger imports this module, not the other way round
    from model.labour import Figure

LOCALES = translations.LANGUAGES
NBSP = "\u00a0"


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


def non_negative_decimal(number: object, name: str) -> Decimal:
    """A finite number >= 0 as a Decimal; floats go through their shortest repr (93.1 stays 93.1).
    ValueError naming `name` for anything else (the ledger checks its inputs with it too)."""
    if isinstance(number, (bool, str, bytes)) or not hasattr(number, "__float__"):
        raise ValueError(f"{name} must be a number, got {number!r}")
    if not isinstance(number, (int, float, Decimal)):
        number = float(number)  # type: ignore[arg-type]  # numpy scalars and the like
    value = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not value.is_finite() or value < 0:
        raise ValueError(f"{name} must be a finite number, 0 or more, got {number!r}")
    return value


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
    amount = non_negative_decimal(amount_usd, "amount_usd")
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
    exact = non_negative_decimal(seconds, "seconds")
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
    value = non_negative_decimal(count, "count")
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
