"""Cluster execution: per-step resources, and the workflow through the SLURM profile on a real,
throwaway single-node SLURM cluster (tests/cluster/local_slurm.py).

The cluster tests need Linux, root and Debian's slurm-wlm + munge (installed with apt-get when
missing); they are skipped with the reason otherwise, unless NUCLEOCYTO_CLUSTER_TEST=required
(``make test-cluster``) makes that a failure. Every step has a timeout, and the daemons are
stopped by PID whatever happens.
"""

from __future__ import annotations

import os
import re
import shutil
import time

import pyarrow.parquet as pq
import pytest
from cluster.local_slurm import LocalSlurm, install, unavailable_reason

from conftest import REPO, run_snakemake, write_sheet

pytestmark = pytest.mark.workflow

SAMPLES = ("demo_import", "demo_control")
SAMPLE_RULES = ("ingest", "masks", "measure", "correlate", "figures")
BROKEN = "broken_movie"
#: A cluster without accounting: poll with squeue, starting 2 s after submission.
NO_ACCOUNTING = ("--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2")
RUN_TIMEOUT_S = 300
SUBMITTED = re.compile(r"submitted with SLURM jobid (\d+) \(log: (\S+)\)")
DRY_RUN_JOB = re.compile(
    r"rule (\w+):\n(?:[ \t]+\w+: .*\n)*?[ \t]+wildcards: sample=(\S+)\n(?:[ \t]+threads: (\d+)\n)?[ \t]+resources: (.*)"
)


def dry_run_resources(workdir, *args) -> dict[tuple[str, str], dict[str, str]]:
    """{(rule, sample): {resource: value, "threads": n}} from a dry run's job listing."""
    result = run_snakemake(workdir, "-n", "--cores", "1", *args)
    jobs = {}
    for rule, sample, threads, resources in DRY_RUN_JOB.findall(result.stdout + result.stderr):
        jobs[rule, sample] = dict(item.split("=", 1) for item in resources.split(", ")) | {"threads": threads or "1"}
    return jobs


def test_resources_scale_with_movie_size_and_attempt(tmp_path):
    """mem_mb and runtime grow with the TIFF's size (only stat'ed: a sparse 2 GB file will do)
    and double on a retry."""
    with open(tmp_path / "big.tif", "wb") as big:
        big.truncate(2_000_000_000)
    rows = [
        {"sample": name, "image": str(path), "poi_channel": 1, "nucleus_channel": 0}
        for name, path in (("small", REPO / "data" / "demo" / "demo_control.tif"), ("big", tmp_path / "big.tif"))
    ]
    config = ("--config", f"samples={write_sheet(tmp_path / 'samples.tsv', rows)}")
    first, retry = dry_run_resources(tmp_path, *config), dry_run_resources(tmp_path, *config, "--attempt", "2")
    for rule in SAMPLE_RULES:
        small, big = first[rule, "small"], first[rule, "big"]
        assert 1000 <= int(small["mem_mb"]) < 1010 and small["runtime"] == "10", rule
        assert int(big["mem_mb"]) >= 1000 + 0.1 * 2000 and big["runtime"] == "30", rule
        assert int(retry[rule, "big"]["mem_mb"]) == 2 * int(big["mem_mb"]) and retry[rule, "big"]["runtime"] == "60"


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A running local cluster; stopped (every daemon, by PID) after this module's tests."""
    reason = unavailable_reason()
    if reason is None:
        try:
            install_s = install()
        except RuntimeError as error:
            reason = f"could not install SLURM: {error}"
    if reason:
        if os.environ.get("NUCLEOCYTO_CLUSTER_TEST") == "required":
            pytest.fail(reason)
        pytest.skip(reason)
    with LocalSlurm(tmp_path_factory.mktemp("slurm")) as cluster:
        print(f"\nlocal SLURM: apt install {install_s:.1f} s, bring-up {cluster.startup_s:.1f} s")
        yield cluster


def cluster_snakemake(slurm, workdir, *args):
    """One timed run of the workflow through the SLURM profile; (process, seconds)."""
    start = time.perf_counter()
    result = run_snakemake(
        workdir,
        "--profile",
        str(REPO / "workflow" / "profiles" / "slurm"),
        *NO_ACCOUNTING,
        "--slurm-keep-successful-logs",
        *args,
        check=False,
        env=slurm.env,
        timeout_s=RUN_TIMEOUT_S,
    )
    return result, time.perf_counter() - start


@pytest.fixture(scope="module")
def cluster_run(slurm, tmp_path_factory):
    """The demo samples plus one whose TIFF is corrupt, with --keep-going and without the
    profile's retry (the polling interval makes every extra round trip cost tens of seconds).

    Returns (workdir, snakemake process, {SLURM job id: (state, sample, CPUs)}).
    """
    workdir = tmp_path_factory.mktemp("cluster")
    shutil.copytree(REPO / "data", workdir / "data")
    movie = (REPO / "data" / "demo" / "demo_control.tif").read_bytes()
    (workdir / "data" / "broken.tif").write_bytes(b"corrupt!" + movie[8:])
    sheet = (workdir / "data" / "samples.tsv").read_text()
    broken = {
        "sample": BROKEN,
        "condition": "control",
        "image": "data/broken.tif",
        "poi_channel": "1",
        "nucleus_channel": "0",
    }
    line = "\t".join(broken.get(column, "") for column in sheet.splitlines()[0].split("\t"))
    (workdir / "with_broken.tsv").write_text(sheet + line + "\n")

    result, seconds = cluster_snakemake(
        slurm, workdir, "--keep-going", "--retries", "0", "--config", "samples=with_broken.tsv"
    )
    print(f"\ncluster run (3 samples, one broken): {seconds:.1f} s, exit {result.returncode}")
    squeue = map(str.split, slurm.squeue("%i %T %C").splitlines())
    states = {job_id: (state, int(cpus)) for job_id, state, cpus in squeue}
    jobs = {}
    for job_id, log in SUBMITTED.findall(result.stderr):
        sample = re.search(r"wildcards: sample=(\S+)", (workdir / log).read_text()).group(1)
        state, cpus = states[job_id]
        jobs[job_id] = (state, sample, cpus)
    return workdir, result, jobs


def test_failing_job_fails_the_run(cluster_run):
    """The corrupt sample's SLURM job fails; Snakemake says why and exits 1 (no hang)."""
    _, result, jobs = cluster_run
    assert result.returncode == 1, result.stderr[-3000:]
    assert [state for state, sample, _ in jobs.values() if sample == BROKEN] == ["FAILED"]
    assert "Error in group sample" in result.stderr
    assert "data/broken.tif: not a TIFF file" in result.stderr


def test_every_job_went_through_sbatch(cluster_run):
    """One SLURM job per sample (its five steps grouped); SLURM saw the good ones complete."""
    workdir, _, jobs = cluster_run
    assert sorted(sample for _, sample, _ in jobs.values()) == sorted((*SAMPLES, BROKEN))
    for sample in SAMPLES:
        assert [state for state, s, _ in jobs.values() if s == sample] == ["COMPLETED"]
        assert (workdir / "results" / sample / "figures" / "correlation.png").is_file()
    assert not (workdir / "results" / BROKEN / "metadata.json").exists()


def test_each_job_has_a_cpu_per_thread(cluster_run):
    """A sample's job gets as many CPUs as its steps' threads (ingest, masks and measure declare
    2): the executor plugin passes a job's threads as --cpus-per-task."""
    _, _, jobs = cluster_run
    assert [cpus for _, _, cpus in jobs.values()] == [2] * len(jobs)


@pytest.mark.parametrize("sample", SAMPLES)
def test_results_identical_to_local_run(cluster_run, demo_run, sample):
    workdir, _, _ = cluster_run
    cluster, local = workdir / "results" / sample, demo_run / "results" / sample
    for name in ("nuclei.npy", "cytoplasm.npy", "metadata.json"):
        assert (cluster / name).read_bytes() == (local / name).read_bytes(), name
    for name in ("intensities.parquet", "correlation.parquet", "translocation.parquet"):
        assert pq.read_table(cluster / name).equals(pq.read_table(local / name), check_metadata=True), name


def test_aggregate_runs_locally(slurm, cluster_run, demo_run):
    """Without the broken sample only the local summary steps are left: no SLURM job."""
    workdir, _, _ = cluster_run
    result, seconds = cluster_snakemake(slurm, workdir)
    print(f"\ncluster run (aggregate only): {seconds:.1f} s")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "rule aggregate" in result.stderr and not SUBMITTED.search(result.stderr)
    summary, local = workdir / "results" / "summary.parquet", demo_run / "results" / "summary.parquet"
    assert pq.read_table(summary).equals(pq.read_table(local), check_metadata=True)
