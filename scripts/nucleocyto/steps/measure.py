"""Rule measure: stack and label stacks -> ``intensities.parquet`` (every cell × region ×
channel × frame) and ``cells.parquet`` (POI means, N/C ratio, geometry and track per cell and
frame)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..config import BackgroundParams
from ..io.movie import sample_arrays
from ..io.stacks import read_metadata
from ..io.tables import movie_table, write_parquet
from ..measure.cells import cell_table, with_geometry
from ..measure.geometry import frame_geometry
from ..measure.intensities import measure_frame
from ..segment.labels import labelled_pixels
from ..system import map_frames

log = logging.getLogger(__name__)


def run(
    sample: str,
    arrays: Mapping[str, str | Path],
    intensities_path: str | Path,
    cells_path: str | Path,
    background: BackgroundParams,
    provenance: dict,
    threads: int = 1,
    convention: str = "coloc2",
) -> None:
    """``intensities.parquet`` and ``cells.parquet`` of a sample.

    ``arrays`` maps ``metadata``, ``nuclei``, ``cytoplasm`` and ``lineage`` to their
    paths. With ``convention`` ``"cellprofiler"`` (``correlation.convention``) medians follow
    CellProfiler's MeasureObjectIntensity.
    """
    metadata = read_metadata(arrays["metadata"])
    interval = metadata["frame_interval_s"]
    median = "cellprofiler" if convention == "cellprofiler" else "numpy"
    with sample_arrays(arrays) as (movie, nuclei, cytoplasm):
        measured = measure_stack(movie, nuclei, cytoplasm, sample, interval, background, threads, median=median)
    write_parquet(measured.intensities, intensities_path, provenance)
    lineage = pd.read_parquet(arrays["lineage"])
    cells = with_geometry(cell_table(measured.intensities), measured.geometry, lineage, metadata["pixel_size_um"])
    write_parquet(cells, cells_path, provenance)


class MeasuredStack(NamedTuple):
    """What :func:`measure_stack` measured: the tidy ``intensities`` table and the
    ``geometry`` of every cell and frame (:func:`nucleocyto.measure.geometry.frame_geometry`
    columns after a ``frame`` column)."""

    intensities: pd.DataFrame
    geometry: pd.DataFrame


def measure_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    background: BackgroundParams = BackgroundParams(),
    threads: int = 1,
    median: str = "numpy",
) -> MeasuredStack:
    """The tidy intensities table and the cells' geometry of a whole movie, in one pass over
    the frames (each frame's labelled pixels found once for both).

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
    nuclei, cytoplasm : (T, Y, X) ndarray of int
        Usually read-only memory maps (uint8, uint16 or int32).
    sample : str
    frame_interval_s : float or None
        Seconds between frames; ``time_s`` is NaN when None.
    background : BackgroundParams
    threads : int
        Frames measured at once.
    median : str
        Definition of the median (:data:`nucleocyto.measure.stats.MEDIANS`).

    Returns
    -------
    MeasuredStack
        ``intensities`` has the columns :data:`nucleocyto.measure.intensities.COLUMNS`, sorted
        by frame, cell, region, channel; ``geometry`` one row per nucleus and frame.
    """

    def measure(t: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        frame_nuclei, frame_cytoplasm = np.asarray(nuclei[t]), np.asarray(cytoplasm[t])
        pixels = {"nucleus": labelled_pixels(frame_nuclei), "cytoplasm": labelled_pixels(frame_cytoplasm)}
        columns = measure_frame(np.asarray(stack[t]), frame_nuclei, frame_cytoplasm, background, median, pixels)
        return columns, frame_geometry(frame_nuclei, frame_cytoplasm, pixels["nucleus"])

    intensities, geometry = [], []
    for t, (columns, where) in enumerate(map_frames(measure, stack.shape[0], threads, (stack, nuclei, cytoplasm))):
        if columns["mask_empty"][0]:
            log.warning("sample %s, frame %d: no nucleus found; statistics are NaN", sample, t)
        if np.isnan(columns["background"]).any():
            log.warning("sample %s, frame %d: no background pixel outside the cells; statistics are NaN", sample, t)
        intensities.append(columns)
        geometry.append(where)
    return MeasuredStack(
        movie_table(intensities, sample, frame_interval_s),
        movie_table(geometry, "", None).drop(columns=["sample", "time_s"]),
    )
