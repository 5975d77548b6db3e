"""The participation agreement before the first drawing of a game: what is kept, what for, how long,
who sees it, the age notice, and two equal buttons, "Donate my drawings" and "Play without donating".

The age notice gives the age of digital consent of each country the game speaks to (Belgium 13,
France 15, the Netherlands 16: GDPR art. 8 and the national laws, `assets/labour_rates.toml`), with
those laws in small print.

Both buttons have the same size, colour and weight, and neither is the default for Enter: declining
is as easy as agreeing, and the game that follows is the same. The answer goes to `App.begin_game`,
which starts the store session with or without consent (without it, nothing is ever written).
The retention line follows the `--keep-days` setting, so the screen never promises what the
installation does not do; so does "what is kept": an installation that labels its drawings with its
country (the `country` setting, e.g. "BE") says so there, instead of "no country".
"""
from __future__ import annotations

import pygame

from .. import theme
from ..provenance import shown
from ..ui import Button, card
from .base import Scene

AGE_KEYS = {"be": "facts.age_consent_be", "fr": "facts.age_consent_fr", "nl": "facts.age_consent_nl"}
# (heading key, text key) of the agreement's rows, in reading order.
ROWS = (("consent_what_label", "consent_what"), ("consent_why_label", "consent_why"),
        ("consent_how_long_label", "consent_how_long"), ("consent_who_label", "consent_who"))


class ConsentScene(Scene):
    name = "consent"

    def __init__(self, app) -> None:
        super().__init__(app)
        self.donate_button = Button("", lambda: self.choose(True), style="paper")
        self.decline_button = Button("", lambda: self.choose(False), style="paper")
        self.buttons = [self.donate_button, self.decline_button]
        self.chosen: bool | None = None

    def enter(self) -> None:
        self.app.voice.say(self.t("consent_spoken"), interrupt=True)

    def choose(self, consent: bool) -> None:
        if self.chosen is None:  # a double tap must not start two games
            self.chosen = consent
            self.app.begin_game(consent)

    def row_texts(self) -> list[tuple[str, str]]:
        """The agreement as (heading, text) rows, in the current language, retention and country settings."""
        days, country = self.app.settings.keep_days, self.app.settings.country
        kept = (self.t("kept_until_erased") if days is None
                else self.t("kept_for_days", days=self.app.translations.number(days)))
        texts = {"consent_how_long": lambda: self.t("consent_how_long", kept=kept),
                 "consent_what": lambda: (self.t("consent_what_but_country") + " "
                                          + self.t("consent_country", country=country) if country
                                          else self.t("consent_what"))}
        return [(self.t(head), texts[body]() if body in texts else self.t(body)) for head, body in ROWS]

    def age_notice(self) -> tuple[str, tuple, str]:
        """(the notice, its figures, the small print of their sources)."""
        rates, tr = self.app.rates, self.app.translations
        ages = {country: tr.number(rates[key].value) for country, key in AGE_KEYS.items()}
        figures = tuple(shown(ages[country], key) for country, key in AGE_KEYS.items())
        sources = " \u00b7 ".join(dict.fromkeys(rates.short_citation(key) for key in AGE_KEYS.values()))
        return self.t("consent_age", **ages), figures, sources

    # --- screen -------------------------------------------------------------------------------
    def layout(self, size: tuple[int, int]) -> None:
        width, height = size
        px = self.px
        margin = px(36)
        self.title_rect = pygame.Rect(margin, px(18), width - 2 * margin, px(76))
        buttons_h = px(96)
        gap = px(24)
        self.same_rect = pygame.Rect(margin, height - px(16) - px(34), width - 2 * margin, px(34))
        buttons_top = self.same_rect.top - px(10) - buttons_h
        if width >= height:
            button_w = min(px(460), (width - 2 * margin - gap) // 2)
            left = width // 2 - gap // 2 - button_w
            self.donate_button.rect = pygame.Rect(left, buttons_top, button_w, buttons_h)
            self.decline_button.rect = pygame.Rect(width // 2 + gap // 2, buttons_top, button_w, buttons_h)
        else:  # portrait: stacked, same width
            button_w = min(px(560), width - 2 * margin)
            second_top = buttons_top
            buttons_top = second_top - buttons_h - px(16)
            self.donate_button.rect = pygame.Rect((width - button_w) // 2, buttons_top, button_w, buttons_h)
            self.decline_button.rect = pygame.Rect((width - button_w) // 2, second_top, button_w, buttons_h)
        self.laws_rect = pygame.Rect(margin, buttons_top - px(10) - px(24), width - 2 * margin, px(24))
        self.age_rect = pygame.Rect(margin, self.laws_rect.top - px(2) - px(70), width - 2 * margin, px(70))
        self.card_rect = pygame.Rect(margin, self.title_rect.bottom + px(10), width - 2 * margin,
                                     self.age_rect.top - px(14) - self.title_rect.bottom - px(10))
        inner = self.card_rect.inflate(-px(48), -px(28))
        row_h = inner.height // len(ROWS)
        heading_w = int(inner.width * (0.26 if width >= height else 0.3))
        self.rows = [(pygame.Rect(inner.left, inner.top + i * row_h, heading_w - px(16), row_h),
                      pygame.Rect(inner.left + heading_w, inner.top + i * row_h, inner.width - heading_w, row_h))
                     for i in range(len(ROWS))]

    def draw(self, surface: pygame.Surface) -> None:
        self.blit_static(surface)
        self.donate_button.label = self.t("consent_yes")
        self.decline_button.label = self.t("consent_no")
        # The same size of text on both: neither answer may look bigger than the other.
        size = min(self.app.text.fit(button.label, button.label_box().size, button.largest_text()).size
                   for button in self.buttons)
        for button in self.buttons:
            button.text_size = size
        self.draw_buttons(surface)

    def draw_static(self, surface: pygame.Surface) -> None:
        surface.fill(theme.BACKGROUND)
        text, px = self.app.text, self.px
        text.draw(surface, self.t("consent_title"), self.title_rect, theme.ACCENT, max_size=px(50))
        card(surface, self.card_rect, theme.PAPER, px(28), shadow=px(8), rim=theme.PAPER_EDGE)
        for index, ((heading_rect, body_rect), (heading, body)) in enumerate(zip(self.rows, self.row_texts())):
            if index:
                y = heading_rect.top
                pygame.draw.line(surface, theme.PAPER_EDGE, (heading_rect.left, y), (body_rect.right, y),
                                 max(1, px(2)))
            text.draw(surface, heading, heading_rect.inflate(0, -px(10)), theme.INK, max_size=px(30),
                      align="left")
            days = self.app.settings.keep_days
            figures = ((shown(self.app.translations.number(days), "settings"),)
                       if days is not None and ROWS[index][1] == "consent_how_long" else ())
            text.draw(surface, body, body_rect.inflate(0, -px(10)), theme.INK, max_size=px(27), bold=False,
                      align="left", figures=figures)
        notice, figures, sources = self.age_notice()
        text.draw(surface, notice, self.age_rect, theme.ACCENT, max_size=px(28), figures=figures)
        text.draw(surface, sources, self.laws_rect, theme.TEXT_SOFT, max_size=px(18), bold=False,
                  figures=(shown(sources, "citation"),))
        text.draw(surface, self.t("consent_same_game"), self.same_rect, theme.TEXT_SOFT, max_size=px(24),
                  bold=False)
