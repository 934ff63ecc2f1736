rule correlate:
    """Per-frame POI-vs-marker Pearson r; per-cell nucleus-vs-cytosol r over time."""
    input:
        stack="results/{sample}/stack.npy",
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytosol="results/{sample}/cytosol.npy",
        intensities="results/{sample}/intensities.parquet",
    output:
        correlation="results/{sample}/correlation.parquet",
        translocation="results/{sample}/translocation.parquet",
    log:
        "logs/correlate/{sample}.log",
    benchmark:
        "benchmarks/correlate/{sample}.tsv"
    script:
        "../../scripts/correlate.py"
