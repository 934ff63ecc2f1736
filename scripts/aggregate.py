"""Rule aggregate: all samples' translocation tables -> summary.parquet."""

from _snakemake import provenance, run
from nucleocyto.steps import aggregate


def main(snakemake):
    aggregate.run(
        snakemake.input.translocation, snakemake.params.conditions, snakemake.output.summary, provenance(snakemake)
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
