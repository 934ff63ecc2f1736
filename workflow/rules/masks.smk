rule masks:
    """Nucleus labels from the nuclear-marker channel and cytosol-ring labels, per frame."""
    input:
        stack="results/{sample}/stack.npy",
    output:
        nuclei="results/{sample}/nuclei.npy",
        cytosol="results/{sample}/cytosol.npy",
    params:
        masks=config["masks"],
    threads: 2
    log:
        "logs/masks/{sample}.log",
    benchmark:
        "benchmarks/masks/{sample}.tsv"
    script:
        "../../scripts/masks.py"
