# Per-sample figures: nucleocyto.SAMPLE_FIGURES, one caption ../report/{name}.rst each.


def sample_figure_outputs():
    """Named outputs of every figure in SAMPLE_FIGURES: the PNG (in the report) and the SVG."""
    outputs = {}
    for name, label in SAMPLE_FIGURES.items():
        outputs[name] = report(
            f"results/{{sample}}/figures/{name}.png",
            caption=f"../report/{name}.rst",
            category="Samples",
            subcategory="{sample}",
            labels={"sample": "{sample}", "figure": label},
        )
        outputs[f"{name}_svg"] = f"results/{{sample}}/figures/{name}.svg"
    return outputs


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
        table=report(
            "results/{sample}/cells.html",
            caption="../report/cells_table.rst",
            category="Samples",
            subcategory="{sample}",
            labels={"sample": "{sample}", "figure": "table of cells"},
        ),
    params:
        figures=config["figures"],
    resources:
        mem_mb=memory_mb(0.25),
        runtime=runtime_min,
    group:
        "sample"
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    script:
        "../../scripts/figures.py"
