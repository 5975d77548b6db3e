"""What the store's tests share: a drawing as the game records it, and small helpers (the
`memory_store` and `file_store` fixtures are in conftest.py). Not a test file: the store's test files
(`test_store.py`, `test_store_reading.py`, `test_store_open.py`, ...) import it."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "quickdraw-sample"
CODE_PATTERN = re.compile(r"[2-9A-HJKMNP-Z]{3}-[2-9A-HJKMNP-Z]{4}")

# Two timed strokes as the game records them (canvas pixels, ms since the first point).
CAT = [[[10, 20, 30], [40, 50, 40], [0, 16, 33]], [[25, 26], [60, 61], [400, 420]]]
GUESSES = [(200, [("cat", 0.61), ("dog", 0.2)]), (420, [("cat", 0.93)])]


def save(store, session, word="cat", drawing=CAT, recognized=True, guessed_at_ms=420, duration_ms=1500,
         guesses=GUESSES):
    return store.save_drawing(session, word, drawing, recognized, guessed_at_ms, duration_ms, guesses)


def row_counts(store):
    return {table: store.db[table].count for table in ("sessions", "drawings", "guesses", "models")}


def google_record(key_id, word="cat", drawing=((0, 255), (10, 0)), timestamp="2017-03-21 16:12:14.28939 UTC"):
    return {"word": word, "countrycode": "FR", "timestamp": timestamp, "recognized": True,
            "key_id": key_id, "drawing": [[list(drawing[0]), list(drawing[1])]]}


def sample_records(name):
    path = SAMPLE / name
    if not path.exists():
        pytest.skip(f"Quick, Draw! sample not found at {path}")
    return [json.loads(line) for line in path.read_text().splitlines()]
