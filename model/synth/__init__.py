"""The seeded procedural doodle generator the bundled model learns from (`from model import synth`).

`engine.py` is the one engine (placement, timing, the hand's wobble); `shapes.py` and `geometry.py`
the vocabulary recipes are written in; `recipes*.py` how people draw each category, as data. The
names below are the generator's public face; importing the package only defines them.
"""
from model.synth.engine import (DEFAULT_HAND, HandSettings, categories_with_recipes, drawing_rng, generate,
                                generate_dataset)
from model.synth.recipes import RECIPES

__all__ = ["DEFAULT_HAND", "RECIPES", "HandSettings", "categories_with_recipes", "drawing_rng", "generate",
           "generate_dataset"]
