"""Nucleus labels of one nuclear-marker frame.

The default reproduces the classic method exactly: nucleus mask = ``frame > threshold_otsu(frame)``
on the raw marker frame, and each 8-connected object of the mask is a cell
(``skimage.measure.label``). Options, all off by default: Gaussian smoothing and other thresholds
(Li, triangle, Yen, a manual value), hole filling, splitting touching nuclei by a
distance-transform watershed, clearing objects on the border, an area window.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage import filters
from skimage.measure import label

from ..config import THRESHOLD_METHODS, MaskParams
from .labels import LABEL_DTYPE

#: scikit-image's function of each automatic threshold method.
THRESHOLDS = {name: getattr(filters, f"threshold_{name}") for name in THRESHOLD_METHODS}


#: Integer images spanning more levels than this are thresholded from their distinct values:
#: scikit-image's histogram of an integer image has one bin per level (16 GB for 32-bit counts).
MAX_HISTOGRAM_LEVELS = 1 << 16


def level_counts(image: np.ndarray) -> np.ndarray | None:
    """The pixels of ``image`` at each level 0..max (``np.bincount`` of its values, int64) for an
    8- or 16-bit unsigned image; None for other types. One pass gives Otsu's threshold
    (:func:`threshold_value`) and the saturated fraction
    (:func:`nucleocyto.measure.qc.saturated_fraction`) of a frame."""
    if image.dtype.kind != "u" or image.dtype.itemsize > 2:
        return None
    return np.bincount(image.ravel())


def threshold_value(image: np.ndarray, method: str | float, counts: np.ndarray | None = None) -> float:
    """Threshold of ``image`` by a named method, or ``method`` itself when it is a number.

    Parameters
    ----------
    image : (Y, X) ndarray of int or float
    method : str or float
        A key of :data:`THRESHOLDS` or a manual threshold (same units as ``image``).
    counts : ndarray, optional
        :func:`level_counts` of ``image`` when the caller has it: Otsu's threshold is then
        computed from it (the histogram scikit-image would build) without another pass.

    Notes
    -----
    For 8-, 12- and 16-bit data (at most :data:`MAX_HISTOGRAM_LEVELS` levels) this is
    scikit-image's method on the image. Wider integer data are thresholded without a per-level
    histogram: Otsu and Yen from the histogram of the distinct values (the same threshold, since
    the criterion changes only at occupied levels and the first maximum is at one), triangle and
    Li as for a float image (256 bins of the value range; Li's iteration then runs on the values).
    """
    if not isinstance(method, str):
        return float(method)
    if method == "otsu" and counts is not None and np.count_nonzero(counts) > 1:
        return float(THRESHOLDS[method](hist=(counts, np.arange(counts.size))))
    if image.dtype.kind in "ui" and int(image.max()) - int(image.min()) >= MAX_HISTOGRAM_LEVELS:
        if method in ("otsu", "yen"):
            return float(THRESHOLDS[method](hist=np.unique(image, return_counts=True)[::-1]))
        return float(THRESHOLDS[method](image.astype(np.float64)))
    return THRESHOLDS[method](image)


def nucleus_labels(frame: np.ndarray, params: MaskParams = MaskParams()) -> np.ndarray:
    """Label the nuclei of one nuclear-marker frame (:func:`segment_nuclei` without the threshold)."""
    return segment_nuclei(frame, params)[0]


def segment_nuclei(
    frame: np.ndarray, params: MaskParams = MaskParams(), counts: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """Label the nuclei of one nuclear-marker frame: :func:`mask_labels` of :func:`nucleus_mask`.

    Returns
    -------
    labels : (Y, X) ndarray of int32
        0 = background, 1..n = nuclei. By default the connected objects of
        ``frame > threshold_otsu(frame)`` (8-connectivity) in raster order. All zero for a
        constant frame.
    threshold : float
        The threshold of the (smoothed) frame (counts); NaN for a constant frame.
    """
    mask, threshold = nucleus_mask(frame, params, counts)
    return mask_labels(mask, params), threshold


def nucleus_mask(
    frame: np.ndarray, params: MaskParams = MaskParams(), counts: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """The nucleus pixels of one nuclear-marker frame, before they are labelled.

    Parameters
    ----------
    frame : (Y, X) ndarray of int or float
        Raw nuclear-marker intensities.
    params : MaskParams
        With the defaults, the classic method: ``frame > threshold_otsu(frame)``.
    counts : ndarray, optional
        :func:`level_counts` of ``frame``, when the caller has it (used without smoothing).

    Returns
    -------
    mask : (Y, X) ndarray of bool
        Pixels above the threshold of the (smoothed) frame, holes filled if asked; all False
        for a constant frame.
    threshold : float
        The threshold (counts); NaN for a constant frame.
    """
    image = frame
    if params.smooth_sigma_px > 0:
        image, counts = ndimage.gaussian_filter(frame.astype(np.float64), params.smooth_sigma_px), None
    if (np.count_nonzero(counts) < 2) if counts is not None else (image.min() == image.max()):
        return np.zeros(frame.shape, bool), float("nan")
    threshold = threshold_value(image, params.threshold, counts)
    mask = image > threshold
    if params.fill_holes:
        mask = ndimage.binary_fill_holes(mask)
    return mask, float(threshold)


def mask_labels(mask: np.ndarray, params: MaskParams = MaskParams()) -> np.ndarray:
    """The nuclei of a (Y, X) bool nucleus mask as a label image (int32, 1..n in raster order):
    its 8-connected objects, or touching nuclei split (``split_touching``); then border
    clearing and the area window."""
    labels = split_touching(mask, params.split_depth_px) if params.split_touching else connected_objects(mask)
    return _clean(labels, params).astype(LABEL_DTYPE, copy=False)


def labelled_locally(params: MaskParams) -> bool:
    """Whether :func:`mask_labels` gives each nucleus from the mask within a pixel of it, so it
    may label a mask cut down to its occupied part
    (:mod:`nucleocyto.segment.compaction`): not when clearing the frame's border, which a cut
    moves, nor when splitting touching nuclei (a watershed, left to the whole frame)."""
    return not (params.clear_border or params.split_touching)


def connected_objects(mask: np.ndarray) -> np.ndarray:
    """``skimage.measure.label(mask)``: the 8-connected objects of a (Y, X) bool mask, numbered
    1..n in raster order (int32 image)."""
    return label(mask).astype(LABEL_DTYPE, copy=False)


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
    from skimage.morphology import h_maxima  # options' imports stay in the options (0.2 s a job)
    from skimage.segmentation import watershed

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
    from skimage.segmentation import clear_border, relabel_sequential

    if params.clear_border:
        labels = clear_border(labels)
    area = np.bincount(labels.ravel())
    drop = area < params.min_area_px
    if params.max_area_px is not None:
        drop |= area > params.max_area_px
    drop[0] = False
    labels = np.where(drop[labels], 0, labels)
    return relabel_sequential(labels)[0]
