"""Costes' automatic thresholds (Costes et al. 2004) and randomisation test, for every label at once."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from .grouped import Scope, label_groups, pearson_by_group


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


def costes_thresholds(scope: Scope) -> tuple[np.ndarray, np.ndarray]:
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
    scope : Scope
        Bins, points and moments of the labels (see :func:`scope_pixels`).

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
    join = _joins(scope, own, (walk_x, walk_y), cand_g, cand_v, cand_start)
    k, s_x, s_y, s_xx, s_yy, s_xy = _below_sums(scope, join, cand_g, n_cand, cand_start)
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


def _joins(
    scope: Scope,
    own: tuple[np.ndarray, np.ndarray],
    walks: tuple[np.ndarray, np.ndarray],
    cand_g: np.ndarray,
    cand_v: np.ndarray,
    cand_start: np.ndarray,
) -> np.ndarray:
    """Join index of each point (P,) intp: its pixels are below candidate k of its group for
    every k >= join (0: below none).

    ``own`` marks the x and y bins of the walked channel, ``walks`` the labels walked along x and
    along y; ``cand_g``, ``cand_v`` are each candidate's group and the other channel's value on
    the line there, ``cand_start`` each group's first candidate."""
    n, bins_x, bins_y, points = scope[:4]
    joins = []
    for bins, is_own, other in ((bins_x, own[0], walks[1]), (bins_y, own[1], walks[0])):
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
    return np.minimum(joins[0][points.x_bin], joins[1][points.y_bin])


def _below_sums(
    scope: Scope, join: np.ndarray, cand_g: np.ndarray, n_cand: np.ndarray, cand_start: np.ndarray
) -> list[np.ndarray]:
    """Per candidate, the sums of the moment terms (count, Σdx, Σdy, Σdx², Σdy², Σdx·dy) over the
    points below it: cumulative sums over join slots, per group."""
    n, points, moments = scope.n, scope.points, scope.moments
    slot_start = cand_start + np.arange(n)  # n_cand + 1 slots per group (join in 0..n_cand)
    slot = join if n == 1 else slot_start[points.group] + join
    last_slot = np.arange(len(cand_g)) + cand_g  # candidate k of a group: slots 0..k of the group
    below = []
    for term in moments.terms:
        per_slot = np.bincount(slot, weights=term, minlength=int(n_cand.sum()) + n)
        running = np.cumsum(per_slot)
        earlier = running[slot_start] - per_slot[slot_start]  # sums over the slots of earlier groups
        below.append(running[last_slot] - earlier[cand_g])
    return below


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
    where, group = label_groups(labels, ids)
    ys = y.ravel()[where].astype(np.float64)
    padded = np.pad(np.asarray(x, np.float64), ((0, block_px), (0, block_px)), mode="symmetric")
    observed = pearson_by_group(x.ravel()[where].astype(np.float64), ys, group, n)
    origin, grid, block_start, block_group, block, offset_row, offset_col = _blocks(labels, ids, where, group, block_px)
    exceed = np.zeros(n)
    for _ in range(n_shuffles):
        permutation = np.lexsort((rng.random(len(block_group)), block_group))  # within each box
        source_row, source_col = np.divmod(permutation[block] - block_start[group], grid[group, 1])
        shuffled = padded[
            origin[group, 0] + source_row * block_px + offset_row,
            origin[group, 1] + source_col * block_px + offset_col,
        ]
        exceed += pearson_by_group(shuffled, ys, group, n) >= observed
    return np.where(np.isfinite(observed), (1.0 + exceed) / (1.0 + n_shuffles), np.nan)


def _blocks(labels: np.ndarray, ids: np.ndarray, where: np.ndarray, group: np.ndarray, block_px: int) -> tuple:
    """The tiling of each label's bounding box into ``block_px`` blocks.

    Returns (origin (n, 2) of each box, grid (n, 2) blocks per box along each axis, first
    block of each box (n,), box of each block (B,), block of each pixel (m,), and each
    pixel's row and column offset inside its block (m,)); all int64 or intp."""
    n = len(ids)
    boxes = ndimage.find_objects(labels)
    box = np.array([_bounds(boxes[i - 1] if 0 < i <= len(boxes) else None) for i in ids], np.int64).reshape(n, 4)
    origin = box[:, :2]
    grid = -(-(box[:, 2:] - origin) // block_px)  # blocks per box along each axis
    n_blocks = grid[:, 0] * grid[:, 1]
    block_start = np.cumsum(n_blocks) - n_blocks
    block_group = np.repeat(np.arange(n), n_blocks)
    rows, cols = np.divmod(where, labels.shape[1])
    (block_row, offset_row), (block_col, offset_col) = (
        np.divmod(rows - origin[group, 0], block_px),
        np.divmod(cols - origin[group, 1], block_px),
    )
    block = block_start[group] + block_row * grid[group, 1] + block_col
    return origin, grid, block_start, block_group, block, offset_row, offset_col


def _bounds(box: tuple[slice, slice] | None) -> tuple[int, int, int, int]:
    """(row start, column start, row stop, column stop) of a ``find_objects`` box; zeros if None."""
    return (box[0].start, box[1].start, box[0].stop, box[1].stop) if box else (0, 0, 0, 0)
