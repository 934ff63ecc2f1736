"""Memory: how much a sample's frames need, how much a job may use, and the decoded size of a
TIFF from its first page's header (for the cluster's ``mem_mb`` requests, docs/cluster.md).

Every step holds a few frames at a time whatever the movie's length, so what it needs grows
with the frame (all channels), not the file: :func:`frame_working_mb`. Standard library only:
the workflow's resource callables use it when it builds the jobs, without importing tifffile.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

#: Copies of one frame (every channel, as float64) a step holds at once at most: the frame, its
#: float and smoothed versions, masks and labels, the pixel pairs of correlate and the images of
#: figures. A generous bound on what the steps measured (docs/cluster.md).
FRAME_COPIES = 16

#: Where a process's memory limit stands when it runs under a cgroup (v2, then v1).
CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def frame_working_mb(plane_shape: tuple[int, int], n_channels: int) -> float:
    """Memory (MB) a step needs for frames of ``plane_shape`` (Y, X) pixels and ``n_channels``
    channels: :data:`FRAME_COPIES` float64 copies of a frame."""
    return FRAME_COPIES * 8 * n_channels * plane_shape[0] * plane_shape[1] / 1e6


def memory_limit_mb(mem_mb: float | None) -> tuple[float, str]:
    """(limit in MB, where it comes from): the job's ``mem_mb`` resource, or the machine's memory
    (its cgroup's limit if lower) when that is smaller or no ``mem_mb`` is given."""
    machine = machine_memory_mb()
    if mem_mb is not None and mem_mb < machine:
        return float(mem_mb), "the job's mem_mb"
    return machine, "the machine's memory"


def machine_memory_mb() -> float:
    """Physical memory (MB), or the cgroup's memory limit when lower."""
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    for path in CGROUP_LIMITS:
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return total / 1e6


#: TIFF tags read from the first page: width, length, bits per sample, compression, samples
#: per pixel, strip and tile byte counts.
_WIDTH, _LENGTH, _BITS, _COMPRESSION, _SAMPLES, _STRIP_BYTES, _TILE_BYTES = 256, 257, 258, 259, 277, 279, 325

#: struct format and size of the TIFF field types that hold numbers (SHORT, LONG, LONG8).
_TYPES = {3: ("H", 2), 4: ("I", 4), 16: ("Q", 8)}


def header_sizes(path: str | Path) -> tuple[float, tuple[int, int] | None]:
    """(estimated decoded size in MB, plane shape (Y, X) or None) of an image file, from its
    first page's header alone: for a compressed TIFF the file size times that page's ratio of
    decoded to stored bytes, for an uncompressed one its size; for any other file or folder (a
    vendor format, OME-Zarr) its size and no plane shape."""
    path = Path(path)
    if not path.is_file():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6, None
    size = path.stat().st_size
    try:
        tags = _first_page_tags(path)
        plane = (tags[_LENGTH][0], tags[_WIDTH][0])
    except (OSError, struct.error, KeyError, IndexError):
        return size / 1e6, None
    stored = sum(tags.get(_STRIP_BYTES, ()) or tags.get(_TILE_BYTES, ()))
    if tags.get(_COMPRESSION, (1,))[0] == 1 or not stored:
        return size / 1e6, plane
    decoded = plane[0] * plane[1] * tags.get(_SAMPLES, (1,))[0] * tags.get(_BITS, (8,))[0] / 8
    return size * max(1.0, decoded / stored) / 1e6, plane


def _first_page_tags(path: Path) -> dict[int, tuple[int, ...]]:
    """The numeric tags among ``_WIDTH`` ... ``_TILE_BYTES`` of a TIFF's first page (classic or
    BigTIFF); KeyError or struct.error if the file is no TIFF."""
    wanted = {_WIDTH, _LENGTH, _BITS, _COMPRESSION, _SAMPLES, _STRIP_BYTES, _TILE_BYTES}
    with open(path, "rb") as handle:
        head = handle.read(16)
        order = {b"II": "<", b"MM": ">"}[head[:2]]
        big = struct.unpack(order + "H", head[2:4])[0] == 43
        offset_format = order + ("Q" if big else "I")
        handle.seek(struct.unpack(offset_format, head[8:16] if big else head[4:8])[0])
        entry_size = 20 if big else 12
        (count,) = struct.unpack(order + ("Q" if big else "H"), handle.read(8 if big else 2))
        entries = handle.read(min(count, 4096) * entry_size)
        tags = {}
        for start in range(0, len(entries) - entry_size + 1, entry_size):
            entry = entries[start : start + entry_size]
            code, kind = struct.unpack(order + "HH", entry[:4])
            if code not in wanted or kind not in _TYPES:
                continue
            number, width = _TYPES[kind]
            n = min(struct.unpack(offset_format, entry[4:12] if big else entry[4:8])[0], 1 << 20)
            inline = entry[12:] if big else entry[8:]
            if n * width <= len(inline):
                raw = inline[: n * width]
            else:
                handle.seek(struct.unpack(offset_format, inline)[0])
                raw = handle.read(n * width)
            tags[code] = struct.unpack(order + number * (len(raw) // width), raw[: len(raw) // width * width])
        return tags
