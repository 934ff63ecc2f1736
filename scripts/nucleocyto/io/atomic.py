"""Atomic file output: write under a temporary name in the same folder, rename when done."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(final: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``final``; rename it to ``final`` only on success.

    The temporary name is fixed, ``.<name>.tmp<suffix>`` (e.g. ``.nuclei.npy.tmp.npy``): it keeps
    the final suffix so that writers which choose a format by suffix behave the same, and a
    leftover from a killed run (SIGKILL runs no cleanup) is simply replaced when the step runs
    again. Snakemake runs one job per output at a time, so the fixed name is never shared. On
    any exception the temporary file is removed and ``final`` is left untouched, so an
    interrupted or failed step never leaves a file that looks finished. An operating-system error
    while writing it (a full disk, say) is raised naming ``final``, the file the user knows.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp{final.suffix}")
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        os.replace(tmp, final)
    except OSError as error:
        if error.filename not in (None, str(tmp), tmp):
            raise
        raise type(error)(error.errno, error.strerror, str(final)) from None
    finally:
        tmp.unlink(missing_ok=True)
