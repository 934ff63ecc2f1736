"""Dose-response: a four-parameter Hill fit of a metric against dose per condition, and the
Z'-factor of two control conditions.

Each movie (sample) is one well: its value is the mean of its cells' metric. For the samples of
a condition with a positive ``dose``, the fit is

    y = bottom + (top − bottom) / (1 + 10^((log10 EC50 − log10 dose) × hill_slope))

by least squares on log10 dose (:func:`scipy.optimize.curve_fit`, hill_slope in [0.1, 10]: the
curve rises from bottom to top, or falls when top < bottom), and the EC50's interval is
10^(log10 EC50 ± Student t quantile × its standard error), with n − 4 degrees of freedom.
Samples with dose 0 (vehicle) are not fitted: they have no place on a log axis.

Z' = 1 − 3 (SD₊ + SD₋) / |mean₊ − mean₋| over the samples of the positive and the negative
control condition (Zhang et al., J. Biomol. Screen. 1999): above 0.5 an excellent separation.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import optimize, stats

#: Columns of the dose-response table, in order (documented in docs/outputs.md).
DOSE_COLUMNS = (
    "condition",
    "metric",
    "dose_unit",
    "n_samples",
    "n_doses",
    "bottom",
    "top",
    "ec50",
    "ec50_low",
    "ec50_high",
    "hill_slope",
    "reason",
)

#: Columns of the Z'-factor table, in order (documented in docs/outputs.md).
Z_FACTOR_COLUMNS = (
    "metric",
    "positive_control",
    "negative_control",
    "n_positive",
    "n_negative",
    "mean_positive",
    "sd_positive",
    "mean_negative",
    "sd_negative",
    "z_prime",
    "note",
)

#: Fewest distinct positive doses for a fit of the four parameters.
MIN_DOSES = 4


def hill(log_dose: np.ndarray, bottom: float, top: float, log_ec50: float, slope: float) -> np.ndarray:
    """The four-parameter Hill curve at ``log_dose`` (log10 of the dose)."""
    return bottom + (top - bottom) / (1.0 + 10.0 ** np.clip((log_ec50 - log_dose) * slope, -300, 300))


def sample_values(kinetics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """One value per sample: the mean of ``metric`` over its cells (``cell_id`` > 0, finite).

    Parameters
    ----------
    kinetics : DataFrame
        ``results/kinetics.parquet``: the kinetics rows of every sample with ``condition``,
        ``dose`` and ``dose_unit``.

    Returns
    -------
    DataFrame
        ``sample, condition, dose, dose_unit, value, n_cells``, in order of appearance
        (samples without a cell with a finite value have NaN).
    """
    first = kinetics.groupby("sample", sort=False)[["condition", "dose", "dose_unit"]].first()
    cells = kinetics[kinetics["cell_id"] > 0]
    values = cells.groupby("sample", sort=False)[metric].agg(value="mean", n_cells="count")
    return first.join(values).reset_index()


def fit_hill(dose: np.ndarray, value: np.ndarray, confidence: float) -> dict:
    """Fit :func:`hill` to positive ``dose`` and finite ``value``.

    Returns
    -------
    dict
        ``n_samples``, ``n_doses``, ``bottom``, ``top``, ``ec50``, ``ec50_low``, ``ec50_high`` (dose
        units), ``hill_slope`` and ``reason`` ('' when fitted; NaN parameters otherwise).
    """
    usable = (dose > 0) & np.isfinite(value)
    x, y = np.log10(dose[usable]), value[usable]
    out = {"n_samples": int(usable.sum()), "n_doses": len(np.unique(x))}
    out |= dict.fromkeys(("bottom", "top", "ec50", "ec50_low", "ec50_high", "hill_slope"), math.nan)
    if out["n_doses"] < MIN_DOSES or out["n_samples"] <= MIN_DOSES:
        return out | {"reason": f"too few doses: {out['n_doses']} doses, {out['n_samples']} samples (need 4 and 5)"}
    low_dose, high_dose = y[x == x.min()].mean(), y[x == x.max()].mean()
    p0 = (low_dose, high_dose, float(np.median(x)), 1.0)
    bounds = ([-np.inf, -np.inf, x.min() - 2, 0.1], [np.inf, np.inf, x.max() + 2, 10.0])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            estimate, covariance = optimize.curve_fit(hill, x, y, p0=p0, bounds=bounds, maxfev=5000)
    except (RuntimeError, ValueError) as error:
        return out | {"reason": f"the fit failed ({error})"}
    bottom, top, log_ec50, slope = (float(v) for v in estimate)
    error = math.sqrt(covariance[2, 2]) if np.isfinite(covariance[2, 2]) else math.nan
    margin = stats.t.ppf((1 + confidence) / 2, len(x) - 4) * error
    return out | {
        "bottom": bottom,
        "top": top,
        "ec50": 10**log_ec50,
        "ec50_low": 10 ** (log_ec50 - margin),
        "ec50_high": 10 ** (log_ec50 + margin),
        "hill_slope": slope,
        "reason": "",
    }


def dose_response(values: pd.DataFrame, metric: str, confidence: float) -> pd.DataFrame:
    """The Hill fit of every condition whose samples have a dose.

    Parameters
    ----------
    values : DataFrame
        :func:`sample_values`.
    metric : str
        The metric the values are, for the table.

    Returns
    -------
    DataFrame
        Columns :data:`DOSE_COLUMNS`, one row per condition with at least one dose, in order of
        appearance; ``dose_unit`` is that of the condition's first sample (the sample sheet
        gives one unit per condition, :func:`nucleocyto.config.load_sample_sheet`).
    """
    rows = []
    for condition, group in values[values["dose"].notna()].groupby("condition", sort=False):
        fit = fit_hill(group["dose"].to_numpy(float), group["value"].to_numpy(float), confidence)
        rows.append({"condition": condition, "metric": metric, "dose_unit": group["dose_unit"].iloc[0], **fit})
    return pd.DataFrame(rows, columns=list(DOSE_COLUMNS))


def z_factor(values: pd.DataFrame, metric: str, positive: str, negative: str) -> pd.DataFrame:
    """The Z'-factor between the samples of conditions ``positive`` and ``negative``.

    Returns
    -------
    DataFrame
        One row, columns :data:`Z_FACTOR_COLUMNS`: sample counts, means and SDs (ddof 1) of the
        two controls' values and ``z_prime``; NaN (with a ``note``) with fewer than two samples
        in a control or equal means.
    """
    groups = [values.loc[values["condition"] == c, "value"].dropna().to_numpy(float) for c in (positive, negative)]
    p, n = groups
    mean_p, mean_n = (float(g.mean()) if len(g) else math.nan for g in groups)
    sd_p, sd_n = (float(g.std(ddof=1)) if len(g) > 1 else math.nan for g in groups)
    note, z = "", math.nan
    if min(len(p), len(n)) < 2:
        note = "fewer than 2 samples with a value in a control condition"
    elif mean_p == mean_n:
        note = "the controls have equal means"
    else:
        z = 1 - 3 * (sd_p + sd_n) / abs(mean_p - mean_n)
    row = (metric, positive, negative, len(p), len(n), mean_p, sd_p, mean_n, sd_n, z, note)
    return pd.DataFrame([row], columns=list(Z_FACTOR_COLUMNS))
