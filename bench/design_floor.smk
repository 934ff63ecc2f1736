# The least a dry run of this pipeline's design can cost, for bench.py to time next to the real
# workflow: the jobs of the data contract (docs/outputs.md: per sample ingest, masks, measure, correlate,
# figures and kinetics; then over all samples aggregate, summary_figures, aggregate_kinetics, comparisons and
# response_figures), each with a log, a benchmark, a script (as the design has every step run one) and the
# inputs and outputs the contract names, but no parameters, resources, environments or validation, and a
# script that does nothing. Usage (a dry run only): snakemake -n -s bench/design_floor.smk --config samples=SHEET.tsv
import csv

with open(config["samples"]) as sheet:
    SAMPLES = {row["sample"]: row for row in csv.DictReader(sheet, delimiter="\t")}
FIGURES = ["overlay", "timecourse", "ratio", "correlation", "scatter", "cells"]
TABLES = ["qc", "lineage", "intensities", "cells", "correlation", "translocation", "kinetics", "response"]
SAMPLE_FIGURES = [f"figures/{figure}.{ext}" for figure in FIGURES for ext in ("png", "svg")]
RESULTS = [
    "nuclei.npy",
    "cytoplasm.npy",
    *(f"{table}.parquet" for table in TABLES),
    *SAMPLE_FIGURES,
    "figures/masks.gif",
    "cells.html",
    "qc.html",
]
SUMMARY_FIGURES = {"summary_figures": ["summary"], "response_figures": ["response", "heatmap", "superplots"]}


def images(wildcards):
    """The sample's two TIFFs: ingest and every step after it read them (no copy of the movie)."""
    return [SAMPLES[wildcards.sample]["poi"], SAMPLES[wildcards.sample]["nucleus"]]


rule all:  # as in the workflow, every result file
    input:
        expand("results/{sample}/{name}", sample=SAMPLES, name=RESULTS),
        expand("results/figures/{name}.{ext}", name=sum(SUMMARY_FIGURES.values(), []), ext=("png", "svg")),
        expand("results/{name}.html", name=("summary", "software", "kinetics", "comparisons")),


rule ingest:
    input:
        images,
    output:
        "results/{sample}/metadata.json",
    log:
        "logs/ingest/{sample}.log",
    benchmark:
        "benchmarks/ingest/{sample}.tsv"
    script:
        "floor_step.py"


rule masks:
    input:
        images,
        "results/{sample}/metadata.json",
    output:
        "results/{sample}/nuclei.npy",
        "results/{sample}/cytoplasm.npy",
        "results/{sample}/qc.parquet",
        "results/{sample}/lineage.parquet",
    log:
        "logs/masks/{sample}.log",
    benchmark:
        "benchmarks/masks/{sample}.tsv"
    script:
        "floor_step.py"


rule measure:
    input:
        images,
        "results/{sample}/metadata.json",
        "results/{sample}/nuclei.npy",
        "results/{sample}/cytoplasm.npy",
        "results/{sample}/lineage.parquet",
    output:
        "results/{sample}/intensities.parquet",
        "results/{sample}/cells.parquet",
    log:
        "logs/measure/{sample}.log",
    benchmark:
        "benchmarks/measure/{sample}.tsv"
    script:
        "floor_step.py"


rule correlate:
    input:
        images,
        "results/{sample}/metadata.json",
        "results/{sample}/nuclei.npy",
        "results/{sample}/cytoplasm.npy",
        "results/{sample}/cells.parquet",
    output:
        "results/{sample}/correlation.parquet",
        "results/{sample}/translocation.parquet",
    log:
        "logs/correlate/{sample}.log",
    benchmark:
        "benchmarks/correlate/{sample}.tsv"
    script:
        "floor_step.py"


rule figures:
    input:
        images,
        "results/{sample}/metadata.json",
        "results/{sample}/nuclei.npy",
        "results/{sample}/cytoplasm.npy",
        "results/{sample}/cells.parquet",
        "results/{sample}/correlation.parquet",
        "results/{sample}/translocation.parquet",
        "results/{sample}/qc.parquet",
    output:
        expand("results/{{sample}}/{figure}", figure=SAMPLE_FIGURES),
        "results/{sample}/figures/masks.gif",
        "results/{sample}/cells.html",
        "results/{sample}/qc.html",
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    script:
        "floor_step.py"


rule kinetics:
    input:
        "results/{sample}/cells.parquet",
        "results/{sample}/translocation.parquet",
        "results/{sample}/metadata.json",
    output:
        "results/{sample}/kinetics.parquet",
        "results/{sample}/response.parquet",
    log:
        "logs/kinetics/{sample}.log",
    benchmark:
        "benchmarks/kinetics/{sample}.tsv"
    script:
        "floor_step.py"


rule aggregate:
    input:
        expand("results/{sample}/translocation.parquet", sample=SAMPLES),
    output:
        "results/summary.parquet",
    log:
        "logs/aggregate.log",
    benchmark:
        "benchmarks/aggregate.tsv"
    script:
        "floor_step.py"


rule summary_figures:
    input:
        "results/summary.parquet",
        expand("results/{sample}/cells.parquet", sample=SAMPLES),
        expand("results/{sample}/qc.parquet", sample=SAMPLES),
        "results/kinetics.parquet",
    output:
        expand("results/figures/{name}.{ext}", name=SUMMARY_FIGURES["summary_figures"], ext=("png", "svg")),
        "results/summary.html",
        "results/software.html",
    log:
        "logs/summary_figures.log",
    benchmark:
        "benchmarks/summary_figures.tsv"
    script:
        "floor_step.py"


rule aggregate_kinetics:
    input:
        expand("results/{sample}/kinetics.parquet", sample=SAMPLES),
        expand("results/{sample}/response.parquet", sample=SAMPLES),
    output:
        "results/kinetics.parquet",
        "results/response.parquet",
    log:
        "logs/aggregate_kinetics.log",
    benchmark:
        "benchmarks/aggregate_kinetics.tsv"
    script:
        "floor_step.py"


rule comparisons:
    input:
        "results/kinetics.parquet",
    output:
        "results/comparisons.parquet",
    log:
        "logs/comparisons.log",
    benchmark:
        "benchmarks/comparisons.tsv"
    script:
        "floor_step.py"


rule response_figures:
    input:
        "results/kinetics.parquet",
        "results/comparisons.parquet",
        expand("results/{sample}/response.parquet", sample=SAMPLES),
    output:
        expand("results/figures/{name}.{ext}", name=SUMMARY_FIGURES["response_figures"], ext=("png", "svg")),
        "results/kinetics.html",
        "results/comparisons.html",
    log:
        "logs/response_figures.log",
    benchmark:
        "benchmarks/response_figures.tsv"
    script:
        "floor_step.py"
