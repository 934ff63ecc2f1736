"""Rule aggregate_kinetics: all samples' kinetics and response tables -> results/kinetics.parquet, response.parquet."""

from _snakemake import provenance, run
from nucleocyto.steps import aggregate_kinetics


def main(snakemake):
    aggregate_kinetics.run(
        snakemake.input.kinetics,
        snakemake.input.response,
        snakemake.params.annotations,
        snakemake.output,
        provenance(snakemake),
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
