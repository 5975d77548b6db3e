"""The language files name all 345 Quick, Draw! words (model/translations.py, assets/i18n/*.json).

Any of the 345 can be taught to the machine, so any can be a prompt: "Draw: a cat", "Dessine : un
chat", "Teken: een kat". Gender cannot be computed, so each word's `a` (the name with its article) is
written by hand; these tests hold every one to the rules of its language: a/an by the first letter
(silent-h words listed), un/une/des in French (du/de la/de l' for the mass nouns English leaves bare),
een in Dutch, "the"/la/de only for the three named places and paintings, and a bare noun only from
the short explicit lists below. No two words may share a name in one language, since the guesses are
read aloud and shown side by side.
"""
from __future__ import annotations

import json
import re

import pytest

from model import translations
from model.quickdraw.download import quickdraw_categories

# English nouns said without an article ("Draw: grass", "It thought it was peas"): mass nouns and
# plurals, where "a" is wrong and "some" reads badly in "Nobody here has drawn some grass yet".
EN_BARE = {"asparagus", "broccoli", "camouflage", "grass", "matches", "peas", "rain", "stairs",
           "stitches", "underwear", "yoga"}
# Dutch says these without "een" ("Teken: gras"); the rest of the Dutch names take "een".
NL_BARE = {"bliksem", "camouflage", "dierentrek", "erwtjes", "gras", "hechtingen", "lucifers", "regen",
           "yoga"}
# English words that begin with a vowel letter and a consonant sound, or the other way round.
EN_AN_BEFORE_CONSONANT_LETTER = {"hourglass"}      # silent h
EN_A_BEFORE_VOWEL_LETTER: set[str] = set()         # e.g. "unicorn", "one-way sign" (none today)
# Measures before a name ("a pair of glasses", "une grappe de raisin", "een tros druiven").
EN_ARTICLE = re.compile(r"(a|an|the)( (pair|bunch|loaf|bolt|tube) of)? ")
FR_ARTICLE = re.compile(r"((un|une|des|le|la|les) |l'|du |de la |de l')|(un|une) (tube|grappe) de ")
NL_ARTICLE = re.compile(r"(een|de|het)( (paar|tros|tube))? ")
# Letters that take "l'" / "de l'" (y is a consonant in "du yoga"; mute h in "de l'herbe").
FR_VOWEL = "aâàeéèêëiîïoôœuûùh"


@pytest.fixture(scope="module")
def words():
    return quickdraw_categories()


@pytest.fixture(scope="module")
def files():
    return {lang: translations.language_file(lang)["categories"] for lang in translations.LANGUAGES}


def article(entry) -> str:
    """What comes before the bare name in the name with its article ("a pair of ", "de l'", "")."""
    assert entry["a"].endswith(entry["name"]), entry
    return entry["a"][:len(entry["a"]) - len(entry["name"])]


def named_place(word: str) -> bool:
    """Google's three names with a capital "The": the Eiffel Tower, the Great Wall of China, the Mona Lisa."""
    return word.startswith("The ")


def test_the_quickdraw_list_has_345_words_and_the_game_words_are_among_them(words):
    assert len(words) == 345 == len(set(words))
    from model.categories import load_categories
    assert set(load_categories()) <= set(words)


def test_every_word_has_a_name_and_a_name_with_article_in_every_language(words, files):
    for lang, categories in files.items():
        assert set(categories) == set(words), (lang, set(words) - set(categories), set(categories) - set(words))
        for word in words:
            entry = categories[word]
            for field in ("name", "a"):
                value = entry[field]
                assert isinstance(value, str) and value.strip() == value and value, (lang, word, field)
                assert "  " not in value and "\n" not in value, (lang, word, field)
            assert entry["a"].endswith(entry["name"]), (lang, word)


def test_english_articles(words, files):
    bare = set()
    for word in words:
        entry = files["en"][word]
        before = article(entry)
        if not before:
            bare.add(entry["name"])
            continue
        assert EN_ARTICLE.fullmatch(before), (word, entry["a"])
        assert (before == "the ") == named_place(word), (word, entry["a"])
        first, following = entry["a"].split(" ")[:2]
        if first in ("a", "an"):
            vowel_sound = (following[0].lower() in "aeiou" and following not in EN_A_BEFORE_VOWEL_LETTER
                           or following in EN_AN_BEFORE_CONSONANT_LETTER)
            assert first == ("an" if vowel_sound else "a"), (word, entry["a"])
    assert bare == EN_BARE


def test_french_articles_and_elision(words, files):
    for word in words:
        entry = files["fr"][word]
        before = article(entry)
        assert FR_ARTICLE.fullmatch(before), (word, entry["a"])
        definite = before in ("le ", "la ", "les ", "l'")
        assert definite == named_place(word), (word, entry["a"])
        partitive = before in ("du ", "de la ", "de l'")
        # A partitive only where English says the word bare: a mass noun in both languages.
        assert not partitive or files["en"][word]["a"] == files["en"][word]["name"], (word, entry["a"])
        # "des"/"les" before a plural: "des lunettes", "des petits pois", never "des cygne".
        if before in ("des ", "les "):
            assert entry["name"].split(" ")[0][-1] in "sx", (word, entry["a"])
        # "l'" and "de l'" before a vowel, "le", "la", "du", "de la" never.
        if before in ("le ", "la ", "du ", "de la "):
            assert entry["name"][0].lower() not in FR_VOWEL.replace("h", ""), (word, entry["a"])
        if before.endswith("'"):
            assert entry["name"][0].lower() in FR_VOWEL, (word, entry["a"])


def test_dutch_articles(words, files):
    bare = set()
    for word in words:
        entry = files["nl"][word]
        before = article(entry)
        if not before:
            bare.add(entry["name"])
            continue
        assert NL_ARTICLE.fullmatch(before), (word, entry["a"])
        assert (before.split(" ")[0] in ("de", "het")) == named_place(word), (word, entry["a"])
    assert bare == NL_BARE


def test_genders_that_are_easy_to_get_wrong(files):
    """The review's hard cases, so a later edit does not "correct" them back."""
    fr, nl, en = files["fr"], files["nl"], files["en"]
    assert fr["dumbbell"]["a"] == "un haltère" and fr["vase"]["a"] == "un vase"
    assert fr["clock"]["a"] == "une horloge" and fr["microwave"]["a"] == "un micro-ondes"
    assert fr["pants"]["a"] == "un pantalon" and fr["roller coaster"]["a"] == "des montagnes russes"
    assert fr["octopus"]["a"] == "une pieuvre" and fr["hedgehog"]["a"] == "un hérisson"
    assert fr["grass"]["a"] == "de l'herbe" and fr["The Mona Lisa"]["a"] == "la Joconde"
    assert fr["The Eiffel Tower"]["a"] == "la tour Eiffel" and fr["toilet"]["a"] == "des toilettes"
    assert en["hourglass"]["a"] == "an hourglass" and en["The Eiffel Tower"]["a"] == "the Eiffel Tower"
    assert nl["The Eiffel Tower"]["a"] == "de Eiffeltoren" and nl["grass"]["a"] == "gras"


def test_no_two_words_share_a_name_in_one_language(files):
    for lang, categories in files.items():
        for field in ("name", "a"):
            seen = {}
            for word, entry in categories.items():
                assert entry[field] not in seen, (lang, field, entry[field], seen.get(entry[field]), word)
                seen[entry[field]] = word


def test_the_language_files_are_valid_json_without_repeated_keys():
    """json.loads keeps the last of two equal keys silently: a word pasted twice would hide one."""
    def no_repeats(pairs):
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), sorted({key for key in keys if keys.count(key) > 1})
        return dict(pairs)
    for lang in translations.LANGUAGES:
        path = translations.I18N_DIR / f"{lang}.json"
        json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=no_repeats)
        translations.read_language_file(path)
