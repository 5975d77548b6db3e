"""Tests for model/quickdraw/download.py, only against local HTTP servers on 127.0.0.1 that serve the Quick, Draw!
sample beside the checkout under the layout of Google's bucket (tests/http_server.py): plain, resumable
(Range), one that drops the connection half-way, ones that lie about the size or the MD5, one that ignores Range."""
import hashlib
import socket
import time
import urllib.error
from pathlib import Path

import pytest

from http_server import closed_port, serving
from model.quickdraw import download, download_guard
from model.__main__ import main
from model.quickdraw.download import DownloadError, DownloadSettings

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server(sample_dir):
    with serving(sample_dir) as httpd:
        yield httpd


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
