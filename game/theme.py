"""The look of pennydraw: colours, fonts and the size unit every layout is built from.

A deep blue stage, a warm paper canvas and one strong yellow accent: readable from two metres, in a
dim exhibition room as well as by a window. Colours are plain RGB tuples so scenes and tests can
compare pixels; nothing here touches pygame, so importing it costs nothing.
"""
from __future__ import annotations

import assets

# Stage and paper
BACKGROUND = (35, 39, 89)          # deep indigo stage behind everything
BACKGROUND_DEEP = (26, 29, 69)     # panels sunk into the stage
PAPER = (253, 249, 238)            # the drawing canvas and cards: warm, not screen-white
PAPER_EDGE = (226, 216, 192)       # the card's rim, like the edge of a sheet
PAPER_SHADOW = (18, 20, 50)        # a soft drop shadow under paper

# Ink and text
INK = (33, 33, 48)                 # what the player draws with, and text on paper
INK_SOFT = (112, 110, 128)         # secondary text on paper
TEXT = (255, 252, 242)             # text on the stage
TEXT_SOFT = (184, 188, 226)        # secondary text on the stage

# Accents
ACCENT = (255, 200, 38)            # sunny yellow: Start, the countdown ring, highlights
ACCENT_DARK = (214, 160, 0)        # pressed / rim of accent buttons
SUCCESS = (46, 196, 120)           # "Oh, I know!"
MISS = (255, 104, 84)              # "Sorry" and the last seconds of the countdown
TEACH = (44, 140, 214)             # "teach the machine" rounds: a word it does not know (readable on paper)
BUTTON = (70, 78, 160)             # secondary buttons on the stage
BUTTON_RIM = (98, 108, 196)
OTHERS_INK = (60, 70, 140)         # other people's drawings in "how the machine knows"
GENERATED_INK = (118, 104, 150)    # doodles the generator drew, told apart from people's drawings
COPPER = (214, 132, 72)            # the penny-task coins of the facts
COPPER_DARK = (160, 88, 42)
SILVER = (206, 210, 222)           # the coin that paid more than 10 cents
SILVER_DARK = (140, 146, 168)

# Fonts: Quicksand (SIL Open Font License, see assets/fonts/Quicksand-LICENSE.txt); its Latin set
# covers French and Dutch accents (é è ê ç œ ë ï).
FONT_BOLD = assets.path("fonts", "Quicksand-Bold.ttf")
FONT_REGULAR = assets.path("fonts", "Quicksand-Medium.ttf")

# Layouts are designed for 1280x800 and scaled by this reference.
REFERENCE_SIZE = (1280, 800)
# The drawing canvas is a square of UNITS x UNITS canvas units whatever its size on screen: the space
# drawings are captured, replayed and guessed in.
UNITS = 1000


def unit(size: tuple[int, int]) -> float:
    """Scale factor of a window against the reference (800x1280 for portrait windows), never below 0.3."""
    width, height = size
    ref_w, ref_h = REFERENCE_SIZE if width >= height else REFERENCE_SIZE[::-1]
    return max(0.3, min(width / ref_w, height / ref_h))


def mix(colour_a, colour_b, amount: float) -> tuple[int, int, int]:
    """Blend two RGB colours: amount 0 gives a, 1 gives b."""
    amount = max(0.0, min(1.0, amount))
    return tuple(round(a + (b - a) * amount) for a, b in zip(colour_a, colour_b))
