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

log = logging.getLogger(__name__)

#: Fewest cells in a frame for which the quartiles across cells are drawn.
MIN_CELLS_FOR_SPREAD = 3


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
