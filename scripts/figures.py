"""Rule figures: the per-sample figures (PNG + SVG), the mask movie (GIF), the per-cell and QC
report tables."""

from _snakemake import run
from nucleocyto.config import FigureParams, QCParams
from nucleocyto.kinetics.response import Stimulus
from nucleocyto.steps import figures


def main(snakemake):
    figures.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.output,
        FigureParams(**snakemake.params.figures),
        snakemake.params.min_area_um2,
        QCParams(**snakemake.params.qc),
        Stimulus(**snakemake.params.stimulus),
        threads=snakemake.threads,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
