"""Nucleus and ring options beyond the classic default: thresholds, smoothing, cleanup, splitting
touching nuclei, neighbour-aware rings, rings limited to the cell by the POI channel."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage
from skimage import filters
from skimage.measure import label
from skimage.morphology import dilation, disk

from nucleocyto.config import MaskParams
from nucleocyto.segment.nuclei import nucleus_labels, threshold_value
from nucleocyto.segment.rings import cell_rings, ring_labels
from nucleocyto.synthetic import Cell, Optics, grid_cells, render_movie


def noisy_frame(seed: int = 0) -> np.ndarray:
    """A rendered nuclear-marker frame with a few nuclei."""
    _, marker, _ = render_movie(grid_cells(4, (60, 80), seed=seed), 1, (60, 80), seed=seed)
    return marker[0]


@pytest.mark.parametrize("method", ["li", "triangle", "yen"])
def test_other_thresholds_equal_scikit_image(method):
    frame = noisy_frame()
    expected = label(frame > getattr(filters, f"threshold_{method}")(frame))
    np.testing.assert_array_equal(nucleus_labels(frame, MaskParams(threshold=method)), expected)


def test_manual_threshold():
    frame = noisy_frame()
    np.testing.assert_array_equal(nucleus_labels(frame, MaskParams(threshold=300)), label(frame > 300))


def test_smoothing_before_threshold():
    frame = noisy_frame()
    smooth = ndimage.gaussian_filter(frame.astype(float), 1.5)
    expected = label(smooth > filters.threshold_otsu(smooth))
    got = nucleus_labels(frame, MaskParams(smooth_sigma_px=1.5))
    np.testing.assert_array_equal(got, expected)
    assert not np.array_equal(got > 0, nucleus_labels(frame) > 0)


def test_fill_holes():
    frame = np.zeros((30, 30), np.uint16)
    frame[5:20, 5:20] = 1000
    frame[10:14, 10:14] = 0  # a hole inside the nucleus
    assert (nucleus_labels(frame)[10:14, 10:14] == 0).all()
    filled = nucleus_labels(frame, MaskParams(fill_holes=True))
    assert (filled[5:20, 5:20] == 1).all()


def squares() -> np.ndarray:
    """Objects of 4, 25 and 100 px, plus one of 25 px touching the border."""
    frame = np.zeros((40, 40), np.uint16)
    frame[2:4, 30:32] = 1000
    frame[10:15, 10:15] = 1000
    frame[20:30, 20:30] = 1000
    frame[35:40, 2:7] = 1000
    return frame


@pytest.mark.parametrize(
    "kwargs, areas",
    [
        ({}, [4, 25, 100, 25]),
        ({"min_area_px": 10}, [25, 100, 25]),
        ({"max_area_px": 50}, [4, 25, 25]),
        ({"min_area_px": 10, "max_area_px": 50}, [25, 25]),
        ({"clear_border": True}, [4, 25, 100]),
    ],
)
def test_area_window_and_border(kwargs, areas):
    labels = nucleus_labels(squares(), MaskParams(**kwargs))
    counts = np.bincount(labels.ravel())[1:]
    assert list(counts) == areas  # renumbered 1..n in raster order, no empty label


def touching_pair(distance: float) -> tuple[np.ndarray, list[Cell]]:
    cells = [Cell(30, 30, nucleus_radius=7), Cell(31, 30 + distance, nucleus_radius=7)]
    _, marker, _ = render_movie(cells, 1, (60, 80), seed=3)
    return marker[0], cells


@pytest.mark.parametrize("distance", [11, 12.5, 14])
def test_touching_nuclei_are_split(distance):
    frame, cells = touching_pair(distance)
    assert nucleus_labels(frame).max() == 1, "the two nuclei should touch"
    split = nucleus_labels(frame, MaskParams(split_touching=True))
    assert split.max() == 2
    owners = {int(split[round(c.y), round(c.x)]) for c in cells}
    assert owners == {1, 2}, "each part holds one true centre"
    area = np.bincount(split.ravel())[1:]
    assert area.min() > 0.8 * area.max()


def test_splitting_leaves_separate_round_nuclei_alone():
    frame = noisy_frame(seed=4)
    np.testing.assert_array_equal(nucleus_labels(frame, MaskParams(split_touching=True)), nucleus_labels(frame))


def test_split_keeps_tiny_objects():
    """A one-pixel object has no distance-transform seed; it must not vanish."""
    frame = np.zeros((20, 20), np.uint16)
    frame[5:12, 5:12] = 1000
    frame[16, 16] = 1000
    np.testing.assert_array_equal(nucleus_labels(frame, MaskParams(split_touching=True)), nucleus_labels(frame))


def crowded_frame():
    cells = grid_cells(9, (90, 90), seed=2, nucleus_radius_px=(8.0, 10.0), cell_radius_px=17)
    poi, marker, _ = render_movie(cells, 1, (90, 90), seed=2)
    return poi[0], marker[0]


def own_rings(nuclei: np.ndarray, inner: int, outer: int) -> dict[int, np.ndarray]:
    """Each cell's classic ring computed alone, ignoring its neighbours."""
    return {
        k: dilation(nuclei == k, disk(outer)) & ~dilation(nuclei == k, disk(inner)) for k in range(1, nuclei.max() + 1)
    }


def test_no_ring_pixel_is_claimed_by_two_cells():
    """Rings computed alone overlap between neighbours; the pipeline gives each such pixel to
    exactly one of the cells whose ring contains it, never to a nucleus."""
    _, marker = crowded_frame()
    nuclei = nucleus_labels(marker)
    rings = ring_labels(nuclei)
    alone = own_rings(nuclei, 3, 5)
    claims = sum(mask.astype(int) for mask in alone.values())
    assert claims.max() >= 2, "the test frame needs neighbouring rings that overlap"
    assert not (rings.astype(bool) & nuclei.astype(bool)).any()
    np.testing.assert_array_equal(rings > 0, claims > 0)
    for k, mask in alone.items():
        assert mask[rings == k].all(), f"cell {k} owns a pixel outside its own ring"
    total = sum(np.count_nonzero(rings == k) for k in alone)
    assert total == np.count_nonzero(rings), "per-cell ring areas add up to the union"


@pytest.mark.parametrize("width", [1, 2, 4])
def test_contact_zones_are_dropped(width):
    _, marker = crowded_frame()
    nuclei = nucleus_labels(marker)
    full = ring_labels(nuclei)
    rings = cell_rings(nuclei, MaskParams(ring_contact_px=width))
    cells = np.where(nuclei > 0, nuclei, full)
    for k in range(1, nuclei.max() + 1):
        near_others = ndimage.distance_transform_edt(~((cells > 0) & (cells != k))) <= width
        np.testing.assert_array_equal(rings == k, (full == k) & ~near_others)
    assert 0 < np.count_nonzero(rings) < np.count_nonzero(full)


def test_ring_limited_to_the_cell_by_the_poi_channel():
    """Small cells: the classic 3-5 px ring reaches beyond the cytoplasm into the background,
    which biases the cytoplasmic mean low; thresholding the POI channel removes those pixels."""
    optics = Optics(psf_sigma=0.5, noise_sd=4.0, bleach_per_frame=0.0)
    cells = [Cell(20, x, nucleus_radius=6, cell_radius=10, shuttle=0.0) for x in (20, 55)]
    poi, marker, truth = render_movie(cells, 1, (40, 80), optics)
    nuclei = nucleus_labels(marker[0])
    params = MaskParams(ring_poi_threshold="otsu")
    classic, inside = ring_labels(nuclei), cell_rings(nuclei, params, poi[0])
    threshold = filters.threshold_otsu(poi[0])
    assert (poi[0][inside > 0] > threshold).all()
    np.testing.assert_array_equal(inside, np.where(poi[0] > threshold, classic, 0))
    expected = truth["cytoplasm_poi"].iloc[0] + optics.background
    error_classic = abs(poi[0][classic > 0].mean() - expected)
    error_inside = abs(poi[0][inside > 0].mean() - expected)
    assert error_inside < 0.5 * error_classic
    manual = cell_rings(nuclei, MaskParams(ring_poi_threshold=float(threshold)), poi[0])
    np.testing.assert_array_equal(manual, inside)


def brute_force_otsu(image: np.ndarray) -> float:
    """The distinct value t maximising w0·w1·(μ0 − μ1)² for the classes ≤ t and > t, first on ties."""
    values, counts = np.unique(image, return_counts=True)
    values, counts = values.astype(np.float64), counts.astype(np.float64)
    best, threshold = -1.0, values[0]
    for k in range(len(values) - 1):
        w0, w1 = counts[: k + 1].sum(), counts[k + 1 :].sum()
        m0, m1 = (values[: k + 1] * counts[: k + 1]).sum() / w0, (values[k + 1 :] * counts[k + 1 :]).sum() / w1
        if w0 * w1 * (m0 - m1) ** 2 > best:
            best, threshold = w0 * w1 * (m0 - m1) ** 2, values[k]
    return threshold


def test_wide_integer_data_are_thresholded_without_a_per_level_histogram():
    """A 32-bit marker with counts up to 3e9 gets the exact Otsu threshold (no 12 GiB histogram),
    every other method runs, and 16-bit data keep scikit-image's threshold exactly."""
    rng = np.random.default_rng(3)
    frame = rng.integers(0, 60, (96, 96)).astype(np.uint16)
    frame[20:50, 30:70] += 200
    np.testing.assert_equal(threshold_value(frame, "otsu"), filters.threshold_otsu(frame))
    wide = frame.astype(np.uint32) * 12_000_000 + 7
    assert threshold_value(wide, "otsu") == brute_force_otsu(wide)
    np.testing.assert_array_equal(nucleus_labels(wide), nucleus_labels(frame))
    for method in ("li", "triangle", "yen"):
        assert wide.min() <= threshold_value(wide, method) < wide.max()
