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
from skimage.morphology import h_maxima
from skimage.segmentation import clear_border, relabel_sequential, watershed

from ..config import THRESHOLD_METHODS, MaskParams
from .labels import LABEL_DTYPE

#: scikit-image's function of each automatic threshold method.
THRESHOLDS = {name: getattr(filters, f"threshold_{name}") for name in THRESHOLD_METHODS}


#: Integer images spanning more levels than this are thresholded from their distinct values:
#: scikit-image's histogram of an integer image has one bin per level (16 GB for 32-bit counts).
MAX_HISTOGRAM_LEVELS = 1 << 16


def threshold_value(image: np.ndarray, method: str | float) -> float:
    """Threshold of ``image`` by a named method, or ``method`` itself when it is a number.

    Parameters
    ----------
    image : (Y, X) ndarray of int or float
    method : str or float
        A key of :data:`THRESHOLDS` or a manual threshold (same units as ``image``).

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
    if image.dtype.kind in "ui" and int(image.max()) - int(image.min()) >= MAX_HISTOGRAM_LEVELS:
        if method in ("otsu", "yen"):
            return float(THRESHOLDS[method](hist=np.unique(image, return_counts=True)[::-1]))
        return float(THRESHOLDS[method](image.astype(np.float64)))
    return THRESHOLDS[method](image)


def nucleus_labels(frame: np.ndarray, params: MaskParams = MaskParams()) -> np.ndarray:
    """Label the nuclei of one nuclear-marker frame (:func:`segment_nuclei` without the threshold)."""
    return segment_nuclei(frame, params)[0]


def segment_nuclei(frame: np.ndarray, params: MaskParams = MaskParams()) -> tuple[np.ndarray, float]:
    """Label the nuclei of one nuclear-marker frame.

    Parameters
    ----------
    frame : (Y, X) ndarray of int or float
        Raw nuclear-marker intensities.
    params : MaskParams
        With the defaults, the classic method.

    Returns
    -------
    labels : (Y, X) ndarray of int32
        0 = background, 1..n = nuclei. By default the connected objects of
        ``frame > threshold_otsu(frame)`` (8-connectivity) in raster order. All zero for a
        constant frame.
    threshold : float
        The threshold of the (smoothed) frame (counts); NaN for a constant frame.
    """
    image = frame
    if params.smooth_sigma_px > 0:
        image = ndimage.gaussian_filter(frame.astype(np.float64), params.smooth_sigma_px)
    if image.min() == image.max():
        return np.zeros(frame.shape, LABEL_DTYPE), float("nan")
    threshold = threshold_value(image, params.threshold)
    mask = image > threshold
    if params.fill_holes:
        mask = ndimage.binary_fill_holes(mask)
    labels = split_touching(mask, params.split_depth_px) if params.split_touching else label(mask)
    cleaned = _clean(labels, params)
    return cleaned.astype(LABEL_DTYPE, copy=False), float(threshold)


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
