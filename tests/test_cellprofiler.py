"""With ``convention="cellprofiler"`` the colocalisation measures follow CellProfiler 4.2's
MeasureColocalization: values worked out by hand from its definitions, and its Costes walk
(``linear_costes`` in Accurate mode) written out here, in counts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from nucleocyto.coloc.costes import Costes
from nucleocyto.coloc.pixel import colocalisation_by_label
from nucleocyto.coloc.scopes import frame_correlations
from nucleocyto.segment.rings import ring_labels
from pixels import random_labels

X = np.array([[4, 10, 20, 30, 40]], np.uint16)
Y = np.array([[40, 5, 30, 20, 10]], np.uint16)
#: Dense ranks 0..4 of X and of Y, R = 5 distinct values: weights (R − |rank x − rank y|) / R.
WEIGHTS = (5 - np.abs(np.array([0, 1, 2, 3, 4]) - np.array([4, 0, 3, 2, 1]))) / 5  # 0.2 0.8 0.8 0.8 0.4


def cellprofiler(x, y, labels, ids, percent=25.0, within_objects=None) -> dict:
    return colocalisation_by_label(x, y, labels, ids, "cellprofiler", percent, within_objects)


def test_an_image_counts_pixels_strictly_above_the_percentage():
    """ "Across entire image" at 25 %: x > 10 and y > 10; both for (20, 30) and (30, 20)."""
    result = cellprofiler(X, Y, np.ones(X.shape, np.int32), np.array([1]))
    assert result["manders_m1_raw"][0] == pytest.approx((20 + 30) / (20 + 30 + 40))
    assert result["manders_m2_raw"][0] == pytest.approx((30 + 20) / (40 + 30 + 20))
    assert result["manders_overlap"][0] == pytest.approx(
        (20 * 30 + 30 * 20) / math.sqrt((20**2 + 30**2) * (30**2 + 20**2))
    )
    assert result["rwc_x"][0] == pytest.approx((20 * WEIGHTS[2] + 30 * WEIGHTS[3]) / 90)
    assert result["rwc_y"][0] == pytest.approx((30 * WEIGHTS[2] + 20 * WEIGHTS[3]) / 90)


def test_objects_count_pixels_at_or_above_the_percentage_and_take_the_image_thresholds():
    """ "Within objects" at 25 %: x ≥ 10 and y ≥ 10, both for (20, 30), (30, 20), (40, 10); the
    image's Costes thresholds (25, 15): C1 = Σ x[x > 25, y > 15] / Σ x[x ≥ 25]."""
    image = Costes(np.array([25.0]), np.array([15.0]), np.array([""], object))
    result = cellprofiler(X, Y, np.ones(X.shape, np.int32), np.array([1]), within_objects=image)
    assert result["manders_m1_raw"][0] == pytest.approx((20 + 30 + 40) / (10 + 20 + 30 + 40))
    assert result["manders_m2_raw"][0] == pytest.approx((30 + 20 + 10) / (40 + 30 + 20 + 10))
    assert result["manders_overlap"][0] == pytest.approx(1600 / math.sqrt((400 + 900 + 1600) * (900 + 400 + 100)))
    assert result["rwc_x"][0] == pytest.approx((20 * 0.8 + 30 * 0.8 + 40 * 0.4) / 100)
    assert result["rwc_y"][0] == pytest.approx((30 * 0.8 + 20 * 0.8 + 10 * 0.4) / 100)
    assert (result["costes_threshold_x"][0], result["costes_threshold_y"][0]) == (25.0, 15.0)
    assert result["manders_m1"][0] == pytest.approx(30 / (30 + 40))
    assert result["manders_m2"][0] == pytest.approx(20 / (40 + 30 + 20))


def test_objects_rank_over_all_objects():
    """Two objects: x (1, 2 | 3, 4), y (1, 2 | 4, 3). Ranked over both, the second object's ranks
    differ by 1 of R = 4 (weight 3/4); ranked alone they would differ by 1 of 2."""
    x, y = np.array([[1, 2, 3, 4]]), np.array([[1, 2, 4, 3]])
    labels, ids = np.array([[1, 1, 2, 2]]), np.array([1, 2])
    image = Costes(np.array([1.0]), np.array([1.0]), np.array([""], object))
    result = cellprofiler(x, y, labels, ids, percent=0.0, within_objects=image)
    np.testing.assert_allclose(result["rwc_x"], [1.0, 0.75])
    np.testing.assert_allclose(cellprofiler(x, y, labels, ids, percent=0.0)["rwc_x"], [1.0, 0.5])


def linear_costes(fi: np.ndarray, si: np.ndarray) -> tuple[float, float, bool]:
    """CellProfiler 4.2.8's ``MeasureColocalization.linear_costes`` in Accurate mode, in counts
    (its step of 1/scale is one count): the line fitted to the pixels with fi > 0 or si > 0, then
    walked down along fi one count at a time from above the maximum until Pearson r ≤ 0.
    Returns the thresholds and whether r ≤ 0 was reached (CellProfiler returns the thresholds
    where it stopped either way)."""
    non_zero = (fi > 0) | (si > 0)
    xvar, yvar = np.var(fi[non_zero], ddof=1), np.var(si[non_zero], ddof=1)
    xmean, ymean = np.mean(fi[non_zero]), np.mean(si[non_zero])
    covar = 0.5 * (np.var(fi[non_zero] + si[non_zero], ddof=1) - (xvar + yvar))
    a = ((yvar - xvar) + np.sqrt((yvar - xvar) ** 2 + 4 * covar**2)) / (2 * covar)
    b = ymean - a * xmean
    i = max(fi.max(), si.max()) // 1 + 1
    num_true, cost_reg = None, stats.pearsonr(fi, si).statistic
    thr_fi_c, thr_si_c = i, a * i + b
    while i > fi.max() and a * i + b > si.max():
        i -= 1
    while i > 1:
        thr_fi_c, thr_si_c = i, a * i + b
        combt = (fi < thr_fi_c) | (si < thr_si_c)
        if np.count_nonzero(combt) < 2:  # scipy's pearsonr raises ValueError: CellProfiler stops
            return thr_fi_c, thr_si_c, False
        if (positives := np.count_nonzero(combt)) != num_true:
            with warnings.catch_warnings():  # a constant channel: r is NaN, and the walk goes on
                warnings.simplefilter("ignore", stats.ConstantInputWarning)
                cost_reg = stats.pearsonr(fi[combt], si[combt]).statistic
            num_true = positives
        if cost_reg <= 0:
            return thr_fi_c, thr_si_c, True
        i -= 1
    return thr_fi_c, thr_si_c, False


@pytest.mark.parametrize("seed", range(12))
def test_costes_thresholds_equal_cellprofilers_walk(seed):
    """Each label measured as an image: CellProfiler's walk along the POI, its line fitted to the
    non-zero pixels (here a third of the pixels are zero in one channel or both)."""
    rng = np.random.default_rng(seed)
    shape = (14, 16)
    x = rng.integers(0, 60, shape) * (rng.random(shape) > 0.3)
    y = np.rint(rng.choice([0.5, 2.0]) * x + rng.uniform(5, 60) * rng.random(shape)) * (rng.random(shape) > 0.2)
    labels = random_labels(rng, shape, 4)
    ids = np.unique(labels[labels > 0])
    result = cellprofiler(x, y.astype(np.int64), labels, ids)
    found = 0
    for i, k in enumerate(ids):
        fi, si = x[labels == k].astype(np.float64), y[labels == k]
        got = (result["costes_threshold_x"][i], result["costes_threshold_y"][i])
        if result["costes_reason"][i] in ("too_few_pixels", "constant_channel", "no_positive_slope"):
            continue
        tx, ty, reached = linear_costes(fi, si)
        if not reached:
            assert np.isnan(got).all() and result["costes_reason"][i] == "no_threshold"
            continue
        found += 1
        assert got == pytest.approx((tx, ty), rel=1e-12)
        c1 = fi[(fi > tx) & (si > ty)].sum() / fi[fi > tx].sum()  # an image: strictly above in both sums
        c2 = si[(fi > tx) & (si > ty)].sum() / si[si > ty].sum()
        assert (result["manders_m1"][i], result["manders_m2"][i]) == pytest.approx((c1, c2), abs=1e-12)
    assert found > 0


def test_cells_take_the_frame_thresholds():
    """In the table, cells are CellProfiler's objects: every cell row carries the frame's Costes
    thresholds; the cells together are an image with thresholds of its own."""
    rng = np.random.default_rng(5)
    common = rng.gamma(2.0, 200.0, (40, 50))
    poi = (common + rng.integers(0, 200, common.shape)).astype(np.uint16)
    marker = (0.7 * common + rng.integers(0, 300, common.shape)).astype(np.uint16)
    nuclei = np.zeros(poi.shape, np.int32)
    nuclei[8:16, 8:16], nuclei[24:33, 30:40] = 1, 2
    table = frame_correlations(np.stack([poi, marker]), nuclei, ring_labels(nuclei), convention="cellprofiler")
    frame = table[table["scope"] == "frame"].iloc[0]
    cells = table[table["scope"] == "cell"]
    assert frame["costes_reason"] == "" and len(cells) == 2
    np.testing.assert_array_equal(cells["costes_threshold_poi"], frame["costes_threshold_poi"])
    np.testing.assert_array_equal(cells["costes_threshold_marker"], frame["costes_threshold_marker"])
    own = frame_correlations(np.stack([poi, marker]), nuclei, ring_labels(nuclei))
    assert not np.array_equal(own["costes_threshold_poi"][:2], cells["costes_threshold_poi"])
