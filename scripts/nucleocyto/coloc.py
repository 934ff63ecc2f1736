"""Pixel-wise colocalisation measures of two channels, for every label of a label image at once.

Everything is computed on the raw values of the pixels of each label, for all labels together
(no boolean mask per label). ``x`` is the first channel (the POI in this pipeline), ``y`` the
second (the nuclear marker).

- Pearson r and Spearman rho (Pearson r of average ranks), as ``scipy.stats``.
- Costes' automatic thresholds (Costes et al. 2004, as Fiji's Coloc 2 walks them, but over every
  distinct value instead of unit steps) and Manders' M1/M2 above them (Manders et al. 1993).
- Manders' overlap coefficient and Li's intensity correlation quotient (Li et al. 2004).
- Costes' randomisation test: Pearson r after shuffling PSF-sized blocks of ``x``.

Each channel's distinct values within each label are found first ("bins": counted with
``np.bincount`` for integer images, sorted otherwise); ranks and Costes' candidate thresholds
come from them. Pixels with the same label and the same pair of bins are then merged into one
weighted point, so on integer images most sums run over far fewer points than pixels.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

#: Keys of :func:`colocalisation_by_label`'s result, in output-column order.
MEASURES = (
    "pearson_r", "spearman_rho", "manders_m1", "manders_m2",
    "costes_threshold_x", "costes_threshold_y", "manders_overlap", "li_icq",
)

#: Integer channels are binned, and pixels merged into points, through dense count arrays (int64)
#: of at most this many entries per pixel (or 2**16 entries); beyond that values are sorted and
#: pixels stay single points. Merging still pays at ~5 entries per pixel (bench/bench_correlate.py).
_DENSE_PER_PIXEL = 8


class _Bins(NamedTuple):
    """The distinct values of one channel within each group, ordered by group, then value."""

    code: np.ndarray  #: (m,) intp, each pixel's bin
    group: np.ndarray  #: (D,) intp, each bin's group
    value: np.ndarray  #: (D,) float64, each bin's value
    count: np.ndarray  #: (D,) int64, pixels per bin (≥ 1)


class _Points(NamedTuple):
    """Weighted points: pixels of one group with the same x bin and the same y bin, merged."""

    group: np.ndarray  #: (P,) intp
    x_bin: np.ndarray  #: (P,) intp, index into the x bins
    y_bin: np.ndarray  #: (P,) intp, index into the y bins
    weight: np.ndarray | None  #: (P,) float64, pixels per point; None: each point is one pixel


class _Moments(NamedTuple):
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


def _groups(labels: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _pixels(image: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Values of ``image`` at the flat indices ``where`` (a view when they are all pixels)."""
    flat = image.ravel()
    return flat if len(where) == len(flat) else flat[where]


def _spread(per_group: np.ndarray, group: np.ndarray) -> np.ndarray:
    """``per_group[group]``; just the value when there is one group."""
    return per_group[0] if len(per_group) == 1 else per_group[group]


def _sums(group: np.ndarray, n: int, *weights: np.ndarray | None) -> list[np.ndarray]:
    """Per-group sums of each weight array (float64, length ``n``); None counts the elements."""
    if n == 1:  # one group: a plain (pairwise) sum
        return [np.array([float(len(group) if w is None else w.sum())]) for w in weights]
    return [np.bincount(group, weights=w, minlength=n).astype(np.float64) for w in weights]


def _weighted(weight: np.ndarray | None, values: np.ndarray) -> np.ndarray:
    """``weight * values``, or ``values`` when every weight is 1 (None)."""
    return values if weight is None else weight * values


def _bins(v: np.ndarray, group: np.ndarray, n: int) -> _Bins:
    """Bins of the values ``v`` (m,) of pixels of groups ``group`` (m,) in ``0..n-1``."""
    m = len(v)
    if np.issubdtype(v.dtype, np.integer) and np.can_cast(v.dtype, np.intp) and m:
        low, high = int(v.min()), int(v.max())
        span = high - low + 1
        if n * span <= _DENSE_PER_PIXEL * max(m, 2**16):
            key = v.astype(np.intp) - low
            if n > 1:
                key += group * span
            count = np.bincount(key, minlength=n * span)
            present = np.flatnonzero(count)
            index = np.zeros(n * span, np.intp)
            index[present] = np.arange(len(present))
            group_of, offset = np.divmod(present, span)
            return _Bins(index[key], group_of, (offset + low).astype(np.float64), count[present])
    order = np.argsort(v, kind="stable") if n == 1 else np.lexsort((v, group))
    vs, gs = v[order], group[order]
    new = np.ones(m, bool)
    new[1:] = (vs[1:] != vs[:-1]) | (gs[1:] != gs[:-1])
    code = np.empty(m, np.intp)
    code[order] = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    return _Bins(code, gs[first], vs[first].astype(np.float64), np.diff(np.append(first, m)))


def _points(bx: _Bins, by: _Bins, group: np.ndarray, n: int) -> _Points:
    """Merge the pixels with the same group, x bin and y bin into weighted points.

    The pixels stay single points (weight None) when the count array (x bins × most y bins of a
    group) would be too large, as for float images and integer images of wide range.
    """
    m = len(group)
    y_start = np.searchsorted(by.group, np.arange(n))  # first y bin of each group
    width = int(np.diff(np.append(y_start, len(by.group))).max(initial=0))
    size = len(bx.group) * width
    if not m or size > _DENSE_PER_PIXEL * max(m, 2**16):
        return _Points(group, bx.code, by.code, None)
    y_local = by.code - y_start[group] if n > 1 else by.code
    count = np.bincount(bx.code * width + y_local, minlength=size)
    pairs = np.flatnonzero(count)
    x_bin, y_local = np.divmod(pairs, width)
    point_group = bx.group[x_bin]
    return _Points(point_group, x_bin, y_local + y_start[point_group], count[pairs].astype(np.float64))


def _moments(
    x: np.ndarray, y: np.ndarray, group: np.ndarray, n: int, weight: np.ndarray | None = None,
    integer: tuple[bool, bool] = (False, False),
) -> _Moments:
    """Moments of the points (x, y) (P,) float64 with weights (P,) (None: 1) per group.

    Deviations are taken from a centre per group: the mean, or its rounding for a channel marked
    ``integer`` (integer values: exact sums); the sums of squares and products are corrected for
    the centre's offset from the mean (Σ(x−x̄)² = Σdx² − (Σdx)²/N), and give the raw ones
    (Σx² = Σdx² + c·(2Σdx + N·c) for the centre c).
    """
    weighted = _weighted(weight, x), _weighted(weight, y)
    count, sum_x, sum_y = _sums(group, n, weight, *weighted)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_x, mean_y = sum_x / count, sum_y / count
        cx, cy = (np.round(mean) if exact else mean for mean, exact in ((mean_x, integer[0]), (mean_y, integer[1])))
        dx, dy = x - _spread(cx, group), y - _spread(cy, group)
        wdx, wdy = _weighted(weight, dx), _weighted(weight, dy)
        terms = (weight, wdx, wdy, wdx * dx, wdy * dy, wdx * dy)
        sdx, sdy, sdxx, sdyy, sdxy = _sums(group, n, *terms[1:])
        sxx, syy, sxy = sdxx - sdx * sdx / count, sdyy - sdy * sdy / count, sdxy - sdx * sdy / count
        xx, yy = sdxx + cx * (2 * sdx + count * cx), sdyy + cy * (2 * sdy + count * cy)
        xy = sdxy + cy * sdx + cx * sdy + count * cx * cy
    return _Moments(count, mean_x, mean_y, sum_x, sum_y, sxx, syy, sxy, xx, yy, xy, weighted, terms)


def _correlation(sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray) -> np.ndarray:
    """r = Sxy / √(Sxx Syy), clipped to [−1, 1]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)


def _pearson(x: np.ndarray, y: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Per-group Pearson r of float pixels, from centred sums; NaN below 2 pixels or for a constant."""
    moments = _moments(x, y, group, n)
    r = _correlation(moments.sxx, moments.syy, moments.sxy)
    r[moments.count < 2] = np.nan
    return r


class _Scope(NamedTuple):
    """The pixels of the labels of one frame, binned and merged into points, and their moments."""

    n: int
    bins_x: _Bins
    bins_y: _Bins
    points: _Points
    moments: _Moments
    defined: np.ndarray  #: (n,) bool: at least 2 distinct values of each channel


def _scope(x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> _Scope:
    """Bins, points and moments of the pixels of each label in ``ids``."""
    n = len(ids)
    where, group = _groups(labels, ids)
    pixels = [_pixels(image, where) for image in (x, y)]
    bins_x, bins_y = (_bins(values, group, n) for values in pixels)
    points = _points(bins_x, bins_y, group, n)
    if points.weight is None:  # the points are the pixels
        values = [np.asarray(channel, np.float64) for channel in pixels]
    else:
        values = [bins_x.value[points.x_bin], bins_y.value[points.y_bin]]
    integer = tuple(bool(np.array_equal(bins.value, np.round(bins.value))) for bins in (bins_x, bins_y))
    moments = _moments(*values, points.group, n, points.weight, integer)
    distinct = [np.bincount(bins.group, minlength=n) for bins in (bins_x, bins_y)]
    defined = (distinct[0] >= 2) & (distinct[1] >= 2) & (moments.sxx > 0) & (moments.syy > 0)
    return _Scope(n, bins_x, bins_y, points, moments, defined)


def _centred_ranks(bins: _Bins, count: np.ndarray) -> np.ndarray:
    """Each bin's average rank within its group (1-based; ties share their mean rank) minus the
    group's mean rank (N + 1)/2; (D,) float64, exact (half-integers)."""
    below = np.cumsum(bins.count) - bins.count  # pixels in earlier bins, all groups
    group_start = (np.cumsum(count) - count)[bins.group]
    return (below - group_start) + (bins.count - count[bins.group]) / 2.0


def average_ranks(values: np.ndarray) -> np.ndarray:
    """Average ranks of ``values`` (n,) of int or finite float: (n,) float64, 1-based, ties sharing
    their mean rank (as ``scipy.stats.rankdata``), from the same bins as Spearman's rho of pixels."""
    bins = _bins(values, np.zeros(len(values), np.intp), 1)
    return _centred_ranks(bins, np.array([len(values)]))[bins.code] + (len(values) + 1) / 2


def pearson_by_label(
    x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between ``x`` and ``y`` over the pixels of each label.

    Centred sums, so the result matches ``scipy.stats.pearsonr`` to rounding.

    Parameters
    ----------
    x, y : (Y, X) ndarray
        Two channels of one frame.
    labels : (Y, X) ndarray of int
        Label image, 0 = ignored.
    ids : (n,) ndarray of int
        Labels to report.

    Returns
    -------
    r : (n,) float64
        NaN where a label has fewer than 2 pixels or a constant channel.
    n_px : (n,) int64
        Pixel count of each label.
    """
    scope = _scope(x, y, labels, ids)
    moments = scope.moments
    r = np.where(scope.defined, _correlation(moments.sxx, moments.syy, moments.sxy), np.nan)
    return r, moments.count.astype(np.int64)


def colocalisation_by_label(
    x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray
) -> dict[str, np.ndarray]:
    """Every colocalisation measure of ``x`` and ``y`` over the pixels of each label.

    With per-label sums over the label's pixels i (x̄, ȳ its means):

    - ``pearson_r`` = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²).
    - ``spearman_rho``: Pearson r of the average ranks of x and of y within the label.
    - ``costes_threshold_x``, ``costes_threshold_y`` (Tx, Ty): see :func:`costes_thresholds`.
    - ``manders_m1`` = Σ x·[y ≥ Ty] / Σ x and ``manders_m2`` = Σ y·[x ≥ Tx] / Σ y.
    - ``manders_overlap`` = Σ xy / √(Σx² Σy²).
    - ``li_icq`` = #{(x−x̄)(y−ȳ) > 0} / n − 0.5, in [−0.5, 0.5].

    Parameters
    ----------
    x, y : (Y, X) ndarray of int or float
        Two channels of one frame (raw values). Integer images are counted, not sorted, and
        their sums are exact.
    labels : (Y, X) ndarray of int
        Label image; labels not in ``ids`` are ignored.
    ids : (n,) ndarray of int
        Labels to report.

    Returns
    -------
    dict of (n,) ndarray
        The float64 measures of :data:`MEASURES` plus ``n_px`` (int64 pixel counts). Measures
        other than ``manders_overlap`` are NaN where a label has fewer than 2 pixels or a
        constant channel; the Costes thresholds and M1/M2 are also NaN where Pearson r ≤ 0 (no
        positive regression line).
    """
    scope = _scope(x, y, labels, ids)
    n, bins_x, bins_y, points, moments = scope[:5]
    group, weight = points.group, points.weight
    rank_x, rank_y = (_centred_ranks(bins, moments.count) for bins in (bins_x, bins_y))
    # sign of (x − x̄) and of (y − ȳ) per bin: exact, unlike the sign of a rounded product
    sign_x, sign_y = (
        np.sign(bins.value - mean[bins.group]).astype(np.int8)
        for bins, mean in ((bins_x, moments.mean_x), (bins_y, moments.mean_y))
    )
    threshold_x, threshold_y = costes_thresholds(scope)
    above_y = (bins_y.value >= threshold_y[bins_y.group])[points.y_bin]  # y ≥ Ty, per point
    above_x = (bins_x.value >= threshold_x[bins_x.group])[points.x_bin]
    rank_xy, positive, m1, m2 = _sums(
        group, n, _weighted(weight, rank_x[points.x_bin] * rank_y[points.y_bin]),
        _weighted(weight, sign_x[points.x_bin] * sign_y[points.y_bin] > 0),
        np.where(above_y, moments.weighted[0], 0.0), np.where(above_x, moments.weighted[1], 0.0),
    )
    rank_xx, rank_yy = (
        _sums(bins.group, n, bins.count * rank**2)[0] for bins, rank in ((bins_x, rank_x), (bins_y, rank_y))
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        result = {
            "pearson_r": _correlation(moments.sxx, moments.syy, moments.sxy),
            "spearman_rho": _correlation(rank_xx, rank_yy, rank_xy),
            "manders_m1": np.where(np.isfinite(threshold_y), m1 / moments.sum_x, np.nan),
            "manders_m2": np.where(np.isfinite(threshold_x), m2 / moments.sum_y, np.nan),
            "costes_threshold_x": threshold_x,
            "costes_threshold_y": threshold_y,
            "manders_overlap": moments.xy / np.sqrt(moments.xx * moments.yy),
            "li_icq": positive / moments.count - 0.5,
        }
    for name, values in result.items():
        if name != "manders_overlap":  # defined for any non-zero pixels, as in skimage
            values[~scope.defined] = np.nan
    result["n_px"] = moments.count.astype(np.int64)
    return result


def orthogonal_regression(
    sxx: np.ndarray, syy: np.ndarray, sxy: np.ndarray, mean_x: np.ndarray, mean_y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Slope a and intercept b of the orthogonal (total least squares) line y = a·x + b.

    a = (Syy − Sxx + √((Syy − Sxx)² + 4 Sxy²)) / (2 Sxy) from the centred sums of squares and
    products; NaN where Sxy ≤ 0 (Costes' method needs a positive slope).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (syy - sxx + np.sqrt((syy - sxx) ** 2 + 4 * sxy**2)) / (2 * sxy)
    slope = np.where(sxy > 0, slope, np.nan)
    return slope, mean_y - slope * mean_x


def costes_thresholds(scope: _Scope) -> tuple[np.ndarray, np.ndarray]:
    """Costes' automatic thresholds (Tx, Ty) of every label of a scope, by an exact walk down the line.

    Per label, the orthogonal regression line y = a·x + b (:func:`orthogonal_regression`) is
    walked along the channel it rises more slowly in (x when a < 1, else y, as Coloc 2 does):
    the candidate thresholds are that channel's distinct values T; the other threshold is the
    line's value there. The "below" pixels of a candidate are those with x < Tx or y < Ty.
    The Costes thresholds are the highest candidate for which Pearson r of the below pixels
    is ≤ 0 (r undefined does not count), or the lowest candidate when none is. Every
    candidate is evaluated, from cumulative sums over the points ordered by the candidate at
    which they join the below set.

    Parameters
    ----------
    scope : _Scope
        Bins, points and moments of the labels (see :func:`_scope`).

    Returns
    -------
    threshold_x, threshold_y : (n,) float64
        NaN where the slope is undefined or not positive.
    """
    n, bins_x, bins_y, points, moments = scope[:5]
    slope, intercept = orthogonal_regression(moments.sxx, moments.syy, moments.sxy, moments.mean_x, moments.mean_y)
    threshold_x, threshold_y = np.full(n, np.nan), np.full(n, np.nan)
    # walk channel u (y where walk_y), other channel v = su·u + iu
    walk_y = np.isfinite(slope) & (slope >= 1.0)
    walk_x = np.isfinite(slope) & ~walk_y
    with np.errstate(invalid="ignore", divide="ignore"):
        su, iu = np.where(walk_y, 1.0 / slope, slope), np.where(walk_y, -intercept / slope, intercept)
    # candidates: the walk channel's bins, ascending within each group
    own = walk_x[bins_x.group], walk_y[bins_y.group]
    cand_g = np.concatenate([bins_x.group[own[0]], bins_y.group[own[1]]])
    order = np.argsort(cand_g, kind="stable")
    cand_g = cand_g[order]
    cand_u = np.concatenate([bins_x.value[own[0]], bins_y.value[own[1]]])[order]
    n_cand = np.bincount(cand_g, minlength=n)
    cand_start = np.cumsum(n_cand) - n_cand
    if not len(cand_g):
        return threshold_x, threshold_y
    cand_v = su[cand_g] * cand_u + iu[cand_g]
    # join index of each bin: its pixels are below candidate k for every k >= join (0: none)
    joins = []
    for bins, is_own, other in ((bins_x, own[0], walk_y), (bins_y, own[1], walk_x)):
        per_group = np.bincount(bins.group, minlength=n)
        join = np.zeros(len(bins.group), np.intp)
        # walk channel: below from the next candidate on
        join[is_own] = (np.arange(len(bins.group)) - (np.cumsum(per_group) - per_group)[bins.group] + 1)[is_own]
        # other channel: below once the line's value exceeds the bin's value
        is_other = other[bins.group]
        # number of the group's candidates with a line value ≤ the bin's value: a search among
        # complex numbers group + i·value, which sort by group, then value
        seen = np.searchsorted(cand_g + 1j * cand_v, bins.group[is_other] + 1j * bins.value[is_other], side="right")
        join[is_other] = seen - cand_start[bins.group[is_other]]
        joins.append(join)
    join = np.minimum(joins[0][points.x_bin], joins[1][points.y_bin])  # per point
    # moments of the below set of every candidate: cumulative sums over join slots, per group
    slot_start = cand_start + np.arange(n)  # n_cand + 1 slots per group (join in 0..n_cand)
    slot = join if n == 1 else slot_start[points.group] + join
    last_slot = np.arange(len(cand_g)) + cand_g  # candidate k of a group: slots 0..k of the group
    below = []
    for term in moments.terms:
        per_slot = np.bincount(slot, weights=term, minlength=int(n_cand.sum()) + n)
        running = np.cumsum(per_slot)
        earlier = running[slot_start] - per_slot[slot_start]  # sums over the slots of earlier groups
        below.append(running[last_slot] - earlier[cand_g])
    k, s_x, s_y, s_xx, s_yy, s_xy = below
    local = np.arange(len(cand_g)) - cand_start[cand_g]
    covariance = k * s_xy - s_x * s_y
    defined = (k >= 2) & (k * s_xx - s_x * s_x > 0) & (k * s_yy - s_y * s_y > 0)
    has = n_cand > 0
    best = np.maximum.reduceat(np.where(defined & (covariance <= 0), local, 0), cand_start[has])
    chosen = cand_start[has] + best
    t_u, t_v = cand_u[chosen], cand_v[chosen]
    threshold_x[has] = np.where(walk_y[has], t_v, t_u)
    threshold_y[has] = np.where(walk_y[has], t_u, t_v)
    return threshold_x, threshold_y


def costes_pvalue_by_label(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    ids: np.ndarray,
    block_px: int,
    n_shuffles: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Costes' randomisation test of Pearson r, per label.

    For each label, its bounding box is tiled with ``block_px`` × ``block_px`` blocks (the last
    row and column of blocks may reach past the box; values past the image edge are mirrored).
    Each shuffle permutes the blocks of ``x`` within each box, keeps ``y``, and recomputes
    Pearson r over the label's pixels. The one-sided p-value is
    ``(1 + #{r_shuffled ≥ r}) / (1 + n_shuffles)``: small when ``x`` and ``y`` correlate more
    than PSF-sized blocks placed at random would.

    Parameters
    ----------
    x, y : (Y, X) ndarray
        Two channels of one frame.
    labels : (Y, X) ndarray of int
    ids : (n,) ndarray of int
        Labels to test.
    block_px : int
        Block side (px), about the PSF full width at half maximum.
    n_shuffles : int
        Number of shuffles (≥ 1).
    rng : numpy.random.Generator

    Returns
    -------
    p : (n,) float64
        NaN where the observed r is undefined.
    """
    n = len(ids)
    where, group = _groups(labels, ids)
    ys = y.ravel()[where].astype(np.float64)
    padded = np.pad(np.asarray(x, np.float64), ((0, block_px), (0, block_px)), mode="symmetric")
    observed = _pearson(x.ravel()[where].astype(np.float64), ys, group, n)
    boxes = ndimage.find_objects(labels)
    box = np.array([_bounds(boxes[i - 1] if 0 < i <= len(boxes) else None) for i in ids], np.int64).reshape(n, 4)
    origin = box[:, :2]
    grid = -(-(box[:, 2:] - origin) // block_px)  # blocks per box along each axis
    n_blocks = grid[:, 0] * grid[:, 1]
    block_start = np.cumsum(n_blocks) - n_blocks
    block_group = np.repeat(np.arange(n), n_blocks)
    rows, cols = np.divmod(where, x.shape[1])
    (block_row, offset_row), (block_col, offset_col) = (
        np.divmod(rows - origin[group, 0], block_px), np.divmod(cols - origin[group, 1], block_px)
    )
    block = block_start[group] + block_row * grid[group, 1] + block_col
    exceed = np.zeros(n)
    for _ in range(n_shuffles):
        permutation = np.lexsort((rng.random(len(block_group)), block_group))  # within each box
        source_row, source_col = np.divmod(permutation[block] - block_start[group], grid[group, 1])
        shuffled = padded[
            origin[group, 0] + source_row * block_px + offset_row,
            origin[group, 1] + source_col * block_px + offset_col,
        ]
        exceed += _pearson(shuffled, ys, group, n) >= observed
    return np.where(np.isfinite(observed), (1.0 + exceed) / (1.0 + n_shuffles), np.nan)


def _bounds(box: tuple[slice, slice] | None) -> tuple[int, int, int, int]:
    """(row start, column start, row stop, column stop) of a ``find_objects`` box; zeros if None."""
    return (box[0].start, box[1].start, box[0].stop, box[1].stop) if box else (0, 0, 0, 0)
