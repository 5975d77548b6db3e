"""Tests for model/quickdraw/download.py, only against local HTTP servers on 127.0.0.1 that serve the Quick, Draw!
sample beside the checkout under the layout of Google's bucket: plain, resumable (Range), one that
drops the connection half-way, ones that lie about the size or the MD5, one that ignores Range."""
import base64
import hashlib
import socket
import threading
import time
import urllib.error
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from model.quickdraw import download, download_guard
from model.__main__ import main
from model.quickdraw.download import DownloadError, DownloadSettings

REPO_ROOT = Path(__file__).resolve().parents[1]

# Google's bucket path -> (sample file suffix); the sample keeps Google's category names as file names.
LAYOUT = {"full/simplified/": ".ndjson", "full/numpy_bitmap/": ".npy"}


class SampleHandler(BaseHTTPRequestHandler):
    """GET of /quickdraw_dataset/<google path>, with Range and If-Range, as misbehaving as the server is told."""

    protocol_version = "HTTP/1.1"  # for chunked replies; every reply closes its connection

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        server.if_ranges.append(self.headers.get("If-Range"))
        data = server.file_bytes(self.path)
        if server.busy > 0 and server.drops == 0:  # busy after the drops: a run cut off half-way
            server.busy -= 1
            self.send_error(503)
            return
        if data is None:
            self.send_error(404)
            return
        if server.endless:
            self.send_endless()
            return
        etag = f'"{hashlib.md5(data).hexdigest()}"'
        declared = len(data) + server.lie_extra  # a server that announces more than it has
        start = 0
        ranged = self.headers.get("Range") and not server.ignore_range
        if ranged and server.honor_if_range and self.headers.get("If-Range") not in (None, etag):
            ranged = False  # RFC 9110: a validator that does not match means the whole file
        if ranged:
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0])
            if start >= declared or server.lie_416:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{start if server.lie_416 else declared}")
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                return
        body = data[start:]
        self.send_response(206 if ranged else 200)
        if ranged:
            self.send_header("Content-Range", f"bytes {start}-{declared - 1}/{declared}")
        if server.send_length:
            self.send_header("Content-Length", str(declared - start))
        if server.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        if server.validators:
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", server.last_modified)
        if server.stored_length is not None:
            self.send_header("x-goog-stored-content-length", str(server.stored_length))
        if server.send_md5:
            digest = hashlib.md5(data + server.md5_garbage).digest()
            self.send_header("x-goog-hash", "crc32c=AAAAAA==")
            self.send_header("x-goog-hash", f"md5={base64.b64encode(digest).decode()}")
        self.send_header("Connection", "close")
        self.end_headers()
        cut = server.drops > 0
        if cut:  # send half, then hang up
            server.drops -= 1
            body = body[: len(body) // 2]
        try:
            if server.drip_s:
                self.drip(body)
            elif server.chunked:
                for at in range(0, len(body), 500):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(body[at:at + 500]), body[at:at + 500]))
                if not cut:
                    self.wfile.write(b"0\r\n\r\n")
            elif server.pace_s:
                for at in range(0, len(body), 1024):
                    self.wfile.write(body[at:at + 1024])
                    self.wfile.flush()
                    time.sleep(server.pace_s)
            else:
                self.wfile.write(body)
        except OSError:  # the client gave up on us: what these tests want
            pass

    def drip(self, body):
        """One byte every drip_s, for at most two seconds (the test stays bounded without a fix)."""
        self.server.drip_s, pause = 0, self.server.drip_s  # only the first request drips
        self.server.gone = True
        until = time.monotonic() + 2
        for byte in body:
            if time.monotonic() > until:
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(pause)

    def send_endless(self):
        """A reply without a length that goes on (here up to `endless` bytes, then it stops)."""
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        block = b"x" * 65536
        try:
            for _ in range(self.server.endless // len(block)):
                self.wfile.write(block)
        except OSError:
            pass


class SampleServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), SampleHandler)
        self.root, self.requests, self.if_ranges = root, [], []
        self.drops, self.lie_extra, self.ignore_range, self.busy = 0, 0, False, 0
        self.send_md5, self.md5_garbage, self.stored_length = True, b"", None
        self.validators, self.honor_if_range, self.last_modified = True, True, "Wed, 01 Mar 2017 10:00:00 GMT"
        self.send_length, self.chunked, self.lie_416 = True, False, False
        self.drip_s, self.pace_s, self.endless, self.gone = 0, 0, 0, False
        self.replacement: bytes | None = None  # served instead of every file: "the file changed"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/quickdraw_dataset"

    def file_bytes(self, url_path: str) -> bytes | None:
        if self.gone:  # after a drip: nothing more, so code that keeps waiting ends anyway
            return None
        path = urllib.parse.unquote(url_path).removeprefix("/quickdraw_dataset/")
        for folder, suffix in LAYOUT.items():
            name = path.removeprefix(folder)
            if name != path and name.endswith(suffix) and "/" not in name:
                file = self.root / name
                if self.replacement is not None:
                    return self.replacement
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


def interrupted(server, tmp_path, category="cake"):
    """A first run cut off half-way (the connection drops, then the server is busy): what it leaves."""
    server.drops, server.busy = 1, 1
    with pytest.raises(DownloadError, match="run the same command again to resume"):
        download.download([category], tmp_path, "simplified", settings(server, retries=0))
    part = tmp_path / "simplified" / f"{category}.ndjson.part"
    assert part.stat().st_size > 0 and download_guard.state_path(part).is_file()
    server.requests.clear()
    server.if_ranges.clear()
    return part


def test_a_partial_file_resumes_with_a_range_request(server, sample_dir, tmp_path):
    original = (sample_dir / "cake.ndjson").read_bytes()
    part = interrupted(server, tmp_path)
    half = part.stat().st_size
    assert half == len(original) // 2
    (done,) = download.download(["cake"], tmp_path, "simplified", settings(server))
    assert done.resumed_from == half and done.md5_checked and done.path.read_bytes() == original
    assert server.requests == [("/quickdraw_dataset/full/simplified/cake.ndjson", f"bytes={half}-")]
    assert server.if_ranges == [f'"{hashlib.md5(original).hexdigest()}"']  # the ETag of the first reply
    assert not part.exists() and not download_guard.state_path(part).exists()


def test_a_partial_file_nothing_vouches_for_starts_again(server, sample_dir, tmp_path):
    """A .part without the server's validator (an older pennydraw, or a server that gives none)."""
    original = (sample_dir / "cake.ndjson").read_bytes()
    part = tmp_path / "simplified" / "cake.ndjson.part"
    part.parent.mkdir()
    part.write_bytes(b"bytes from who knows where")
    (done,) = download.download(["cake"], tmp_path, "simplified", settings(server))
    assert done.resumed_from == 0 and done.path.read_bytes() == original
    assert server.requests == [("/quickdraw_dataset/full/simplified/cake.ndjson", None)]
    server.validators, server.drops = False, 1  # no validator: a cut-off reply restarts from zero
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == (sample_dir / "cat.ndjson").read_bytes()
    assert [requested for _, requested in server.requests[1:]] == [None, None]


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
    url = download.file_url("cat", "simplified", server.base_url)
    etag = f'"{hashlib.md5(original).hexdigest()}"'
    download_guard.write_state(part, download_guard.ResumeState(url, etag, None, len(original)))
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == original and not done.md5_checked
    assert server.requests == [("/quickdraw_dataset/full/simplified/cat.ndjson", f"bytes={len(original)}-")]


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


# --- a server that cannot be trusted (issue 16, finding 5): each bounded to a second or two -------

def no_file_kept(tmp_path, name="cat.ndjson"):
    return not (tmp_path / "simplified" / name).exists()


def test_a_reply_that_never_ends_stops_at_the_cap(server, tmp_path, capsys):
    server.endless = 8 << 20  # no Content-Length; it would go on (8 MB here, then it stops)
    with pytest.raises(DownloadError, match=r"more than the cap of 1,048,576 bytes for one file") as caught:
        download.download(["cat"], tmp_path, "simplified", settings(server, max_bytes=1 << 20))
    assert "\n" not in str(caught.value) and no_file_kept(tmp_path)
    assert list((tmp_path / "simplified").iterdir()) == []  # the partial file is removed too
    server.endless = 0
    with pytest.raises(DownloadError, match=r"announces 1,216 bytes, beyond the cap of 1,000"):
        download.download(["cat"], tmp_path, "simplified", settings(server, max_bytes=1000))
    assert list((tmp_path / "simplified").iterdir()) == []
    assert main(["download", "--categories", "cat", "--out", str(tmp_path), "--base-url", server.base_url,
                 "--max-gb", "0.000001", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "beyond the cap of 1,000 for one file" in err


def test_each_format_has_a_cap():
    assert set(download.MAX_BYTES) == set(download.FORMATS)
    assert all(download.MAX_BYTES[fmt] >= download.GB for fmt in download.FORMATS)


def test_a_drip_is_cut_off_by_the_minimum_rate(server, tmp_path):
    server.drip_s = 0.05  # 20 bytes/s, each within the read timeout: a plain timeout never fires
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"too slow: .* under the minimum of 1,000 bytes/s") as caught:
        download.download(["cat"], tmp_path, "simplified",
                          settings(server, retries=0, min_rate=1000, rate_window_s=0.4))
    assert time.monotonic() - started < 1.5 and "\n" not in str(caught.value) and no_file_kept(tmp_path)


def test_the_deadline_stops_a_download_and_keeps_the_part_to_resume(server, tmp_path):
    server.replacement = bytes(range(256)) * 800  # 200 KB at 1 KB per 20 ms: 4 s
    server.pace_s, server.send_md5 = 0.02, False
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"stopped at the deadline of 0.5 s") as caught:
        download.download(["cat"], tmp_path, "simplified", settings(server, deadline_s=0.5))
    assert time.monotonic() - started < 1.5 and "run the same command again to resume" in str(caught.value)
    part = tmp_path / "simplified" / "cat.ndjson.part"
    kept = part.stat().st_size
    assert 0 < kept < len(server.replacement) and no_file_kept(tmp_path)
    server.pace_s = 0
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.resumed_from == kept and done.path.read_bytes() == server.replacement


def test_a_reply_cut_short_without_content_length_is_not_called_done(server, sample_dir, tmp_path):
    server.send_length, server.send_md5, server.drops = False, False, 1
    with pytest.raises(DownloadError, match=r"without having announced its length") as caught:
        download.download(["cat"], tmp_path, "simplified", settings(server))
    assert "\n" not in str(caught.value) and no_file_kept(tmp_path)
    original = (sample_dir / "cat.ndjson").read_bytes()
    server.send_md5 = True  # the MD5 tells a whole reply from a cut one
    (done,) = download.download(["cat"], tmp_path, "simplified", settings(server))
    assert done.md5_checked and done.path.read_bytes() == original


def test_chunked_replies_are_complete_when_their_last_chunk_came(server, sample_dir, tmp_path):
    server.send_length, server.send_md5, server.chunked, server.drops = False, False, True, 1
    (done,) = download.download(["monkey"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == (sample_dir / "monkey.ndjson").read_bytes()
    assert len(server.requests) == 2  # the cut-off chunked reply was retried, not kept


@pytest.mark.parametrize("honours_if_range", [True, False])
def test_a_resume_from_a_file_changed_on_the_server_restarts_from_zero(server, tmp_path, honours_if_range):
    server.send_md5 = False  # nothing but the validators can tell (a mirror without hashes)
    interrupted(server, tmp_path)
    server.replacement = b'{"word": "cake", "drawing": [[[0, 1], [2, 3]]]}\n' * 400  # republished
    server.honor_if_range, server.last_modified = honours_if_range, "Thu, 02 Mar 2017 10:00:00 GMT"
    (done,) = download.download(["cake"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == server.replacement  # never the old half + the new tail
    assert server.if_ranges[0] is not None


def test_a_partial_file_is_never_reported_finished(server, sample_dir, tmp_path):
    """A server answering "416, the file is exactly as long as your part" to a half file."""
    original = (sample_dir / "cake.ndjson").read_bytes()
    interrupted(server, tmp_path)
    server.lie_416 = True
    (done,) = download.download(["cake"], tmp_path, "simplified", settings(server))
    assert done.path.read_bytes() == original and done.resumed_from == len(original) // 2
    assert [requested for _, requested in server.requests] == [f"bytes={len(original) // 2}-", None]


def test_download_settings_are_checked():
    with pytest.raises(ValueError, match="deadline_s must be positive"):
        DownloadSettings(deadline_s=0)
    with pytest.raises(ValueError, match="retries must be 0 or more"):
        DownloadSettings(retries=-1)


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
