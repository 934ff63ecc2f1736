"""A source replaced after ingest reruns its sample, even when the new file is older.

Ingest records each source file's size, modification time and SHA-256 (its log ``sources``); the
ingest rule's ``content`` parameter (nucleocyto.io.freshness.content_stamp) changes only when a
file's content does, so Snakemake's params trigger catches a replacement that the mtime trigger
misses (``cp -p``, ``rsync -t``, a restored backup). Each case: real snakemake runs.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
from test_reruns import planned_jobs

from conftest import read_movie, run_snakemake, write_sheet
from movies import tiny_movie, write_movie

pytestmark = pytest.mark.workflow

FRAMES, SHAPE = 4, (24, 24)
AN_HOUR_NS = 3600 * 10**9


def replace_keeping_older_time(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` with a modification time an hour before the old one."""
    old = path.stat().st_mtime_ns
    path.write_bytes(data)
    os.utime(path, ns=(old - AN_HOUR_NS, old - AN_HOUR_NS))


def tiff_bytes(tmp: Path, planes: np.ndarray) -> bytes:
    tifffile.imwrite(tmp, planes, photometric="minisblack")
    return tmp.read_bytes()


def planned(workdir: Path) -> tuple[set, str]:
    result = run_snakemake(workdir, "-n", "--cores", "1", "--config", "samples=samples.tsv")
    output = result.stdout + result.stderr
    return {(rule, sample) for rule, sample, _ in planned_jobs(output)}, output


@pytest.fixture(scope="module")
def finished(tmp_path_factory) -> Path:
    """A finished run of ``movie`` (one file per channel) and ``series`` (a folder per channel,
    one TIFF per time point)."""
    workdir = tmp_path_factory.mktemp("stale")
    movie = write_movie(workdir, "movie", FRAMES, SHAPE, seed=1)
    for channel, planes in zip(("poi", "nucleus"), tiny_movie(FRAMES, SHAPE, seed=2)):
        folder = workdir / "data" / f"series_{channel}"
        folder.mkdir()
        for t, plane in enumerate(planes):
            tifffile.imwrite(folder / f"t{t}.tif", plane, photometric="minisblack")
    series = {"poi": "data/series_poi", "nucleus": "data/series_nucleus"}
    write_sheet(workdir / "samples.tsv", [{"sample": "movie", **movie}, {"sample": "series", **series}])
    run_snakemake(workdir, "--cores", "2", "--config", "samples=samples.tsv")
    return workdir


def test_identical_copy_with_an_older_time_reruns_nothing(finished):
    poi = finished / "data" / "movie_poi.tif"
    replace_keeping_older_time(poi, poi.read_bytes())
    jobs, output = planned(finished)
    assert jobs == set() and "Nothing to be done" in output


def test_replaced_series_file_reruns_that_sample_from_ingest(finished):
    first = finished / "data" / "series_nucleus" / "t0.tif"
    original = first.read_bytes()
    replace_keeping_older_time(first, tiff_bytes(finished / "other.tif", tiny_movie(1, SHAPE, seed=9)[1][0]))
    try:
        jobs, output = planned(finished)
    finally:
        replace_keeping_older_time(first, original)
    assert ("ingest", "series") in jobs and {sample for _, sample in jobs} <= {"series", None}
    assert "sample 'series': data/series_nucleus/t0.tif changed since it was ingested" in output


def test_replaced_movie_with_an_older_time_reruns_and_gives_the_new_numbers(finished):
    poi = finished / "data" / "movie_poi.tif"
    results = finished / "results" / "movie"
    before = pd.read_parquet(results / "cells.parquet")
    new_poi = tiny_movie(FRAMES, SHAPE, seed=5)[0] * 2
    replace_keeping_older_time(poi, tiff_bytes(finished / "new_poi.tif", new_poi))
    jobs, output = planned(finished)
    assert ("ingest", "movie") in jobs and ("ingest", "series") not in jobs
    assert "reason: Params have changed since last execution" in output

    run_snakemake(finished, "--cores", "2", "--config", "samples=samples.tsv")
    metadata = json.loads((results / "metadata.json").read_text())
    sha256 = hashlib.sha256(poi.read_bytes()).hexdigest()
    assert next(source for source in metadata["sources"] if source["channel"] == "poi")["sha256"] == sha256
    recorded = json.loads((finished / "logs" / "ingest" / "movie.sources.json").read_text())["data/movie_poi.tif"]
    assert recorded == {"size": poi.stat().st_size, "mtime_ns": poi.stat().st_mtime_ns, "sha256": sha256}
    np.testing.assert_array_equal(read_movie(results / "metadata.json")[:, 0], new_poi)
    after = pd.read_parquet(results / "cells.parquet")
    assert not np.allclose(after["poi_nucleus_mean"], before["poi_nucleus_mean"])
    jobs, output = planned(finished)
    assert jobs == set() and "Nothing to be done" in output
