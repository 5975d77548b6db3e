"""What a download may cost, and what proves a partial file belongs to the file on the server.

`download.py` trusts the server only as far as these checks go (issue 16: a reply that never ended
wrote 7 GB in 15 s, a 1-byte-per-2-s drip never timed out, a resume was spliced from a changed file):

- `Budget`: a cap on the bytes of one file, a deadline for the whole command, and a minimum rate
  averaged over a window (a drip that keeps the connection alive but sends almost nothing is cut off
  at the end of its first window). Each is a `DownloadSettings` field, so tests use tiny ones.
- `ResumeState`: beside `<file>.part`, `<file>.part.json` keeps the URL, the validator the server gave
  when the file was started (a strong ETag, else Last-Modified) and the size it announced. A `.part`
  resumes only with it: the request carries `If-Range`, so a server whose file changed sends the
  whole new file (and a reply whose validator differs restarts from zero). A `.part` without one
  (a server that gives no validator, an older pennydraw) starts again from zero.

No network code here: `download.py` stays the one module that opens connections.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path


class DownloadError(Exception):
    """A file could not be fetched or failed its checks; the message says what to do."""


class TooBig(DownloadError):
    """More bytes than the cap for one file: the partial file is removed."""


class Slow(Exception):
    """Fewer bytes per second than the minimum rate over a whole window (worth another attempt)."""


class Budget:
    """The limits of one `download()` call: `start()` per response, `received()` per block."""

    def __init__(self, max_bytes: int, deadline_s: float, min_rate: float, rate_window_s: float):
        self.max_bytes, self.min_rate, self.window_s = max_bytes, min_rate, rate_window_s
        self.deadline_s = deadline_s
        self.deadline = time.monotonic() + deadline_s
        self._window_start, self._window_bytes = 0.0, 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def check_deadline(self, part: Path, url: str) -> None:
        if self.remaining() <= 0:
            kept = part.stat().st_size if part.exists() else 0
            raise DownloadError(f"{url}: stopped at the deadline of {self.deadline_s:g} s for this download; "
                                f"{part.name} keeps the {kept:,} bytes received; run the same command again "
                                "to resume")

    def check_announced(self, total: int | None, url: str) -> None:
        if total is not None and total > self.max_bytes:
            raise TooBig(f"{url}: the server announces {total:,} bytes, beyond the cap of {self.max_bytes:,} "
                         "for one file; nothing was kept")

    def start(self, size: int) -> None:
        """A response begins with `size` bytes already in the partial file."""
        self._window_start, self._window_bytes = time.monotonic(), size

    def received(self, size: int, part: Path, url: str) -> None:
        """The partial file now holds `size` bytes: raises TooBig, DownloadError (deadline) or Slow."""
        if size > self.max_bytes:
            raise TooBig(f"{url}: more than the cap of {self.max_bytes:,} bytes for one file; stopped, "
                         "and the partial file was removed")
        self.check_deadline(part, url)
        now = time.monotonic()
        elapsed = now - self._window_start
        if elapsed >= self.window_s:
            rate = (size - self._window_bytes) / elapsed
            if rate < self.min_rate:
                raise Slow(f"{rate:,.0f} bytes/s over {elapsed:.1f} s, under the minimum of "
                           f"{self.min_rate:,.0f} bytes/s")
            self._window_start, self._window_bytes = now, size

    def socket_timeout(self, timeout_s: float) -> float:
        """Never wait on a socket past the deadline, nor longer than a rate window."""
        return max(0.05, min(timeout_s, self.window_s, self.remaining()))


@dataclass
class ResumeState:
    """What the server said about the file when this `.part` was started."""

    url: str
    etag: str | None = None           # a strong ETag ("W/" weak ones cannot be used with If-Range)
    last_modified: str | None = None
    total: int | None = None          # the size the server announced for the whole file

    @property
    def if_range(self) -> str | None:
        return self.etag or self.last_modified

    @classmethod
    def from_headers(cls, url: str, headers, total: int | None) -> ResumeState:
        etag = headers.get("ETag")
        if etag and etag.startswith("W/"):
            etag = None
        return cls(url, etag or None, headers.get("Last-Modified") or None, total)

    def differs_from(self, headers) -> bool:
        """A reply to a resumed request whose validator is not ours: the file changed on the server."""
        etag, modified = headers.get("ETag"), headers.get("Last-Modified")
        if self.etag is not None and etag is not None:
            return etag != self.etag
        return self.last_modified is not None and modified is not None and modified != self.last_modified


def state_path(part: Path) -> Path:
    return part.with_name(part.name + ".json")


def read_state(part: Path, url: str) -> ResumeState | None:
    """The state of `part` if it was started from `url` with a validator, else None."""
    try:
        data = json.loads(state_path(part).read_text(encoding="utf-8"))
        state = ResumeState(**data)
    except (OSError, ValueError, TypeError):
        return None
    return state if state.url == url and state.if_range else None


def write_state(part: Path, state: ResumeState) -> None:
    path = state_path(part)
    temp = path.with_name(path.name + ".tmp")
    temp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    os.replace(temp, path)


def forget(part: Path) -> None:
    """Remove a partial file and its state: the next attempt starts from zero."""
    part.unlink(missing_ok=True)
    state_path(part).unlink(missing_ok=True)
