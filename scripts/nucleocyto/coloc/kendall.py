"""Kendall's tau-b of every label at once, in O(P log D) for P points and D distinct values.

tau-b = (C − D) / √((n0 − n1)(n0 − n2)) over the pairs of a label's pixels: C concordant pairs,
D discordant, n0 = N(N−1)/2 all pairs, n1 and n2 the pairs tied in x and in y (as
``scipy.stats.kendalltau`` and Coloc 2). The pairs tied in neither channel number
n0 − n1 − n2 + n3 (n3 tied in both), so C − D = n0 − n1 − n2 + n3 − 2D, and only D needs a
pass over the points: with the points ordered by x, then y, D counts the pairs whose y ranks are
inverted, found bit by bit of the rank (as a radix sort would order them), with weights. Where
the points were merged on a small grid of (x bin, y bin) counts (few distinct values: the whole
frame, all cells), D is read off that grid's cumulative sums instead, in O(grid).
"""

from __future__ import annotations

import numpy as np

from .grouped import Scope, dense_ranks, group_sums, y_columns

#: Discordant pairs of merged points are counted on their (x bin, y bin) grid when it has at most
#: this many cells per point (about where that costs as much as the bitwise count) and at most
#: :data:`GRID_PER_PIXEL` per pixel (its int64 array then takes at most 16 bytes per pixel).
GRID_PER_POINT = 40
GRID_PER_PIXEL = 2


def kendall_tau(scope: Scope) -> np.ndarray:
    """Kendall's tau-b of x and y over the pixels of each label: (n,) float64, NaN where a label
    has fewer than 2 pixels or a constant channel."""
    n, bins_x, bins_y, points, moments = scope[:5]
    if points.weight is None:  # single pixels, in any order: ordered by x bin, then y bin
        order = np.argsort(points.x_bin.astype(np.int64) * len(bins_y.group) + points.y_bin, kind="stable")
        group, x_bin, y_bin, weight = points.group[order], points.x_bin[order], points.y_bin[order], None
        discordant = _weighted_inversions(group, dense_ranks(bins_y, n)[y_bin], weight, n)
    else:  # merged points come ordered by x bin, then y bin (so by label, x, y)
        group, x_bin, y_bin, weight = points.group, points.x_bin, points.y_bin, points.weight.astype(np.int64)
        y_start, width = y_columns(bins_y, n)
        grid = len(bins_x.group) * width
        if grid <= GRID_PER_POINT * len(group) and grid <= GRID_PER_PIXEL * moments.count.sum():
            discordant = _grid_inversions(bins_x.group, x_bin, y_bin - y_start[group], weight, width, n)
        else:
            discordant = _weighted_inversions(group, dense_ranks(bins_y, n)[y_bin], weight, n)
    pairs = moments.count * (moments.count - 1) / 2
    tied_x, tied_y = (group_sums(bins.group, n, bins.count * (bins.count - 1) / 2)[0] for bins in (bins_x, bins_y))
    new = np.ones(len(group), bool)  # runs of points with the same x and y: the pairs tied in both
    new[1:] = (x_bin[1:] != x_bin[:-1]) | (y_bin[1:] != y_bin[:-1])
    start = np.flatnonzero(new)
    if weight is None:
        run = np.diff(np.append(start, len(group)))
    else:
        run = np.add.reduceat(weight, start) if len(start) else weight[:0]
    tied_both = group_sums(group[start], n, run * (run - 1) / 2)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = (pairs - tied_x - tied_y + tied_both - 2 * discordant) / np.sqrt((pairs - tied_x) * (pairs - tied_y))
    tau[~scope.defined] = np.nan
    return np.clip(tau, -1.0, 1.0)


def _grid_inversions(
    row_group: np.ndarray, row: np.ndarray, column: np.ndarray, weight: np.ndarray, width: int, n: int
) -> np.ndarray:
    """Per group, Σ w_i·w_j over the pairs of points of one group with x_i < x_j and y_i > y_j.

    The points lie on a grid: ``row`` (P,) is the x bin (rows of a group are contiguous and
    ordered by x; ``row_group`` (R,) is each row's group), ``column`` (P,) the y bin's place
    among its group's y bins (``width`` columns), ``weight`` (P,) int64. Each point pairs with
    the weight below and left of it: in later rows of its group and in earlier columns.

    Returns
    -------
    (n,) float64
        Exact while the sums stay below 2**53.
    """
    grid = np.zeros((len(row_group) + 1, width), np.int64)  # one array, a last row of zeros
    grid[row, column] = weight
    np.cumsum(grid, axis=1, out=grid)
    grid[row, column] -= weight  # Σ over earlier columns of the same row
    np.cumsum(grid[::-1], axis=0, out=grid[::-1])  # Σ over this and later rows, all groups
    group_end = np.searchsorted(row_group, row_group, side="right")  # first row of the next group
    later = grid[row + 1, column] - grid[group_end[row], column]  # later rows of the same group
    return np.bincount(row_group[row], weights=weight * later, minlength=n)


def _weighted_inversions(group: np.ndarray, rank: np.ndarray, weight: np.ndarray | None, n: int) -> np.ndarray:
    """Per group, Σ w_i·w_j over the pairs i before j of the same group with rank_i > rank_j.

    ``group`` (P,) is sorted; ``rank`` (P,) are non-negative ints, ``weight`` (P,) int64 (None:
    every weight 1, counted without weights, about twice as fast). From the
    highest bit b of the ranks down: among the elements sharing a group and the bits above b,
    every element with bit b = 0 makes an inversion with each earlier one with bit b = 1 (their
    ranks differ first at bit b). The elements are then ordered stably by bit b within those
    buckets, so the next bit sees its buckets contiguous, still in their original order. The
    reordering stays within a group, so the group of each position never changes: each position
    adds up its inversions over the bits, and they are summed per group once at the end.
    Every pass writes into arrays made once (int32 where the keys fit): these machines write
    fresh memory slowly.

    Returns
    -------
    (n,) float64
        Exact while the sums stay below 2**53.
    """
    bits = int(rank.max(initial=0)).bit_length()
    size = len(group)
    fits = (int(group.max(initial=0)) + 1) << bits < 2**31 and weight is None
    dtype = np.int32 if fits else np.int64
    key = (group.astype(dtype) << bits) | rank.astype(dtype)  # group, then rank: buckets are runs of key >> (b + 1)
    index = np.arange(size, dtype=dtype)
    inversions, first, upper, one, ones_before, work = (np.zeros(size, dtype) for _ in range(6))
    moved, starts, zero = np.empty_like(key), np.ones(size, bool), np.empty(size, bool)
    if weight is not None:
        weight, moved_weight = weight.astype(np.int64), np.empty(size, np.int64)
    for bit in range(bits - 1, -1, -1):
        np.right_shift(key, bit + 1, out=upper)
        np.not_equal(upper[1:], upper[:-1], out=starts[1:])
        np.multiply(starts, index, out=first)
        np.maximum.accumulate(first, out=first)  # first element of each bucket
        np.right_shift(key, bit, out=one)
        np.bitwise_and(one, 1, out=one)
        np.equal(one, 0, out=zero)
        np.cumsum(one, out=ones_before)
        ones_before -= one
        ones_before -= ones_before[first]  # the ones before each element, within its bucket
        if weight is None:  # a zero inverts with each one before it
            np.multiply(ones_before, zero, out=work)
        else:
            np.multiply(one, weight, out=work)
            weighted_before = np.cumsum(work) - work
            weighted_before -= weighted_before[first]
            np.multiply(weighted_before, weight, out=work)
            work *= zero
        inversions += work
        _stable_positions(starts, first, one, zero, ones_before, index, work, upper)
        moved[work] = key
        key, moved = moved, key
        if weight is not None:
            moved_weight[work] = weight
            weight, moved_weight = moved_weight, weight
    return np.bincount(group, weights=inversions, minlength=n)


def _stable_positions(
    starts: np.ndarray,
    first: np.ndarray,
    one: np.ndarray,
    zero: np.ndarray,
    ones_before: np.ndarray,
    index: np.ndarray,
    out: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """Write into ``out`` where each element goes when every bucket (runs starting where
    ``starts``; ``first`` each element's bucket start) is ordered stably by its bit (``one`` 0/1,
    ``zero`` its negation, ``ones_before`` the ones before the element in its bucket): a zero
    after the zeros before it, a one after all its bucket's zeros and the ones before it."""
    bucket_starts = np.flatnonzero(starts)
    sizes = np.diff(bucket_starts, append=len(starts))
    zeros_in_bucket = np.repeat((sizes - np.add.reduceat(one, bucket_starts)).astype(out.dtype), sizes)
    np.add(first, zeros_in_bucket, out=out)
    out += ones_before
    np.subtract(index, ones_before, out=scratch)
    np.copyto(out, scratch, where=zero)
