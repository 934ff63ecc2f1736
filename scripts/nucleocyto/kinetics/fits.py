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
from functools import lru_cache

import numpy as np
from scipy import optimize, special

from ..config import KineticsParams
from .response import Window

_NO_FIT = {"amplitude": math.nan, "t_half": math.nan, "t_half_low": math.nan, "t_half_high": math.nan}


def sigmoid(t: np.ndarray, baseline: float, amplitude: float, t_half: float, width: float) -> np.ndarray:
    """b + A / (1 + exp(−(t − t½) / w)) (t, t½ and w in frames)."""
    return baseline + amplitude * _logistic(t, t_half, width)


def sigmoid_jacobian(t: np.ndarray, baseline: float, amplitude: float, t_half: float, width: float) -> np.ndarray:
    """(n, 4) partial derivatives of :func:`sigmoid` at ``t`` by b, A, t½ and w."""
    s = _logistic(t, t_half, width)
    slope = amplitude * s * (1.0 - s) / width
    return np.column_stack([np.ones_like(s), s, -slope, -slope * (t - t_half) / width])


def _logistic(t: np.ndarray, t_half: float, width: float) -> np.ndarray:
    """1 / (1 + exp(−(t − t½) / w)), the exponent clipped to ±500 (no overflow)."""
    return 1.0 / (1.0 + np.exp(-np.clip((t - t_half) / width, -500, 500)))


def exponential(t: np.ndarray, start: float, baseline: float, amplitude: float, tau: float) -> np.ndarray:
    """b before ``start``, b + A (1 − exp(−(t − start) / τ)) after it (frames)."""
    return baseline + amplitude * (1.0 - np.exp(-np.clip(t - start, 0.0, None) / tau))


def exponential_jacobian(t: np.ndarray, start: float, baseline: float, amplitude: float, tau: float) -> np.ndarray:
    """(n, 3) partial derivatives of :func:`exponential` at ``t`` by b, A and τ."""
    elapsed = np.clip(t - start, 0.0, None)
    decay = np.exp(-elapsed / tau)
    return np.column_stack([np.ones_like(decay), 1.0 - decay, -amplitude * decay * elapsed / tau**2])


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
    frames = np.asarray(frames, dtype=np.float64)
    model, jacobian, p0, bounds = _problem(params.fit, frames, window.start_frame, guess)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            estimate, covariance = optimize.curve_fit(
                model, frames, values, p0=p0, bounds=bounds, jac=jacobian, maxfev=2000
            )
    except (RuntimeError, ValueError):
        return dict(_NO_FIT)
    if params.fit == "sigmoid":
        t_half, error = estimate[2], math.sqrt(covariance[2, 2]) if np.isfinite(covariance[2, 2]) else math.nan
    else:
        t_half = window.start_frame + estimate[2] * math.log(2)
        error = math.log(2) * math.sqrt(covariance[2, 2]) if np.isfinite(covariance[2, 2]) else math.nan
    dof = len(frames) - len(estimate)
    margin = _t_quantile(params.confidence, dof) * error if dof > 0 else math.nan
    return {
        "amplitude": float(estimate[1]),
        "t_half": float(t_half),
        "t_half_low": t_half - margin,
        "t_half_high": t_half + margin,
    }


def _problem(fit: str, frames: np.ndarray, start: float, guess: tuple[float, float, float]) -> tuple:
    """Model, Jacobian, start values and bounds of the ``fit`` model of a response at ``frames``
    (float64) with the response's ``start`` frame and the model-free ``guess``."""
    baseline, amplitude, half = guess
    span = max(frames[-1] - frames[0], 1.0)
    if fit == "sigmoid":
        bounds = ([-np.inf, -np.inf, frames[0] - span, 0.05], [np.inf, np.inf, frames[-1] + span, 2 * span])
        return sigmoid, sigmoid_jacobian, (baseline, amplitude, half, 1.0), bounds

    def model(t, b, a, tau):
        return exponential(t, start, b, a, tau)

    def jacobian(t, b, a, tau):
        return exponential_jacobian(t, start, b, a, tau)

    p0 = (baseline, amplitude, max((half - start) / math.log(2), 0.1))
    return model, jacobian, p0, ([-np.inf, -np.inf, 0.02], [np.inf, np.inf, 10 * span])


@lru_cache(maxsize=64)
def _t_quantile(confidence: float, dof: int) -> float:
    """The two-sided Student t quantile of ``confidence`` with ``dof`` degrees of freedom (the
    cells of a movie share a few: computed once each)."""
    return float(special.stdtrit(dof, (1 + confidence) / 2))
