"""The only code that reads the ``snakemake`` object: each rule's script hands it to :func:`run`
with a function that calls :mod:`nucleocyto.steps`.

:func:`run` sends logging to the rule's log file, turns bad input into one sentence and a
non-zero exit, and keeps freed memory for reuse (:func:`nucleocyto.system.keep_freed_memory`);
:func:`provenance` is the record every Parquet output carries.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from nucleocyto.errors import InputError
from nucleocyto.io.checksum import sha256sum
from nucleocyto.system import keep_freed_memory


def run(main: Callable[[Any], None], snakemake: Any) -> None:
    """Call ``main(snakemake)`` with logging sent to ``snakemake.log[0]`` (INFO and above) and
    to stderr (WARNING and above).

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


def provenance(snakemake: Any) -> dict:
    """Rule name, parameters and input checksums for a Parquet file's metadata.

    Inputs are identified by SHA-256, except the large ``.npy`` arrays: those derive
    deterministically from the sources whose checksums ``metadata.json`` records (and which
    are hashed here through that file).
    """
    return {
        "rule": snakemake.rule,
        "params": dict(snakemake.params.items()),
        "inputs": {path: sha256sum(path) for path in snakemake.input if not str(path).endswith(".npy")},
    }
