"""The tidy intensity table of one frame: every cell × region × channel, all cells at once.

An optional background (per frame and channel) is subtracted from mean, median and sum.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from .. import CHANNELS, REGIONS
from ..config import BackgroundParams
from ..segment.labels import LabelledPixels, labelled_pixels
from .stats import label_stats

#: (region, channel) of the rows of each cell, in table order (sorted, as the table is).
ROW_ORDER = tuple(itertools.product(sorted(REGIONS), sorted(CHANNELS)))

#: Columns of the intensities table, in order (documented in docs/outputs.md).
COLUMNS = (
    "sample",
    "frame",
    "time_s",
    "cell_id",
    "region",
    "channel",
    "mean",
    "median",
    "std",
    "sum",
    "area_px",
    "mask_empty",
    "background",
)


def frame_background(
    frame: np.ndarray, nuclei: np.ndarray, cytoplasm: np.ndarray, params: BackgroundParams
) -> np.ndarray:
    """Background of each channel of one frame.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytoplasm : (Y, X) ndarray of int
        Label images.
    params : BackgroundParams

    Returns
    -------
    (C,) ndarray of float64
        Counts to subtract: 0 for ``none``; NaN for ``median_outside`` when no pixel lies
        outside the dilated cells.
    """
    if params.method == "none":
        return np.zeros(len(CHANNELS))
    if params.method == "fixed":
        return np.array([float(params.fixed[channel]) for channel in CHANNELS])
    from scipy import ndimage  # only this method needs it: the measure step does not pay for the import

    cells = (nuclei > 0) | (cytoplasm > 0)
    outside = ndimage.distance_transform_edt(~cells) > params.dilate_px if cells.any() else ~cells
    if not outside.any():
        return np.full(len(CHANNELS), np.nan)
    return np.array([float(np.median(frame[c][outside])) for c in range(len(CHANNELS))])


def measure_frame(
    frame: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    background: BackgroundParams = BackgroundParams(),
    median: str = "numpy",
    pixels: Mapping[str, LabelledPixels] | None = None,
) -> dict[str, np.ndarray]:
    """Statistics of every cell × region × channel of one frame, as table columns.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytoplasm : (Y, X) ndarray of int
        Label images (any integer type); ring k belongs to nucleus k.
    background : BackgroundParams
        Background subtracted from mean, median and sum (``sum - background × area_px``).
    median : str
        Definition of the median (:data:`nucleocyto.measure.stats.MEDIANS`).
    pixels : mapping, optional
        ``nucleus`` and ``cytoplasm``: their labelled pixels, when the caller has them.

    Returns
    -------
    dict of 1-D ndarray
        The columns :data:`COLUMNS` from ``cell_id`` on, one row per cell × region × channel
        sorted by cell, then (region, channel) in :data:`ROW_ORDER`: ``cell_id`` and
        ``area_px`` int64, ``region`` and ``channel`` str (object arrays), ``mask_empty`` bool,
        the others float64. A frame without any nucleus gives one row per region × channel with
        ``cell_id`` 0, NaN statistics, ``area_px`` 0 and ``mask_empty`` True.
    """
    levels = frame_background(frame, nuclei, cytoplasm, background)
    pixels = pixels or {"nucleus": labelled_pixels(nuclei), "cytoplasm": labelled_pixels(cytoplasm)}
    ids = np.flatnonzero(np.bincount(pixels["nucleus"].labels))
    empty = len(ids) == 0
    ids = np.array([0]) if empty else ids
    parts = []
    for region, channel in ROW_ORDER:
        c = CHANNELS.index(channel)
        if empty:
            stats = {k: np.array([np.nan]) for k in ("mean", "median", "std", "sum")}
            stats["area_px"] = np.array([0.0])
        else:
            stats = label_stats(frame[c], pixels[region], ids, median)
        for key in ("mean", "median"):
            stats[key] = stats[key] - levels[c]
        stats["sum"] = stats["sum"] - levels[c] * stats["area_px"]
        parts.append(stats)
    n_rows = len(ids) * len(ROW_ORDER)
    columns = {key: np.stack([stats[key] for stats in parts], axis=1).ravel() for key in parts[0]}
    columns.update(
        cell_id=np.repeat(ids.astype(np.int64), len(ROW_ORDER)),
        region=np.tile(np.array([region for region, _ in ROW_ORDER], object), len(ids)),
        channel=np.tile(np.array([channel for _, channel in ROW_ORDER], object), len(ids)),
        area_px=columns["area_px"].astype(np.int64),
        mask_empty=np.full(n_rows, empty),
        background=np.tile([levels[CHANNELS.index(channel)] for _, channel in ROW_ORDER], len(ids)),
    )
    return {name: columns[name] for name in COLUMNS[3:]}
