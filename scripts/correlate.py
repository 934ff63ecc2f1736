"""Rule correlate: per-frame pixel correlation and per-cell temporal correlation tables."""

from _snakemake import provenance, run
from nucleocyto.config import CorrelationParams
from nucleocyto.steps import correlate


def main(snakemake):
    correlate.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.input.cells,
        snakemake.output.correlation,
        snakemake.output.translocation,
        CorrelationParams(**snakemake.params.correlation),
        provenance(snakemake),
        threads=snakemake.threads,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
