# The least a dry run of this pipeline's design can cost, for bench.py to time next to the real
# workflow: the jobs of the data contract (docs/outputs.md: per sample ingest, masks, measure, correlate,
# figures and kinetics, then one aggregate), each with a log and a benchmark and the contracted outputs, but
# no parameters, resources, scripts or validation. Usage (a dry run only; the rules only touch
# files): snakemake -n -s bench/design_floor.smk --config samples=SHEET.tsv
import csv

with open(config["samples"]) as sheet:
    SAMPLES = {row["sample"]: row for row in csv.DictReader(sheet, delimiter="\t")}
TABLES = ["intensities.parquet", "correlation.parquet", "translocation.parquet", "kinetics.parquet"]
FIGURES = ["overlay", "timecourse", "ratio", "correlation"]


def images(wildcards):
    """The sample's two TIFFs: ingest and every step after it read them (no copy of the movie)."""
    return [SAMPLES[wildcards.sample]["poi"], SAMPLES[wildcards.sample]["nucleus"]]


rule all:
    input:
        expand("results/{sample}/{table}", sample=SAMPLES, table=TABLES),
        expand("results/{sample}/figures/{figure}.png", sample=SAMPLES, figure=FIGURES),
        "results/summary.parquet",


rule ingest:
    input:
        images,
    output:
        "results/{sample}/metadata.json",
    log:
        "logs/ingest/{sample}.log",
    benchmark:
        "benchmarks/ingest/{sample}.tsv"
    shell:
        "touch {output}"


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
    shell:
        "touch {output}"


rule measure:
    input:
        images,
        "results/{sample}/metadata.json",
        "results/{sample}/nuclei.npy",
        "results/{sample}/cytoplasm.npy",
    output:
        "results/{sample}/intensities.parquet",
    log:
        "logs/measure/{sample}.log",
    benchmark:
        "benchmarks/measure/{sample}.tsv"
    shell:
        "touch {output}"


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
    shell:
        "touch {output}"


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
    shell:
        "touch {output}"


rule kinetics:
    input:
        "results/{sample}/translocation.parquet",
    output:
        "results/{sample}/kinetics.parquet",
    log:
        "logs/kinetics/{sample}.log",
    benchmark:
        "benchmarks/kinetics/{sample}.tsv"
    shell:
        "touch {output}"


rule aggregate:
    input:
        expand("results/{sample}/translocation.parquet", sample=SAMPLES),
    output:
        "results/summary.parquet",
    log:
        "logs/aggregate.log",
    benchmark:
        "benchmarks/aggregate.tsv"
    shell:
        "touch {output}"
