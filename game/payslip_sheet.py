"""What the pay slip says: one game's labour as payslip rows, each figure with the source it came from.

Pure (no pygame): `payslip(...)` turns the rounds of a game into a `Sheet` that `payslip_render.py`
draws on screen and into the saved PNG, so both show the same words. Every figure on it is a
`model.labour.Figure` formatted by `model.labour_format`, and keeps that Figure (`Cell.figure`): the
tests check that each one traces to an entry of `assets/labour_rates.toml` or to the game's own measurement.
Sources are numbered in the order they first appear, in their short form (`Rates.short_citation`; the
full references are in the rates file); two entries with the same citation share a number.

What it tells, in order: the work (time, labelled drawings, the orders the machine gave, the times it
watched), what those labels are worth at each sourced per-label rate (a declined player's "would
have been worth"), what the player was paid (0.00), what micro-workers really earn an hour (Hara et
al.'s median and the 4% above the minimum wage, with why: their unpaid time), Casilli's words on being
watched, his remedy, and where the drawings go. No hourly wage is computed from the game: a game
counts only inked seconds, so any wage worked out from it would flatter micro-work.

What counts as work: the seconds from a round's first line to its end (the drawing clock, as stored in
`duration_ms`), and one label per drawing with ink, recognised or not, because every stored drawing
is a training example labelled with its prompt (`train.py` learns from all of them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from model import labour, labour_format

from .provenance import Shown, shown

# Every sourced per-label rate, cheapest first (the ledger's own order).
COLUMN_KEYS = labour.LEDGER_RATE_KEYS
# What micro-workers earn an hour (Hara et al.): the median, the share above the minimum wage, and why.
MEDIAN_KEY, ABOVE_KEY, MINIMUM_KEY = "hourly.hara_median", "facts.hara_above_minimum_wage", "hourly.hara_minimum_wage"
WHY_KEY, QUOTE_KEY, REMEDY_KEY = "statements.hara_unpaid_work", "statements.lecho_surveillance", "statements.lecho_remedy"


def game_work(results) -> tuple[float, int]:
    """(seconds worked, labels produced) of a game's finished rounds."""
    seconds = sum(result.duration_ms for result in results if result.has_ink) / 1000.0
    return seconds, sum(1 for result in results if result.has_ink)


def times_watched(results, store=None, session=None) -> int:
    """How many guesses the machine made while the player drew: counted in the store for a donated
    game's rounds already committed (what was kept), else in the rounds themselves (the machine
    watched all the same; a round still waiting for a busy database counts from memory)."""
    if store is not None and session is not None and session.consent:
        try:
            return sum(len(store.guesses(result.drawing_id)) if result.drawing_id is not None
                       else len(result.guesses) for result in results)
        except Exception:  # a store that cannot be read: the rounds know the same
            pass
    return sum(len(result.guesses) for result in results)


@dataclass(frozen=True)
class Cell:
    text: str
    figure: labour.Figure | None = None   # the figure `text` was formatted from; None for words
    note: int | None = None               # footnote number of its source, None when measured here


@dataclass(frozen=True)
class Line:
    """A sentence of the slip, where the numbers in it come from, and the footnote of its source."""
    text: str
    figures: tuple[Shown, ...] = ()
    note: int | None = None


def sources_of(cells) -> tuple[Shown, ...]:
    """Figure cells as the screen audit sees them: each one's text and the source it came from."""
    return tuple(shown(cell.text, cell.figure.source_key) for cell in cells if cell.figure is not None)


@dataclass(frozen=True)
class Sheet:
    title: str
    date: str
    parties: tuple[tuple[str, Cell], ...]       # employer, worker
    work: tuple[tuple[str, Cell], ...]          # time worked, labels, orders given, times watched
    columns: tuple[Line, ...]                   # headings of the priced columns
    table: tuple[tuple[str, tuple[Cell, ...]], ...]   # the rate and the gross of each column
    paid: tuple[str, Cell]
    wage: tuple[str, Cell]                      # what the player earned per hour: 0
    earnings: tuple[Line, ...]                  # what micro-workers really earn, and why
    quote: Line                                 # Casilli on being watched
    remedy: Line                                # Casilli's remedy, in one sentence
    where: str                                  # one sentence on where the data goes
    where_settings: tuple[str, ...]             # the installation's settings quoted in it (db, days)
    code: str | None                            # the erasure code, None without consent
    erase_how: str                              # how to use the code, or why there is none
    notes: tuple[tuple[int, str], ...]          # (number, citation)
    measured_note: str                          # what "measured" means for the unnumbered figures
    donated: bool
    badge: str                                  # "DONATED" / "NOT DONATED"
    cells: tuple[Cell, ...] = field(default=(), repr=False)   # every figure cell, for the tests

    def figures(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.figure is not None]


class _Notes:
    """Footnote numbers by citation, in order of first use."""

    def __init__(self, rates: labour.Rates) -> None:
        self.rates = rates
        self.numbers: dict[str, int] = {}

    def number(self, source_key: str) -> int | None:
        if source_key == labour.SESSION:
            return None
        citation = self.rates.short_citation(source_key)
        return self.numbers.setdefault(citation, len(self.numbers) + 1)

    def listing(self) -> tuple[tuple[int, str], ...]:
        return tuple((number, citation) for citation, number in self.numbers.items())


def payslip(results, rates: labour.Rates, tr, session=None, when: datetime | None = None,
            db_name: str = "pennydraw.db", keep_days: int | None = None, watched: int | None = None,
            retrains: bool = True) -> Sheet:
    """The pay slip of one game. `tr` is the game's `Translations`; `session` its store Session
    (None or without consent: nothing was stored); `keep_days` the retention setting; `watched` the
    guesses the machine made (`times_watched`; counted from the rounds when None); `retrains` whether
    this game retrains the machine from its drawings (`Settings.retrain_every` > 0): the slip promises
    it only then."""
    locale = tr.lang
    seconds, labels = game_work(results)
    book = labour.ledger(seconds, labels, rates)
    notes = _Notes(rates)
    cells: list[Cell] = []

    def figure_cell(figure: labour.Figure, text: str | None = None) -> Cell:
        cell = Cell(text if text is not None else labour_format.format_figure(figure, locale), figure,
                    notes.number(figure.source_key))
        cells.append(cell)
        return cell

    def count_cell(count: int) -> Cell:
        return figure_cell(labour.Figure(Decimal(count), "labels", labour.SESSION))

    donated = bool(session is not None and session.consent and session.code)
    watched = sum(len(result.guesses) for result in results) if watched is None else watched
    work = ((tr.t("slip_time"), figure_cell(book.seconds_worked)),
            (tr.t("slip_units"), figure_cell(book.labels)),
            (tr.t("slip_orders"), count_cell(len(results))),
            (tr.t("slip_watched"), count_cell(watched)))
    costings = [book.costing(key) for key in COLUMN_KEYS]
    columns = tuple(Line(heading, (shown(labour.PENNY_YEARS, key),) if labour.PENNY_YEARS in heading else ())
                    for key in COLUMN_KEYS for heading in [tr.t(f"slip_column_{key.split('.')[1]}")])
    table = (
        (tr.t("slip_rate"), tuple(figure_cell(c.rate, labour_format.format_money(c.rate.value, locale))
                                  for c in costings)),
        (tr.t("slip_gross" if donated else "slip_would_have"), tuple(figure_cell(c.cost) for c in costings)),
    )
    paid = (tr.t("slip_paid"), figure_cell(book.paid, labour_format.format_money(book.paid.value, locale, 2)))
    wage_figure = labour.Figure(Decimal(0) if seconds > 0 else None, "USD/hour", labour.SESSION)
    wage = (tr.t("slip_wage"), figure_cell(wage_figure))
    references = {figure.source_key: figure for figure in book.hourly_references}
    median, minimum = figure_cell(references[MEDIAN_KEY]), figure_cell(references[MINIMUM_KEY])
    above = figure_cell(labour.Figure(rates[ABOVE_KEY].value, "percent", ABOVE_KEY),
                        tr.percent(rates[ABOVE_KEY].value / 100))
    earnings = (Line(tr.t("slip_earnings")),
                Line(tr.t("slip_median", median=median.text, above=above.text, minimum=minimum.text),
                     sources_of((median, above, minimum)), median.note),
                Line(tr.t("slip_why"), note=notes.number(WHY_KEY)))
    said = rates[QUOTE_KEY]
    words = said.text if said.language == locale else tr.t("slip_quote")
    quote = Line(tr.t("slip_quote_line", quote=words, translated="" if said.language == locale
                      else tr.t("slip_translated")).strip(), note=notes.number(QUOTE_KEY))
    remedy = Line(tr.t("slip_remedy", remedy=rates[REMEDY_KEY].text), note=notes.number(REMEDY_KEY))
    days = tr.number(keep_days) if keep_days is not None else ""
    kept = tr.t("kept_until_erased") if keep_days is None else tr.t("kept_for_days", days=days)
    if donated:
        where = tr.t("slip_where" if retrains else "slip_where_no_retraining", db=db_name, kept=kept)
        erase_how = tr.t("slip_erase_how", code=session.code)
        worker = tr.t("slip_worker_donated")
    else:
        where = tr.t("slip_where_declined")
        erase_how = tr.t("slip_no_code")
        worker = tr.t("slip_worker_declined")
    when = when or datetime.now()
    return Sheet(
        title=tr.t("slip_title"), date=when.strftime("%Y-%m-%d %H:%M"),
        parties=((tr.t("slip_employer"), Cell(tr.t("slip_the_machine"))), (tr.t("slip_worker"), Cell(worker))),
        work=work, columns=columns, table=table, paid=paid, wage=wage, earnings=earnings, quote=quote,
        remedy=remedy, where=where, where_settings=tuple(t for t in (days, db_name) if t and donated), code=session.code if donated else None, erase_how=erase_how,
        notes=notes.listing(), measured_note=tr.t("slip_measured"), donated=donated,
        badge=tr.t("slip_badge_donated" if donated else "slip_badge_declined"), cells=tuple(cells))
