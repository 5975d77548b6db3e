"""Download Google's official Quick, Draw! files: resumable, checked, with a progress bar.

`python -m model download --categories cat dog --out DIR` fetches, from the public bucket
(https://storage.googleapis.com/quickdraw_dataset), `full/simplified/<category>.ndjson` (or
`full/raw/`, `full/numpy_bitmap/<category>.npy`, `full/binary/<category>.bin`,
`sketchrnn/<category>.npz`) into `DIR/<format>/<category>.<ext>`. This is the only place where
pennydraw touches the network; the game and training never do.

- Resumable: bytes go to `<file>.part`; a broken transfer continues with an HTTP Range request, in
  this run (retries with exponential backoff) or the next one, only with the validator the server
  gave when the file was started (`If-Range`, see `download_guard.py`): a file changed on the server
  restarts from zero instead of being spliced. Finished files are skipped.
- Bounded: a cap on the bytes of one file (by format, `MAX_BYTES`), a deadline for the whole command,
  a minimum rate (a drip is cut off), reads that never wait past either.
- Checked: the size against Content-Length / Content-Range (and Google's
  `x-goog-stored-content-length`); the MD5 against `x-goog-hash: md5=...` when the server sends it.
  A reply is complete only when its length was announced (or it was chunked to its end, or its MD5
  matches): one cut short without Content-Length is never called done. Only a complete, checked file
  is renamed into place.
- Plain standard library (urllib); tqdm draws the progress bar on stderr.
"""
from __future__ import annotations

import base64
import difflib
import hashlib
import http.client
import os
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import assets
from model.categories import load_categories
from model.quickdraw import download_guard as guard
from model.quickdraw.download_guard import DownloadError

BASE_URL = "https://storage.googleapis.com/quickdraw_dataset"
CATEGORIES_PATH = assets.path("quickdraw_categories.txt")
# --format -> (folder in Google's bucket, file extension); files land in DIR/<format>/.
FORMATS = {"simplified": ("full/simplified", ".ndjson"), "raw": ("full/raw", ".ndjson"),
           "numpy_bitmap": ("full/numpy_bitmap", ".npy"), "binary": ("full/binary", ".bin"),
           "sketchrnn": ("sketchrnn", ".npz")}
# The cap on one file, by format: about four times the largest file Google's counts suggest (the
# biggest categories hold a few hundred thousand drawings: 784 bytes each as bitmaps, well under 1 KB
# simplified, a few KB raw with times). An estimate, not a measurement of the bucket: --max-gb raises it.
GB = 10 ** 9
MAX_BYTES = {"simplified": 2 * GB, "raw": 16 * GB, "numpy_bitmap": 1 * GB, "binary": 1 * GB, "sketchrnn": 1 * GB}
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


@dataclass
class DownloadSettings:
    base_url: str = BASE_URL
    retries: int = 5            # attempts after failures that brought no new byte, before giving up
    backoff_s: float = 1.0      # wait after the first failure, doubled after each (at most 30 s)
    timeout_s: float = 30.0     # for connecting and for each read (never past the deadline)
    chunk_bytes: int = 1 << 16  # bytes read and written at a time
    progress: bool = True       # a tqdm bar per file on stderr (hidden when stderr is not a terminal)
    max_bytes: int | None = None  # the cap on one file; None: the format's, MAX_BYTES
    deadline_s: float = 24 * 3600.0  # for the whole command, retries included (a rerun resumes)
    min_rate: float = 1024.0    # bytes/s over each rate window, below which a transfer is cut off
    rate_window_s: float = 60.0  # a slow start (TCP, a busy mirror) is judged over a whole minute

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError(f"retries must be 0 or more, got {self.retries}")
        for name in ("timeout_s", "chunk_bytes", "deadline_s", "rate_window_s"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.backoff_s < 0 or self.min_rate < 0 or (self.max_bytes is not None and self.max_bytes < 1):
            raise ValueError("backoff_s and min_rate must be 0 or more, max_bytes positive")


@dataclass
class Downloaded:
    path: Path
    bytes: int
    resumed_from: int = 0       # bytes already in the .part file when this run began
    skipped: bool = False       # the file was already there; nothing fetched
    md5_checked: bool = False


class _Retry(Exception):
    """A failure worth another attempt (network hiccup, server busy, cut-off transfer, too slow);
    `counts` when it is a failure even if some bytes came (a drip)."""

    def __init__(self, message: str, counts: bool = False):
        super().__init__(message)
        self.counts = counts


def quickdraw_categories(path=CATEGORIES_PATH) -> list[str]:
    """The 345 category names of the Quick, Draw! dataset."""
    return load_categories(path)


def check_categories(names, known: list[str]) -> list[str]:
    """`names` ("all" alone means every one), each checked against `known`."""
    names = list(names)
    if names == ["all"]:
        return list(known)
    if not names:
        raise ValueError("name at least one category, or all")
    if "all" in names:
        raise ValueError("'all' stands alone: it already means every category")
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise ValueError(f"{name!r} is not a Quick, Draw! category{hint} "
                             f"(the list: {CATEGORIES_PATH.name})")
    return list(dict.fromkeys(names))


def file_url(category: str, fmt: str, base_url: str = BASE_URL) -> str:
    folder, suffix = FORMATS[fmt]
    return f"{base_url.rstrip('/')}/{folder}/{urllib.parse.quote(category + suffix)}"


def target_path(out, category: str, fmt: str) -> Path:
    return Path(out) / fmt / (category + FORMATS[fmt][1])


def download(categories, out, fmt: str = "simplified", settings: DownloadSettings | None = None,
             known: list[str] | None = None) -> list[Downloaded]:
    """Fetch each category's file; stops at the first failure (a rerun resumes it). The deadline
    covers all the files; the cap is the format's unless `settings.max_bytes` says otherwise."""
    settings = settings or DownloadSettings()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose among {', '.join(FORMATS)}")
    names = check_categories(categories, known if known is not None else quickdraw_categories())
    (Path(out) / fmt).mkdir(parents=True, exist_ok=True)
    budget = _budget(settings, MAX_BYTES[fmt])
    return [download_file(file_url(name, fmt, settings.base_url), target_path(out, name, fmt), settings, budget)
            for name in names]


def _budget(settings: DownloadSettings, default_cap: int) -> guard.Budget:
    return guard.Budget(settings.max_bytes or default_cap, settings.deadline_s, settings.min_rate,
                        settings.rate_window_s)


def download_file(url: str, target, settings: DownloadSettings | None = None,
                  budget: guard.Budget | None = None) -> Downloaded:
    """Fetch `url` into `target` through `target.part`, resuming and retrying (see the docstring)."""
    settings, target = settings or DownloadSettings(), Path(target)
    if target.exists():
        return Downloaded(target, target.stat().st_size, skipped=True)
    budget = budget or _budget(settings, max(MAX_BYTES.values()))
    part = target.with_name(target.name + ".part")
    resumed_from = _vouched_size(part, url)
    failures = 0
    while True:
        before = _size(part)
        try:
            md5 = _fetch(url, part, settings, budget, target.name)
            break
        except guard.TooBig:
            guard.forget(part)
            raise
        except _Retry as problem:
            failures = 0 if _size(part) > before and not problem.counts else failures + 1
            if failures > settings.retries:
                raise DownloadError(
                    f"could not download {url} ({problem}; {failures} attempts in a row without "
                    f"progress). Are you offline? {part.name} keeps the {_size(part):,} bytes received; "
                    "run the same command again to resume.") from None
            budget.check_deadline(part, url)
            pause = min(30.0, settings.backoff_s * 2 ** (failures - 1)) if failures else 0
            time.sleep(max(0.0, min(pause, budget.remaining())))
    if md5 is not None and _md5_base64(part) != md5:
        guard.forget(part)
        raise DownloadError(f"{url}: the MD5 of the received bytes differs from the server's "
                            f"(x-goog-hash md5={md5}); the partial file was removed, run again")
    os.replace(part, target)
    guard.state_path(part).unlink(missing_ok=True)
    return Downloaded(target, _size(target), resumed_from=resumed_from, md5_checked=md5 is not None)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _vouched_size(part: Path, url: str) -> int:
    """The bytes of `part` to resume from: 0 (and the file removed) when no validator of `url`'s
    first reply vouches for them, since nothing proves they are the start of this file."""
    if _size(part) and guard.read_state(part, url) is None:
        guard.forget(part)
    return _size(part)


def _md5_base64(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode("ascii")


def md5_from_headers(headers) -> str | None:
    """The base64 MD5 in `x-goog-hash` headers ("crc32c=...,md5=..." or one header per hash)."""
    for value in headers.get_all("x-goog-hash") or []:
        for item in value.split(","):
            name, _, digest = item.strip().partition("=")
            if name.lower() == "md5" and digest:
                return digest
    return None


def _open(url: str, offset: int, state: guard.ResumeState | None, settings: DownloadSettings,
          budget: guard.Budget, part: Path):
    headers = {"User-Agent": "pennydraw-download", "Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
        headers["If-Range"] = state.if_range  # a changed file comes whole (200), never spliced
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                      timeout=budget.socket_timeout(settings.timeout_s))
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416 and offset:  # the .part is as long as the file already, or stale
            match = re.fullmatch(r"bytes \*/(\d+)", error.headers.get("Content-Range", ""))
            if match and int(match.group(1)) == offset and state.total in (None, offset):
                return None
            guard.forget(part)
            raise _Retry("the partial file did not match the server's; starting again") from None
        if error.code in _RETRY_STATUS:
            raise _Retry(f"HTTP {error.code} {error.reason}") from None
        if error.code == 404:
            raise DownloadError(f"{url}: not found on the server (HTTP 404)") from None
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, socket.gaierror):  # no name resolution: offline, retrying will not help
            host = urllib.parse.urlsplit(url).hostname
            raise DownloadError(f"cannot reach {host} ({reason}): are you offline? Nothing was "
                                "downloaded; run the command again once connected") from None
        raise _Retry(str(reason)) from None
    except (OSError, http.client.HTTPException) as error:
        raise _Retry(f"{type(error).__name__}: {error}") from None


def _fetch(url: str, part: Path, settings: DownloadSettings, budget: guard.Budget, name: str) -> str | None:
    """One attempt: append to `part` from where it ends. Returns the server's MD5 (or None) once
    `part` holds the whole file; raises _Retry when worth another go."""
    budget.check_deadline(part, url)
    offset = _vouched_size(part, url)
    state = guard.read_state(part, url)
    response = _open(url, offset, state, settings, budget, part)
    if response is None:
        return None  # complete already (HTTP 416 with our size); nothing to compare a hash with
    with response:
        headers = response.headers
        if response.status == 206:
            match = _CONTENT_RANGE.fullmatch(headers.get("Content-Range", ""))
            if not match or int(match.group(1)) != offset:
                guard.forget(part)
                raise _Retry("the server answered another range than asked; starting again")
            if state.differs_from(headers):  # a server that ignored If-Range
                guard.forget(part)
                raise _Retry("the file changed on the server since the partial download; starting again")
            total = state.total if match.group(3) == "*" else int(match.group(3))
            if state.total is not None and total != state.total:
                guard.forget(part)
                raise _Retry("the file's size changed on the server since the partial download; starting again")
        else:  # 200: the whole file (a server may ignore Range, or the file changed), so start over
            offset = 0
            length = headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
        stored = headers.get("x-goog-stored-content-length")
        stored = int(stored) if stored and stored.isdigit() else None
        if stored is not None and total is not None and stored != total:
            raise DownloadError(f"{url}: the server announces {total:,} bytes but stores {stored:,}; "
                                "refusing a file of the wrong size")
        total = total if total is not None else stored
        budget.check_announced(total, url)
        if offset == 0:
            guard.forget(part)
            guard.write_state(part, guard.ResumeState.from_headers(url, headers, total))
        md5 = md5_from_headers(headers)
        chunked = "chunked" in headers.get("Transfer-Encoding", "").lower()  # http.client sees a cut chunk
        _stream(response, part, offset, total, settings, budget, name, url)
    size = _size(part)
    if total is not None and size != total:
        if size > total:
            guard.forget(part)
            raise DownloadError(f"{url}: received {size:,} bytes, more than the {total:,} announced; "
                                "the partial file was removed")
        raise _Retry(f"the transfer stopped at {size:,} of {total:,} bytes")
    if total is None and md5 is None and not chunked:
        raise DownloadError(f"{url}: the reply ended after {size:,} bytes without having announced its length "
                            f"(no Content-Length, MD5 or chunked encoding), so it may have been cut short; "
                            f"not called done ({part.name} is kept)")
    return md5


def _stream(response, part: Path, offset: int, total: int | None, settings: DownloadSettings,
            budget: guard.Budget, name: str, url: str) -> None:
    from tqdm import tqdm  # only this command draws a bar

    size = offset
    budget.start(size)
    with open(part, "ab" if offset else "wb") as out, \
            tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024, desc=name,
                 disable=None if settings.progress else True, leave=False) as bar:
        try:
            # read1: whatever has arrived, so the limits are checked however slowly bytes come
            while block := response.read1(settings.chunk_bytes):
                out.write(block)
                bar.update(len(block))
                size += len(block)
                budget.received(size, part, url)
        except guard.Slow as slow:
            raise _Retry(f"too slow: {slow}", counts=True) from None
        except (OSError, http.client.HTTPException) as error:  # IncompleteRead, reset, timeout
            raise _Retry(f"connection lost ({type(error).__name__})") from None
