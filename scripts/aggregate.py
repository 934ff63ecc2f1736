"""Snakemake script: all samples' translocation tables -> summary.parquet."""

import pandas as pd

from nucleocyto.step import provenance, run_step
from nucleocyto.tables import write_parquet


def main(snakemake):
    table = pd.concat([pd.read_parquet(path) for path in snakemake.input.translocation], ignore_index=True)
    table.insert(1, "condition", table["sample"].map(snakemake.params.conditions))
    write_parquet(table, snakemake.output.summary, provenance(snakemake))


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
