"""The only code that reads the ``snakemake`` object: each rule's script hands it to :func:`run`
with a function that calls :mod:`nucleocyto.steps`.

:func:`run` sends logging to the rule's log file, turns bad input into one sentence and a
non-zero exit, and keeps freed memory for reuse (:func:`nucleocyto.system.keep_freed_memory`);
:func:`provenance` is the record every Parquet output carries.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable
from typing import Any

from nucleocyto.errors import InputError
from nucleocyto.io.checksum import sha256sum
from nucleocyto.io.stacks import read_metadata
from nucleocyto.system import keep_freed_memory

#: Operating-system errors that come from the machine, not from the code: a full disk or quota, a
#: read-only or failing file system, missing permissions, too many open files.
ENVIRONMENT_ERRORS = {
    errno.ENOSPC,
    errno.EDQUOT,
    errno.EROFS,
    errno.EACCES,
    errno.EPERM,
    errno.EIO,
    errno.EFBIG,
    errno.EMFILE,
    errno.ENFILE,
}


def run(main: Callable[[Any], None], snakemake: Any) -> None:
    """Call ``main(snakemake)`` with logging sent to ``snakemake.log[0]`` (INFO and above) and
    to stderr (WARNING and above).

    An :class:`InputError`, or an operating-system error of :data:`ENVIRONMENT_ERRORS`, is
    written to the log and to stderr as one sentence naming the step, the sample and the file, and
    the process exits with status 1 (no traceback); other exceptions propagate as bugs. Outputs
    are written atomically, so a failed step leaves none behind.
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
    except OSError as error:
        if error.errno not in ENVIRONMENT_ERRORS:
            raise
        logging.getLogger("nucleocyto").error("%s", environment_error(snakemake, error))
        sys.exit(1)


def environment_error(snakemake: Any, error: OSError) -> str:
    """One sentence for an operating-system error of a step, e.g. ``masks of sample 's1':
    results/s1/nuclei.npy: No space left on device.``"""
    sample = snakemake.wildcards.get("sample")
    step = f"{snakemake.rule} of sample {sample!r}" if sample else snakemake.rule
    where = f"{error.filename}: " if error.filename else ""
    return f"{step}: {where}{error.strerror or errno.errorcode.get(error.errno, 'error')}."


def provenance(snakemake: Any) -> dict:
    """Rule name, parameters and input checksums for a Parquet file's metadata, and the channel
    names the source files give (``metadata.json``'s ``channel_names``) when the rule reads it.

    Inputs are identified by SHA-256, except the source images and the large ``.npy`` arrays:
    the sources' checksums are in ``metadata.json`` (hashed here), and the arrays derive
    deterministically from them.
    """
    inputs = dict(snakemake.input.items())
    images = set(map(str, inputs.get("images", ())))
    record = {
        "rule": snakemake.rule,
        "params": dict(snakemake.params.items()),
        "inputs": {
            path: sha256sum(path)
            for path in snakemake.input
            if not str(path).endswith(".npy") and str(path) not in images
        },
    }
    metadata = inputs.get("metadata")
    if metadata is not None:
        record["channel_names"] = read_metadata(metadata)["channel_names"]
    return record
