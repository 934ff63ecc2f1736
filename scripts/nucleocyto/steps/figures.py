"""Rule figures: the figures of one sample (PNG and SVG) and its per-cell HTML table."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from ..config import FigureParams
from ..errors import InputError
from ..io.stacks import read_metadata
from ..io.tables import write_html
from ..plots import sample as draw
from ..plots.data import montage_frames, select_cells, split_cells
from ..plots.report import cell_summary
from ..plots.style import save
from . import label_arrays


def run(
    sample: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: FigureParams,
) -> None:
    """The figures of one sample (PNG ``outputs[name]`` and SVG ``outputs[name + "_svg"]`` for
    each of :data:`nucleocyto.SAMPLE_FIGURES`) and its per-cell HTML table ``outputs["table"]``.

    ``inputs`` maps ``stack``, ``metadata``, ``nuclei``, ``cytoplasm``, ``cells``,
    ``correlation`` and ``translocation`` to their paths.
    """
    metadata = read_metadata(inputs["metadata"])
    interval, pixel, n_frames = metadata["frame_interval_s"], metadata["pixel_size_um"], metadata["shape"][0]

    def write(name: str, build: Callable, *args) -> None:
        save(build(*args), outputs[name], outputs[f"{name}_svg"], params.dpi)

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
    write("timecourse", draw.timecourse, cells, pooled, n_frames, interval, f"{sample}: POI in nucleus and cytoplasm")
    write("ratio", draw.ratio, cells, pooled, n_frames, interval, f"{sample}: nuclear / cytoplasmic POI ratio")
    correlation = pd.read_parquet(inputs["correlation"], columns=["frame", "scope", "cell_id", "pearson_r"])
    write(
        "correlation",
        draw.correlation_over_time,
        correlation,
        n_frames,
        interval,
        f"{sample}: pixel correlation per frame",
    )
    write("scatter", draw.scatter, cells, pooled, n_frames, interval, f"{sample}: nuclear vs cytoplasmic POI")
    ids = select_cells(cells, params.max_cells)
    n_ids = cells["cell_id"].nunique()
    shown_ids = f"all {n_ids} cell ids" if len(ids) == n_ids else f"{len(ids)} of {n_ids} cell ids (most frames)"
    write("cells", draw.cell_panels, cells, ids, n_frames, interval, f"{sample}: POI per cell, {shown_ids}")
    translocation = pd.read_parquet(inputs["translocation"])
    note = "N/C: nuclear / cytoplasmic POI mean per frame; temporal r: Pearson r over time between the two means."
    write_html(cell_summary(cells, pooled, translocation, pixel), outputs["table"], f"{sample}: cells", note)
