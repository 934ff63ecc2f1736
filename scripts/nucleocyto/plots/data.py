"""The numbers behind the figures: POI traces per cell and pooled, N/C ratios, the spread across
cells, and which frames and cells to show. Drawing lives in :mod:`nucleocyto.plots.sample`
(one movie) and :mod:`nucleocyto.plots.summary` (all movies).

Everything here reads the cells table (``cells.parquet``, :func:`nucleocyto.measure.cells.cell_table`,
the one place where POI means are paired and N/C ratios computed), so it works whether or not
cell ids are tracked over time: per-frame statistics across cells (pooled means, quartiles) never
assume that ``cell_id`` k in one frame is the same cell as ``cell_id`` k in the next.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import InputError
from ..segment.labels import centroids, labelled_pixels
from .style import time_unit

log = logging.getLogger(__name__)

#: Fewest cells in a frame for which the quartiles across cells are drawn.
MIN_CELLS_FOR_SPREAD = 3

#: Name of the group of samples without a condition.
NO_CONDITION = "(no condition)"


def condition_groups(conditions: dict[str, str]) -> dict[str, list[str]]:
    """{condition: [samples]} in sample-sheet order; samples without one go to
    :data:`NO_CONDITION`."""
    groups: dict[str, list[str]] = {}
    for sample, condition in conditions.items():
        groups.setdefault(condition or NO_CONDITION, []).append(sample)
    return groups


def montage_frames(n_frames: int, request: int | list[int]) -> list[int]:
    """Frame indices for the overlay montage.

    Parameters
    ----------
    n_frames : int
        Frames in the movie.
    request : int or list of int
        A count of evenly spaced frames from the first to the last (fewer for short movies), or
        the 0-based frames themselves; listed frames beyond the movie are dropped with a warning.

    Returns
    -------
    list of int
        Sorted, distinct frame indices.

    Raises
    ------
    InputError
        When none of the listed frames is in the movie.
    """
    if isinstance(request, int):
        return sorted({int(round(i)) for i in np.linspace(0, n_frames - 1, min(request, n_frames))})
    frames = sorted({int(t) for t in request if 0 <= t < n_frames})
    if len(frames) < len(set(request)):
        log.warning(
            "figures.montage_frames: frames %s are not in this %d-frame movie; not shown",
            sorted(set(request) - set(frames)),
            n_frames,
        )
    if not frames:
        raise InputError(f"montage_frames {sorted(request)}: none of these frames is in the {n_frames}-frame movie")
    return frames


def split_cells(cells: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The single cells and the pooled rows of a cells table.

    Parameters
    ----------
    cells : DataFrame
        The cells table (:func:`nucleocyto.measure.cells.cell_table`, ``cells.parquet``).

    Returns
    -------
    single : DataFrame
        Rows with ``cell_id`` > 0: one per frame × cell (frames without nuclei have none).
    pooled : DataFrame
        Rows with ``cell_id`` 0 (all cells pooled by area, the classic whole-mask means), indexed
        by ``frame``: one per frame, NaN means in frames without nuclei.
    """
    single = cells[cells["cell_id"] > 0].reset_index(drop=True)
    pooled = cells[cells["cell_id"] == 0].set_index("frame")
    return single, pooled


def spread(cells: pd.DataFrame, column: str, frames: np.ndarray, min_cells: int = MIN_CELLS_FOR_SPREAD) -> pd.DataFrame:
    """First and third quartile of ``column`` across cells, per frame.

    Parameters
    ----------
    cells : DataFrame
        One row per frame × cell with columns ``frame`` and ``column``.
    frames : (T,) ndarray of int
        Frames to report, in order.
    min_cells : int
        Frames with fewer finite values than this get NaN (no band).

    Returns
    -------
    DataFrame
        Indexed by ``frames``: ``q1``, ``q3`` and ``n`` (finite values in the frame).
    """
    grouped = cells.dropna(subset=[column]).groupby("frame")[column]
    table = pd.DataFrame({"q1": grouped.quantile(0.25), "q3": grouped.quantile(0.75), "n": grouped.size()})
    table = table.reindex(frames)
    table["n"] = table["n"].fillna(0).astype(int)
    table.loc[table["n"] < min_cells, ["q1", "q3"]] = np.nan
    return table


def select_cells(cells: pd.DataFrame, max_cells: int) -> list[int]:
    """The ``max_cells`` cell ids present in the most frames (ties: lowest id), sorted by id."""
    counts = cells.groupby("cell_id")["frame"].nunique()
    ranked = sorted(counts.index, key=lambda cell_id: (-counts[cell_id], cell_id))
    return sorted(int(c) for c in ranked[:max_cells])


def counted_cells(
    cells: pd.DataFrame, n_frames: int, min_track_frames: int, min_area_um2: float
) -> tuple[pd.DataFrame, int]:
    """The single-cell rows of the tracks the per-cell figures and summaries use.

    Parameters
    ----------
    cells : DataFrame
        Single-cell rows of the cells table (``cell_id`` > 0) with ``track_frames`` and
        ``nucleus_area_um2`` (NaN when the pixel size is unknown).
    n_frames : int
        Frames of the movie.
    min_track_frames : int
        A track counts when present in at least this many frames (or in all ``n_frames``).
    min_area_um2 : float
        ... and the median area of its nucleus is at least this (µm²; not checked when unknown).

    Returns
    -------
    kept : DataFrame
        The rows of the tracks that count.
    excluded : int
        Number of track ids left out.
    """
    per_track = cells.groupby("cell_id").agg(frames=("track_frames", "first"), area=("nucleus_area_um2", "median"))
    counts = (per_track["frames"] >= min(min_track_frames, n_frames)) & ~(per_track["area"] < min_area_um2)
    kept = cells[cells["cell_id"].map(counts).fillna(False).astype(bool)].reset_index(drop=True)
    return kept, int((~counts).sum())


def crop_window(nuclei: np.ndarray, size: int, request: str | list[int]) -> tuple[slice, slice] | None:
    """The square crop of the overlay, or None when the frame is no larger than ``size``.

    Parameters
    ----------
    nuclei : (Y, X) ndarray of int
        Nucleus labels of the first frame shown.
    size : int
        Side of the crop (px).
    request : "auto" or [row, column]
        ``"auto"``: the window, on a grid of quarter-crop steps, holding the most nucleus
        centroids (ties: nearest the frame centre); else the given top left corner, moved inside
        the frame if needed.

    Returns
    -------
    (slice, slice) or None
        Rows and columns of the crop (clipped to the frame).
    """
    height, width = nuclei.shape
    if size >= max(height, width):
        return None
    side_y, side_x = min(size, height), min(size, width)
    if request != "auto":
        top, left = min(int(request[0]), height - side_y), min(int(request[1]), width - side_x)
        return slice(top, top + side_y), slice(left, left + side_x)
    pixels = labelled_pixels(nuclei)
    centre_y, centre_x = centroids(pixels, width, np.flatnonzero(np.bincount(pixels.labels))).T
    step = max(size // 4, 1)
    best = None
    for top in sorted({*range(0, height - side_y + 1, step), height - side_y}):
        for left in sorted({*range(0, width - side_x + 1, step), width - side_x}):
            inside = (centre_y >= top) & (centre_y < top + side_y) & (centre_x >= left) & (centre_x < left + side_x)
            off_centre = abs(top + side_y / 2 - height / 2) + abs(left + side_x / 2 - width / 2)
            key = (-int(inside.sum()), off_centre)
            if best is None or key < best[0]:
                best = (key, top, left)
    _, top, left = best
    return slice(top, top + side_y), slice(left, left + side_x)


#: How each response of :data:`nucleocyto.config.RESPONSES` is named in figures.
RESPONSE_LABELS = {"nc_ratio": "N/C ratio", "cn_ratio": "C/N ratio", "nucleus_mean": "nuclear POI mean"}

#: Axis label of each metric of :data:`nucleocyto.config.METRICS`; ``{response}`` is the
#: response's name, ``{unit}`` the time unit.
METRIC_LABELS = {
    "amplitude": "amplitude (Δ {response})",
    "fold_change": "fold change ({response} / baseline)",
    "t_half_s": "half-time ({unit})",
    "time_to_peak_s": "time to peak ({unit})",
    "auc_s": "area of response / baseline − 1 ({unit})",
    "n_pulses": "pulses",
    "pulse_period_s": "pulse period ({unit})",
    "temporal_r_detrended": "temporal r, N vs C (detrended)",
}


def metric_label(metric: str, response: str, unit: str) -> str:
    """The axis label of ``metric`` of the response named ``response`` with times in ``unit``."""
    return METRIC_LABELS[metric].format(response=RESPONSE_LABELS[response], unit=unit)


def aligned_time(responses: pd.DataFrame, stimulated: bool | None) -> tuple[np.ndarray, str]:
    """The x values of time plots across samples and their axis label.

    Parameters
    ----------
    responses : DataFrame
        Rows of the per-sample response tables (``frame``, ``time_from_stimulus_s``).
    stimulated : bool or None
        True when every sample has a stimulation time, False when none has, None when some have.

    Returns
    -------
    x : ndarray of float
        Time from the stimulation (from the first frame without one), in minutes from 5 min on
        and seconds below, rounded to 1e-9 so that equal times of different movies group
        together; the frame number when a movie's frame interval is unknown.
    label : str
    """
    seconds = responses["time_from_stimulus_s"]
    if not len(seconds) or seconds.isna().any():
        return responses["frame"].to_numpy(float), "Frame"
    scale, unit = time_unit(float(seconds.max() - seconds.min()))
    start = {True: "Time from stimulus", False: "Time", None: "Time from stimulus (or first frame)"}[stimulated]
    return (seconds / scale).round(9).to_numpy(), f"{start} ({unit})"


def condition_quantiles(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median and quartiles of ``column`` across the cells of each condition, per time.

    Parameters
    ----------
    responses : DataFrame
        Single-cell rows (``cell_id`` > 0) of all samples' response tables with ``condition``
        and ``x`` (the time, :func:`aligned_time`).

    Returns
    -------
    DataFrame
        Indexed by ``condition, x`` (conditions in order of appearance, times ascending):
        ``median, q1, q3, n`` (cells with a finite value).
    """
    finite = responses.dropna(subset=[column])
    if finite.empty:  # no cell with a value (e.g. no nucleus in any frame): an empty table
        index = pd.MultiIndex.from_arrays([[], []], names=["condition", "x"])
        return pd.DataFrame({"median": [], "q1": [], "q3": [], "n": []}, index=index)
    grouped = finite.groupby(["condition", "x"], sort=False)[column]
    table = pd.DataFrame(
        {"median": grouped.median(), "q1": grouped.quantile(0.25), "q3": grouped.quantile(0.75), "n": grouped.size()}
    )
    order = list(dict.fromkeys(finite["condition"]))
    return table.sort_index(level="x").reindex(order, level="condition")


def replicate_curves(responses: pd.DataFrame, column: str) -> pd.DataFrame:
    """Median of ``column`` across the cells of each replicate, per time: one curve per
    replicate; rows like :func:`condition_quantiles`' input. Indexed by ``condition, replicate,
    x``, column ``median``."""
    finite = responses.dropna(subset=[column])
    curves = finite.groupby(["condition", "replicate", "x"], sort=False)[column].median().rename("median")
    return curves.to_frame().sort_index(level="x", sort_remaining=False)


def heatmap_rows(
    responses: pd.DataFrame, kinetics: pd.DataFrame, column: str, order: str
) -> tuple[np.ndarray, np.ndarray]:
    """The cells × time matrix of one condition, sorted by a metric.

    Parameters
    ----------
    responses : DataFrame
        Single-cell rows of the condition's response tables, with ``x`` (:func:`aligned_time`).
    kinetics : DataFrame
        The kinetics rows of the same samples (``sample``, ``cell_id`` and ``order``).
    column : str
        The value shown (e.g. ``response_ratio``).
    order : str
        Kinetics column the rows are sorted by, largest first (ties in sample and cell order);
        only cells with a value are kept (the others have too few frames or no baseline).

    Returns
    -------
    x : (T,) float
        Times (ascending), the union over the condition's movies.
    values : (n_cells, T) float64
        NaN where a cell has no value at a time.
    """
    wide = responses.pivot_table(index=["sample", "cell_id"], columns="x", values=column, aggfunc="first", dropna=False)
    key = kinetics.set_index(["sample", "cell_id"])[order].reindex(wide.index).astype(float).to_numpy()
    kept = np.flatnonzero(np.isfinite(key))
    ranked = kept[np.lexsort((kept, -key[kept]))]
    return wide.columns.to_numpy(float), wide.to_numpy(np.float64)[ranked]
