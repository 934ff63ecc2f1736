"""Nucleus and cytosol-ring label images, frame by frame.

The default reproduces the classic method exactly:

1. nucleus mask = ``frame > threshold_otsu(frame)`` on the raw nuclear-marker frame;
2. each 8-connected object of the mask is a cell (``skimage.measure.label``);
3. the cytosol ring is ``dilation(mask, disk(outer)) XOR dilation(mask, disk(inner))`` and each
   ring pixel carries the label of its nearest nucleus, as ``skimage.segmentation.expand_labels``
   assigns it.

The ring is computed without a distance transform of the whole frame (see :func:`ring_labels`
for why it is bit-identical to the classic computation).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.measure import label

from .atomic import atomic_path
from .frames import FrameWriter, map_frames

log = logging.getLogger(__name__)

LABEL_DTYPE = np.int32


@dataclass(frozen=True)
class MaskParams:
    """Mask parameters (see ``config.yaml`` ``masks:``).

    Attributes
    ----------
    threshold : str
        Threshold method; ``"otsu"`` is the classic one.
    ring_inner_px, ring_outer_px : int
        The ring holds pixels at Euclidean distance d from the nearest nucleus pixel with
        ``inner < d <= outer`` (pixels).
    """

    threshold: str = "otsu"
    ring_inner_px: int = 3
    ring_outer_px: int = 5

    def __post_init__(self) -> None:
        if self.threshold != "otsu":
            raise ValueError(f"masks.threshold: unknown method {self.threshold!r}; use 'otsu'.")
        if not 0 <= self.ring_inner_px < self.ring_outer_px:
            raise ValueError(
                f"masks: need 0 <= ring_inner_px < ring_outer_px, got "
                f"{self.ring_inner_px} and {self.ring_outer_px}."
            )


def nucleus_labels(frame: np.ndarray, params: MaskParams = MaskParams()) -> np.ndarray:
    """Label the nuclei of one nuclear-marker frame.

    Parameters
    ----------
    frame : (Y, X) ndarray of int or float
        Raw nuclear-marker intensities.

    Returns
    -------
    (Y, X) ndarray of int32
        0 = background, 1..n = connected objects of ``frame > threshold_otsu(frame)``
        (8-connectivity), numbered in raster order. All zero for a constant frame.
    """
    if frame.min() == frame.max():
        return np.zeros(frame.shape, LABEL_DTYPE)
    mask = frame > threshold_otsu(frame)
    return label(mask).astype(LABEL_DTYPE, copy=False)


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
    nucleus_channel: int = 1,
    threads: int = 1,
) -> list[int]:
    """Write nucleus and ring label stacks for a (T, C, Y, X) stack, frame by frame.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Canonical stack (usually a read-only memory map).
    nuclei_path, cytosol_path : path
        Output ``.npy`` files, each (T, Y, X) int32.
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

    def segment(t: int) -> tuple[np.ndarray, np.ndarray, int]:
        nuclei = nucleus_labels(np.asarray(stack[t, nucleus_channel]), params)
        return nuclei, ring_labels(nuclei, params.ring_inner_px, params.ring_outer_px), int(nuclei.max())

    counts = []
    with (
        atomic_path(nuclei_path) as tmp_nuclei,
        atomic_path(cytosol_path) as tmp_cytosol,
        FrameWriter(tmp_nuclei, shape, LABEL_DTYPE) as nuclei_out,
        FrameWriter(tmp_cytosol, shape, LABEL_DTYPE) as cytosol_out,
    ):
        for t, (nuclei, rings, count) in enumerate(map_frames(segment, n_frames, threads, release=(stack,))):
            nuclei_out.write(nuclei)
            cytosol_out.write(rings)
            counts.append(count)
            if count == 0:
                log.warning("frame %d: empty nucleus mask; its measurements will be NaN", t)
    return counts
