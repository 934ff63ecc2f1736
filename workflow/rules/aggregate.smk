rule aggregate:
    """All samples' per-cell translocation summaries in one table and one figure."""
    input:
        translocation=expand("results/{sample}/translocation.parquet", sample=SAMPLES.index),
    output:
        summary="results/summary.parquet",
        figure=report(
            "results/figures/summary.png",
            caption="../report/summary.rst",
            category="Summary",
        ),
    params:
        conditions=sample_conditions(),
        dpi=config["figures"]["dpi"],
    log:
        "logs/aggregate.log",
    benchmark:
        "benchmarks/aggregate.tsv"
    script:
        "../../scripts/aggregate.py"
