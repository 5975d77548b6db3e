"""The sourced facts of the title screen and the attract loop (`game/facts.py`): each figure worked
out by hand from the rates file, each declared with its source, the installation's own fact only once
its players have drawn, and the rotation's timing."""
from __future__ import annotations

import pytest

from game import facts
from game.i18n import Translations
from game.settings import LANGUAGES
from model import labour


@pytest.fixture(scope="module")
def rates():
    return labour.load_rates()


def by_name(made):
    return {fact.name: fact for fact in made}


def plain(text):
    return text.replace("\u00a0", " ")


def test_the_facts_in_english_against_hand_worked_figures(rates):
    made = by_name(facts.facts(rates, Translations.load("en"), {"drawings": 1_234, "seconds": 9_000.0}))
    assert list(made) == ["penny_tasks", "micro_workers", "quickdraw", "hourly_pay", "casilli_hourly", "france",
                          "sagemaker", "installation"]
    penny = made["penny_tasks"]
    assert penny.figure == "9 in 10" and penny.coins == 9  # 90% of tasks: nine coins of ten
    assert penny.sentence == "micro-tasks paid $0.10 or less until the early 2010s, most of them about $0.01."
    assert made["micro_workers"].figure == "100 million"
    # 50,000,000 drawings x $0.01 = $500,000; x $0.05 = $2,500,000; paid $0.00.
    quickdraw = made["quickdraw"]
    assert quickdraw.figure == "50 million"
    assert "$500,000 to $2,500,000" in quickdraw.sentence and "paid $0.00." in quickdraw.sentence
    assert plain(made["hourly_pay"].figure) == "$2.00"
    assert plain(made["hourly_pay"].sentence) == ("an hour is the median wage on Amazon Mechanical Turk. Only 4% of its "
                                                  "workers earn more than $7.25/h, the US minimum wage.")
    assert made["hourly_pay"].note.startswith("Why so little:")
    assert plain(made["casilli_hourly"].figure) == "$5.00" and "$8.00/h" in made["casilli_hourly"].sentence
    france = made["france"]
    assert france.figure == "266,126" and "52,337 regular" in france.sentence and "14,903 very active" in france.sentence
    assert "on 23 platforms" in france.sentence and "disputed" in france.note
    assert made["sagemaker"].figure == "$0.012"
    # 9,000 s = 2.5 hours of drawing by the installation's players.
    assert made["installation"].figure == "2.50 hours" and "(1,234 drawings)" in made["installation"].sentence


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_number_of_every_fact_is_declared_with_a_source_and_its_citation(rates, lang):
    tr = Translations.load(lang)
    for fact in facts.facts(rates, tr, {"drawings": 12, "seconds": 300.0}):
        for text in (fact.figure, fact.sentence, fact.note):
            rest = text
            for figure in sorted(fact.figures, key=lambda f: -len(f.text)):
                rest = rest.replace(figure.text, " ")
            assert not any(ch.isdigit() for ch in rest), (lang, fact.name, text)
        keys = {source for figure in fact.figures for source in figure.sources if source in rates}
        for key in keys:
            assert rates.short_citation(key) in fact.citations, (lang, fact.name, key)
        assert fact.citations, fact.name  # every fact has a source in small print


def test_the_installation_fact_waits_for_its_players(rates):
    tr = Translations.load("en")
    assert "installation" not in by_name(facts.facts(rates, tr, None))
    assert "installation" not in by_name(facts.facts(rates, tr, {"drawings": 0, "seconds": 0.0}))
    citations = by_name(facts.facts(rates, tr, {"drawings": 1, "seconds": 20.0}))["installation"].citations
    assert citations == (rates.short_citation("statements.casilli_illustrator"),)  # p. 122


def test_the_rotation_shows_each_fact_for_a_few_seconds_and_follows_the_language(rates):
    rotation = facts.Rotation()
    en, fr = Translations.load("en"), Translations.load("fr")
    first = rotation.at(rates, en, None, 0.0)
    assert rotation.at(rates, en, None, facts.ROTATE_SECONDS - 0.01) is first
    assert rotation.at(rates, en, None, facts.ROTATE_SECONDS).name == "micro_workers"
    count = len(rotation.facts(rates, en, None))
    assert rotation.at(rates, en, None, count * facts.ROTATE_SECONDS) is first  # round and round
    assert rotation.at(rates, fr, None, 0.0).figure == "9 sur 10"
    assert facts.current([], 5.0) is None


def test_the_totals_say_what_micro_workers_would_have_been_paid(rates):
    rows = facts.totals_rows(rates, Translations.load("en"), {"drawings": 10, "seconds": 360.0})
    assert [(value, label) for value, label, _ in rows] == [
        ("10", "drawings collected"), ("0.10", "hours of unpaid work"),
        ("$0.10\u2013$0.50", "what micro-workers would have been paid for them")]
    assert facts.totals_citations(rates) == rates.short_citation("rates.low")  # both rates: the same page
