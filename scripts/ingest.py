"""Rule ingest: the channels' image file(s) -> metadata.json (planes checked, sources hashed)."""

from pathlib import Path

from _snakemake import run
from nucleocyto.config import ChannelSource
from nucleocyto.steps import ingest


def main(snakemake):
    sources = {
        name: ChannelSource(
            Path(spec["path"]),
            spec["channel_index"],
            spec["series"],
            None if spec["files"] is None else tuple(map(Path, spec["files"])),
        )
        for name, spec in snakemake.params.sources.items()
    }
    ingest.run(
        snakemake.wildcards.sample,
        sources,
        snakemake.output.metadata,
        **snakemake.params.calibration,
        threads=snakemake.threads,
        record_path=snakemake.log.sources,
        mem_mb=snakemake.resources.get("mem_mb"),
    )


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
