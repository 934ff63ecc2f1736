"""Prominent local maxima of a trace, as :func:`scipy.signal.find_peaks` finds them with only a
``prominence`` (importing :mod:`scipy.signal` costs a kinetics job more than a second).

A peak is a sample, or the middle of a run of equal samples (the left one of the two middle
samples of an even run), higher than the samples on both sides of it; the first and last
samples are never peaks. Its prominence is its height above the higher of its two bases: on
each side, the lowest sample between the peak and the nearest higher sample (or the end).
"""

from __future__ import annotations

import numpy as np


def prominent_peaks(values: np.ndarray, prominence: float) -> np.ndarray:
    """Indices (int64, ascending) of the peaks of the finite (n,) trace ``values`` with a
    prominence of at least ``prominence`` (in the units of ``values``)."""
    values = np.asarray(values, dtype=np.float64)
    starts = np.flatnonzero(np.diff(values, prepend=np.nan) != 0)  # first sample of each run
    stops = np.append(starts[1:], len(values))
    level = values[starts]
    inner = np.arange(1, len(starts) - 1)
    runs = inner[(level[inner - 1] < level[inner]) & (level[inner + 1] < level[inner])]
    peaks = (starts[runs] + stops[runs] - 1) // 2
    return np.array([p for p in peaks.tolist() if _prominence(values, p) >= prominence], dtype=np.int64)


def _prominence(values: np.ndarray, peak: int) -> float:
    """Height of ``values[peak]`` above the higher of its two bases."""
    height = values[peak]
    higher_left = np.flatnonzero(values[:peak] > height)
    higher_right = np.flatnonzero(values[peak:] > height)
    left = values[(higher_left[-1] + 1 if len(higher_left) else 0) : peak + 1].min()
    right = values[peak : peak + higher_right[0] if len(higher_right) else len(values)].min()
    return float(height - max(left, right))
