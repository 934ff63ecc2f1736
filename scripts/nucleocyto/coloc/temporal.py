"""Correlation of intensity traces over time (one value per frame, NaN where undefined), and the
per-cell translocation table of a movie.

Bleaching (or focus drift) makes every trace of a movie decline together, so two raw traces
correlate positively even when nothing moves between them; detrending each trace first removes
that shared slow trend. Translocation shows as anti-correlated nuclear and cytoplasmic traces.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .grouped import average_ranks

#: Columns of the translocation table, in order (documented in docs/outputs.md).
TEMPORAL_COLUMNS = (
    "sample",
    "cell_id",
    "n_frames",
    "temporal_pearson_r",
    "temporal_spearman_rho",
    "temporal_pearson_r_detrended",
    "temporal_spearman_rho_detrended",
    "xcorr_lag_frames",
    "xcorr_lag_s",
    "xcorr_r",
)

#: Detrending methods of :func:`detrend`.
DETRENDS = ("linear", "exponential", "difference")


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two 1-D series, ignoring positions where either is NaN; NaN if undefined."""
    keep = np.isfinite(a) & np.isfinite(b)
    if keep.sum() < 2:
        return math.nan
    a, b = a[keep] - a[keep].mean(), b[keep] - b[keep].mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b))
    return float(np.clip(a @ b / denominator, -1, 1)) if denominator > 0 else math.nan


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rho (Pearson r of average ranks) over positions where both are finite."""
    keep = np.isfinite(a) & np.isfinite(b)
    return pearson(average_ranks(a[keep]), average_ranks(b[keep]))


def detrend(trace: np.ndarray, method: str) -> np.ndarray:
    """Remove the slow trend of a trace sampled at frames 0..T−1.

    Parameters
    ----------
    trace : (T,) float64
        One value per frame (counts); NaN where undefined.
    method : {"linear", "exponential", "difference"}
        ``linear``: residuals y − (a + b·t) of the least-squares line through the finite
        points. ``exponential``: residuals y − A·exp(−k·t) of a bleaching curve whose log is
        the least-squares line through log y of the positive points. ``difference``: first
        differences y[t] − y[t−1] (NaN at frame 0).

    Returns
    -------
    (T,) float64
        Detrended trace, NaN where the input is NaN (and where the fit is undefined: fewer
        than 2 usable points).
    """
    t = np.arange(len(trace), dtype=np.float64)
    if method == "difference":
        return np.concatenate([[np.nan], np.diff(trace)])
    if method not in DETRENDS:
        raise ValueError(f"unknown detrending method {method!r}; expected one of {DETRENDS}")
    usable = np.isfinite(trace) & (trace > 0 if method == "exponential" else True)
    if usable.sum() < 2:
        return np.full(len(trace), np.nan)
    if method == "linear":
        fit = np.polyval(np.polyfit(t[usable], trace[usable], 1), t)
    else:
        fit = np.exp(np.polyval(np.polyfit(t[usable], np.log(trace[usable]), 1), t))
    return trace - fit


def lagged_pearson(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between ``a[t]`` and ``b[t + lag]`` for lag = −max_lag..max_lag frames.

    Each lag uses the frames where both shifted series are finite. A positive best lag means
    ``b`` follows ``a``.

    Returns
    -------
    lags : (2·max_lag + 1,) int64
    r : (2·max_lag + 1,) float64
        NaN where fewer than 2 frames overlap or a series is constant there.
    """
    lags = np.arange(-max_lag, max_lag + 1)
    n = len(a)
    r = np.array([_shifted_pearson(a, b, int(k)) if abs(k) < n else math.nan for k in lags])
    return lags, r


def _shifted_pearson(a: np.ndarray, b: np.ndarray, lag: int) -> float:
    """Pearson r of ``a[t]`` and ``b[t + lag]`` over the frames both cover (``|lag| < len(a)``)."""
    n = len(a)
    return pearson(a[max(0, -lag) : n - max(0, lag)], b[max(0, lag) : n - max(0, -lag)])


def best_lag(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[float, float]:
    """Lag (frames) of the largest |r| of :func:`lagged_pearson`, and r there.

    Ties go to the smaller |lag| (then the negative one). Returns (NaN, NaN) when no lag has
    a defined r.
    """
    lags, r = lagged_pearson(a, b, max_lag)
    order = np.lexsort((lags, np.abs(lags)))
    magnitude = np.abs(r[order])
    if not np.isfinite(magnitude).any():
        return math.nan, math.nan
    best = order[int(np.nanargmax(magnitude))]
    return float(lags[best]), float(r[best])


def temporal_correlations(
    cells: pd.DataFrame, sample: str, frame_interval_s: float | None, detrending: str, max_lag_frames: int
) -> pd.DataFrame:
    """Per cell, correlation over time between its nuclear and cytoplasmic POI means.

    Parameters
    ----------
    cells : DataFrame
        The cells table of one movie (:func:`nucleocyto.measure.cells.cell_table`): ``frame``,
        ``cell_id``, ``poi_nucleus_mean``, ``poi_cytoplasm_mean``.
    frame_interval_s : float or None
        Seconds between frames; ``xcorr_lag_s`` is NaN when None.
    detrending : str
        Method of :func:`detrend` for the ``*_detrended`` and ``xcorr_*`` columns.
    max_lag_frames : int
        Largest lag (frames) of the cross-correlation.

    Returns
    -------
    DataFrame
        Columns :data:`TEMPORAL_COLUMNS`, one row per cell id, ascending; ``cell_id`` 0 is all
        cells pooled by area (the classic whole-mask traces). Traces span every frame of the
        movie, NaN where the cell is absent.
    """
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    frames = np.arange(int(cells["frame"].max()) + 1)
    rows = []
    for cell_id, cell in cells.groupby("cell_id", sort=True):
        trace = cell.set_index("frame").reindex(frames)
        nucleus = trace["poi_nucleus_mean"].to_numpy(np.float64)
        cytoplasm = trace["poi_cytoplasm_mean"].to_numpy(np.float64)
        flat_nucleus, flat_cytoplasm = detrend(nucleus, detrending), detrend(cytoplasm, detrending)
        lag, lag_r = best_lag(flat_nucleus, flat_cytoplasm, max_lag_frames)
        rows.append(
            (
                sample,
                int(cell_id),
                int((np.isfinite(nucleus) & np.isfinite(cytoplasm)).sum()),
                pearson(nucleus, cytoplasm),
                spearman(nucleus, cytoplasm),
                pearson(flat_nucleus, flat_cytoplasm),
                spearman(flat_nucleus, flat_cytoplasm),
                lag,
                lag * interval,
                lag_r,
            )
        )
    return pd.DataFrame(rows, columns=list(TEMPORAL_COLUMNS))
