"""Snakemake script: stack + label stacks -> intensities.parquet + cells.parquet."""

from nucleocyto.measure import cell_table, measure_stack
from nucleocyto.params import BackgroundParams
from nucleocyto.step import open_sample_arrays, provenance, read_metadata, run_step
from nucleocyto.tables import write_parquet


def main(snakemake):
    metadata = read_metadata(snakemake.input.metadata)
    arrays = open_sample_arrays(snakemake.input)
    background = BackgroundParams(**snakemake.params.background)
    table = measure_stack(
        *arrays, snakemake.wildcards.sample, metadata["frame_interval_s"], background, threads=snakemake.threads
    )
    meta = provenance(snakemake)
    write_parquet(table, snakemake.output.intensities, meta)
    write_parquet(cell_table(table), snakemake.output.cells, meta)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
