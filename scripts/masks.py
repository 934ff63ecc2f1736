"""Snakemake script: stack.npy -> nuclei.npy + cytosol.npy label stacks (with track ids when tracking is on)."""

import logging

import numpy as np

from nucleocyto.masks import segment_stack
from nucleocyto.params import MaskParams, TrackParams
from nucleocyto.step import run_step


def main(snakemake):
    stack = np.load(snakemake.input.stack, mmap_mode="r", allow_pickle=False)
    counts = segment_stack(
        stack,
        snakemake.output.nuclei,
        snakemake.output.cytosol,
        MaskParams(**snakemake.params.masks),
        TrackParams(**snakemake.params.tracking),
        threads=snakemake.threads,
    )
    logging.getLogger("masks").info(
        "%d frames; cells per frame: min %d, max %d", len(counts), min(counts), max(counts)
    )


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
