"""Rule figures: the figures of one sample (PNG and SVG), its mask movie (GIF), its per-cell HTML
table and its QC table with the sample's warnings."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from ..config import FigureParams, QCParams
from ..errors import InputError
from ..io.movie import sample_arrays
from ..io.stacks import read_metadata
from ..io.tables import write_html
from ..kinetics.response import Stimulus
from ..measure.qc import qc_warnings
from ..plots import sample as draw
from ..plots.data import counted_cells, montage_frames, select_cells, split_cells
from ..plots.movie import mask_movie
from ..plots.report import cell_summary, qc_summary
from ..plots.style import save
from ..system import map_frames

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
    min_area_um2: float,
    qc: QCParams,
    stimulus: Stimulus,
    threads: int = 1,
) -> None:
    """The figures of one sample (PNG ``outputs[name]`` and SVG ``outputs[name + "_svg"]`` for
    each of :data:`nucleocyto.SAMPLE_FIGURES`), the mask movie ``outputs["movie"]``, the per-cell
    HTML table ``outputs["table"]`` and the QC table ``outputs["qc_table"]``.

    ``inputs`` maps ``metadata``, ``nuclei``, ``cytoplasm``, ``cells``,
    ``correlation``, ``translocation`` and ``qc`` to their paths. The per-cell figures use the
    tracks of at least ``params.min_track_frames`` frames whose nuclei have a median area of at
    least ``min_area_um2`` (:func:`nucleocyto.plots.data.counted_cells`); ``stimulus``, the
    sample's stimulation time, is marked on every time plot. With ``threads`` > 1 the montage
    and the mask movie are drawn in one worker process and the rest in another, side by side.
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
    qc_table = pd.read_parquet(inputs["qc"])
    warnings = qc_warnings(qc_table, qc)
    title = f"{sample}: POI with nucleus and cytoplasm masks" + (
        f"\nQC: {len(warnings)} warning(s), see the QC table" if warnings else ""
    )

    def images() -> None:  # the montage and the movie: the parts that read the movie
        with sample_arrays(inputs) as arrays:
            overlay = (*arrays, shown, interval, pixel, params.montage_columns, title)
            write("overlay", draw.overlay_montage, *overlay, params.crop_px, params.crop)
            mask_movie(*arrays, outputs["movie"], sample)

    def tables() -> None:  # the figures and tables of the cells
        all_cells, pooled = split_cells(pd.read_parquet(inputs["cells"]))
        cells, excluded = counted_cells(all_cells, n_frames, params.min_track_frames, min_area_um2)
        note = _excluded_note(cells["cell_id"].nunique(), excluded, params.min_track_frames, min_area_um2)
        correlation = pd.read_parquet(inputs["correlation"], columns=["frame", "scope", "cell_id", "pearson_r"])
        _cell_figures(write, sample, metadata, cells, pooled, correlation, params.max_cells, note, stimulated)
        table = cell_summary(all_cells, pooled, pd.read_parquet(inputs["translocation"]), pixel)
        used = table["cell"].isin(["all, pooled", *map(str, cells["cell_id"].unique())])
        table.insert(2, "in figures", used.map({True: "yes", False: "no"}))
        write_html(table, outputs["table"], f"{sample}: cells", TABLE_NOTE)
        qc_note = " ".join(f"WARNING: {w}" for w in warnings) or "No QC warning."
        write_html(qc_summary(qc_table, pixel), outputs["qc_table"], f"{sample}: quality control per frame", qc_note)

    parts = (images, tables)
    for _ in map_frames(lambda part: parts[part](), len(parts), threads, unit="figure groups"):
        pass


def _cell_figures(
    write: Callable,
    sample: str,
    metadata: dict,
    cells: pd.DataFrame,
    pooled: pd.DataFrame,
    correlation: pd.DataFrame,
    max_cells: int,
    note: str,
    stimulus_frame: float | None = None,
) -> None:
    """The figures drawn from the single cells ``cells`` (the counted tracks), the pooled rows
    and the correlation table, each saved by ``write(name, builder, *arguments, **keywords)``;
    ``note`` ends their titles, and ``stimulus_frame`` (the stimulation time) is marked on every
    time plot."""
    interval, n_frames = metadata["frame_interval_s"], metadata["shape"][0]
    timed = {"stimulus_frame": stimulus_frame}
    title = f"{sample}: POI in nucleus and cytoplasm{note}"
    write("timecourse", draw.timecourse, cells, pooled, n_frames, interval, title, **timed)
    title = f"{sample}: nuclear / cytoplasmic POI ratio{note}"
    write("ratio", draw.ratio, cells, pooled, n_frames, interval, title, **timed)
    counted = (correlation["scope"] != "cell") | correlation["cell_id"].isin(cells["cell_id"])
    title = f"{sample}: pixel correlation per frame{note}"
    write("correlation", draw.correlation_over_time, correlation[counted], n_frames, interval, title, **timed)
    write("scatter", draw.scatter, cells, pooled, n_frames, interval, f"{sample}: nuclear vs cytoplasmic POI{note}")
    ids = select_cells(cells, max_cells)
    n_ids = cells["cell_id"].nunique()
    shown_ids = f"all {n_ids} tracks" if len(ids) == n_ids else f"{len(ids)} of {n_ids} tracks (most frames)"
    title = f"{sample}: POI per cell, {shown_ids}{note}"
    write("cells", draw.cell_panels, cells, ids, n_frames, interval, title, **timed)


def _excluded_note(kept: int, excluded: int, min_track_frames: int, min_area_um2: float) -> str:
    """A second title line saying how many tracks the per-cell statistics use and leave out."""
    if not excluded:
        return ""
    return f"\n{kept} tracks; {excluded} left out (< {min_track_frames} frames or < {min_area_um2:g} µm²)"
