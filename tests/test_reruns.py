"""Reruns recompute exactly what a change affects.

After one full run, ``snakemake -n`` (default rerun triggers: mtime, params, input, code,
software-env) lists the jobs it would run after each change; the jobs are parsed from its
output and compared with the jobs of the full run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import REPO, run_snakemake, write_sheet
from movies import write_movie

pytestmark = pytest.mark.workflow

SUMMARY_FIGURES = "results/figures/"


def planned_jobs(output: str) -> list[tuple[str, str | None, list[str]]]:
    """(rule, sample wildcard or None, outputs) of every job snakemake lists, except ``all``
    (jobs of a group job are listed indented)."""
    jobs = []
    job = r"^([ \t]*)(?:local)?rule (\w+):\n((?:\1[ \t]+\S.*\n?)*)"  # the rule line and its more indented lines
    for _, rule, body in re.findall(job, output, re.MULTILINE):
        if rule == "all":
            continue
        outputs = re.search(r"^\s+output: (.*)$", body, re.MULTILINE)
        sample = re.search(r"^\s+wildcards: .*\bsample=([^,\s]+)", body, re.MULTILINE)
        jobs.append((rule, sample.group(1) if sample else None, outputs.group(1).split(", ") if outputs else []))
    return jobs


def write_config(workdir: Path, name: str, samples: str = "samples.tsv", **changes: dict) -> Path:
    """config.yaml with sample sheet ``samples`` and ``changes`` ({section: {key: value}})."""
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = samples
    for section, values in changes.items():
        config[section].update(values)
    path = workdir / name
    path.write_text(yaml.safe_dump(config))
    return path


def dry_run(workdir: Path, config: Path) -> tuple[list, str]:
    result = run_snakemake(workdir, "-n", "--cores", "1", "--configfile", str(config))
    return planned_jobs(result.stdout + result.stderr), result.stdout + result.stderr


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> tuple[Path, list, dict]:
    """A complete run of one small sample ``s1``; returns the folder, the jobs the run ran and the
    sheet rows of ``s1`` and of ``s2`` (whose movie is ready in data/ but not in the sheet)."""
    workdir = tmp_path_factory.mktemp("reruns")
    rows = {s: {"sample": s, **write_movie(workdir, s, 4, (24, 24), seed)} for seed, s in enumerate(("s1", "s2"))}
    write_sheet(workdir / "samples.tsv", [rows["s1"]])
    result = run_snakemake(workdir, "--cores", "2", "--configfile", str(write_config(workdir, "run.yaml")))
    jobs = planned_jobs(result.stdout + result.stderr)
    assert {rule for rule, _, _ in jobs} >= {"ingest", "masks", "measure", "correlate", "figures"}
    return workdir, jobs, rows


def test_nothing_changed_reruns_nothing(finished):
    workdir, _, _ = finished
    jobs, output = dry_run(workdir, write_config(workdir, "same.yaml"))
    assert jobs == [] and "Nothing to be done" in output


def test_mask_parameter_reruns_masks_and_what_follows_but_not_ingest(finished):
    workdir, full, _ = finished
    jobs, output = dry_run(workdir, write_config(workdir, "ring.yaml", masks={"ring_outer_px": 6}))
    assert {rule for rule, _, _ in jobs} == {rule for rule, _, _ in full} - {"ingest"}
    assert re.search(r"rule masks:\n(?:\s+.*\n)*?\s+reason: Params have changed", output)


def test_figure_parameter_reruns_only_the_figures_that_use_it(finished):
    workdir, full, _ = finished
    jobs, _ = dry_run(workdir, write_config(workdir, "montage.yaml", figures={"montage_frames": 2}))
    assert {rule for rule, _, _ in jobs} == {"figures"}
    jobs, _ = dry_run(workdir, write_config(workdir, "dpi.yaml", figures={"dpi": 100}))
    summary_rules = {rule for rule, _, outputs in full if any(o.startswith(SUMMARY_FIGURES) for o in outputs)}
    assert summary_rules >= {"summary_figures", "response_figures"}, f"no job of the full run writes {SUMMARY_FIGURES}"
    assert {rule for rule, _, _ in jobs} == {"figures"} | summary_rules


def test_kinetics_parameter_reruns_kinetics_and_what_follows_only(finished):
    workdir, _, _ = finished
    jobs, _ = dry_run(workdir, write_config(workdir, "kinetics.yaml", kinetics={"min_change": 0.2}))
    reruns = {"kinetics", "aggregate_kinetics", "comparisons", "response_figures", "summary_figures"}
    assert {rule for rule, _, _ in jobs} == reruns
    jobs, _ = dry_run(workdir, write_config(workdir, "control.yaml", comparisons={"control": "treated"}))
    assert {rule for rule, _, _ in jobs} == {"comparisons", "response_figures"}


def test_new_sample_runs_only_that_sample_and_the_summary(finished):
    workdir, full, rows = finished
    write_sheet(workdir / "two_samples.tsv", [rows["s1"], rows["s2"]])
    jobs, _ = dry_run(workdir, write_config(workdir, "two.yaml", samples="two_samples.tsv"))
    per_sample = {rule for rule, sample, _ in full if sample == "s1"}
    assert {rule for rule, sample, _ in jobs if sample is not None} == per_sample
    assert {sample for _, sample, _ in jobs if sample is not None} == {"s2"}
    assert {rule for rule, sample, _ in jobs if sample is None} == {rule for rule, sample, _ in full if sample is None}


@pytest.mark.parametrize(
    ("name", "reruns"),
    [
        (
            "intensities.parquet",
            {"measure", "correlate", "figures", "aggregate", "summary_figures"}
            | {"kinetics", "aggregate_kinetics", "comparisons", "response_figures"},
        ),
        ("figures/overlay.svg", {"figures"}),
    ],
)
def test_deleted_result_is_made_again(finished, name, reruns):
    """A deleted result file of a sample is made again, with what depends on it, though no other
    step needs intensities.parquet or the SVGs to be rerun (Snakemake looks for missing outputs only
    in the jobs `rule all` names a file of, and in those a rerunning job needs)."""
    workdir, _, _ = finished
    result = workdir / "results" / "s1" / name
    moved = result.rename(result.with_name(result.name + ".moved"))
    try:
        jobs, output = dry_run(workdir, write_config(workdir, "same.yaml"))
    finally:
        moved.rename(result)
    assert {rule for rule, _, _ in jobs} == reruns
    assert re.search(rf"reason: Missing output files: [^\n]*{re.escape(name)}", output)
