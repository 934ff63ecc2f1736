rule masks:
    """Nucleus labels from the nuclear-marker channel and cytoplasm-ring labels, per frame; tracking relabels
    them with track ids as the frames are written."""
    input:
        stack="results/{sample}/stack.npy",
    output:
        nuclei="results/{sample}/nuclei.npy",
        cytoplasm="results/{sample}/cytoplasm.npy",
    log:
        "logs/masks/{sample}.log",
    benchmark:
        "benchmarks/masks/{sample}.tsv"
    group:
        "sample"
    conda:
        "../envs/nucleocyto.yaml"
    threads: 2
    resources:
        mem_mb=memory_mb(0.1),
        runtime=runtime_min,
    params:
        masks=config["masks"],
        tracking=config["tracking"],
    script:
        "../../scripts/masks.py"
