"""The images the masks step reads besides the movie's two channels: a third channel to grow whole
cells on, and label images made elsewhere (Cellpose, StarDist, ilastik, CellProfiler), each
checked against the movie (frame count, frame size, integer labels) before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..config import ChannelSource
from ..errors import InputError
from .images import ImageInfo
from .per_process import PerProcess
from .readers import open_planes, read_info
from .sources import about, describe_channel

#: Largest label a label image may hold: per-frame statistics index arrays by label.
MAX_LABEL = 2**24 - 1


class PlaneSeries:
    """One (Y, X) plane per movie frame, read on demand (by forked worker processes too: the
    openers use :class:`nucleocyto.io.per_process.PerProcess`).

    Parameters
    ----------
    read_plane : callable
        ``read_plane(t)``: the plane of frame ``t`` as its file stores it.
    close : callable
        Closes what ``read_plane`` keeps open.
    where : str
        Start of the messages: the sample and the sheet column.
    files : list of Path
        The file of each frame's plane (one for a stack), named in the messages.
    labels : bool
        Planes are label images: read as int32, negative or too large values are rejected.
    """

    def __init__(
        self,
        read_plane: Callable[[int], np.ndarray],
        close: Callable[[], None],
        where: str,
        files: list[Path],
        labels: bool,
    ):
        self._read_plane, self._close, self._where, self._files, self._labels = read_plane, close, where, files, labels

    def __enter__(self) -> PlaneSeries:
        return self

    def __exit__(self, *exc) -> None:
        self._close()

    def read(self, t: int) -> np.ndarray:
        """The plane of frame ``t``: its own dtype for a channel, int32 for labels.

        Raises
        ------
        InputError
            A damaged plane, or label values below 0 or above :data:`MAX_LABEL`.
        """
        try:
            plane = self._read_plane(t)
        except InputError as error:
            raise InputError(f"{self._where}, {error}") from None
        if not self._labels:
            return plane
        if plane.size and (plane.min() < 0 or plane.max() > MAX_LABEL):
            file = self._files[min(t, len(self._files) - 1)]
            raise InputError(
                f"{self._where}, {file}: frame {t} holds labels outside 0..{MAX_LABEL} "
                f"({plane.min()}..{plane.max()}); 0 is background, each object one positive integer."
            )
        return plane.astype(np.int32, copy=False)


def open_cell_channel(sample: str, source: ChannelSource, shape: tuple[int, int, int]) -> PlaneSeries:
    """The cell channel of ``sample`` (``source`` from the sample sheet: any layout the movie's
    channels may have), checked to hold one plane of the movie's size per frame of the (T, Y, X)
    ``shape``."""
    layout = describe_channel(source, sample, "cell")
    _check_shape(f"sample {sample!r}, cell channel, {source.path}", layout.n_frames, layout.info.plane_shape, shape)
    planes = PerProcess(layout.open)
    files = list(source.files) if source.files is not None else [source.path]
    return PlaneSeries(
        lambda t: planes.get().read(t, layout.channel), planes.close, f"sample {sample!r}, cell channel", files, False
    )


def open_labels(sample: str, column: str, paths: list[Path], shape: tuple[int, int, int]) -> PlaneSeries:
    """Label images of ``sample`` from the sheet's ``column``: one TIFF holding a plane per frame
    (a stack), or one single-plane TIFF per frame, checked against the (T, Y, X) ``shape`` of the
    movie.

    Raises
    ------
    InputError
        One sentence naming the sample, the column and the file: unreadable, not one plane per
        frame, a different frame count or size, or not integer labels.
    """
    where = f"sample {sample!r}, {column}"
    infos = [_label_info(sample, column, path, one_plane=len(paths) > 1) for path in paths]
    n_frames = len(paths) if len(paths) > 1 else infos[0].n_frames
    _check_shape(f"{where}, {paths[0] if len(paths) == 1 else f'{paths[0]} …'}", n_frames, infos[0].plane_shape, shape)
    for info in infos[1:]:
        if info.plane_shape != infos[0].plane_shape:
            raise InputError(
                f"{where}, {info.path}: planes of {info.plane_shape} px, but {paths[0]} has {infos[0].plane_shape}."
            )
    if len(paths) == 1:
        stack = PerProcess(lambda: open_planes(infos[0]))
        return PlaneSeries(lambda t: stack.get().read(t, 0), stack.close, where, paths, True)
    return PlaneSeries(lambda t: _only_plane(infos[t]), lambda: None, where, paths, True)


def _label_info(sample: str, column: str, path: Path, one_plane: bool) -> ImageInfo:
    """The description of one label file: a time series (or, with ``one_plane``, one plane) of
    one channel of integers."""
    with about(sample, column):
        info = read_info(path)
    if info.n_channels > 1 or (one_plane and info.n_frames > 1):
        expected = "one plane" if one_plane else "one plane per frame"
        raise InputError(
            f"sample {sample!r}, {column}, {path}: axes {info.axes!r} of shape {info.shape}; expected {expected}."
        )
    if info.dtype.kind not in "ui":
        raise InputError(
            f"sample {sample!r}, {column}, {path}: pixel type {info.dtype} is not integer labels; "
            "save the labels as an integer TIFF."
        )
    return info


def _only_plane(info: ImageInfo) -> np.ndarray:
    """The one plane of a one-plane image file, opened and closed again."""
    with open_planes(info) as planes:
        return planes.read(0, 0)


def _check_shape(where: str, n_frames: int, plane_shape: tuple[int, int], shape: tuple[int, int, int]) -> None:
    """One sentence when ``n_frames`` planes of ``plane_shape`` do not fit a movie of (T, Y, X) ``shape``."""
    if n_frames != shape[0]:
        raise InputError(f"{where}: {n_frames} frames, but the movie has {shape[0]}.")
    if tuple(plane_shape) != tuple(shape[1:]):
        raise InputError(f"{where}: frames of {tuple(plane_shape)} px, but the movie's are {tuple(shape[1:])}.")
