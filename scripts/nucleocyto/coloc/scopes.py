"""The colocalisation measures of one frame in each scope: every cell's region (nucleus ∪ ring),
all cells together, and the whole frame; POI (x) against the nuclear marker (y)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import MARKER, POI
from .costes import costes_pvalue_by_label
from .pixel import MEASURES, colocalisation_by_label

#: Scopes of the per-frame correlation table.
SCOPES = ("cell", "all_cells", "frame")

#: Table names of the measures (x = POI, y = nuclear marker).
_NAMES = {"costes_threshold_x": "costes_threshold_poi", "costes_threshold_y": "costes_threshold_marker"}

#: Columns of the correlation table, in order (documented in docs/outputs.md).
COLUMNS = (
    "sample",
    "frame",
    "time_s",
    "scope",
    "cell_id",
    "pearson_r",
    "n_px",
    *(_NAMES.get(m, m) for m in MEASURES if m != "pearson_r"),
    "costes_p",
)


def frame_correlations(
    frame: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    shuffles: int = 0,
    block_px: int = 3,
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """POI-vs-marker colocalisation measures of one frame in every scope.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nuclei, cytoplasm : (Y, X) ndarray of int
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
    x, y = frame[POI], frame[MARKER]
    cells = np.where(nuclei > 0, nuclei, cytoplasm)
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
            if shuffles > 0
            else np.full(len(labelled), np.nan)
        )
        part["cell_id"] = labelled if scope == "cell" else np.zeros(1, np.int64)
        part["scope"] = np.full(len(labelled), scope, object)
        parts.append(part)
    table = pd.DataFrame({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    table["cell_id"] = table["cell_id"].astype(np.int64)
    return table.rename(columns=_NAMES)[list(COLUMNS[3:])]
