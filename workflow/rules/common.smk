# Configuration and sample sheet: validated here, so mistakes surface at `snakemake -n` time.
import functools
import inspect
import sys
from pathlib import Path

import pandas as pd
import yaml
from jsonschema import Draft202012Validator
from snakemake.common import overwrite_function_params
from snakemake.exceptions import WorkflowError
from snakemake.logging import logger

# The library beside this workflow, wherever the Snakefile that includes it lives (module use).
sys.path.insert(0, str(Path(workflow.current_basedir).parents[1] / "scripts"))

# Only the configuration layer of the library: parsing the workflow imports no image library.
from nucleocyto import CHANNELS, SAMPLE_FIGURES  # noqa: E402
from nucleocyto.config import SAMPLE_ID_CHARS, channel_sources, check_config, load_sample_sheet  # noqa: E402
from nucleocyto.config import LABEL_COLUMNS, cell_source, label_files  # noqa: E402
from nucleocyto.config import sample_files, unreadable_sources  # noqa: E402
from nucleocyto.errors import InputError  # noqa: E402
from nucleocyto.io.budget import frame_working_mb, header_sizes  # noqa: E402
from nucleocyto.io.freshness import content_stamp  # noqa: E402

SCHEMAS = Path(workflow.current_basedir).parent / "schemas"


def per_job(function):
    """Mark ``function`` as one Snakemake calls for every job (an input, params or resources
    function): its signature is stored once, through the hook Snakemake's own path helpers use,
    instead of being inspected at every call (about 42,000 inspections in a dry run of a thousand
    samples)."""
    overwrite_function_params(function, inspect.signature(function).parameters)
    return function


CONFIG_SOURCE = f"config file {', '.join(map(str, workflow.configfiles))}" if workflow.configfiles else "config"


def check_schema(records, schema, where):
    """Validate each record (a dict) against a JSON schema (a dict, read from workflow/schemas/); the
    first violation becomes one sentence naming `where`, the offending field and the rule it breaks."""
    validator = Draft202012Validator(schema)
    for record in records:
        violation = next(validator.iter_errors(record), None)
        if violation is not None:
            field = ".".join(map(str, violation.absolute_path))
            alternatives = violation.context if violation.validator in ("anyOf", "oneOf") else []
            message = " and ".join(sub.message for sub in alternatives) or violation.message
            raise WorkflowError(f"{where}: {field}: {message}." if field else f"{where}: {message}.")


SAMPLES_SCHEMA = yaml.safe_load((SCHEMAS / "samples.schema.yaml").read_text())
check_schema([config], yaml.safe_load((SCHEMAS / "config.schema.yaml").read_text()), CONFIG_SOURCE)
try:
    check_config(config)
    SAMPLES = load_sample_sheet(config["samples"], SAMPLES_SCHEMA)
except InputError as error:
    raise WorkflowError(str(error)) from None
except ValueError as error:
    raise WorkflowError(f"{CONFIG_SOURCE}: {error}") from None
check_schema(
    ({key: value for key, value in row.items() if pd.notna(value)} for row in SAMPLES.to_dict("records")),
    SAMPLES_SCHEMA,
    f"sample sheet {config['samples']}",
)


wildcard_constraints:
    sample=SAMPLE_ID_CHARS,  # the sheet also forbids ".." (nucleocyto.config.SAMPLE_ID)


# Plain dicts, built once: input functions run for every job, and a pandas row lookup per call
# adds seconds to building the DAG of a thousand samples. Per-timepoint series (folders, glob
# patterns) are listed here, once, with pathlib: the ingest job checks the files themselves.
SAMPLE_ROWS = SAMPLES.to_dict("index")
SAMPLE_SOURCES = {sample: channel_sources(row) for sample, row in SAMPLE_ROWS.items()}
# A source that exists but cannot be read (no permission, a FIFO, a device) is reported now, and
# the sample's job that reads it (ingest for the channels, masks for a cell channel or label
# images) fails with the same sentence: the other samples go on (--keep-going). It is no input of
# the job, so Snakemake never opens it itself (its bookkeeping would stop the whole run on an
# unreadable input).
UNREADABLE = unreadable_sources(
    {sample: sample_files(row, SAMPLE_SOURCES[sample]) for sample, row in SAMPLE_ROWS.items()}
)
for problems in UNREADABLE.values():
    logger.warning(next(iter(problems.values())))


def sample_row(wildcards):
    return SAMPLE_ROWS[wildcards.sample]


@per_job
def image_inputs(wildcards):
    """Every image file of one sample (each file of a series), so a changed file reruns it."""
    return list(sample_images(wildcards.sample))


@functools.cache
def sample_images(sample):
    """The image file(s) of ``sample`` that can be read, sorted paths (once per sample: six of its jobs read them)."""
    unreadable = UNREADABLE.get(sample, {})
    return tuple(
        sorted(
            {
                str(path)
                for source in SAMPLE_SOURCES[sample].values()
                for path in source.inputs
                if path not in unreadable
            }
        )
    )


@per_job
def ingest_sources(wildcards):
    """Plain {channel: {path, channel_index, series, files}} parameters of one sample."""
    return {
        name: {
            "path": str(source.path),
            "channel_index": source.channel_index,
            "series": source.series,
            "files": None if source.files is None else [str(path) for path in source.files],
        }
        for name, source in SAMPLE_SOURCES[wildcards.sample].items()
    }


@per_job
def mask_sources(wildcards):
    """Plain {cell: {path, channel_index} | None, nucleus_labels: [paths] | None, cell_labels: ...}
    parameters of one sample: the images the masks step reads besides the movie's two channels."""
    return _mask_sources(wildcards.sample)


@functools.cache
def _mask_sources(sample):
    row = SAMPLE_ROWS[sample]
    cell = cell_source(row)
    sources = {"cell": None}
    if cell:
        files = [str(path) for path in cell.files] if cell.files else None
        sources["cell"] = {
            "path": str(cell.path),
            "channel_index": cell.channel_index,
            "series": cell.series,
            "files": files,
        }
    for column in LABEL_COLUMNS:
        files = label_files(row, column)
        sources[column] = [str(path) for path in files] if files else None
    return sources


@per_job
def mask_source_files(wildcards):
    """The readable files of :func:`mask_sources` (inputs of the masks rule, so a change reruns it;
    an unreadable one is left to the masks job, which names it)."""
    sources = mask_sources(wildcards)
    cell = sources["cell"]
    files = (cell["files"] or [cell["path"]]) if cell else []
    files += [path for column in LABEL_COLUMNS for path in sources[column] or []]
    unreadable = UNREADABLE.get(wildcards.sample, {})
    return sorted({path for path in files if Path(path) not in unreadable})


@per_job
def source_content(wildcards):
    """Content stamp of a sample's image files (nucleocyto.io.freshness): a parameter of ingest, so
    a source replaced with different content, even by an older file, reruns the sample. A stat per
    file against ingest's record (its log 'sources'); a file is hashed only when its size or time
    differ."""
    sample = wildcards.sample
    return content_stamp(sample, sample_images(sample), f"logs/ingest/{sample}.sources.json")


@per_job
def calibration_override(wildcards):
    """Frame interval (s) and pixel size (µm) from the sample sheet; None where not given."""
    row = sample_row(wildcards)
    return {
        key: (float(row[key]) if key in row and pd.notna(row[key]) else None)
        for key in ("frame_interval_s", "pixel_size_um")
    }


@functools.cache
def sample_conditions():
    """{sample: condition} ('' where the sheet gives none)."""
    return sheet_texts("condition")


def sheet_texts(column, default=None):
    """{sample: the sheet's text in ``column``}; where it gives none, ``default`` of the sample id
    (a function), or ''."""
    values = SAMPLES[column] if column in SAMPLES else pd.Series(None, index=SAMPLES.index, dtype=object)
    return {sample: str(v) if pd.notna(v) else (default(sample) if default else "") for sample, v in values.items()}


def sample_annotations():
    """{sample: {condition, replicate, dose, dose_unit}}: the sheet's values, '' where it gives
    none, the replicate defaulting to the sample id and the dose to None."""
    doses = SAMPLES["dose"] if "dose" in SAMPLES else pd.Series(float("nan"), index=SAMPLES.index)
    texts = {"condition": sample_conditions(), "dose_unit": sheet_texts("dose_unit")}
    texts["replicate"] = sheet_texts("replicate", default=str)
    return {
        sample: {
            "condition": texts["condition"][sample],
            "replicate": texts["replicate"][sample],
            "dose": float(doses[sample]) if pd.notna(doses[sample]) else None,
            "dose_unit": texts["dose_unit"][sample],
        }
        for sample in SAMPLES.index
    }


@per_job
def sample_stimulus(wildcards):
    """The stimulation time of a sample: its sheet row's ``stimulus_s`` or ``stimulus_frame``,
    else the configuration's (``kinetics:``); with where it comes from, for messages."""
    row = sample_row(wildcards)
    for key, kind in (("stimulus_s", float), ("stimulus_frame", int)):
        if key in row and pd.notna(row[key]):
            return {"stimulus_s": None, "stimulus_frame": None, key: kind(row[key]), "source": "sample sheet"}
    settings = config["kinetics"]
    return {
        "stimulus_s": settings["stimulus_s"],
        "stimulus_frame": settings["stimulus_frame"],
        "source": "configuration, kinetics",
    }


#: The dose-response rule runs when the sample sheet gives some sample a dose.
DOSE_RESPONSE = "dose" in SAMPLES and bool(SAMPLES["dose"].notna().any())


@per_job
def sample_category(wildcards):
    """Report category of a sample's results: its condition."""
    return f"Condition: {sample_conditions()[wildcards.sample] or '(none)'}"


def sample_report(path, caption, label):
    """A per-sample output shown in the report under its condition and sample, with the caption
    ../report/{caption}.rst."""
    return report(
        path,
        caption=f"../report/{caption}.rst",
        category=sample_category,
        subcategory="{sample}",
        labels={"sample": "{sample}", "figure": label},
    )


def sample_figure_outputs():
    """Named outputs of every figure in SAMPLE_FIGURES: the PNG (in the report) and the SVG."""
    outputs = {}
    for name, label in SAMPLE_FIGURES.items():
        outputs[name] = sample_report(f"results/{{sample}}/figures/{name}.png", name, label)
        outputs[f"{name}_svg"] = f"results/{{sample}}/figures/{name}.svg"
    return outputs


def sample_outputs(sample):
    """Every per-sample result file."""
    folder = f"results/{sample}"
    tables = ["intensities.parquet", "cells.parquet", "correlation.parquet", "translocation.parquet"]
    tables += ["qc.parquet", "lineage.parquet", "kinetics.parquet", "response.parquet"]
    figures = [f"figures/{name}.{ext}" for name in SAMPLE_FIGURES for ext in ("png", "svg")]
    return [f"{folder}/{name}" for name in tables + figures + ["figures/masks.gif", "cells.html", "qc.html"]]


#: The figures across samples, each written as PNG and SVG under results/figures/.
SUMMARY_FIGURES = ["summary", "response", "heatmap", "superplots"]


def all_outputs():
    """Every result file; with ``export.csv``, a CSV beside every Parquet table."""
    outputs = [path for sample in SAMPLES.index for path in sample_outputs(sample)]
    outputs += [f"results/{name}.parquet" for name in ("summary", "kinetics", "response", "comparisons")]
    outputs += [f"results/{name}.html" for name in ("summary", "software", "kinetics", "comparisons")]
    outputs += [f"results/figures/{name}.{ext}" for name in SUMMARY_FIGURES for ext in ("png", "svg")]
    if DOSE_RESPONSE:
        outputs += ["results/dose_response.parquet", "results/z_factor.parquet", "results/dose_response.html"]
        outputs += ["results/figures/dose_response.png", "results/figures/dose_response.svg"]
    if config["export"]["csv"]:
        outputs += [path.removesuffix(".parquet") + ".csv" for path in outputs if path.endswith(".parquet")]
    return outputs


# Cluster resources (docs/cluster.md): cheap callables on the decoded size of the sample's image
# file(s), estimated from each file's first TIFF page header (nucleocyto.io.budget, without
# tifffile) and its size, which exist before any of the sample's jobs runs (a group job's totals
# skip values that depend on not-yet-written inputs). A retry (--retries) doubles them. SLURM's
# --cpus-per-task is the rule's threads (the executor plugin's default), so it needs no callable.
def movie_mb(wildcards):
    """Decoded size (MB) of a sample's image file(s) (once per sample: each of its six jobs asks
    twice, for mem_mb and runtime)."""
    return _movie_sizes(wildcards.sample)[0]


@functools.cache
def _movie_sizes(sample):
    """(decoded MB of the sample's files, working memory MB of its largest frame)."""
    sizes = [header_sizes(path) for path in sample_images(sample)]
    planes = [plane for _, plane in sizes if plane is not None]
    frame_mb = max((frame_working_mb(plane, len(CHANNELS)) for plane in planes), default=0.0)
    return sum(mb for mb, _ in sizes), frame_mb


def memory_mb(per_movie_mb):
    """mem_mb callable: 1000 MB (Python and libraries) + per_movie_mb x the decoded movie size
    (MB) + what a step's frames need (nucleocyto.io.budget.frame_working_mb)."""

    def mem_mb(wildcards, attempt):
        decoded, frame_mb = _movie_sizes(wildcards.sample)
        return int(1000 + per_movie_mb * decoded + frame_mb) * attempt

    return per_job(mem_mb)


@per_job
def runtime_min(wildcards, attempt):
    """runtime (minutes): 10 + 1 per 100 MB of movie (measured: under 3 min per GB and step)."""
    return int(10 + movie_mb(wildcards) / 100) * attempt
