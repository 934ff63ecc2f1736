"""scripts/make_sample_sheet.py: a folder mixing layouts gives the expected sheet, ambiguity is
refused, and the shared KTR series runs straight from its folder with the sheet it writes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml

from conftest import KTR, REPO, read_movie, run_snakemake
from nucleocyto.config import load_sample_sheet

SCRIPT = REPO / "scripts" / "make_sample_sheet.py"
SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "samples.schema.yaml").read_text())


def make_sheet(folder: Path, *roles: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, str(SCRIPT), str(folder), *roles, "-o", "samples.tsv"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True)


def planes(seed: int, n: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 4000, (n, 2, 8, 8)).astype(np.uint16)


@pytest.fixture
def mixed(tmp_path) -> Path:
    """A folder with a multi-channel OME-TIFF, a two-position OME-TIFF, a movie file per channel
    (and a third channel), a per-timepoint series per channel, a damaged TIFF and a Z stack."""
    folder = tmp_path / "movies"
    folder.mkdir()
    channels = {"Channel": {"Name": ["NLS", "H2B"]}}
    tifffile.imwrite(folder / "cellA.ome.tif", planes(1), ome=True, metadata={"axes": "TCYX", **channels})
    with tifffile.TiffWriter(folder / "plate.ome.tif", ome=True) as tif:
        for seed in (2, 3):
            tif.write(planes(seed), metadata={"axes": "TCYX", **channels})
    for w in (1, 2, 3):
        tifffile.imwrite(folder / f"cellB_w{w}.tif", planes(4)[:, 0], photometric="minisblack")
    for w in (1, 2):
        for t in range(1, 12):
            tifffile.imwrite(folder / f"cellC_w{w}_t{t}.tif", planes(5)[0, 0])
    (folder / "broken.tif").write_bytes(b"II*\0" + bytes(4))
    tifffile.imwrite(folder / "zstack.tif", planes(6, 4), imagej=True, metadata={"axes": "TZYX"})
    return folder


def test_a_folder_mixing_layouts_gives_the_expected_sheet(mixed, tmp_path, monkeypatch):
    result = make_sheet("movies", "--nucleus", "w1", "H2B", "--poi", "w2", "NLS", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "samples.tsv").read_text() == (
        "sample\tpoi\tnucleus\timage\tpoi_channel\tnucleus_channel\tseries\n"
        "cellA\t\t\tmovies/cellA.ome.tif\t0\t1\t\n"
        "plate_pos0\t\t\tmovies/plate.ome.tif\t0\t1\t0\n"
        "plate_pos1\t\t\tmovies/plate.ome.tif\t0\t1\t1\n"
        "cellB\tmovies/cellB_w2.tif\tmovies/cellB_w1.tif\t\t\t\t\n"
        "cellC\tmovies/cellC_w2_t*.tif\tmovies/cellC_w1_t*.tif\t\t\t\t\n"
    )
    assert "Left out: movies/cellB_w3.tif" in result.stdout
    assert "Left out, not a time series the pipeline reads: movies/broken.tif: the TIFF is damaged" in result.stdout
    assert "Left out, not a time series the pipeline reads: movies/zstack.tif: axes 'TZYX'" in result.stdout
    assert "movies/cellC_w1_t*.tif: 11 file(s), 11 frame(s)" in result.stdout
    monkeypatch.chdir(tmp_path)  # the sheet's paths are relative to the working directory
    sheet = load_sample_sheet("samples.tsv", SCHEMA)
    assert sheet["series"].fillna(-1).tolist() == [-1, 0, 1, -1, -1]


def test_without_roles_it_lists_the_channels_and_writes_nothing(mixed, tmp_path):
    result = make_sheet("movies", cwd=tmp_path)
    assert result.returncode == 2
    assert "Channel tags in the names: w1, w2, w3" in result.stdout
    assert "name both roles with --nucleus and --poi" in result.stderr
    assert not (tmp_path / "samples.tsv").exists()


def test_an_unpaired_channel_is_a_problem_not_a_guess(mixed, tmp_path):
    (mixed / "cellB_w2.tif").unlink()
    result = make_sheet("movies", "--nucleus", "w1", "H2B", "--poi", "w2", "NLS", cwd=tmp_path)
    assert result.returncode == 2
    assert "movies/cellB_w1.tif is the nucleus of 'cellB', but no file is its poi" in result.stderr
    assert not (tmp_path / "samples.tsv").exists()


def test_micro_manager_single_page_names(tmp_path):
    folder = tmp_path / "Pos0"
    folder.mkdir()
    for c in (0, 1):
        for t in range(3):
            tifffile.imwrite(folder / f"img_channel{c:03d}_position000_time{t:09d}_z000.tif", planes(c)[t, 0])
    result = make_sheet("Pos0", "--nucleus", "ch0", "--poi", "ch1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "samples.tsv").read_text().splitlines()[1] == (
        "img_position000_z000\tPos0/img_channel001_position000_time*_z000.tif"
        "\tPos0/img_channel000_position000_time*_z000.tif"
    )


@pytest.fixture(scope="module")
def ktr_run(tmp_path_factory):
    if not KTR.is_dir():
        pytest.skip(f"KTR series not found in {KTR} (it lives in the shared data folder beside the repo)")
    workdir = tmp_path_factory.mktemp("ktr")
    result = make_sheet(KTR, "--nucleus", "nucleus", "--poi", "Green-Channel", cwd=workdir)
    assert result.returncode == 0, result.stderr
    # All 27 time points, up to the cell table (the figures and correlations add nothing here).
    run_snakemake(workdir, "--cores", "2", "results/KTR/cells.parquet", "--config", "samples=samples.tsv")
    return workdir, result.stdout


@pytest.mark.workflow
def test_ktr_series_runs_straight_from_its_folder(ktr_run):
    """The whole series (27 time points x 512 x 512, three channels in one folder): the sheet
    pairs the nucleus and green series, every time point is in the stack, calibration from the
    files' ImageJ metadata."""
    workdir, printed = ktr_run
    assert (workdir / "samples.tsv").read_text().splitlines() == [
        "sample\tpoi\tnucleus",
        f"KTR\t{KTR}/KTR_Green-Channel*.tif\t{KTR}/KTR_nucleus*.tif",
    ]
    assert "Left out: " + str(KTR / "KTR_Cyan-Channel*.tif") in printed
    metadata = json.loads((workdir / "results" / "KTR" / "metadata.json").read_text())
    assert metadata["shape"] == [27, 2, 512, 512]
    assert metadata["frame_interval_s"] == pytest.approx(270.016, abs=1e-3)
    assert metadata["pixel_size_um"] == pytest.approx(1 / 0.88, rel=1e-4)
    stack = read_movie(workdir / "results" / "KTR" / "metadata.json")
    for t in (0, 13, 26):
        np.testing.assert_array_equal(stack[t, 0], tifffile.imread(KTR / f"KTR_Green-Channel{t + 1:04d}.tif"))
        np.testing.assert_array_equal(stack[t, 1], tifffile.imread(KTR / f"KTR_nucleus{t + 1:04d}.tif"))
    cells = pd.read_parquet(workdir / "results" / "KTR" / "cells.parquet")
    assert sorted(cells["frame"].unique()) == list(range(27))
