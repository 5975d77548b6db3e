"""Quick, Draw!'s array formats: 28x28 `.npy` bitmaps and sketch-rnn `.npz` stroke-3 files.

- npy: uint8 (N, 784) bitmaps, read through a memory map; rows come as `bitmap`, `drawing` is None;
  written row by row behind a header that is fixed up at the end, so both stream.
- npz: sketch-rnn's `train`/`valid`/`test` object arrays of int16 stroke-3. Object arrays are pickles;
  `npz_reader.py` rebuilds numpy arrays from them and refuses anything else, so no file runs code.
  Reading unpickles one split at a time; writing gathers every drawing's int16 offsets first.
"""
from __future__ import annotations

import math
import struct
import zipfile
from typing import Iterable, Iterator

import numpy as np

from model import strokes
from model.quickdraw import npz_reader
from model.quickdraw.records import (FIELDS, FormatError, ReadReport, as_record, category_from_path, replacing,
                                     strokes_of)

NPZ_SPLITS = ("train", "valid", "test")
BITMAP_SIDE = 28

def load_npy(path) -> np.ndarray:
    """The (N, 784) uint8 bitmaps of a `.npy`, memory-mapped (nothing is read until used)."""
    try:
        bitmaps = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise FormatError(f"{path}: not a readable .npy file ({error})") from None
    pixels = BITMAP_SIDE * BITMAP_SIDE
    if bitmaps.dtype != np.uint8 or bitmaps.ndim < 2 or math.prod(bitmaps.shape[1:]) != pixels:
        raise FormatError(f"{path}: expected uint8 bitmaps of shape (N, {pixels}), "
                          f"got {bitmaps.dtype} {bitmaps.shape}")
    return bitmaps.reshape(len(bitmaps), pixels)  # (N, 1, 784) and (N, 28, 28) files exist too

def read_npy(path, skip_bad: bool = False, report: ReadReport | None = None) -> Iterator[dict]:
    """One record per bitmap row: `word` from the file name, `bitmap` a (784,) uint8 view."""
    report = report if report is not None else ReadReport()
    report.path = str(path)
    bitmaps, word = load_npy(path), category_from_path(path)
    for row in bitmaps:
        report.read += 1
        yield dict.fromkeys(FIELDS) | {"word": word, "bitmap": row}

def read_npz(path, skip_bad: bool = False, report: ReadReport | None = None) -> Iterator[dict]:
    """sketch-rnn records, split by split; `split` says which. Never runs code from the file: object
    arrays are unpickled by `npz_reader`, which refuses anything but numpy arrays (FormatError)."""
    report = report if report is not None else ReadReport()
    report.path = str(path)
    word = category_from_path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = npz_reader.npz_names(archive)
            present = [split for split in NPZ_SPLITS if split in names]
            if not present:
                raise FormatError(f"{path}: no {'/'.join(NPZ_SPLITS)} arrays; not a sketch-rnn file")
            for split in present:
                try:
                    array = npz_reader.read_member(archive, names[split])
                except npz_reader.RefusedPickle as refused:
                    raise FormatError(f"{path}: {refused} in {split}: a sketch-rnn .npz holds only numpy "
                                      "arrays, and this one asks to run code; nothing was read") from None
                if array.ndim == 0:
                    raise FormatError(f"{path}: {split} is a single value, not an array of drawings")
                for index, stroke3 in enumerate(array):
                    try:
                        drawing = _drawing_from_stroke3(stroke3)
                    except ValueError as error:
                        report.bad(f"{path}, {split}[{index}]: {error}", skip_bad)
                        continue
                    report.read += 1
                    yield dict.fromkeys(FIELDS) | {"word": word, "drawing": drawing, "split": split}
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, RuntimeError, struct.error) as error:
        if isinstance(error, (FormatError, FileNotFoundError)):
            raise
        raise FormatError(f"{path}: not a readable sketch-rnn .npz file ({error})") from None

def _drawing_from_stroke3(stroke3) -> list:
    if not isinstance(stroke3, np.ndarray) or stroke3.ndim != 2 or stroke3.shape[1] != 3 or not len(stroke3):
        raise ValueError("expected a non-empty (n, 3) stroke-3 array")
    if not np.issubdtype(stroke3.dtype, np.number):
        raise ValueError(f"stroke-3 values must be numbers, got {stroke3.dtype}")
    drawing = strokes.from_stroke3(stroke3)
    if np.issubdtype(stroke3.dtype, np.integer):  # int16 offsets: positions are whole numbers
        drawing = [[[round(v) for v in values] for values in stroke] for stroke in drawing]
    return drawing

def write_npy(path, records: Iterable, simplify: bool = False) -> int:
    """(N, 784) uint8 bitmaps, rendered with `strokes.rasterize` unless a record carries a `bitmap`.

    Streams: rows go out behind a header for zero rows, rewritten with the real count at the end
    (numpy pads headers so the count can grow in place).
    """
    pixels = BITMAP_SIDE * BITMAP_SIDE

    def encode(record):
        bitmap = record.get("bitmap")
        if bitmap is None:
            bitmap = strokes.rasterize(strokes_of(record, simplify), size=BITMAP_SIDE)
        bitmap = np.asarray(bitmap)
        if bitmap.dtype != np.uint8 or bitmap.size != pixels:
            raise ValueError(f"a bitmap must be {pixels} uint8 pixels, got {bitmap.dtype} {bitmap.shape}")
        return bitmap.tobytes()

    def header(count):
        return {"descr": "|u1", "fortran_order": False, "shape": (count, pixels)}

    count = 0
    with replacing(path) as out:
        np.lib.format.write_array_header_1_0(out, header(0))
        data_start = out.tell()
        for count, record in enumerate(map(as_record, records), 1):
            try:
                out.write(encode(record))
            except ValueError as error:
                raise FormatError(f"cannot write {path}: record {count - 1}: {error}") from None
        out.seek(0)
        np.lib.format.write_array_header_1_0(out, header(count))
        if out.tell() != data_start:
            raise FormatError(f"cannot write {path}: {count} rows do not fit the .npy header")
    return count

def default_split(index: int) -> str:
    """Where a record without a `split` goes in a `.npz`: by position, 18 in 20 train, 1 valid, 1 test."""
    return {18: "valid", 19: "test"}.get(index % 20, "train")

def write_npz(path, records: Iterable, simplify: bool = False) -> int:
    """sketch-rnn `.npz`: int16 stroke-3 arrays in `train`/`valid`/`test` (a record's `split`, else
    `default_split`). Pickle needs whole arrays, so the int16 offsets are collected in memory first."""
    splits: dict[str, list] = {split: [] for split in NPZ_SPLITS}
    count = 0
    for count, record in enumerate(map(as_record, records), 1):
        try:
            stroke3 = strokes.to_stroke3(strokes_of(record, simplify))
            # Round positions, not offsets, so rounding errors do not add up along the drawing.
            positions = np.rint(np.cumsum(stroke3[:, :2], axis=0))
            stroke3[:, :2] = np.diff(positions, axis=0, prepend=np.zeros((1, 2)))
            if np.abs(stroke3).max() > np.iinfo(np.int16).max:
                raise ValueError("offsets beyond int16; simplify the drawing first")
        except ValueError as error:
            raise FormatError(f"cannot write {path}: record {count - 1}: {error}") from None
        split = record.get("split") if record.get("split") in NPZ_SPLITS else default_split(count - 1)
        splits[split].append(stroke3.astype(np.int16))
    arrays = {}
    for split, items in splits.items():
        arrays[split] = np.empty(len(items), dtype=object)
        for index, item in enumerate(items):  # item by item: numpy would stack equal-shaped arrays
            arrays[split][index] = item
    with replacing(path) as out:
        np.savez_compressed(out, **arrays)
    return count
