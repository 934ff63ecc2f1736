"""Rule measure: movie + label stacks -> intensities.parquet + cells.parquet."""

from _snakemake import provenance, run
from nucleocyto.config import BackgroundParams
from nucleocyto.steps import measure


def main(snakemake):
    measure.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.output.intensities,
        snakemake.output.cells,
        BackgroundParams(**snakemake.params.background),
        provenance(snakemake),
        threads=snakemake.threads,
        convention=snakemake.params.convention,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
