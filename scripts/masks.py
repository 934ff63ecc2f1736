"""Rule masks: the movie (metadata.json, sources) -> nuclei.npy + cytoplasm.npy label stacks (track ids
when tracking is on), qc.parquet and lineage.parquet."""

from _snakemake import provenance, run
from nucleocyto.config import MaskParams, QCParams, TrackParams
from nucleocyto.steps import masks


def main(snakemake):
    masks.run(
        snakemake.wildcards.sample,
        snakemake.input,
        snakemake.output,
        MaskParams(**snakemake.params.masks),
        TrackParams(**snakemake.params.tracking),
        QCParams(**snakemake.params.qc),
        snakemake.params.sources,
        provenance(snakemake),
        threads=snakemake.threads,
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
