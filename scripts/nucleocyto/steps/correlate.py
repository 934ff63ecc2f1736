"""Rule correlate: ``correlation.parquet`` (POI vs marker pixel correlation per frame and scope)
and ``translocation.parquet`` (nuclear vs cytoplasmic POI over time, per cell)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..coloc.scopes import COLUMNS, frame_correlations
from ..coloc.temporal import temporal_correlations
from ..config import CorrelationParams
from ..io.movie import sample_arrays
from ..io.stacks import read_metadata
from ..io.tables import movie_table, write_parquet
from ..system import map_frames

log = logging.getLogger(__name__)


def run(
    sample: str,
    arrays: Mapping[str, str | Path],
    cells_path: str | Path,
    correlation_path: str | Path,
    translocation_path: str | Path,
    params: CorrelationParams,
    provenance: dict,
    threads: int = 1,
) -> None:
    """``correlation.parquet`` (pixel correlation per frame and scope) and
    ``translocation.parquet`` (nuclear vs cytoplasmic POI over time, per cell) of a sample."""
    interval = read_metadata(arrays["metadata"])["frame_interval_s"]
    if params.costes_shuffles:
        log.info(
            "Costes test: %d shuffles of %d px blocks per frame and scope", params.costes_shuffles, params.psf_fwhm_px
        )
    if params.convention == "cellprofiler":
        log.info(
            "Colocalisation by CellProfiler's definitions; its threshold: %g %% of each channel's maximum",
            params.cellprofiler_threshold_percent,
        )
    with sample_arrays(arrays) as movie_and_labels:
        table = correlate_stack(
            *movie_and_labels,
            sample,
            interval,
            params.costes_shuffles,
            params.psf_fwhm_px,
            params.seed,
            threads=threads,
            convention=params.convention,
            threshold_percent=params.cellprofiler_threshold_percent,
        )
    write_parquet(table, correlation_path, provenance)
    cells = pd.read_parquet(cells_path)
    translocation = temporal_correlations(cells, sample, interval, params.detrend, params.max_lag_frames)
    write_parquet(translocation, translocation_path, provenance)


def correlate_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    shuffles: int = 0,
    block_px: int = 3,
    seed: int = 0,
    threads: int = 1,
    convention: str = "coloc2",
    threshold_percent: float = 15.0,
) -> pd.DataFrame:
    """The per-frame correlation table of a movie.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray; nuclei, cytoplasm : (T, Y, X) ndarray of int
        Usually read-only memory maps.
    shuffles, block_px : int
        Costes' randomisation test, see :func:`nucleocyto.coloc.scopes.frame_correlations`.
    seed : int
        Frame t shuffles with ``numpy.random.default_rng((seed, t))``: reproducible, and
        independent of the other frames (and of ``threads``).
    threads : int
        Frames correlated at once.
    convention, threshold_percent
        Definitions of the measures, see :func:`nucleocyto.coloc.scopes.frame_correlations`.

    Returns
    -------
    DataFrame
        Columns :data:`nucleocyto.coloc.scopes.COLUMNS`.
    """
    frames = map_frames(
        lambda t: frame_correlations(
            np.asarray(stack[t]),
            np.asarray(nuclei[t]),
            np.asarray(cytoplasm[t]),
            shuffles,
            block_px,
            np.random.default_rng((seed, t)),
            convention,
            threshold_percent,
        ),
        stack.shape[0],
        threads,
        release=(stack, nuclei, cytoplasm),
    )
    return movie_table(frames, sample, frame_interval_s)[list(COLUMNS)]
