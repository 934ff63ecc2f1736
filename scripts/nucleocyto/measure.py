"""Per-cell intensity statistics, all cells, regions and channels of a frame in one pass.

Statistics come from ``np.bincount`` over the labelled pixels of each region (found once per
region and frame) rather than one boolean mask per cell; the mean of a cell equals
``values[labels == k].mean()`` to floating-point precision. Frames give plain NumPy columns;
the movie's table is built once at the end. An optional background (per frame and channel) is
subtracted from mean, median and sum; the per-cell table of POI means and N/C ratios is derived
from the intensities table.
"""

from __future__ import annotations

import itertools
import logging

import numpy as np
import pandas as pd

from . import CHANNELS
from .frames import map_frames
from .labels import LabelledPixels, labelled_pixels
from .params import BackgroundParams
from .tables import movie_table

log = logging.getLogger(__name__)

REGIONS = ("nucleus", "cytosol")

#: (region, channel) of the rows of each cell, in table order (sorted, as the table is).
ROW_ORDER = tuple(itertools.product(sorted(REGIONS), sorted(CHANNELS)))

#: Columns of the intensities table, in order (documented in docs/outputs.md).
COLUMNS = (
    "sample", "frame", "time_s", "cell_id", "region", "channel",
    "mean", "median", "std", "sum", "area_px", "mask_empty", "background",
)

#: Columns of the per-cell table (documented in docs/outputs.md).
CELL_COLUMNS = (
    "sample", "frame", "time_s", "cell_id", "poi_nucleus_mean", "poi_cytosol_mean",
    "nucleus_area_px", "cytosol_area_px", "poi_background", "nc_ratio", "cn_ratio",
)

def frame_background(
    frame: np.ndarray, nuclei: np.ndarray, cytosol: np.ndarray, params: BackgroundParams
) -> np.ndarray:
    """Background of each channel of one frame.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytosol : (Y, X) ndarray of int
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

    cells = (nuclei > 0) | (cytosol > 0)
    outside = ndimage.distance_transform_edt(~cells) > params.dilate_px if cells.any() else ~cells
    if not outside.any():
        return np.full(len(CHANNELS), np.nan)
    return np.array([float(np.median(frame[c][outside])) for c in range(len(CHANNELS))])


def label_stats(values: np.ndarray, pixels: LabelledPixels, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, median, population std, sum and pixel count of ``values`` per label.

    Parameters
    ----------
    values : (Y, X) ndarray of int or float
        One channel of one frame.
    pixels : LabelledPixels
        The labelled pixels of the label image (:func:`nucleocyto.labels.labelled_pixels`).
    ids : (n,) ndarray of int
        Labels to report, each > 0.

    Returns
    -------
    dict of (n,) float64 arrays
        ``mean``, ``median``, ``std``, ``sum`` and ``area_px`` (float64; NaN statistics where a
        label has no pixel). The median of an even count is the mean of the two middle values.

    Notes
    -----
    Works on the labelled pixels only. Integer values spanning few levels (the usual camera
    counts) are counted in one (label, value) histogram, which gives exact sums and medians;
    other values are sorted once by (label, value).
    """
    flat_values = values.ravel()[pixels.index]
    size = int(max(pixels.labels.max(initial=0), ids.max(initial=0))) + 1
    levels = _levels(flat_values, size)
    stats = (
        _histogram_stats(pixels.labels, flat_values, size, levels)
        if levels is not None
        else _sorted_stats(pixels.labels, flat_values, size)
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


def measure_frame(
    frame: np.ndarray, nuclei: np.ndarray, cytosol: np.ndarray, background: BackgroundParams = BackgroundParams()
) -> dict[str, np.ndarray]:
    """Statistics of every cell × region × channel of one frame, as table columns.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytosol : (Y, X) ndarray of int
        Label images (any integer type); ring k belongs to nucleus k.
    background : BackgroundParams
        Background subtracted from mean, median and sum (``sum - background × area_px``).

    Returns
    -------
    dict of 1-D ndarray
        The columns :data:`COLUMNS` from ``cell_id`` on, one row per cell × region × channel
        sorted by cell, then (region, channel) in :data:`ROW_ORDER`: ``cell_id`` and
        ``area_px`` int64, ``region`` and ``channel`` str (object arrays), ``mask_empty`` bool,
        the others float64. A frame without any nucleus gives one row per region × channel with
        ``cell_id`` 0, NaN statistics, ``area_px`` 0 and ``mask_empty`` True.
    """
    levels = frame_background(frame, nuclei, cytosol, background)
    pixels = {"nucleus": labelled_pixels(nuclei), "cytosol": labelled_pixels(cytosol)}
    ids = np.flatnonzero(np.bincount(pixels["nucleus"].labels))
    empty = len(ids) == 0
    if empty:
        ids = np.array([0])
    parts = []
    for region, channel in ROW_ORDER:
        c = CHANNELS.index(channel)
        if empty:
            stats = {k: np.array([np.nan]) for k in ("mean", "median", "std", "sum")}
            stats["area_px"] = np.array([0.0])
        else:
            stats = label_stats(frame[c], pixels[region], ids)
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


def measure_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytosol: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    background: BackgroundParams = BackgroundParams(),
    threads: int = 1,
) -> pd.DataFrame:
    """The tidy intensities table of a whole movie, reading a few frames at a time.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
    nuclei, cytosol : (T, Y, X) ndarray of int
        Usually read-only memory maps (uint8, uint16 or int32).
    sample : str
    frame_interval_s : float or None
        Seconds between frames; ``time_s`` is NaN when None.
    background : BackgroundParams
    threads : int
        Frames measured at once (see :func:`nucleocyto.frames.map_frames`).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, sorted by frame, cell, region, channel.
    """
    def measure(t: int) -> dict[str, np.ndarray]:
        return measure_frame(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytosol[t]), background)

    def logged(frames):
        """The frame tables, warning (in frame order) about frames without nuclei or background."""
        for t, columns in enumerate(frames):
            if columns["mask_empty"][0]:
                log.warning("sample %s, frame %d: no nucleus found; statistics are NaN", sample, t)
            if np.isnan(columns["background"]).any():
                log.warning("sample %s, frame %d: no background pixel outside the cells; statistics are NaN", sample, t)
            yield columns

    frames = map_frames(measure, stack.shape[0], threads, release=(stack, nuclei, cytosol))
    return movie_table(logged(frames), sample, frame_interval_s)


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


def cell_table(intensities: pd.DataFrame) -> pd.DataFrame:
    """POI means and nucleo-cytoplasmic ratios per cell and frame (a wide table).

    Parameters
    ----------
    intensities : DataFrame
        The intensities table (columns :data:`COLUMNS`).

    Returns
    -------
    DataFrame
        Columns :data:`CELL_COLUMNS`, one row per frame × cell plus ``cell_id`` 0 per frame
        (all cells pooled by area, :func:`pooled_means`). ``nc_ratio`` = nuclear / cytosolic
        POI mean and ``cn_ratio`` its inverse, NaN unless both means are > 0.
    """
    poi = intensities[intensities["channel"] == "poi"]
    pooled = pooled_means(poi).assign(cell_id=0)
    cells = poi.loc[poi["cell_id"] > 0, ["frame", "cell_id", "region", "mean", "area_px"]]
    long = pd.concat([pooled[list(cells.columns)], cells], ignore_index=True)
    wide = long.pivot(index=["frame", "cell_id"], columns="region", values=["mean", "area_px"])
    wide.columns = [f"{region}_{value}" for value, region in wide.columns]
    table = wide.reset_index()
    per_frame = poi.groupby("frame").agg(
        sample=("sample", "first"), time_s=("time_s", "first"), poi_background=("background", "first")
    )
    table = table.join(per_frame, on="frame")
    table = table.rename(columns={"nucleus_mean": "poi_nucleus_mean", "cytosol_mean": "poi_cytosol_mean"})
    nucleus, cytosol = table["poi_nucleus_mean"], table["poi_cytosol_mean"]
    defined = (nucleus > 0) & (cytosol > 0)
    table["nc_ratio"] = (nucleus / cytosol).where(defined)
    table["cn_ratio"] = (cytosol / nucleus).where(defined)
    for column in ("nucleus_area_px", "cytosol_area_px"):
        table[column] = table[column].astype(np.int64)
    return table.sort_values(["frame", "cell_id"], kind="stable").reset_index(drop=True)[list(CELL_COLUMNS)]
