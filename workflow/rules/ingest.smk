rule ingest:
    """Image file(s) of the two channels (TIFF, series, vendor formats) -> canonical (T, C, Y, X) stack.npy + metadata.json."""
    input:
        image_inputs,
    output:
        stack="results/{sample}/stack.npy",
        metadata="results/{sample}/metadata.json",
    log:
        log="logs/ingest/{sample}.log",
        sources="logs/ingest/{sample}.sources.json",
    benchmark:
        "benchmarks/ingest/{sample}.tsv"
    group:
        "sample"
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
