FIGURES = ("overlay", "timecourse", "correlation")


rule figures:
    """Mask overlay montage, POI time courses and per-frame correlation of one sample."""
    input:
        stack="results/{sample}/stack.npy",
        metadata="results/{sample}/metadata.json",
        nuclei="results/{sample}/nuclei.npy",
        cytosol="results/{sample}/cytosol.npy",
        intensities="results/{sample}/intensities.parquet",
        correlation="results/{sample}/correlation.parquet",
    output:
        overlay=report(
            "results/{sample}/figures/overlay.png",
            caption="../report/overlay.rst",
            category="Samples",
            subcategory="{sample}",
        ),
        timecourse=report(
            "results/{sample}/figures/timecourse.png",
            caption="../report/timecourse.rst",
            category="Samples",
            subcategory="{sample}",
        ),
        correlation=report(
            "results/{sample}/figures/correlation.png",
            caption="../report/correlation.rst",
            category="Samples",
            subcategory="{sample}",
        ),
        svgs=expand("results/{{sample}}/figures/{name}.svg", name=FIGURES),
    params:
        figures=config["figures"],
    resources:
        mem_mb=memory_mb(0.5),
        runtime=runtime_min,
        cpus_per_task=cpus_per_task,
    group:
        "sample"
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    script:
        "../../scripts/figures.py"
