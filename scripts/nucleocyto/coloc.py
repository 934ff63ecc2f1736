"""Pixel-wise colocalisation measures of two channels, for every label of a label image at once.

Everything is computed on the raw values of the pixels of each label, with ``np.bincount`` and
sorts over all labels together rather than one boolean mask per label. ``x`` is the first
channel (the POI in this pipeline), ``y`` the second (the nuclear marker).

- Pearson r and Spearman rho (Pearson r of average ranks), as ``scipy.stats``.
- Costes' automatic thresholds (Costes et al. 2004, as Fiji's Coloc 2 walks them, but over every
  distinct value instead of unit steps) and Manders' M1/M2 above them (Manders et al. 1993).
- Manders' overlap coefficient and Li's intensity correlation quotient (Li et al. 2004).
- Costes' randomisation test: Pearson r after shuffling PSF-sized blocks of ``x``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: Keys of :func:`colocalisation_by_label`'s result, in output-column order.
MEASURES = (
    "pearson_r", "spearman_rho", "manders_m1", "manders_m2",
    "costes_threshold_x", "costes_threshold_y", "manders_overlap", "li_icq",
)


def _groups(labels: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the pixels whose label is in ``ids`` and their position in ``ids``."""
    flat = labels.ravel()
    lookup = np.full(int(max(flat.max(initial=0), ids.max(initial=0))) + 1, -1, np.int64)
    lookup[ids] = np.arange(len(ids))
    group = lookup[flat]
    where = np.flatnonzero(group >= 0)
    return where, group[where]


def _sums(group: np.ndarray, n: int, *weights: np.ndarray) -> list[np.ndarray]:
    """Per-group sums of each weight array (float64, length ``n``)."""
    return [np.bincount(group, weights=w, minlength=n) for w in weights]


def _deviations(v: np.ndarray, group: np.ndarray, n: int, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-group means of ``v`` and each value's deviation from its group's mean."""
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(group, weights=v, minlength=n) / count
    return mean, v - mean[group]


def _pearson(x: np.ndarray, y: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Per-group Pearson r with two-pass (centred) sums; NaN below 2 pixels or for a constant."""
    count = np.bincount(group, minlength=n).astype(np.float64)
    dx, dy = _deviations(x, group, n, count)[1], _deviations(y, group, n, count)[1]
    sxy, sxx, syy = _sums(group, n, dx * dy, dx * dx, dy * dy)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0)
    r[count < 2] = np.nan
    return r


def _ranks(v: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Average ranks (1-based, ties share their mean rank) of ``v`` within each group."""
    order = np.lexsort((v, group))
    vs, gs = v[order], group[order]
    position = np.arange(len(v))
    first_of_group = np.ones(len(v), bool)
    first_of_group[1:] = gs[1:] != gs[:-1]
    first_of_tie = first_of_group.copy()
    first_of_tie[1:] |= vs[1:] != vs[:-1]
    group_start = np.maximum.accumulate(np.where(first_of_group, position, 0))
    starts = position[first_of_tie]
    ends = np.append(starts[1:], len(v)) - 1
    mean_rank = (starts + ends) / 2.0 - group_start[first_of_tie] + 1.0
    ranks = np.empty(len(v))
    ranks[order] = mean_rank[np.cumsum(first_of_tie) - 1]
    return ranks


def pearson_by_label(
    x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r between ``x`` and ``y`` over the pixels of each label.

    Two-pass (centred) sums, so the result matches ``scipy.stats.pearsonr`` to rounding.

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
    where, group = _groups(labels, ids)
    xs, ys = x.ravel()[where].astype(np.float64), y.ravel()[where].astype(np.float64)
    return _pearson(xs, ys, group, len(ids)), np.bincount(group, minlength=len(ids)).astype(np.int64)


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
        Two channels of one frame (raw values).
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
    n = len(ids)
    where, group = _groups(labels, ids)
    xs, ys = x.ravel()[where].astype(np.float64), y.ravel()[where].astype(np.float64)
    count = np.bincount(group, minlength=n).astype(np.float64)
    mean_x, dx = _deviations(xs, group, n, count)
    mean_y, dy = _deviations(ys, group, n, count)
    sxy, sxx, syy, positive, sum_x, sum_y, xy, xx, yy = _sums(
        group, n, dx * dy, dx * dx, dy * dy, (dx * dy > 0).astype(np.float64), xs, ys, xs * ys, xs * xs, ys * ys
    )
    threshold_x, threshold_y = costes_thresholds(xs, ys, group, n, sxx, syy, sxy, mean_x, mean_y)
    above_x = np.bincount(group, weights=np.where(ys >= threshold_y[group], xs, 0.0), minlength=n)
    above_y = np.bincount(group, weights=np.where(xs >= threshold_x[group], ys, 0.0), minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = {
            "pearson_r": np.clip(sxy / np.sqrt(sxx * syy), -1.0, 1.0),
            "spearman_rho": _pearson(_ranks(xs, group), _ranks(ys, group), group, n),
            "manders_m1": np.where(np.isfinite(threshold_y), above_x / sum_x, np.nan),
            "manders_m2": np.where(np.isfinite(threshold_x), above_y / sum_y, np.nan),
            "costes_threshold_x": threshold_x,
            "costes_threshold_y": threshold_y,
            "manders_overlap": xy / np.sqrt(xx * yy),
            "li_icq": positive / count - 0.5,
        }
    undefined = (count < 2) | (sxx <= 0) | (syy <= 0)
    for name, values in result.items():
        if name != "manders_overlap":  # defined for any non-zero pixels, as in skimage
            values[undefined] = np.nan
    result["n_px"] = count.astype(np.int64)
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


def costes_thresholds(
    x: np.ndarray,
    y: np.ndarray,
    group: np.ndarray,
    n: int,
    sxx: np.ndarray,
    syy: np.ndarray,
    sxy: np.ndarray,
    mean_x: np.ndarray,
    mean_y: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Costes' automatic thresholds (Tx, Ty) of every group, by an exact walk down the line.

    Per group, the orthogonal regression line y = a·x + b (:func:`orthogonal_regression`) is
    walked along the channel it rises more slowly in (x when a < 1, else y, as Coloc 2 does):
    the candidate thresholds are that channel's distinct values T; the other threshold is the
    line's value there. The "below" pixels of a candidate are those with x < Tx or y < Ty.
    The Costes thresholds are the highest candidate for which Pearson r of the below pixels
    is ≤ 0 (r undefined does not count), or the lowest candidate when none is. Every
    candidate is evaluated, from cumulative sums over the pixels ordered by the candidate at
    which they join the below set.

    Parameters
    ----------
    x, y : (m,) float64
        Pixel values; ``group`` (m,) int64 gives each pixel's group in ``0..n-1``.
    sxx, syy, sxy, mean_x, mean_y : (n,) float64
        Per-group centred sums of squares and products, and means.

    Returns
    -------
    threshold_x, threshold_y : (n,) float64
        NaN where the slope is undefined or not positive.
    """
    slope, intercept = orthogonal_regression(sxx, syy, sxy, mean_x, mean_y)
    threshold_x, threshold_y = np.full(n, np.nan), np.full(n, np.nan)
    keep = np.isfinite(slope[group])
    if not keep.any():
        return threshold_x, threshold_y
    x, y, group = x[keep], y[keep], group[keep]
    # walk channel u, other channel v = su·u + iu
    swap = slope >= 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        su, iu = np.where(swap, 1.0 / slope, slope), np.where(swap, -intercept / slope, intercept)
    on_y = swap[group]
    u, v = np.where(on_y, y, x), np.where(on_y, x, y)
    # distinct candidates per group, ascending; join index from the walk channel: rank + 1
    order = np.lexsort((u, group))
    us, gs = u[order], group[order]
    new = np.ones(len(us), bool)
    new[1:] = (us[1:] != us[:-1]) | (gs[1:] != gs[:-1])
    cand_u, cand_g = us[new], gs[new]
    n_cand = np.bincount(cand_g, minlength=n)
    cand_start = np.cumsum(n_cand) - n_cand
    cand_v = su[cand_g] * cand_u + iu[cand_g]
    join_u = np.empty(len(u), np.int64)
    join_u[order] = np.cumsum(new) - cand_start[gs]
    # join index from the other channel: number of the group's candidates with v-threshold ≤ v
    values = np.concatenate([cand_v, v])
    owners = np.concatenate([cand_g, group])
    is_pixel = np.concatenate([np.zeros(len(cand_v), bool), np.ones(len(v), bool)])
    merged = np.lexsort((is_pixel, values, owners))
    seen = np.cumsum(~is_pixel[merged]) - cand_start[owners[merged]]
    pixel_rows = is_pixel[merged]
    join_v = np.empty(len(v), np.int64)
    join_v[merged[pixel_rows] - len(cand_v)] = seen[pixel_rows]
    join = np.minimum(join_u, join_v)  # pixel is below candidate k for every k >= join
    # moments of the below set of every candidate: prefix sums over join slots, per group
    slot_start = cand_start + np.arange(n)  # n_cand + 1 slots per group (join in 0..n_cand)
    slot = slot_start[group] + join
    dx = x - np.round(mean_x)[group]  # integer data stay integer: exact sums, exact zero variance
    dy = y - np.round(mean_y)[group]
    size = int(n_cand.sum()) + n
    per_slot = [np.bincount(slot, weights=w, minlength=size) for w in (None, dx, dy, dx * dx, dy * dy, dx * dy)]
    prefix = np.concatenate([np.zeros((6, 1)), np.cumsum(per_slot, axis=1)], axis=1)
    local = np.arange(len(cand_u)) - cand_start[cand_g]
    first = slot_start[cand_g]
    k, s_x, s_y, s_xx, s_yy, s_xy = prefix[:, first + local + 1] - prefix[:, first]
    covariance = k * s_xy - s_x * s_y
    defined = (k >= 2) & (k * s_xx - s_x * s_x > 0) & (k * s_yy - s_y * s_y > 0)
    best = np.zeros(n, np.int64)
    np.maximum.at(best, cand_g, np.where(defined & (covariance <= 0), local, 0))
    has = n_cand > 0
    chosen = cand_start[has] + best[has]
    t_u, t_v = cand_u[chosen], cand_v[chosen]
    threshold_x[has] = np.where(swap[has], t_v, t_u)
    threshold_y[has] = np.where(swap[has], t_u, t_v)
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
