rule figures:
    """Mask montage, POI time courses, N/C ratio, correlation, scatter and per-cell panels of one
    sample, and its per-cell table."""
    input:
        stack="results/{sample}/stack.npy",
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
        cells="results/{sample}/cells.parquet",
        correlation="results/{sample}/correlation.parquet",
        translocation="results/{sample}/translocation.parquet",
    output:
        **sample_figure_outputs(),
        table=sample_report("results/{sample}/cells.html", "cells_table", "table of cells"),
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    group:
        "sample"
    conda:
        "../envs/nucleocyto.yaml"
    resources:
        mem_mb=memory_mb(0.25),
        runtime=runtime_min,
    params:
        figures=config["figures"],
        stimulus=sample_stimulus,
    script:
        "../../scripts/figures.py"
