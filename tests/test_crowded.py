"""A crowded generated movie: twelve cells that drift, touch (and whose nuclei briefly touch),
with known per-cell POI levels. Each true cell must keep one track id over the whole movie and
its nuclear POI mean must follow the truth; the same through the whole workflow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, run_snakemake, write_sheet
from make_demo_data import write_imagej
from nucleocyto.config import MaskParams, TrackParams
from nucleocyto.steps.masks import segment_stack
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import grid_cells, render_movie

SHAPE = (120, 160)
N_FRAMES = 20
SEED = 5
MAX_DISPLACEMENT_PX = 6.0


@pytest.fixture(scope="module")
def movie():
    """(T, C, Y, X) uint16 stack and the truth table of the crowded movie."""
    cells = grid_cells(
        12,
        SHAPE,
        seed=SEED,
        drift_px=0.8,
        stage_drift_px=(0.2, -0.2),
        nucleus_radius_px=(8.0, 10.0),
        cell_radius_px=24.0,
    )
    poi, marker, truth = render_movie(cells, N_FRAMES, SHAPE, seed=SEED)
    return np.stack([poi, marker], axis=1), truth


def true_ids(nuclei: np.ndarray, truth: pd.DataFrame) -> pd.Series:
    """Label under each true cell centre, per truth row (0 when the centre is not in a nucleus)."""
    rows = truth["y"].round().astype(int).clip(0, SHAPE[0] - 1)
    cols = truth["x"].round().astype(int).clip(0, SHAPE[1] - 1)
    return pd.Series(nuclei[truth["frame"], rows, cols], index=truth.index)


def identity_accuracy(nuclei: np.ndarray, truth: pd.DataFrame) -> float:
    """Fraction of (cell, frame) pairs whose label is the cell's own id: the id it carries most
    often, provided no other cell carries that id most often; 0 for a cell sharing its id."""
    ids = truth.assign(id=true_ids(nuclei, truth))
    own = ids.groupby("cell")["id"].agg(lambda s: s.mode().iat[0])
    shared = own.duplicated(keep=False) | (own == 0)
    correct = (ids["id"] == ids["cell"].map(own)) & ~ids["cell"].map(shared)
    return float(correct.mean())


def nuclear_r(intensities: pd.DataFrame, nuclei: np.ndarray, truth: pd.DataFrame) -> pd.Series:
    """Per true cell, Pearson r between its measured nuclear POI mean (following the id under its
    centre) and its true nuclear POI level."""
    means = intensities.query("region == 'nucleus' and channel == 'poi'").set_index(["frame", "cell_id"])["mean"]
    ids = truth.assign(id=true_ids(nuclei, truth))
    measured = means.reindex(pd.MultiIndex.from_frame(ids[["frame", "id"]])).to_numpy()
    return pd.Series(
        {cell: np.corrcoef(measured[rows.index], rows["nucleus_poi"])[0, 1] for cell, rows in ids.groupby("cell")}
    )


def segment(stack, tmp_path, masks: MaskParams, tracking: TrackParams):
    paths = tmp_path / "nuclei.npy", tmp_path / "cytoplasm.npy"
    segment_stack(stack, *paths, masks, tracking)
    return np.load(paths[0]), np.load(paths[1])


def test_the_movie_is_crowded(movie, tmp_path):
    """Cells drift, their cytoplasms touch, and some nuclei touch in some frames."""
    stack, truth = movie
    assert truth["cell"].nunique() >= 5
    path = truth.groupby("cell")[["y", "x"]].agg(lambda s: s.max() - s.min())
    assert (np.hypot(path["y"], path["x"]) > 5).all(), "every cell moves"
    nuclei, _ = segment(stack, tmp_path, MaskParams(), TrackParams("none"))
    per_frame = nuclei.reshape(N_FRAMES, -1).max(axis=1)
    assert per_frame.min() < truth["cell"].nunique(), "without splitting, touching nuclei merge"


@pytest.mark.parametrize("method", ["overlap", "centroid"])
def test_each_cell_keeps_one_id_and_follows_the_truth(movie, tmp_path, method):
    stack, truth = movie
    tracking = TrackParams(method=method, max_displacement_px=MAX_DISPLACEMENT_PX)
    nuclei, cytoplasm = segment(stack, tmp_path, MaskParams(split_touching=True), tracking)
    assert identity_accuracy(nuclei, truth) == 1.0
    assert nuclei.max() == truth["cell"].nunique(), "no spurious tracks"
    intensities = measure_stack(stack, nuclei, cytoplasm, "crowded", None).intensities
    assert nuclear_r(intensities, nuclei, truth).min() >= 0.99


def test_without_tracking_ids_are_not_stable(movie, tmp_path):
    """The identity measure can fail: per-frame raster labels swap as cells drift."""
    stack, truth = movie
    nuclei, _ = segment(stack, tmp_path, MaskParams(split_touching=True), TrackParams("none"))
    assert identity_accuracy(nuclei, truth) < 1.0


def test_without_splitting_merged_nuclei_break_tracks(movie, tmp_path):
    stack, truth = movie
    tracking = TrackParams(method="overlap", max_displacement_px=MAX_DISPLACEMENT_PX)
    nuclei, _ = segment(stack, tmp_path, MaskParams(), tracking)
    assert identity_accuracy(nuclei, truth) < 1.0


@pytest.fixture(scope="module")
def crowded_run(tmp_path_factory, movie):
    """The whole workflow on the crowded movie with splitting, tracking, contact-free rings and
    a fixed camera background."""
    stack, truth = movie
    workdir = tmp_path_factory.mktemp("crowded")
    write_imagej(workdir / "poi.tif", stack[:, 0], "TYX")
    write_imagej(workdir / "marker.tif", stack[:, 1], "TYX")
    sheet = write_sheet(
        workdir / "samples.tsv",
        [{"sample": "crowded", "poi": workdir / "poi.tif", "nucleus": workdir / "marker.tif"}],
    )
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(sheet)
    config["masks"].update(split_touching=True, ring_contact_px=1)
    config["tracking"] = {"method": "overlap", "max_displacement_px": MAX_DISPLACEMENT_PX, "max_gap_frames": 1}
    config["background"].update(method="fixed", fixed={"poi": 100.0, "marker": 100.0})
    (workdir / "crowded.yaml").write_text(yaml.safe_dump(config))
    run_snakemake(workdir, "--cores", "2", "--configfile", str(workdir / "crowded.yaml"))
    return workdir / "results" / "crowded", truth


@pytest.mark.workflow
def test_workflow_label_stacks_carry_track_ids(crowded_run):
    results, truth = crowded_run
    nuclei, cytoplasm = np.load(results / "nuclei.npy"), np.load(results / "cytoplasm.npy")
    assert identity_accuracy(nuclei, truth) == 1.0
    assert set(np.unique(nuclei)) == set(range(truth["cell"].nunique() + 1))
    assert not (nuclei.astype(bool) & cytoplasm.astype(bool)).any()
    for t in range(N_FRAMES):
        assert set(np.unique(cytoplasm[t])) <= set(np.unique(nuclei[t]))


@pytest.mark.workflow
def test_workflow_per_cell_traces_follow_the_truth(crowded_run):
    results, truth = crowded_run
    nuclei = np.load(results / "nuclei.npy")
    intensities = pd.read_parquet(results / "intensities.parquet")
    assert (intensities["background"] == 100.0).all()
    assert nuclear_r(intensities, nuclei, truth).min() >= 0.99
    cells = pd.read_parquet(results / "cells.parquet")
    ids = truth.assign(cell_id=true_ids(nuclei, truth), ratio=truth["nucleus_poi"] / truth["cytoplasm_poi"])
    merged = ids.merge(cells, on=["frame", "cell_id"], validate="one_to_one")
    assert len(merged) == len(truth)
    assert np.corrcoef(merged["nc_ratio"], merged["ratio"])[0, 1] > 0.99
    np.testing.assert_allclose(merged["cn_ratio"], 1 / merged["nc_ratio"], rtol=1e-12)


@pytest.mark.workflow
def test_workflow_tracked_cells_show_import(crowded_run):
    """With stable ids every cell's nuclear and cytoplasmic POI are anti-correlated over time."""
    results, truth = crowded_run
    translocation = pd.read_parquet(results / "translocation.parquet")
    cells = translocation[translocation["cell_id"] > 0]
    assert len(cells) == truth["cell"].nunique()
    assert (cells["n_frames"] == N_FRAMES).all()
    assert (cells["temporal_pearson_r"] < -0.9).all()
