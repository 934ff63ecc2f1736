"""What the steps ask of the operating system: frames walked by forked worker processes, pages
of memory-mapped inputs released as they go, and an allocator that keeps freed memory.

Inputs are read through memory maps. A memory map keeps every page a process has read resident
in that process until the map is closed, so a step walking a 2 GB stack through
``np.load(..., mmap_mode="r")`` would end up holding 2 GB. :func:`map_frames` therefore releases
the pages of the memory-mapped arrays it is given every few frames (``madvise(MADV_DONTNEED)``):
the data stay in the file and in the page cache, and a later access reads them again.

Linux-specific calls (``madvise``, glibc ``mallopt``) do nothing elsewhere.
"""

from __future__ import annotations

import ctypes
import logging
import mmap
import multiprocessing
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

import numpy as np

Result = TypeVar("Result")

log = logging.getLogger(__name__)

#: Frames processed between two releases of the memory-mapped pages.
RELEASE_EVERY = 8


def map_frames(
    function: Callable[[int], Result],
    n_frames: int,
    threads: int = 1,
    release: tuple[np.ndarray, ...] = (),
    every: int = RELEASE_EVERY,
    unit: str = "frames",
) -> Iterator[Result]:
    """Yield ``function(t)`` for ``t`` in ``range(n_frames)``, in frame order (frames, or other
    independent items such as cells: ``unit`` names them in the progress lines).

    Parameters
    ----------
    function : callable
        Work on frame ``t``. With ``threads > 1`` it runs in that many forked worker processes:
        the frames' work is many NumPy calls on arrays of a cell or a frame, which hold the GIL
        between them, so threads would barely overlap. ``function`` is inherited by the
        workers, not pickled, and its results are pickled back (keep them small); what it reads
        must be safe to use after a fork (memory maps, in-memory arrays, and files opened once
        per process such as :class:`nucleocyto.io.movie.Movie`'s). An exception in a worker is
        raised here.
    n_frames : int
    threads : int
        Worker processes; at most ``2 * threads`` frames are in flight at once.
    release : tuple of ndarray
        Arrays (usually memory maps, or views of them) whose resident pages are released every
        ``every`` frames and at the end (by each worker process too); other arrays are ignored.

    Progress (frames done, rate, expected finish) is logged at INFO level at most every
    :data:`PROGRESS_EVERY_S` seconds, and once at the end, so a long step is never silent.
    """
    results = map(function, range(n_frames)) if threads <= 1 else _forked(function, n_frames, threads, release, every)
    progress = Progress(n_frames, unit=unit)
    for done, result in enumerate(results, 1):
        yield result
        progress.update(done)
        if done % every == 0:
            release_pages(*release)
    release_pages(*release)
    progress.finish()


#: Seconds between two progress lines of :func:`map_frames`.
PROGRESS_EVERY_S = 10.0


class Progress:
    """Log how far a walk over ``n_frames`` frames (or other ``unit``) has come, at most every
    :data:`PROGRESS_EVERY_S` seconds: ``frames 120/500 (24 %), 3.1 frames/s, about 2 min left``."""

    def __init__(self, n_frames: int, clock: Callable[[], float] = time.monotonic, unit: str = "frames"):
        self.n_frames, self._clock, self.unit = n_frames, clock, unit
        self._start = self._last = clock()
        self._done = 0

    def update(self, done: int) -> None:
        """``done`` frames are finished; log if the last line is old enough."""
        self._done = done
        now = self._clock()
        if now - self._last >= PROGRESS_EVERY_S and done < self.n_frames:
            self._last = now
            rate = done / (now - self._start)
            left = (self.n_frames - done) / rate
            log.info(
                "%s %d/%d (%d %%), %.3g %s/s, about %s left",
                self.unit,
                done,
                self.n_frames,
                100 * done // self.n_frames,
                rate,
                self.unit,
                _duration(left),
            )

    def finish(self) -> None:
        """Log the total: frames, time and rate."""
        elapsed = self._clock() - self._start
        rate = f", {self._done / elapsed:.3g} {self.unit}/s" if elapsed > 0 else ""
        log.info("%s %d/%d done in %s%s", self.unit, self._done, self.n_frames, _duration(elapsed), rate)


def _duration(seconds: float) -> str:
    """``"42 s"``, ``"3 min"`` or ``"1.5 h"``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds < 7200 else f"{seconds / 3600:.1f} h"


#: The work of the forked workers of :func:`_forked`: (function, arrays to release, every).
_FORKED_WORK: tuple[Callable, tuple[np.ndarray, ...], int] | None = None
#: Frames done by this worker process.
_forked_done = 0


def _forked(
    function: Callable[[int], Result], n_frames: int, workers: int, release: tuple[np.ndarray, ...], every: int
) -> Iterator[Result]:
    """``function(t)`` for every frame, in order, computed by ``workers`` forked processes that
    inherit ``function`` (set before they are forked), with at most ``2 * workers`` frames in
    flight."""
    global _FORKED_WORK
    _FORKED_WORK = (function, release, every)
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque = deque()
            try:
                for t in range(n_frames):
                    pending.append(pool.submit(_forked_frame, t))
                    if len(pending) > 2 * workers:
                        yield pending.popleft().result()
                while pending:
                    yield pending.popleft().result()
            finally:
                for future in pending:
                    future.cancel()
    finally:
        _FORKED_WORK = None


def _forked_frame(t: int):
    """Frame ``t`` of the inherited work, in a worker process; its memory maps' pages are
    released every few frames, as :func:`map_frames` does."""
    global _forked_done
    function, release, every = _FORKED_WORK
    result = function(t)
    _forked_done += 1
    if _forked_done % every == 0:
        release_pages(*release)
    return result


def release_pages(*arrays: np.ndarray) -> None:
    """Drop the pages of memory-mapped ``arrays`` from this process's resident memory.

    Safe for read-only and shared writable maps (``mode`` ``"r"``, ``"r+"``, ``"w+"``); arrays
    that are not memory-mapped, and copy-on-write maps, are left alone.
    """
    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    for array in arrays:
        mapping = _shared_mapping(array)
        if mapping is not None:
            mapping.madvise(mmap.MADV_DONTNEED)


def _shared_mapping(array: np.ndarray) -> mmap.mmap | None:
    """The ``mmap`` behind ``array`` (following ``.base``), or None if there is none or it is a
    copy-on-write map (whose changes would be lost)."""
    base, mode = array, None
    while base is not None and not isinstance(base, mmap.mmap):
        mode = getattr(base, "mode", mode) if isinstance(base, np.memmap) else mode
        base = getattr(base, "base", None)
    return base if base is not None and mode != "c" else None


#: ``mallopt`` parameters (glibc ``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> bool:
    """Make glibc's ``malloc`` keep freed memory in the process for the next allocation.

    By default glibc serves blocks of a few MB (a frame, a temporary of a frame) with fresh
    ``mmap`` calls or returns the top of the heap to the system when they are freed, so the next
    frame's arrays start on new pages: each 4 KiB page then costs a page fault on first touch.
    Blocks up to 32 MB (glibc's largest ``mmap`` threshold) now come from the heap, which is
    never trimmed: the process keeps its peak heap size until it exits (a step's peak RSS is
    bounded anyway).

    Returns
    -------
    bool
        False where there is no glibc ``mallopt`` (macOS, musl: nothing changes).
    """
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform.startswith("linux") else None
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))
