"""A generated crowded field with known truth: touching cells with cell bodies, background between
them, nuclei off the cell centre (a thin cytoplasm on one side) and divisions.

The whole-cell cytoplasm (``masks.cytoplasm: cell``) gives each cell's C/N ratio within 2 %
(median) where the ring, which reaches past the edge of thin cells into the background, is far
off; every cell keeps its identity and every division is found with the right parent, through
the whole workflow. The PSF (sigma 0.3 px) is narrower than a pixel, as on the real crowded field
(1.14 µm pixels): a wider PSF blurs every compartment's edge and biases any mask's means alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import REPO, run_snakemake, write_sheet
from make_demo_data import write_imagej
from nucleocyto.config import BackgroundParams, MaskParams, TrackParams
from nucleocyto.measure.cells import cell_table
from nucleocyto.steps.masks import segment_stack
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import Optics, crowded_cells, render_movie

SHAPE, N_FRAMES, SEED = (240, 300), 16, 0
BACKGROUND = BackgroundParams(method="fixed", fixed={"poi": 100.0, "marker": 100.0})


@pytest.fixture(scope="module")
def movie():
    """(T, C, Y, X) uint16 stack, truth table (with the nucleus centre of each cell) and cells."""
    cells = crowded_cells(30, SHAPE, N_FRAMES, seed=SEED, divisions=8)
    poi, marker, truth = render_movie(cells, N_FRAMES, SHAPE, Optics(psf_sigma=0.3), seed=SEED)
    offsets = np.array([cells[k].nucleus_offset for k in truth["cell"]])
    truth["nucleus_y"] = (truth["y"] + offsets[:, 0]).round().astype(int).clip(0, SHAPE[0] - 1)
    truth["nucleus_x"] = (truth["x"] + offsets[:, 1]).round().astype(int).clip(0, SHAPE[1] - 1)
    truth["cn_true"] = truth["cytoplasm_poi"] / truth["nucleus_poi"]
    return np.stack([poi, marker], axis=1), truth, cells


def own_ids(nuclei: np.ndarray, truth: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per truth row the label under the cell's nucleus centre, and per true cell the id it
    carries most often (0 when that id is shared with another true cell)."""
    ids = pd.Series(nuclei[truth["frame"], truth["nucleus_y"], truth["nucleus_x"]], index=truth.index)
    own = ids.groupby(truth["cell"]).agg(lambda s: s.mode().iat[0])
    return ids, own.where(~own.duplicated(keep=False), 0)


def cn_errors(stack: np.ndarray, truth: pd.DataFrame, tmp_path, cytoplasm: str) -> pd.Series:
    """|measured C/N / true C/N - 1| of every cell and frame (inf where no ratio is defined)."""
    paths = tmp_path / f"{cytoplasm}_nuclei.npy", tmp_path / f"{cytoplasm}_cytoplasm.npy"
    segment_stack(stack, *paths, MaskParams(cytoplasm=cytoplasm), TrackParams())
    nuclei, rest = (np.load(path) for path in paths)
    cells = cell_table(measure_stack(stack, nuclei, rest, "truth", None, BACKGROUND).intensities)
    measured = truth.assign(cell_id=own_ids(nuclei, truth)[0]).merge(cells, on=["frame", "cell_id"], how="left")
    assert len(measured) == len(truth)
    return (measured["cn_ratio"] / measured["cn_true"] - 1).abs().fillna(np.inf)


def test_the_field_is_crowded_with_thin_cytoplasm_and_divisions(movie):
    _, truth, cells = movie
    assert sum(cell.parent is not None for cell in cells) == 16
    thin = [c for c in cells if c.cell_radius - c.nucleus_radius - np.hypot(*c.nucleus_offset) < 5]
    assert len(thin) > len(cells) / 2, "most cells are thinner than the ring's 5 px on one side"
    first = truth[truth["frame"] == 0]
    gaps = np.hypot(
        first["y"].to_numpy()[:, None] - first["y"].to_numpy(), first["x"].to_numpy()[:, None] - first["x"].to_numpy()
    )
    radii = np.array([cells[k].cell_radius for k in first["cell"]])
    touching = (gaps < radii[:, None] + radii) & (gaps > 0)
    assert touching.any(axis=1).sum() >= 5 and (~touching).all(axis=1).sum() >= 3, "some touch, some stand alone"


def test_whole_cell_cytoplasm_gives_the_true_ratio_where_the_ring_does_not(movie, tmp_path):
    stack, truth, _ = movie
    whole, ring = cn_errors(stack, truth, tmp_path, "cell"), cn_errors(stack, truth, tmp_path, "ring")
    assert whole.median() <= 0.02, f"whole cell: median C/N error {whole.median():.2%}"
    assert ring.median() > 5 * whole.median(), f"ring {ring.median():.2%} vs whole cell {whole.median():.2%}"


@pytest.fixture(scope="module")
def truth_run(tmp_path_factory, movie):
    """The whole workflow on the truth movie with the whole-cell cytoplasm."""
    stack, truth, cells = movie
    workdir = tmp_path_factory.mktemp("whole_cell")
    write_imagej(workdir / "poi.tif", stack[:, 0], "TYX")
    write_imagej(workdir / "marker.tif", stack[:, 1], "TYX")
    sheet = write_sheet(workdir / "samples.tsv", [{"sample": "truth", "poi": "poi.tif", "nucleus": "marker.tif"}])
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(sheet)
    config["masks"]["cytoplasm"] = "cell"
    config["background"].update(method="fixed", fixed={"poi": 100.0, "marker": 100.0})
    (workdir / "cell.yaml").write_text(yaml.safe_dump(config))
    run_snakemake(workdir, "--cores", "2", "--configfile", str(workdir / "cell.yaml"))
    return workdir / "results" / "truth", truth, cells


@pytest.mark.workflow
def test_workflow_keeps_identities_and_finds_divisions(truth_run):
    results, truth, cells = truth_run
    ids, own = own_ids(np.load(results / "nuclei.npy"), truth)
    assert ((ids == truth["cell"].map(own)) & (ids > 0)).mean() >= 0.99
    lineage = pd.read_parquet(results / "lineage.parquet").set_index("cell_id")["parent_id"]
    daughters = [(k, cell.parent) for k, cell in enumerate(cells) if cell.parent is not None]
    found = [own[k] > 0 and lineage.get(own[k]) == own[parent] for k, parent in daughters]
    assert np.mean(found) >= 0.95
    assert (lineage > 0).sum() == len(daughters), "no division that did not happen"


@pytest.mark.workflow
def test_workflow_cells_table_has_the_true_ratio_and_each_cells_geometry(truth_run):
    results, truth, cells = truth_run
    table = pd.read_parquet(results / "cells.parquet")
    ids, _ = own_ids(np.load(results / "nuclei.npy"), truth)
    measured = truth.assign(cell_id=ids).merge(table, on=["frame", "cell_id"])
    assert (measured["cn_ratio"] / measured["cn_true"] - 1).abs().median() <= 0.02
    centre_error = np.hypot(
        measured["centroid_y_px"] - measured["nucleus_y"], measured["centroid_x_px"] - measured["nucleus_x"]
    )
    assert centre_error.max() < 1.5
    single = table[table["cell_id"] > 0]
    per_track = single.groupby("cell_id").agg(frames=("frame", "size"), first=("frame", "min"), last=("frame", "max"))
    tracks = single.groupby("cell_id")[["track_frames", "first_frame", "last_frame"]].first()
    np.testing.assert_array_equal(tracks.to_numpy(), per_track.to_numpy())
    pixel = 0.325  # write_imagej's calibration
    np.testing.assert_allclose(single["nucleus_area_um2"], single["nucleus_area_px"] * pixel**2)
    np.testing.assert_allclose(single["centroid_x_um"], single["centroid_x_px"] * pixel)
    cells_on_edge = set()
    for t, (nuclei, cytoplasm) in enumerate(zip(np.load(results / "nuclei.npy"), np.load(results / "cytoplasm.npy"))):
        for labels in (nuclei, cytoplasm):
            edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
            cells_on_edge |= {(t, int(k)) for k in np.unique(edge[edge > 0])}
    flagged = set(zip(single.loc[single["touches_border"], "frame"], single.loc[single["touches_border"], "cell_id"]))
    assert flagged == cells_on_edge and 0 < len(flagged) < len(single)
