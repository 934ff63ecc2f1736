"""Snakemake script: the per-sample figures (PNG + SVG)."""

import pandas as pd

from nucleocyto import figures
from nucleocyto.step import open_sample_arrays, read_metadata, run_step
from nucleocyto.style import save


def main(snakemake):
    metadata = read_metadata(snakemake.input.metadata)
    interval, pixel = metadata["frame_interval_s"], metadata["pixel_size_um"]
    n_frames = metadata["shape"][0]
    dpi = snakemake.params.figures["dpi"]
    svg = {path.rsplit("/", 1)[-1].removesuffix(".svg"): path for path in snakemake.output.svgs}
    stack, nuclei, cytosol = open_sample_arrays(snakemake.input)
    shown = figures.montage_frames(n_frames, snakemake.params.figures["montage_frames"])
    fig = figures.overlay_montage(stack, nuclei, cytosol, shown, interval, pixel)
    save(fig, snakemake.output.overlay, svg["overlay"], dpi)
    intensities = pd.read_parquet(snakemake.input.intensities)
    save(figures.timecourse(intensities, n_frames, interval), snakemake.output.timecourse, svg["timecourse"], dpi)
    correlation = pd.read_parquet(snakemake.input.correlation)
    fig = figures.correlation_over_time(correlation, n_frames, interval)
    save(fig, snakemake.output.correlation, svg["correlation"], dpi)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
