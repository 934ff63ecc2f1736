"""Snakemake script: stack + label stacks -> intensities.parquet."""

from nucleocyto.measure import measure_stack
from nucleocyto.step import open_sample_arrays, provenance, read_metadata, run_step
from nucleocyto.tables import write_parquet


def main(snakemake):
    metadata = read_metadata(snakemake.input.metadata)
    arrays = open_sample_arrays(snakemake.input)
    table = measure_stack(
        *arrays, snakemake.wildcards.sample, metadata["frame_interval_s"], threads=snakemake.threads
    )
    write_parquet(table, snakemake.output.intensities, provenance(snakemake))


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
