"""The cytoplasm ring of each nucleus of one frame, and the optional ring filters.

The default reproduces the classic method exactly: the ring is
``dilation(mask, disk(outer)) XOR dilation(mask, disk(inner))`` and each ring pixel carries the
label of its nearest nucleus, as ``skimage.segmentation.expand_labels`` assigns it. It is
computed without a distance transform of the whole frame (see :func:`ring_labels` for why it is
bit-identical). Options, off by default: dropping the contact zones between neighbouring cells
and keeping only ring pixels above a threshold of the POI frame.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ..config import MaskParams
from .labels import LABEL_DTYPE
from .nuclei import threshold_value


def ring_labels(nuclei: np.ndarray, inner: int = 3, outer: int = 5) -> np.ndarray:
    """Cytoplasm ring of each nucleus.

    Parameters
    ----------
    nuclei : (Y, X) ndarray of int
        Nucleus labels, 0 = background.
    inner, outer : int
        Ring radii in pixels: ring pixels lie at distance d with ``inner < d <= outer`` from
        the nearest nucleus pixel, i.e. ``dilation(disk(outer)) XOR dilation(disk(inner))``.

    Returns
    -------
    (Y, X) ndarray of int32
        Label k on the ring pixels nearest to nucleus k (ties as ``expand_labels``), 0 elsewhere.

    Notes
    -----
    Bit-identical to the classic computation, without a transform of the whole frame:

    - the ring is the XOR of two exact disk dilations of the union of nuclei, each computed as
      the union of vertically shifted row dilations (one per row of the disk);
    - owners are resolved per reach: a connected object of the outer dilation. A ring pixel and
      every nucleus pixel within ``outer`` of it lie in one reach (the disk around that nucleus
      pixel joins them), so its owner is a nucleus of its own reach. A reach holding one nucleus
      gives that label to all its ring pixels, in one lookup for the frame; a reach holding
      several runs the same Euclidean feature transform as ``expand_labels`` on its bounding
      box only. The transform picks, among the nearest nucleus pixels, the one with the
      smallest column, then the smallest row; the nearest lie within ``outer``, so in the box,
      and the box gives the owner the whole frame would.

    Nothing here looks further than ``outer`` pixels from a nucleus, so a sparse frame may be cut
    down to the rows and columns within ``outer + 1`` of one (:func:`ring_reach`;
    :mod:`nucleocyto.segment.compaction`).
    """
    found = nuclei != 0
    rings = np.zeros(nuclei.shape, LABEL_DTYPE)
    if not found.any():
        return rings
    row_dilations = _row_dilations(found, outer)
    reach = _disk_dilation(row_dilations, outer)
    ring = reach & ~_disk_dilation(row_dilations, inner)
    reaches, n_reaches = ndimage.label(reach, structure=np.ones((3, 3), bool))
    owners = _sole_nucleus(reaches[found], nuclei[found], n_reaches)
    rings[ring] = owners[reaches[ring]]
    shared = np.flatnonzero(owners == 0)[1:]  # entry 0 is the background, not a reach
    if shared.size == 0:
        return rings
    boxes = ndimage.find_objects(reaches)
    for number in shared.tolist():
        box = boxes[number - 1]
        labels = nuclei[box]
        here = ring[box] & (reaches[box] == number)
        _, (rows, cols) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        rings[box][here] = labels[rows[here], cols[here]]
    return rings


def _sole_nucleus(reaches: np.ndarray, labels: np.ndarray, n_reaches: int) -> np.ndarray:
    """(n_reaches + 1,) array: the one nucleus label of each reach, 0 for a reach holding several
    (and for the background, entry 0), from the reach number and the label of every nucleus pixel."""
    highest = np.zeros(n_reaches + 1, labels.dtype)
    np.maximum.at(highest, reaches, labels)
    lowest = np.full(n_reaches + 1, np.iinfo(labels.dtype).max, labels.dtype)
    np.minimum.at(lowest, reaches, labels)
    return np.where(highest == lowest, highest, 0).astype(LABEL_DTYPE, copy=False)


def cell_rings(nuclei: np.ndarray, params: MaskParams = MaskParams(), poi: np.ndarray | None = None) -> np.ndarray:
    """The cytoplasm rings of one frame: :func:`ring_labels`, then the optional ring filters.

    Parameters
    ----------
    nuclei : (Y, X) ndarray of int
        Nucleus labels, 0 = background.
    params : MaskParams
        Ring radii, ``ring_contact_px`` and ``ring_poi_threshold``.
    poi : (Y, X) ndarray, optional
        Raw POI frame; required when ``params.ring_poi_threshold`` is not ``"none"``.

    Returns
    -------
    (Y, X) ndarray of int32
        Ring labels (ring of nucleus k = k).
    """
    rings = ring_labels(nuclei, params.ring_inner_px, params.ring_outer_px)
    if params.ring_contact_px > 0:
        rings = drop_ring_contacts(nuclei, rings, params.ring_contact_px)
    if params.ring_poi_threshold != "none":
        if poi is None:
            raise ValueError("cell_rings: ring_poi_threshold needs the POI frame.")
        rings = keep_ring_above(rings, poi, params.ring_poi_threshold)
    return rings


def ring_reach(params: MaskParams) -> int | None:
    """How far from a nucleus (px) :func:`cell_rings` looks: the outer radius, plus the contact
    width when contacts are dropped; None when it needs the whole frame (a threshold of the
    whole POI frame, ``ring_poi_threshold``)."""
    if params.ring_poi_threshold != "none":
        return None
    return params.ring_outer_px + params.ring_contact_px


def drop_ring_contacts(nuclei: np.ndarray, rings: np.ndarray, width: int) -> np.ndarray:
    """Remove the ring pixels near another cell.

    Parameters
    ----------
    nuclei, rings : (Y, X) ndarray of int
        Nucleus and ring labels (ring k belongs to nucleus k).
    width : int
        A ring pixel of cell k is dropped when a pixel of another cell (its nucleus or its
        ring) lies within Euclidean distance ``width`` (px, ``disk(width)`` neighbourhood).
        Where two rings meet, this removes a band about ``width`` px wide on each side of the
        border between them.

    Returns
    -------
    (Y, X) ndarray of int32
        ``rings`` with the contact pixels set to 0.
    """
    cells = np.where(nuclei > 0, nuclei, rings)
    rows, cols = np.ogrid[-width : width + 1, -width : width + 1]
    footprint = rows * rows + cols * cols <= width * width  # skimage.morphology.disk(width)
    highest = ndimage.maximum_filter(cells, footprint=footprint, mode="constant", cval=0)
    none = np.iinfo(cells.dtype).max
    lowest = ndimage.minimum_filter(np.where(cells > 0, cells, none), footprint=footprint, mode="constant", cval=none)
    contact = (rings > 0) & ((highest > rings) | (lowest < rings))
    return np.where(contact, 0, rings).astype(LABEL_DTYPE, copy=False)


def keep_ring_above(rings: np.ndarray, poi: np.ndarray, method: str | float) -> np.ndarray:
    """Keep only the ring pixels where the POI channel is above a threshold.

    Parameters
    ----------
    rings : (Y, X) ndarray of int
        Ring labels.
    poi : (Y, X) ndarray of int or float
        Raw POI frame.
    method : str or float
        Threshold method of the whole POI frame (see :func:`threshold_value`) or a manual value
        (counts). Ring pixels with ``poi <= threshold`` (outside the cell) are dropped. A
        method has nothing to separate in a constant frame, whose rings are kept whole.

    Returns
    -------
    (Y, X) ndarray of int32
    """
    if isinstance(method, str) and poi.min() == poi.max():
        return rings.astype(LABEL_DTYPE, copy=False)
    inside = poi > threshold_value(poi, method)
    return np.where(inside, rings, 0).astype(LABEL_DTYPE, copy=False)


def _row_dilations(mask: np.ndarray, radius: int) -> list[np.ndarray]:
    """``[mask dilated along X by w pixels for w in 0..radius]``, each (Y, X) bool.

    Works on the flattened mask with ``radius`` empty columns appended to every row, so a
    shift by one element is a shift along X and nothing spreads from one row into the next.
    """
    height, width = mask.shape
    padded = np.zeros((height, width + radius), bool)
    padded[:, :width] = mask
    dilations = [padded.ravel()]
    for _ in range(radius):
        grown = dilations[-1].copy()
        grown[1:] |= dilations[-1][:-1]
        grown[:-1] |= dilations[-1][1:]
        dilations.append(grown)
    return [flat.reshape(height, width + radius)[:, :width] for flat in dilations]


def _disk_dilation(row_dilations: list[np.ndarray], radius: int) -> np.ndarray:
    """Dilation by ``skimage.morphology.disk(radius)`` (offsets with dy² + dx² <= radius²),
    from the row dilations of :func:`_row_dilations`: row dy of the disk spans
    ``|dx| <= isqrt(radius² - dy²)``."""
    dilated = row_dilations[radius].copy()
    for dy in range(1, radius + 1):
        row = row_dilations[math.isqrt(radius * radius - dy * dy)]
        dilated[dy:] |= row[:-dy]
        dilated[:-dy] |= row[dy:]
    return dilated
