"""Rule summary_figures: the figure across samples (PNG and SVG) and the HTML table of samples."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..config import QCParams
from ..io.tables import software_versions, write_html
from ..measure.qc import qc_warnings
from ..plots.data import counted_cells
from ..plots.report import sample_table
from ..plots.style import save
from ..plots.summary import summary

#: Columns of the cells tables the summary reads.
CELL_COLUMNS = [
    "sample",
    "frame",
    "time_s",
    "cell_id",
    "nc_ratio",
    "track_frames",
    "nucleus_area_um2",
    "nucleus_area_px",
]

log = logging.getLogger(__name__)


def _pooled_and_counted(
    cells_paths: list[str], min_track_frames: int, min_area_um2: float
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The pooled rows of every sample, the (sample, cell_id) of the tracks the summaries use
    (column ``counted``) and how many tracks are left out."""
    pooled, counted, excluded = [], [], 0
    for path in cells_paths:
        cells = pd.read_parquet(path, columns=CELL_COLUMNS)
        movie = cells[cells["cell_id"] == 0]
        kept, left_out = counted_cells(cells[cells["cell_id"] > 0], len(movie), min_track_frames, min_area_um2)
        pooled.append(movie)
        counted.append(kept[["sample", "cell_id"]].drop_duplicates())
        excluded += left_out
    keys = pd.concat(counted, ignore_index=True).assign(counted=True)
    return pd.concat(pooled, ignore_index=True), keys, excluded


def run(
    summary_path: str | Path,
    cells_paths: list[str],
    qc_paths: list[str],
    kinetics_path: str | Path,
    conditions: dict[str, str],
    outputs: Mapping[str, str | Path],
    dpi: int,
    min_track_frames: int,
    min_area_um2: float,
    qc: QCParams,
) -> None:
    """The figure across samples (PNG ``outputs["figure"]``, SVG ``outputs["svg"]``), the table
    of samples (HTML ``outputs["table"]``), grouped by condition, and the versions of the
    pipeline and its libraries (HTML ``outputs["software"]``). The single cells are the tracks
    :func:`nucleocyto.plots.data.counted_cells` keeps, each sample's QC warnings (from its
    ``qc.parquet``) are listed in the table, and the stimulation times come from the kinetics
    table across samples."""
    pooled, keys, excluded = _pooled_and_counted(cells_paths, min_track_frames, min_area_um2)
    translocation = pd.read_parquet(summary_path)
    used = translocation.merge(keys, on=["sample", "cell_id"], how="left")["counted"].fillna(False).astype(bool)
    kinetics = pd.read_parquet(kinetics_path, columns=["sample", "stimulus_s"], filters=[("cell_id", "==", 0)])
    stimulus_s = dict(zip(kinetics["sample"], kinetics["stimulus_s"]))
    single = f"single cells (tracks of ≥ {min_track_frames} frames; {excluded} left out)"
    shown = translocation[used.to_numpy() | (translocation["cell_id"] == 0)]
    save(summary(pooled, shown, conditions, stimulus_s, single), outputs["figure"], outputs["svg"], dpi)
    table = sample_table(pooled, translocation, conditions)
    table["tracks in summaries"] = table["sample"].map(keys.groupby("sample").size()).fillna(0).astype(int)
    warnings = {frames["sample"].iloc[0]: qc_warnings(frames, qc) for frames in map(pd.read_parquet, qc_paths)}
    table["QC warnings"] = table["sample"].map(lambda s: " / ".join(warnings.get(s, [])) or "none")
    note = (
        "N/C: nuclear / cytoplasmic POI mean, all cells pooled by area; temporal r: Pearson r over time between them, "
        "raw and after removing each trace's trend (bleaching)."
    )
    warning = no_nucleus_warning(pooled, conditions)
    if warning:
        log.warning("%s", warning)
        note = f"{warning} {note}"
    write_html(table, outputs["table"], "All samples", note)
    versions = pd.DataFrame(list(software_versions().items()), columns=["software", "version"]).fillna("not installed")
    write_html(versions, outputs["software"], "Software", "Versions of the pipeline and the libraries this run used.")


def no_nucleus_warning(pooled: pd.DataFrame, conditions: dict[str, str]) -> str:
    """A warning naming the samples (in sample-sheet order) in none of whose frames a nucleus was
    found (every pooled row of ``pooled``, the cells tables' ``cell_id`` 0 rows, has
    ``nucleus_area_px`` 0), or "" when every sample has a nucleus somewhere."""
    empty = pooled.groupby("sample")["nucleus_area_px"].max() == 0
    samples = [sample for sample in conditions if empty.get(sample, False)]
    if not samples:
        return ""
    return (
        f"Warning: no nucleus was found in any frame of {', '.join(samples)}: every mask is empty and every "
        "measurement NaN; check the nuclear channel and the masks settings (threshold, min_area_px, max_area_px)."
    )
