"""Rule measure: stack and label stacks -> ``intensities.parquet`` (every cell × region ×
channel × frame) and ``cells.parquet`` (POI means, N/C ratio, geometry and track per cell and
frame)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import BackgroundParams
from ..io.movie import sample_arrays
from ..io.stacks import read_metadata
from ..io.tables import movie_table, write_parquet
from ..measure.cells import cell_table, with_geometry
from ..measure.geometry import frame_geometry
from ..measure.intensities import measure_frame
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
        table = measure_stack(movie, nuclei, cytoplasm, sample, interval, background, threads, median=median)
    write_parquet(table, intensities_path, provenance)
    geometry = geometry_stack(nuclei, cytoplasm, threads)
    cells = with_geometry(cell_table(table), geometry, pd.read_parquet(arrays["lineage"]), metadata["pixel_size_um"])
    write_parquet(cells, cells_path, provenance)


def geometry_stack(nuclei: np.ndarray, cytoplasm: np.ndarray, threads: int = 1) -> pd.DataFrame:
    """:func:`nucleocyto.measure.geometry.frame_geometry` of every frame of (T, Y, X) label
    stacks, with a ``frame`` column."""
    frames = map_frames(
        lambda t: frame_geometry(np.asarray(nuclei[t]), np.asarray(cytoplasm[t])),
        nuclei.shape[0],
        threads,
        release=(nuclei, cytoplasm),
    )
    return movie_table(frames, "", None).drop(columns=["sample", "time_s"])


def measure_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    background: BackgroundParams = BackgroundParams(),
    threads: int = 1,
    median: str = "numpy",
) -> pd.DataFrame:
    """The tidy intensities table of a whole movie.

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
    DataFrame
        Columns :data:`nucleocyto.measure.intensities.COLUMNS`, sorted by frame, cell, region,
        channel.
    """

    def measure(t: int) -> dict[str, np.ndarray]:
        return measure_frame(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytoplasm[t]), background, median)

    def logged(frames):
        """The frame tables, warning (in frame order) about frames without nuclei or background."""
        for t, columns in enumerate(frames):
            if columns["mask_empty"][0]:
                log.warning("sample %s, frame %d: no nucleus found; statistics are NaN", sample, t)
            if np.isnan(columns["background"]).any():
                log.warning("sample %s, frame %d: no background pixel outside the cells; statistics are NaN", sample, t)
            yield columns

    frames = map_frames(measure, stack.shape[0], threads, release=(stack, nuclei, cytoplasm))
    return movie_table(logged(frames), sample, frame_interval_s)
