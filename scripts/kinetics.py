"""Rule kinetics: cells.parquet -> kinetics.parquet (metrics per cell) + response.parquet (per frame)."""

from _snakemake import provenance, run
from nucleocyto.config import KineticsParams
from nucleocyto.kinetics.response import Stimulus
from nucleocyto.steps import kinetics


def main(snakemake):
    kinetics.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.output,
        KineticsParams(**snakemake.params.kinetics),
        Stimulus(**snakemake.params.stimulus),
        provenance(snakemake),
        threads=snakemake.threads,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
