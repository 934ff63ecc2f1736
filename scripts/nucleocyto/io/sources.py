"""A sample's source TIFFs: which plane of which file holds each channel of each frame, checked
against each other, read frame by frame, and described for ``metadata.json``."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import CHANNELS, __version__
from ..config import ChannelSource
from ..errors import InputError
from .tiff import TIME_AXES, PlaneReader, TiffInfo, read_info


@dataclass(frozen=True)
class ChannelLayout:
    """Where plane (t) of one channel lies inside its file."""

    source: ChannelSource
    info: TiffInfo

    @property
    def n_frames(self) -> int:
        axes = self.info.axes[:-2]
        return next((n for a, n in zip(axes, self.info.shape) if a in TIME_AXES), 1)

    def plane_index(self, frame: int) -> int:
        """Page index (file order) of ``frame`` of this channel."""
        lead_axes, lead_shape = self.info.axes[:-2], self.info.shape[:-2]
        position = [frame if a in TIME_AXES else (self.source.channel_index or 0) for a in lead_axes]
        return int(np.ravel_multi_index(position, lead_shape)) if lead_axes else 0


@dataclass(frozen=True)
class SampleLayout:
    """The channels of one sample, checked to agree.

    Attributes
    ----------
    sample : str
    channels : tuple of ChannelLayout
        One per channel of :data:`nucleocyto.CHANNELS`, in that order.
    shape : tuple of int
        (T, C, Y, X) of the canonical stack.
    dtype : numpy.dtype
        The common pixel type of the channels, native byte order.
    """

    sample: str
    channels: tuple[ChannelLayout, ...]
    shape: tuple[int, int, int, int]
    dtype: np.dtype

    @property
    def paths(self) -> list[Path]:
        """The distinct source files, sorted."""
        return sorted({layout.source.path for layout in self.channels})


def describe_sample(sample: str, sources: dict[str, ChannelSource]) -> SampleLayout:
    """Describe and check the channels ``sources`` (keyed by :data:`nucleocyto.CHANNELS`) of
    ``sample``: each a 2-D time series, all of the same plane shape and frame count.

    Raises
    ------
    InputError
        One sentence naming the sample, the channel and the file (see :func:`describe_channel`),
        or both files when their frames differ in size or number.
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
                f"{other.source.path} has {other.n_frames}."
            )
    dtype = np.result_type(*(layout.info.dtype for layout in layouts))
    return SampleLayout(sample, layouts, (first.n_frames, len(CHANNELS), *first.info.plane_shape), dtype)


def describe_channel(source: ChannelSource, sample: str, channel: str) -> ChannelLayout:
    """Check that ``source`` holds one 2-D time series for ``channel`` and describe it.

    Raises
    ------
    InputError
        ``"sample '<sample>', <channel> channel, <path>: <problem>."`` if the file cannot be
        read (see :func:`nucleocyto.io.tiff.read_info`), has extra axes (e.g. Z and T), the
        channel index is out of range, or a multi-channel file is given without a channel index.
    """
    with about(sample, channel):
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
                f"{where}: channel index {source.channel_index} is out of range for a file with {n_channels} channels."
            )
    elif source.channel_index not in (None, 0):
        raise InputError(f"{where}: channel index {source.channel_index} given, but the file has one channel.")
    return ChannelLayout(source, info)


class FrameReader:
    """Read the canonical (C, Y, X) frames of a sample from its sources; a context manager that
    keeps each channel's file open."""

    def __init__(self, layout: SampleLayout):
        self.layout = layout
        self._readers = [PlaneReader(channel.source.path) for channel in layout.channels]

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        for reader in self._readers:
            reader.close()

    def read(self, t: int) -> np.ndarray:
        """Frame ``t``: (C, Y, X) in the sample's dtype, channels in :data:`nucleocyto.CHANNELS`
        order. Raises InputError for an unreadable plane or NaN/infinite float values."""
        frame = np.empty(self.layout.shape[1:], self.layout.dtype)
        for c, (name, channel, reader) in enumerate(zip(CHANNELS, self.layout.channels, self._readers)):
            with about(self.layout.sample, name):
                frame[c] = reader.read(channel.plane_index(t))
                if frame.dtype.kind == "f" and not np.isfinite(frame[c]).all():
                    raise InputError(f"{channel.source.path}: frame {t} contains NaN or infinite values.")
        return frame

    def start_offsets(self, t: int) -> dict[Path, int]:
        """Per source file, the smallest file offset (bytes) of the planes of frame ``t``."""
        starts: dict[Path, int] = {}
        for channel, reader in zip(self.layout.channels, self._readers):
            start = reader.offset(channel.plane_index(t))
            starts[channel.source.path] = min(start, starts.get(channel.source.path, start))
        return starts


def calibration(
    layout: SampleLayout, frame_interval_s: float | None, pixel_size_um: float | None
) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm): the sample sheet's values where given (not None
    or NaN), else the first file that states one, else None."""

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
        "frame_interval_s": frame_interval_s,
        "pixel_size_um": pixel_size_um,
        "sources": [
            {
                "channel": name,
                "path": str(channel.source.path),
                "channel_index": channel.source.channel_index,
                "axes": channel.info.axes,
                "shape": list(channel.info.shape),
                "dtype": channel.info.dtype.name,
                "sha256": checksums[channel.source.path],
            }
            for name, channel in zip(CHANNELS, layout.channels)
        ],
    }


@contextmanager
def about(sample: str, channel: str) -> Iterator[None]:
    """Prefix the message of an InputError raised inside with the sample and channel."""
    try:
        yield
    except InputError as error:
        raise InputError(f"sample {sample!r}, {channel} channel, {error}") from None
