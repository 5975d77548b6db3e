"""Tests of the category list (model/categories.py and assets/categories.txt)."""
from __future__ import annotations

import pytest

from model.categories import load_categories, parse_categories


def test_the_bundled_list_has_forty_quick_draw_names_in_order():
    names = load_categories()
    assert len(names) == 40
    assert names[:3] == ["circle", "square", "triangle"] and names[-1] == "teapot"
    assert "smiley face" in names and "alarm clock" in names  # exact names, spaces kept


def test_blank_lines_and_comments_are_ignored(tmp_path):
    path = tmp_path / "cats.txt"
    path.write_text("# animals\ncat\n\n  dog  # good boy\n#bird\nwine glass\n", encoding="utf-8")
    assert load_categories(path) == ["cat", "dog", "wine glass"]


def test_a_duplicate_is_an_error_naming_both_lines(tmp_path):
    path = tmp_path / "cats.txt"
    path.write_text("cat\ndog\ncat\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 3: duplicate category 'cat' \(first on line 1\)"):
        load_categories(path)


def test_an_empty_list_or_a_missing_file_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no categories"):
        parse_categories("# nothing\n\n")
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        load_categories(tmp_path / "nope.txt")
