"""A sample's sources: which plane of which file holds each channel of each frame, checked
against each other, read frame by frame, and described for ``metadata.json``.

A channel comes from one image file (a TIFF or a vendor format, one series of it) or from a
per-timepoint series of files (:mod:`.series`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import CHANNELS, __version__
from ..config import ChannelSource
from ..errors import InputError
from .images import ImageInfo, PlaneSource
from .readers import open_planes, read_info
from .series import FileSeries, SeriesPlanes, read_file_series


@dataclass(frozen=True)
class ChannelLayout:
    """One channel of a sample: its source and what the file (or series of files) holds.

    Attributes
    ----------
    source : ChannelSource
    info : ImageInfo
        The image series read (for a per-timepoint series, the whole series: see
        :class:`nucleocyto.io.series.FileSeries`).
    file_series : FileSeries or None
        The files of a per-timepoint series; None for one image file.
    """

    source: ChannelSource
    info: ImageInfo
    file_series: FileSeries | None = None

    @property
    def n_frames(self) -> int:
        return self.info.n_frames

    @property
    def channel(self) -> int:
        """Index of the channel in its file (0 for a one-channel file)."""
        return self.source.channel_index or 0

    @property
    def channel_name(self) -> str | None:
        """The channel's name in the file's metadata, or None."""
        names = self.info.channel_names
        return names[self.channel] if names else None

    def open(self) -> PlaneSource:
        """The channel's image, opened to read planes."""
        return SeriesPlanes(self.file_series) if self.file_series else open_planes(self.info)


@dataclass(frozen=True)
class SampleLayout:
    """The channels of one sample, checked to agree.

    Attributes
    ----------
    sample : str
    channels : tuple of ChannelLayout
        One per channel of :data:`nucleocyto.CHANNELS`, in that order.
    shape : tuple of int
        (T, C, Y, X) of the canonical movie.
    dtype : numpy.dtype
        The common pixel type of the channels, native byte order.
    """

    sample: str
    channels: tuple[ChannelLayout, ...]
    shape: tuple[int, int, int, int]
    dtype: np.dtype

    @property
    def paths(self) -> list[Path]:
        """The distinct source files (every file of a series), sorted."""
        return sorted({path for layout in self.channels for path in layout.source.inputs})


def describe_sample(sample: str, sources: dict[str, ChannelSource]) -> SampleLayout:
    """Describe and check the channels ``sources`` (keyed by :data:`nucleocyto.CHANNELS`) of
    ``sample``: each a 2-D time series, all of the same plane shape and frame count.

    Raises
    ------
    InputError
        One sentence naming the sample, the channel and the file (see :func:`describe_channel`),
        or both sources when their frames differ in size or number (for a per-timepoint series,
        also the first file without a counterpart).
    """
    layouts = tuple(describe_channel(sources[name], sample, name) for name in CHANNELS)
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
                f"{other.source.path} has {other.n_frames}{_unmatched(first, other)}."
            )
    dtype = np.result_type(*(layout.info.dtype for layout in layouts))
    return SampleLayout(sample, layouts, (first.n_frames, len(CHANNELS), *first.info.plane_shape), dtype)


def _unmatched(one: ChannelLayout, other: ChannelLayout) -> str:
    """For sources of different lengths, the first file of the longer series with no partner."""
    longer, shorter = (one, other) if one.n_frames > other.n_frames else (other, one)
    if longer.file_series is None:
        return ""
    return f" ({longer.file_series.files[shorter.n_frames].path} has no counterpart)"


def describe_channel(source: ChannelSource, sample: str, channel: str) -> ChannelLayout:
    """Check that ``source`` holds one 2-D time series for ``channel`` and describe it.

    Raises
    ------
    InputError
        ``"sample '<sample>', <channel> channel, <path>: <problem>."`` if the file (or a file of
        the series) cannot be read or is not a time series of 2-D planes (see
        :func:`nucleocyto.io.tiff.read_info`, :func:`nucleocyto.io.series.read_file_series`),
        the channel index is out of range, or a multi-channel file is given without one.
    """
    with about(sample, channel):
        if source.files is not None:
            file_series = read_file_series(source.path, source.files, source.series)
            info = file_series.info
        else:
            file_series, info = None, read_info(source.path, source.series)
    where = f"sample {sample!r}, {channel} channel, {source.path}"
    if info.n_channels > 1:
        if source.channel_index is None:
            raise InputError(
                f"{where}: the file has {info.n_channels} channels; name the channel index in the sample sheet."
            )
        if not 0 <= source.channel_index < info.n_channels:
            raise InputError(
                f"{where}: channel index {source.channel_index} is out of range for a file with "
                f"{info.n_channels} channels."
            )
    elif source.channel_index not in (None, 0):
        raise InputError(f"{where}: channel index {source.channel_index} given, but the file has one channel.")
    return ChannelLayout(source, info, file_series)


class FrameReader:
    """Read the canonical (C, Y, X) frames of a sample from its sources; a context manager that
    keeps each source open (channels of one file share it)."""

    def __init__(self, layout: SampleLayout):
        self.layout = layout
        self._opened: dict[ChannelSource, PlaneSource] = {}
        try:
            for channel in layout.channels:
                key = _opened_as(channel.source)
                if key not in self._opened:
                    self._opened[key] = channel.open()
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every source."""
        for planes in self._opened.values():
            planes.close()

    @property
    def stored_raw(self) -> bool:
        """Every channel's planes lie uncompressed at known places in its file
        (:attr:`nucleocyto.io.images.PlaneSource.stored_raw`)."""
        return all(planes.stored_raw for planes in self._opened.values())

    def _planes(self, channel: ChannelLayout) -> PlaneSource:
        return self._opened[_opened_as(channel.source)]

    def read(self, t: int) -> np.ndarray:
        """Frame ``t``: (C, Y, X) in the sample's dtype, channels in :data:`nucleocyto.CHANNELS`
        order. Raises InputError for an unreadable plane or NaN/infinite float values."""
        frame = np.empty(self.layout.shape[1:], self.layout.dtype)
        for c, (name, channel) in enumerate(zip(CHANNELS, self.layout.channels)):
            with about(self.layout.sample, name):
                self._planes(channel).read(t, channel.channel, frame[c])
                if frame.dtype.kind == "f" and not np.isfinite(frame[c]).all():
                    where = channel.file_series.files[t].path if channel.file_series else channel.source.path
                    raise InputError(f"{where}: frame {t} contains NaN or infinite values.")
        return frame


def _opened_as(source: ChannelSource) -> ChannelSource:
    """The key of the opened image a channel reads: the source without its channel index."""
    return ChannelSource(source.path, None, source.series, source.files)


def calibration(
    layout: SampleLayout, frame_interval_s: float | None, pixel_size_um: float | None
) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm): the sample sheet's values where given (not None
    or NaN), else the first source that states one, else None."""

    def given(value: float | None) -> bool:
        return value is not None and not (isinstance(value, float) and math.isnan(value))

    infos = [channel.info for channel in layout.channels]
    interval = (
        frame_interval_s
        if given(frame_interval_s)
        else next((info.frame_interval_s for info in infos if info.frame_interval_s), None)
    )
    pixel = (
        pixel_size_um
        if given(pixel_size_um)
        else next((info.pixel_size_um for info in infos if info.pixel_size_um), None)
    )
    return interval, pixel


def sample_metadata(
    layout: SampleLayout, checksums: dict[Path, str], frame_interval_s: float | None, pixel_size_um: float | None
) -> dict:
    """The content of ``metadata.json`` (see ``docs/outputs.md``); ``checksums`` holds the
    SHA-256 of each source file."""
    return {
        "sample": layout.sample,
        "pipeline_version": __version__,
        "shape": list(layout.shape),
        "axes": "TCYX",
        "dtype": layout.dtype.name,
        "channels": list(CHANNELS),
        "channel_names": {name: channel.channel_name for name, channel in zip(CHANNELS, layout.channels)},
        "frame_interval_s": frame_interval_s,
        "pixel_size_um": pixel_size_um,
        "sources": [_source_metadata(name, channel, checksums) for name, channel in zip(CHANNELS, layout.channels)],
    }


def _source_metadata(name: str, channel: ChannelLayout, checksums: dict[Path, str]) -> dict:
    """One channel's entry of ``metadata.json``'s ``sources``."""
    info = channel.info
    entry = {
        "channel": name,
        "path": str(channel.source.path),
        "channel_index": channel.source.channel_index,
        "channel_name": channel.channel_name,
        "series": info.series,
        "series_name": info.series_name,
        "axes": info.axes,
        "shape": list(info.shape),
        "dtype": info.dtype.name,
    }
    if channel.file_series is None:
        return entry | {"sha256": checksums[channel.source.path]}
    files = [{"path": str(file.path), "sha256": checksums[file.path]} for file in channel.file_series.files]
    listing = "".join(f"{file['sha256']}  {file['path']}\n" for file in files)
    return entry | {"sha256": hashlib.sha256(listing.encode()).hexdigest(), "files": files}


@contextmanager
def about(sample: str, channel: str) -> Iterator[None]:
    """Prefix the message of an InputError raised inside with the sample and channel."""
    try:
        yield
    except InputError as error:
        raise InputError(f"sample {sample!r}, {channel} channel, {error}") from None
