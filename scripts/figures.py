"""Rule figures: the per-sample figures (PNG + SVG) and the per-cell report table."""

from _snakemake import run
from nucleocyto.config import FigureParams
from nucleocyto.kinetics.response import Stimulus
from nucleocyto.steps import figures


def main(snakemake):
    figures.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.output,
        FigureParams(**snakemake.params.figures),
        Stimulus(**snakemake.params.stimulus),
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
