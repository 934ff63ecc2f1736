"""Rule masks: stack.npy -> nuclei.npy + cytoplasm.npy label stacks (track ids when tracking is on)."""

from _snakemake import run
from nucleocyto.config import MaskParams, TrackParams
from nucleocyto.steps import masks


def main(snakemake):
    masks.run(
        snakemake.input.stack,
        snakemake.output.nuclei,
        snakemake.output.cytoplasm,
        MaskParams(**snakemake.params.masks),
        TrackParams(**snakemake.params.tracking),
        threads=snakemake.threads,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
