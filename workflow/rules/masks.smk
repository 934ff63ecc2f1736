rule masks:
    """Nucleus labels from the nuclear-marker channel (or the sheet's label images) and cytoplasm labels (ring or
    whole cell minus nucleus), per frame; tracking relabels them with track ids as the frames are written. Also the
    per-frame QC table (warnings in the log) and the lineage of the tracks."""
    input:
        images=image_inputs,
        metadata="results/{sample}/metadata.json",
        sources=mask_source_files,
    output:
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
        qc=sample_report("results/{sample}/qc.parquet", "qc_parquet", "QC table"),
        lineage=sample_report("results/{sample}/lineage.parquet", "lineage", "lineage of the tracks"),
    log:
        "logs/masks/{sample}.log",
    benchmark:
        "benchmarks/masks/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.1),
        runtime=runtime_min,
    params:
        masks=config["masks"],
        tracking=config["tracking"],
        qc=config["qc"],
        sources=mask_sources,
    script:
        "../../scripts/masks.py"
