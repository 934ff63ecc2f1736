"""Pixel-wise colocalisation measures of two channels, for every label of a label image at once.

Everything is computed on the raw values of the pixels of each label, for all labels together
(no boolean mask per label). ``x`` is the first channel (the POI in this pipeline), ``y`` the
second (the nuclear marker).

- Pearson r and Spearman rho (Pearson r of average ranks), as ``scipy.stats``.
- Costes' automatic thresholds (Costes et al. 2004, as Fiji's Coloc 2 walks them, but over every
  distinct value instead of unit steps) and Manders' M1/M2 above them (Manders et al. 1993).
- Manders' overlap coefficient and Li's intensity correlation quotient (Li et al. 2004).

The pixels of all labels are binned and merged into weighted points once
(:func:`nucleocyto.coloc.grouped.scope_pixels`); every measure is a per-label sum over them.
Costes' randomisation test is :func:`nucleocyto.coloc.costes.costes_pvalue_by_label`.
"""

from __future__ import annotations

import numpy as np

from .costes import costes_thresholds
from .grouped import Scope, centred_ranks, correlation_of, group_sums, scope_pixels, weight_by

#: Keys of :func:`colocalisation_by_label`'s result, in output-column order.
MEASURES = (
    "pearson_r",
    "spearman_rho",
    "manders_m1",
    "manders_m2",
    "costes_threshold_x",
    "costes_threshold_y",
    "manders_overlap",
    "li_icq",
)


def colocalisation_by_label(x: np.ndarray, y: np.ndarray, labels: np.ndarray, ids: np.ndarray) -> dict[str, np.ndarray]:
    """Every colocalisation measure of ``x`` and ``y`` over the pixels of each label.

    With per-label sums over the label's pixels i (x̄, ȳ its means):

    - ``pearson_r`` = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²).
    - ``spearman_rho``: Pearson r of the average ranks of x and of y within the label.
    - ``costes_threshold_x``, ``costes_threshold_y`` (Tx, Ty): see :func:`costes_thresholds`.
    - ``manders_m1`` = Σ x·[y ≥ Ty] / Σ x and ``manders_m2`` = Σ y·[x ≥ Tx] / Σ y.
    - ``manders_overlap`` = Σ xy / √(Σx² Σy²).
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

    Returns
    -------
    dict of (n,) ndarray
        The float64 measures of :data:`MEASURES` plus ``n_px`` (int64 pixel counts). Measures
        other than ``manders_overlap`` are NaN where a label has fewer than 2 pixels or a
        constant channel; the Costes thresholds and M1/M2 are also NaN where Pearson r ≤ 0 (no
        positive regression line).
    """
    scope = scope_pixels(x, y, labels, ids)
    n, bins_x, bins_y, points, moments = scope[:5]
    threshold_x, threshold_y = costes_thresholds(scope)
    above_y = (bins_y.value >= threshold_y[bins_y.group])[points.y_bin]  # y ≥ Ty, per point
    above_x = (bins_x.value >= threshold_x[bins_x.group])[points.x_bin]
    m1, m2 = group_sums(
        points.group, n, np.where(above_y, moments.weighted[0], 0.0), np.where(above_x, moments.weighted[1], 0.0)
    )
    rank_xx, rank_yy, rank_xy, positive = _rank_and_sign_sums(scope)
    with np.errstate(invalid="ignore", divide="ignore"):
        result = {
            "pearson_r": correlation_of(moments.sxx, moments.syy, moments.sxy),
            "spearman_rho": correlation_of(rank_xx, rank_yy, rank_xy),
            "manders_m1": np.where(np.isfinite(threshold_y), m1 / moments.sum_x, np.nan),
            "manders_m2": np.where(np.isfinite(threshold_x), m2 / moments.sum_y, np.nan),
            "costes_threshold_x": threshold_x,
            "costes_threshold_y": threshold_y,
            "manders_overlap": moments.xy / np.sqrt(moments.xx * moments.yy),
            "li_icq": positive / moments.count - 0.5,
        }
    for name, values in result.items():
        if name != "manders_overlap":  # defined for any non-zero pixels, as in skimage
            values[~scope.defined] = np.nan
    result["n_px"] = moments.count.astype(np.int64)
    return result


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
