"""Rule export_csv: a Parquet table -> a CSV beside it with the same columns."""

from _snakemake import run
from nucleocyto.steps import export_csv


def main(snakemake):
    export_csv.run(snakemake.input.table, snakemake.output.csv)


run(main, snakemake)  # noqa: F821 (defined by Snakemake)
