# Light: runs in the main Snakemake process's host, never submitted to a cluster.
localrules:
    export_csv,


rule export_csv:
    """A CSV with the same columns beside a Parquet table (export.csv: true)."""
    input:
        table="results/{table}.parquet",
    output:
        csv="results/{table}.csv",
    log:
        "logs/export_csv/{table}.log",
    conda:
        "../envs/nucleocyto.yaml"
    script:
        "../../scripts/export_csv.py"
