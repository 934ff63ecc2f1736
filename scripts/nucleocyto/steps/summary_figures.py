"""Rule summary_figures: the figure across samples (PNG and SVG) and the HTML table of samples."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..io.tables import software_versions, write_html
from ..plots.report import sample_table
from ..plots.style import save
from ..plots.summary import summary

log = logging.getLogger(__name__)


def run(
    summary_path: str | Path,
    cells_paths: list[str],
    conditions: dict[str, str],
    outputs: Mapping[str, str | Path],
    dpi: int,
) -> None:
    """The figure across samples (PNG ``outputs["figure"]``, SVG ``outputs["svg"]``), the table
    of samples (HTML ``outputs["table"]``), grouped by condition, and the versions of the
    pipeline and its libraries (HTML ``outputs["software"]``)."""
    columns = ["sample", "frame", "time_s", "nc_ratio", "nucleus_area_px"]
    pooled = pd.concat(
        [pd.read_parquet(path, columns=columns, filters=[("cell_id", "==", 0)]) for path in cells_paths],
        ignore_index=True,
    )
    translocation = pd.read_parquet(summary_path)
    save(summary(pooled, translocation, conditions), outputs["figure"], outputs["svg"], dpi)
    note = (
        "N/C: nuclear / cytoplasmic POI mean, all cells pooled by area; temporal r: Pearson r over time between them."
    )
    warning = no_nucleus_warning(pooled, conditions)
    if warning:
        log.warning("%s", warning)
        note = f"{warning} {note}"
    write_html(sample_table(pooled, translocation, conditions), outputs["table"], "All samples", note)
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
