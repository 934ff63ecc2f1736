"""Rule summary_figures: the figure across samples (PNG and SVG) and the HTML table of samples."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..io.tables import software_versions, write_html
from ..plots.report import sample_table
from ..plots.style import save
from ..plots.summary import summary


def run(
    summary_path: str | Path,
    cells_paths: list[str],
    kinetics_path: str | Path,
    conditions: dict[str, str],
    outputs: Mapping[str, str | Path],
    dpi: int,
) -> None:
    """The figure across samples (PNG ``outputs["figure"]``, SVG ``outputs["svg"]``), the table
    of samples (HTML ``outputs["table"]``), grouped by condition, and the versions of the
    pipeline and its libraries (HTML ``outputs["software"]``); the stimulation times come from
    the kinetics table across samples."""
    columns = ["sample", "frame", "time_s", "nc_ratio"]
    pooled = pd.concat(
        [pd.read_parquet(path, columns=columns, filters=[("cell_id", "==", 0)]) for path in cells_paths],
        ignore_index=True,
    )
    translocation = pd.read_parquet(summary_path)
    kinetics = pd.read_parquet(kinetics_path, columns=["sample", "stimulus_s"], filters=[("cell_id", "==", 0)])
    stimulus_s = dict(zip(kinetics["sample"], kinetics["stimulus_s"]))
    save(summary(pooled, translocation, conditions, stimulus_s), outputs["figure"], outputs["svg"], dpi)
    note = (
        "N/C: nuclear / cytoplasmic POI mean, all cells pooled by area; temporal r: Pearson r over time between them, "
        "raw and after removing each trace's trend (bleaching)."
    )
    write_html(sample_table(pooled, translocation, conditions), outputs["table"], "All samples", note)
    versions = pd.DataFrame(list(software_versions().items()), columns=["software", "version"]).fillna("not installed")
    write_html(versions, outputs["software"], "Software", "Versions of the pipeline and the libraries this run used.")
