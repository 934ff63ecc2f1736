"""Rule comparisons: results/kinetics.parquet -> results/comparisons.parquet (on replicate means)."""

from _snakemake import provenance, run
from nucleocyto.config import ComparisonParams
from nucleocyto.steps import comparisons


def main(snakemake):
    comparisons.run(
        snakemake.input.kinetics,
        snakemake.output.comparisons,
        ComparisonParams(**snakemake.params.comparisons),
        provenance(snakemake),
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
