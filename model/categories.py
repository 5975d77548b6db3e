"""The category list: the words the game asks for and the classifier's output classes, in order.

`assets/categories.txt` holds Quick, Draw!'s exact category names, one per line; blank lines and
`#` comments are ignored. The order is the order of the classifier's outputs, so it never changes
silently: a duplicate is an error, not something to tidy away.
"""
from __future__ import annotations

from pathlib import Path

import assets

DEFAULT_PATH = assets.path("categories.txt")


def load_categories(path: str | Path | None = None) -> list[str]:
    """The category names in file order; ValueError on duplicates or an empty list."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"category list not found: {path}") from None
    return parse_categories(text, source=str(path))


def parse_categories(text: str, source: str = "<text>") -> list[str]:
    """Category names from the text of a category file (see `load_categories`)."""
    names: list[str] = []
    first_line: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        name = raw.split("#", 1)[0].strip()
        if not name:
            continue
        if name in first_line:
            raise ValueError(f"{source}: line {number}: duplicate category {name!r} "
                             f"(first on line {first_line[name]})")
        first_line[name] = number
        names.append(name)
    if not names:
        raise ValueError(f"{source}: no categories found")
    return names
