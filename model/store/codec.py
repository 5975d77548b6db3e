"""How the store writes things into its rows: drawings and guesses as compact JSON, times, erasure codes.

Pure functions, used by `model/store/store.py`: a drawing is validated (`strokes.as_arrays`) and written as
compact JSON that reads back to the very same numbers; Google's imported files, made of plain int
lists, take a checked fast path, since an import handles tens of thousands of drawings a second.
"""
from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import datetime, timezone

import numpy as np

from model import strokes
from model.quickdraw.records import google_key_id

# Letters and digits that cannot be mistaken for one another when read aloud or typed
# (no 0/O, 1/I/L). Seven of them give 31**7 = 2.7e10 codes, shown as "K7F-3QXM".
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 7
_JSON = json.JSONEncoder(separators=(",", ":"))  # compact, built once (dumps() rebuilds it per call)
_json_text = json.encoder.encode_basestring  # a str as a JSON string literal (C speed-up)
_INT_LIST_TEXT = re.compile(r"[\[\]0-9,\-]*")
_INT_LIST_TEXT_15 = re.compile(r"(?:[\[\],\-]++[0-9]{1,15}+)*+[\[\],\-]*+")  # ints of <= 15 digits
_GOOGLE_TIME = re.compile(r"(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d+))? UTC")


def utc_iso(moment: datetime | str | float | None = None) -> str:
    """ISO 8601 UTC with milliseconds (fixed width, so text order is time order) of a datetime (naive
    means UTC), an ISO or Google time text, or epoch seconds; None = now."""
    if moment is None:
        moment = datetime.now(timezone.utc)
    elif isinstance(moment, (int, float)) and not isinstance(moment, bool):
        moment = datetime.fromtimestamp(moment, timezone.utc)
    elif not isinstance(moment, (str, datetime)):
        raise ValueError(f"not a time: {moment!r}")
    elif isinstance(moment, str):  # also Google's "2017-03-21 16:12:14.28939 UTC"
        text = moment.strip().removesuffix("UTC").strip().replace("Z", "+00:00")
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"not an ISO 8601 time: {moment!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def google_time(text: str) -> str:
    """utc_iso() of Quick, Draw!'s "2017-03-21 16:12:14.28939 UTC", by slicing (imports are hot)."""
    match = _GOOGLE_TIME.fullmatch(text)
    if match is None:
        return utc_iso(text)
    day, time, fraction = match.groups()
    return f"{day}T{time}.{(fraction or '')[:3].ljust(3, '0')}+00:00"


def new_code() -> str:
    """A random erasure code such as "K7F-3QXM"."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{symbols[:3]}-{symbols[3:]}"


def normalize_code(text: str) -> str | None:
    """The stored form of a code typed in any case, with or without the dash; None if malformed."""
    symbols = re.sub(r"[\s\-]", "", str(text)).upper()
    if len(symbols) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in symbols):
        return None
    return f"{symbols[:3]}-{symbols[3:]}"


def encode_drawing(drawing) -> tuple[str, int | None]:
    """Validate a drawing; return (compact JSON ``[[xs, ys(, ts)], ...]``, last time in ms or None).

    Integral values are written as ints, others as the shortest float text that reads back exactly
    (Python's repr), so decoding gives back the very same numbers. A drawing made only of plain int
    lists (Google's files, mouse input) is checked by ``_plain_int_json``, which tests the rules of
    ``strokes.as_arrays`` several times faster; anything else goes through ``as_arrays`` itself.
    """
    strokes.check_size(drawing)  # the fast path below must not let a 10**7-point stroke in either
    text = _plain_int_json(drawing, exact_floats=True)
    if text is not None:
        times = [stroke[2] for stroke in drawing if len(stroke) == 3]
        return text, (max(max(ts) for ts in times) if times else None)
    arrays = _checked_arrays(drawing)
    if not arrays:
        return "[]", None
    flat = np.concatenate([a.ravel() for a in arrays])
    if np.all(flat == np.round(flat)) and np.all(np.abs(flat) < 2**53):
        columns = [a.T.astype(np.int64).tolist() for a in arrays]
    else:
        columns = [[[int(v) if v.is_integer() and abs(v) < 2**53 else v for v in column]
                    for column in a.T.tolist()] for a in arrays]
    duration = max((int(round(a[:, 2].max())) for a in arrays if a.shape[1] == 3), default=None)
    return _JSON.encode(columns), duration


def _checked_arrays(drawing) -> list[np.ndarray]:
    try:
        return strokes.as_arrays(drawing)
    except OverflowError:  # an int too large for a float
        raise ValueError("the drawing holds a number too large to be a coordinate") from None


def _plain_int_json(drawing, exact_floats: bool = True) -> str | None:
    """Compact JSON of a drawing made only of non-empty, equally long lists of ints, else None.

    ``exact_floats``: also None when a value has 16 or more digits, so that every accepted value is
    a float64 exactly, as ``as_arrays`` needs (left to ``as_arrays`` itself when it runs anyway)."""
    try:
        lists = 1
        for stroke in drawing:
            points = len(stroke[0])
            if not points or len(stroke[1]) != points or len(stroke) > 3 or \
                    (len(stroke) == 3 and len(stroke[2]) != points):
                return None
            lists += 1 + len(stroke)
    except (TypeError, LookupError):
        return None
    # repr of ints is JSON. Only digits, signs, commas and brackets (no tuple, str, bool, float or
    # array would pass) and as many "[" as the lists counted above: every value is an int, nothing
    # is nested deeper, and the strokes are the lists whose lengths were checked.
    text = repr(drawing).replace(" ", "")
    pattern = _INT_LIST_TEXT_15 if exact_floats else _INT_LIST_TEXT
    if pattern.fullmatch(text) is None or text.count("[") != lists:
        return None
    return text


def encode_guesses(guesses) -> list[tuple[int, str]]:
    """``[(t_ms, [(category, probability), ...]), ...]`` -> rows of (t_ms, compact JSON)."""
    rows = []
    for item in guesses:
        try:
            t_ms, top = item
            pairs = [(_json_text(str(category)), round(float(p), 6)) for category, p in top]
            t_ms = int(round(float(t_ms)))
        except (TypeError, ValueError, OverflowError):
            raise ValueError(
                f"a guess must be (t_ms, [(category, probability), ...]), got {item!r}") from None
        if not all(0.0 <= p <= 1.0 for _, p in pairs):
            raise ValueError(f"probabilities must lie in [0, 1], got {item!r}")
        # By hand: float repr is valid JSON, and this is twice as fast as the encoder (it is per save).
        rows.append((t_ms, "[" + ",".join([f"[{c},{p!r}]" for c, p in pairs]) + "]"))
    return rows


def milliseconds(value, name: str) -> int:
    try:
        ms = int(round(float(value)))
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number of milliseconds, got {value!r}") from None
    if ms < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return ms


def imported_row(record: dict, number: int, session_id: int, now: str) -> tuple:
    try:
        word, drawing = record["word"], record["drawing"]
    except (KeyError, TypeError):
        raise ValueError(f"record {number} has no word or drawing: {str(record)[:80]}") from None
    if not isinstance(word, str) or not word:
        raise ValueError(f"record {number} has no word")
    try:
        text, duration = encode_drawing(drawing)
        created = google_time(record["timestamp"]) if record.get("timestamp") else now
    except ValueError as error:
        raise ValueError(f"record {number} ({word}): {error}") from None
    key = record.get("key_id")
    # Records without a key_id get one from their content, so importing the file again adds nothing.
    key = str(key) if key else "sha256:" + hashlib.sha256(f"{word}\n{text}".encode()).hexdigest()[:32]
    return (key, session_id, word, text, int(bool(record.get("recognized", False))), duration,
            created, record.get("countrycode"), google_key_id(key))
