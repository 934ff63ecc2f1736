"""Mean, median, standard deviation, sum and area of one channel over the pixels of each label.

Statistics come from ``np.bincount`` over the labelled pixels of a region (found once per region
and frame) rather than one boolean mask per cell; the mean of a cell equals
``values[labels == k].mean()`` to floating-point precision.
"""

from __future__ import annotations

import numpy as np

from ..segment.labels import LabelledPixels

#: Medians: ``numpy`` (the middle value, or the mean of the two middle values) or
#: ``cellprofiler`` (MeasureObjectIntensity: the sorted values interpolated at 0-based index n/2).
MEDIANS = ("numpy", "cellprofiler")


def median_ranks(count: np.ndarray, median: str = "numpy") -> tuple[np.ndarray, np.ndarray]:
    """The two 0-based ranks (int64 arrays like ``count``) whose values' mean is the median of
    ``count`` sorted values: ``((n − 1) // 2, n // 2)`` for ``numpy``; for ``cellprofiler``
    ``(n // 2, n // 2)`` when n is even (the upper middle value) and ``(n // 2, n // 2 + 1)``
    when n is odd and above 1 (the middle value and the next, half way)."""
    count = np.asarray(count, np.int64)
    if median == "numpy":
        return (count - 1) // 2, count // 2
    odd = (count % 2 == 1) & (count > 1)
    return count // 2, count // 2 + odd


def label_stats(
    values: np.ndarray, pixels: LabelledPixels, ids: np.ndarray, median: str = "numpy"
) -> dict[str, np.ndarray]:
    """Mean, median, population std, sum and pixel count of ``values`` per label.

    Parameters
    ----------
    values : (Y, X) ndarray of int or float
        One channel of one frame.
    pixels : LabelledPixels
        The labelled pixels of the label image (:func:`nucleocyto.segment.labels.labelled_pixels`).
    ids : (n,) ndarray of int
        Labels to report, each > 0.
    median : str
        Definition of the median, one of :data:`MEDIANS` (see :func:`median_ranks`).

    Returns
    -------
    dict of (n,) float64 arrays
        ``mean``, ``median``, ``std``, ``sum`` and ``area_px`` (float64; NaN statistics where a
        label has no pixel).

    Notes
    -----
    Works on the labelled pixels only. Integer values spanning few levels (the usual camera
    counts) are counted in one (label, value) histogram, which gives exact sums and medians;
    other values are sorted once by (label, value).
    """
    flat_values = values.ravel()[pixels.index]
    size = int(max(pixels.labels.max(initial=0), ids.max(initial=0))) + 1
    levels = _levels(flat_values, size)
    stats = (
        _histogram_stats(pixels.labels, flat_values, size, levels, median)
        if levels is not None
        else _sorted_stats(pixels.labels, flat_values, size, median)
    )
    return {key: column[ids] for key, column in stats.items()}


def _levels(values: np.ndarray, size: int) -> np.ndarray | None:
    """The value levels ``min..max`` (float64) when ``values`` are integers whose histogram per
    label (``size`` × levels bins) is no bigger than a few times the number of values; else None."""
    if values.dtype.kind not in "ui" or len(values) == 0:
        return None
    low, high = int(values.min()), int(values.max())
    if size * (high - low + 1) > 4 * len(values) + 4096:
        return None
    return np.arange(low, high + 1, dtype=np.float64)


def _histogram_stats(
    labels: np.ndarray, values: np.ndarray, size: int, levels: np.ndarray, median: str
) -> dict[str, np.ndarray]:
    """Per-label statistics (arrays of length ``size``) from a (label, level) histogram."""
    span = len(levels)
    bins = labels * span + (values.astype(np.intp) - int(levels[0]))
    histogram = np.bincount(bins, minlength=size * span).reshape(size, span)
    area = histogram.sum(axis=1)
    total = histogram @ levels
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / area
        std = np.sqrt((histogram * (levels - mean[:, None]) ** 2).sum(axis=1) / area)
    cumulative = histogram.cumsum(axis=1)
    lower, upper = ((cumulative <= rank[:, None]).sum(axis=1) for rank in median_ranks(area, median))
    middle = (levels[np.minimum(lower, span - 1)] + levels[np.minimum(upper, span - 1)]) / 2
    return {
        "mean": mean,
        "median": np.where(area > 0, middle, np.nan),
        "std": std,
        "sum": total,
        "area_px": area.astype(np.float64),
    }


def _sorted_stats(labels: np.ndarray, values: np.ndarray, size: int, median: str) -> dict[str, np.ndarray]:
    """Per-label statistics (arrays of length ``size``): sums by ``np.bincount``, medians from
    one sort of the values by (label, value)."""
    as_float = values.astype(np.float64)
    counts = np.bincount(labels, minlength=size)
    area = counts.astype(np.float64)
    total = np.bincount(labels, weights=as_float, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / area
        std = np.sqrt(np.bincount(labels, weights=(as_float - mean[labels]) ** 2, minlength=size) / area)
    ordered = as_float[np.lexsort((values, labels))]
    first = np.cumsum(counts) - counts
    present = counts > 0
    lower, upper = ((first + rank)[present] for rank in median_ranks(counts, median))
    middle = np.full(size, np.nan)
    middle[present] = (ordered[lower] + ordered[upper]) / 2
    return {"mean": mean, "median": middle, "std": std, "sum": total, "area_px": area}
