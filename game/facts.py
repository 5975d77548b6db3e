"""The sourced facts the title screen and the attract loop show in turn: the argument told in seconds.

Also the installation's totals both screens show (`totals_rows`): drawings collected, hours of
unpaid work, and what micro-workers would have been paid for them.

Each `Fact` is one big figure, one short sentence and its source in small print, every number taken
from `assets/labour_rates.toml` (or counted by this installation) and declared with its source
(`provenance.Shown`), so the screen audit can trace it. `facts(rates, tr, totals)` builds them in the
current language; `fact_card.draw_fact` draws one. Pure: no pygame.

The order tells the story: what a micro-task pays, how many people do them, what the 50 million
Quick, Draw! drawings would have cost, what micro-workers earn an hour, who does it in France, what a
platform pays today, and last what the players of this installation have given.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from model import labour, labour_format

from .provenance import Shown, shown

ROTATE_SECONDS = 9.0         # each fact stays this long: read in a few seconds, then the next one
MILLION = Decimal(1_000_000)
PAID_RANGE_KEYS = ("rates.low", "rates.typical")   # the totals' pay: from penny task to typical rate


@dataclass(frozen=True)
class Fact:
    name: str                       # e.g. "penny_tasks"
    figure: str                     # the big figure: "9 in 10", "100 million", "$2.00/h"
    sentence: str                   # what it means, in one sentence
    figures: tuple[Shown, ...]      # the numbers in `figure` and `sentence`, with their sources
    citations: tuple[str, ...]      # the small print: the sources of those figures, once each
    note: str = ""                  # a line of small print before the sources ("measured here", ...)
    coins: int | None = None        # a picture of ten coins, this many of them copper (paid 10 cents or less)


def money(value, tr, places: int | None = None) -> str:
    return labour_format.format_money(value, tr.lang, places)


def wage(value, tr) -> str:
    """An hourly wage as the slip writes it: "$2.00/h", "2,00 $/h", "$ 2,00/u"."""
    return labour_format.format_figure(labour.Figure(Decimal(value), "USD/hour", ""), tr.lang)


def citations(rates: labour.Rates, figures, statements=()) -> tuple[str, ...]:
    """The short citations of the rates-file sources of `figures`, then of `statements`, once each."""
    keys = [source for figure in figures for source in figure.sources if source in rates] + list(statements)
    return tuple(dict.fromkeys(rates.short_citation(key) for key in keys))


def facts(rates: labour.Rates, tr, totals: dict | None = None) -> list[Fact]:
    """The facts in rotation order; the installation's own only once its players have drawn."""
    value = lambda key: rates[key].value  # noqa: E731
    made = []

    def fact(name, figure, sentence, figures, statements=(), **extra) -> None:
        made.append(Fact(name, figure, sentence, tuple(figures), citations(rates, figures, statements), **extra))

    share = value("facts.casilli_penny_share")
    nine = tr.number(share / 10)          # 90% of tasks: 9 coins in 10
    ceiling, penny = money(value("facts.casilli_penny_ceiling"), tr), money(value("rates.low"), tr)
    figure = tr.t("fact_penny_figure", n=nine, of=tr.number(10))
    fact("penny_tasks", figure, tr.t("fact_penny", ceiling=ceiling, penny=penny),
         (shown(figure, "facts.casilli_penny_share"), shown(ceiling, "facts.casilli_penny_ceiling"),
          shown(penny, "rates.low"), shown(labour.PENNY_YEARS, "facts.casilli_penny_share")), coins=int(share / 10))

    world = tr.number(value("facts.lecho_microworkers_world") / MILLION)
    figure = tr.t("fact_millions", n=world)
    fact("micro_workers", figure, tr.t("fact_world"), (shown(figure, "facts.lecho_microworkers_world"),))

    drawings = value("facts.quickdraw_drawings")
    low, high = (money(drawings * value(key), tr, 0) for key in ("rates.low", "rates.typical"))
    cheap, typical = money(value("rates.low"), tr), money(value("rates.typical"), tr)
    paid, quickdraw = money(0, tr, 2), tr.t("fact_millions", n=tr.number(drawings / MILLION))
    fact("quickdraw", quickdraw, tr.t("fact_quickdraw", penny=cheap, typical=typical, low=low, high=high, paid=paid),
         (shown(quickdraw, "facts.quickdraw_drawings"), shown(cheap, "rates.low"), shown(typical, "rates.typical"),
          shown(low, "facts.quickdraw_drawings", "rates.low"),
          shown(high, "facts.quickdraw_drawings", "rates.typical"), shown(paid, "facts.quickdraw_drawings")))

    median, minimum = money(value("hourly.hara_median"), tr, 2), wage(value("hourly.hara_minimum_wage"), tr)
    above = tr.percent(value("facts.hara_above_minimum_wage") / 100)
    fact("hourly_pay", median, tr.t("fact_hara", above=above, minimum=minimum),
         (shown(median, "hourly.hara_median"), shown(above, "facts.hara_above_minimum_wage"),
          shown(minimum, "hourly.hara_minimum_wage")), statements=("statements.hara_unpaid_work",),
         note=tr.t("slip_why"))

    most, best = money(value("hourly.casilli_majority"), tr, 2), wage(value("hourly.casilli_best"), tr)
    fact("casilli_hourly", most, tr.t("fact_casilli_hourly", best=best),
         (shown(most, "hourly.casilli_majority"), shown(best, "hourly.casilli_best")))

    tiers = {key: tr.number(value(f"facts.diplab_{key}")) for key in ("occasional", "regular", "very_active")}
    platforms = tr.number(value("facts.lecho_france_platforms"))
    fact("france", tiers["occasional"], tr.t("fact_france", platforms=platforms, **tiers),
         [shown(text, f"facts.diplab_{key}") for key, text in tiers.items()]
         + [shown(platforms, "facts.lecho_france_platforms")], note=tr.t("fact_france_disputed"))

    price = money(value("rates.sagemaker"), tr)
    fact("sagemaker", price, tr.t("fact_sagemaker"), (shown(price, "rates.sagemaker"),))

    drawn = int((totals or {}).get("drawings", 0))
    if drawn > 0:
        hours = float((totals or {}).get("seconds", 0.0)) / 3600.0
        count, hours_text = tr.number(drawn), tr.number(hours, 2 if hours < 10 else 1)
        figure = tr.t("fact_hours", hours=hours_text)
        fact("installation", figure, tr.t("fact_installation", drawings=count, hours=hours_text),
             (shown(count, "installation"), shown(hours_text, "installation")),
             statements=("statements.casilli_illustrator",), note=tr.t("fact_installation_note"))
    return made


def totals_rows(rates: labour.Rates, tr, totals: dict | None) -> list[tuple[str, str, tuple[Shown, ...]]]:
    """(value, label, figures) of the installation's totals: its players' drawings, the hours they
    spent drawing, and what micro-workers would have been paid for those drawings (penny task to
    typical rate, one label per drawing, as on the pay slip)."""
    totals = totals or {}
    drawings, seconds = int(totals.get("drawings", 0)), float(totals.get("seconds", 0.0))
    hours = seconds / 3600.0
    book = labour.ledger(seconds, drawings, rates)
    low, high = (money(book.costing(key).cost.value, tr, 2) for key in PAID_RANGE_KEYS)
    count, hours_text = tr.number(drawings), tr.number(hours, 2 if hours < 1 else 1)
    return [(count, tr.t("totals_drawings"), (shown(count, "installation"),)),
            (hours_text, tr.t("totals_hours"), (shown(hours_text, "installation"),)),
            (f"{low}\u2013{high}", tr.t("totals_paid"),
             (shown(low, "installation", PAID_RANGE_KEYS[0]), shown(high, "installation", PAID_RANGE_KEYS[1])))]


def totals_citations(rates: labour.Rates) -> str:
    """The small print under the totals: the source of the rates their pay is worked out at."""
    return " \u00b7 ".join(dict.fromkeys(rates.short_citation(key) for key in PAID_RANGE_KEYS))


def current(made: list[Fact], age: float) -> Fact | None:
    """The fact showing `age` seconds into a screen: each for ROTATE_SECONDS, round and round."""
    if not made:
        return None
    return made[int(age // ROTATE_SECONDS) % len(made)]


class Rotation:
    """The facts a screen shows in turn: built when first asked for, again in a new language or
    after `reset` (a screen resets it when it appears, with the installation's totals read anew)."""

    def __init__(self) -> None:
        self._facts: list[Fact] | None = None
        self._lang: str | None = None

    def reset(self) -> None:
        self._facts = None

    def facts(self, rates: labour.Rates, tr, totals: dict | None) -> list[Fact]:
        if self._facts is None or self._lang != tr.lang:
            self._facts, self._lang = facts(rates, tr, totals), tr.lang
        return self._facts

    def at(self, rates: labour.Rates, tr, totals: dict | None, age: float) -> Fact | None:
        """The fact showing `age` seconds after the screen appeared."""
        return current(self.facts(rates, tr, totals), age)
