"""The language files: every word pennydraw shows or says, in English, French and Dutch.

One JSON file per language in `assets/i18n/` is the one translation system of the project:

- `text`: the game's sentences with `{placeholders}` ("Draw: {thing}", "Dessine : {thing}"), read
  by `game/i18n.py`;
- `categories`: for each of the 345 Quick, Draw! categories its bare name ("chat") and the name with
  the right indefinite article ("un chat", "une pomme", "een kat"), because gender cannot be
  computed; mass nouns take a partitive or none ("de l'herbe", "grass", "gras") and the three named
  landmarks "the"/la/de ("la tour Eiffel"); tests/test_translations.py holds each to these rules;
- `ledger`: the words of the labour ledger's figures (units), read by `model/labour_format.py`;
- a few facts about the language: its own name, the espeak voice, number separators.

This module only reads and checks the files (no pygame), so the headless core and the game share
them. A file is read when first asked for; `language_file` reads it afresh, `cached` once a process.
"""
from __future__ import annotations

import functools
import json
import string
from pathlib import Path

import assets

LANGUAGES = ("en", "fr", "nl")
I18N_DIR = assets.path("i18n")
REQUIRED_KEYS = ("language_name", "voice", "text", "categories")


def placeholders(template: str) -> list[str]:
    """Names of the {placeholders} in a template."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def read_language_file(path: Path) -> dict:
    """Load one language file, checking its shape so a typo is reported by file and key."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"translation file {path} is missing") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"translation file {path} is not valid JSON: {error}") from None
    for key in REQUIRED_KEYS:
        if key not in data:
            raise ValueError(f"translation file {path} has no {key!r}")
    for category, entry in data["categories"].items():
        if not isinstance(entry, dict) or not {"name", "a"} <= set(entry):
            raise ValueError(f"translation file {path}: category {category!r} needs 'name' and 'a'")
    section = data.get("ledger", {})
    if not isinstance(section, dict) or not all(isinstance(text, str) for text in section.values()):
        raise ValueError(f"translation file {path}: 'ledger' must map names to texts")
    return data


def language_file(lang: str, folder: Path = I18N_DIR) -> dict:
    """The checked contents of `<folder>/<lang>.json`."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return read_language_file(Path(folder) / f"{lang}.json")


@functools.lru_cache(maxsize=None)
def cached(lang: str) -> dict:
    """`language_file(lang)` of the bundled files, read once per process (the ledger formats many
    figures; the files do not change while pennydraw runs)."""
    return language_file(lang)


def ledger_text(lang: str) -> dict[str, str]:
    """The labour ledger's words in `lang` (the `ledger` section of its file)."""
    data = cached(lang)
    if not data.get("ledger"):
        raise ValueError(f"translation file {I18N_DIR / (lang + '.json')} has no 'ledger'")
    return data["ledger"]
