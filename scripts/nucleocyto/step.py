"""Run a workflow script: log to the rule's log file, turn bad input into one clear sentence,
keep freed memory for reuse."""

from __future__ import annotations

import ctypes
import logging
import sys
from typing import Any, Callable

from .checksum import sha256sum
from .errors import InputError


#: ``mallopt`` parameters (glibc ``malloc.h``).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def run_step(main: Callable[[Any], None], snakemake: Any) -> None:
    """Call ``main(snakemake)`` with logging sent to ``snakemake.log[0]``, after
    :func:`keep_freed_memory`.

    An :class:`InputError` is written to the log and to stderr as one sentence, and the
    process exits with status 1 (no traceback); other exceptions propagate as bugs.
    """
    keep_freed_memory()
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter(f"{snakemake.rule}: %(levelname)s: %(message)s"))
    handlers: list[logging.Handler] = [console]
    if len(snakemake.log):
        logfile = logging.FileHandler(snakemake.log[0], mode="w")
        logfile.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(logfile)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    try:
        main(snakemake)
    except InputError as error:
        logging.getLogger("nucleocyto").error("%s", error)
        sys.exit(1)


def keep_freed_memory() -> bool:
    """Make glibc's ``malloc`` keep freed memory in the process for the next allocation.

    By default glibc serves blocks of a few MB (a frame, a temporary of a frame) with fresh
    ``mmap`` calls or returns the top of the heap to the system when they are freed, so the next
    frame's arrays start on new pages: each 4 KiB page then costs a page fault on first touch
    (hundreds per frame in ``measure``, about 2 ms per frame on the benchmark's virtual
    machine). Blocks up to 32 MB (glibc's largest ``mmap`` threshold) now come from the heap,
    which is never trimmed: the process keeps its peak heap size until it exits (a step's peak
    RSS is bounded anyway).

    Returns
    -------
    bool
        False where there is no glibc ``mallopt`` (macOS, musl: nothing changes).
    """
    mallopt = getattr(ctypes.CDLL(None), "mallopt", None) if sys.platform.startswith("linux") else None
    if mallopt is None:
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 << 20)) and bool(mallopt(_M_TRIM_THRESHOLD, 1 << 30))


def provenance(snakemake: Any) -> dict:
    """Rule name, parameters and input checksums for a Parquet file's metadata.

    Inputs are identified by SHA-256, except the large ``.npy`` arrays: those derive
    deterministically from the sources whose checksums ``metadata.json`` records (and which
    are hashed here through that file).
    """
    return {
        "rule": snakemake.rule,
        "params": {key: value for key, value in snakemake.params.items()},
        "inputs": {path: sha256sum(path) for path in snakemake.input if not str(path).endswith(".npy")},
    }


def read_metadata(path: str) -> dict:
    """The ingest step's ``metadata.json`` as a dict."""
    import json

    with open(path) as handle:
        return json.load(handle)


def open_sample_arrays(inputs: Any) -> tuple:
    """Read-only memory maps of a rule's ``stack``, ``nuclei`` and ``cytosol`` inputs:
    (T, C, Y, X), (T, Y, X) and (T, Y, X)."""
    import numpy as np

    return tuple(
        np.load(path, mmap_mode="r", allow_pickle=False) for path in (inputs.stack, inputs.nuclei, inputs.cytosol)
    )
