"""Snakemake script: per-frame pixel correlation and per-cell temporal correlation tables."""

import pandas as pd

from nucleocyto.correlation import correlate_stack, temporal_correlations
from nucleocyto.step import open_sample_arrays, provenance, read_metadata, run_step
from nucleocyto.tables import write_parquet


def main(snakemake):
    sample = snakemake.wildcards.sample
    metadata = read_metadata(snakemake.input.metadata)
    arrays = open_sample_arrays(snakemake.input)
    meta = provenance(snakemake)
    write_parquet(correlate_stack(*arrays, sample, metadata["frame_interval_s"]), snakemake.output.correlation, meta)
    intensities = pd.read_parquet(snakemake.input.intensities)
    write_parquet(temporal_correlations(intensities, sample), snakemake.output.translocation, meta)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
