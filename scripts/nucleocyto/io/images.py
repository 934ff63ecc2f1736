"""What every image reader returns (:class:`ImageInfo`, :class:`SeriesSummary`), how a series of
a multi-series file is chosen, and the units the readers convert calibration with.

The readers: :mod:`.tiff` (TIFF, OME-TIFF, ImageJ, Micro-Manager), :mod:`.vendor` (CZI, ND2, LIF,
OME-Zarr through the optional bioio extra), :mod:`.series` (a per-timepoint series of files).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import InputError

#: Micrometres per unit of length, by the unit names microscope metadata use.
LENGTH_TO_UM = {
    "nm": 1e-3,
    "nanometer": 1e-3,
    "um": 1.0,
    "µm": 1.0,
    "\\u00B5m": 1.0,
    "micron": 1.0,
    "microns": 1.0,
    "micrometer": 1.0,
    "mm": 1e3,
    "millimeter": 1e3,
    "cm": 1e4,
}
#: Seconds per unit of time.
TIME_TO_S = {
    "ms": 1e-3,
    "msec": 1e-3,
    "millisecond": 1e-3,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "min": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
}


@dataclass(frozen=True)
class SeriesSummary:
    """One series (position, scene) of a file, as listed in messages and by make_sample_sheet.

    ``axes`` and ``shape`` as the file states them (e.g. ``"TCYX"``, ``(8, 2, 512, 512)``).
    """

    index: int
    axes: str
    shape: tuple[int, ...]
    dtype: np.dtype
    name: str

    def __str__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"{self.index}: {self.axes} {self.shape} {self.dtype}{name}"


@dataclass(frozen=True)
class ImageInfo:
    """One series of one image file, checked to be a time series of 2-D planes, perhaps with
    channels.

    Attributes
    ----------
    path : Path
    series : int
        0-based series (position) of the file that is read.
    series_name : str
        Its name in the file's metadata ('' when none).
    axes : str
        Axis letters of the series as the file states them, e.g. ``"TYX"``, ``"TCYX"``,
        ``"QYXS"`` (samples as channels) or ``"TCZYX"`` (vendor formats, with size-1 axes).
    shape : tuple of int
        Size of each axis in ``axes``.
    dtype : numpy.dtype
        Native-byte-order pixel type.
    n_frames, n_channels : int
        Time points, and channels per time point (1 when the series has no channel axis).
    plane_shape : tuple of int
        (Y, X) pixels of one plane.
    frame_interval_s : float or None
        Seconds between frames from the file's metadata.
    pixel_size_um : float or None
        Micrometres per pixel along X from the file's metadata.
    channel_names : tuple of str
        Names of the channels in the file's metadata, one per channel; empty when it names none.
    """

    path: Path
    series: int
    series_name: str
    axes: str
    shape: tuple[int, ...]
    dtype: np.dtype
    n_frames: int
    n_channels: int
    plane_shape: tuple[int, int]
    frame_interval_s: float | None
    pixel_size_um: float | None
    channel_names: tuple[str, ...] = ()


def into(plane: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``plane`` in native byte order; or, when ``out`` is given, copied into ``out`` (cast to its
    dtype) and ``out`` returned (see :meth:`PlaneSource.read`)."""
    if out is None:
        return plane.astype(plane.dtype.newbyteorder("="), copy=False)
    out[...] = plane
    return out


class PlaneSource(Protocol):
    """An open image series that reads one (Y, X) plane at a time; a context manager."""

    #: True when the planes lie uncompressed at known places in one file, whose size was checked
    #: when it was described: reading them cannot fail on the data.
    stored_raw: bool

    def read(self, frame: int, channel: int, out: np.ndarray | None = None) -> np.ndarray:
        """Plane of ``frame`` and ``channel`` (0 for a one-channel series), native byte order;
        into ``out`` (a (Y, X) array, cast to its dtype) and returned as ``out`` when given."""

    def close(self) -> None:
        """Close the file."""


def choose_series(path: Path, summaries: list[SeriesSummary], series: int | None) -> int:
    """The index of the series to read: ``series`` (the sample sheet's), or 0 for a file of one
    series.

    Raises
    ------
    InputError
        A file of several series without ``series`` (the message lists them), or ``series`` out
        of range.
    """
    listed = "; ".join(str(summary) for summary in summaries[:6]) + ("; ..." if len(summaries) > 6 else "")
    if series is None:
        if len(summaries) > 1:
            raise InputError(
                f"{path}: the file holds {len(summaries)} series ({listed}); name the one to read "
                "in the sample sheet's 'series' column (0-based), one row per series."
            )
        return 0
    if not 0 <= series < len(summaries):
        raise InputError(f"{path}: series {series} is out of range for a file of {len(summaries)} series ({listed}).")
    return series


def check_pixel_type(path: Path, dtype: np.dtype) -> None:
    """Integer or float pixels only."""
    if dtype.kind not in "uif":
        raise InputError(f"{path}: pixel type {dtype} is not supported (use integer or float).")


#: The smallest plane side (pixels) a frame may have: a nucleus, its ring and the background
#: around them need pixels on every side.
MIN_PLANE_PX = 3


def check_plane_shape(path: Path, height: int, width: int) -> None:
    """Planes of at least :data:`MIN_PLANE_PX` pixels along Y and X (the page's own size, which
    a reader may misread as other axes for a plane one pixel thin)."""
    if min(height, width) < MIN_PLANE_PX:
        raise InputError(
            f"{path}: the planes are {height} × {width} pixels (Y × X); a frame needs at least "
            f"{MIN_PLANE_PX} × {MIN_PLANE_PX} pixels."
        )


def rgb_error(path: Path) -> InputError:
    """The error for 8-bit colour (RGB) pixels, which carry no separate channels."""
    return InputError(
        f"{path}: 8-bit RGB colour pixels are not supported; split the colours into one file per "
        "channel (Fiji: Image > Color > Split Channels) or save the channels as a multi-channel stack."
    )


def detail(problem: Exception | str) -> str:
    """A library's message as a short clause: first line, without reprs like ``<TiffFile 'x'>``."""
    lines = re.sub(r"<[^>]*>\s*", "", str(problem)).strip().splitlines()
    return lines[0].rstrip(".")[:160] if lines else type(problem).__name__


def positive_or_none(value: float | None) -> float | None:
    """``value`` when it is a positive finite number, else None."""
    return value if value is not None and math.isfinite(value) and value > 0 else None
