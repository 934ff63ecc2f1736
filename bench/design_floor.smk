# The least a dry run of this pipeline's design can cost, for bench.py to time next to the real
# workflow: the jobs of the data contract (docs/outputs.md: per sample ingest, masks, measure, correlate,
# figures and kinetics; then over all samples aggregate, summary_figures, aggregate_kinetics, comparisons and
# response_figures), each with a log, a benchmark, a script (as the design has every step run one) and the
# inputs and outputs the contract names, but no parameters, resources, environments or validation, and a
# script that does nothing. Usage (a dry run only): snakemake -n -s bench/design_floor.smk --config samples=SHEET.tsv
import csv

with open(config["samples"]) as sheet:
    SAMPLES = {row["sample"]: row for row in csv.DictReader(sheet, delimiter="\t")}
FIGURES = ["overlay", "timecourse", "ratio", "correlation"]
TABLES = ["qc", "lineage", "intensities", "cells", "correlation", "translocation", "kinetics", "response"]
RESULTS = [
    "nuclei.npy",
    "cytoplasm.npy",
    *(f"{table}.parquet" for table in TABLES),
    *(f"figures/{figure}.png" for figure in FIGURES),
    "figures/masks.gif",
]


def images(wildcards):
    """The sample's two TIFFs: ingest and every step after it read them (no copy of the movie)."""
    return [SAMPLES[wildcards.sample]["poi"], SAMPLES[wildcards.sample]["nucleus"]]


rule all:  # as in the workflow, every result file
    input:
        expand("results/{sample}/{name}", sample=SAMPLES, name=RESULTS),
        "results/figures/summary.png",
        "results/figures/response.png",


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
        "results/{sample}/intensities.parquet",
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
        "results/{sample}/intensities.parquet",
        "results/{sample}/correlation.parquet",
    output:
        expand("results/{{sample}}/figures/{figure}.png", figure=FIGURES),
        "results/{sample}/figures/masks.gif",
    log:
        "logs/figures/{sample}.log",
    benchmark:
        "benchmarks/figures/{sample}.tsv"
    script:
        "floor_step.py"


rule kinetics:
    input:
        "results/{sample}/translocation.parquet",
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
        "results/figures/summary.png",
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
        "results/figures/response.png",
    log:
        "logs/response_figures.log",
    benchmark:
        "benchmarks/response_figures.tsv"
    script:
        "floor_step.py"
