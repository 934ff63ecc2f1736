"""Pixel-wise colocalisation measures of two channels, for every label of a label image at once.

Everything is computed on the raw values of the pixels of each label, for all labels together
(no boolean mask per label). ``x`` is the first channel (the POI in this pipeline), ``y`` the
second (the nuclear marker).

- Pearson r, Spearman rho (Pearson r of average ranks) and Kendall's tau-b, as ``scipy.stats``.
- Costes' automatic thresholds (Costes et al. 2004), by an exact search of the walk Fiji's
  Coloc 2 (or CellProfiler) makes, and Manders' M1/M2 above them (Manders et al. 1993).
- Manders' M1/M2 without Costes' thresholds, rank-weighted colocalisation (Singan et al.
  2011), Manders' overlap coefficient and Li's intensity correlation quotient (Li et al. 2004).

The pixels of all labels are binned and merged into weighted points once
(:func:`nucleocyto.coloc.grouped.scope_pixels`); every measure is a per-label sum over them.
The fractions follow Coloc 2's definitions or CellProfiler's (:mod:`.cellprofiler`).
Costes' randomisation test is :func:`nucleocyto.coloc.costes.costes_pvalue_by_label`.
"""

from __future__ import annotations

import numpy as np

from .cellprofiler import cellprofiler_fractions
from .costes import Costes, costes_thresholds
from .grouped import Scope, centred_ranks, correlation_of, group_sums, per_pixel, rank_weights, scope_pixels, weight_by
from .kendall import kendall_tau

#: Keys of :func:`colocalisation_by_label`'s result, in output-column order.
MEASURES = (
    "pearson_r",
    "spearman_rho",
    "kendall_tau",
    "manders_m1",
    "manders_m2",
    "costes_threshold_x",
    "costes_threshold_y",
    "costes_reason",
    "manders_m1_raw",
    "manders_m2_raw",
    "rwc_x",
    "rwc_y",
    "manders_overlap",
    "li_icq",
)


def colocalisation_by_label(
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray,
    ids: np.ndarray,
    convention: str = "coloc2",
    threshold_percent: float = 15.0,
    within_objects: Costes | None = None,
) -> dict[str, np.ndarray]:
    """Every colocalisation measure of ``x`` and ``y`` over the pixels of each label.

    With per-label sums over the label's pixels i (x̄, ȳ its means):

    - ``pearson_r`` = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²).
    - ``spearman_rho``: Pearson r of the average ranks of x and of y within the label.
    - ``kendall_tau``: Kendall's tau-b (:func:`nucleocyto.coloc.kendall.kendall_tau`).
    - ``costes_threshold_x``, ``costes_threshold_y`` (Tx, Ty) and ``costes_reason``: see
      :func:`nucleocyto.coloc.costes.costes_thresholds`.
    - Coloc 2 (``convention="coloc2"``): ``manders_m1`` = Σ x·[y > 0, y ≥ Ty] / Σ x and
      ``manders_m2`` = Σ y·[x > 0, x ≥ Tx] / Σ y (NaN without thresholds);
      ``manders_m1_raw`` = Σ x·[y > 0] / Σ x, ``manders_m2_raw`` = Σ y·[x > 0] / Σ y;
      ``rwc_x`` = Σ x·W·[y > 0] / Σ x and ``rwc_y`` = Σ y·W·[x > 0] / Σ y with the rank
      weights W of :func:`nucleocyto.coloc.grouped.rank_weights`;
      ``manders_overlap`` = Σ xy / √(Σx² Σy²).
    - CellProfiler (``convention="cellprofiler"``): see
      :func:`nucleocyto.coloc.cellprofiler.cellprofiler_fractions`.
    - ``li_icq`` = #{(x−x̄)(y−ȳ) > 0} / n − 0.5, in [−0.5, 0.5].

    Parameters
    ----------
    x, y : (Y, X) ndarray of int or float
        Two channels of one frame (raw values). Integer images are counted, not sorted, and
        their sums are exact.
    labels : (Y, X) ndarray of int
        Label image; labels not in ``ids`` are ignored.
    ids : (n,) ndarray of int
        Labels to report.
    convention : {"coloc2", "cellprofiler"}
    threshold_percent, within_objects
        ``"cellprofiler"`` only, see :func:`nucleocyto.coloc.cellprofiler.cellprofiler_fractions`.

    Returns
    -------
    dict of (n,) ndarray
        The measures of :data:`MEASURES` (float64; ``costes_reason`` object) plus ``n_px``
        (int64 pixel counts). The correlations and the ICQ are NaN where a label has fewer than
        2 pixels or a constant channel; the Costes thresholds, M1 and M2 where
        ``costes_reason`` says why; the other fractions where their denominator is 0.
    """
    scope = scope_pixels(x, y, labels, ids)
    result = _correlations(scope)
    if convention == "cellprofiler":
        result |= cellprofiler_fractions(scope, threshold_percent, within_objects)
    else:
        result |= _coloc2_fractions(scope, costes_thresholds(scope, convention))
    result["n_px"] = scope.moments.count.astype(np.int64)
    return {name: result[name] for name in (*MEASURES, "n_px")}


def _correlations(scope: Scope) -> dict[str, np.ndarray]:
    """Pearson r, Spearman rho, Kendall's tau and Li's ICQ of each label; NaN where undefined."""
    moments = scope.moments
    rank_xx, rank_yy, rank_xy, positive = _rank_and_sign_sums(scope)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = {
            "pearson_r": correlation_of(moments.sxx, moments.syy, moments.sxy),
            "spearman_rho": correlation_of(rank_xx, rank_yy, rank_xy),
            "kendall_tau": kendall_tau(scope),
            "li_icq": positive / moments.count - 0.5,
        }
    for values in result.values():
        values[~scope.defined] = np.nan
    return result


def _coloc2_fractions(scope: Scope, costes: Costes) -> dict[str, np.ndarray]:
    """Coloc 2's Manders' coefficients (above Costes' thresholds and above zero), the
    rank-weighted colocalisation and the overlap coefficient of each label."""
    n, points, moments = scope.n, scope.points, scope.moments
    (x, y), (wx, wy) = scope.values, moments.weighted
    signal_x, signal_y = x > 0, y > 0  # Manders: the other channel holds signal where it is not zero
    above_x = signal_x & (x >= per_pixel(costes.threshold_x, points.group))
    above_y = signal_y & (y >= per_pixel(costes.threshold_y, points.group))
    weight = rank_weights(scope)
    masked = (
        (above_y, wx),
        (above_x, wy),
        (signal_y, wx),
        (signal_x, wy),
        (signal_y, wx * weight),
        (signal_x, wy * weight),
    )
    m1, m2, raw_1, raw_2, rwc_x, rwc_y = group_sums(points.group, n, *(np.where(m, v, 0.0) for m, v in masked))
    found = costes.reason == ""
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "manders_m1": np.where(found, m1 / moments.sum_x, np.nan),
            "manders_m2": np.where(found, m2 / moments.sum_y, np.nan),
            "costes_threshold_x": costes.threshold_x,
            "costes_threshold_y": costes.threshold_y,
            "costes_reason": costes.reason,
            "manders_m1_raw": raw_1 / moments.sum_x,
            "manders_m2_raw": raw_2 / moments.sum_y,
            "rwc_x": rwc_x / moments.sum_x,
            "rwc_y": rwc_y / moments.sum_y,
            "manders_overlap": moments.xy / np.sqrt(moments.xx * moments.yy),
        }


def _rank_and_sign_sums(scope: Scope) -> list[np.ndarray]:
    """Per label: Σ rx², Σ ry², Σ rx·ry of the centred average ranks, and the number of pixels
    whose deviations from the means have the same sign (each (n,) float64)."""
    n, bins_x, bins_y, points, moments = scope[:5]
    rank_x, rank_y = (centred_ranks(bins, moments.count) for bins in (bins_x, bins_y))
    # sign of (x − x̄) and of (y − ȳ) per bin: exact, unlike the sign of a rounded product
    sign_x, sign_y = (
        np.sign(bins.value - mean[bins.group]).astype(np.int8)
        for bins, mean in ((bins_x, moments.mean_x), (bins_y, moments.mean_y))
    )
    rank_xx, rank_yy = (
        group_sums(bins.group, n, bins.count * rank**2)[0] for bins, rank in ((bins_x, rank_x), (bins_y, rank_y))
    )
    rank_xy, positive = group_sums(
        points.group,
        n,
        weight_by(points.weight, rank_x[points.x_bin] * rank_y[points.y_bin]),
        weight_by(points.weight, sign_x[points.x_bin] * sign_y[points.y_bin] > 0),
    )
    return [rank_xx, rank_yy, rank_xy, positive]
