"""Snakemake script: TIFF channel file(s) -> canonical stack.npy + metadata.json."""

from pathlib import Path

from nucleocyto.ingest import ChannelSource, ingest
from nucleocyto.step import run_step


def main(snakemake):
    sources = {
        name: ChannelSource(Path(spec["path"]), spec["channel_index"])
        for name, spec in snakemake.params.sources.items()
    }
    ingest(
        snakemake.wildcards.sample,
        sources,
        snakemake.output.stack,
        snakemake.output.metadata,
        **snakemake.params.calibration,
        threads=snakemake.threads,
    )


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
