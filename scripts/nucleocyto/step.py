"""Run a workflow script: log to the rule's log file, turn bad input into one clear sentence."""

from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from .errors import InputError


def run_step(main: Callable[[Any], None], snakemake: Any) -> None:
    """Call ``main(snakemake)`` with logging sent to ``snakemake.log[0]``.

    An :class:`InputError` is written to the log and to stderr as one sentence, and the
    process exits with status 1 (no traceback); other exceptions propagate as bugs.
    """
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


def provenance(snakemake: Any) -> dict:
    """Rule name, parameters and input checksums for a Parquet file's metadata.

    Inputs are identified by SHA-256, except the large ``.npy`` arrays: those derive
    deterministically from the sources whose checksums ``metadata.json`` records (and which
    are hashed here through that file).
    """
    from .ingest import sha256sum

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
