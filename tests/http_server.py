"""A local HTTP server on 127.0.0.1 that serves the Quick, Draw! sample beside the checkout under the
layout of Google's bucket, and misbehaves as a test tells it to: a reply cut off half-way, busy
(503), a size or an MD5 that lies, Range ignored, If-Range honoured or not, no length, chunked, a drip,
a slow pace, a reply that never ends, a file republished meanwhile; and a port nothing listens on.

Not a test file: `test_download.py` imports it. `serving(root)` runs a `SampleServer` in a thread;
its attributes (set between requests) say how the next replies misbehave, and it records every
request's path, Range and If-Range.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

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
    """The sample's files on a free port of 127.0.0.1. Every attribute set in `__init__` is a way for the
    next replies to misbehave (all off: a well-behaved server); `requests` and `if_ranges` record what
    each request asked for."""
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


@contextlib.contextmanager
def serving(root: Path) -> Iterator[SampleServer]:
    """A `SampleServer` of the files in `root`, answering from a thread until the block ends."""
    httpd = SampleServer(root)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then let go): a server that is unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
