"""Rule measure: stack + label stacks -> intensities.parquet + cells.parquet."""

from _snakemake import provenance, run
from nucleocyto import steps
from nucleocyto.config import BackgroundParams


def main(snakemake):
    steps.measure(snakemake.wildcards.sample, snakemake.input, snakemake.output.intensities, snakemake.output.cells,
                  BackgroundParams(**snakemake.params.background), provenance(snakemake), threads=snakemake.threads)


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
