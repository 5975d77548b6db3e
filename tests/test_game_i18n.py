"""Translations: complete in three languages, every category with the right article, numbers per locale."""
from __future__ import annotations

import json

import pytest

from game.i18n import I18N_DIR, Translations, placeholders, read_language_file
from game.settings import LANGUAGES
from model.categories import load_categories


@pytest.fixture(scope="module")
def languages():
    return {lang: Translations.load(lang) for lang in LANGUAGES}


def test_every_language_has_every_text_with_the_same_placeholders(languages):
    english = languages["en"].text
    for lang, tr in languages.items():
        assert set(tr.text) == set(english), lang
        for key, template in tr.text.items():
            assert sorted(placeholders(template)) == sorted(placeholders(english[key])), (lang, key)
            assert template.strip() and template == template.strip(), (lang, key)


def test_every_category_is_translated_in_every_language(languages):
    categories = load_categories()
    assert len(categories) == 40
    for lang, tr in languages.items():
        assert set(categories) <= set(tr.categories), (lang, set(categories) - set(tr.categories))
        for category in categories:
            name, thing = tr.name(category), tr.thing(category)
            assert name and thing.endswith(name), (lang, category)


def test_articles_and_gender(languages):
    en, fr, nl = languages["en"], languages["fr"], languages["nl"]
    assert en.t("draw_prompt", thing=en.thing("cat")) == "Draw: a cat"
    assert en.thing("apple") == "an apple" and en.thing("eye") == "an eye"
    assert fr.t("draw_prompt", thing=fr.thing("cat")) == "Dessine\u00a0: un chat"
    assert fr.thing("apple") == "une pomme" and fr.thing("star") == "une étoile"
    assert fr.thing("eyeglasses") == "des lunettes" and fr.thing("eye") == "un œil"
    assert nl.t("draw_prompt", thing=nl.thing("cat")) == "Teken: een kat"
    assert nl.thing("house") == "een huis"
    assert fr.t("recognized", thing=fr.thing("moon")) == "Oh, je sais, c'est une lune\u00a0!"
    assert nl.t("guess_or", thing=nl.thing("cookie")) == "Of een koekje?"
    assert fr.thing("grass") == "de l'herbe" and nl.thing("The Eiffel Tower") == "de Eiffeltoren"
    # The article rules for all 345 words are in test_translations.py.


def test_numbers_and_percentages_per_locale(languages):
    en, fr, nl = languages["en"], languages["fr"], languages["nl"]
    assert en.number(12345.678, 1) == "12,345.7"
    assert fr.number(12345.678, 1) == "12\u00a0345,7"
    assert nl.number(12345.678, 1) == "12.345,7"
    assert en.number(3) == "3" and nl.number(0.05, 1) == "0,1"
    assert en.percent(0.873) == "87%" and fr.percent(0.873) == "87\u00a0%" and nl.percent(1) == "100%"


def test_missing_keys_fall_back_to_english_with_a_warning(tmp_path, caplog):
    for lang in ("en", "fr"):
        data = json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        if lang == "fr":
            del data["text"]["undo"]
            del data["categories"]["cat"]
        (tmp_path / f"{lang}.json").write_text(json.dumps(data), encoding="utf-8")
    fr = Translations.load("fr", tmp_path)
    with caplog.at_level("WARNING"):
        assert fr.t("undo") == "Undo"
        # A word without its French name: the English one, plainly marked as a fallback.
        assert fr.thing("cat") == fr.name("cat") == "«\u00a0cat\u00a0» (en anglais)"
        assert fr.t("undo") == "Undo"
    assert len([r for r in caplog.records if "undo" in r.getMessage()]) == 1
    assert fr.thing("not a category") == "«\u00a0not a category\u00a0» (en anglais)"


def test_a_word_being_taught_without_translations_shows_its_english_name_marked_as_such(tmp_path):
    from model.quickdraw.download import quickdraw_categories
    for lang in ("en", "nl"):
        data = json.loads((I18N_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        data["categories"].pop("The Eiffel Tower", None)
        (tmp_path / f"{lang}.json").write_text(json.dumps(data), encoding="utf-8")
    assert "The Eiffel Tower" in quickdraw_categories()
    en, nl = Translations.load("en", tmp_path), Translations.load("nl", tmp_path)
    assert en.thing("The Eiffel Tower") == en.name("The Eiffel Tower") == "\u201cThe Eiffel Tower\u201d"
    assert nl.thing("The Eiffel Tower") == "\u2018The Eiffel Tower\u2019 (Engels)"
    assert nl.thing("cat") == "een kat"          # the 40 keep their names and articles


def test_bad_language_files_are_named_in_the_error(tmp_path):
    with pytest.raises(ValueError, match="unknown language 'de'"):
        Translations.load("de")
    (tmp_path / "en.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="en.json is not valid JSON"):
        Translations.load("en", tmp_path)
    (tmp_path / "en.json").write_text(json.dumps({"language_name": "x", "voice": "en", "text": {},
                                                  "categories": {"cat": {"name": "cat"}}}))
    with pytest.raises(ValueError, match="category 'cat' needs 'name' and 'a'"):
        read_language_file(tmp_path / "en.json")
    with pytest.raises(ValueError, match="missing"):
        read_language_file(tmp_path / "xx.json")
