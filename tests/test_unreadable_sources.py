"""Sources that exist but cannot be read: a file without read permission, a FIFO and /dev/zero.

Each is one sentence when the sample sheet is read and the same sentence from the sample's job
that reads it (ingest for a channel, masks for a cell channel), and under ``--keep-going`` a good
sample beside them completes. The tests run as
root, who reads any file: snakemake runs under ``setpriv`` without the capabilities that bypass
file permissions (skipped where ``setpriv`` is missing or cannot drop them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import run_snakemake, write_sheet
from movies import write_movie

pytestmark = pytest.mark.workflow

WITHOUT_FILE_CAPABILITIES = (
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
)

#: sample -> (the sheet's column, its file, the problem, the step that reads it).
CASES = {
    "no_permission": ("poi", "data/secret.tif", "the file cannot be read (Permission denied)", "ingest"),
    "fifo": ("poi", "data/pipe.tif", "a FIFO (named pipe), not an image file", "ingest"),
    "device": ("poi", "/dev/zero", "a character device, not an image file", "ingest"),
    "cell_no_permission": ("cell", "data/secret.tif", "the file cannot be read (Permission denied)", "masks"),
}


def sentence(sample: str) -> str:
    column, path, problem, _ = CASES[sample]
    return f"sample '{sample}', {column} channel, {path}: {problem}."


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, str]:
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed: cannot drop root's file-permission bypass")
    workdir = tmp_path_factory.mktemp("unreadable")
    good = write_movie(workdir, "good", 4)
    secret = workdir / "data" / "secret.tif"
    secret.write_bytes((workdir / good["poi"]).read_bytes())
    secret.chmod(0)
    probe = subprocess.run([*WITHOUT_FILE_CAPABILITIES, "head", "-c1", str(secret)], capture_output=True)
    if probe.returncode == 0:
        pytest.skip("setpriv cannot take away root's permission to read any file here")
    os.mkfifo(workdir / "data" / "pipe.tif")
    rows = [{"sample": "good", **good}] + [
        {"sample": sample, **good, column: path} for sample, (column, path, _, _) in CASES.items()
    ]
    write_sheet(workdir / "samples.tsv", rows)
    args = ("--cores", "2", "--keep-going", "--config", "samples=samples.tsv")
    result = run_snakemake(workdir, *args, check=False, prefix=WITHOUT_FILE_CAPABILITIES, timeout_s=300)
    return workdir, result, result.stdout + result.stderr


@pytest.mark.parametrize("sample", sorted(CASES))
def test_unreadable_source_is_one_sentence_at_parse_time_and_from_its_step(run, sample):
    workdir, result, output = run
    assert result.returncode == 1
    lines = output.splitlines()
    assert sentence(sample) in lines, "no sentence when the sheet is read"
    step = CASES[sample][3]
    assert f"{step}: ERROR: {sentence(sample)}" in lines
    log = (workdir / "logs" / step / f"{sample}.log").read_text()
    assert sentence(sample) in log and "Traceback" not in log
    written = {p.name for p in (workdir / "results" / sample).rglob("*") if p.is_file()}
    assert written == ({"metadata.json"} if step == "masks" else set())  # ingest's, before masks


def test_the_good_sample_completes(run):
    workdir, _, output = run
    assert "Traceback" not in output and "Error recording metadata" not in output
    results = workdir / "results" / "good"
    for name in ("cells.parquet", "translocation.parquet", "figures/overlay.png", "cells.html"):
        assert (results / name).is_file(), name


def test_dry_run_reports_them_too(run):
    workdir, _, _ = run
    result = run_snakemake(
        workdir, "-n", "--cores", "1", "--config", "samples=samples.tsv", prefix=WITHOUT_FILE_CAPABILITIES
    )
    lines = (result.stdout + result.stderr).splitlines()
    assert all(sentence(sample) in lines for sample in CASES)
