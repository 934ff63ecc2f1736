"""Whole cells grown from their nuclei, for the whole-cell cytoplasm (``masks.cytoplasm: cell``).

Each nucleus seeds one cell. The cells grow over the foreground of a cell channel (its smoothed
frame above a threshold, and no farther than a maximum distance from the nuclei) along the
cheapest paths, where a step costs its length times ``regularization + |gradient|`` of the
channel (normalised to its 1st-99th percentile range): a pixel belongs to the seed it can be
reached from at the least cost. This is CellProfiler's Propagation method (IdentifySecondaryObjects;
Jones, Carpenter and Golland 2005) with the L1 sum of distance and intensity change in place of
their Euclidean combination: a large ``regularization`` gives the nearest nucleus within the
foreground, as CellProfiler's Distance-B; a small one puts the border between touching cells
where the channel changes. Every pixel belongs to at most one cell, and each cell is connected
to its nucleus. The cytoplasm of cell k is its pixels outside every nucleus.

Cells from label images made elsewhere (Cellpose, StarDist, ilastik, CellProfiler) are paired
with the nuclei by overlap (:func:`cells_from_labels`).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage.graph import MCP_Geometric

from ..config import MaskParams
from .labels import LABEL_DTYPE
from .nuclei import threshold_value


def cell_labels(
    nuclei: np.ndarray, channel: np.ndarray, params: MaskParams, min_seed_area_px: int = 0
) -> tuple[np.ndarray, float]:
    """Grow a cell from each nucleus over the foreground of a cell channel.

    Parameters
    ----------
    nuclei : (Y, X) ndarray of int
        Nucleus labels, 0 = background.
    channel : (Y, X) ndarray of int or float
        Raw frame of the channel the cells are grown on (the POI or a cell channel).
    params : MaskParams
        ``cell_smooth_sigma_px``, ``cell_threshold``, ``cell_max_distance_px`` and
        ``cell_regularization``.
    min_seed_area_px : int
        Nuclei with fewer pixels seed no cell (they keep their nucleus, with no cytoplasm).

    Returns
    -------
    cells : (Y, X) ndarray of int32
        Label k on the pixels of the cell of nucleus k, its nucleus included; 0 elsewhere.
    threshold : float
        Foreground threshold of the smoothed channel (counts); NaN for a constant frame, whose
        cells are their nuclei.
    """
    smoothed = _smooth(channel, params.cell_smooth_sigma_px)
    area = np.bincount(nuclei.ravel())
    seeds = np.where(area[nuclei] >= max(min_seed_area_px, 1), nuclei, 0)
    if smoothed.min() == smoothed.max():
        return seeds.astype(LABEL_DTYPE), float("nan")
    threshold = threshold_value(smoothed, params.cell_threshold)
    near = ndimage.distance_transform_edt(nuclei == 0) <= params.cell_max_distance_px
    passable = ((smoothed > threshold) & near) | (nuclei > 0)
    cost = propagation_cost(channel, nuclei, params.cell_smooth_sigma_px, params.cell_regularization)
    return propagate(seeds, passable, cost), float(threshold)


def propagation_cost(channel: np.ndarray, nuclei: np.ndarray, sigma: float, regularization: float) -> np.ndarray:
    """Cost per pixel of a step of the propagation: ``regularization + |gradient|``.

    The gradient (Sobel, per pixel) is that of ``channel`` with every nucleus filled with the
    value of its nearest pixel outside the nuclei, then smoothed by ``sigma`` and divided by the
    range between its 1st and 99th percentile: the edges of the seeds themselves are no border
    between cells. Returns a (Y, X) float64 array.
    """
    image = channel.astype(np.float64)
    if nuclei.any() and not nuclei.all():
        _, (rows, cols) = ndimage.distance_transform_edt(nuclei != 0, return_indices=True)
        image = image[rows, cols]
    image = _smooth(image, sigma)
    low, high = np.percentile(image, [1, 99])
    gradient = np.hypot(ndimage.sobel(image, 0), ndimage.sobel(image, 1)) / 8  # Sobel sums 8 differences
    return regularization + gradient / (high - low if high > low else 1.0)


def propagate(seeds: np.ndarray, passable: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Give each passable pixel to the seed it is reached from at the least cost.

    Parameters
    ----------
    seeds : (Y, X) ndarray of int
        Seed labels, 0 = no seed; seed pixels are passable and keep their label.
    passable : (Y, X) ndarray of bool
        Pixels a cell may hold.
    cost : (Y, X) ndarray of float
        Positive cost per pixel; a step between 8-connected neighbours costs its length times
        the mean of their costs (``skimage.graph.MCP_Geometric``).

    Returns
    -------
    (Y, X) ndarray of int32
        The seed label of every passable pixel connected to a seed through passable pixels, 0
        elsewhere.
    """
    starts = np.argwhere(seeds != 0)
    if len(starts) == 0:
        return np.zeros(seeds.shape, LABEL_DTYPE)
    walk = MCP_Geometric(np.where(passable | (seeds != 0), cost, np.inf))
    cumulative, traceback = walk.find_costs(starts)
    # Each reached pixel's predecessor on its cheapest path; following predecessors ends at a seed.
    steps = np.asarray(walk.offsets) @ np.array([seeds.shape[1], 1])
    index = np.arange(seeds.size)
    flat = traceback.ravel()
    reached = np.isfinite(cumulative.ravel()) & (flat >= 0) & (seeds.ravel() == 0)
    parent = np.where(reached, index - steps[np.maximum(flat, 0)], index)
    while True:  # pointer jumping: halves the remaining path length each pass
        grandparent = parent[parent]
        if np.array_equal(grandparent, parent):
            break
        parent = grandparent
    labels = seeds.ravel()[parent]
    return labels.reshape(seeds.shape).astype(LABEL_DTYPE, copy=False)


def cells_from_labels(nuclei: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Pair a label image of cells made elsewhere with the nuclei.

    Each nucleus belongs to the cell label covering most of its pixels (ties: the lower label).
    A cell label holding one nucleus becomes that nucleus's cell; one holding several is shared
    between them by :func:`propagate` at uniform cost (nearest nucleus within the cell); one
    holding none is not a cell. A nucleus outside every cell label has no cytoplasm.

    Parameters
    ----------
    nuclei, cells : (Y, X) ndarray of int
        Nucleus labels and the given cell labels (any ids), 0 = background.

    Returns
    -------
    (Y, X) ndarray of int32
        Label k on the cell of nucleus k, its nucleus included, as :func:`cell_labels`.
    """
    values, compact = np.unique(cells, return_inverse=True)  # given ids -> 0..m (0 = background if present)
    compact = compact.reshape(cells.shape) + (0 if values[0] == 0 else 1)
    inside = (nuclei != 0) & (compact != 0)
    owner = np.zeros(int(compact.max()) + 1, np.int64)  # nucleus of each compact cell label, -1 if several
    if inside.any():
        pairs, counts = np.unique(np.stack([nuclei[inside], compact[inside]]), axis=1, return_counts=True)
        order = np.lexsort((pairs[1], -counts, pairs[0]))  # per nucleus: most pixels, then lowest cell label
        first = np.unique(pairs[0][order], return_index=True)[1]
        nucleus_ids, cell_ids = pairs[0][order][first], pairs[1][order][first]
        members = np.bincount(cell_ids, minlength=len(owner))
        owner[cell_ids] = np.where(members[cell_ids] == 1, nucleus_ids, -1)
    out = np.where(nuclei != 0, nuclei, np.maximum(owner[compact], 0)).astype(LABEL_DTYPE)
    for cell_id in np.flatnonzero(owner < 0):
        box = ndimage.find_objects((compact == cell_id).astype(np.int8))[0]
        region = compact[box] == cell_id
        mine = nucleus_ids[cell_ids == cell_id]
        seeds = np.where(np.isin(nuclei[box], mine) & region, nuclei[box], 0)
        free = region & (nuclei[box] == 0)
        out[box][free] = propagate(seeds, region, np.ones(region.shape))[free]
    return out


def cytoplasm_labels(cells: np.ndarray, nuclei: np.ndarray) -> np.ndarray:
    """The cytoplasm of each cell: the pixels of cell k outside every nucleus, labelled k
    ((Y, X) int32)."""
    return np.where(nuclei == 0, cells, 0).astype(LABEL_DTYPE, copy=False)


def _smooth(image: np.ndarray, sigma: float) -> np.ndarray:
    """``image`` smoothed by a Gaussian of ``sigma`` px (float64), or itself when sigma is 0."""
    return ndimage.gaussian_filter(image.astype(np.float64), sigma) if sigma > 0 else image
