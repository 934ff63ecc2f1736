"""Pixel-wise colocalisation and temporal correlation equal reference implementations.

References: scipy.stats (pearsonr, spearmanr), skimage.measure (pearson_corr_coeff,
manders_coloc_coeff, manders_overlap_coeff), scipy.signal.detrend, and brute-force searches
written out plainly here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml
from scipy import ndimage, signal, stats
from skimage import measure

from conftest import REPO, run_snakemake, write_sheet
from nucleocyto.coloc import kendall
from nucleocyto.coloc.costes import costes_pvalue_by_label
from nucleocyto.coloc.grouped import average_ranks, joint_points, merge_points, scope_pixels, value_bins
from nucleocyto.coloc.pixel import colocalisation_by_label
from nucleocyto.coloc.scopes import COLUMNS, frame_correlations
from nucleocyto.coloc.temporal import (
    TEMPORAL_COLUMNS,
    best_lag,
    detrend,
    lagged_pearson,
    pearson,
    spearman,
    temporal_correlations,
)
from nucleocyto.io.tables import read_provenance
from nucleocyto.measure.cells import cell_table
from nucleocyto.segment.nuclei import nucleus_labels
from nucleocyto.segment.rings import ring_labels
from nucleocyto.steps.measure import measure_stack
from pixels import random_labels, random_pair

TOL = 1e-12


def rank_weighted(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """RWC of x and of y (Singan et al. 2011, as CellProfiler): dense 0-based ranks, R the larger
    number of distinct values, weight (R − |rank x − rank y|) / R, colocalised where the other
    channel is above zero."""
    rank_x, rank_y = (np.unique(channel, return_inverse=True)[1] for channel in (x, y))
    size = max(rank_x.max(), rank_y.max()) + 1
    weight = (size - np.abs(rank_x - rank_y)) / size
    return (x * weight * (y > 0)).sum() / x.sum(), (y * weight * (x > 0)).sum() / y.sum()


def check_against_references(x: np.ndarray, y: np.ndarray, mask: np.ndarray, row) -> None:
    """Every measure of ``row`` (a mapping) equals its reference on ``x[mask]``, ``y[mask]``."""
    xf, yf = x.astype(np.float64), y.astype(np.float64)  # skimage squares in the input dtype
    xm, ym = xf[mask], yf[mask]
    assert row["n_px"] == mask.sum()
    assert row["pearson_r"] == pytest.approx(stats.pearsonr(xm, ym).statistic, abs=TOL)
    assert row["pearson_r"] == pytest.approx(measure.pearson_corr_coeff(xf, yf, mask)[0], abs=TOL)
    assert row["spearman_rho"] == pytest.approx(stats.spearmanr(xm, ym).statistic, abs=TOL)
    assert row["kendall_tau"] == pytest.approx(stats.kendalltau(xm, ym).statistic, abs=TOL)
    assert row["manders_overlap"] == pytest.approx(measure.manders_overlap_coeff(xf, yf, mask), abs=TOL)
    tx, ty = row["costes_threshold_x"], row["costes_threshold_y"]
    assert np.isnan(tx) == np.isnan(ty) == np.isnan(row["manders_m1"]) == (row["costes_reason"] != "")
    if row["costes_reason"] == "":  # Coloc 2's tM1, tM2: the other channel above zero and its threshold
        assert row["manders_m1"] == pytest.approx(measure.manders_coloc_coeff(xf, (yf >= ty) & (yf > 0), mask), abs=TOL)
        assert row["manders_m2"] == pytest.approx(measure.manders_coloc_coeff(yf, (xf >= tx) & (xf > 0), mask), abs=TOL)
    assert row["manders_m1_raw"] == pytest.approx(measure.manders_coloc_coeff(xf, yf > 0, mask), abs=TOL)
    assert row["manders_m2_raw"] == pytest.approx(measure.manders_coloc_coeff(yf, xf > 0, mask), abs=TOL)
    assert (row["rwc_x"], row["rwc_y"]) == pytest.approx(rank_weighted(xm, ym), abs=TOL)
    product = (xm - xm.mean()) * (ym - ym.mean())
    assert row["li_icq"] == pytest.approx((product > 0).mean() - 0.5, abs=TOL)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [True, False])
def test_measures_equal_references_on_random_data(seed, integer):
    rng = np.random.default_rng(seed)
    x, y = random_pair(rng, (60, 70), integer)
    labels = random_labels(rng, x.shape, 6)
    ids = np.unique(labels[labels > 0])
    result = colocalisation_by_label(x, y, labels, ids)
    assert np.isfinite(result["costes_threshold_x"]).any()
    for i, k in enumerate(ids):
        row = {name: values[i] for name, values in result.items()}
        assert row["costes_reason"] in ("", "no_threshold", "no_positive_slope")
        assert (row["costes_reason"] == "no_positive_slope") == (row["pearson_r"] <= 0)
        check_against_references(x, y, labels == k, row)


@pytest.fixture(scope="module")
def real_frames(real_movie):
    """Three (POI, marker, nuclei, ring) frames of the real movie, masks by the classic method."""
    poi, marker = (tifffile.imread(path) for path in real_movie)
    frames = []
    for t in (0, 35, 70):
        nuclei = nucleus_labels(marker[t])
        frames.append((poi[t], marker[t], nuclei, ring_labels(nuclei)))
    return frames


def test_measures_equal_references_on_real_frames(real_frames):
    names = {"costes_threshold_poi": "costes_threshold_x", "costes_threshold_marker": "costes_threshold_y"}
    names |= {"rwc_poi": "rwc_x", "rwc_marker": "rwc_y"}
    for poi, marker, nuclei, ring in real_frames:
        table = frame_correlations(np.stack([poi, marker]), nuclei, ring).rename(columns=names)
        cells = np.where(nuclei > 0, nuclei, ring)
        for _, row in table.iterrows():
            mask = {"cell": cells == row["cell_id"], "all_cells": cells > 0, "frame": np.ones(poi.shape, bool)}
            check_against_references(poi, marker, mask[row["scope"]], row)
        assert table["costes_threshold_x"].notna().all() and table["costes_p"].isna().all()


@pytest.mark.parametrize("seed", range(4))
def test_integer_values_give_the_same_measures_in_every_dtype(seed):
    """uint16 and int32 images are counted and their pixels with equal values merged; float images
    of the same values are sorted pixel by pixel: the measures agree and equal their references."""
    rng = np.random.default_rng(seed)
    x, y = (channel // 40 for channel in random_pair(rng, (60, 70), integer=True))  # many equal pairs
    labels = random_labels(rng, x.shape, 6)
    ids = np.unique(labels[labels > 0])
    expected = colocalisation_by_label(x, y, labels, ids)
    for dtype in (np.int32, np.float32, np.float64):
        assert_same_measures(colocalisation_by_label(x.astype(dtype), y.astype(dtype), labels, ids), expected)
    for i, k in enumerate(ids):
        check_against_references(x, y, labels == k, {name: values[i] for name, values in expected.items()})
    negative = [channel.astype(np.int16) - 50 for channel in (x, y)]  # counted from the minimum
    got, expected = (
        colocalisation_by_label(*images, labels, ids)
        for images in (negative, [channel.astype(np.float64) for channel in negative])
    )
    assert_same_measures(got, expected)


def assert_same_measures(got: dict, expected: dict) -> None:
    """Two results of :func:`colocalisation_by_label` agree: numbers to :data:`TOL`, reasons exactly."""
    for name, values in expected.items():
        if values.dtype == object:
            np.testing.assert_array_equal(got[name], values, err_msg=name)
        else:
            np.testing.assert_allclose(got[name], values, rtol=0, atol=TOL, err_msg=name)


@pytest.mark.parametrize("seed", range(10))
def test_wide_integer_range_and_background_label(seed):
    """Values spread over millions of counts (sorted, not counted) and label 0 reported as a label."""
    rng = np.random.default_rng(seed)
    shape = (12, 15)
    x = rng.integers(0, 60, shape) * 100_003
    y = np.rint(rng.choice([0.3, 1.0, 4.0]) * x + 1e6 * rng.random(shape)).astype(np.int64)
    labels = random_labels(rng, shape, 3)
    ids = np.unique(labels)
    assert ids[0] == 0
    result = colocalisation_by_label(x, y, labels, ids)
    for i, k in enumerate(ids):
        check_against_references(x, y, labels == k, {name: values[i] for name, values in result.items()})


@pytest.mark.parametrize("integer", [True, False])
def test_whole_image_scope(integer):
    """One label over a whole image, too many distinct value pairs to merge: each pixel is a point."""
    rng = np.random.default_rng(7)
    x, y = random_pair(rng, (80, 90), integer)
    result = colocalisation_by_label(x, y, np.ones(x.shape, np.int8), np.array([1]))
    check_against_references(x, y, np.ones(x.shape, bool), {name: values[0] for name, values in result.items()})
    assert np.isfinite(result["costes_threshold_x"][0])


def test_undefined_measures_are_nan():
    x = np.array([[5, 5, 5, 7, 0, 0]], np.uint16)
    y = np.array([[1, 2, 3, 4, 0, 0]], np.uint16)
    labels = np.array([[1, 1, 1, 2, 4, 4]])
    result = colocalisation_by_label(x, y, labels, np.array([1, 2, 3, 4]))  # constant x, one pixel, absent, zeros
    undefined = ("pearson_r", "spearman_rho", "kendall_tau", "li_icq", "manders_m1", "manders_m2", "costes_threshold_x")
    for name in undefined:
        assert np.isnan(result[name]).all(), name
    assert list(result["costes_reason"]) == ["constant_channel", "too_few_pixels", "too_few_pixels", "constant_channel"]
    np.testing.assert_array_equal(result["n_px"], [3, 1, 0, 2])
    np.testing.assert_allclose(result["manders_overlap"][:2], [measure.manders_overlap_coeff(x[:, :3], y[:, :3]), 1])
    np.testing.assert_allclose(result["manders_m1_raw"][:2], [1, 1])  # defined wherever the signal is
    assert np.isnan(result["manders_m1_raw"][2:]).all() and np.isnan(result["rwc_y"][2:]).all()  # no signal


def test_icq_and_pearson_extremes():
    x = np.arange(1, 101, dtype=np.uint16).reshape(10, 10)
    labels = np.ones(x.shape, np.int32)
    same = colocalisation_by_label(x, 3 * x + 7, labels, np.array([1]))
    opposite = colocalisation_by_label(x, 1000 - x, labels, np.array([1]))
    assert same["pearson_r"][0] == pytest.approx(1.0) and same["li_icq"][0] == pytest.approx(0.5)
    assert opposite["pearson_r"][0] == pytest.approx(-1.0) and opposite["li_icq"][0] == pytest.approx(-0.5)
    assert np.isnan(opposite["costes_threshold_x"][0])


def smooth_field(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """White noise blurred by a Gaussian PSF of sigma 1 px (FWHM 2.35 px)."""
    return ndimage.gaussian_filter(rng.standard_normal(shape), 1.0)


def test_costes_p_small_for_colocalised_spread_for_independent():
    shape, block, shuffles = (40, 40), 3, 99
    labels, one = np.ones(shape, np.int32), np.array([1])
    independent, colocalised = [], []
    for seed in range(30):
        rng = np.random.default_rng(seed)
        x, y = smooth_field(rng, shape), smooth_field(rng, shape)
        r = colocalisation_by_label(x, y, labels, one)["pearson_r"][0]
        assert abs(r) < 0.35
        independent.append(costes_pvalue_by_label(x, y, labels, one, block, shuffles, rng)[0])
        if seed < 5:
            y = x + 0.2 * y
            assert colocalisation_by_label(x, y, labels, one)["pearson_r"][0] > 0.95
            colocalised.append(costes_pvalue_by_label(x, y, labels, one, block, shuffles, rng)[0])
    assert max(colocalised) == pytest.approx(1 / (shuffles + 1))
    independent = np.array(independent)
    assert ((independent > 0) & (independent <= 1)).all()
    assert stats.kstest(independent, "uniform").pvalue > 0.01
    assert (independent < 0.5).sum() >= 8 and (independent > 0.5).sum() >= 8


def test_costes_p_per_label_and_reproducible():
    """A colocalised cell and an independent cell in one image, tested in one call."""
    rng = np.random.default_rng(3)
    shape = (40, 80)
    x, noise = smooth_field(rng, shape), smooth_field(rng, shape)
    y = np.where(np.arange(80) < 40, x + 0.2 * noise, noise)
    labels = np.where(np.arange(80) < 40, 1, 2) * np.ones(shape, np.int32)
    labels[:3] = 0
    ids = np.array([1, 2])
    p = costes_pvalue_by_label(x, y, labels, ids, 3, 49, np.random.default_rng(7))
    assert p[0] == pytest.approx(1 / 50) and p[1] > 0.05
    again = costes_pvalue_by_label(x, y, labels, ids, 3, 49, np.random.default_rng(7))
    np.testing.assert_array_equal(p, again)


def test_frame_table_scopes_and_columns():
    rng = np.random.default_rng(0)
    x, y = random_pair(rng, (50, 60), True)
    nuclei = np.zeros(x.shape, np.int32)
    nuclei[10:20, 10:20], nuclei[30:40, 35:45] = 1, 2
    table = frame_correlations(np.stack([x, y]), nuclei, ring_labels(nuclei), 9, 3, np.random.default_rng(0))
    assert list(table["scope"]) == ["cell", "cell", "all_cells", "frame"]
    assert list(table["cell_id"]) == [1, 2, 0, 0]
    assert table["costes_p"].between(0.1, 1).all()
    assert list(table.columns) == list(COLUMNS[3:])
    empty = frame_correlations(np.stack([x, y]), np.zeros_like(nuclei), np.zeros_like(nuclei))
    assert list(empty["scope"]) == ["all_cells", "frame"] and empty["pearson_r"].isna().tolist() == [True, False]


# --- over time -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        np.array([], np.float64),
        np.array([3.0]),
        np.random.default_rng(1).normal(size=40),
        np.random.default_rng(2).integers(0, 5, 60),  # many ties
        np.random.default_rng(3).integers(-3, 3, 30).astype(np.float64) / 7,  # tied floats
        np.random.default_rng(4).integers(0, 2**40, 50),  # too wide a range to count: sorted
    ],
)
def test_average_ranks_equal_scipy(values):
    np.testing.assert_array_equal(average_ranks(values), stats.rankdata(values))


@pytest.mark.parametrize("seed", range(5))
def test_temporal_pearson_spearman_equal_scipy(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=50), rng.normal(size=50)
    b += 0.5 * a
    a[rng.integers(0, 50, 6)] = np.nan
    keep = np.isfinite(a)
    assert pearson(a, b) == pytest.approx(stats.pearsonr(a[keep], b[keep]).statistic, abs=TOL)
    assert spearman(a, b) == pytest.approx(stats.spearmanr(a[keep], b[keep]).statistic, abs=TOL)
    lags, r = lagged_pearson(a, b, 3)
    for lag, value in zip(lags, r):
        shifted = np.full(50, np.nan)
        shifted[max(0, -lag) : 50 - max(0, lag)] = b[max(0, lag) : 50 - max(0, -lag)]
        both = keep & np.isfinite(shifted)
        assert value == pytest.approx(stats.pearsonr(a[both], shifted[both]).statistic, abs=TOL)


def test_detrending_methods():
    rng = np.random.default_rng(0)
    t = np.arange(40.0)
    trace = 900 * np.exp(-0.04 * t) + 5 * rng.normal(size=40)
    np.testing.assert_allclose(detrend(trace, "linear"), signal.detrend(trace, type="linear"), atol=1e-9)
    np.testing.assert_allclose(detrend(900 * np.exp(-0.04 * t), "exponential"), 0, atol=1e-9)
    np.testing.assert_array_equal(detrend(trace, "difference")[1:], np.diff(trace))
    gappy = trace.copy()
    gappy[[3, 17]] = np.nan
    line = detrend(gappy, "linear")
    assert np.isnan(line[[3, 17]]).all()
    keep = np.isfinite(gappy)
    assert abs(np.polyfit(t[keep], line[keep], 1)).max() < 1e-9  # no trend left in the residuals


def test_detrending_removes_a_shared_bleach():
    """Independent fluctuations under one bleaching curve correlate only before detrending."""
    raw, flat = [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        bleach = np.exp(-0.03 * np.arange(60))
        a, b = (level * bleach * (1 + 0.03 * rng.normal(size=60)) for level in (1000, 500))
        raw.append(pearson(a, b))
        flat.append(pearson(detrend(a, "exponential"), detrend(b, "exponential")))
    assert min(raw) > 0.9
    assert np.mean(np.abs(flat)) < 0.25


def test_best_lag_finds_a_known_delay():
    rng = np.random.default_rng(2)
    a = rng.normal(size=80)
    b = np.roll(-a, 3)  # b[t] = -a[t - 3]: b follows a by 3 frames
    lag, r = best_lag(a, b, 5)
    assert lag == 3 and r == pytest.approx(-1.0)
    assert best_lag(a, np.roll(a, -2), 5) == (-2.0, pytest.approx(1.0))
    assert all(math.isnan(v) for v in best_lag(np.full(10, np.nan), a[:10], 2))


def synthetic_cells(nucleus: np.ndarray, cytoplasm: np.ndarray, frames_of_cell_2: set[int]) -> pd.DataFrame:
    """A cells table: cell 1 in every frame, cell 2 (same means) in some, and the pooled row
    (cell 0, the same means) in every frame."""
    rows = []
    for t in range(len(nucleus)):
        for cell in (0, 1, 2) if t in frames_of_cell_2 else (0, 1):
            rows.append(
                {
                    "sample": "s",
                    "frame": t,
                    "time_s": 10.0 * t,
                    "cell_id": cell,
                    "poi_nucleus_mean": nucleus[t],
                    "poi_cytoplasm_mean": cytoplasm[t],
                }
            )
    return pd.DataFrame(rows)


def test_temporal_table_uses_frame_positions():
    """A cell absent from some frames keeps its frames in place: lags and differences stay right."""
    rng = np.random.default_rng(4)
    base = 500 + 50 * rng.normal(size=32)
    nucleus, cytoplasm = base[2:], 1000 - base[:-2]  # cytoplasm[t] = 1000 - nucleus[t - 2]
    present = set(range(0, 10)) | set(range(16, 30))
    table = temporal_correlations(synthetic_cells(nucleus, cytoplasm, present), "s", 10.0, "difference", 4)
    assert list(table.columns) == list(TEMPORAL_COLUMNS)
    assert list(table["cell_id"]) == [0, 1, 2] and list(table["n_frames"]) == [30, 30, 24]
    for _, row in table.iterrows():
        assert row["xcorr_lag_frames"] == 2 and row["xcorr_lag_s"] == 20.0
        assert row["xcorr_r"] == pytest.approx(-1.0, abs=TOL)
    pooled = table.iloc[0]
    assert pooled["temporal_pearson_r"] == pytest.approx(stats.pearsonr(nucleus, cytoplasm).statistic, abs=TOL)
    assert pooled["temporal_spearman_rho"] == pytest.approx(stats.spearmanr(nucleus, cytoplasm).statistic, abs=TOL)
    assert pooled["temporal_pearson_r_detrended"] == pytest.approx(
        stats.pearsonr(np.diff(nucleus), np.diff(cytoplasm)).statistic, abs=TOL
    )


def test_real_movie_temporal_correlation(real_movie):
    """Pooled traces of the real movie: raw and linearly detrended r equal scipy's on the classic
    whole-mask means (docs/method.md), computed independently here."""
    poi, marker = (tifffile.imread(path) for path in real_movie)
    nuclei = np.stack([nucleus_labels(frame) for frame in marker])
    rings = np.stack([ring_labels(frame) for frame in nuclei])
    intensities = measure_stack(np.stack([poi, marker], axis=1), nuclei, rings, "nls", 60.0).intensities
    table = temporal_correlations(cell_table(intensities), "nls", 60.0, "linear", 5).set_index("cell_id")
    masks = {"nucleus": nuclei > 0, "cytoplasm": rings > 0}
    classic = {region: np.array([p[m].mean() for p, m in zip(poi, mask)]) for region, mask in masks.items()}
    pooled = table.loc[0]
    expected_raw = stats.pearsonr(classic["nucleus"], classic["cytoplasm"]).statistic
    expected_flat = stats.pearsonr(*(signal.detrend(classic[r]) for r in ("nucleus", "cytoplasm"))).statistic
    assert pooled["temporal_pearson_r"] == pytest.approx(expected_raw, abs=TOL)
    assert pooled["temporal_pearson_r_detrended"] == pytest.approx(expected_flat, abs=TOL)
    assert pooled["temporal_pearson_r_detrended"] < pooled["temporal_pearson_r"] < -0.5  # NLS shuttling


@pytest.mark.workflow
def test_correlate_rule_uses_its_parameters(tmp_path):
    """The correlate rule passes the correlation section through: Costes test on, first
    differences, lag in seconds from the movie's frame interval, CellProfiler's definitions."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["correlation"].update(costes_shuffles=19, psf_fwhm_px=2, seed=1, detrend="difference", max_lag_frames=2)
    config["correlation"].update(convention="cellprofiler", cellprofiler_threshold_percent=10)
    demo = REPO / "data" / "demo"
    config["samples"] = str(
        write_sheet(
            tmp_path / "samples.tsv",
            [
                {
                    "sample": "demo_import",
                    "poi": demo / "demo_import_poi.tif",
                    "nucleus": demo / "demo_import_nucleus.tif",
                }
            ],
        )
    )
    configfile = tmp_path / "correlation_config.yaml"
    configfile.write_text(yaml.safe_dump(config))
    targets = [f"results/demo_import/{name}" for name in ("correlation.parquet", "translocation.parquet")]
    run_snakemake(tmp_path, "--cores", "2", "--configfile", str(configfile), "--", *targets)  # replaces the default
    results = tmp_path / "results" / "demo_import"
    correlation = pd.read_parquet(results / "correlation.parquet")
    assert list(correlation.columns) == list(COLUMNS)
    assert correlation["costes_p"].between(1 / 20, 1).all()
    colocalised = correlation.query("scope == 'cell' and pearson_r > 0.9")
    assert len(colocalised) > 0 and (colocalised["costes_p"] == 1 / 20).all()
    assert read_provenance(results / "correlation.parquet")["params"]["correlation"] == config["correlation"]
    frames = correlation[correlation["scope"] == "frame"].set_index("frame")["costes_threshold_poi"]
    cells = correlation[correlation["scope"] == "cell"]
    np.testing.assert_array_equal(cells["costes_threshold_poi"], frames[cells["frame"]])  # CellProfiler's objects
    translocation = pd.read_parquet(results / "translocation.parquet")
    assert list(translocation.columns) == list(TEMPORAL_COLUMNS)
    assert translocation["xcorr_lag_frames"].abs().max() <= 2
    np.testing.assert_array_equal(translocation["xcorr_lag_s"], translocation["xcorr_lag_frames"] * 30.0)
    assert (translocation["temporal_pearson_r_detrended"] < -0.9).all()  # import: nucleus up as cytoplasm goes down


def test_lags_longer_than_the_movie_are_undefined():
    """A 3-frame movie with max_lag 5: lags beyond the movie give NaN instead of failing."""
    lags, r = lagged_pearson(np.array([1.0, 2.0, 4.0]), np.array([3.0, 1.0, 0.5]), 5)
    assert list(lags) == list(range(-5, 6))
    assert np.isnan(r[np.abs(lags) >= 2]).all()
    assert r[lags == 0][0] == pytest.approx(stats.pearsonr([1, 2, 4], [3, 1, 0.5]).statistic)


@pytest.mark.parametrize("grid_per_point", [0, 10**9], ids=["bitwise", "grid"])
def test_kendall_of_merged_points_by_either_count_equals_scipy(monkeypatch, grid_per_point):
    """Merged integer pixels give scipy's tau-b per label whether the discordant pairs are
    counted bit by bit or on the grid of (x, y) bins."""
    monkeypatch.setattr(kendall, "GRID_PER_POINT", grid_per_point)
    monkeypatch.setattr(kendall, "GRID_PER_PIXEL", grid_per_point)
    counted, grid_count = [], kendall._grid_inversions

    def counting_on_the_grid(*arguments):
        counted.append(True)
        return grid_count(*arguments)

    monkeypatch.setattr(kendall, "_grid_inversions", counting_on_the_grid)
    rng = np.random.default_rng(7)
    for _ in range(10):
        x = rng.integers(0, rng.integers(3, 60), (50, 64)).astype(np.uint16)
        y = (x // 2 + rng.integers(0, rng.integers(2, 40), x.shape)).astype(np.uint16)
        labels = rng.integers(0, 7, x.shape)
        scope = scope_pixels(x, y, labels, np.arange(1, 7))
        assert scope.points.weight is not None  # merged points
        expected = [stats.kendalltau(x[labels == k], y[labels == k]).statistic for k in range(1, 7)]
        np.testing.assert_allclose(kendall.kendall_tau(scope), expected, atol=1e-12)
    assert bool(counted) == (grid_per_point > 0), "the route asked for was taken"


@pytest.mark.parametrize("dtype, high", [(np.uint8, 255), (np.uint16, 40), (np.uint16, 700), (np.int32, 300)])
@pytest.mark.parametrize("seed", range(6))
def test_points_from_joint_counts_equal_the_binned_and_merged_pixels(dtype, high, seed):
    """One group of integer pixels (a whole frame) gives the same bins and weighted points from
    one count of its (x, y) pairs as from binning each channel and merging."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 20_000))
    x, y = (rng.integers(0, high, m).astype(dtype) for _ in range(2))
    group = np.zeros(m, np.intp)
    bins_x, bins_y = value_bins(x, group, 1), value_bins(y, group, 1)
    points = merge_points(bins_x, bins_y, group, 1)
    joint = joint_points(x, y)
    assert joint is not None and points.weight is not None
    for got, expected in zip(joint, (bins_x, bins_y, points)):
        for field in got._fields:
            if field != "code":
                np.testing.assert_array_equal(getattr(got, field), getattr(expected, field), err_msg=field)


def test_points_from_joint_counts_only_for_narrow_integer_values():
    rng = np.random.default_rng(1)
    wide = rng.integers(0, 60_000, 5_000).astype(np.uint16)  # a 60,000² count array: too large
    assert joint_points(wide, wide[::-1].copy()) is None
    assert joint_points(wide.astype(np.float32), wide.astype(np.float32)) is None
