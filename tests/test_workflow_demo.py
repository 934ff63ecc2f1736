"""The workflow on generated data, in a temporary directory: every output exists and is right."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from matplotlib.image import imread

from conftest import REPO, read_movie, run_snakemake
from nucleocyto.io.tables import read_provenance

pytestmark = pytest.mark.workflow

SAMPLES = ("demo_import", "demo_control")


def test_generated_demo_matches_bundled_demo(demo_run):
    """The bundled demo data is exactly what the generator writes."""
    for name in ("demo_import_poi.tif", "demo_import_nucleus.tif", "demo_control.tif"):
        assert (demo_run / "data" / "demo" / name).read_bytes() == (REPO / "data" / "demo" / name).read_bytes()


@pytest.mark.parametrize("sample", SAMPLES)
def test_stack_and_metadata(demo_run, sample):
    results = demo_run / "results" / sample
    stack = read_movie(results / "metadata.json")
    metadata = json.loads((results / "metadata.json").read_text())
    assert stack.shape == tuple(metadata["shape"]) == (16, 2, 80, 100)
    assert metadata["channels"] == ["poi", "marker"]
    assert metadata["frame_interval_s"] == 30.0
    assert metadata["pixel_size_um"] == pytest.approx(0.325, rel=1e-3)
    assert all(len(source["sha256"]) == 64 for source in metadata["sources"])


@pytest.mark.parametrize("sample", SAMPLES)
def test_label_stacks(demo_run, sample):
    results = demo_run / "results" / sample
    nuclei, cytoplasm = np.load(results / "nuclei.npy"), np.load(results / "cytoplasm.npy")
    assert nuclei.shape == cytoplasm.shape == (16, 80, 100) and nuclei.dtype == cytoplasm.dtype == np.uint8  # 4 cells
    assert not (nuclei.astype(bool) & cytoplasm.astype(bool)).any()
    for t in range(len(nuclei)):
        assert set(np.unique(cytoplasm[t])) <= set(np.unique(nuclei[t]))
        assert nuclei[t].max() == 4


@pytest.mark.parametrize("sample", SAMPLES)
def test_intensities_table(demo_run, sample):
    path = demo_run / "results" / sample / "intensities.parquet"
    table = pq.read_table(path).to_pandas()
    assert len(table) == 16 * 4 * 2 * 2
    assert set(table["region"]) == {"nucleus", "cytoplasm"} and set(table["channel"]) == {"poi", "marker"}
    np.testing.assert_allclose(table["time_s"], table["frame"] * 30.0)
    np.testing.assert_allclose(table["mean"], table["sum"] / table["area_px"])
    assert not table["mask_empty"].any()
    provenance = read_provenance(path)
    assert provenance["rule"] == "measure" and provenance["pipeline_version"]


def test_translocation_sign(demo_run):
    """Import gives anti-correlated nuclear and cytoplasmic POI; the control does not shuttle."""
    imported = pd.read_parquet(demo_run / "results" / "demo_import" / "translocation.parquet")
    assert (imported["temporal_pearson_r"] < -0.9).all()
    intensities = pd.read_parquet(demo_run / "results" / "demo_import" / "intensities.parquet")
    poi_nucleus = intensities.query("region == 'nucleus' and channel == 'poi'").groupby("frame")["mean"].mean()
    assert poi_nucleus.iloc[-1] > 1.1 * poi_nucleus.iloc[0]


def test_correlation_table(demo_run):
    table = pd.read_parquet(demo_run / "results" / "demo_import" / "correlation.parquet")
    assert set(table["scope"]) == {"cell", "all_cells", "frame"}
    assert table["pearson_r"].between(-1, 1).all()
    assert (table.groupby("frame")["scope"].value_counts().unstack()["cell"] == 4).all()


@pytest.mark.parametrize("sample", SAMPLES)
@pytest.mark.parametrize("name", ["overlay", "timecourse", "correlation"])
def test_figures_are_images(demo_run, sample, name):
    figures = demo_run / "results" / sample / "figures"
    image = imread(figures / f"{name}.png")
    assert image.ndim == 3 and image.shape[0] > 200 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05, "figure looks blank"
    assert (figures / f"{name}.svg").read_text().lstrip().startswith("<?xml")


def test_figures_drawn_in_one_process_equal_the_workflows_two(demo_run, tmp_path, monkeypatch):
    """The figures step splits its work over two worker processes (the rule's threads); drawn
    in one process, every figure, the movie and both tables are the same bytes."""
    import yaml

    from nucleocyto import SAMPLE_FIGURES
    from nucleocyto.config import FigureParams, QCParams
    from nucleocyto.kinetics.response import Stimulus
    from nucleocyto.steps import figures

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    results = demo_run / "results" / "demo_import"
    names = ("metadata.json", "nuclei.npy", "cytoplasm.npy", "cells.parquet", "correlation.parquet")
    inputs = {name.split(".")[0]: results / name for name in (*names, "translocation.parquet", "qc.parquet")}
    written = {name: f"figures/{name}.png" for name in SAMPLE_FIGURES}
    written |= {f"{name}_svg": f"figures/{name}.svg" for name in SAMPLE_FIGURES}
    written |= {"movie": "figures/masks.gif", "table": "cells.html", "qc_table": "qc.html"}
    (tmp_path / "figures").mkdir()
    monkeypatch.chdir(demo_run)  # the sheet's relative source paths
    assert "\t3\n" in (demo_run / "data" / "samples.tsv").read_text().splitlines(keepends=True)[1]
    stimulus = Stimulus(stimulus_frame=3, source="sample sheet")  # as the demo's sheet gives it
    outputs = {key: tmp_path / path for key, path in written.items()}
    params = FigureParams(**config["figures"])
    figures.run(
        "demo_import", inputs, outputs, params, config["masks"]["min_area_um2"], QCParams(**config["qc"]), stimulus
    )
    for key, path in written.items():
        assert outputs[key].read_bytes() == (results / path).read_bytes(), path


def test_summary(demo_run):
    summary = pd.read_parquet(demo_run / "results" / "summary.parquet")
    assert set(summary["sample"]) == set(SAMPLES)
    assert dict(zip(summary["sample"], summary["condition"])) == {
        "demo_import": "stimulated",
        "demo_control": "control",
    }
    assert imread(demo_run / "results" / "figures" / "summary.png").shape[0] > 200


def test_rerun_does_nothing(demo_run):
    result = run_snakemake(demo_run, "-n", "--cores", "1")
    assert "Nothing to be done" in result.stdout + result.stderr
