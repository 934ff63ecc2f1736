rule ingest:
    """Image file(s) of the two channels (TIFF, series, vendor formats) -> metadata.json, which describes the
    canonical (T, C, Y, X) movie that the later steps read from the same files."""
    input:
        image_inputs,
    output:
        metadata="results/{sample}/metadata.json",
    log:
        log="logs/ingest/{sample}.log",
        sources="logs/ingest/{sample}.sources.json",
    benchmark:
        "benchmarks/ingest/{sample}.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.1),
        runtime=runtime_min,
    params:
        sources=ingest_sources,
        calibration=calibration_override,
        content=source_content,
    script:
        "../../scripts/ingest.py"
