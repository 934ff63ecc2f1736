"""Masks equal the classic method: Otsu on the raw marker, disk dilations, expand_labels owners."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from skimage.filters import threshold_otsu
from skimage.measure import label
from skimage.morphology import dilation, disk
from skimage.segmentation import expand_labels

from nucleocyto.masks import MaskParams, nucleus_labels, ring_labels


def classic_ring(nuclei: np.ndarray, inner: int, outer: int) -> np.ndarray:
    """Ring of the union of nuclei (dilation XOR), each pixel owned as expand_labels assigns it."""
    mask = nuclei > 0
    ring = dilation(mask, disk(outer)) ^ dilation(mask, disk(inner))
    return np.where(ring, expand_labels(nuclei, outer), 0)


def random_nuclei(seed: int, shape=(64, 80)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blobs = np.zeros(shape, bool)
    for _ in range(rng.integers(1, 7)):
        y, x, r = rng.integers(0, shape[0]), rng.integers(0, shape[1]), rng.integers(1, 9)
        yy, xx = np.ogrid[: shape[0], : shape[1]]
        blobs |= (yy - y) ** 2 + (xx - x) ** 2 <= r * r
    blobs[rng.random(shape) < 0.002] = True  # single-pixel objects
    return label(blobs).astype(np.int32)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("radii", [(3, 5), (0, 2), (1, 8)])
def test_ring_equals_classic_on_random_nuclei(seed, radii):
    nuclei = random_nuclei(seed)
    np.testing.assert_array_equal(ring_labels(nuclei, *radii), classic_ring(nuclei, *radii))


def test_ring_of_nothing_is_empty():
    assert not ring_labels(np.zeros((10, 10), np.int32)).any()


def test_ring_at_image_border():
    nuclei = np.zeros((20, 20), np.int32)
    nuclei[0:3, 0:3] = 1
    np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


def test_nucleus_labels_classic_threshold():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 4000, (50, 60)).astype(np.uint16)
    expected = label(frame > threshold_otsu(frame))
    np.testing.assert_array_equal(nucleus_labels(frame), expected)


def test_constant_frame_has_no_nucleus():
    assert not nucleus_labels(np.full((8, 8), 7, np.uint16)).any()


def test_real_frames_equal_classic(real_movie):
    marker = tifffile.imread(real_movie[1])
    for frame in marker[::7]:
        nuclei = nucleus_labels(frame)
        np.testing.assert_array_equal(nuclei > 0, frame > threshold_otsu(frame))
        np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


@pytest.mark.parametrize("kwargs", [{"ring_inner_px": 5, "ring_outer_px": 5}, {"threshold": "magic"}])
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        MaskParams(**kwargs)
