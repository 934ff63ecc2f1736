# Light: runs in the main Snakemake process, never submitted to a cluster.
localrules:
    aggregate,
    summary_figures,


rule aggregate:
    """All samples' per-cell translocation summaries in one table."""
    input:
        translocation=expand("results/{sample}/translocation.parquet", sample=SAMPLES.index),
    output:
        summary=report(
            "results/summary.parquet",
            caption="../report/summary_parquet.rst",
            category="Summary",
            labels={"figure": "summary table (Parquet)"},
        ),
    log:
        "logs/aggregate.log",
    benchmark:
        "benchmarks/aggregate.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        conditions=sample_conditions(),
    script:
        "../../scripts/aggregate.py"


rule summary_figures:
    """The figure and the table across samples, grouped by condition, with each sample's QC warnings."""
    input:
        summary="results/summary.parquet",
        cells=expand("results/{sample}/cells.parquet", sample=SAMPLES.index),
        qc=expand("results/{sample}/qc.parquet", sample=SAMPLES.index),
        kinetics="results/kinetics.parquet",
    output:
        figure=report(
            "results/figures/summary.png",
            caption="../report/summary.rst",
            category="Summary",
            labels={"figure": "N/C ratio and shuttling by condition"},
        ),
        svg="results/figures/summary.svg",
        table=report(
            "results/summary.html",
            caption="../report/summary_table.rst",
            category="Summary",
            labels={"figure": "table of samples"},
        ),
        software=report(
            "results/software.html",
            caption="../report/software.rst",
            category="Summary",
            labels={"figure": "software versions"},
        ),
    log:
        "logs/summary_figures.log",
    benchmark:
        "benchmarks/summary_figures.tsv"
    conda:
        "../envs/nucleocyto.yaml"
    params:
        conditions=sample_conditions(),
        dpi=config["figures"]["dpi"],
        min_track_frames=config["figures"]["min_track_frames"],
        min_area_um2=config["masks"]["min_area_um2"],
        qc=config["qc"],
    script:
        "../../scripts/summary_figures.py"
