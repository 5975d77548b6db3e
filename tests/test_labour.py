"""Tests of model/labour.py and model/labour_format.py: ledger arithmetic against hand-computed values,
sources traced to the rates file, clear errors for malformed rates files, and formatting in en, fr and
nl. The pay slip made of a ledger is tested through the game's own builder, tests/test_game_payslip.py."""

import ast
import tomllib
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.labour import DEFAULT_RATES_PATH, LEDGER_RATE_KEYS, SESSION, Figure, ledger, load_rates
from model.labour_format import (
    LOCALES, NBSP, TEXT, format_count, format_duration, format_figure, format_money,
)


def plain(text):
    """The formatted text with no-break spaces shown as spaces, for readable expectations."""
    return text.replace(NBSP, " ")


@pytest.fixture(scope="module")
def rates():
    return load_rates()


# --- the rates file ------------------------------------------------------------------------------------

def test_default_file_holds_the_sourced_figures(rates):
    expected = {
        "rates.low": "0.01", "rates.typical": "0.05", "rates.sagemaker": "0.012",
        "hourly.hara_median": "2", "hourly.casilli_majority": "5", "hourly.casilli_best": "8",
        "facts.diplab_very_active": "14903", "facts.diplab_regular": "52337",
        "facts.diplab_occasional": "266126",
    }
    for key, value in expected.items():
        assert rates[key].value == Decimal(value), key
    # Exact decimals, not binary floats: 0.012 must not read as 0.01199999...
    assert str(rates["rates.sagemaker"].value) == "0.012"
    assert rates["rates.low"].page == "124" and "Casilli" in rates["rates.low"].source
    assert rates["rates.sagemaker"].url.startswith("https://docs.aws.amazon.com/")


def test_every_entry_has_positive_value_unit_source_and_detail(rates):
    assert len(rates.entries) >= 9
    for key, entry in rates.entries.items():
        assert entry.key == key
        assert entry.value > 0, key
        assert entry.unit and entry.source and entry.detail, key
    assert {e.unit for e in rates.section("rates")} == {"USD/label"}
    assert {e.unit for e in rates.section("hourly")} == {"USD/hour"}


def test_unknown_key_names_the_file(rates):
    with pytest.raises(KeyError, match=r"labour_rates\.toml has no entry \[rates\.nope\]"):
        rates["rates.nope"]


ENTRY = '[{key}]\nvalue = {value}\nunit = "{unit}"\nsource = "A source"\ndetail = "What it is"\n'


def write_rates(tmp_path, replace=None, extra="", prefix=""):
    """A valid minimal rates file, with `replace` = (key, text of its entry) swapped in."""
    entries = {
        "rates.low": ENTRY.format(key="rates.low", value="0.01", unit="USD/label"),
        "rates.typical": ENTRY.format(key="rates.typical", value="0.05", unit="USD/label"),
        "rates.sagemaker": ENTRY.format(key="rates.sagemaker", value="0.012", unit="USD/label"),
    }
    if replace:
        entries[replace[0]] = replace[1]
    path = tmp_path / "rates.toml"
    path.write_text(prefix + "\n".join(entries.values()) + extra, encoding="utf-8")
    return path


def test_minimal_file_loads_and_page_may_be_a_number(tmp_path):
    low = ENTRY.format(key="rates.low", value="0.01", unit="USD/label") + "page = 124\n"
    rates = load_rates(write_rates(tmp_path, ("rates.low", low)))
    assert rates["rates.low"].page == "124"
    assert rates["rates.low"].citation() == "A source, p. 124"
    assert rates.section("hourly") == ()


def test_statements_and_short_citations(tmp_path):
    quote = ('\n[statements.quote]\ntext = "Quand on joue vraiment, on n\'est pas surveillé."\nquoted = true\n'
             'language = "fr"\nsource = "A long source, 20 July 2019"\nshort = "Short"\npage = 12\ndetail = "d"\n')
    rates = load_rates(write_rates(tmp_path, extra=quote))
    statement = rates["statements.quote"]
    assert statement.quoted and statement.language == "fr" and "statements.quote" in rates
    assert statement.citation() == "A long source, 20 July 2019, p. 12"
    assert rates.short_citation("statements.quote") == "Short, p. 12"
    assert rates.short_citation("rates.low") == "A source"  # no short form: the source itself
    assert "statements.quote" not in rates.entries  # figures and statements are kept apart


def test_the_bundled_statements_and_the_new_figures(rates):
    assert rates["statements.lecho_surveillance"].text.startswith("Ce n'est pas un travail libre, ni du jeu.")
    assert rates["statements.lecho_remedy"].text == "Revenu Universel Numérique"
    assert rates["facts.quickdraw_drawings"].value == 50_000_000
    assert [rates[f"facts.age_consent_{c}"].value for c in ("be", "fr", "nl")] == [13, 15, 16]
    assert rates["hourly.hara_minimum_wage"].value == Decimal("7.25")
    for key in list(rates.entries) + list(rates.statements):
        assert len(rates.short_citation(key)) <= 70, key  # small print on a screen


LOW = '[rates.low]\n'
MALFORMED = {
    "missing source": (LOW + 'value = 0.01\nunit = "USD/label"\ndetail = "d"\n', r"\[rates\.low\] has no source"),
    "blank source": (LOW + 'value = 0.01\nunit = "USD/label"\nsource = "  "\ndetail = "d"\n',
                     r"\[rates\.low\] has no source"),
    "missing unit": (LOW + 'value = 0.01\nsource = "s"\ndetail = "d"\n', r"\[rates\.low\] has no unit"),
    "missing value": (LOW + 'unit = "USD/label"\nsource = "s"\ndetail = "d"\n', r"\[rates\.low\] needs a numeric"),
    "negative value": (ENTRY.format(key="rates.low", value="-0.01", unit="USD/label"),
                       r"\[rates\.low\] value must be positive, got -0\.01"),
    "zero value": (ENTRY.format(key="rates.low", value="0", unit="USD/label"), r"\[rates\.low\] value must be positive"),
    "infinite value": (ENTRY.format(key="rates.low", value="inf", unit="USD/label"), r"must be positive"),
    "text value": (ENTRY.format(key="rates.low", value='"0.01"', unit="USD/label"), r"needs a numeric value"),
    "wrong unit": (ENTRY.format(key="rates.low", value="1", unit="EUR/label"), r"unit must be 'USD/label'"),
    "typo in a field": (ENTRY.format(key="rates.low", value="0.01", unit="USD/label") + 'ulr = "x"\n',
                        r"\[rates\.low\] has unknown field\(s\) ulr"),
    "empty url": (ENTRY.format(key="rates.low", value="0.01", unit="USD/label") + 'url = ""\n', r"url must be non-empty"),
    "missing ledger rate": ('[rates.cheap]\nvalue = 1\nunit = "USD/label"\nsource = "s"\ndetail = "d"\n',
                            r"missing \[rates\.low\], which the labour ledger needs"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_entry_gives_an_error_naming_file_and_entry(tmp_path, case):
    text, message = MALFORMED[case]
    path = write_rates(tmp_path, ("rates.low", text))
    with pytest.raises(ValueError, match=message) as error:
        load_rates(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("prefix, extra, message", [
    ("", '\n[rate.low]\nvalue = 1\n', r"unknown section \[rate\]"),
    ("", '\n[rates.low\n', r"not valid TOML"),
    ("facts = 3\n", "", r"\[facts\] must hold tables"),
    ("", '\n[facts.count]\nvalue = 1\nunit = "people"\nsource = "s"\n', r"\[facts\.count\] has no detail"),
    ("", '\n[statements.quote]\ntext = "t"\nsource = "s"\n', r"\[statements\.quote\] has no detail"),
    ("", '\n[statements.quote]\ntext = "t"\nsource = "s"\ndetail = "d"\nquoted = "yes"\n', r"quoted must be true or false"),
    ("", '\n[statements.quote]\ntext = "t"\nsource = "s"\ndetail = "d"\nvalue = 3\n', r"unknown field\(s\) value"),
])
def test_malformed_file_gives_a_clear_error(tmp_path, prefix, extra, message):
    path = write_rates(tmp_path, extra=extra, prefix=prefix)
    with pytest.raises(ValueError, match=message) as error:
        load_rates(path)
    assert str(path) in str(error.value)


# --- the ledger ------------------------------------------------------------------------------------------

def test_six_labels_in_93_seconds(rates):
    book = ledger(93, 6, rates)
    assert book.seconds_worked.value == 93 and book.labels.value == 6
    low, sagemaker, typical = (book.costing(k) for k in ("rates.low", "rates.sagemaker", "rates.typical"))
    # By hand: 6 x 0.01 = 0.06; 6 x 0.012 = 0.072; 6 x 0.05 = 0.30 (USD)
    assert (low.cost.value, sagemaker.cost.value, typical.cost.value) == (
        Decimal("0.06"), Decimal("0.072"), Decimal("0.30"))
    assert book.paid.value == 0 and book.paid.unit == "USD"


def test_no_hourly_wage_is_worked_out_from_a_game(rates):
    # 6 labels in 93 s would "pay" $11.61/h at 5 cents: a wage no micro-worker earns, since a game
    # counts no unpaid time. The ledger gives only the sourced hourly earnings of micro-workers.
    book = ledger(93, 6, rates)
    hourly = [figure for _, figure in book.figures() if figure.unit == "USD/hour"]
    assert hourly == list(book.hourly_references)
    assert all(figure.source_key.startswith("hourly.") and figure.value == rates[figure.source_key].value
               for figure in hourly)


def test_zero_time_and_zero_labels(rates):
    nothing = ledger(0, 0, rates)
    for costing in nothing.costings:
        assert costing.cost.value == 0
    assert format_figure(Figure(None, "USD/hour", SESSION)) == "\u2014"  # a wage over no time at all
    idle = ledger(60, 0, rates)
    assert all(c.cost.value == 0 for c in idle.costings)
    instant = ledger(0, 3, rates)
    assert instant.costing("rates.low").cost.value == Decimal("0.03")


def test_float_and_numpy_inputs_are_exact(rates):
    np = pytest.importorskip("numpy")
    book = ledger(93.1, np.int64(6), rates)
    assert book.seconds_worked.value == Decimal("93.1")  # not 93.09999999999999431566...
    assert book.labels.value == 6
    assert ledger(np.float32(0.5), 1, rates).seconds_worked.value == Decimal("0.5")


@pytest.mark.parametrize("seconds, labels, message", [
    (-1, 1, "seconds_worked must be a finite number, 0 or more"),
    (float("nan"), 1, "seconds_worked must be a finite number"),
    (float("inf"), 1, "seconds_worked must be a finite number"),
    ("93", 1, "seconds_worked must be a number"),
    (93, -1, "labels must be 0 or more"),
    (93, 2.5, "labels must be a whole number"),
    (93, True, "labels must be a whole number"),
])
def test_bad_session_input_is_refused(rates, seconds, labels, message):
    with pytest.raises(ValueError, match=message):
        ledger(seconds, labels, rates)


def test_every_figure_traces_to_a_key_of_the_rates_file(rates):
    with open(DEFAULT_RATES_PATH, "rb") as f:
        raw = tomllib.load(f)  # read independently of load_rates
    in_file = {f"{section}.{name}" for section, table in raw.items() for name in table}
    book = ledger(93, 6, rates)
    names = [name for name, _ in book.figures()]
    assert len(names) == len(set(names)) == 2 + 2 * len(LEDGER_RATE_KEYS) + len(rates.section("hourly")) + 1
    for name, figure in book.figures():
        assert figure.source_key == SESSION or figure.source_key in in_file, name
        if figure.unit in ("USD/label", "USD/hour") and figure.source_key != SESSION:
            assert figure.value == rates[figure.source_key].value, name  # shown as in the file
    sourced = {f.source_key for _, f in book.figures()} - {SESSION}
    assert set(LEDGER_RATE_KEYS) <= sourced


@settings(max_examples=60, deadline=None)
@given(seconds=st.floats(0.001, 1e6), labels=st.integers(0, 100_000))
def test_ledger_costs_are_exact(rates, seconds, labels):
    book = ledger(seconds, labels, rates)
    for costing in book.costings:
        assert costing.cost.value == labels * rates[costing.key].value
    costs = [c.cost.value for c in book.costings]
    assert costs == sorted(costs)  # cheapest rate first


# --- formatting ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("amount, en, fr, nl", [
    (Decimal("0.06"), "$0.06", "0,06 $", "$ 0,06"),
    (0.06, "$0.06", "0,06 $", "$ 0,06"),
    (0, "$0.00", "0,00 $", "$ 0,00"),
    (Decimal("0.012"), "$0.012", "0,012 $", "$ 0,012"),
    (Decimal("0.0600"), "$0.06", "0,06 $", "$ 0,06"),
    (Decimal("0.01234"), "$0.0123", "0,0123 $", "$ 0,0123"),
    (1234.5, "$1,234.50", "1 234,50 $", "$ 1.234,50"),
    (1234567, "$1,234,567.00", "1 234 567,00 $", "$ 1.234.567,00"),
])
def test_format_money(amount, en, fr, nl):
    assert [plain(format_money(amount, locale)) for locale in LOCALES] == [en, fr, nl]


def test_formatted_figures_never_break_between_number_and_unit():
    # U+00A0, not a plain space (the line could wrap) nor CLDR's U+202F (missing from the Quicksand font)
    assert format_money(1234.5, "fr") == "1\u00a0234,50\u00a0$"
    assert format_money(1, "nl") == "$\u00a01,00"
    assert all(" " not in format_duration(3725, locale) for locale in LOCALES)


@pytest.mark.parametrize("seconds, en, fr", [
    (0, "0 s", "0 s"), (0.04, "0 s", "0 s"), (0.44, "0.4 s", "0,4 s"), (2.96, "3 s", "3 s"),
    (9.94, "9.9 s", "9,9 s"), (9.96, "10 s", "10 s"), (45.4, "45 s", "45 s"), (125, "2 min 05 s", "2 min 05 s"),
])
def test_short_durations_keep_their_tenths_so_a_quick_doodle_is_not_zero_work(seconds, en, fr):
    assert [plain(format_duration(seconds, locale)) for locale in ("en", "fr")] == [en, fr]


def test_format_money_rounds_half_up_to_the_places_asked():
    assert format_money(Decimal("2.345"), "en", places=2) == "$2.35"
    assert format_money(Decimal("0.125"), "en", places=2) == "$0.13"
    assert format_money(Decimal("11.6129"), "fr", places=2) == f"11,61{NBSP}$"
    assert format_money(Decimal("7.5"), "nl", places=0) == f"${NBSP}8"


@pytest.mark.parametrize("call, message", [
    (lambda: format_money(-0.01, "en"), "0 or more"),
    (lambda: format_money(float("nan"), "en"), "finite"),
    (lambda: format_money(1, "de"), "unsupported locale 'de'"),
    (lambda: format_money(1, "en", places=-1), "places must be"),
    (lambda: format_duration(-3, "en"), "0 or more"),
    (lambda: format_count(2.5, "en"), "whole number"),
])
def test_formatting_refuses_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_locale_variants_are_accepted():
    assert plain(format_money(0.06, "fr_BE")) == plain(format_money(0.06, "fr-FR")) == "0,06 $"
    assert plain(format_money(0.06, "NL")) == "$ 0,06"


@pytest.mark.parametrize("seconds, en, fr, nl", [
    (0, "0 s", "0 s", "0 s"),
    (45, "45 s", "45 s", "45 s"),
    (125, "2 min 05 s", "2 min 05 s", "2 min 05 s"),
    (124.5, "2 min 05 s", "2 min 05 s", "2 min 05 s"),  # half up
    (59.6, "1 min 00 s", "1 min 00 s", "1 min 00 s"),
    (3725, "1 h 02 min 05 s", "1 h 02 min 05 s", "1 u 02 min 05 s"),
    (Decimal(93), "1 min 33 s", "1 min 33 s", "1 min 33 s"),
])
def test_format_duration(seconds, en, fr, nl):
    assert [plain(format_duration(seconds, locale)) for locale in LOCALES] == [en, fr, nl]


def test_format_count():
    assert [plain(format_count(266126, locale)) for locale in LOCALES] == ["266,126", "266 126", "266.126"]
    assert format_count(Decimal(6), "en") == "6" and format_count(1000, "en") == "1,000"


def test_format_figure_units():
    assert plain(format_figure(Figure(Decimal("0.05"), "USD/label", "rates.typical"), "fr")) == "0,05 $ par étiquette"
    assert plain(format_figure(Figure(Decimal(1080) / 93, "USD/hour", "rates.typical"), "en")) == "$11.61/h"
    assert plain(format_figure(Figure(Decimal(2), "USD/hour", "hourly.hara_median"), "nl")) == "$ 2,00/u"
    with pytest.raises(ValueError, match="no format for unit 'EUR'"):
        format_figure(Figure(Decimal(1), "EUR", SESSION))


def test_translations_are_complete():
    assert set(TEXT) == set(LOCALES)
    assert all(set(TEXT[locale]) == set(TEXT["en"]) for locale in LOCALES)
    assert all({"per_label", "hour"} <= set(TEXT[locale]) for locale in LOCALES)  # the words formatting uses


def test_citations_of_the_bundled_figures(rates):
    assert rates["rates.low"].citation().endswith("Seuil, 2019, p. 124")
    assert rates["hourly.hara_median"].citation().endswith(", abstract")
    assert rates.short_citation("hourly.hara_median").endswith(", abstract")  # the page stays in small print


@pytest.mark.parametrize("name", ["labour.py", "labour_format.py"])
def test_module_is_pure(name):
    tree = ast.parse(Path(__file__).resolve().parents[1].joinpath("model", name).read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"pygame", "torch", "sqlite3", "sqlite_utils", "numpy", "game"}
