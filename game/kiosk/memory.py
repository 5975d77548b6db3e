"""Flat memory over weeks: what the kiosk does so that game 5,000 costs what game 5 did.

Scenes hold their buttons' callbacks in reference cycles, so a finished screen (and its full-window
surfaces, megabytes each) waits for Python's cycle collector, which runs rarely. After start-up
everything alive is frozen out of the collector (`gc.freeze`: the model, fonts and modules are never
garbage and never scanned again), and a collection between games then costs well under a
millisecond.

C memory matters too: glibc keeps freed full-window surfaces in its heap once its adaptive mmap
threshold has grown, and the heap only ever grows (+80 MB over the first 50 games, measured);
`tame_malloc` pins the threshold so big buffers go back to the system when freed, and the heap is
trimmed between games.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc

M_MMAP_THRESHOLD = -3              # glibc mallopt parameter; setting it turns the adaptive threshold off
MMAP_THRESHOLD_BYTES = 256 * 1024  # buffers above this (surfaces, frames) get their own mapping


def tame_malloc():
    """On glibc: a fixed mmap threshold, so freed big buffers leave the process. Returns the C
    library to trim between games (`trim_heap`), or None where this is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        if not libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES):
            return None
        return libc
    except (OSError, AttributeError):   # musl, macOS, Windows: their allocators behave differently
        return None


class MemoryKeeper:
    """The kiosk's memory routine: `settle()` once after start-up, `collect()` whenever a visitor's
    screens have just become garbage (a game starts, the attract loop comes back)."""

    def __init__(self) -> None:
        self._libc = None                  # glibc, once `settle` has tamed it

    def settle(self) -> None:
        """Tame malloc, then freeze what start-up made out of the cycle collector."""
        self._libc = tame_malloc()
        gc.collect()
        gc.freeze()                        # the model, fonts and modules: never garbage, never scanned

    def collect(self, trim: bool = True) -> None:
        """Collect the last visitor's screens, now unreachable; `trim` gives their pixels back."""
        gc.collect()
        if trim and self._libc is not None:
            self._libc.malloc_trim(0)
