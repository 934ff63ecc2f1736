"""Costes' automatic thresholds equal a brute-force walk down the regression line, one count at a
time (Coloc 2's construction), on random images, generated movies and the real movie.

The walk is written out plainly here: the line from the covariance matrix's principal
eigenvector, every step's below pixels by a mask, Pearson r from plain sums over them (checked
with ``scipy.stats.pearsonr`` where the walk stops).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tifffile
from scipy import stats

from nucleocyto.coloc.costes import COSTES_REASONS
from nucleocyto.coloc.pixel import colocalisation_by_label
from nucleocyto.segment.nuclei import nucleus_labels
from nucleocyto.segment.rings import ring_labels
from nucleocyto.synthetic import grid_cells, render_movie
from pixels import random_labels


def regression_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of the orthogonal regression line: the covariance matrix's principal
    eigenvector through the means; NaN when the covariance is not positive."""
    covariance = np.cov(x, y)
    if not covariance[0, 1] > 0:
        return np.nan, np.nan
    _, vectors = np.linalg.eigh(covariance)
    slope = vectors[1, -1] / vectors[0, -1]
    return slope, y.mean() - slope * x.mean()


def walk(x: np.ndarray, y: np.ndarray, steps: np.ndarray, line: tuple[float, float], along_y: bool) -> tuple:
    """The first of ``steps`` (thresholds of the walked channel, highest first) whose below pixels
    (x < Tx or y < Ty, the other threshold on the line) have Pearson r ≤ 0; fewer than 2 pixels or
    a constant channel do not count. (NaN, NaN) when none has.

    Every step's below set is built; r is evaluated where the number of below pixels changes
    (the set only grows with the threshold, so an equal count is the same set), from the sums
    of :func:`covariances`, and scipy's pearsonr confirms the sign at the step found."""
    slope, intercept = line
    others = (steps - intercept) / slope if along_y else slope * steps + intercept
    tx, ty = (others, steps) if along_y else (steps, others)
    previous = -1
    for start in range(0, len(steps), 1000):
        below = (x < tx[start : start + 1000, None]) | (y < ty[start : start + 1000, None])
        counts = below.sum(axis=1)
        changed = np.flatnonzero(counts != np.concatenate([[previous], counts[:-1]]))
        previous = counts[-1]
        covariance, variance_x, variance_y = covariances(x, y, below[changed])
        hits = changed[(counts[changed] >= 2) & (variance_x > 0) & (variance_y > 0) & (covariance <= 0)]
        if len(hits):
            found = below[hits[0]]
            assert stats.pearsonr(x[found], y[found]).statistic <= 1e-9
            return tx[start + hits[0]], ty[start + hits[0]]
    return np.nan, np.nan


def covariances(x: np.ndarray, y: np.ndarray, below: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per row of ``below`` (c, m), k·Σxy − Σx·Σy, k·Σx² − (Σx)² and k·Σy² − (Σy)² over its pixels:
    the signs of Pearson r's covariance and variances, exact in int64 for whole numbers."""
    if np.array_equal(x, np.round(x)) and np.array_equal(y, np.round(y)):
        x, y, below = x.astype(np.int64), y.astype(np.int64), below.astype(np.int64)
    k, sx, sy = below.sum(axis=1), below @ x, below @ y
    return k * (below @ (x * y)) - sx * sy, k * (below @ (x * x)) - sx * sx, k * (below @ (y * y)) - sy * sy


def one_count_walk(x: np.ndarray, y: np.ndarray, line: tuple[float, float] | None = None) -> tuple:
    """Costes' thresholds of integer pixels by Coloc 2's construction: the line walked along x when
    its slope is below 1, else along y, one count at a time from that channel's largest value
    down to its smallest (``line``: a given slope and intercept instead of the fitted one)."""
    x, y = x.astype(np.float64), y.astype(np.float64)
    slope, intercept = regression_line(x, y) if line is None else line
    if not np.isfinite(slope):
        return np.nan, np.nan
    walked = y if slope >= 1 else x
    return walk(x, y, np.arange(walked.max(), walked.min() - 1, -1.0), (slope, intercept), slope >= 1)


def check_scopes(x: np.ndarray, y: np.ndarray, labels: np.ndarray) -> int:
    """Every label's thresholds, M1 and M2 equal the brute-force walk's; returns the number of
    labels with thresholds."""
    ids = np.unique(labels[labels > 0])
    result = colocalisation_by_label(x, y, labels, ids)
    for i, k in enumerate(ids):
        xs, ys = x[labels == k].astype(np.float64), y[labels == k].astype(np.float64)
        tx, ty = one_count_walk(xs, ys)
        got = (result["costes_threshold_x"][i], result["costes_threshold_y"][i])
        assert got == pytest.approx((tx, ty), rel=1e-12, nan_ok=True), f"label {k}"
        if np.isnan(tx):
            assert result["costes_reason"][i] != "" and np.isnan(result["manders_m1"][i])
            continue
        m1, m2 = xs[(ys > 0) & (ys >= ty)].sum() / xs.sum(), ys[(xs > 0) & (xs >= tx)].sum() / ys.sum()
        assert (result["manders_m1"][i], result["manders_m2"][i]) == pytest.approx((m1, m2), abs=1e-12)
    return int(np.isfinite(result["costes_threshold_x"]).sum())


@pytest.mark.parametrize("seed", range(40))
def test_costes_thresholds_equal_the_one_count_walk(seed):
    """Small images, several labels at once, slopes below, near and above 1, many tied values."""
    rng = np.random.default_rng(seed)
    shape = (12, 15)
    x = rng.integers(0, 60, shape)
    y = np.rint(rng.choice([0.3, 1.0, 4.0]) * x + rng.uniform(5, 80) * rng.random(shape)).astype(np.int64)
    check_scopes(x, y, random_labels(rng, shape, 3))


@pytest.mark.parametrize("seed", range(3))
def test_costes_thresholds_equal_the_walk_over_a_wide_range(seed):
    """Values over ~10^5 counts (sorted, not counted; each pixel its own point), steep and shallow."""
    rng = np.random.default_rng(seed)
    shape = (10, 12)
    x = rng.integers(0, 60, shape) * 2503
    y = np.rint(rng.choice([0.3, 3.0]) * x + 1.5e5 * rng.random(shape)).astype(np.int64)
    assert check_scopes(x, y, random_labels(rng, shape, 3)) > 0


@pytest.mark.parametrize("seed", range(10))
def test_pixels_on_the_line_are_not_below(seed):
    """Symmetric data with zero means: the regression line is exactly y = x, so many pixels lie
    on the line's value at a step; a pixel is below only when strictly under a threshold."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 30, 45)
    b = np.clip(a + rng.integers(-10, 11, 45), 0, None)
    x = np.concatenate([a, b, -a, -b]).reshape(12, 15)
    y = np.concatenate([b, a, -b, -a]).reshape(12, 15)
    result = colocalisation_by_label(x, y, np.ones(x.shape, np.int32), np.array([1]))
    expected = one_count_walk(x.ravel(), y.ravel(), line=(1.0, 0.0))
    assert (result["costes_threshold_x"][0], result["costes_threshold_y"][0]) == expected


def classic_masks(marker: np.ndarray) -> list[np.ndarray]:
    """Each frame's cell regions (nucleus ∪ ring, classic masks), labelled by nucleus."""
    regions = []
    for frame in marker:
        nuclei = nucleus_labels(frame)
        regions.append(np.where(nuclei > 0, nuclei, ring_labels(nuclei)))
    return regions


@pytest.mark.parametrize("marker_level", [150.0, 600.0, 4000.0])
def test_costes_thresholds_equal_the_walk_on_a_generated_movie(marker_level):
    """16 cells; a dim marker makes the line shallow (walked along the POI), a bright one steep."""
    shape = (96, 96)
    cells = [dataclasses.replace(cell, marker_level=marker_level) for cell in grid_cells(16, shape, seed=2)]
    poi, marker, _ = render_movie(cells, 4, shape, seed=2)
    found = sum(check_scopes(p, m, regions) for p, m, regions in zip(poi, marker, classic_masks(marker)))
    assert found > 40


def test_costes_thresholds_equal_the_walk_on_the_real_movie(real_movie):
    """Every cell scope of every frame of the real movie (classic masks)."""
    poi, marker = (tifffile.imread(path) for path in real_movie)
    found = sum(check_scopes(p, m, regions) for p, m, regions in zip(poi, marker, classic_masks(marker)))
    assert found >= len(poi)


@pytest.mark.parametrize("seed", range(10))
def test_costes_on_float_images_visits_every_change(seed):
    """Float images are walked continuously: the thresholds equal the walk over every value of the
    walked channel, every crossing of the line with the other channel's values and every midpoint
    between them (no threshold between two changes of the below set can be higher)."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 50.0, (9, 11))
    y = rng.choice([0.4, 2.5]) * x + 80 * rng.random(x.shape)
    result = colocalisation_by_label(x, y, np.ones(x.shape, np.int32), np.array([1]))
    slope, intercept = regression_line(x.ravel(), y.ravel())
    walked, other = (y, x) if slope >= 1 else (x, y)
    crossings = slope * other + intercept if slope >= 1 else (other - intercept) / slope
    changes = np.unique(np.concatenate([walked.ravel(), crossings.ravel()]))
    changes = changes[(changes >= walked.min()) & (changes <= walked.max())]
    steps = np.sort(np.concatenate([changes, (changes[1:] + changes[:-1]) / 2]))[::-1]
    expected = walk(x.ravel(), y.ravel(), steps, (slope, intercept), slope >= 1)
    got = (result["costes_threshold_x"][0], result["costes_threshold_y"][0])
    assert got == pytest.approx(expected, rel=1e-9, nan_ok=True)


def test_costes_thresholds_sit_in_the_data_range():
    rng = np.random.default_rng(1)
    x = rng.integers(0, 1000, (40, 40))
    y = x // 2 + rng.integers(0, 300, x.shape)
    result = colocalisation_by_label(x, y, np.ones(x.shape, np.int32), np.array([1]))
    assert x.min() <= result["costes_threshold_x"][0] <= x.max()
    assert 0 < result["manders_m1"][0] < 1 and 0 < result["manders_m2"][0] < 1


def test_no_threshold_is_nan_with_its_reason():
    """Exactly proportional channels stay correlated below every threshold; anti-correlated ones
    have no rising line: NaN thresholds and M1/M2 (never 1), with the reason."""
    x = np.arange(1, 41, dtype=np.uint16).reshape(5, 8)
    labels = np.ones(x.shape, np.int32)
    for y, reason in ((2 * x, "no_threshold"), (100 - x, "no_positive_slope")):
        result = colocalisation_by_label(x, y, labels, np.array([1]))
        assert result["costes_reason"][0] == reason and reason in COSTES_REASONS
        for name in ("costes_threshold_x", "costes_threshold_y", "manders_m1", "manders_m2"):
            assert np.isnan(result[name][0]), name
        assert result["manders_m1_raw"][0] == 1.0  # without thresholds: defined
