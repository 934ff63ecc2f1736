"""Read what the pipeline needs from a TIFF: axes, shape, calibration, and one plane at a time.

Planes are read page by page (``TiffFile.asarray(key=..., series=0)``), so a movie larger than
memory can be walked frame by frame.
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from ..errors import InputError

#: Axis letters tifffile may use for the time-like axis of a plain stack.
TIME_AXES = ("T", "I", "Z", "Q")

#: First four bytes of a classic or BigTIFF file, little- or big-endian.
TIFF_MAGIC = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")

_LENGTH_TO_UM = {
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
_TIME_TO_S = {
    "ms": 1e-3,
    "msec": 1e-3,
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
class TiffInfo:
    """What a TIFF holds, after removing singleton axes.

    Attributes
    ----------
    path : Path
    axes : str
        Axis letters of the image series as written by tifffile, e.g. ``"TYX"`` or ``"TCYX"``.
    shape : tuple of int
        Size of each axis in ``axes``.
    dtype : numpy.dtype
        Native-byte-order pixel type.
    frame_interval_s : float or None
        Seconds between frames from ImageJ ``finterval`` or OME ``TimeIncrement``.
    pixel_size_um : float or None
        Micrometres per pixel along X from resolution tags, MetaMorph text or OME
        ``PhysicalSizeX``.
    """

    path: Path
    axes: str
    shape: tuple[int, ...]
    dtype: np.dtype
    frame_interval_s: float | None
    pixel_size_um: float | None

    @property
    def plane_shape(self) -> tuple[int, int]:
        """(Y, X) size of one plane."""
        return self.shape[-2], self.shape[-1]


def read_info(path: str | Path) -> TiffInfo:
    """Open ``path`` and describe its first image series without reading pixel data.

    The whole chain of pages is walked once, so a truncated or damaged file fails here, before
    any output is written.

    Raises
    ------
    InputError
        ``"<path>: <problem>."`` if the file is missing, empty, not a TIFF, truncated or damaged,
        RGB, of an unsupported pixel type, or its planes are not YX.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: file not found.")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty.")
    with open(path, "rb") as handle:
        if handle.read(4) not in TIFF_MAGIC:
            raise InputError(f"{path}: not a TIFF file (it does not start with a TIFF header).")
    try:
        with _tifffile_messages() as (errors, warnings), tifffile.TiffFile(path) as tif:
            series = tif.series[0]
            axes, shape = series.axes, tuple(series.shape)
            dtype = np.dtype(series.dtype).newbyteorder("=")
            interval, pixel = _calibration(tif)
            pages = [page for page in series.pages if page is not None]
            data_end = _data_end(series.dataoffset, series.nbytes, pages)
            len(tif.pages)  # walk the whole chain of pages: tifffile logs a broken chain as an error
    except Exception as exc:  # tifffile raises many types for damaged files
        detail = (errors + warnings + [_detail(exc)])[0]
        raise InputError(f"{path}: the TIFF is damaged and cannot be read ({detail}).") from None
    if errors:
        raise InputError(f"{path}: the TIFF is truncated or damaged ({errors[0]}).")
    if "S" in axes:
        raise InputError(f"{path}: RGB (multi-sample) pixels are not supported; save one channel per plane.")
    if not axes.endswith("YX"):
        raise InputError(f"{path}: expected planes with Y and X axes, found axes {axes!r}.")
    if len(pages) != math.prod(shape[:-2]):
        raise InputError(f"{path}: the TIFF is truncated ({len(pages)} of {math.prod(shape[:-2])} planes present).")
    if data_end > size:
        raise InputError(f"{path}: the TIFF is truncated (pixel data ends at byte {data_end}, the file has {size}).")
    if dtype.kind not in "uif":
        raise InputError(f"{path}: pixel type {dtype} is not supported (use integer or float).")
    return TiffInfo(path, axes, shape, dtype, interval, pixel)


class PlaneReader:
    """Keep one TIFF open and read its planes one at a time; use as a context manager."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._tif = tifffile.TiffFile(self.path)

    def __enter__(self) -> PlaneReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._tif.close()

    def read(self, index: int) -> np.ndarray:
        """Plane ``index`` in file order as a native-byte-order (Y, X) array."""
        try:
            plane = self._tif.asarray(key=index, series=0)
        except Exception as exc:
            raise InputError(
                f"{self.path}: plane {index} cannot be read ({_detail(exc)}); the TIFF is damaged."
            ) from None
        return plane.astype(plane.dtype.newbyteorder("="), copy=False)

    def offset(self, index: int) -> int:
        """File offset (bytes) at which the pixel data of plane ``index`` start."""
        return min(self._tif.series[0].pages[index].dataoffsets)


@contextlib.contextmanager
def _tifffile_messages() -> Iterator[tuple[list[str], list[str]]]:
    """Collect what tifffile logs while it walks a file: (errors, warnings).

    A broken chain of pages (e.g. a page offset beyond the end of a truncated file) is only
    logged by tifffile, as an error; errors are kept off the console because the caller turns
    them into its own message.
    """
    errors: list[str] = []
    warnings: list[str] = []

    def keep(record: logging.LogRecord) -> bool:
        (errors if record.levelno >= logging.ERROR else warnings).append(_detail(record.getMessage()))
        return record.levelno < logging.ERROR

    logger = logging.getLogger("tifffile")
    logger.addFilter(keep)
    try:
        yield errors, warnings
    finally:
        logger.removeFilter(keep)


def _data_end(dataoffset: int | None, nbytes: int, pages: list) -> int:
    """File offset just past the last pixel byte of a series (its pages' strips or tiles)."""
    if dataoffset is not None:  # contiguous, uncompressed
        return dataoffset + nbytes
    return max(
        (offset + count for page in pages for offset, count in zip(page.dataoffsets, page.databytecounts)),
        default=0,
    )


def _detail(problem: Exception | str) -> str:
    """A library's message as a short clause: first line, without reprs like ``<TiffFile 'x'>``."""
    lines = re.sub(r"<[^>]*>\s*", "", str(problem)).strip().splitlines()
    return lines[0].rstrip(".")[:160] if lines else type(problem).__name__


def _calibration(tif: tifffile.TiffFile) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm) from ImageJ, OME, MetaMorph or resolution tags."""
    interval = pixel = None
    if tif.is_ome and tif.ome_metadata:
        interval, pixel = _ome_calibration(tif.ome_metadata)
    ij = tif.imagej_metadata or {}
    if interval is None and ij.get("finterval"):
        interval = float(ij["finterval"]) * _TIME_TO_S.get(str(ij.get("tunit", "s")).lower(), 1.0)
    if pixel is None:
        pixel = _resolution_pixel_size(tif.pages.first, ij.get("unit"))
    if pixel is None and "Info" in ij:
        match = re.search(r"spatial-calibration-x\s*=\s*([0-9.eE+-]+)", str(ij["Info"]))
        pixel = float(match.group(1)) if match else None
    return _positive_or_none(interval), _positive_or_none(pixel)


def _resolution_pixel_size(page: tifffile.TiffPage, imagej_unit: str | None) -> float | None:
    """µm per pixel from XResolution, with ImageJ's ``unit`` or the TIFF ResolutionUnit."""
    tag = page.tags.get("XResolution")
    if tag is None:
        return None
    numerator, denominator = tag.value
    if not numerator or not denominator:
        return None
    pixels_per_unit = numerator / denominator
    if imagej_unit:
        factor = _LENGTH_TO_UM.get(str(imagej_unit).lower())
    else:
        unit = page.tags.get("ResolutionUnit")
        factor = {2: 25400.0, 3: 1e4}.get(int(unit.value) if unit else 0)
    if factor is None or pixels_per_unit == 1.0:
        return None  # no physical unit, or the writer's placeholder resolution
    return factor / pixels_per_unit


def _ome_calibration(xml: str) -> tuple[float | None, float | None]:
    """(TimeIncrement in s, PhysicalSizeX in µm) of the first OME Pixels element."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None, None
    pixels = next((el for el in root.iter() if el.tag.endswith("Pixels")), None)
    if pixels is None:
        return None, None
    interval = pixel = None
    if pixels.get("TimeIncrement"):
        unit = pixels.get("TimeIncrementUnit", "s")
        interval = float(pixels.get("TimeIncrement")) * _TIME_TO_S.get(unit, float("nan"))
    if pixels.get("PhysicalSizeX"):
        unit = pixels.get("PhysicalSizeXUnit", "µm")
        pixel = float(pixels.get("PhysicalSizeX")) * _LENGTH_TO_UM.get(unit, float("nan"))
    return interval, pixel


def _positive_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) and value > 0 else None
