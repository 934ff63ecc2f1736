# Nucleo-cytoplasmic translocation from two-channel fluorescence movies.
# Usage: snakemake --cores 2   (see README.md; parameters in config.yaml)
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/masks.smk"
include: "workflow/rules/measure.smk"
include: "workflow/rules/correlate.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/kinetics.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/response.smk"
include: "workflow/rules/export.smk"


rule all:
    input:
        all_outputs(),
