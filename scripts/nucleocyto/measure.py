"""Per-cell intensity statistics, all cells, regions and channels of a frame in one pass.

Statistics come from ``np.bincount`` over the label image rather than one boolean mask per
cell; the mean of a cell equals ``values[labels == k].mean()`` to floating-point precision.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from . import CHANNELS
from .frames import map_frames

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
        label has no pixel). The median of an even count is the mean of the two middle values.

    Notes
    -----
    One pass over the frame picks the labelled pixels; everything else works on those. Integer
    values spanning few levels (the usual camera counts) are counted in one (label, value)
    histogram, which gives exact sums and medians; other values are sorted once by
    (label, value).
    """
    inside = np.flatnonzero(labels.ravel() != 0)
    flat_labels = labels.ravel()[inside].astype(np.intp)
    flat_values = values.ravel()[inside]
    size = int(max(flat_labels.max(initial=0), ids.max(initial=0))) + 1
    levels = _levels(flat_values, size)
    stats = (
        _histogram_stats(flat_labels, flat_values, size, levels)
        if levels is not None
        else _sorted_stats(flat_labels, flat_values, size)
    )
    return {key: column[ids] for key, column in stats.items()}


def _levels(values: np.ndarray, size: int) -> np.ndarray | None:
    """The value levels ``min..max`` (float64) when ``values`` are integers whose histogram per
    label (``size`` × levels bins) is no bigger than a few times the number of values; else None."""
    if values.dtype.kind not in "ui" or len(values) == 0:
        return None
    low, high = int(values.min()), int(values.max())
    if size * (high - low + 1) > 4 * len(values) + 4096:
        return None
    return np.arange(low, high + 1, dtype=np.float64)


def _histogram_stats(labels: np.ndarray, values: np.ndarray, size: int, levels: np.ndarray) -> dict[str, np.ndarray]:
    """Per-label statistics (arrays of length ``size``) from a (label, level) histogram."""
    span = len(levels)
    bins = labels * span + (values.astype(np.intp) - int(levels[0]))
    histogram = np.bincount(bins, minlength=size * span).reshape(size, span)
    area = histogram.sum(axis=1)
    total = histogram @ levels
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / area
        std = np.sqrt((histogram * (levels - mean[:, None]) ** 2).sum(axis=1) / area)
    cumulative = histogram.cumsum(axis=1)
    lower = (cumulative <= ((area - 1) // 2)[:, None]).sum(axis=1)
    upper = (cumulative <= (area // 2)[:, None]).sum(axis=1)
    median = np.where(area > 0, (levels[np.minimum(lower, span - 1)] + levels[np.minimum(upper, span - 1)]) / 2, np.nan)
    return {"mean": mean, "median": median, "std": std, "sum": total, "area_px": area.astype(np.float64)}


def _sorted_stats(labels: np.ndarray, values: np.ndarray, size: int) -> dict[str, np.ndarray]:
    """Per-label statistics (arrays of length ``size``): sums by ``np.bincount``, medians from
    one sort of the values by (label, value)."""
    as_float = values.astype(np.float64)
    counts = np.bincount(labels, minlength=size)
    area = counts.astype(np.float64)
    total = np.bincount(labels, weights=as_float, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / area
        std = np.sqrt(np.bincount(labels, weights=(as_float - mean[labels]) ** 2, minlength=size) / area)
    ordered = as_float[np.lexsort((values, labels))]
    first = np.cumsum(counts) - counts
    present = counts > 0
    lower, upper = (first + (counts - 1) // 2)[present], (first + counts // 2)[present]
    median = np.full(size, np.nan)
    median[present] = (ordered[lower] + ordered[upper]) / 2
    return {"mean": mean, "median": median, "std": std, "sum": total, "area_px": area}


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
    threads: int = 1,
) -> pd.DataFrame:
    """The tidy intensities table of a whole movie, reading a few frames at a time.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
    nuclei, cytosol : (T, Y, X) ndarray of int
        Usually read-only memory maps.
    sample : str
    frame_interval_s : float or None
        Seconds between frames; ``time_s`` is NaN when None.
    threads : int
        Frames measured at once (see :func:`nucleocyto.frames.map_frames`).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, sorted by frame, cell, region, channel.
    """
    interval = frame_interval_s if frame_interval_s is not None else math.nan

    def measure(t: int) -> pd.DataFrame:
        return measure_frame(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytosol[t]))

    frames = []
    for t, table in enumerate(map_frames(measure, stack.shape[0], threads, release=(stack, nuclei, cytosol))):
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
