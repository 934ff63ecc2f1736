"""Random label images and channel pairs for the colocalisation tests."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def random_labels(rng: np.random.Generator, shape: tuple[int, int], n: int) -> np.ndarray:
    """Random rectangles labelled 1..n (later ones overwrite earlier ones), 0 elsewhere."""
    labels = np.zeros(shape, np.int32)
    for k in range(1, n + 1):
        y, x = rng.integers(0, shape[0] - 4), rng.integers(0, shape[1] - 4)
        labels[y : y + rng.integers(3, 20), x : x + rng.integers(3, 20)] = k
    return labels


def random_pair(rng: np.random.Generator, shape: tuple[int, int], integer: bool) -> tuple[np.ndarray, np.ndarray]:
    """Two partly correlated non-negative channels."""
    common = ndimage.gaussian_filter(rng.random(shape), 1.5)
    x = 4000 * common + 300 * rng.random(shape)
    y = 2500 * common * rng.uniform(0.3, 1.5) + 1500 + 400 * rng.random(shape)
    if integer:
        return x.astype(np.uint16), np.clip(y, 0, None).astype(np.uint16)
    return x, np.clip(y, 0, None)
