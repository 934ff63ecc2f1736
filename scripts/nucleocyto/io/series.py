"""A per-timepoint series: one file per time point (MetaMorph, ImageJ "Image Sequence",
Micro-Manager single-page), named in the sample sheet by a folder or a glob pattern.

The files (listed in natural order when the workflow is parsed) must number their time points
without gaps and each hold one time point of the same plane shape, channels and pixel type;
calibration comes from the first file and must not contradict the others'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..filenames import first_gap
from .images import ImageInfo, PlaneSource
from .readers import open_planes, read_info

#: Relative difference above which two files' calibrations disagree.
CALIBRATION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class FileSeries:
    """The files of one per-timepoint series, checked to agree.

    Attributes
    ----------
    info : ImageInfo
        The whole series: ``path`` as written in the sample sheet, ``axes`` ``"T"`` + the first
        file's axes, ``n_frames`` the number of files, calibration from the first file.
    files : tuple of ImageInfo
        One per time point, in order.
    """

    info: ImageInfo
    files: tuple[ImageInfo, ...]


def read_file_series(given: Path, files: tuple[Path, ...], series: int | None = None) -> FileSeries:
    """Describe and check the per-timepoint series ``files`` that the sample sheet names ``given``.

    Raises
    ------
    InputError
        ``"<file>: <problem>."`` naming the first odd file: a time point missing from the
        numbering, a file that cannot be read (see :func:`nucleocyto.io.tiff.read_info`) or holds
        more than one time point, or whose plane shape, channels, pixel type or calibration
        differ from the first file's.
    """
    gap = first_gap(files)
    if gap is not None:
        file, expected = gap
        raise InputError(
            f"{file}: time point {expected} of the series {given} is missing (the file before it is "
            f"{files[files.index(file) - 1].name}); every time point needs its file."
        )
    infos = tuple(read_info(path, series) for path in files)
    first = infos[0]
    for info in infos:
        if info.n_frames != 1:
            raise InputError(
                f"{info.path}: a file of the series {given} holds {info.n_frames} time points; each file "
                "of a series must hold one."
            )
        for what, mine, theirs in (
            ("the plane shape", info.plane_shape, first.plane_shape),
            ("the number of channels", info.n_channels, first.n_channels),
            ("the pixel type", info.dtype, first.dtype),
        ):
            if mine != theirs:
                raise InputError(f"{info.path}: {what} is {mine} but {theirs} in the series' first file {first.path}.")
        _check_calibration(info, first)
    whole = replace(
        first,
        path=given,
        axes="T" + first.axes,
        shape=(len(infos), *first.shape),
        n_frames=len(infos),
    )
    return FileSeries(whole, infos)


def _check_calibration(info: ImageInfo, first: ImageInfo) -> None:
    """The calibration ``info`` states, where both state one, equals the first file's."""
    for what, unit, mine, theirs in (
        ("frame interval", "s", info.frame_interval_s, first.frame_interval_s),
        ("pixel size", "µm", info.pixel_size_um, first.pixel_size_um),
    ):
        if mine is not None and theirs is not None and not math.isclose(mine, theirs, rel_tol=CALIBRATION_TOLERANCE):
            raise InputError(
                f"{info.path}: {what} {mine:g} {unit} differs from the series' first file {first.path} "
                f"({theirs:g} {unit}); give the value in the sample sheet or fix the files."
            )


class SeriesPlanes:
    """Read the planes of a per-timepoint series, opening one file at a time; a context manager."""

    #: Planes come from many files, each opened when its frame is read.
    stored_raw = False

    def __init__(self, series: FileSeries):
        self.series = series
        self._open: tuple[int, PlaneSource] | None = None

    def __enter__(self) -> SeriesPlanes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._open is not None:
            self._open[1].close()
            self._open = None

    def read(self, frame: int, channel: int, out: np.ndarray | None = None) -> np.ndarray:
        """Plane ``channel`` of the file of time point ``frame`` (into ``out`` when given, as
        :meth:`nucleocyto.io.images.PlaneSource.read`)."""
        if self._open is None or self._open[0] != frame:
            self.close()
            self._open = frame, open_planes(self.series.files[frame])
        return self._open[1].read(0, channel, out)
