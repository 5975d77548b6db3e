"""Tests that a sketch-rnn `.npz` never runs code (model/quickdraw/arrays.py, issue 16 finding 1).

An `.npz` whose object array holds something with a `__reduce__` that writes a file is read by every
command that reads `.npz` files: `python -m model import`, `convert`, `stats --dir`, `train.py
--quickdraw` (loaded and streamed) and `--eval-only`. Each must refuse it with one line naming the
file, and the file the payload would write must never appear. Google's own files (object arrays of
int16 stroke-3, pickled by Python 2 with numpy's old module names) still read without any flag.
"""
import io
import pickle
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest

import assets
from model import train_command
from model.__main__ import main
from model.quickdraw import formats
from model.quickdraw.records import FormatError

REFUSED = "refusing to unpickle"


class WritesAFile:
    """Unpickling this writes `marker`: what a hostile .npz would do, harmlessly."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').write('the payload ran')",)


def hostile_npz(path: Path, marker: Path) -> Path:
    """A sketch-rnn-looking file: `train` holds one real drawing and the payload."""
    train = np.empty(2, dtype=object)
    train[0] = np.array([[5, 7, 0], [1, -2, 1]], dtype=np.int16)
    train[1] = WritesAFile(marker)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, train=train, valid=np.empty(0, dtype=object), test=np.empty(0, dtype=object))
    return path


@pytest.fixture
def hostile(tmp_path):
    marker = tmp_path / "PAYLOAD-RAN"
    folder = tmp_path / "qd"
    return hostile_npz(folder / "cat.npz", marker), folder, marker


def test_reading_refuses_the_payload_and_names_the_file(hostile):
    path, _, marker = hostile
    with pytest.raises(FormatError, match=rf"{path.name}: {REFUSED} builtins\.exec") as caught:
        list(formats.read_drawings(path))
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    assert not marker.exists()


def test_import_and_convert_refuse_it_in_one_line(hostile, tmp_path, capsys):
    path, _, marker = hostile
    assert main(["import", str(path), "--db", str(tmp_path / "p.db")]) == 2
    err = capsys.readouterr().err
    assert REFUSED in err and str(path) in err and err.count("\n") == 1
    assert main(["convert", str(path), str(tmp_path / "out.ndjson")]) == 2
    err = capsys.readouterr().err
    assert REFUSED in err and str(path) in err and err.count("\n") == 1
    assert not (tmp_path / "out.ndjson").exists() and not marker.exists()


def test_stats_of_a_folder_refuses_it(hostile, capsys):
    _, folder, marker = hostile
    assert main(["stats", "--dir", str(folder)]) == 2
    err = capsys.readouterr().err
    assert REFUSED in err and "cat.npz" in err and err.count("\n") == 1
    assert not marker.exists()


@pytest.mark.parametrize("extra", [[], ["--stream"]])
def test_training_on_the_folder_refuses_it(hostile, tmp_path, extra):
    _, folder, marker = hostile
    with pytest.raises(SystemExit) as caught:
        train_command.main(["--quickdraw", str(folder), "--categories", "cat,dog", "--epochs", "1",
                            "--threads", "1", "--eval", "none", "--quiet", "--out", str(tmp_path / "m.pt"),
                            *extra])
    message = str(caught.value.code)
    assert message.startswith("pennydraw-train: error:") and REFUSED in message and "cat.npz" in message
    assert "\n" not in message and not marker.exists() and not (tmp_path / "m.pt").exists()


def test_evaluating_on_the_folder_refuses_it(hostile):
    _, folder, marker = hostile
    with pytest.raises(SystemExit) as caught:
        train_command.main(["--eval-only", "--checkpoint", str(assets.path("model.pt")),
                            "--quickdraw", str(folder), "--categories", "cat,dog", "--eval", "none"])
    message = str(caught.value.code)
    assert REFUSED in message and "cat.npz" in message and "\n" not in message
    assert not marker.exists()


def test_other_globals_are_refused_too(tmp_path):
    """Not only exec: any global that is not numpy's array rebuilding (here a harmless one)."""
    train = np.empty(1, dtype=object)
    train[0] = Path("x")  # pickles as pathlib.PosixPath (or pathlib._local in newer Pythons)
    np.savez(tmp_path / "cat.npz", train=train)
    with pytest.raises(FormatError, match=rf"cat\.npz: {REFUSED} pathlib"):
        list(formats.read_drawings(tmp_path / "cat.npz"))


class Reduces:
    """Pickles as `function(*args)`: numpy's own globals, asked to allocate what the file does not hold."""

    def __init__(self, function, args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


RECONSTRUCT = np.empty(0).__reduce__()[0]


@pytest.mark.parametrize("payload, refusal", [
    (Reduces(np.ndarray, ((10**10,),)), "refusing to call numpy.ndarray"),
    (Reduces(RECONSTRUCT, (np.ndarray, (10**10,), b"b")), "refusing numpy _reconstruct"),
    (Reduces(np.dtype, (Path,)), r"refusing to unpickle pathlib"),
])
def test_numpys_own_globals_cannot_allocate_or_reach_further(tmp_path, payload, refusal):
    train = np.empty(1, dtype=object)
    train[0] = payload
    np.savez(tmp_path / "cat.npz", train=train)
    with pytest.raises(FormatError, match=rf"cat\.npz: {refusal}"):
        list(formats.read_drawings(tmp_path / "cat.npz"))


# --- Google's own files still read ------------------------------------------------------------

def python2_pickle_of(arrays: list[np.ndarray]) -> bytes:
    """An object array of int16 arrays pickled as Python 2's numpy did (protocol 2, `numpy.core`
    module names, array bytes as Python 2 `str`): the layout of Google's sketchrnn/*.npz."""
    out = io.BytesIO()
    memo = {}

    def op(code: bytes, *payload: bytes):
        out.write(code + b"".join(payload))

    def glob(module: str, name: str):
        key = (module, name)
        if key in memo:
            op(b"h", bytes([memo[key]]))
        else:
            op(b"c", f"{module}\n{name}\n".encode())
            memo[key] = len(memo)
            op(b"q", bytes([memo[key]]))

    def py2_str(data: bytes):
        if len(data) < 256:
            op(b"U", bytes([len(data)]), data)
        else:
            op(b"T", struct.pack("<I", len(data)), data)

    def tuple_of_ints(values):
        op(b"(")
        for value in values:
            op(b"J", struct.pack("<i", value))
        op(b"t")

    def dtype(code: str, order: str, flags: int):
        glob("numpy", "dtype")
        op(b"(")
        py2_str(code.encode())
        op(b"K\x00K\x01t")  # (code, 0, 1): align=0, copy=1
        op(b"R")
        op(b"(K\x03")
        py2_str(order.encode())
        op(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xff")
        op(b"K", bytes([flags]))
        op(b"tb")

    def array_header():
        glob("numpy.core.multiarray", "_reconstruct")
        glob("numpy", "ndarray")
        op(b"(K\x00t")
        py2_str(b"b")
        op(b"\x87R")  # TUPLE3, REDUCE

    op(b"\x80\x02")
    array_header()
    op(b"(K\x01")
    tuple_of_ints([len(arrays)])
    dtype("O8", "|", 63)
    op(b"\x89]")  # not Fortran order; the list of items
    op(b"(")
    for item in arrays:
        array_header()
        op(b"(K\x01")
        tuple_of_ints(item.shape)
        dtype("i2", "<", 0)
        op(b"\x89")
        py2_str(item.astype("<i2").tobytes())
        op(b"tb")
    op(b"e")  # APPENDS
    op(b"tb.")
    return out.getvalue()


def npy_member(pickled: bytes, count: int) -> bytes:
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|O", "fortran_order": False, "shape": (count,)})
    return header.getvalue() + pickled


def test_a_python2_sketchrnn_file_reads_without_any_flag(tmp_path):
    drawings = [np.array([[5, 7, 0], [1, -2, 1], [10, 0, 1]], np.int16), np.array([[0, 0, 1]], np.int16),
                np.array([[3, 3, 0], [1, 1, 1]] * 200, np.int16)]  # one long enough for a 4-byte length
    path = tmp_path / "sketchrnn_cat.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("train.npy", npy_member(python2_pickle_of(drawings[:2]), 2))
        archive.writestr("valid.npy", npy_member(python2_pickle_of(drawings[2:]), 1))
        archive.writestr("test.npy", npy_member(python2_pickle_of([]), 0))
    with np.load(path, allow_pickle=True, encoding="latin1") as plain:  # what numpy itself makes of it
        assert np.array_equal(plain["valid"][0], drawings[2])
    records = list(formats.read_drawings(path))
    assert [(r["word"], r["split"]) for r in records] == [("cat", "train")] * 2 + [("cat", "valid")]
    assert records[0]["drawing"] == [[[5, 6], [7, 5]], [[16], [5]]]
    assert records[1]["drawing"] == [[[0], [0]]]
    assert len(records[2]["drawing"]) == 200


def test_files_numpy_writes_today_read_too(tmp_path):
    """np.savez of object arrays (Python 3 pickles, numpy._core names) and pennydraw's own export."""
    train = np.empty(2, dtype=object)
    train[:] = [np.array([[5, 7, 0], [1, -2, 1]], np.int16), np.array([[1, 1, 1]], np.float32)]
    np.savez(tmp_path / "dog.npz", train=train)
    assert len(list(formats.read_drawings(tmp_path / "dog.npz"))) == 2
    with zipfile.ZipFile(tmp_path / "old.npz", "w") as archive:  # Python 3, protocol 2: _codecs.encode
        archive.writestr("train.npy", npy_member(pickle.dumps(train, protocol=2), 2))
    old = list(formats.read_drawings(tmp_path / "old.npz"))
    assert [r["drawing"] for r in old] == [r["drawing"] for r in formats.read_drawings(tmp_path / "dog.npz")]
