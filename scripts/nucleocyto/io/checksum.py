"""SHA-256 checksums of files, for provenance (``metadata.json``, Parquet metadata).

A module of its own so that steps recording checksums do not import the TIFF readers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256sum(path: str | Path, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks.

    A folder (an OME-Zarr image) is hashed as the text listing its files' SHA-256 and relative
    paths, one ``<sha256>  <path>`` line each, in sorted order."""
    if Path(path).is_dir():
        files = sorted(p for p in Path(path).rglob("*") if p.is_file())
        listing = "".join(f"{sha256sum(file)}  {file.relative_to(path).as_posix()}\n" for file in files)
        return hashlib.sha256(listing.encode()).hexdigest()
    digest = hashlib.sha256()
    chunk = memoryview(bytearray(chunk_bytes))  # one buffer, refilled: no new memory per chunk
    with open(path, "rb", buffering=0) as handle:
        while size := handle.readinto(chunk):
            digest.update(chunk[:size])
    return digest.hexdigest()
