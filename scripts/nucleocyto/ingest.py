"""Ingestion: TIFF channels in, canonical (T, C, Y, X) ``.npy`` stack and ``metadata.json`` out.

The stack is written frame by frame (all channels of frame t, then frame t + 1) into the
``.npy`` file, so memory use does not grow with movie length. Channel order on the C axis is
:data:`nucleocyto.CHANNELS`.
"""

from __future__ import annotations

import json
import logging
import math
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from . import CHANNELS, __version__
from .atomic import atomic_path
from .checksum import sha256sum
from .errors import InputError
from .frames import FrameWriter, map_frames
from .pagecache import DropBehind
from .tiff import TIME_AXES, PlaneReader, TiffInfo, read_info

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChannelSource:
    """Where one channel of a sample comes from.

    Attributes
    ----------
    path : Path
        TIFF file.
    channel_index : int or None
        Index along the file's C axis for a multi-channel file; None for a one-channel file.
    """

    path: Path
    channel_index: int | None = None


@dataclass(frozen=True)
class ChannelLayout:
    """How to find plane (t) of one channel inside its file."""

    source: ChannelSource
    info: TiffInfo

    @property
    def n_frames(self) -> int:
        axes = self.info.axes[:-2]
        return next((n for a, n in zip(axes, self.info.shape) if a in TIME_AXES), 1)

    def plane_index(self, frame: int) -> int:
        """Page index (file order) of ``frame`` of this channel."""
        lead_axes, lead_shape = self.info.axes[:-2], self.info.shape[:-2]
        position = [
            frame if a in TIME_AXES else (self.source.channel_index or 0) for a in lead_axes
        ]
        return int(np.ravel_multi_index(position, lead_shape)) if lead_axes else 0


def describe_channel(source: ChannelSource, sample: str, channel: str) -> ChannelLayout:
    """Check that ``source`` holds one 2-D time series for ``channel`` and describe it.

    Raises
    ------
    InputError
        ``"sample '<sample>', <channel> channel, <path>: <problem>."`` if the file cannot be
        read (see :func:`nucleocyto.tiff.read_info`), has extra axes (e.g. Z and T), the channel
        index is out of range, or a multi-channel file is given without a channel index.
    """
    with _about(sample, channel):
        info = read_info(source.path)
    lead = info.axes[:-2]
    where = f"sample {sample!r}, {channel} channel, {source.path}"
    time_axes = [a for a in lead if a in TIME_AXES]
    other = [a for a in lead if a not in TIME_AXES and a != "C"]
    if len(time_axes) > 1 or other:
        raise InputError(
            f"{where}: axes {info.axes!r} of shape {info.shape} hold more than time and channel "
            "(a Z stack or an extra dimension); give one 2-D plane per frame."
        )
    if "C" in lead:
        n_channels = info.shape[lead.index("C")]
        if source.channel_index is None:
            raise InputError(
                f"{where}: the file has {n_channels} channels; name the channel index in the sample sheet."
            )
        if not 0 <= source.channel_index < n_channels:
            raise InputError(
                f"{where}: channel index {source.channel_index} is out of range for a file with "
                f"{n_channels} channels."
            )
    elif source.channel_index not in (None, 0):
        raise InputError(f"{where}: channel index {source.channel_index} given, but the file has one channel.")
    return ChannelLayout(source, info)


def ingest(
    sample: str,
    sources: dict[str, ChannelSource],
    stack_path: str | Path,
    metadata_path: str | Path,
    frame_interval_s: float | None = None,
    pixel_size_um: float | None = None,
    threads: int = 1,
) -> dict:
    """Write the canonical stack and its metadata for one sample.

    Parameters
    ----------
    sample : str
        Sample id, used in messages and metadata.
    sources : dict
        ``{"poi": ChannelSource, "nucleus": ChannelSource}``.
    stack_path : path
        Output ``.npy``: array of shape (T, 2, Y, X), channel order ``("poi", "nucleus")``,
        the common pixel type of the inputs in native byte order.
    metadata_path : path
        Output JSON (see ``docs/outputs.md``).
    frame_interval_s, pixel_size_um : float, optional
        Overrides for the calibration read from the files (seconds, micrometres per pixel).
    threads : int
        With 2 or more, the sources' SHA-256 checksums are computed, and the stack is written, on
        threads of their own while the frames are read.

    Returns
    -------
    dict
        The metadata written.
    """
    layouts = [describe_channel(sources[name], sample, name) for name in CHANNELS]
    n_frames, plane_shape = _common_geometry(sample, layouts)
    dtype = np.result_type(*(lay.info.dtype for lay in layouts))
    shape = (n_frames, len(CHANNELS), *plane_shape)
    log.info("sample %s: writing stack %s of %s", sample, shape, dtype)

    paths = sorted({lay.source.path for lay in layouts})
    copier, hasher_reader = 0, 1
    with ExitStack() as files:
        # Each source is read twice (copied, hashed), then dropped from the page cache.
        drops = {path: files.enter_context(DropBehind(path, readers=2)) for path in paths}

        def checksum(path: Path) -> str:
            return sha256sum(path, progress=lambda done: drops[path].passed(hasher_reader, done))

        # With two threads, the sources are hashed on the second one while the frames are copied.
        hasher = files.enter_context(ThreadPoolExecutor(max_workers=1))
        hashing = {path: hasher.submit(checksum, path) for path in paths} if threads > 1 else {}
        readers = [files.enter_context(PlaneReader(layout.source.path)) for layout in layouts]

        def read_frame(t: int) -> np.ndarray:
            frame = np.empty(shape[1:], dtype)
            for c, (name, layout, reader) in enumerate(zip(CHANNELS, layouts, readers)):
                with _about(sample, name):
                    frame[c] = reader.read(layout.plane_index(t))
                    _check_finite(frame[c], layout.source.path, t)
            return frame

        def copied(t: int) -> None:
            """Frames 0..t are copied: the copier needs no byte before the planes of frame t."""
            starts: dict[Path, int] = {}
            for layout, reader in zip(layouts, readers):
                start = reader.offset(layout.plane_index(t))
                starts[layout.source.path] = min(start, starts.get(layout.source.path, start))
            for path, start in starts.items():
                drops[path].passed(copier, start)

        tmp = files.enter_context(atomic_path(stack_path))
        stack = files.enter_context(FrameWriter(tmp, shape, dtype, background=threads > 1))
        for t, frame in enumerate(map_frames(read_frame, n_frames)):
            stack.write(frame)
            copied(t)
        for path in paths:
            drops[path].passed(copier, path.stat().st_size)
        checksums = {path: hashing[path].result() if path in hashing else checksum(path) for path in paths}

    interval, pixel = _calibration(layouts, frame_interval_s, pixel_size_um)
    if interval is None:
        log.warning("sample %s: no frame interval in the files or the sample sheet; time_s will be NaN", sample)
    metadata = {
        "sample": sample,
        "pipeline_version": __version__,
        "shape": list(shape),
        "axes": "TCYX",
        "dtype": dtype.name,
        "channels": list(CHANNELS),
        "frame_interval_s": interval,
        "pixel_size_um": pixel,
        "sources": [
            {
                "channel": name,
                "path": str(layout.source.path),
                "channel_index": layout.source.channel_index,
                "axes": layout.info.axes,
                "shape": list(layout.info.shape),
                "dtype": layout.info.dtype.name,
                "sha256": checksums[layout.source.path],
            }
            for name, layout in zip(CHANNELS, layouts)
        ],
    }
    with atomic_path(metadata_path) as tmp:
        tmp.write_text(json.dumps(metadata, indent=2) + "\n")
    return metadata


def _common_geometry(sample: str, layouts: list[ChannelLayout]) -> tuple[int, tuple[int, int]]:
    """Frame count and plane shape shared by all channels, or an InputError naming both files."""
    first = layouts[0]
    for other in layouts[1:]:
        if other.info.plane_shape != first.info.plane_shape:
            raise InputError(
                f"sample {sample!r}: {first.source.path} has frames of {first.info.plane_shape} "
                f"pixels but {other.source.path} has {other.info.plane_shape}."
            )
        if other.n_frames != first.n_frames:
            raise InputError(
                f"sample {sample!r}: {first.source.path} has {first.n_frames} frames but "
                f"{other.source.path} has {other.n_frames}."
            )
    return first.n_frames, first.info.plane_shape


@contextmanager
def _about(sample: str, channel: str) -> Iterator[None]:
    """Prefix the message of an InputError raised inside with the sample and channel."""
    try:
        yield
    except InputError as error:
        raise InputError(f"sample {sample!r}, {channel} channel, {error}") from None


def _check_finite(plane: np.ndarray, path: Path, frame: int) -> None:
    if plane.dtype.kind == "f" and not np.isfinite(plane).all():
        raise InputError(f"{path}: frame {frame} contains NaN or infinite values.")


def _calibration(
    layouts: list[ChannelLayout], interval: float | None, pixel: float | None
) -> tuple[float | None, float | None]:
    """Sample-sheet overrides first, then the first file that states a value."""
    if interval is None or (isinstance(interval, float) and math.isnan(interval)):
        interval = next((lay.info.frame_interval_s for lay in layouts if lay.info.frame_interval_s), None)
    if pixel is None or (isinstance(pixel, float) and math.isnan(pixel)):
        pixel = next((lay.info.pixel_size_um for lay in layouts if lay.info.pixel_size_um), None)
    return interval, pixel
