"""Snakemake script: the summary figure (PNG + SVG) and table across all samples."""

import pandas as pd

from nucleocyto.figures_summary import summary
from nucleocyto.report_tables import sample_table, write_html
from nucleocyto.step import run_step
from nucleocyto.style import save

COLUMNS = ["sample", "frame", "time_s", "nc_ratio"]


def main(snakemake):
    conditions = snakemake.params.conditions
    pooled = pd.concat([pd.read_parquet(path, columns=COLUMNS, filters=[("cell_id", "==", 0)])
                        for path in snakemake.input.cells], ignore_index=True)
    translocation = pd.read_parquet(snakemake.input.summary)
    save(summary(pooled, translocation, conditions), snakemake.output.figure, snakemake.output.svg, snakemake.params.dpi)
    note = "N/C: nuclear / cytosolic POI mean, all cells pooled by area; temporal r: Pearson r over time between them."
    write_html(sample_table(pooled, translocation, conditions), snakemake.output.table, "All samples", note)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
