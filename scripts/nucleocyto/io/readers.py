"""One entry to every image reader: a file is read as a TIFF when it starts with a TIFF header,
through bioio when its suffix names a vendor format (:data:`nucleocyto.io.vendor.VENDOR_FORMATS`),
and refused otherwise."""

from __future__ import annotations

from pathlib import Path

from . import tiff, vendor
from .images import ImageInfo, PlaneSource, SeriesSummary


def read_info(path: str | Path, series: int | None = None) -> ImageInfo:
    """Describe series ``series`` of the image file ``path`` (see :func:`nucleocyto.io.tiff.read_info`)."""
    return _reader(Path(path)).read_info(path, series)


def list_series(path: str | Path) -> list[SeriesSummary]:
    """Every series (position, scene) of the image file ``path``."""
    return _reader(Path(path)).list_series(path)


def open_planes(info: ImageInfo) -> PlaneSource:
    """The series ``info`` describes, opened to read planes."""
    return vendor.VendorPlanes(info) if vendor.vendor_format(info.path) else tiff.TiffPlanes(info)


def _reader(path: Path):
    """The module that reads ``path``: :mod:`.vendor` for a vendor suffix, else :mod:`.tiff`
    (whose checks refuse a missing, empty or non-TIFF file with one sentence)."""
    return vendor if vendor.vendor_format(path) else tiff
