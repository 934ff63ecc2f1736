rule kinetics:
    """Per-cell response metrics (baseline, amplitude, half-time, ...) and each cell's response per frame, normalised to
    its baseline."""
    input:
        cells="results/{sample}/cells.parquet",
        # its detrended temporal r joins the metrics; and in a sample's cluster job the step
        # then runs after correlate, never beside it (their threads would add up)
        translocation="results/{sample}/translocation.parquet",
        metadata="results/{sample}/metadata.json",
    output:
        kinetics=sample_report("results/{sample}/kinetics.parquet", "kinetics_parquet", "kinetics table"),
        response=sample_report("results/{sample}/response.parquet", "response_parquet", "response table"),
    log:
        "logs/kinetics/{sample}.log",
    benchmark:
        "benchmarks/kinetics/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    # the cells are fitted in as many worker processes (--set-threads kinetics=N for more)
    threads: 2
    resources:
        mem_mb=memory_mb(0.05),
        runtime=runtime_min,
    params:
        kinetics=config["kinetics"],
        stimulus=sample_stimulus,
    script:
        "../../scripts/kinetics.py"
