"""The pixels of every label of a label image at once, as the colocalisation measures need them.

Each channel's distinct values within each label are found first ("bins": counted with
``np.bincount`` for integer images, sorted otherwise); ranks and Costes' candidate thresholds
come from them. Pixels with the same label and the same pair of bins are then merged into one
weighted point, so on integer images most sums run over far fewer points than pixels. Per-label
("per group") sums and moments of the points follow. ``x`` is the first channel, ``y`` the second.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: Integer channels are binned, and pixels merged into points, through dense count arrays (int64)
#: of at most this many entries per pixel (or 2**16 entries); beyond that values are sorted and
#: pixels stay single points. Merging still pays at ~5 entries per pixel.
DENSE_PER_PIXEL = 8


class Bins(NamedTuple):
    """The distinct values of one channel within each group, ordered by group, then value."""

    code: np.ndarray | None  #: (m,) intp, each pixel's bin; None where the points came from joint counts
    group: np.ndarray  #: (D,) intp, each bin's group
    value: np.ndarray  #: (D,) float64, each bin's value
    count: np.ndarray  #: (D,) int64, pixels per bin (≥ 1)


class Points(NamedTuple):
    """Weighted points: pixels of one group with the same x bin and the same y bin, merged."""

    group: np.ndarray  #: (P,) intp
    x_bin: np.ndarray  #: (P,) intp, index into the x bins
    y_bin: np.ndarray  #: (P,) intp, index into the y bins
    weight: np.ndarray | None  #: (P,) float64, pixels per point; None: each point is one pixel


class Moments(NamedTuple):
    """Per-group moments of weighted points, and the per-point terms they sum."""

    count: np.ndarray  #: (n,) float64, pixels
    mean_x: np.ndarray  #: (n,) float64
    mean_y: np.ndarray  #: (n,) float64
    sum_x: np.ndarray  #: (n,) float64, Σx
    sum_y: np.ndarray  #: (n,) float64, Σy
    sxx: np.ndarray  #: (n,) float64, Σ(x−x̄)²
    syy: np.ndarray  #: (n,) float64, Σ(y−ȳ)²
    sxy: np.ndarray  #: (n,) float64, Σ(x−x̄)(y−ȳ)
    xx: np.ndarray  #: (n,) float64, Σx²
    yy: np.ndarray  #: (n,) float64, Σy²
    xy: np.ndarray  #: (n,) float64, Σxy
    weighted: tuple[np.ndarray, np.ndarray]  #: per point: w·x, w·y
    #: per point: weight w (None: 1), w·dx, w·dy, w·dx², w·dy², w·dx·dy with dx, dy the deviations
    #: from a centre per group (the rounded mean for integer values, so their sums stay exact)
    terms: tuple[np.ndarray | None, ...]


def label_groups(labels: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (intp) of the pixels whose label is in ``ids`` and their position in ``ids``."""
    flat = labels.ravel()
    if len(ids) == 1:
        where = np.flatnonzero(flat == ids[0])
        return where, np.zeros(len(where), np.intp)
    lookup = np.full(int(max(flat.max(initial=0), ids.max(initial=0))) + 1, -1, np.intp)
    lookup[ids] = np.arange(len(ids))
    where = np.flatnonzero(flat) if lookup[0] < 0 else np.arange(len(flat))  # label 0: usually background
    group = lookup[flat[where]]
    inside = group >= 0
    return where[inside], group[inside]


def values_at(image: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Values of ``image`` at the flat indices ``where`` (a view when they are all pixels)."""
    flat = image.ravel()
    return flat if len(where) == len(flat) else flat[where]


def per_pixel(per_group: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``per_group[group]``; just the value when there is one group."""
    return per_group[0] if len(per_group) == 1 else per_group[group]


def group_sums(group: np.ndarray, n: int, *weights: np.ndarray | None) -> list[np.ndarray]:
    """Per-group sums of each weight array (float64, length ``n``); None counts the elements."""
    if n == 1:  # one group: a plain (pairwise) sum
        return [np.array([float(len(group) if w is None else w.sum())]) for w in weights]
    return [np.bincount(group, weights=w, minlength=n).astype(np.float64) for w in weights]


def weight_by(weight: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """``weight * values``, or ``values`` when every weight is 1 (None)."""
    return values if weight is None else weight * values


def group_starts(group: np.ndarray, n: int) -> np.ndarray:
    """Index of the first element of each group 0..n-1 in ``group`` (sorted): (n,) intp."""
    return np.searchsorted(group, np.arange(n))


def dense_ranks(bins: Bins, n: int) -> np.ndarray:
    """Each bin's rank among the distinct values of its group, 0 for the smallest: (D,) intp."""
    return np.arange(len(bins.group)) - group_starts(bins.group, n)[bins.group]


def value_range(bins: Bins, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest value of each group, (n,) float64 each; NaN for a group without pixels."""
    first, stop = group_starts(bins.group, n), np.searchsorted(bins.group, np.arange(n), side="right")
    present = stop > first
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    low[present], high[present] = bins.value[first[present]], bins.value[stop[present] - 1]
    return low, high


def value_bins(v: np.ndarray, group: np.ndarray, n: int) -> Bins:
    """Bins of the values ``v`` (m,) of pixels of groups ``group`` (m,) in ``0..n-1``."""
    m = len(v)
    key = None  # one integer per pixel ordering by group, then value
    if np.issubdtype(v.dtype, np.integer) and np.can_cast(v.dtype, np.intp) and m:
        low, high = int(v.min()), int(v.max())
        span = high - low + 1
        if n * span <= DENSE_PER_PIXEL * max(m, 2**16):
            key = v.astype(np.intp) - low
            if n > 1:
                key += group * span
            count = np.bincount(key, minlength=n * span)
            present = np.flatnonzero(count)
            index = np.zeros(n * span, np.intp)
            index[present] = np.arange(len(present))
            group_of, offset = np.divmod(present, span)
            return Bins(index[key], group_of, (offset + low).astype(np.float64), count[present])
        if n * span <= 2**62:
            key = group.astype(np.int64) * span + (v.astype(np.int64) - low)
    if key is not None or n == 1:
        order = np.argsort(v if key is None else key, kind="stable")
    else:
        order = np.lexsort((v, group))
    vs, gs = v[order], group[order]
    new = np.ones(m, bool)
    new[1:] = (vs[1:] != vs[:-1]) | (gs[1:] != gs[:-1])
    code = np.empty(m, np.intp)
    code[order] = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    return Bins(code, gs[first], vs[first].astype(np.float64), np.diff(np.append(first, m)))


def y_columns(by: Bins, n: int) -> tuple[np.ndarray, int]:
    """The dense grid of (x bin, y bin) pairs the points are counted on: the first y bin of each
    group ((n,) intp; a point's column is its y bin minus its group's) and the grid's width (the
    most y bins of a group)."""
    y_start = group_starts(by.group, n)
    return y_start, int(np.diff(np.append(y_start, len(by.group))).max(initial=0))


def merge_points(bx: Bins, by: Bins, group: np.ndarray, n: int) -> Points:
    """Merge the pixels with the same group, x bin and y bin into weighted points.

    The pixels stay single points (weight None) when the count array (x bins × most y bins of a
    group) would be too large, as for float images and integer images of wide range.
    """
    m = len(group)
    y_start, width = y_columns(by, n)
    size = len(bx.group) * width
    if not m or size > DENSE_PER_PIXEL * max(m, 2**16):
        return Points(group, bx.code, by.code, None)
    y_local = by.code - y_start[group] if n > 1 else by.code
    count = np.bincount(bx.code * width + y_local, minlength=size)
    pairs = np.flatnonzero(count)
    x_bin, y_local = np.divmod(pairs, width)
    point_group = bx.group[x_bin]
    return Points(point_group, x_bin, y_local + y_start[point_group], count[pairs].astype(np.float64))


def joint_points(x: np.ndarray, y: np.ndarray) -> tuple[Bins, Bins, Points] | None:
    """The bins of both channels and the merged points of one group of pixels, (m,) integer
    values each, from one count of their (x, y) pairs: what :func:`value_bins` and
    :func:`merge_points` give (without the pixels' bin codes), in one pass over the pixels
    instead of five. None when the values are not integers or the pairs' dense count array would
    be larger than :func:`merge_points` allows."""
    m = len(x)
    if not m or not all(np.issubdtype(v.dtype, np.integer) and np.can_cast(v.dtype, np.intp) for v in (x, y)):
        return None
    low_x, low_y = int(x.min()), int(y.min())
    span_x, span_y = int(x.max()) - low_x + 1, int(y.max()) - low_y + 1
    if span_x * span_y > DENSE_PER_PIXEL * max(m, 2**16):
        return None
    key = x.astype(np.intp)
    key -= low_x
    key *= span_y
    key += y
    key -= low_y
    grid = np.bincount(key, minlength=span_x * span_y).reshape(span_x, span_y)
    bins, present = [], []  # each channel's bins, and their rows (columns) of the grid
    for counts, low in ((grid.sum(axis=1), low_x), (grid.sum(axis=0), low_y)):
        present.append(np.flatnonzero(counts))
        bins.append(
            Bins(None, np.zeros(len(present[-1]), np.intp), (present[-1] + low).astype(np.float64), counts[present[-1]])
        )
    occupied = grid[np.ix_(*present)]
    pairs = np.flatnonzero(occupied)
    x_bin, y_bin = np.divmod(pairs, occupied.shape[1])
    weight = occupied.ravel()[pairs].astype(np.float64)
    return bins[0], bins[1], Points(np.zeros(len(pairs), np.intp), x_bin, y_bin, weight)


def group_moments(
    x: np.ndarray,
    y: np.ndarray,
    group: np.ndarray,
    n: int,
    weight: np.ndarray | None = None,
    integer: tuple[bool, bool] = (False, False),
) -> Moments:
    """Moments of the points (x, y) (P,) float64 with weights (P,) (None: 1) per group.

    Deviations are taken from a centre per group: the mean, or its rounding for a channel marked
    ``integer`` (integer values: exact sums); the sums of squares and products are corrected for
    the centre's offset from the mean (Σ(x−x̄)² = Σdx² − (Σdx)²/N), and give the raw ones
    (Σx² = Σdx² + c·(2Σdx + N·c) for the centre c).
    """
    weighted = weight_by(weight, x), weight_by(weight, y)
    count, sum_x, sum_y = group_sums(group, n, weight, *weighted)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = sum_x / count, sum_y / count
        cx, cy = (np.round(mean) if exact else mean for mean, exact in ((mean_x, integer[0]), (mean_y, integer[1])))
        dx, dy = x - per_pixel(cx, group), y - per_pixel(cy, group)
        wdx, wdy = weight_by(weight, dx), weight_by(weight, dy)
        terms = (weight, wdx, wdy, wdx * dx, wdy * dy, wdx * dy)
        sdx, sdy, sdxx, sdyy, sdxy = group_sums(group, n, *terms[1:])
        sxx, syy, sxy = sdxx - sdx * sdx / count, sdyy - sdy * sdy / count, sdxy - sdx * sdy / count
        xx, yy = sdxx + cx * (2 * sdx + count * cx), sdyy + cy * (2 * sdy + count * cy)
        xy = sdxy + cy * sdx + cx * sdy + count * cx * cy
    return Moments(count, mean_x, mean_y, sum_x, sum_y, sxx, syy, sxy, xx, yy, xy, weighted, terms)


def correlation_of(sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray) -> np.ndarray:
    """r = Sxy / √(Sxx Syy), clipped to [−1, 1]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)


def pearson_by_group(x: np.ndarray, y: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Per-group Pearson r of float pixels, from centred sums; NaN below 2 pixels or for a constant."""
    moments = group_moments(x, y, group, n)
    r = correlation_of(moments.sxx, moments.syy, moments.sxy)
    r[moments.count < 2] = np.nan
    return r


class Scope(NamedTuple):
    """The pixels of the labels of one frame, binned and merged into points, and their moments."""

    n: int
    bins_x: Bins
    bins_y: Bins
    points: Points
    moments: Moments
    defined: np.ndarray  #: (n,) bool: at least 2 distinct values of each channel
    integer: bool  #: every value of both channels is a whole number
    values: tuple[np.ndarray, np.ndarray]  #: (P,) float64 each: x and y of each point


def scope_pixels(x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> Scope:
    """Bins, points and moments of the pixels of each label in ``ids``."""
    n = len(ids)
    where, group = label_groups(labels, ids)
    pixels = [values_at(image, where) for image in (x, y)]
    joint = joint_points(*pixels) if n == 1 else None
    if joint is None:
        bins_x, bins_y = (value_bins(values, group, n) for values in pixels)
        points = merge_points(bins_x, bins_y, group, n)
    else:
        bins_x, bins_y, points = joint
    if points.weight is None:  # the points are the pixels
        values = [np.asarray(channel, np.float64) for channel in pixels]
    else:
        values = [bins_x.value[points.x_bin], bins_y.value[points.y_bin]]
    integer = tuple(bool(np.array_equal(bins.value, np.round(bins.value))) for bins in (bins_x, bins_y))
    moments = group_moments(*values, points.group, n, points.weight, integer)
    distinct = [np.bincount(bins.group, minlength=n) for bins in (bins_x, bins_y)]
    defined = (distinct[0] >= 2) & (distinct[1] >= 2) & (moments.sxx > 0) & (moments.syy > 0)
    return Scope(n, bins_x, bins_y, points, moments, defined, all(integer), tuple(values))


def centred_ranks(bins: Bins, count: np.ndarray) -> np.ndarray:
    """Each bin's average rank within its group (1-based; ties share their mean rank) minus the
    group's mean rank (N + 1)/2; (D,) float64, exact (half-integers)."""
    below = np.cumsum(bins.count) - bins.count  # pixels in earlier bins, all groups
    group_start = (np.cumsum(count) - count)[bins.group]
    return (below - group_start) + (bins.count - count[bins.group]) / 2.0


def rank_weights(scope: Scope, pooled: bool = False) -> np.ndarray:
    """Per point, the weight (R − |rank x − rank y|) / R of rank-weighted colocalisation (Singan et
    al. 2011, BMC Bioinformatics 12:407, as CellProfiler computes it): (P,) float64 in (0, 1].

    Ranks are dense and 0-based (equal values share a rank, the next value's rank is one more),
    R is the larger number of distinct values of the two channels; within each label, or over
    the pixels of all labels together when ``pooled`` (CellProfiler's per-object ranks).
    """
    n, bins_x, bins_y, points = scope[:4]
    if pooled:
        distinct = [np.unique(bins.value) for bins in (bins_x, bins_y)]
        rank_x, rank_y = (np.searchsorted(d, bins.value) for d, bins in zip(distinct, (bins_x, bins_y)))
        size = float(max(len(d) for d in distinct))
    else:
        rank_x, rank_y = dense_ranks(bins_x, n), dense_ranks(bins_y, n)
        size = np.maximum(*(np.bincount(bins.group, minlength=n) for bins in (bins_x, bins_y)))[points.group]
    return (size - np.abs(rank_x[points.x_bin] - rank_y[points.y_bin])) / size


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks of ``values`` (n,) of int or finite float: (n,) float64, 1-based, ties sharing
    their mean rank (as ``scipy.stats.rankdata``), from the same bins as Spearman's rho of pixels."""
    bins = value_bins(values, np.zeros(len(values), np.intp), 1)
    return centred_ranks(bins, np.array([len(values)]))[bins.code] + (len(values) + 1) / 2
