rule figures:
    """Mask montage, POI time courses, N/C ratio, correlation, scatter and per-cell panels of one
    sample, its mask movie, its per-cell table and its QC table with the sample's warnings."""
    input:
        images=image_inputs,
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
        cells="results/{sample}/cells.parquet",
        correlation="results/{sample}/correlation.parquet",
        translocation="results/{sample}/translocation.parquet",
        qc="results/{sample}/qc.parquet",
    output:
        **sample_figure_outputs(),
        movie=sample_report("results/{sample}/figures/masks.gif", "movie", "mask movie"),
        table=sample_report("results/{sample}/cells.html", "cells_table", "table of cells"),
        qc_table=sample_report("results/{sample}/qc.html", "qc_table", "quality control"),
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.25),
        runtime=runtime_min,
    params:
        figures=config["figures"],
        min_area_um2=config["masks"]["min_area_um2"],
        qc=config["qc"],
        stimulus=sample_stimulus,
    script:
        "../../scripts/figures.py"
