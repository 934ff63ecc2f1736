rule measure:
    """Per frame x cell x region x channel intensity statistics (tidy Parquet); per cell x frame POI means,
    N/C ratios, geometry and track."""
    input:
        images=image_inputs,
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
        lineage="results/{sample}/lineage.parquet",
    output:
        intensities=sample_report("results/{sample}/intensities.parquet", "intensities", "intensities table"),
        cells=sample_report("results/{sample}/cells.parquet", "cells_parquet", "cells table"),
    log:
        "logs/measure/{sample}.log",
    benchmark:
        "benchmarks/measure/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.25),
        runtime=runtime_min,
    params:
        background=config["background"],
        convention=config["correlation"]["convention"],
    script:
        "../../scripts/measure.py"
