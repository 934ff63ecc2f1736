"""Rule dose_response: results/kinetics.parquet -> Hill fits, Z'-factor, their table and figure."""

from _snakemake import provenance, run
from nucleocyto.config import DoseResponseParams
from nucleocyto.steps import dose_response


def main(snakemake):
    dose_response.run(
        snakemake.input.kinetics,
        snakemake.params.conditions,
        snakemake.output,
        DoseResponseParams(**snakemake.params.dose_response),
        provenance(snakemake),
        snakemake.params.dpi,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
