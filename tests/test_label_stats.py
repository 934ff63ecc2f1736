"""Per-label statistics equal the plain boolean-mask computation, on every path and pixel type."""

from __future__ import annotations

import numpy as np
import pytest

from nucleocyto.measure.stats import label_stats
from nucleocyto.segment.labels import labelled_pixels


def plain_stats(values: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> dict[str, np.ndarray]:
    """One boolean mask per label, numpy's own reductions; a label without pixels has sum 0."""
    rows = []
    for k in ids:
        inside = values[labels == k].astype(np.float64)
        if inside.size:
            rows.append((inside.mean(), np.median(inside), inside.std(), inside.sum(), inside.size))
        else:
            rows.append((np.nan, np.nan, np.nan, 0.0, 0))
    return dict(zip(("mean", "median", "std", "sum", "area_px"), map(np.array, zip(*rows))))


def random_case(seed: int, dtype, spread: float, label_dtype=np.int32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(1, 60, 2))
    labels = rng.integers(0, rng.integers(2, 12), shape).astype(label_dtype)
    if np.dtype(dtype).kind == "f":
        values = rng.normal(100.0, spread, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        low = max(info.min, -int(spread))
        values = rng.integers(low, min(info.max, low + 2 * int(spread)), shape, endpoint=True).astype(dtype)
    return values, labels


# Small integer spreads take the histogram path, wide ones and floats the sorting path.
CASES = [
    (np.uint16, 300),
    (np.uint16, 60000),
    (np.uint8, 255),
    (np.int16, 30000),
    (np.int16, 5),
    (np.int32, 2**30),
    (np.uint32, 2**31),
    (np.int64, 2**40),
    (np.float32, 50.0),
    (np.float64, 1e6),
]


@pytest.mark.parametrize("dtype,spread", CASES)
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("label_dtype", [np.int32, np.uint16])
def test_label_stats_equal_boolean_masks(dtype, spread, seed, label_dtype):
    values, labels = random_case(seed, dtype, spread, label_dtype)
    ids = np.arange(1, 14)  # includes labels absent from the image
    got, expected = label_stats(values, labelled_pixels(labels), ids), plain_stats(values, labels, ids)
    np.testing.assert_array_equal(got["area_px"], expected["area_px"])
    np.testing.assert_array_equal(got["median"], expected["median"])
    for key in ("mean", "std", "sum"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-9, err_msg=key)


def test_even_count_median_is_mean_of_middle_values():
    values = np.array([[1, 2, 10, 40, 7, 7]], np.uint16)
    labels = np.array([[1, 1, 1, 1, 2, 2]], np.int32)
    stats = label_stats(values, labelled_pixels(labels), np.array([1, 2]))
    np.testing.assert_array_equal(stats["median"], [6.0, 7.0])


def test_labels_without_pixels_are_nan():
    values = np.arange(12, dtype=np.uint16).reshape(3, 4)
    labels = np.zeros((3, 4), np.int32)
    stats = label_stats(values, labelled_pixels(labels), np.array([1, 5]))
    assert np.isnan(stats["mean"]).all() and np.isnan(stats["median"]).all()
    np.testing.assert_array_equal(stats["area_px"], [0, 0])


def cellprofiler_median(values: np.ndarray) -> float:
    """CellProfiler's MeasureObjectIntensity median, from its definition: the sorted values
    interpolated linearly at the 0-based position n / 2 (the last value when that is the end)."""
    ordered = np.sort(values.astype(np.float64))
    position = len(ordered) / 2
    below = int(np.floor(position))
    if below + 1 >= len(ordered):
        return float(ordered[below])
    return float(ordered[below] * (below + 1 - position) + ordered[below + 1] * (position - below))


@pytest.mark.parametrize("dtype, spread", [(np.uint16, 300), (np.uint16, 60000), (np.float32, 50.0)])
@pytest.mark.parametrize("seed", range(4))
def test_cellprofiler_median_on_every_path(seed, dtype, spread):
    values, labels = random_case(seed, dtype, spread)
    ids = np.unique(labels[labels > 0])
    got = label_stats(values, labelled_pixels(labels), ids, median="cellprofiler")["median"]
    np.testing.assert_array_equal(got, [cellprofiler_median(values[labels == k]) for k in ids])


def test_cellprofiler_median_by_hand():
    """[1, 2, 3, 4] → 3 (index 2); [1, 2, 3] → 2.5 (half way between index 1 and 2); [7] → 7."""
    labels = np.array([[1, 1, 1, 1, 2, 2, 2, 3]])
    values = np.array([[4, 1, 3, 2, 3, 1, 2, 7]], np.uint16)
    stats = label_stats(values, labelled_pixels(labels), np.array([1, 2, 3]), median="cellprofiler")
    np.testing.assert_array_equal(stats["median"], [3.0, 2.5, 7.0])
