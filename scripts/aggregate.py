"""Rule aggregate: all samples' translocation tables -> summary.parquet."""

from _snakemake import provenance, run
from nucleocyto import steps


def main(snakemake):
    steps.aggregate(snakemake.input.translocation, snakemake.params.conditions, snakemake.output.summary,
                    provenance(snakemake))


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
