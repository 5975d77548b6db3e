"""What the pay slip says: one game's labour as payslip rows, each figure with the source it came from.

Pure (no pygame): `payslip(...)` turns the rounds of a game into a `Sheet` that `payslip_render.py`
draws on screen and into the saved PNG, so both show the same words. Every figure on it is a
`model.labour.Figure` formatted by `model.labour`, and keeps that Figure (`Cell.figure`): the tests
check that each one traces to an entry of `assets/labour_rates.toml` or to the game's own measurement.
Sources are numbered in the order they first appear; two entries with the same citation share a number.

What counts as work: the seconds from a round's first line to its end (the drawing clock, as stored in
`duration_ms`), and one label per drawing with ink, recognised or not, because every stored drawing
is a training example labelled with its prompt (`train.py` learns from all of them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from model import labour

# The two per-label rates the slip prices the game at: a penny task and a typical micro-task.
COLUMN_KEYS = ("rates.low", "rates.typical")
# The hourly wage the slip compares with: the median on Mechanical Turk (Hara et al.).
COMPARISON_KEY = "hourly.hara_median"


def game_work(results) -> tuple[float, int]:
    """(seconds worked, labels produced) of a game's finished rounds."""
    seconds = sum(result.duration_ms for result in results if result.has_ink) / 1000.0
    return seconds, sum(1 for result in results if result.has_ink)


@dataclass(frozen=True)
class Cell:
    text: str
    figure: labour.Figure | None = None   # the figure `text` was formatted from; None for words
    note: int | None = None               # footnote number of its source, None when measured here


@dataclass(frozen=True)
class Sheet:
    title: str
    date: str
    parties: tuple[tuple[str, Cell], ...]       # employer, worker
    work: tuple[tuple[str, Cell], ...]          # time worked, units produced
    columns: tuple[str, ...]                    # headings of the priced columns
    table: tuple[tuple[str, tuple[Cell, ...]], ...]   # rate, gross, implied hourly wage per column
    paid: tuple[str, Cell]
    wage: tuple[str, Cell]                      # what the player earned per hour: 0
    comparison: tuple[str, Cell]
    where: str                                  # one sentence on where the data goes
    code: str | None                            # the erasure code, None without consent
    erase_how: str                              # how to use the code, or why there is none
    notes: tuple[tuple[int, str], ...]          # (number, citation)
    measured_note: str                          # what "measured" means for the unnumbered figures
    donated: bool
    badge: str                                  # "DONATED" / "NOT DONATED"
    cells: tuple[Cell, ...] = field(default=(), repr=False)   # every figure cell, for the tests

    def figures(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.figure is not None]


def short_citation(citation: str) -> str:
    """A citation with more than two authors before its quoted title as "First Author et al., "Title"...",
    so the small print fits a small window; everything after the authors is kept."""
    authors, quote, rest = citation.partition('"')
    names = [name for name in authors.split(",") if name.strip()]
    if not quote or len(names) <= 2:
        return citation
    return f"{names[0].strip()} et al., {quote}{rest}"


class _Notes:
    """Footnote numbers by citation, in order of first use."""

    def __init__(self, rates: labour.Rates) -> None:
        self.rates = rates
        self.numbers: dict[str, int] = {}

    def number(self, source_key: str) -> int | None:
        if source_key == labour.SESSION:
            return None
        citation = short_citation(self.rates[source_key].citation())
        return self.numbers.setdefault(citation, len(self.numbers) + 1)

    def listing(self) -> tuple[tuple[int, str], ...]:
        return tuple((number, citation) for citation, number in self.numbers.items())


def payslip(results, rates: labour.Rates, tr, session=None, when: datetime | None = None,
            db_name: str = "pennydraw.db", keep_days: int | None = None) -> Sheet:
    """The pay slip of one game. `tr` is the game's `Translations`; `session` its store Session
    (None or without consent: nothing was stored); `keep_days` the retention setting."""
    locale = tr.lang
    seconds, labels = game_work(results)
    book = labour.ledger(seconds, labels, rates)
    notes = _Notes(rates)
    cells: list[Cell] = []

    def figure_cell(figure: labour.Figure, text: str | None = None) -> Cell:
        cell = Cell(text if text is not None else labour.format_figure(figure, locale), figure,
                    notes.number(figure.source_key))
        cells.append(cell)
        return cell

    donated = bool(session is not None and session.consent and session.code)
    work = ((tr.t("slip_time"), figure_cell(book.seconds_worked)),
            (tr.t("slip_units"), figure_cell(book.labels)))
    costings = [book.costing(key) for key in COLUMN_KEYS]
    columns = tuple(tr.t(f"slip_column_{key.split('.')[1]}") for key in COLUMN_KEYS)
    table = (
        (tr.t("slip_rate"), tuple(figure_cell(c.rate, labour.format_money(c.rate.value, locale))
                                  for c in costings)),
        (tr.t("slip_gross"), tuple(figure_cell(c.cost) for c in costings)),
        (tr.t("slip_hourly"), tuple(figure_cell(c.hourly) for c in costings)),
    )
    paid = (tr.t("slip_paid"), figure_cell(book.paid, labour.format_money(book.paid.value, locale, 2)))
    wage_figure = labour.Figure(Decimal(0) if seconds > 0 else None, "USD/hour", labour.SESSION)
    wage = (tr.t("slip_wage"), figure_cell(wage_figure))
    reference = next(f for f in book.hourly_references if f.source_key == COMPARISON_KEY)
    comparison = (tr.t("slip_comparison"), figure_cell(reference))
    if keep_days is None:
        kept = tr.t("kept_until_erased")
    else:
        kept = tr.t("kept_for_days", days=tr.number(keep_days))
    if donated:
        where = tr.t("slip_where", db=db_name, kept=kept)
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
        work=work, columns=columns, table=table, paid=paid, wage=wage, comparison=comparison,
        where=where, code=session.code if donated else None, erase_how=erase_how,
        notes=notes.listing(), measured_note=tr.t("slip_measured"), donated=donated,
        badge=tr.t("slip_badge_donated" if donated else "slip_badge_declined"), cells=tuple(cells))
