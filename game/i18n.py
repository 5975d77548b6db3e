"""Translations: every word the player reads or hears, in English, French and Dutch.

Each language is one JSON file in assets/i18n/, read and checked by `model/translations.py` (the
labour ledger reads the same files): here the game's side of it, `Translations`, with
- `text`: sentences with `{placeholders}` ("Draw: {thing}", "Dessine : {thing}");
- `categories`: for each Quick, Draw! category its bare name ("chat") and the name with the right
  indefinite article ("un chat", "une pomme", "een kat"), because gender cannot be computed;
- a few facts about the language: its own name, the espeak voice, number separators.

French typography puts a no-break space (U+00A0) before `:` `?` `!` and `%`; the text fitter never
breaks a line there. A key missing from a language falls back to English with one log line, so a
half-translated file never crashes an exhibition; the tests insist that no key is missing. A category
without a name in the language (a word being taught whose translation has not landed) is shown as
Quick, Draw!'s English name in quotes, marked as English (`untranslated`): a fallback, plainly.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from model.translations import I18N_DIR, language_file, placeholders, read_language_file

__all__ = ["I18N_DIR", "Translations", "placeholders", "read_language_file"]

log = logging.getLogger(__name__)


@dataclass
class Translations:
    lang: str
    text: dict[str, str]
    categories: dict[str, dict[str, str]]
    language_name: str
    voice: str                      # espeak language code, e.g. "en-gb", "fr-fr", "nl"
    decimal: str = "."
    thousands: str = ","
    percent_sign: str = "%"         # "\u00a0%" in French
    fallback: "Translations | None" = None
    _warned: set = field(default_factory=set, repr=False)

    @classmethod
    def load(cls, lang: str, folder: Path = I18N_DIR) -> "Translations":
        """Read `<folder>/<lang>.json` (with English behind it for missing keys)."""
        data = language_file(lang, folder)
        fallback = None if lang == "en" else cls.load("en", folder)
        return cls(lang=lang, text=data["text"], categories=data["categories"],
                   language_name=data["language_name"], voice=data["voice"],
                   decimal=data.get("decimal", "."), thousands=data.get("thousands", ","),
                   percent_sign=data.get("percent_sign", "%"), fallback=fallback)

    def t(self, key: str, **values) -> str:
        """The sentence `key` with its {placeholders} filled in."""
        template = self.text.get(key)
        if template is None:
            if self.fallback is None:
                raise KeyError(f"no text {key!r} in the English translations")
            self._warn_once(f"text {key!r}")
            return self.fallback.t(key, **values)
        return template.format(**values)

    def _category(self, category: str) -> dict[str, str] | None:
        entry = self.categories.get(category)
        if entry is None:
            self._warn_once(f"category {category!r}")
        return entry

    def untranslated(self, category: str) -> str:
        """A word this language has no name for (a word the machine is being taught, until its
        translation lands): Quick, Draw!'s English name, marked as such ("« piano » (en anglais)")."""
        english = self.fallback.categories.get(category) if self.fallback is not None else None
        return self.t("untranslated", name=english["name"] if english else category)

    def name(self, category: str) -> str:
        """The bare name for labels: 'cat', 'chat', 'kat'."""
        entry = self._category(category)
        return entry["name"] if entry else self.untranslated(category)

    def thing(self, category: str) -> str:
        """The name with its indefinite article: 'a cat', 'un chat', 'een kat'."""
        entry = self._category(category)
        return entry["a"] if entry else self.untranslated(category)

    def number(self, value: float, decimals: int = 0) -> str:
        """1234.5 -> '1,234.5' (en), '1 234,5' (fr), '1.234,5' (nl)."""
        text = f"{value:,.{decimals}f}"
        return text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.thousands)

    def percent(self, probability: float) -> str:
        """0.873 -> '87%' / '87 %'."""
        return f"{round(100 * probability)}{self.percent_sign}"

    def all_strings(self) -> list[str]:
        """Every sentence (with sample values) and category name, for overflow and glyph tests."""
        sample = {"thing": self.thing("cat") if "cat" in self.categories else "x", "seconds": 20,
                  "n": 6, "total": 6, "count": self.number(12345), "hours": self.number(12.5, 1),
                  "percent": self.percent(0.87), "name": "x", "score": 3}
        strings = []
        for key in self.text:
            strings.append(self.t(key, **{name: sample.get(name, "x") for name in placeholders(self.text[key])}))
        for entry in self.categories.values():
            strings.extend([entry["name"], entry["a"]])
        return strings

    def _warn_once(self, what: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            log.warning("%s translation lacks %s; using English", self.lang, what)

