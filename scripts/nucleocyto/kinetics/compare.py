"""Conditions compared on replicate means, never on cells.

Cells of one movie, or of one replicate experiment, share its dish, day and imaging; they are
not independent samples, and a test that counts each cell as one finds "significant"
differences between replicates of the same condition. The unit here is the replicate (the
sample sheet's ``replicate``, by default the movie): each replicate's value is the mean of its
cells' metric, and a condition is compared with the control through those means (Lord et al.,
J. Cell Biol. 2020, "SuperPlots").
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..config import ComparisonParams

#: Columns of the comparisons table, in order (documented in docs/outputs.md).
COMPARISON_COLUMNS = (
    "metric",
    "condition",
    "control",
    "n_replicates",
    "n_replicates_control",
    "n_cells",
    "n_cells_control",
    "mean",
    "mean_control",
    "difference",
    "ci_low",
    "ci_high",
    "hedges_g",
    "test",
    "statistic",
    "p_value",
    "note",
)


def replicate_means(kinetics: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Each replicate's mean of ``metric`` over its cells.

    Parameters
    ----------
    kinetics : DataFrame
        All samples' kinetics rows with ``condition`` and ``replicate`` (``results/kinetics.parquet``);
        the pooled rows (``cell_id`` 0) are left out.
    metric : str
        A column of the kinetics table.

    Returns
    -------
    DataFrame
        One row per condition × replicate with a finite value, in order of appearance:
        ``condition, replicate, mean, n_cells`` (cells with a finite value).
    """
    cells = kinetics[(kinetics["cell_id"] > 0) & np.isfinite(kinetics[metric].astype(float))]
    grouped = cells.groupby(["condition", "replicate"], sort=False)[metric]
    return grouped.agg(mean="mean", n_cells="size").reset_index()


def compare_conditions(kinetics: pd.DataFrame, params: ComparisonParams) -> pd.DataFrame:
    """Every condition against ``params.control``, for each of ``params.metrics``.

    Returns
    -------
    DataFrame
        Columns :data:`COMPARISON_COLUMNS`, one row per metric × condition other than the
        control (conditions in order of appearance); none when no sample has the control
        condition. ``mean`` is the mean of the condition's replicate means, ``difference`` =
        mean − mean_control with its bootstrap percentile interval (``ci_low``, ``ci_high``),
        ``hedges_g`` the standardised difference, ``statistic`` and ``p_value`` those of
        ``test`` on the two sets of replicate means; NaN (and a ``note``) with fewer than two
        replicates on either side.
    """
    rows = []
    conditions = list(dict.fromkeys(kinetics["condition"]))
    if params.control in conditions:
        for metric in params.metrics:
            means = replicate_means(kinetics, metric)
            control = means[means["condition"] == params.control]
            for condition in conditions:
                if condition != params.control:
                    treated = means[means["condition"] == condition]
                    rows.append((metric, condition, params.control, *_compare(treated, control, params)))
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def _compare(treated: pd.DataFrame, control: pd.DataFrame, params: ComparisonParams) -> tuple:
    """The columns from ``n_replicates`` to ``note`` for one pair of replicate-mean tables."""
    a, b = treated["mean"].to_numpy(float), control["mean"].to_numpy(float)
    counts = (len(a), len(b), int(treated["n_cells"].sum()), int(control["n_cells"].sum()))
    mean_a, mean_b = (float(x.mean()) if len(x) else math.nan for x in (a, b))
    means = (mean_a, mean_b, mean_a - mean_b)
    if min(len(a), len(b)) < 2:
        note = "fewer than 2 replicates in the condition or the control: no test or interval"
        return (*counts, *means, math.nan, math.nan, math.nan, params.test, math.nan, math.nan, note)
    low, high = bootstrap_difference(a, b, params.bootstrap, params.confidence, params.seed)
    statistic, p_value = _test(a, b, params.test)
    return (*counts, *means, low, high, hedges_g(a, b), params.test, statistic, p_value, "")


def bootstrap_difference(a: np.ndarray, b: np.ndarray, n: int, confidence: float, seed: int) -> tuple[float, float]:
    """Percentile interval of mean(a) − mean(b), each resampled with replacement ``n`` times
    (``numpy.random.default_rng(seed)``)."""
    rng = np.random.default_rng(seed)
    differences = rng.choice(a, (n, len(a))).mean(axis=1) - rng.choice(b, (n, len(b))).mean(axis=1)
    low, high = np.quantile(differences, [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    """(mean(a) − mean(b)) / pooled SD, with Hedges' small-sample correction; NaN when both
    sets are constant."""
    n_a, n_b = len(a), len(b)
    pooled = math.sqrt(((n_a - 1) * a.var(ddof=1) + (n_b - 1) * b.var(ddof=1)) / (n_a + n_b - 2))
    if pooled == 0:
        return math.nan
    return float((a.mean() - b.mean()) / pooled * (1 - 3 / (4 * (n_a + n_b) - 9)))


def _test(a: np.ndarray, b: np.ndarray, test: str) -> tuple[float, float]:
    """(statistic, two-sided p) of Welch's t-test or the Mann-Whitney U test of a against b."""
    if test == "welch":
        result = stats.ttest_ind(a, b, equal_var=False)
    else:
        result = stats.mannwhitneyu(a, b, alternative="two-sided")
    return float(result.statistic), float(result.pvalue)
