"""Let the kernel forget a file's pages once every reader of it has passed them.

Ingest reads each source TIFF once to copy its planes and once to hash it, then never again.
Left in the page cache, a multi-GB movie crowds out the arrays the next steps read; dropping its
pages behind the readers keeps the page cache for those, and the freed pages are the first ones
the kernel reuses for the stack being written (on a virtual machine, memory it has not touched
for a while costs several times more to write to; see ``docs/performance.md``).

Linux only (``posix_fadvise``); elsewhere nothing is dropped.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

#: Pages are dropped in runs of at least this many bytes.
DROP_BYTES = 8 << 20


class DropBehind:
    """Drop the pages of ``path`` before the smallest offset all ``readers`` have passed.

    Readers report their progress with :meth:`passed` from any thread; :meth:`close` (or the
    end of a ``with`` block) drops the whole file. Dropping only costs speed, never
    correctness: a page read again after it was dropped is read from the file.

    Parameters
    ----------
    path : path
        File being read.
    readers : int
        Number of readers; each is identified by an index ``0 .. readers - 1``.
    """

    def __init__(self, path: str | Path, readers: int):
        self._fd = os.open(path, os.O_RDONLY) if hasattr(os, "posix_fadvise") else None
        self._passed = [0] * readers
        self._dropped = 0
        self._lock = threading.Lock()

    def __enter__(self) -> "DropBehind":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def passed(self, reader: int, offset: int) -> None:
        """Reader ``reader`` no longer needs the bytes before ``offset``."""
        with self._lock:
            self._passed[reader] = max(self._passed[reader], offset)
            upto = min(self._passed)
            if upto - self._dropped >= DROP_BYTES:
                self._drop(self._dropped, upto - self._dropped)
                self._dropped = upto

    def close(self) -> None:
        """Drop every page of the file and close it."""
        if self._fd is not None:
            self._drop(0, 0)
            os.close(self._fd)
            self._fd = None

    def _drop(self, offset: int, length: int) -> None:
        """Advise the kernel to drop ``length`` bytes from ``offset`` (0 = to the end of the file).
        Advice only: a file system that refuses it (an error) keeps its pages, nothing else changes."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.posix_fadvise(self._fd, offset, length, os.POSIX_FADV_DONTNEED)
