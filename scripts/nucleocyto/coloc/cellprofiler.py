"""CellProfiler's definitions of the colocalisation fractions (MeasureColocalization, 4.2), for
every label at once, so that a table can be checked against CellProfiler's.

CellProfiler measures either "Within objects" (every object of a label image) or "Across
entire image" (the pixels of an image, or of its mask). The two modes differ: per object, a
pixel passes a threshold when at or above it, the Costes thresholds are those of the whole
image and the RWC ranks run over all objects' pixels together; per image, a pixel passes when
strictly above, and everything comes from the image's own pixels.
"""

from __future__ import annotations

import numpy as np

from .costes import Costes, costes_thresholds
from .grouped import Scope, group_sums, per_pixel, rank_weights, value_range, weight_by


def cellprofiler_fractions(scope: Scope, threshold_percent: float, within_objects: Costes | None) -> dict:
    """CellProfiler's Manders', RWC and overlap coefficients and its Costes fractions per label.

    A pixel's x passes a threshold when at or above it per object, strictly above it per image
    (y likewise); P is ``threshold_percent`` % of the label's largest value of each channel,
    and "both" means that x and y pass their P:

    - ``manders_m1_raw`` = Σ x·[both] / Σ x·[x passes P] (CellProfiler's Manders M1);
    - ``rwc_x`` = Σ x·W·[both] / Σ x·[x passes P], W of :func:`nucleocyto.coloc.grouped.rank_weights`
      (ranked over all labels per object);
    - ``manders_overlap`` = Σ xy / √(Σx² Σy²) over the pixels where both pass;
    - ``manders_m1`` = Σ x·[x > Tx, y > Ty] / Σ x·[x passes Tx] (CellProfiler's Costes M1),
      NaN where the thresholds are (``costes_reason``);

    and the same with x and y swapped for ``manders_m2_raw``, ``rwc_y`` and ``manders_m2``.

    Parameters
    ----------
    scope : Scope
    threshold_percent : float
        CellProfiler's "threshold as percentage of maximum intensity" (0–99).
    within_objects : Costes or None
        The Costes thresholds of the whole image (one label), applied to every label as
        CellProfiler's "Within objects" mode does; None: each label is measured as an image
        of its own ("Across entire image"), with its own Costes thresholds.

    Returns
    -------
    dict of (n,) ndarray
        The keys of :data:`nucleocyto.coloc.pixel.MEASURES` from ``manders_m1`` to
        ``manders_overlap``.
    """
    n, per_object = scope.n, within_objects is not None
    if per_object:
        costes = Costes(*(np.repeat(values, n) for values in within_objects))
    else:
        costes = costes_thresholds(scope, "cellprofiler")
    passes = np.greater_equal if per_object else np.greater
    percent = [threshold_percent / 100 * value_range(bins, n)[1] for bins in (scope.bins_x, scope.bins_y)]
    thresholds = (costes.threshold_x, costes.threshold_y)
    (in_x, in_y), costes_in = (_passing(scope, t, passes) for t in (percent, thresholds))
    above_x, above_y = _passing(scope, thresholds, np.greater)
    result = _fractions(scope, (in_x & in_y, in_x, in_y), (above_x & above_y, *costes_in), per_object)
    missing = costes.reason != ""
    result["manders_m1"][missing], result["manders_m2"][missing] = np.nan, np.nan
    return result | {
        "costes_threshold_x": thresholds[0],
        "costes_threshold_y": thresholds[1],
        "costes_reason": costes.reason,
    }


def _passing(scope: Scope, thresholds, passes) -> tuple[np.ndarray, np.ndarray]:
    """Per point, whether x and whether y pass their label's threshold (``passes``: ≥ or >)."""
    group = scope.points.group
    return tuple(passes(v, per_pixel(t, group)) for v, t in zip(scope.values, thresholds))


def _fractions(scope: Scope, percent: tuple, costes: tuple, per_object: bool) -> dict[str, np.ndarray]:
    """The fractions of :func:`cellprofiler_fractions` from the point masks ``percent`` (both
    pass P, x passes, y passes) and ``costes`` (both above Tx, Ty; x passes Tx; y passes Ty)."""
    points, (x, y), (wx, wy) = scope.points, scope.values, scope.moments.weighted
    weight = rank_weights(scope, pooled=per_object)
    both, in_x, in_y = percent
    masked = [(both, wx), (both, wy), (in_x, wx), (in_y, wy), (both, wx * weight), (both, wy * weight)]
    masked += [(costes[0], wx), (costes[0], wy), (costes[1], wx), (costes[2], wy)]
    masked += [(both, weight_by(points.weight, x * y)), (both, wx * x), (both, wy * y)]
    m1, m2, total_x, total_y, rwc_x, rwc_y, c1, c2, costes_x, costes_y, xy, xx, yy = group_sums(
        points.group, scope.n, *(np.where(mask, values, 0.0) for mask, values in masked)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "manders_m1": c1 / costes_x,
            "manders_m2": c2 / costes_y,
            "manders_m1_raw": m1 / total_x,
            "manders_m2_raw": m2 / total_y,
            "rwc_x": rwc_x / total_x,
            "rwc_y": rwc_y / total_y,
            "manders_overlap": xy / np.sqrt(xx * yy),
        }
