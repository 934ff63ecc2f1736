"""Kinetics, comparisons, dose-response, their figures and the CSV export through the real
workflow, on generated movies: three replicate movies of a control and of a treatment, and a
dose series of a drug; a bad stimulation time fails its sample alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib.image import imread

from conftest import REPO, run_snakemake, write_sheet
from make_demo_data import write_imagej
from nucleocyto.synthetic import grid_cells, render_movie

pytestmark = pytest.mark.workflow

SHAPE, N_FRAMES, STIMULUS_FRAME = (48, 64), 14, 3
DOSES = (0.1, 0.3, 1.0, 3.0, 10.0)
TABLES = ("kinetics", "response", "comparisons", "dose_response", "z_factor")
FIGURES = ("response", "heatmap", "superplots", "dose_response")


def write_movie(workdir, name: str, shuttle: float, seed: int) -> dict:
    """A generated movie of four cells as two ImageJ TIFFs (30 s per frame); its sheet columns."""
    cells = [dataclasses.replace(c, shuttle=shuttle) for c in grid_cells(4, SHAPE, seed=seed)]
    poi, marker, _ = render_movie(cells, N_FRAMES, SHAPE, seed=seed)
    paths = {"poi": workdir / f"{name}_poi.tif", "nucleus": workdir / f"{name}_marker.tif"}
    write_imagej(paths["poi"], poi, "TYX")
    write_imagej(paths["nucleus"], marker, "TYX")
    return paths


@pytest.fixture(scope="module")
def response_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("response")
    rows = []
    for r in (1, 2, 3):
        for condition, shuttle in (("control", 0.0), ("treated", 0.6)):
            paths = write_movie(workdir, f"{condition}{r}", shuttle, seed=10 * r + len(rows))
            rows.append({"sample": f"{condition}{r}", "condition": condition, "replicate": f"day{r}", **paths})
    for k, dose in enumerate(DOSES):
        paths = write_movie(workdir, f"drug{k}", 0.6 * dose / (dose + 1.0), seed=100 + k)
        rows.append({"sample": f"drug{k}", "condition": "drug", "dose": dose, "dose_unit": "µM", **paths})
    for row in rows:
        row["stimulus_frame"] = STIMULUS_FRAME
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(write_sheet(workdir / "samples.tsv", rows))
    config["dose_response"].update(positive_control="treated", negative_control="control")
    config["export"]["csv"] = True
    config["figures"]["dpi"] = 80
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    targets = [f"results/{name}.csv" for name in TABLES] + ["results/control1/kinetics.csv"]
    targets += [f"results/figures/{name}.png" for name in FIGURES] + ["results/kinetics.html"]
    run_snakemake(workdir, "--cores=2", *targets, "--configfile", str(workdir / "config.yaml"))
    return workdir, rows


def test_kinetics_has_every_cell_of_every_sample(response_run):
    workdir, rows = response_run
    kinetics = pd.read_parquet(workdir / "results" / "kinetics.parquet")
    assert list(kinetics["sample"].unique()) == [row["sample"] for row in rows]
    for row in rows:
        cells = pd.read_parquet(workdir / "results" / row["sample"] / "cells.parquet")
        ids = kinetics.loc[kinetics["sample"] == row["sample"], "cell_id"]
        assert ids.tolist() == sorted(cells["cell_id"].unique())
    assert (kinetics["stimulus_frame"] == STIMULUS_FRAME).all() and (kinetics["stimulus_s"] == 90.0).all()
    treated = kinetics[(kinetics["condition"] == "treated") & (kinetics["cell_id"] > 0)]
    control = kinetics[(kinetics["condition"] == "control") & (kinetics["cell_id"] > 0)]
    assert (treated["reason"] == "").all() and (treated["t_half_s"] > 0).all()
    assert control["t_half_s"].isna().all() and control["reason"].str.startswith("no response").all()
    assert (treated["temporal_r_detrended"] < 0).all(), "import: nucleus and cytoplasm anti-correlated"
    assert kinetics.loc[kinetics["condition"] == "drug", "dose_unit"].eq("µM").all()


def test_response_table_has_every_frame_of_every_sample(response_run):
    workdir, rows = response_run
    response = pd.read_parquet(workdir / "results" / "response.parquet")
    assert len(response) == len(rows) * N_FRAMES
    np.testing.assert_allclose(response["time_from_stimulus_s"], (response["frame"] - STIMULUS_FRAME) * 30.0)
    before = response[response["frame"] < STIMULUS_FRAME]
    np.testing.assert_allclose(before.groupby("sample")["response_ratio"].mean(), 1.0)
    assert (response["n_cells"] == 4).all()


def test_treatment_differs_from_control_on_replicate_means(response_run):
    workdir, _ = response_run
    comparisons = pd.read_parquet(workdir / "results" / "comparisons.parquet").set_index(["metric", "condition"])
    row = comparisons.loc[("amplitude", "treated")]
    assert (row["n_replicates"], row["n_replicates_control"], row["n_cells"]) == (3, 3, 12)
    assert row["p_value"] < 0.01 and row["ci_low"] > 0 and row["test"] == "welch"
    drug = comparisons.loc[("amplitude", "drug")]
    assert drug["n_replicates"] == len(DOSES)  # each movie is its own replicate by default


def test_dose_series_is_fitted_and_controls_separate(response_run):
    workdir, _ = response_run
    fit = pd.read_parquet(workdir / "results" / "dose_response.parquet").set_index("condition").loc["drug"]
    assert fit["reason"] == "" and min(DOSES) < fit["ec50"] < max(DOSES) and fit["dose_unit"] == "µM"
    z = pd.read_parquet(workdir / "results" / "z_factor.parquet").iloc[0]
    assert (z["positive_control"], z["negative_control"]) == ("treated", "control") and z["z_prime"] > 0.5


@pytest.mark.parametrize("name", [*TABLES, "control1/kinetics"])
def test_every_table_has_a_csv_with_the_same_columns(response_run, name):
    workdir, _ = response_run
    table = pq.read_table(workdir / "results" / f"{name}.parquet").to_pandas()
    copy = pd.read_csv(workdir / "results" / f"{name}.csv", keep_default_na=False, na_values=[""])
    assert list(copy.columns) == list(table.columns) and len(copy) == len(table)
    numbers = table.select_dtypes("number").columns
    np.testing.assert_allclose(copy[numbers].to_numpy(float), table[numbers].to_numpy(float), rtol=1e-12)


@pytest.mark.parametrize("name", FIGURES)
def test_figures_are_images(response_run, name):
    workdir, _ = response_run
    image = imread(workdir / "results" / "figures" / f"{name}.png")
    assert image.shape[0] > 150 and image.shape[1] <= 7 * 80 + 1 and image[..., :3].std() > 0.05
    assert (workdir / "results" / "figures" / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_a_stimulation_time_after_the_movie_fails_its_sample_only(tmp_path):
    rows = [
        {"sample": "good", **write_movie(tmp_path, "good", 0.6, 1), "stimulus_frame": STIMULUS_FRAME},
        {"sample": "late", **write_movie(tmp_path, "late", 0.6, 2), "stimulus_frame": 99},
    ]
    sheet = write_sheet(tmp_path / "samples.tsv", rows)
    targets = ["results/good/kinetics.parquet", "results/late/kinetics.parquet"]
    result = run_snakemake(tmp_path, "--cores=2", *targets, "--keep-going", "--config", f"samples={sheet}", check=False)
    message = f"sample 'late': stimulus_frame 99 (sample sheet) is after the last frame ({N_FRAMES - 1}) of the movie."
    assert result.returncode != 0 and message in result.stdout + result.stderr
    log = (tmp_path / "logs" / "kinetics" / "late.log").read_text()
    assert message in log and "Traceback" not in log
    assert (tmp_path / "results" / "good" / "kinetics.parquet").is_file()
    assert not list((tmp_path / "results" / "late").glob("*kinetics*"))
