"""The colocalisation measures of one frame in each scope: every cell's region (nucleus ∪ ring),
all cells together, and the whole frame; POI (x) against the nuclear marker (y)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import MARKER, POI
from .costes import Costes, costes_pvalue_by_label
from .pixel import MEASURES, colocalisation_by_label

#: Scopes of the per-frame correlation table.
SCOPES = ("cell", "all_cells", "frame")

#: Table names of the measures (x = POI, y = nuclear marker).
_NAMES = {
    "costes_threshold_x": "costes_threshold_poi",
    "costes_threshold_y": "costes_threshold_marker",
    "rwc_x": "rwc_poi",
    "rwc_y": "rwc_marker",
}

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
    convention: str = "coloc2",
    threshold_percent: float = 15.0,
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
    convention : {"coloc2", "cellprofiler"}
        Definitions of the measures (:func:`nucleocyto.coloc.pixel.colocalisation_by_label`);
        with ``"cellprofiler"`` the cells are CellProfiler's objects (the frame's Costes
        thresholds apply to every cell), the other scopes images.
    threshold_percent : float
        CellProfiler's threshold, in % of each channel's maximum.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` from ``scope`` on: one ``cell`` row per cell, one
        ``all_cells`` row (union of all cell regions, ``cell_id`` 0) and one ``frame`` row
        (every pixel, ``cell_id`` 0).
    """
    x, y = frame[POI], frame[MARKER]
    parts = {}
    for scope, (labels, labelled) in _scope_labels(nuclei, cytoplasm).items():
        objects = _costes_of(parts["frame"]) if scope == "cell" and convention == "cellprofiler" else None
        part = colocalisation_by_label(x, y, labels, labelled, convention, threshold_percent, objects)
        part["costes_p"] = (
            costes_pvalue_by_label(x, y, labels, labelled, block_px, shuffles, rng)
            if shuffles > 0
            else np.full(len(labelled), np.nan)
        )
        part["cell_id"] = labelled if scope == "cell" else np.zeros(1, np.int64)
        part["scope"] = np.full(len(labelled), scope, object)
        parts[scope] = part
    table = pd.DataFrame({name: np.concatenate([parts[s][name] for s in SCOPES]) for name in parts["cell"]})
    table["cell_id"] = table["cell_id"].astype(np.int64)
    return table.rename(columns=_NAMES)[list(COLUMNS[3:])]


def _scope_labels(nuclei: np.ndarray, cytoplasm: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Label image and labels of each scope, the frame first (CellProfiler's objects take its
    Costes thresholds): every pixel as label 1, all cells as label 1, each cell by its id."""
    cells = np.where(nuclei > 0, nuclei, cytoplasm)
    ids = np.flatnonzero(np.bincount(nuclei.ravel()))
    one = np.array([1])
    return {
        "frame": (np.ones(nuclei.shape, np.int8), one),
        "all_cells": ((cells > 0).view(np.int8), one),
        "cell": (cells, ids[ids > 0]),
    }


def _costes_of(measures: dict[str, np.ndarray]) -> Costes:
    """The Costes thresholds in a result of :func:`colocalisation_by_label`."""
    return Costes(measures["costes_threshold_x"], measures["costes_threshold_y"], measures["costes_reason"])
