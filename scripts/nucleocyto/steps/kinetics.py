"""Rule kinetics: a sample's cells table -> ``kinetics.parquet`` (response metrics per cell) and
``response.parquet`` (each cell's response per frame, normalised to its baseline)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..config import KineticsParams
from ..io.stacks import read_metadata
from ..io.tables import write_parquet
from ..kinetics.metrics import movie_kinetics
from ..kinetics.response import Stimulus, Window, response_table

log = logging.getLogger(__name__)


def run(
    sample: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: KineticsParams,
    stimulus: Stimulus,
    provenance: dict,
    threads: int = 1,
) -> None:
    """The kinetics and response tables of one sample.

    Parameters
    ----------
    inputs : mapping
        ``cells``, ``translocation`` (for the detrended temporal r) and ``metadata`` paths.
    outputs : mapping
        ``kinetics`` and ``response`` paths.
    stimulus : Stimulus
        The sample's stimulation time, as given.
    threads : int
        Cells fitted at once.
    """
    metadata = read_metadata(inputs["metadata"])
    interval, n_frames = metadata["frame_interval_s"], metadata["shape"][0]
    frame = stimulus.frame(sample, interval, n_frames)
    if interval is None:
        log.warning("sample %s: no frame interval; the kinetics' times (columns *_s) are NaN", sample)
    window = Window(n_frames, frame, params.baseline_frames)
    cells = pd.read_parquet(inputs["cells"])
    translocation = pd.read_parquet(inputs["translocation"], columns=["cell_id", "temporal_pearson_r_detrended"])
    temporal_r = translocation.set_index("cell_id")["temporal_pearson_r_detrended"]
    kinetics = movie_kinetics(cells, sample, window, params, interval, temporal_r, threads)
    reasons = kinetics.loc[kinetics["cell_id"] > 0, "reason"].str.split(":").str[0].value_counts()
    log.info(
        "sample %s: %d cells, response %s, stimulus frame %s; without every metric: %s",
        sample,
        int((kinetics["cell_id"] > 0).sum()),
        params.response,
        "none" if frame is None else f"{frame:g}",
        dict(reasons.drop("", errors="ignore")) or "none",
    )
    write_parquet(kinetics, outputs["kinetics"], provenance)
    write_parquet(response_table(cells, window, params, interval), outputs["response"], provenance)
