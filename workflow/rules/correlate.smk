rule correlate:
    """Per-frame POI-vs-marker colocalisation measures; per-cell nucleus-vs-cytoplasm correlation over time."""
    input:
        images=image_inputs,
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
        cells="results/{sample}/cells.parquet",
    output:
        correlation=sample_report("results/{sample}/correlation.parquet", "correlation_table", "correlation table"),
        translocation=sample_report("results/{sample}/translocation.parquet", "translocation", "translocation table"),
    log:
        "logs/correlate/{sample}.log",
    benchmark:
        "benchmarks/correlate/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.25),
        runtime=runtime_min,
    params:
        correlation=config["correlation"],
    script:
        "../../scripts/correlate.py"
