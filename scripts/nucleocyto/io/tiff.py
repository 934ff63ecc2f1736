"""Read what the pipeline needs from a TIFF: its series, axes, calibration, channel names, and
one plane at a time.

Every series of the file is listed (OME-TIFF positions, Micro-Manager positions, tifffile's
"shaped" series, a thumbnail beside a movie, pages of other sizes), so a file of several series
is never read as one of them silently (:func:`nucleocyto.io.images.choose_series`). Multi-sample
pages (planar-separate ``SYX`` or interleaved ``YXS``) are channels unless they are 8-bit RGB
colour. Planes are read one at a time, so a movie larger than memory can be walked frame by frame:
uncompressed planes stored one after another straight from the file at their offset, others
page by page (``TiffFile.asarray(key=..., series=...)``). Compressed files (LZW, zstd, JPEG-2000, LERC,
...) are decoded by imagecodecs.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import tifffile

from ..config import unreadable
from ..errors import InputError
from .images import (
    LENGTH_TO_UM,
    TIME_TO_S,
    ImageInfo,
    SeriesSummary,
    check_pixel_type,
    check_plane_shape,
    choose_series,
    detail,
    into,
    positive_or_none,
    rgb_error,
)

#: Axis letters tifffile may use for the time-like axis of a plain stack.
TIME_AXES = ("T", "I", "Z", "Q")

#: First four bytes of a classic or BigTIFF file, little- or big-endian.
TIFF_MAGIC = (b"II*\0", b"MM\0*", b"II+\0", b"MM\0+")


def is_tiff(path: Path) -> bool:
    """True when ``path`` starts with a TIFF header."""
    with open(path, "rb") as handle:
        return handle.read(4) in TIFF_MAGIC


def list_series(path: str | Path) -> list[SeriesSummary]:
    """Every image series of the TIFF ``path`` (see :func:`image_series`)."""
    with _opened(Path(path)) as tif:
        return [_summary(i, s) for i, s in enumerate(image_series(tif))]


def read_info(path: str | Path, series: int | None = None) -> ImageInfo:
    """Open ``path`` and describe one of its image series without reading pixel data.

    The whole chain of pages is walked once, so a truncated or damaged file fails here, before
    any output is written.

    Parameters
    ----------
    path : path
    series : int, optional
        0-based series to describe; needed when the file holds several.

    Raises
    ------
    InputError
        ``"<path>: <problem>."`` if the file is missing, empty, not a TIFF, truncated or damaged,
        holds several series and ``series`` is None (the message lists them), 8-bit RGB, of an
        unsupported pixel type, or holds more than time and channel axes.
    """
    path = Path(path)
    with _opened(path) as tif:
        listing = image_series(tif)
        index = choose_series(path, [_summary(i, s) for i, s in enumerate(listing)], series)
        chosen = listing[index]
        info = _describe(path, tif, chosen, index)
        if chosen.dataoffset is not None:  # contiguous: where the pixel data ends tells it all
            data_end = chosen.dataoffset + chosen.nbytes
        else:
            pages = [page for page in chosen.pages if page is not None]
            expected_pages = math.prod(chosen.shape) // math.prod(chosen.keyframe.shape)
            if len(pages) != expected_pages:
                raise InputError(f"{path}: the TIFF is truncated ({len(pages)} of {expected_pages} planes present).")
            data_end = _strips_end(pages)
    size = path.stat().st_size
    if data_end > size:
        raise InputError(f"{path}: the TIFF is truncated (pixel data ends at byte {data_end}, the file has {size}).")
    return info


def image_series(tif: tifffile.TiffFile) -> list[tifffile.TiffPageSeries]:
    """tifffile's series of ``tif``, with the "levels" it groups from pages of the main chain
    (a movie whose pages have two sizes, e.g. a thumbnail after each frame) as series of their
    own. Reduced-resolution levels in SubIFDs (pyramids) are copies of their series and are left
    out."""
    listing = []
    for series in tif.series:
        listing.append(series)
        listing.extend(level for level in series.levels[1:] if isinstance(level.keyframe.index, int))
    return listing


def _summary(index: int, series: tifffile.TiffPageSeries) -> SeriesSummary:
    return SeriesSummary(index, series.axes, tuple(series.shape), np.dtype(series.dtype), series.name or "")


@contextlib.contextmanager
def _opened(path: Path) -> Iterator[tifffile.TiffFile]:
    """The TIFF ``path``, opened and walked; reading problems become InputErrors."""
    if (problem := unreadable(path)) is not None:
        raise InputError(f"{path}: {problem}.")
    if path.is_dir():
        raise InputError(f"{path}: a folder, not a TIFF file.")
    if path.stat().st_size == 0:
        raise InputError(f"{path}: the file is empty.")
    if not is_tiff(path):
        raise InputError(f"{path}: not a TIFF file (it does not start with a TIFF header).")
    try:
        with _tifffile_messages() as (errors, warnings), tifffile.TiffFile(path) as tif:
            len(tif.pages)  # walk the whole chain of pages: tifffile logs a broken chain as an error
            tif.series  # noqa: B018 (tifffile builds the series here; damage shows now)
            if errors:
                raise InputError(f"{path}: the TIFF is truncated or damaged ({errors[0]}).")
            if not tif.series:
                raise InputError(
                    f"{path}: the TIFF is damaged and cannot be read ({(warnings + ['it holds no image'])[0]})."
                )
            yield tif
    except InputError:
        raise
    except Exception as exc:  # tifffile raises many types for damaged files
        raise InputError(
            f"{path}: the TIFF is damaged and cannot be read ({(errors + warnings + [detail(exc)])[0]})."
        ) from None


def _describe(path: Path, tif: tifffile.TiffFile, series: tifffile.TiffPageSeries, index: int) -> ImageInfo:
    """Check that ``series`` is a time series of 2-D planes (with channels, perhaps as samples)
    and describe it."""
    axes, shape = series.axes, tuple(series.shape)
    dtype = np.dtype(series.dtype).newbyteorder("=")
    if "S" in axes and series.keyframe.photometric == tifffile.PHOTOMETRIC.RGB and dtype == np.uint8:
        raise rgb_error(path)
    if axes[-2:] != "YX" and axes[-1] != "S":  # 'YXQ', 'YQX': tifffile wrote a (T, Y, 1) array as one T × Y page
        check_plane_shape(path, *shape[-2:])
    check_plane_shape(path, series.keyframe.imagelength, series.keyframe.imagewidth)
    if "Y" not in axes or "X" not in axes:
        raise InputError(f"{path}: expected planes with Y and X axes, found axes {axes!r}.")
    lead = [a for a in axes if a not in "YX"]
    time_axes = [a for a in lead if a in TIME_AXES]
    channel_axes = [a for a in lead if a in "CS"]
    if len(time_axes) > 1 or len(channel_axes) > 1 or len(time_axes) + len(channel_axes) < len(lead):
        raise InputError(
            f"{path}: axes {axes!r} of shape {shape} hold more than time and channel "
            "(a Z stack or an extra dimension); give one 2-D plane per frame."
        )
    check_pixel_type(path, dtype)
    size = dict(zip(axes, shape))
    n_channels = size[channel_axes[0]] if channel_axes else 1
    interval, pixel = _calibration(tif, series, index)
    return ImageInfo(
        path=path,
        series=index,
        series_name=series.name or "",
        axes=axes,
        shape=shape,
        dtype=dtype,
        n_frames=size[time_axes[0]] if time_axes else 1,
        n_channels=n_channels,
        plane_shape=(size["Y"], size["X"]),
        frame_interval_s=interval,
        pixel_size_um=pixel,
        channel_names=_channel_names(tif, index, n_channels),
    )


class TiffPlanes:
    """Keep one series of a TIFF open and read its planes one at a time; a context manager.

    The page of the last plane read is kept, so the channels of a multi-sample page are decoded
    once per frame.
    """

    def __init__(self, info: ImageInfo):
        self.info = info
        self._tif = tifffile.TiffFile(info.path)
        self._series = image_series(self._tif)[info.series]
        page_axes = self._series.keyframe.axes
        self._lead = info.axes[: len(info.axes) - len(page_axes)]
        self._lead_shape = info.shape[: len(self._lead)]
        self._sample_axis = page_axes.find("S") if "S" in page_axes else None
        self._page: tuple[int, np.ndarray] | None = None
        keyframe = self._series.keyframe
        raw = self._series.dataoffset is not None and keyframe.is_memmappable and page_axes == "YX"
        #: File offset of the first plane when the planes lie uncompressed one after another.
        self._raw_offset: int | None = self._series.dataoffset if raw else None
        self.stored_raw = raw
        self._page_dtype = np.dtype(self._series.dtype).newbyteorder(self._tif.byteorder)
        self._page_shape = tuple(keyframe.shape)

    def __enter__(self) -> TiffPlanes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._tif.close()

    def page_index(self, frame: int, channel: int) -> int:
        """Index (within the series) of the page that holds ``frame`` and ``channel``."""
        position = [frame if a in TIME_AXES else channel for a in self._lead]
        return int(np.ravel_multi_index(position, self._lead_shape)) if self._lead else 0

    def read(self, frame: int, channel: int, out: np.ndarray | None = None) -> np.ndarray:
        """Plane of ``frame`` and ``channel`` as a native-byte-order (Y, X) array (into ``out``
        when given, as :meth:`nucleocyto.io.images.PlaneSource.read`).

        Uncompressed planes stored one after another are read with one system call each,
        straight from the file (no page is parsed; into ``out`` itself when it has their dtype);
        others are decoded by tifffile.
        """
        index = self.page_index(frame, channel)
        if self._raw_offset is not None:
            return self._read_raw(index, out)
        if self._page is None or self._page[0] != index:
            try:
                self._page = index, self._tif.asarray(key=index, series=self._series)
            except Exception as exc:
                raise InputError(
                    f"{self.info.path}: plane {index} cannot be read ({detail(exc)}); the TIFF is damaged."
                ) from None
        page = self._page[1]
        plane = page if self._sample_axis is None else np.take(page, channel, axis=self._sample_axis)
        return into(plane, out)

    def _read_raw(self, index: int, out: np.ndarray | None) -> np.ndarray:
        """Page ``index`` of a series of contiguous uncompressed (Y, X) pages, read in place
        (into ``out`` when it is a contiguous array of the pages' dtype)."""
        direct = out is not None and out.dtype == self._page_dtype and out.flags.c_contiguous
        plane = out if direct else np.empty(self._page_shape, self._page_dtype)
        offset = self._raw_offset + index * plane.nbytes
        got = os.preadv(self._tif.filehandle.fileno(), [plane.data.cast("B")], offset)
        if got != plane.nbytes:
            raise InputError(
                f"{self.info.path}: plane {index} cannot be read (the file ends at byte {offset + got}); "
                "the TIFF is damaged."
            )
        return plane if direct else into(plane, out)


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
        (errors if record.levelno >= logging.ERROR else warnings).append(detail(record.getMessage()))
        return record.levelno < logging.ERROR

    logger = logging.getLogger("tifffile")
    logger.addFilter(keep)
    try:
        yield errors, warnings
    finally:
        logger.removeFilter(keep)


def _strips_end(pages: list) -> int:
    """File offset just past the last pixel byte of a series' pages (their strips or tiles)."""
    return max(
        (offset + count for page in pages for offset, count in zip(page.dataoffsets, page.databytecounts)),
        default=0,
    )


def _calibration(
    tif: tifffile.TiffFile, series: tifffile.TiffPageSeries, index: int
) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm) of series ``index`` from OME, ImageJ, MetaMorph
    or resolution tags."""
    interval = pixel = None
    if tif.is_ome and tif.ome_metadata:
        interval, pixel = _ome_calibration(_ome_pixels(tif.ome_metadata, index))
    ij = tif.imagej_metadata or {}
    if interval is None and ij.get("finterval"):
        interval = float(ij["finterval"]) * TIME_TO_S.get(str(ij.get("tunit", "s")).lower(), 1.0)
    if pixel is None:
        pixel = _resolution_pixel_size(series.keyframe, ij.get("unit"))
    if pixel is None and "Info" in ij:
        match = re.search(r"spatial-calibration-x\s*=\s*([0-9.eE+-]+)", str(ij["Info"]))
        pixel = float(match.group(1)) if match else None
    return positive_or_none(interval), positive_or_none(pixel)


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
        factor = LENGTH_TO_UM.get(str(imagej_unit).lower())
    else:
        unit = page.tags.get("ResolutionUnit")
        factor = {2: 25400.0, 3: 1e4}.get(int(unit.value) if unit else 0)
    if factor is None or pixels_per_unit == 1.0:
        return None  # no physical unit, or the writer's placeholder resolution
    return factor / pixels_per_unit


def _ome_pixels(xml: str, index: int) -> ElementTree.Element | None:
    """The Pixels element of OME Image ``index`` (tifffile's series order), or None."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None
    images = [el for el in root if el.tag.endswith("}Image") or el.tag == "Image"]
    if index >= len(images):
        return None
    return next((el for el in images[index] if el.tag.endswith("Pixels")), None)


def _ome_calibration(pixels: ElementTree.Element | None) -> tuple[float | None, float | None]:
    """(TimeIncrement in s, PhysicalSizeX in µm) of an OME Pixels element."""
    if pixels is None:
        return None, None
    interval = pixel = None
    if pixels.get("TimeIncrement"):
        unit = pixels.get("TimeIncrementUnit", "s")
        interval = float(pixels.get("TimeIncrement")) * TIME_TO_S.get(unit, float("nan"))
    if pixels.get("PhysicalSizeX"):
        unit = pixels.get("PhysicalSizeXUnit", "µm")
        pixel = float(pixels.get("PhysicalSizeX")) * LENGTH_TO_UM.get(unit, float("nan"))
    return interval, pixel


def _channel_names(tif: tifffile.TiffFile, index: int, n_channels: int) -> tuple[str, ...]:
    """Channel names of series ``index`` from OME ``Channel Name`` or Micro-Manager ``ChNames``;
    empty unless there is one name per channel."""
    names: list[str] = []
    if tif.is_ome and tif.ome_metadata:
        pixels = _ome_pixels(tif.ome_metadata, index)
        channels = [] if pixels is None else [el for el in pixels if el.tag.endswith("Channel")]
        names = [el.get("Name", "") for el in channels]
    if not any(names) and tif.is_micromanager:
        names = [str(name) for name in (tif.micromanager_metadata or {}).get("Summary", {}).get("ChNames", [])]
    return tuple(names) if len(names) == n_channels and all(names) else ()
