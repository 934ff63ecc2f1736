"""Correlation tables of a movie: pixel-wise per frame, and over time per cell.

- Per frame, POI (x) vs nuclear marker (y) inside each cell's region (nucleus ∪ ring), inside
  all cells together, and over the whole frame: every measure of
  :func:`nucleocyto.coloc.colocalisation_by_label`, optionally Costes' randomisation p-value.
- Per cell, over time: nuclear vs cytosolic POI mean traces (:mod:`nucleocyto.temporal`), raw
  and detrended, and their lagged cross-correlation; they anti-correlate when the protein
  shuttles between the two compartments.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .coloc import MEASURES, colocalisation_by_label, costes_pvalue_by_label
from .frames import map_frames
from .measure import pooled_means
from .tables import movie_table
from .temporal import best_lag, detrend, pearson, spearman

#: Scopes of the per-frame correlation table.
SCOPES = ("cell", "all_cells", "frame")

#: Table names of the measures (x = POI, y = nuclear marker).
_NAMES = {"costes_threshold_x": "costes_threshold_poi", "costes_threshold_y": "costes_threshold_nucleus"}

#: Columns of the correlation table, in order (documented in docs/outputs.md).
COLUMNS = (
    "sample", "frame", "time_s", "scope", "cell_id", "pearson_r", "n_px",
    *(_NAMES.get(m, m) for m in MEASURES if m != "pearson_r"), "costes_p",
)

#: Columns of the translocation table, in order (documented in docs/outputs.md).
TEMPORAL_COLUMNS = (
    "sample", "cell_id", "n_frames", "temporal_pearson_r", "temporal_spearman_rho",
    "temporal_pearson_r_detrended", "temporal_spearman_rho_detrended",
    "xcorr_lag_frames", "xcorr_lag_s", "xcorr_r",
)


def frame_correlations(
    frame: np.ndarray,
    nuclei: np.ndarray,
    cytosol: np.ndarray,
    shuffles: int = 0,
    block_px: int = 3,
    rng: np.random.Generator | None = None,
    poi: int = 0,
    marker: int = 1,
) -> pd.DataFrame:
    """POI-vs-marker colocalisation measures of one frame in every scope.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
    nuclei, cytosol : (Y, X) ndarray of int
        Label images; a cell's region is its nucleus plus its ring.
    shuffles : int
        Block shuffles of Costes' randomisation test per scope; 0 leaves ``costes_p`` NaN.
    block_px : int
        Side of the shuffled blocks (px).
    rng : numpy.random.Generator, optional
        Source of the shuffles (required when ``shuffles`` > 0).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` from ``scope`` on: one ``cell`` row per cell, one
        ``all_cells`` row (union of all cell regions, ``cell_id`` 0) and one ``frame`` row
        (every pixel, ``cell_id`` 0).
    """
    x, y = frame[poi], frame[marker]
    cells = np.where(nuclei > 0, nuclei, cytosol)
    ids = np.flatnonzero(np.bincount(nuclei.ravel()))
    ids = ids[ids > 0]
    one = np.array([1])
    scopes = [
        ("cell", cells, ids),
        ("all_cells", (cells > 0).view(np.int8), one),
        ("frame", np.ones(x.shape, np.int8), one),
    ]
    parts = []
    for scope, labels, labelled in scopes:
        part = colocalisation_by_label(x, y, labels, labelled)
        part["costes_p"] = (
            costes_pvalue_by_label(x, y, labels, labelled, block_px, shuffles, rng)
            if shuffles > 0 else np.full(len(labelled), np.nan)
        )
        part["cell_id"] = labelled if scope == "cell" else np.zeros(1, np.int64)
        part["scope"] = np.full(len(labelled), scope, object)
        parts.append(part)
    table = pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    table["cell_id"] = table["cell_id"].astype(np.int64)
    return table.rename(columns=_NAMES)[list(COLUMNS[3:])]


def correlate_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytosol: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    shuffles: int = 0,
    block_px: int = 3,
    seed: int = 0,
    threads: int = 1,
) -> pd.DataFrame:
    """The per-frame correlation table of a movie, a few frames in memory at a time.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray; nuclei, cytosol : (T, Y, X) ndarray of int
        Usually read-only memory maps.
    shuffles, block_px : int
        Costes' randomisation test, see :func:`frame_correlations`.
    seed : int
        Frame t shuffles with ``numpy.random.default_rng((seed, t))``: reproducible, and
        independent of the other frames (and of ``threads``).
    threads : int
        Frames correlated at once (see :func:`nucleocyto.frames.map_frames`).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`.
    """
    frames = map_frames(
        lambda t: frame_correlations(
            np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytosol[t]),
            shuffles, block_px, np.random.default_rng((seed, t)),
        ),
        stack.shape[0],
        threads,
        release=(stack, nuclei, cytosol),
    )
    table = movie_table(frames, sample, frame_interval_s)
    return table[list(COLUMNS)]


def temporal_correlations(
    intensities: pd.DataFrame,
    sample: str,
    frame_interval_s: float | None,
    detrending: str = "linear",
    max_lag_frames: int = 5,
) -> pd.DataFrame:
    """Per cell, correlation over time between nuclear and cytosolic POI means.

    Parameters
    ----------
    intensities : DataFrame
        The intensities table.
    frame_interval_s : float or None
        Seconds between frames; ``xcorr_lag_s`` is NaN when None.
    detrending : str
        Method of :func:`nucleocyto.temporal.detrend` for the ``*_detrended`` and ``xcorr_*``
        columns.
    max_lag_frames : int
        Largest lag (frames) of the cross-correlation.

    Returns
    -------
    DataFrame
        Columns :data:`TEMPORAL_COLUMNS`; ``cell_id`` 0 is all cells pooled by area (the
        classic whole-mask traces). Traces span every frame of the movie, NaN where the cell
        is absent.
    """
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    frames = np.arange(int(intensities["frame"].max()) + 1)
    poi = intensities[intensities["channel"] == "poi"]
    traces = {0: _wide(pooled_means(poi), frames)}
    cells = poi[poi["cell_id"] > 0]
    for cell_id, cell in cells.groupby("cell_id", sort=True):
        traces[int(cell_id)] = _wide(cell, frames)
    rows = []
    for cell_id, wide in traces.items():
        nucleus, cytosol = wide["nucleus"].to_numpy(), wide["cytosol"].to_numpy()
        flat_nucleus, flat_cytosol = detrend(nucleus, detrending), detrend(cytosol, detrending)
        lag, lag_r = best_lag(flat_nucleus, flat_cytosol, max_lag_frames)
        rows.append((
            sample, cell_id, int((np.isfinite(nucleus) & np.isfinite(cytosol)).sum()),
            pearson(nucleus, cytosol), spearman(nucleus, cytosol),
            pearson(flat_nucleus, flat_cytosol), spearman(flat_nucleus, flat_cytosol),
            lag, lag * interval, lag_r,
        ))
    return pd.DataFrame(rows, columns=list(TEMPORAL_COLUMNS))


def _wide(table: pd.DataFrame, frames: np.ndarray) -> pd.DataFrame:
    """frame × region table of POI means over ``frames`` (NaN where a frame has no row)."""
    wide = table.pivot_table(index="frame", columns="region", values="mean", dropna=False)
    return wide.reindex(index=frames, columns=["nucleus", "cytosol"])
