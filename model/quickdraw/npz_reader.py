"""The arrays of an `.npz` archive, read without ever running code from the file.

Google's sketch-rnn files (`sketchrnn/<category>.npz`) hold object arrays: `train`/`valid`/`test`,
each a 1-D array of int16 (n, 3) stroke-3 arrays, stored as a pickle. Plain unpickling (numpy's
`allow_pickle=True`) calls whatever function the file names, so a hostile `.npz` would run its code
under `import`, `convert`, `stats` or training. Here an object array is rebuilt by an unpickler that
knows only what numpy's own array pickles use and refuses every other global with `RefusedPickle`:

- numpy's `_reconstruct` (under `numpy.core.multiarray`, Python 2 and numpy 1 pickles, or
  `numpy._core.multiarray`, numpy 2), for an empty array of shape (0,) only, as numpy writes it:
  the real shape comes with the data, so no pickle can make it allocate more than the file holds;
- `numpy.ndarray`, only as that call's argument (it cannot be called itself: that would allocate);
- `numpy.dtype` from a type code string, and numpy's `scalar` helper (numpy scalars in a pickle);
- `_codecs.encode(text, "latin1")`, which Python 3 protocol-2 pickles use for `bytes`.

Each callable is made afresh for every file, so a pickle that sets attributes on one (pickle's BUILD)
changes nothing beyond that file. Arrays without objects are read with `allow_pickle=False`.
Python 2 pickles (Google's files) are read with `encoding="latin1"`, as numpy documents.
"""
from __future__ import annotations

import pickle
import zipfile
import numpy as np

_RECONSTRUCT = np.empty(0).__reduce__()[0]  # numpy's _reconstruct, wherever this numpy keeps it
_SCALAR = np.float64(0).__reduce__()[0]     # numpy's scalar helper
_NUMPY_CORE = ("numpy.core.multiarray", "numpy._core.multiarray")
_LATIN1 = {"latin1", "latin-1", "latin_1", "iso-8859-1", "iso8859-1"}


class RefusedPickle(pickle.UnpicklingError):
    """The pickle names something other than numpy's array rebuilding: it is never called."""


class _NdarrayToken:
    """Stands for `numpy.ndarray` in a pickle: accepted by `_reconstruct`, useless anywhere else."""
    __slots__ = ()

    def __call__(self, *args, **kwargs):
        raise RefusedPickle("refusing to call numpy.ndarray: numpy pickles never do (it would allocate)")

    def __setstate__(self, state):
        raise RefusedPickle("refusing to change numpy.ndarray")


def _allowed_globals() -> dict:
    """(module, name) -> a fresh object the pickle may use in its place."""
    token = _NdarrayToken()

    def reconstruct(subtype, shape, dtype):
        if subtype is not token or tuple(shape) != (0,):
            raise RefusedPickle(f"refusing numpy _reconstruct{(type(subtype).__name__, shape)!r}: "
                                "numpy pickles only rebuild empty arrays this way")
        return _RECONSTRUCT(np.ndarray, (0,), dtype)

    def dtype(code, align=False, copy=True):
        if not isinstance(code, str):
            raise RefusedPickle(f"refusing numpy.dtype({type(code).__name__}): only type code strings")
        return np.dtype(code, bool(align), bool(copy))

    def scalar(dtype, *data):
        if not isinstance(dtype, np.dtype):
            raise RefusedPickle("refusing numpy scalar of something that is not a dtype")
        return _SCALAR(dtype, *data)

    def encode(text, encoding="utf-8"):
        if not isinstance(text, str) or str(encoding).lower() not in _LATIN1:
            raise RefusedPickle(f"refusing _codecs.encode(..., {encoding!r}): only latin1 bytes")
        return text.encode("latin1")

    allowed = {("numpy", "ndarray"): token, ("numpy", "dtype"): dtype, ("_codecs", "encode"): encode}
    for module in _NUMPY_CORE:
        allowed[(module, "_reconstruct")] = reconstruct
        allowed[(module, "scalar")] = scalar
    return allowed


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles numpy arrays and nothing else (see the module docstring)."""

    def __init__(self, file):
        super().__init__(file, encoding="latin1")  # latin1: Python 2 pickles hold array bytes as str
        self._allowed = _allowed_globals()

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise RefusedPickle(f"refusing to unpickle {module}.{name}") from None

    def persistent_load(self, pid):
        raise RefusedPickle("refusing a persistent id: not a numpy pickle")


def npz_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Array name -> member name, as numpy's `np.load` names them (`train` for `train.npy`)."""
    return {name.removesuffix(".npy"): name for name in archive.namelist()}


def read_member(archive: zipfile.ZipFile, member: str) -> np.ndarray:
    """One `.npy` member as an array; object arrays through `_ArrayUnpickler`.

    Raises RefusedPickle for a pickle that names anything else, ValueError for a damaged member."""
    with archive.open(member) as stream:
        if _header_dtype(stream, member).hasobject:
            return _unpickle(stream, member)
    with archive.open(member) as stream:  # no objects: numpy reads it, and never unpickles
        return np.lib.format.read_array(stream, allow_pickle=False)


def _header_dtype(stream, member: str) -> np.dtype:
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)[2]
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)[2]
    raise ValueError(f"{member}: .npy version {version} is not one numpy writes for these arrays")


def _unpickle(stream, member: str) -> np.ndarray:
    try:
        array = _ArrayUnpickler(stream).load()
    except RefusedPickle:
        raise
    except Exception as error:  # a damaged pickle raises any kind of error; all mean unreadable
        raise ValueError(f"{member}: damaged pickle ({type(error).__name__}: {error})") from None
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{member}: holds a {type(array).__name__}, not an array")
    return array
