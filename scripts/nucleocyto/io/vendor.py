"""Vendor formats through bioio and its reader plugins, an optional extra
(``pip install -r requirements-formats.txt``): Zeiss CZI, Nikon ND2, Leica LIF and OME-Zarr.

A file's scenes are its series. bioio presents every scene as (T, C, Z, Y, X) (and S for RGB
samples); a scene must be a time series of 2-D planes, with channels: Z stacks, mosaics and RGB
are refused with one sentence, as for TIFFs. Calibration: pixel size from bioio's physical pixel
sizes (µm), the frame interval from the OME metadata bioio builds, else from the reader's time
interval (a ``timedelta``; CZI in milliseconds; OME-Zarr in the unit of its ``t`` axis).
"""

from __future__ import annotations

import contextlib
import datetime
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..config import unreadable
from ..errors import InputError
from . import images
from .images import ImageInfo, SeriesSummary

#: Format name by suffix (lower case) of the files read through bioio.
VENDOR_FORMATS = {".czi": "Zeiss CZI", ".nd2": "Nikon ND2", ".lif": "Leica LIF", ".zarr": "OME-Zarr"}

#: How to install the optional readers, as the messages say it.
INSTALL_EXTRA = "pip install -r requirements-formats.txt (conda: environment-formats.yml)"


def vendor_format(path: Path) -> str | None:
    """The format name of ``path`` if it is read through bioio, else None."""
    return VENDOR_FORMATS.get(path.suffix.lower())


def list_series(path: str | Path) -> list[SeriesSummary]:
    """Every scene of ``path`` as a series."""
    path = Path(path)
    with _opened(path) as image:
        return _summaries(image)


def read_info(path: str | Path, series: int | None = None) -> ImageInfo:
    """Describe scene ``series`` of the vendor file ``path`` (see
    :func:`nucleocyto.io.tiff.read_info` for the checks and messages).

    Raises
    ------
    InputError
        ``"<path>: <problem>."``: the optional readers are not installed (the message says how
        to install them), the file cannot be read, holds several scenes and ``series`` is None,
        or a scene has Z planes, RGB samples, another extra dimension or an unsupported pixel type.
    """
    path = Path(path)
    with _opened(path) as image:
        index = images.choose_series(path, _summaries(image), series)
        image.set_scene(index)
        size = dict(zip(image.dims.order, image.dims.shape))
        dtype = np.dtype(image.dtype).newbyteorder("=")
        if size.get("S", 1) > 1:
            raise images.rgb_error(path)
        if size.get("Z", 1) > 1:
            raise InputError(
                f"{path}: series {index} holds {size['Z']} Z planes per time point ({size.get('T', 1)} time "
                "points); give one 2-D plane per frame (project the Z stack or pick one plane first)."
            )
        extra = {a: n for a, n in size.items() if a not in "TCZSYX" and n > 1}
        if extra:
            raise InputError(
                f"{path}: series {index} has the extra dimension(s) {extra} beyond time and channel "
                "(e.g. mosaic tiles); give one 2-D plane per frame."
            )
        images.check_pixel_type(path, dtype)
        images.check_plane_shape(path, size["Y"], size["X"])
        names = tuple(str(name) for name in image.channel_names or ())
        interval, pixel = _calibration(image, index)
        return ImageInfo(
            path=path,
            series=index,
            series_name=str(image.current_scene),
            axes=image.dims.order,
            shape=tuple(image.dims.shape),
            dtype=dtype,
            n_frames=size.get("T", 1),
            n_channels=size.get("C", 1),
            plane_shape=(size["Y"], size["X"]),
            frame_interval_s=interval,
            pixel_size_um=pixel,
            channel_names=names if len(names) == size.get("C", 1) else (),
        )


def calibration(path: str | Path, series: int) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm) of scene ``series`` of ``path``, whatever its axes;
    None where the file does not state one."""
    with _opened(Path(path)) as image:
        image.set_scene(series)
        return _calibration(image, series)


class VendorPlanes:
    """One scene of a vendor file, read one (Y, X) plane at a time; a context manager."""

    #: The reader plugin decodes the planes.
    stored_raw = False

    def __init__(self, info: ImageInfo):
        self.info = info
        self._image = _bioimage(info.path)
        self._image.set_scene(info.series)

    def __enter__(self) -> VendorPlanes:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(AttributeError):
            self._image.close()

    def read(self, frame: int, channel: int, out: np.ndarray | None = None) -> np.ndarray:
        """Plane of ``frame`` and ``channel`` as a native-byte-order (Y, X) array (into ``out``
        when given, as :meth:`nucleocyto.io.images.PlaneSource.read`)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                plane = np.asarray(self._image.get_image_data("YX", T=frame, C=channel, Z=0))
        except Exception as exc:
            raise InputError(
                f"{self.info.path}: frame {frame}, channel {channel} cannot be read ({images.detail(exc)})."
            ) from None
        return images.into(plane, out)


@contextlib.contextmanager
def _opened(path: Path) -> Iterator:
    """bioio's ``BioImage`` of ``path``; reading problems become InputErrors."""
    if (problem := unreadable(path)) is not None:
        raise InputError(f"{path}: {problem}.")
    image = _bioimage(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield image
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: the {vendor_format(path)} file cannot be read ({images.detail(exc)}).") from None


def _bioimage(path: Path):
    """Open ``path`` with bioio (imported here: it is an optional extra)."""
    name = vendor_format(path)
    try:
        import bioio
    except ImportError:
        raise InputError(
            f"{path}: reading {name} files needs the optional format readers (bioio), which are not "
            f"installed; install them with {INSTALL_EXTRA}."
        ) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bioio.BioImage(path)
    except Exception as exc:
        if type(exc).__name__ == "UnsupportedFileFormatError":
            raise InputError(
                f"{path}: no bioio reader plugin for {name} files is installed; install them with {INSTALL_EXTRA}."
            ) from None
        raise InputError(f"{path}: the {name} file cannot be read ({images.detail(exc)}).") from None


def _summaries(image) -> list[SeriesSummary]:
    summaries = []
    for index, scene in enumerate(image.scenes):
        image.set_scene(index)
        summaries.append(
            SeriesSummary(index, image.dims.order, tuple(image.dims.shape), np.dtype(image.dtype), str(scene))
        )
    return summaries


def _calibration(image, index: int) -> tuple[float | None, float | None]:
    """(frame interval in s, pixel size in µm) of the current scene (``index``)."""
    return images.positive_or_none(_interval_s(image, index)), images.positive_or_none(image.physical_pixel_sizes.X)


def _interval_s(image, index: int) -> float | None:
    """Seconds between time points of the current scene, or None when the file does not say."""
    with contextlib.suppress(Exception):
        pixels = image.ome_metadata.images[index].pixels
        if pixels.time_increment:
            unit = getattr(pixels.time_increment_unit, "value", pixels.time_increment_unit) or "s"
            return float(pixels.time_increment) * images.TIME_TO_S.get(str(unit), float("nan"))
    value = image.time_interval
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    plugin = image.reader.__module__.split(".")[0]
    if plugin == "bioio_czi":
        return float(value) * 1e-3  # bioio-czi states milliseconds
    if plugin == "bioio_ome_zarr":
        return float(value) * images.TIME_TO_S.get(_zarr_time_unit(image), float("nan"))
    return None


def _zarr_time_unit(image) -> str:
    """The unit of an OME-Zarr image's ``t`` axis ('' when not stated)."""
    attributes = getattr(image.metadata, "attributes", {}) or {}
    multiscales = attributes.get("ome", attributes).get("multiscales", [{}])
    axes = multiscales[0].get("axes", [])
    return next((str(axis.get("unit", "")) for axis in axes if axis.get("name") == "t"), "")
