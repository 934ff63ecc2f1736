"""Costes' automatic thresholds (Costes et al. 2004) and randomisation test, for every label at once."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy import ndimage

from ..config import COLOC_CONVENTIONS
from .grouped import Moments, Scope, group_moments, label_groups, pearson_by_group, value_range

#: Why a label's Costes thresholds are NaN (the ``costes_reason`` of the correlation table; ""
#: when they are defined), by precedence: the first that applies is given.
COSTES_REASONS = {
    "too_few_pixels": "fewer than 2 pixels",
    "constant_channel": "a channel has a single value",
    "no_positive_slope": "the regression line does not rise (covariance <= 0)",
    "no_threshold": "the pixels below every threshold of the walk still correlate (Pearson r > 0 or undefined)",
}


class Costes(NamedTuple):
    """Costes' thresholds of each label of a scope."""

    threshold_x: np.ndarray  #: (n,) float64, Tx; NaN where ``reason`` is not ""
    threshold_y: np.ndarray  #: (n,) float64, Ty; NaN where ``reason`` is not ""
    reason: np.ndarray  #: (n,) object: "" or a key of :data:`COSTES_REASONS`


class _Walk(NamedTuple):
    """The line walked per label and the range of the walked channel's thresholds."""

    slope: np.ndarray  #: (n,) float64, a of y = a·x + b; NaN where it does not rise
    intercept: np.ndarray  #: (n,) float64, b
    along_y: np.ndarray  #: (n,) bool: the walked channel is y (else x)
    low: np.ndarray  #: (n,) float64, lowest threshold of the walked channel
    high: np.ndarray  #: (n,) float64, highest threshold of the walked channel
    unit_steps: bool  #: the walk steps by one count (else it visits every change of the below set)


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


def costes_thresholds(scope: Scope, convention: str = "coloc2") -> Costes:
    """Costes' automatic thresholds (Tx, Ty) of every label of a scope, by an exact search of the walk.

    Per label, the orthogonal regression line y = a·x + b (:func:`orthogonal_regression`) is
    walked down along one channel; the other channel's threshold is the line's value there. The
    "below" pixels of thresholds (Tx, Ty) are those with x < Tx or y < Ty, and the Costes
    thresholds are the highest of the walk whose below pixels have a defined Pearson r ≤ 0.

    - ``"coloc2"`` (Fiji's Coloc 2): the line is fitted to every pixel and walked along the
      channel it rises more slowly in (x when a < 1, else y), from that channel's largest value
      down to its smallest.
    - ``"cellprofiler"`` (CellProfiler's MeasureColocalization, Accurate mode): the line is
      fitted to the pixels with x > 0 or y > 0 and walked along x from its largest value down
      to 2.

    The walked threshold steps by one count on integer images (always with ``"cellprofiler"``),
    and is continuous on other images. The below set changes only where the walked threshold
    passes a value of the walked channel or the line passes a value of the other channel, so
    those points (rounded down to whole counts when stepping by one) are the only candidates
    the highest answer can be; all are evaluated in one pass, from cumulative sums over the
    points ordered by the candidate at which they drop below, which gives the same thresholds as
    evaluating every step.

    Parameters
    ----------
    scope : Scope
        Bins, points and moments of the labels (see :func:`scope_pixels`).
    convention : {"coloc2", "cellprofiler"}

    Returns
    -------
    Costes
        NaN thresholds, with the reason, where a label has fewer than 2 pixels, a constant
        channel, a line that does not rise, or no threshold with r ≤ 0.
    """
    walk = _walk(scope, convention)
    cand_g, cand_x, cand_y = _candidates(scope, walk)
    n_cand = np.bincount(cand_g, minlength=scope.n)
    cand_start = np.cumsum(n_cand) - n_cand
    join = _joins(scope, cand_g, (cand_x, cand_y), cand_start)
    k, s_x, s_y, s_xx, s_yy, s_xy = _below_sums(scope, join, cand_g, n_cand, cand_start)
    defined = (k >= 2) & (k * s_xx - s_x * s_x > 0) & (k * s_yy - s_y * s_y > 0)
    uncorrelated = np.flatnonzero(defined & (k * s_xy - s_x * s_y <= 0))
    best = np.full(scope.n, -1)
    np.maximum.at(best, cand_g[uncorrelated], uncorrelated)  # candidates ascend within each label
    reason = np.where(best >= 0, "", "no_threshold").astype(object)
    reason[~np.isfinite(walk.slope)] = "no_positive_slope"
    reason[~scope.defined] = "constant_channel"
    reason[scope.moments.count < 2] = "too_few_pixels"
    threshold_x, threshold_y = np.full(scope.n, np.nan), np.full(scope.n, np.nan)
    valid = reason == ""
    threshold_x[valid], threshold_y[valid] = cand_x[best[valid]], cand_y[best[valid]]
    return Costes(threshold_x, threshold_y, reason)


def _walk(scope: Scope, convention: str) -> _Walk:
    """The line, walked channel and range of each label's walk under ``convention``."""
    if convention not in COLOC_CONVENTIONS:
        raise ValueError(f"unknown colocalisation convention {convention!r}; expected one of {COLOC_CONVENTIONS}")
    n = scope.n
    fit = _nonzero_moments(scope) if convention == "cellprofiler" else scope.moments
    slope, intercept = orthogonal_regression(fit.sxx, fit.syy, fit.sxy, fit.mean_x, fit.mean_y)
    (low_x, high_x), (low_y, high_y) = value_range(scope.bins_x, n), value_range(scope.bins_y, n)
    if convention == "cellprofiler":
        return _Walk(slope, intercept, np.zeros(n, bool), np.full(n, 2.0), np.floor(high_x), True)
    along_y = slope >= 1.0
    low, high = np.where(along_y, low_y, low_x), np.where(along_y, high_y, high_x)
    return _Walk(slope, intercept, along_y, low, high, scope.integer)


def _nonzero_moments(scope: Scope) -> Moments:
    """Moments of the points with x > 0 or y > 0 (CellProfiler fits Costes' line to those)."""
    x, y = scope.values
    keep = (x > 0) | (y > 0)
    weight = None if scope.points.weight is None else scope.points.weight[keep]
    return group_moments(x[keep], y[keep], scope.points.group[keep], scope.n, weight, (scope.integer,) * 2)


def _candidates(scope: Scope, walk: _Walk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate thresholds of every label: label (C,) intp, Tx and Ty (C,) float64, ordered
    by label, then ascending (Tx and Ty both rise along the line)."""
    rising = np.isfinite(walk.slope)
    groups, walked = [], []
    for bins, is_y in ((scope.bins_x, False), (scope.bins_y, True)):
        own = rising[bins.group] & (walk.along_y[bins.group] == is_y)
        other = rising[bins.group] & (walk.along_y[bins.group] != is_y)
        values = bins.value[own]
        groups += [bins.group[own], bins.group[other]]
        walked += [
            np.floor(values) if walk.unit_steps else values,
            _crossings(walk, bins.group[other], bins.value[other]),
        ]
    group, t = np.concatenate(groups), np.concatenate(walked)
    keep = (t >= walk.low[group]) & (t <= walk.high[group])
    group, t = group[keep], t[keep]
    order = np.lexsort((t, group))
    group, t = group[order], t[order]
    new = np.ones(len(group), bool)
    new[1:] = (group[1:] != group[:-1]) | (t[1:] != t[:-1])
    group, t = group[new], t[new]
    line = _line(walk, group, t)
    return group, np.where(walk.along_y[group], line, t), np.where(walk.along_y[group], t, line)


def _line(walk: _Walk, group: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The other channel's threshold where the walked one is ``t``: a·t + b walking x, (t − b)/a
    walking y."""
    a, b = walk.slope[group], walk.intercept[group]
    return np.where(walk.along_y[group], (t - b) / a, a * t + b)


def _crossings(walk: _Walk, group: np.ndarray, value: np.ndarray) -> np.ndarray:
    """For a value of the other channel, the highest walked threshold at which the line's value
    is still ≤ it (the value drops below just after): on the grid of whole counts when the walk
    steps by one, else the crossing itself (to the rounding of the line's value)."""
    a, b = walk.slope[group], walk.intercept[group]
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(walk.along_y[group], a * value + b, (value - b) / a)
    if not walk.unit_steps:
        return np.where(_line(walk, group, t) > value, np.nextafter(t, -np.inf), t)
    t = np.floor(t)
    t = np.where(_line(walk, group, t + 1) <= value, t + 1, t)
    return np.where(_line(walk, group, t) > value, t - 1, t)


def _joins(
    scope: Scope, cand_g: np.ndarray, thresholds: tuple[np.ndarray, np.ndarray], cand_start: np.ndarray
) -> np.ndarray:
    """Join index of each point (P,) intp: its pixels are below candidate k of its label for every
    k ≥ join (the label's number of candidates: below none).

    A bin is below the candidates whose threshold of its channel exceeds its value; the
    candidates with a threshold ≤ the value are found by a search among complex numbers
    label + i·threshold, which sort by label, then threshold."""
    joins = []
    for bins, threshold in zip((scope.bins_x, scope.bins_y), thresholds):
        seen = np.searchsorted(cand_g + 1j * threshold, bins.group + 1j * bins.value, side="right")
        joins.append(seen - cand_start[bins.group])
    return np.minimum(joins[0][scope.points.x_bin], joins[1][scope.points.y_bin])


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
