"""Quality control of a movie's segmentation: numbers per frame (:func:`frame_qc`), the QC table
of a movie (:func:`qc_table`) and the warnings it gives (:func:`qc_warnings`).

None of this changes a measured number; it says when a sample's numbers deserve a second look:
a nuclear marker whose objects fill the frame (the channels were swapped), saturated pixels, or
counts of nuclei that jump between frames.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .. import CHANNELS
from ..config import QCParams

#: Columns of the QC table (documented in docs/outputs.md), after ``sample, frame, time_s``.
QC_COLUMNS = (
    "threshold",
    "objects",
    "objects_per_megapixel",
    "nuclei",
    "nucleus_area_median_px",
    "nucleus_coverage",
    *(f"{channel}_saturated" for channel in CHANNELS),
    "empty",
    "tracks_started",
    "tracks_ended",
    "divisions",
)

#: A change of the number of nuclei between frames is reported only when it is at least this big.
MIN_COUNT_JUMP = 3


def saturated_fraction(image: np.ndarray, counts: np.ndarray | None = None) -> float:
    """Fraction of the pixels of ``image`` equal to its maximum: a detector that clips piles
    pixels up at one value. 0 for a constant image (nothing to compare). ``counts``, the pixels
    at each level 0..max (:func:`nucleocyto.segment.nuclei.level_counts`), gives it without a
    pass over the image."""
    if counts is not None:
        return 0.0 if np.count_nonzero(counts) < 2 else float(counts[-1] / image.size)
    high = image.max()
    return 0.0 if high == image.min() else float(np.count_nonzero(image == high) / image.size)


def frame_qc(
    frame: np.ndarray,
    nucleus_areas: np.ndarray,
    threshold: float,
    min_cell_area_px: int,
    counts: Mapping[int, np.ndarray | None] = {},
) -> dict:
    """QC numbers of one frame.

    Parameters
    ----------
    frame : (C, Y, X) ndarray
        Channels in :data:`nucleocyto.CHANNELS` order.
    nucleus_areas : (n,) ndarray of int
        Pixels of each nucleus object of the frame (zeros are ignored), e.g.
        :attr:`nucleocyto.segment.tracking.FrameObjects.area`.
    threshold : float
        Threshold that made the nuclei (counts; NaN for label images made elsewhere).
    min_cell_area_px : int
        Fewest pixels of a nucleus counted as a cell.
    counts : mapping, optional
        Channel index -> the level counts of that channel (:func:`saturated_fraction`), for the
        channels whose counts the caller has.

    Returns
    -------
    dict
        ``threshold``; ``objects`` (nucleus objects) and ``objects_per_megapixel`` (per 10⁶
        pixels of the frame); ``nuclei`` (objects of at least
        ``min_cell_area_px`` pixels); ``nucleus_area_median_px`` (median area of those, NaN
        when none); ``nucleus_coverage`` (fraction of the frame in any object);
        ``<channel>_saturated`` (:func:`saturated_fraction`); ``empty`` (no object).
    """
    area = nucleus_areas[nucleus_areas > 0]
    counted = area[area >= min_cell_area_px]
    pixels = frame.shape[-2] * frame.shape[-1]
    return {
        "threshold": float(threshold),
        "objects": len(area),
        "objects_per_megapixel": len(area) / (pixels / 1e6),
        "nuclei": len(counted),
        "nucleus_area_median_px": float(np.median(counted)) if len(counted) else np.nan,
        "nucleus_coverage": int(area.sum()) / pixels,
        **{f"{channel}_saturated": saturated_fraction(frame[c], counts.get(c)) for c, channel in enumerate(CHANNELS)},
        "empty": len(area) == 0,
    }


def qc_table(frames: list[dict], lineage: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The QC columns of a movie: each frame's :func:`frame_qc` and, from the tracker's lineage
    (``nucleocyto.segment.tracking.LINEAGE_COLUMNS``), the tracks that start and end in it and the
    divisions (mothers whose daughters start in it)."""
    n_frames = len(frames)
    columns = {key: np.array([row[key] for row in frames]) for key in frames[0]} if frames else {}
    first, last, parent = lineage["first_frame"], lineage["last_frame"], lineage["parent_id"]
    daughters = parent > 0
    mothers = pd.Series(parent[daughters]).groupby(first[daughters]).nunique()
    columns["tracks_started"] = np.bincount(first, minlength=n_frames)
    columns["tracks_ended"] = np.bincount(last, minlength=n_frames)
    columns["divisions"] = mothers.reindex(range(n_frames), fill_value=0).to_numpy(np.int64)
    return {key: columns[key] for key in QC_COLUMNS}


def qc_warnings(qc: pd.DataFrame, params: QCParams) -> list[str]:
    """Sentences about what looks implausible in a movie's QC table (``qc.parquet``).

    Parameters
    ----------
    qc : DataFrame
        One row per frame, columns ``frame`` and :data:`QC_COLUMNS`.
    params : QCParams

    Returns
    -------
    list of str
        One sentence per problem, empty when none: the nuclear marker looks cytoplasmic (too much
        of the frame covered, or too many objects per megapixel), a channel is saturated, the
        number of nuclei jumps between frames, frames without any nucleus.
    """
    warnings = []
    n_frames = len(qc)
    density = qc["objects_per_megapixel"]
    crowded = (qc["nucleus_coverage"] > params.max_nucleus_coverage) | (density > params.max_objects_per_megapixel)
    if crowded.any():
        warnings.append(
            f"the nuclear marker looks like a cytoplasmic channel in {crowded.sum()} of {n_frames} frames: "
            f"its objects cover up to {qc['nucleus_coverage'].max():.0%} of a frame (limit "
            f"{params.max_nucleus_coverage:.0%}) and number up to {density.max():,.0f} per megapixel (limit "
            f"{params.max_objects_per_megapixel:,.0f}); check the channel order in the sample sheet "
            "(nucleus, nucleus_channel)."
        )
    for channel in CHANNELS:
        saturated = qc[f"{channel}_saturated"]
        over = saturated > params.max_saturated_fraction
        if over.any():
            warnings.append(
                f"the {channel} channel is saturated in {over.sum()} of {n_frames} frames: up to "
                f"{saturated.max():.1%} of its pixels sit at the frame maximum (limit "
                f"{params.max_saturated_fraction:.1%}); clipped pixels bias means and ratios."
            )
    counts = qc["nuclei"].to_numpy()
    change = np.abs(np.diff(counts))
    jumps = np.flatnonzero((change > params.max_count_change * counts[:-1]) & (change >= MIN_COUNT_JUMP)) + 1
    if len(jumps):
        t = int(jumps[np.argmax(change[jumps - 1])])
        warnings.append(
            f"the number of nuclei changes by more than {params.max_count_change:.0%} from one frame to the next "
            f"at {len(jumps)} frame(s), most at frame {t} ({counts[t - 1]} -> {counts[t]}); check focus, "
            "exposure and segmentation there."
        )
    empty = qc.loc[qc["empty"], "frame"].tolist()
    if empty:
        shown = ", ".join(map(str, empty[:10])) + (", ..." if len(empty) > 10 else "")
        warnings.append(f"{len(empty)} of {n_frames} frames have no nucleus (frames {shown}); their measures are NaN.")
    return warnings
