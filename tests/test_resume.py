"""Interrupted runs resume to the same bytes; clean runs are byte-identical; a run writes only
under results/, logs/, benchmarks/ (and snakemake's .snakemake/)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import run_snakemake, snakemake_command, write_sheet
from movies import write_movie
from nucleocyto.io.checksum import sha256sum
from nucleocyto.io.tables import read_provenance

pytestmark = pytest.mark.workflow

SAMPLE, FRAMES = "movie", 300  # enough frames for the masks step to be caught while it writes
INPUTS = {"data", "samples.tsv"}
WRITTEN = {"results", "logs", "benchmarks", ".snakemake"}


def prepare(workdir: Path) -> Path:
    """Input movie and sample sheet in ``workdir`` (identical bytes every time)."""
    return write_sheet(workdir / "samples.tsv", [{"sample": SAMPLE, **write_movie(workdir, SAMPLE, FRAMES)}])


def snapshot(results: Path) -> dict[str, bytes]:
    """Every file under ``results`` (hidden ones too) -> its bytes."""
    return {str(p.relative_to(results)): p.read_bytes() for p in sorted(results.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("resume")


@pytest.fixture(scope="module")
def clean_runs(root) -> tuple[Path, Path]:
    """Two clean runs of the same input in two folders (run side by side)."""

    def clean_run(name: str) -> Path:
        prepare(root / name)
        run_snakemake(root / name, "--cores", "1", "--config", "samples=samples.tsv")
        return root / name

    with ThreadPoolExecutor(max_workers=2) as pool:
        return tuple(pool.map(clean_run, ("clean", "again")))


@pytest.fixture(scope="module")
def clean(clean_runs) -> Path:
    return clean_runs[0]


def test_two_clean_runs_give_identical_bytes(clean_runs):
    first, second = (snapshot(run / "results") for run in clean_runs)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []
    assert any(name.endswith(".png") for name in first) and any(name.endswith(".svg") for name in first)


def test_run_writes_only_results_logs_benchmarks(clean):
    assert {p.name for p in clean.iterdir()} == INPUTS | WRITTEN
    assert not [p for p in (clean / "results").rglob(".*")], "temporary files left in results/"


def test_killed_run_resumes_to_identical_bytes(root, clean):
    workdir = root / "killed"
    prepare(workdir)
    command = snakemake_command(workdir, "--config", "samples=samples.tsv", "--cores", "1")
    results = workdir / "results" / SAMPLE
    partial = results / ".nuclei.npy.tmp.npy"
    with open(workdir.parent / "killed.out", "w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 300
        while not partial.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        os.killpg(process.pid, signal.SIGKILL)  # snakemake and its running masks job, mid-write
        process.wait()
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed mid-write"
    assert (results / "metadata.json").exists()
    assert not (results / "nuclei.npy").exists(), "a half-written label stack has its final name"
    assert list((workdir / ".snakemake" / "incomplete").iterdir()), "snakemake did not record the running job"

    run_snakemake(workdir, "--unlock", "--config", "samples=samples.tsv")  # the killed run's lock remains
    result = run_snakemake(workdir, "--cores", "2", "--rerun-incomplete", "--config", "samples=samples.tsv")
    assert "rule masks:" in result.stdout + result.stderr
    assert "rule ingest:" not in result.stdout + result.stderr, "finished work was redone"
    resumed, expected = snapshot(workdir / "results"), snapshot(clean / "results")
    assert sorted(resumed) == sorted(expected)
    assert [name for name in expected if resumed[name] != expected[name]] == []


def test_every_parquet_carries_provenance(clean):
    for path in sorted((clean / "results").rglob("*.parquet")):
        provenance = read_provenance(path)
        assert provenance["pipeline_version"] and provenance["rule"] and isinstance(provenance["params"], dict)
        assert provenance["inputs"], path
        for source, digest in provenance["inputs"].items():
            assert sha256sum(clean / source) == digest, (path, source)
