"""Rule figures: the figures of one sample (PNG and SVG) and its per-cell HTML table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from ..config import FigureParams
from ..errors import InputError
from ..io.stacks import read_metadata
from ..io.tables import write_html
from ..kinetics.response import Stimulus
from ..plots import sample as draw
from ..plots.data import montage_frames, select_cells, split_cells
from ..plots.report import cell_summary
from ..plots.style import save
from . import label_arrays

#: The note above the per-cell table.
TABLE_NOTE = (
    "N/C: nuclear / cytoplasmic POI mean per frame; temporal r: Pearson r over time between the two means, "
    "raw and after removing each trace's trend (bleaching)."
)


def run(
    sample: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: FigureParams,
    stimulus: Stimulus,
) -> None:
    """The figures of one sample (PNG ``outputs[name]`` and SVG ``outputs[name + "_svg"]`` for
    each of :data:`nucleocyto.SAMPLE_FIGURES`) and its per-cell HTML table ``outputs["table"]``.

    ``inputs`` maps ``stack``, ``metadata``, ``nuclei``, ``cytoplasm``, ``cells``,
    ``correlation`` and ``translocation`` to their paths; ``stimulus``, the sample's stimulation
    time, is marked on every time plot.
    """
    metadata = read_metadata(inputs["metadata"])
    interval, pixel, n_frames = metadata["frame_interval_s"], metadata["pixel_size_um"], metadata["shape"][0]
    stimulated = stimulus.frame(sample, interval, n_frames)

    def write(name: str, build: Callable, *args, **kwargs) -> None:
        save(build(*args, **kwargs), outputs[name], outputs[f"{name}_svg"], params.dpi)

    try:
        shown = montage_frames(n_frames, params.montage_frames)
    except InputError as error:
        raise InputError(f"sample {sample}: figures.{error}") from None
    stack, nuclei, cytoplasm = label_arrays(inputs)
    write(
        "overlay",
        draw.overlay_montage,
        stack,
        nuclei,
        cytoplasm,
        shown,
        interval,
        pixel,
        params.montage_columns,
        f"{sample}: POI with nucleus and cytoplasm-ring masks",
    )
    cells, pooled = split_cells(pd.read_parquet(inputs["cells"]))
    _time_figures(write, sample, inputs, cells, pooled, n_frames, interval, params.max_cells, stimulated)
    translocation = pd.read_parquet(inputs["translocation"])
    write_html(cell_summary(cells, pooled, translocation, pixel), outputs["table"], f"{sample}: cells", TABLE_NOTE)


def _time_figures(
    write: Callable,
    sample: str,
    inputs: Mapping[str, str | Path],
    cells: pd.DataFrame,
    pooled: pd.DataFrame,
    n_frames: int,
    interval: float | None,
    max_cells: int,
    stimulus_frame: float | None,
) -> None:
    """The figures of a sample drawn from its tables (all but the overlay); ``write(name,
    builder, *args, **kwargs)`` draws and saves one."""
    timed = {"stimulus_frame": stimulus_frame}
    title = f"{sample}: POI in nucleus and cytoplasm"
    write("timecourse", draw.timecourse, cells, pooled, n_frames, interval, title, **timed)
    write("ratio", draw.ratio, cells, pooled, n_frames, interval, f"{sample}: nuclear / cytoplasmic POI ratio", **timed)
    correlation = pd.read_parquet(inputs["correlation"], columns=["frame", "scope", "cell_id", "pearson_r"])
    title = f"{sample}: pixel correlation per frame"
    write("correlation", draw.correlation_over_time, correlation, n_frames, interval, title, **timed)
    write("scatter", draw.scatter, cells, pooled, n_frames, interval, f"{sample}: nuclear vs cytoplasmic POI")
    ids = select_cells(cells, max_cells)
    n_ids = cells["cell_id"].nunique()
    shown_ids = f"all {n_ids} cell ids" if len(ids) == n_ids else f"{len(ids)} of {n_ids} cell ids (most frames)"
    write("cells", draw.cell_panels, cells, ids, n_frames, interval, f"{sample}: POI per cell, {shown_ids}", **timed)
