"""Nucleus and cytosol-ring label images, frame by frame.

The default reproduces the classic method exactly:

1. nucleus mask = ``frame > threshold_otsu(frame)`` on the raw nuclear-marker frame;
2. each 8-connected object of the mask is a cell (``skimage.measure.label``);
3. the cytosol ring is ``dilation(mask, disk(outer)) XOR dilation(mask, disk(inner))`` and each
   ring pixel carries the label of its nearest nucleus, as ``skimage.segmentation.expand_labels``
   assigns it.

A dilation by ``disk(r)`` is the set of pixels whose Euclidean distance to the mask is at most
``r``, so one Euclidean distance transform gives both dilations and the nearest-nucleus
assignment (the transform ``expand_labels`` itself uses).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage.filters import threshold_otsu
from skimage.measure import label

from .atomic import atomic_path

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
    """
    if not nuclei.any():
        return np.zeros(nuclei.shape, LABEL_DTYPE)
    distance, (rows, cols) = ndimage.distance_transform_edt(nuclei == 0, return_indices=True)
    ring = (distance > inner) & (distance <= outer)
    rings = np.zeros(nuclei.shape, LABEL_DTYPE)
    rings[ring] = nuclei[rows[ring], cols[ring]]
    return rings


def segment_stack(
    stack: np.ndarray,
    nuclei_path: str | Path,
    cytosol_path: str | Path,
    params: MaskParams = MaskParams(),
    nucleus_channel: int = 1,
) -> list[int]:
    """Write nucleus and ring label stacks for a (T, C, Y, X) stack, one frame at a time.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Canonical stack (usually a read-only memory map).
    nuclei_path, cytosol_path : path
        Output ``.npy`` files, each (T, Y, X) int32.

    Returns
    -------
    list of int
        Number of cells found in each frame.
    """
    n_frames, _, height, width = stack.shape
    counts = []
    with atomic_path(nuclei_path) as tmp_nuclei, atomic_path(cytosol_path) as tmp_cytosol:
        nuclei_out = _open_labels(tmp_nuclei, (n_frames, height, width))
        cytosol_out = _open_labels(tmp_cytosol, (n_frames, height, width))
        for t in range(n_frames):
            nuclei = nucleus_labels(np.asarray(stack[t, nucleus_channel]), params)
            nuclei_out[t] = nuclei
            cytosol_out[t] = ring_labels(nuclei, params.ring_inner_px, params.ring_outer_px)
            counts.append(int(nuclei.max()))
            if counts[-1] == 0:
                log.warning("frame %d: empty nucleus mask; its measurements will be NaN", t)
        nuclei_out.flush()
        cytosol_out.flush()
        del nuclei_out, cytosol_out
    return counts


def _open_labels(path: Path, shape: tuple[int, int, int]) -> np.memmap:
    return np.lib.format.open_memmap(path, mode="w+", dtype=LABEL_DTYPE, shape=shape)
