"""Nucleus and cytosol-ring label images, frame by frame.

The default reproduces the classic method exactly:

1. nucleus mask = ``frame > threshold_otsu(frame)`` on the raw nuclear-marker frame;
2. each 8-connected object of the mask is a cell (``skimage.measure.label``);
3. the cytosol ring is ``dilation(mask, disk(outer)) XOR dilation(mask, disk(inner))`` and each
   ring pixel carries the label of its nearest nucleus, as ``skimage.segmentation.expand_labels``
   assigns it.

The ring is computed without a distance transform of the whole frame (see :func:`ring_labels`
for why it is bit-identical to the classic computation).

Options, all off by default: Gaussian smoothing and other thresholds (Li, triangle, Yen, a
manual value), hole filling, splitting touching nuclei by a distance-transform watershed,
clearing objects on the border, an area window; for rings, dropping the contact zones between
neighbouring cells and keeping only ring pixels above a threshold on the POI channel.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage import filters
from skimage.measure import label
from skimage.morphology import disk, h_maxima
from skimage.segmentation import clear_border, relabel_sequential, watershed

from .atomic import atomic_path
from .frames import LabelStackWriter, label_dtype, map_frames
from .labels import LabelledPixels, labelled_pixels, paint
from .params import THRESHOLD_METHODS, MaskParams, TrackParams
from .tracking import FrameObjects, Tracker, frame_objects

log = logging.getLogger(__name__)

LABEL_DTYPE = np.int32

#: scikit-image's function of each automatic threshold method.
THRESHOLDS = {name: getattr(filters, f"threshold_{name}") for name in THRESHOLD_METHODS}


def threshold_value(image: np.ndarray, method: str | float) -> float:
    """Threshold of ``image`` by a named method, or ``method`` itself when it is a number.

    Parameters
    ----------
    image : (Y, X) ndarray of int or float
    method : str or float
        A key of :data:`THRESHOLDS` or a manual threshold (same units as ``image``).
    """
    return THRESHOLDS[method](image) if isinstance(method, str) else float(method)


def nucleus_labels(frame: np.ndarray, params: MaskParams = MaskParams()) -> np.ndarray:
    """Label the nuclei of one nuclear-marker frame.

    Parameters
    ----------
    frame : (Y, X) ndarray of int or float
        Raw nuclear-marker intensities.
    params : MaskParams
        With the defaults, the classic method.

    Returns
    -------
    (Y, X) ndarray of int32
        0 = background, 1..n = nuclei. By default the connected objects of
        ``frame > threshold_otsu(frame)`` (8-connectivity) in raster order. All zero for a
        constant frame.
    """
    image = frame
    if params.smooth_sigma_px > 0:
        image = ndimage.gaussian_filter(frame.astype(np.float64), params.smooth_sigma_px)
    if image.min() == image.max():
        return np.zeros(frame.shape, LABEL_DTYPE)
    mask = image > threshold_value(image, params.threshold)
    if params.fill_holes:
        mask = ndimage.binary_fill_holes(mask)
    labels = split_touching(mask, params.split_depth_px) if params.split_touching else label(mask)
    cleaned = _clean(labels, params)
    return cleaned.astype(LABEL_DTYPE, copy=False)


def split_touching(mask: np.ndarray, depth: float = 2.0) -> np.ndarray:
    """Split touching nuclei with a watershed of the Euclidean distance transform.

    The seeds are the h-maxima of the distance transform (regional maxima at least ``depth``
    above the saddle to any higher maximum), so a bumpy outline does not split a nucleus but a
    neck between two round nuclei does.

    Parameters
    ----------
    mask : (Y, X) ndarray of bool
        Nucleus pixels.
    depth : float
        Minimum dip of the distance transform between two seeds (px).

    Returns
    -------
    (Y, X) ndarray of int32
        1..n numbered in raster order of each object's first pixel; every mask pixel labelled.
    """
    distance = ndimage.distance_transform_edt(mask)
    markers, n_seeds = label(h_maxima(distance, depth), return_num=True)
    split = watershed(-distance, markers, connectivity=2, mask=mask)
    # objects thinner than 2 * depth hold no seed: they keep a label of their own
    orphans = label(mask & (split == 0))
    split[orphans > 0] = orphans[orphans > 0] + n_seeds
    return _raster_order(split)


def _raster_order(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1..n in raster order of each label's first pixel."""
    values, first = np.unique(labels.ravel(), return_index=True)
    order = np.argsort(first[values > 0], kind="stable")
    mapping = np.zeros(int(values.max()) + 1, LABEL_DTYPE)
    mapping[values[values > 0][order]] = np.arange(1, len(order) + 1)
    return mapping[labels]


def _clean(labels: np.ndarray, params: MaskParams) -> np.ndarray:
    """Apply border clearing and the area window; renumber 1..n keeping the order."""
    if not (params.clear_border or params.min_area_px > 0 or params.max_area_px is not None):
        return labels
    if params.clear_border:
        labels = clear_border(labels)
    area = np.bincount(labels.ravel())
    drop = area < params.min_area_px
    if params.max_area_px is not None:
        drop |= area > params.max_area_px
    drop[0] = False
    labels = np.where(drop[labels], 0, labels)
    return relabel_sequential(labels)[0]


def ring_labels(nuclei: np.ndarray, inner: int = 3, outer: int = 5) -> np.ndarray:
    """Cytosol ring of each nucleus.

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
    - owners are resolved per group of nearby nuclei. A pixel of the ring lies within ``outer``
      of its owner, so it lies in the group's box grown by ``outer``, and every nucleus pixel
      that can own it lies in the box grown by ``2 * outer``. A window holding one label gives
      that label to its ring pixels; a window holding several runs the same Euclidean feature
      transform as ``expand_labels`` on the window only. The transform picks, among the
      nearest nucleus pixels, the one with the smallest column, then the smallest row; that
      choice depends only on pixels within the ring distance, so the window gives the owner
      the whole frame would.
    """
    found = nuclei != 0
    rings = np.zeros(nuclei.shape, LABEL_DTYPE)
    if not found.any():
        return rings
    row_dilations = _row_dilations(found, outer)
    ring = _disk_dilation(row_dilations, outer) & ~_disk_dilation(row_dilations, inner)
    for box in _occupied_boxes(found, gap=2 * outer):
        window = _grow(box, 2 * outer, nuclei.shape)
        near = _grow(box, outer, nuclei.shape)
        labels = nuclei[window]
        here = ring[near]
        top = labels.max()
        if not np.any((labels != 0) & (labels != top)):
            rings[near][here] = top
            continue
        _, (rows, cols) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
        inside = tuple(slice(n.start - w.start, n.stop - w.start) for n, w in zip(near, window))
        rings[near][here] = labels[rows[inside][here], cols[inside][here]]
    return rings


def cell_rings(
    nuclei: np.ndarray, params: MaskParams = MaskParams(), poi: np.ndarray | None = None
) -> np.ndarray:
    """The cytosol rings of one frame: :func:`ring_labels`, then the optional ring filters.

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
    footprint = disk(width)
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


def _occupied_boxes(mask: np.ndarray, gap: int) -> list[tuple[slice, slice]]:
    """Boxes covering every True pixel of ``mask`` (recursive XY cut).

    A box is cut where more than ``gap`` consecutive rows (or columns) of it are empty, so
    distant groups of nuclei get boxes of their own. Returns (row slice, column slice) pairs;
    each True pixel lies in exactly one box.
    """
    boxes = []
    pending = [(0, mask.shape[0], 0, mask.shape[1])]
    while pending:
        top, bottom, left, right = pending.pop()
        part = mask[top:bottom, left:right]
        rows = top + np.flatnonzero(part.any(axis=1))
        if rows.size == 0:
            continue
        cols = left + np.flatnonzero(mask[rows[0] : rows[-1] + 1, left:right].any(axis=0))
        row_runs, col_runs = _runs(rows, gap), _runs(cols, gap)
        if len(row_runs) > 1:
            pending += [(start, stop, cols[0], cols[-1] + 1) for start, stop in row_runs]
        elif len(col_runs) > 1:
            pending += [(rows[0], rows[-1] + 1, start, stop) for start, stop in col_runs]
        else:
            boxes.append((slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)))
    return boxes


def _runs(indices: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, stop) of the runs of sorted ``indices`` separated by more than ``gap`` missing ones."""
    cuts = np.flatnonzero(indices[1:] - indices[:-1] > gap + 1).tolist()
    starts = [indices[0], *(indices[c + 1] for c in cuts)]
    stops = [*(indices[c] + 1 for c in cuts), indices[-1] + 1]
    return list(zip(starts, stops))


def _grow(box: tuple[slice, slice], margin: int, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """``box`` grown by ``margin`` pixels on every side, clipped to ``shape``."""
    return tuple(slice(max(s.start - margin, 0), min(s.stop + margin, n)) for s, n in zip(box, shape))


def segment_stack(
    stack: np.ndarray,
    nuclei_path: str | Path,
    cytosol_path: str | Path,
    params: MaskParams = MaskParams(),
    tracking: TrackParams = TrackParams(),
    nucleus_channel: int = 1,
    poi_channel: int = 0,
    threads: int = 1,
) -> list[int]:
    """Write nucleus and ring label stacks for a (T, C, Y, X) stack, frame by frame.

    Each frame is segmented, its nuclei are relabelled with track ids (when tracking is on;
    see :class:`nucleocyto.tracking.Tracker`), and its rings are derived from those labels,
    so both stacks carry the track ids.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Canonical stack (usually a read-only memory map).
    nuclei_path, cytosol_path : path
        Output ``.npy`` files, each (T, Y, X) uint8, uint16 or int32: the narrowest that holds
        the movie's cell ids (see :class:`nucleocyto.frames.LabelStackWriter`).
    params : MaskParams
    tracking : TrackParams
    nucleus_channel, poi_channel : int
        Channel indices in ``stack``.
    threads : int
        Frames segmented at once (see :func:`nucleocyto.frames.map_frames`); memory stays
        bounded whatever the number of frames.

    Returns
    -------
    list of int
        Number of cells found in each frame.
    """
    n_frames, _, height, width = stack.shape
    shape = (n_frames, height, width)
    tracker = Tracker(tracking)

    def segment(t: int) -> tuple[np.ndarray, FrameObjects, LabelledPixels]:
        nuclei = nucleus_labels(np.asarray(stack[t, nucleus_channel]), params)
        poi = np.asarray(stack[t, poi_channel]) if params.ring_poi_threshold != "none" else None
        return nuclei, frame_objects(nuclei), labelled_pixels(cell_rings(nuclei, params, poi))

    counts = []
    with (
        atomic_path(nuclei_path) as tmp_nuclei,
        atomic_path(cytosol_path) as tmp_cytosol,
        LabelStackWriter(tmp_nuclei, shape, background=threads > 1) as nuclei_out,
        LabelStackWriter(tmp_cytosol, shape, background=threads > 1) as cytosol_out,
    ):
        frames = map_frames(segment, n_frames, threads, release=(stack,))
        for t, (nuclei, objects, rings) in enumerate(frames):
            # Rings depend on pixel positions only, not on label values, so relabelling the
            # nuclei and the rings with the same track ids equals deriving the rings afterwards.
            track_ids = tracker.link(objects, nuclei)
            track_ids = track_ids.astype(label_dtype(int(track_ids.max())))
            nuclei_out.write(paint(objects.pixels, track_ids, nuclei.shape))
            cytosol_out.write(paint(rings, track_ids, nuclei.shape))
            counts.append(len(objects.ids))
            if counts[-1] == 0:
                log.warning("frame %d: empty nucleus mask; its measurements will be NaN", t)
    if tracking.method != "none":
        log.info("tracking (%s): %d tracks", tracking.method, tracker.n_tracks)
    return counts
