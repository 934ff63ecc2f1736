rule measure:
    """Per frame x cell x region x channel intensity statistics (tidy Parquet)."""
    input:
        stack="results/{sample}/stack.npy",
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytosol="results/{sample}/cytosol.npy",
    output:
        intensities="results/{sample}/intensities.parquet",
    threads: 2
    log:
        "logs/measure/{sample}.log",
    benchmark:
        "benchmarks/measure/{sample}.tsv"
    script:
        "../../scripts/measure.py"
