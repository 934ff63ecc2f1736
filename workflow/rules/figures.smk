# Per-sample figures: {name: label shown in the report}, one caption ../report/{name}.rst each.
FIGURES = {
    "overlay": "masks over POI",
    "timecourse": "POI in nucleus and cytosol",
    "ratio": "N/C ratio",
    "correlation": "pixel correlation",
    "scatter": "nuclear vs cytosolic POI",
    "cells": "POI per cell",
}


def sample_figure_outputs():
    """Named outputs of every figure in FIGURES: the PNG (in the report) and the SVG."""
    outputs = {}
    for name, label in FIGURES.items():
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
        cytosol="results/{sample}/cytosol.npy",
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
        montage_frames=config["figures"]["montage_frames"],
        montage_columns=config["figures"]["montage_columns"],
        max_cells=config["figures"]["max_cells"],
        dpi=config["figures"]["dpi"],
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
