"""Rule response_figures: response per condition, heatmap, SuperPlots (PNG + SVG), kinetics and comparison tables."""

from _snakemake import run
from nucleocyto.steps import response_figures


def main(snakemake):
    response_figures.run(
        snakemake.input,
        snakemake.params.conditions,
        snakemake.params.metrics,
        snakemake.output,
        snakemake.params.dpi,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
