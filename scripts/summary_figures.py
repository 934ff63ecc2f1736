"""Rule summary_figures: the summary figure (PNG + SVG) and table across all samples."""

from _snakemake import run
from nucleocyto.config import QCParams
from nucleocyto.steps import summary_figures


def main(snakemake):
    summary_figures.run(
        snakemake.input.summary,
        snakemake.input.cells,
        snakemake.input.qc,
        snakemake.input.kinetics,
        snakemake.params.conditions,
        snakemake.output,
        snakemake.params.dpi,
        snakemake.params.min_track_frames,
        snakemake.params.min_area_um2,
        QCParams(**snakemake.params.qc),
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
