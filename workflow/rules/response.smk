# Across samples, light: run in the main Snakemake process's host, never submitted to a cluster.
localrules:
    aggregate_kinetics,
    comparisons,
    dose_response,
    response_figures,


rule aggregate_kinetics:
    """All samples' kinetics in one table; the response per frame of every sample in another."""
    input:
        kinetics=expand("results/{sample}/kinetics.parquet", sample=SAMPLES.index),
        response=expand("results/{sample}/response.parquet", sample=SAMPLES.index),
    output:
        kinetics=report(
            "results/kinetics.parquet",
            caption="../report/kinetics_all.rst",
            category="Summary",
            labels={"figure": "kinetics table (Parquet)"},
        ),
        response=report(
            "results/response.parquet",
            caption="../report/response_all.rst",
            category="Summary",
            labels={"figure": "response table (Parquet)"},
        ),
    log:
        "logs/aggregate_kinetics.log",
    benchmark:
        "benchmarks/aggregate_kinetics.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        annotations=sample_annotations(),
    script:
        "../../scripts/aggregate_kinetics.py"


rule comparisons:
    """Every condition against the control condition, on replicate means."""
    input:
        kinetics="results/kinetics.parquet",
    output:
        comparisons=report(
            "results/comparisons.parquet",
            caption="../report/comparisons_parquet.rst",
            category="Summary",
            labels={"figure": "comparisons table (Parquet)"},
        ),
    log:
        "logs/comparisons.log",
    benchmark:
        "benchmarks/comparisons.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        comparisons=config["comparisons"],
    script:
        "../../scripts/comparisons.py"


rule dose_response:
    """Four-parameter Hill fit against dose per condition, EC50 with its interval, Z'-factor of the controls."""
    input:
        kinetics="results/kinetics.parquet",
    output:
        fits=report(
            "results/dose_response.parquet",
            caption="../report/dose_response_parquet.rst",
            category="Summary",
            labels={"figure": "dose-response table (Parquet)"},
        ),
        z_factor=report(
            "results/z_factor.parquet",
            caption="../report/z_factor.rst",
            category="Summary",
            labels={"figure": "Z'-factor (Parquet)"},
        ),
        table=report(
            "results/dose_response.html",
            caption="../report/dose_response_table.rst",
            category="Summary",
            labels={"figure": "table of dose-response fits"},
        ),
        figure=report(
            "results/figures/dose_response.png",
            caption="../report/dose_response.rst",
            category="Summary",
            labels={"figure": "dose-response"},
        ),
        svg="results/figures/dose_response.svg",
    log:
        "logs/dose_response.log",
    benchmark:
        "benchmarks/dose_response.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        conditions=sample_conditions(),
        dose_response=config["dose_response"],
        dpi=config["figures"]["dpi"],
    script:
        "../../scripts/dose_response.py"


rule response_figures:
    """The response per condition, the cells x time heatmap and the SuperPlots; the kinetics and comparison tables."""
    input:
        kinetics="results/kinetics.parquet",
        comparisons="results/comparisons.parquet",
        responses=expand("results/{sample}/response.parquet", sample=SAMPLES.index),
    output:
        response=report(
            "results/figures/response.png",
            caption="../report/response.rst",
            category="Summary",
            labels={"figure": "response per condition"},
        ),
        response_svg="results/figures/response.svg",
        heatmap=report(
            "results/figures/heatmap.png",
            caption="../report/heatmap.rst",
            category="Summary",
            labels={"figure": "heatmap of cells"},
        ),
        heatmap_svg="results/figures/heatmap.svg",
        superplots=report(
            "results/figures/superplots.png",
            caption="../report/superplots.rst",
            category="Summary",
            labels={"figure": "SuperPlots"},
        ),
        superplots_svg="results/figures/superplots.svg",
        kinetics_table=report(
            "results/kinetics.html",
            caption="../report/kinetics_table.rst",
            category="Summary",
            labels={"figure": "table of kinetics"},
        ),
        comparisons_table=report(
            "results/comparisons.html",
            caption="../report/comparisons_table.rst",
            category="Summary",
            labels={"figure": "table of comparisons"},
        ),
    log:
        "logs/response_figures.log",
    benchmark:
        "benchmarks/response_figures.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        conditions=sample_conditions(),
        metrics=config["comparisons"]["metrics"],
        dpi=config["figures"]["dpi"],
    script:
        "../../scripts/response_figures.py"
