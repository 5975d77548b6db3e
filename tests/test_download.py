"""Tests for model/quickdraw/download.py, only against local HTTP servers on 127.0.0.1 that serve the Quick, Draw!
sample beside the checkout under the layout of Google's bucket: plain, resumable (Range), one that
drops the connection half-way, ones that lie about the size or the MD5, one that ignores Range."""
import base64
import hashlib
import socket
import threading
import urllib.error
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from model.quickdraw import download
from model.__main__ import main
from model.quickdraw.download import DownloadError, DownloadSettings

REPO_ROOT = Path(__file__).resolve().parents[1]

# Google's bucket path -> (sample file suffix); the sample keeps Google's category names as file names.
LAYOUT = {"full/simplified/": ".ndjson", "full/numpy_bitmap/": ".npy"}


class SampleHandler(BaseHTTPRequestHandler):
    """GET of /quickdraw_dataset/<google path>, with Range, as misbehaving as the server is told."""

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        data = server.file_bytes(self.path)
        if data is None:
            self.send_error(404)
            return
        declared = len(data) + server.lie_extra  # a server that announces more than it has
        start = 0
        ranged = self.headers.get("Range") and not server.ignore_range
        if ranged:
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= declared:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{declared}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        body = data[start:]
        self.send_response(206 if ranged else 200)
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{declared - 1}/{declared}")
        self.send_header("Content-Length", str(declared - start))
        if server.stored_length is not None:
            self.send_header("x-goog-stored-content-length", str(server.stored_length))
        if server.send_md5:
            digest = hashlib.md5(data + server.md5_garbage).digest()
            self.send_header("x-goog-hash", "crc32c=AAAAAA==")
            self.send_header("x-goog-hash", f"md5={base64.b64encode(digest).decode()}")
        self.end_headers()
        if server.drops > 0:  # send half, then hang up
            server.drops -= 1
            body = body[: len(body) // 2]
        self.wfile.write(body)


class SampleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), SampleHandler)
        self.root, self.requests = root, []
        self.drops, self.lie_extra, self.ignore_range = 0, 0, False
        self.send_md5, self.md5_garbage, self.stored_length = True, b"", None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/quickdraw_dataset"

    def file_bytes(self, url_path: str) -> bytes | None:
        path = urllib.parse.unquote(url_path).removeprefix("/quickdraw_dataset/")
        for folder, suffix in LAYOUT.items():
            name = path.removeprefix(folder)
            if name != path and name.endswith(suffix) and "/" not in name:
                file = self.root / name
                return file.read_bytes() if file.is_file() else None
        return None


@pytest.fixture
def server(sample_dir):
    httpd = SampleServer(sample_dir)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def settings(server, **overrides):
    return DownloadSettings(**{"base_url": server.base_url, "retries": 2, "backoff_s": 0, "timeout_s": 5,
                               "chunk_bytes": 1024, "progress": False, **overrides})


def test_the_category_list_is_the_samples_345_names(sample_dir):
    names = download.quickdraw_categories()
    assert len(names) == len(set(names)) == 345
    assert set(names) == {path.stem for path in sample_dir.glob("*.ndjson")}
    assert download.check_categories(["all"], names) == names
    with pytest.raises(ValueError, match="did you mean 'cat'"):
        download.check_categories(["cats"], names)


def test_urls_follow_googles_bucket_layout():
    base = download.BASE_URL
    assert download.file_url("alarm clock", "simplified") == f"{base}/full/simplified/alarm%20clock.ndjson"
    assert download.file_url("cat", "raw") == f"{base}/full/raw/cat.ndjson"
    assert download.file_url("cat", "numpy_bitmap") == f"{base}/full/numpy_bitmap/cat.npy"
    assert download.file_url("cat", "binary") == f"{base}/full/binary/cat.bin"
    assert download.file_url("cat", "sketchrnn") == f"{base}/sketchrnn/cat.npz"
    assert base == "https://storage.googleapis.com/quickdraw_dataset"


def test_downloads_are_byte_identical_and_md5_checked(server, sample_dir, tmp_path):
    done = download.download(["cat", "alarm clock"], tmp_path, "simplified", settings(server))
    for item, name in zip(done, ["cat", "alarm clock"]):
        assert item.path == tmp_path / "simplified" / f"{name}.ndjson" and item.md5_checked
        assert item.path.read_bytes() == (sample_dir / f"{name}.ndjson").read_bytes()
    (bitmaps,) = download.download(["cat"], tmp_path, "numpy_bitmap", settings(server))
    assert bitmaps.path.read_bytes() == (sample_dir / "cat.npy").read_bytes()
    assert not list(tmp_path.rglob("*.part"))
    requests = len(server.requests)
    (again,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert again.skipped and len(server.requests) == requests  # already there: no request at all


def test_a_partial_file_resumes_with_a_range_request(server, sample_dir, tmp_path):
    original = (sample_dir / "cake.ndjson").read_bytes()
    part = tmp_path / "simplified" / "cake.ndjson.part"
    part.parent.mkdir()
    part.write_bytes(original[:5000])
    (done,) = download.download(["cake"], tmp_path, "simplified", settings(server))
    assert done.resumed_from == 5000 and done.md5_checked and done.path.read_bytes() == original
    assert server.requests == [("/quickdraw_dataset/full/simplified/cake.ndjson", "bytes=5000-")]


def test_a_connection_dropped_half_way_is_resumed(server, sample_dir, tmp_path):
    server.drops = 2  # the first two responses stop half-way
    (done,) = download.download(["monkey"], tmp_path, "simplified", settings(server))
    original = (sample_dir / "monkey.ndjson").read_bytes()
    assert done.path.read_bytes() == original
    ranges = [requested for _, requested in server.requests]
    half = len(original) // 2
    assert ranges == [None, f"bytes={half}-", f"bytes={half + (len(original) - half) // 2}-"]


def test_a_complete_part_file_is_finished_by_the_416_answer(server, sample_dir, tmp_path):
    original = (sample_dir / "cat.ndjson").read_bytes()
    part = tmp_path / "simplified" / "cat.ndjson.part"
    part.parent.mkdir()
    part.write_bytes(original)
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == original and not done.md5_checked


def test_a_server_ignoring_range_restarts_the_file(server, sample_dir, tmp_path):
    server.ignore_range = True
    original = (sample_dir / "cat.ndjson").read_bytes()
    part = tmp_path / "simplified" / "cat.ndjson.part"
    part.parent.mkdir()
    part.write_bytes(b"stale bytes from another file")
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == original


def test_a_server_sending_less_than_announced_gives_up_and_keeps_the_part(server, tmp_path):
    server.lie_extra = 100
    with pytest.raises(DownloadError, match="attempts in a row without progress") as caught:
        download.download(["cat"], tmp_path, "simplified", settings(server))
    assert "run the same command again to resume" in str(caught.value)
    assert not (tmp_path / "simplified" / "cat.ndjson").exists()
    assert (tmp_path / "simplified" / "cat.ndjson.part").exists()


def test_a_stored_size_that_disagrees_is_refused(server, tmp_path):
    server.stored_length = 12
    with pytest.raises(DownloadError, match="announces .* bytes but stores 12"):
        download.download(["cat"], tmp_path, "simplified", settings(server))
    assert not (tmp_path / "simplified" / "cat.ndjson").exists()


def test_a_wrong_md5_removes_the_download(server, tmp_path):
    server.md5_garbage = b"x"
    with pytest.raises(DownloadError, match="MD5"):
        download.download(["cat"], tmp_path, "simplified", settings(server))
    assert list((tmp_path / "simplified").iterdir()) == []


def test_not_found_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="not found on the server"):
        download.download(["cat"], tmp_path, "binary", settings(server))
    assert len(server.requests) == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_offline_is_a_clear_message(tmp_path, monkeypatch):
    unreachable = DownloadSettings(base_url=f"http://127.0.0.1:{closed_port()}/quickdraw_dataset",
                                   retries=1, backoff_s=0, progress=False)
    with pytest.raises(DownloadError, match="Are you offline"):
        download.download(["cat"], tmp_path, "simplified", unreachable)

    def no_dns(*args, **kwargs):
        raise urllib.error.URLError(socket.gaierror(-3, "Temporary failure in name resolution"))
    monkeypatch.setattr(download.urllib.request, "urlopen", no_dns)
    with pytest.raises(DownloadError, match="cannot reach storage.googleapis.com .*are you offline"):
        download.download(["cat"], tmp_path, "simplified", DownloadSettings(progress=False))


def test_cli_downloads_and_reports_in_one_line(server, sample_dir, tmp_path, capsys):
    assert main(["download", "--categories", "cat", "The Mona Lisa", "--out", str(tmp_path),
                 "--base-url", server.base_url, "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    size = (sample_dir / "The Mona Lisa.ndjson").stat().st_size
    assert out[1] == f"{tmp_path / 'simplified' / 'The Mona Lisa.ndjson'}: {size:,} bytes, MD5 checked"
    assert main(["download", "--categories", "unicorn", "--out", str(tmp_path)]) == 2
    assert "'unicorn' is not a Quick, Draw! category" in capsys.readouterr().err
    dead = f"http://127.0.0.1:{closed_port()}/quickdraw_dataset"
    assert main(["download", "--categories", "dog", "--out", str(tmp_path), "--base-url", dead,
                 "--retries", "0", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Are you offline?" in err


def test_only_the_download_command_touches_the_network():
    network = ("urllib.request", "http.client", "import socket", "import requests", "urlopen")
    sources = [*REPO_ROOT.glob("model/**/*.py"), *REPO_ROOT.glob("game/**/*.py"), *REPO_ROOT.glob("*.py")]
    users = {path.relative_to(REPO_ROOT).as_posix() for path in sources
             if any(word in path.read_text(encoding="utf-8") for word in network)}
    assert users <= {"model/quickdraw/download.py"}, users


def test_help_shows_runnable_examples(capsys):
    with pytest.raises(SystemExit) as done:
        main(["download", "--help"])
    text = capsys.readouterr().out
    assert done.value.code == 0 and "examples:" in text and "python -m model download " in text
