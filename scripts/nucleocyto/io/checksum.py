"""SHA-256 checksums of files, for provenance (``metadata.json``, Parquet metadata).

A module of its own so that steps recording checksums do not import the TIFF readers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path


def sha256sum(path: str | Path, chunk_bytes: int = 1 << 20, progress: Callable[[int], None] | None = None) -> str:
    """Hex SHA-256 of a file, read in chunks; ``progress(bytes hashed so far)`` after each chunk."""
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(chunk_bytes):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)
    return digest.hexdigest()
