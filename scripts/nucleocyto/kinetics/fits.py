"""A model fitted to one cell's response beside the model-free metrics (:mod:`.metrics`), by
least squares (:func:`scipy.optimize.curve_fit`), with a confidence interval of its half-time.

- ``sigmoid``: r(t) = b + A / (1 + exp(−(t − t½) / w)) over every frame of the trace; t½ is the
  half-time, w the rise time scale (frames).
- ``exponential``: r(t) = b before the start t₀ of the response (the stimulation time) and
  b + A (1 − exp(−(t − t₀) / τ)) after it; the half-time is t₀ + τ ln 2.

The interval is the estimate ± the Student t quantile (n − parameters degrees of freedom) × its
standard error from the fit's covariance (for the exponential, ln 2 × that of τ).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import optimize, stats

from ..config import KineticsParams
from .response import Window

_NO_FIT = {"amplitude": math.nan, "t_half": math.nan, "t_half_low": math.nan, "t_half_high": math.nan}


def sigmoid(t: np.ndarray, baseline: float, amplitude: float, t_half: float, width: float) -> np.ndarray:
    """b + A / (1 + exp(−(t − t½) / w)) (t, t½ and w in frames)."""
    return baseline + amplitude / (1.0 + np.exp(-np.clip((t - t_half) / width, -500, 500)))


def exponential(t: np.ndarray, start: float, baseline: float, amplitude: float, tau: float) -> np.ndarray:
    """b before ``start``, b + A (1 − exp(−(t − start) / τ)) after it (frames)."""
    return baseline + amplitude * (1.0 - np.exp(-np.clip(t - start, 0.0, None) / tau))


def fit_response(
    frames: np.ndarray, values: np.ndarray, window: Window, params: KineticsParams, guess: tuple[float, float, float]
) -> dict:
    """Fit ``params.fit`` to a cell's finite response ``values`` at ``frames``.

    Parameters
    ----------
    frames, values : (n,) ndarray
        Frames (0-based) and the response there, finite only.
    window : Window
        The movie's baseline and response frames (the exponential starts at its start).
    params : KineticsParams
        ``fit`` (``"none"`` fits nothing) and ``confidence``.
    guess : (float, float, float)
        Baseline, amplitude and half-time (frame) of the model-free metrics: the start values.

    Returns
    -------
    dict
        ``amplitude`` (the response's units) and ``t_half``, ``t_half_low``, ``t_half_high``
        (frames, 0-based); NaN when there is no model, the fit fails, or (for the interval)
        the fit leaves no degree of freedom or no finite covariance.
    """
    if params.fit == "none":
        return dict(_NO_FIT)
    baseline, amplitude, half = guess
    frames = np.asarray(frames, dtype=np.float64)
    span = max(frames[-1] - frames[0], 1.0)
    if params.fit == "sigmoid":
        model, p0 = sigmoid, (baseline, amplitude, half, 1.0)
        bounds = ([-np.inf, -np.inf, frames[0] - span, 0.05], [np.inf, np.inf, frames[-1] + span, 2 * span])
    else:
        start = window.start_frame

        def model(t, b, a, tau):
            return exponential(t, start, b, a, tau)

        p0 = (baseline, amplitude, max((half - start) / math.log(2), 0.1))
        bounds = ([-np.inf, -np.inf, 0.02], [np.inf, np.inf, 10 * span])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            estimate, covariance = optimize.curve_fit(model, frames, values, p0=p0, bounds=bounds, maxfev=2000)
    except (RuntimeError, ValueError):
        return dict(_NO_FIT)
    if params.fit == "sigmoid":
        t_half, error = estimate[2], math.sqrt(covariance[2, 2]) if np.isfinite(covariance[2, 2]) else math.nan
    else:
        t_half = window.start_frame + estimate[2] * math.log(2)
        error = math.log(2) * math.sqrt(covariance[2, 2]) if np.isfinite(covariance[2, 2]) else math.nan
    dof = len(frames) - len(estimate)
    margin = stats.t.ppf((1 + params.confidence) / 2, dof) * error if dof > 0 else math.nan
    return {
        "amplitude": float(estimate[1]),
        "t_half": float(t_half),
        "t_half_low": t_half - margin,
        "t_half_high": t_half + margin,
    }
