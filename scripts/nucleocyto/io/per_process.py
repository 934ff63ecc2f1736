"""Open files once per process, so that frames can be read by forked worker processes.

A forked process inherits its parent's open files, and with them their read positions: two
processes seeking and reading through one inherited file would read each other's bytes. A
:class:`PerProcess` opens its object anew the first time each process uses it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar


class Closable(Protocol):
    def close(self) -> None: ...


Opened = TypeVar("Opened", bound=Closable)


class PerProcess(Generic[Opened]):
    """The object ``opener()`` returns, opened once in each process that calls :meth:`get`.

    The first object is opened at once, in the creating process, so that errors show there.
    """

    def __init__(self, opener: Callable[[], Opened]):
        self._opener = opener
        self._opened, self._pid = opener(), os.getpid()

    def get(self) -> Opened:
        """This process's object (opened now if this process has none yet)."""
        if self._pid != os.getpid():  # a forked child: its parent's files are not its own
            self._opened, self._pid = self._opener(), os.getpid()
        return self._opened

    def close(self) -> None:
        """Close this process's object."""
        if self._pid == os.getpid():
            self._opened.close()
