"""`make bench` at a tiny size: it runs every part and writes its report to a file and the docs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.workflow


def test_bench_writes_its_report(tmp_path):
    docs = tmp_path / "performance.md"
    docs.write_text("Intro.\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\nOutro.\n")
    output = tmp_path / "out" / "bench.md"
    command = [
        sys.executable,
        str(REPO / "bench" / "bench.py"),
        "--frames",
        "3",
        "--size",
        "96",
        "--cells",
        "4",
        "--crowded-frames",
        "2",
        "--crowded-cells",
        "16",
        "--samples",
        "3",
        "--dry-runs",
        "2",
        "--cores",
        "2",
        "--workdir",
        str(tmp_path / "scratch"),
        "--output",
        str(output),
        "--docs",
        str(docs),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = output.read_text()
    sparse, crowded = report.split("### Crowded movie")
    for case in (sparse, crowded):
        for step in ("ingest", "masks", "measure", "correlate", "figures", "aggregate"):
            row = re.search(rf"^\| {step} \| ([0-9.]+) \|.*\| ([0-9.]+|n/a) \|$", case, re.MULTILINE)
            assert row and float(row.group(1)) > 0, f"no timing for {step}"
        size = re.search(r"^- Results \(every file the workflow wrote\): ([0-9.]+) GB, \*\*([0-9.]+)×\*\*", case, re.M)
        assert size and float(size.group(2)) > 0, "no size of the results"
    assert "2 frames × 96 × 96 px × 2 channels, uint16, 16 cells" in crowded
    assert re.search(r"All steps together: \*\*[0-9]+ ms\*\* per frame", crowded)
    assert re.search(r"Dry run \(`snakemake -n`\) of 3 samples: \*\*[0-9.]+ s\*\*", report)
    floor = r"`bench/design_floor.smk`\): [0-9.]+ s \(\*\*([0-9.]+)×\*\*, the median ratio of 2 pairs run in turn; "
    ratios = re.search(floor + r"([0-9.]+)–([0-9.]+)×; the times are medians\)\.", report)
    assert ratios and float(ratios.group(2)) <= float(ratios.group(1)) <= float(ratios.group(3))
    text = docs.read_text()
    assert text.startswith("Intro.") and text.endswith("Outro.\n") and report in text and "old table" not in text
    assert not (tmp_path / "scratch").exists(), "the scratch folder is left behind"


def planned_files(snakefile, workdir, sheet):
    """{output file: rule} of every job ``snakemake --summary`` plans with ``snakefile`` on
    ``sheet`` (nothing is run)."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--summary",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(REPO / "config.yaml"),
        "--config",
        f"samples={sheet}",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = [line.split("\t") for line in result.stdout.splitlines()[1:] if line.count("\t") >= 2]
    return {row[0]: row[2] for row in rows}


def test_design_floor_plans_the_workflows_jobs_and_files(tmp_path):
    """The dry-run floor the bench reports is only a floor if it has the workflow's jobs, each
    with the files the workflow writes (the data contract of docs/outputs.md)."""
    tiffs = [REPO / "data" / "demo" / f"demo_import_{channel}.tif" for channel in ("poi", "nucleus")]
    sheet = tmp_path / "samples.tsv"
    sheet.write_text("sample\tpoi\tnucleus\n" + "".join(f"s{i}\t{tiffs[0]}\t{tiffs[1]}\n" for i in range(3)))
    workflow = planned_files(REPO / "Snakefile", tmp_path / "workflow", sheet)
    floor = planned_files(REPO / "bench" / "design_floor.smk", tmp_path / "floor", sheet)
    assert workflow == floor
    per_sample = ("ingest", "masks", "measure", "correlate", "figures", "kinetics")
    planned = {(rule, path.split("/")[1]) for path, rule in workflow.items() if rule in per_sample}
    assert planned == {(rule, f"s{i}") for rule in per_sample for i in range(3)}
