"""Correlation measures of translocation.

- Pixel-wise, per frame: Pearson r between the POI and nuclear-marker channels inside each
  cell's region (nucleus ∪ ring), inside all cells together, and over the whole frame.
- Over time, per cell: Pearson r between the nuclear and cytosolic POI mean traces; it is
  negative when the protein shuttles between the two compartments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .frames import map_frames
from .measure import pooled_means

#: Scopes of the per-frame correlation table.
SCOPES = ("cell", "all_cells", "frame")


def pearson_by_label(
    x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between ``x`` and ``y`` over the pixels of each label.

    Two-pass (centred) sums, so the result matches ``scipy.stats.pearsonr`` closely.

    Parameters
    ----------
    x, y : (Y, X) ndarray
        Two channels of one frame.
    labels : (Y, X) ndarray of int
        Label image, 0 = ignored.
    ids : (n,) ndarray of int
        Labels to report.

    Returns
    -------
    r : (n,) float64
        NaN where a label has fewer than 2 pixels or a constant channel.
    n_px : (n,) int64
        Pixel count of each label.
    """
    flat = labels.ravel()
    size = int(max(flat.max(initial=0), ids.max(initial=0))) + 1
    xs = x.ravel().astype(np.float64)
    ys = y.ravel().astype(np.float64)
    count = np.bincount(flat, minlength=size).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        dx = xs - (np.bincount(flat, weights=xs, minlength=size) / count)[flat]
        dy = ys - (np.bincount(flat, weights=ys, minlength=size) / count)[flat]
        sxy = np.bincount(flat, weights=dx * dy, minlength=size)
        sxx = np.bincount(flat, weights=dx * dx, minlength=size)
        syy = np.bincount(flat, weights=dy * dy, minlength=size)
        r = sxy / np.sqrt(sxx * syy)
    r = np.clip(r, -1.0, 1.0)
    r[count < 2] = np.nan
    return r[ids], count[ids].astype(np.int64)


def frame_correlations(
    frame: np.ndarray, nuclei: np.ndarray, cytosol: np.ndarray, poi: int = 0, marker: int = 1
) -> pd.DataFrame:
    """POI-vs-marker Pearson r of one frame in every scope.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
    nuclei, cytosol : (Y, X) ndarray of int
        Label images; a cell's region is its nucleus plus its ring.

    Returns
    -------
    DataFrame
        Columns ``scope, cell_id, pearson_r, n_px``: one ``cell`` row per cell, one
        ``all_cells`` row (union of all cell regions, ``cell_id`` 0) and one ``frame`` row
        (every pixel, ``cell_id`` 0).
    """
    x, y = frame[poi], frame[marker]
    cells = np.where(nuclei > 0, nuclei, cytosol)
    ids = np.flatnonzero(np.bincount(nuclei.ravel()))
    ids = ids[ids > 0]
    zero = np.array([1])
    r_cell, n_cell = pearson_by_label(x, y, cells, ids)
    r_all, n_all = pearson_by_label(x, y, (cells > 0).astype(np.int8), zero)
    r_frame, n_frame = pearson_by_label(x, y, np.ones(x.shape, np.int8), zero)
    rows = {
        "scope": ["cell"] * len(ids) + ["all_cells", "frame"],
        "cell_id": np.concatenate([ids, [0, 0]]).astype(np.int64),
        "pearson_r": np.concatenate([r_cell, r_all, r_frame]),
        "n_px": np.concatenate([n_cell, n_all, n_frame]),
    }
    return pd.DataFrame(rows)


def correlate_stack(
    stack: np.ndarray, nuclei: np.ndarray, cytosol: np.ndarray, sample: str, frame_interval_s: float | None
) -> pd.DataFrame:
    """The per-frame correlation table of a movie, a few frames in memory at a time.

    Returns
    -------
    DataFrame
        Columns ``sample, frame, time_s, scope, cell_id, pearson_r, n_px``.
    """
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    parts = []
    frames = map_frames(
        lambda t: frame_correlations(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytosol[t])),
        stack.shape[0],
        release=(stack, nuclei, cytosol),
    )
    for t, part in enumerate(frames):
        part.insert(0, "frame", t)
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    table.insert(0, "sample", sample)
    table.insert(2, "time_s", table["frame"] * interval)
    return table


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r of two 1-D series, ignoring positions where either is NaN; NaN if undefined."""
    keep = np.isfinite(a) & np.isfinite(b)
    a, b = a[keep] - a[keep].mean(), b[keep] - b[keep].mean()
    denominator = math.sqrt(float(a @ a) * float(b @ b)) if keep.sum() >= 2 else 0.0
    return float(np.clip(a @ b / denominator, -1, 1)) if denominator > 0 else math.nan


def temporal_correlations(intensities: pd.DataFrame, sample: str) -> pd.DataFrame:
    """Per cell, Pearson r over time between nuclear and cytosolic POI means.

    Parameters
    ----------
    intensities : DataFrame
        The intensities table.

    Returns
    -------
    DataFrame
        Columns ``sample, cell_id, n_frames, temporal_pearson_r``; ``cell_id`` 0 is all cells
        pooled by area (the classic whole-mask traces).
    """
    poi = intensities[intensities["channel"] == "poi"]
    traces = {0: _wide(pooled_means(poi))}
    cells = poi[poi["cell_id"] > 0]
    for cell_id, cell in cells.groupby("cell_id", sort=True):
        traces[int(cell_id)] = _wide(cell)
    rows = []
    for cell_id, wide in traces.items():
        nucleus, cytosol = wide["nucleus"].to_numpy(), wide["cytosol"].to_numpy()
        n_frames = int((np.isfinite(nucleus) & np.isfinite(cytosol)).sum())
        rows.append((sample, cell_id, n_frames, pearson(nucleus, cytosol)))
    return pd.DataFrame(rows, columns=["sample", "cell_id", "n_frames", "temporal_pearson_r"])


def _wide(table: pd.DataFrame) -> pd.DataFrame:
    """frame × region table of POI means."""
    return table.pivot_table(index="frame", columns="region", values="mean", dropna=False).reindex(
        columns=["nucleus", "cytosol"]
    )
