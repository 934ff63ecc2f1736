"""The images the masks step reads besides the canonical stack: a third channel to grow whole
cells on, and label images made elsewhere (Cellpose, StarDist, ilastik, CellProfiler), each
checked against the movie (frame count, frame size, integer labels) before anything is written."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from ..config import ChannelSource
from ..errors import InputError
from .sources import about, describe_channel
from .tiff import TIME_AXES, PlaneReader, read_info

#: Largest label a label image may hold: per-frame statistics index arrays by label.
MAX_LABEL = 2**24 - 1


class PlaneSeries:
    """One (Y, X) plane per movie frame, each a page of a TIFF; read from several threads at once.

    Files holding several of the planes stay open; a file holding one plane (a series of one
    TIFF per frame) is opened when its plane is read.

    Parameters
    ----------
    planes : list of (Path, int)
        Per frame, the file and the page index (file order) of its plane.
    where : str
        Start of the messages: the sample and the sheet column.
    labels : bool
        Planes are label images: read as int32, negative or too large values are rejected.
    """

    def __init__(self, planes: list[tuple[Path, int]], where: str, labels: bool):
        self._planes, self._where, self._labels = planes, where, labels
        shared = {path for path, _ in planes if sum(p == path for p, _ in planes) > 1}
        self._open = {path: PlaneReader(path) for path in sorted(shared)}
        self._lock = threading.Lock()

    def __enter__(self) -> PlaneSeries:
        return self

    def __exit__(self, *exc) -> None:
        for reader in self._open.values():
            reader.close()

    def read(self, t: int) -> np.ndarray:
        """The plane of frame ``t``: its own dtype for a channel, int32 for labels.

        Raises
        ------
        InputError
            A damaged plane, or label values below 0 or above :data:`MAX_LABEL`.
        """
        path, index = self._planes[t]
        try:
            with self._lock:
                if path in self._open:
                    plane = self._open[path].read(index)
                else:
                    with PlaneReader(path) as reader:
                        plane = reader.read(index)
        except InputError as error:
            raise InputError(f"{self._where}, {error}") from None
        if not self._labels:
            return plane
        if plane.size and (plane.min() < 0 or plane.max() > MAX_LABEL):
            raise InputError(
                f"{self._where}, {path}: frame {t} holds labels outside 0..{MAX_LABEL} "
                f"({plane.min()}..{plane.max()}); 0 is background, each object one positive integer."
            )
        return plane.astype(np.int32, copy=False)


def open_cell_channel(sample: str, source: ChannelSource, shape: tuple[int, int, int]) -> PlaneSeries:
    """The cell channel of ``sample`` (``source`` from the sample sheet), checked to hold one
    plane of the movie's size per frame of the (T, Y, X) ``shape``."""
    layout = describe_channel(source, sample, "cell")
    where = f"sample {sample!r}, cell channel, {source.path}"
    _check_shape(where, layout.n_frames, layout.info.plane_shape, shape)
    return PlaneSeries(
        [(source.path, layout.plane_index(t)) for t in range(shape[0])], f"sample {sample!r}, cell channel", False
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
    infos = []
    for path in paths:
        with about(sample, column):
            info = read_info(path)
        lead = info.axes[:-2]
        if len(lead) > 1 or (lead and lead not in TIME_AXES) or (len(paths) > 1 and lead):
            expected = "one plane" if len(paths) > 1 else "one plane per frame"
            raise InputError(f"{where}, {path}: axes {info.axes!r} of shape {info.shape}; expected {expected}.")
        if info.dtype.kind not in "ui":
            raise InputError(
                f"{where}, {path}: pixel type {info.dtype} is not integer labels; save the labels as an integer TIFF."
            )
        infos.append(info)
    n_frames = len(paths) if len(paths) > 1 else (infos[0].shape[0] if infos[0].axes[:-2] else 1)
    _check_shape(f"{where}, {paths[0] if len(paths) == 1 else f'{paths[0]} …'}", n_frames, infos[0].plane_shape, shape)
    for info in infos[1:]:
        if info.plane_shape != infos[0].plane_shape:
            raise InputError(
                f"{where}, {info.path}: planes of {info.plane_shape} px, but {paths[0]} has {infos[0].plane_shape}."
            )
    planes = [(paths[t], 0) for t in range(n_frames)] if len(paths) > 1 else [(paths[0], t) for t in range(n_frames)]
    return PlaneSeries(planes, where, True)


def _check_shape(where: str, n_frames: int, plane_shape: tuple[int, int], shape: tuple[int, int, int]) -> None:
    """One sentence when ``n_frames`` planes of ``plane_shape`` do not fit a movie of (T, Y, X) ``shape``."""
    if n_frames != shape[0]:
        raise InputError(f"{where}: {n_frames} frames, but the movie has {shape[0]}.")
    if tuple(plane_shape) != tuple(shape[1:]):
        raise InputError(f"{where}: frames of {tuple(plane_shape)} px, but the movie's are {tuple(shape[1:])}.")
