"""Rule figures: the per-sample figures (PNG + SVG) and the per-cell report table."""

from _snakemake import run
from nucleocyto import steps
from nucleocyto.config import FigureParams


def main(snakemake):
    steps.figures(snakemake.wildcards.sample, snakemake.input, snakemake.output,
                  FigureParams(**snakemake.params.figures))


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
