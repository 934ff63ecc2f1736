"""Per-cell intensity statistics, all cells, regions and channels of a frame in one pass.

Statistics come from ``np.bincount`` over the label image rather than one boolean mask per
cell; the mean of a cell equals ``values[labels == k].mean()`` to floating-point precision.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd
from scipy import ndimage

from . import CHANNELS

log = logging.getLogger(__name__)

REGIONS = ("nucleus", "cytosol")

#: Columns of the intensities table, in order (documented in docs/outputs.md).
COLUMNS = (
    "sample", "frame", "time_s", "cell_id", "region", "channel",
    "mean", "median", "std", "sum", "area_px", "mask_empty",
)


def label_stats(values: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, median, population std, sum and pixel count of ``values`` per label.

    Parameters
    ----------
    values : (Y, X) ndarray of int or float
        One channel of one frame.
    labels : (Y, X) ndarray of int
        Label image, 0 = background.
    ids : (n,) ndarray of int
        Labels to report, each > 0.

    Returns
    -------
    dict of (n,) float64 arrays
        ``mean``, ``median``, ``std``, ``sum`` and ``area_px`` (float64; NaN statistics where a
        label has no pixel).
    """
    flat_labels = labels.ravel()
    flat_values = values.ravel().astype(np.float64)
    size = int(max(flat_labels.max(initial=0), ids.max(initial=0))) + 1
    area = np.bincount(flat_labels, minlength=size).astype(np.float64)
    total = np.bincount(flat_labels, weights=flat_values, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / area
        squares = np.bincount(
            flat_labels, weights=(flat_values - mean[flat_labels]) ** 2, minlength=size
        )
        std = np.sqrt(squares / area)
    median = np.full(len(ids), np.nan)
    present = area[ids] > 0
    if present.any():
        median[present] = ndimage.median(flat_values, flat_labels, ids[present])
    return {
        "mean": mean[ids], "median": median, "std": std[ids], "sum": total[ids], "area_px": area[ids],
    }


def measure_frame(frame: np.ndarray, nuclei: np.ndarray, cytosol: np.ndarray) -> pd.DataFrame:
    """Statistics of every cell × region × channel of one frame.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytosol : (Y, X) ndarray of int
        Label images; ring k belongs to nucleus k.

    Returns
    -------
    DataFrame
        Columns ``cell_id, region, channel, mean, median, std, sum, area_px, mask_empty``.
        A frame without any nucleus gives one row per region × channel with ``cell_id`` 0,
        NaN statistics, ``area_px`` 0 and ``mask_empty`` True.
    """
    ids = np.flatnonzero(np.bincount(nuclei.ravel()))
    ids = ids[ids > 0]
    empty = len(ids) == 0
    if empty:
        ids = np.array([0])
    parts = []
    for region, labels in zip(REGIONS, (nuclei, cytosol)):
        for c, channel in enumerate(CHANNELS):
            if empty:
                stats = {k: np.array([np.nan]) for k in ("mean", "median", "std", "sum")}
                stats["area_px"] = np.array([0.0])
            else:
                stats = label_stats(frame[c], labels, ids)
            parts.append(pd.DataFrame({"cell_id": ids, "region": region, "channel": channel, **stats}))
    table = pd.concat(parts, ignore_index=True)
    table["area_px"] = table["area_px"].astype(np.int64)
    table["mask_empty"] = empty
    return table


def measure_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytosol: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
) -> pd.DataFrame:
    """The tidy intensities table of a whole movie, reading one frame at a time.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
    nuclei, cytosol : (T, Y, X) ndarray of int
        Usually read-only memory maps.
    sample : str
    frame_interval_s : float or None
        Seconds between frames; ``time_s`` is NaN when None.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, sorted by frame, cell, region, channel.
    """
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    frames = []
    for t in range(stack.shape[0]):
        table = measure_frame(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytosol[t]))
        table.insert(0, "frame", t)
        frames.append(table)
        if table["mask_empty"].iat[0]:
            log.warning("sample %s, frame %d: no nucleus found; statistics are NaN", sample, t)
    table = pd.concat(frames, ignore_index=True)
    table.insert(0, "sample", sample)
    table.insert(2, "time_s", table["frame"] * interval)
    table = table.sort_values(["frame", "cell_id", "region", "channel"], kind="stable")
    return table.reset_index(drop=True)[list(COLUMNS)]


def pooled_means(intensities: pd.DataFrame) -> pd.DataFrame:
    """Per-frame means with all cells pooled by area (Σ sum / Σ area_px).

    Parameters
    ----------
    intensities : DataFrame
        The intensities table (columns :data:`COLUMNS`).

    Returns
    -------
    DataFrame
        One row per frame × region × channel: ``frame, time_s, region, channel, mean,
        area_px``. With the classic masks, ``mean`` equals the classic whole-mask mean.
    """
    grouped = intensities.groupby(["frame", "region", "channel"], sort=True)
    pooled = grouped.agg(time_s=("time_s", "first"), sum=("sum", "sum"), area_px=("area_px", "sum"))
    pooled["sum"] = pooled["sum"].where(pooled["area_px"] > 0)
    pooled["mean"] = pooled["sum"] / pooled["area_px"]
    return pooled.reset_index()[["frame", "time_s", "region", "channel", "mean", "area_px"]]
