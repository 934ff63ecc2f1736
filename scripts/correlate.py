"""Snakemake script: per-frame pixel correlation and per-cell temporal correlation tables."""

import logging

import pandas as pd

from nucleocyto.correlation import correlate_stack, temporal_correlations
from nucleocyto.step import open_sample_arrays, provenance, read_metadata, run_step
from nucleocyto.tables import write_parquet

log = logging.getLogger("nucleocyto.correlate")


def main(snakemake):
    sample = snakemake.wildcards.sample
    params = snakemake.params.correlation
    interval = read_metadata(snakemake.input.metadata)["frame_interval_s"]
    arrays = open_sample_arrays(snakemake.input)
    meta = provenance(snakemake)
    shuffles, block = params["costes_shuffles"], params["psf_fwhm_px"]
    if shuffles:
        log.info("Costes test: %d shuffles of %d px blocks per frame and scope", shuffles, block)
    table = correlate_stack(*arrays, sample, interval, shuffles, block, params["seed"], threads=snakemake.threads)
    write_parquet(table, snakemake.output.correlation, meta)
    intensities = pd.read_parquet(snakemake.input.intensities)
    translocation = temporal_correlations(intensities, sample, interval, params["detrend"], params["max_lag_frames"])
    write_parquet(translocation, snakemake.output.translocation, meta)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
