"""Label images made elsewhere (named in the sample sheet as ``nucleus_labels`` and ``cell_labels``,
a TIFF stack or one TIFF per frame): the same labels give the same measures as the pipeline's own
masks, and label images that do not fit the movie fail with one sentence."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml

from conftest import REPO, read_movie, run_snakemake, write_sheet
from make_demo_data import write_imagej
from nucleocyto.config import MaskParams, TrackParams
from nucleocyto.steps.masks import segment_stack
from nucleocyto.synthetic import crowded_cells, render_movie

pytestmark = pytest.mark.workflow

SHAPE, N_FRAMES = (120, 150), 12


def config_file(workdir, sheet, **masks) -> str:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(sheet)
    config["masks"].update(masks)
    path = workdir / f"config_{sheet.stem}.yaml"
    path.write_text(yaml.safe_dump(config))
    return str(path)


#: Label images that do not fit the movie, and the message template of each (docs/errors.md).
BAD_LABELS = {
    "too_few_frames": (
        lambda nuclei: nuclei[:-1],
        "sample '<sample>', nucleus_labels, <file>: <n> frames, but the movie has <n>.",
    ),
    "too_small": (
        lambda nuclei: nuclei[:, :-1],
        "sample '<sample>', nucleus_labels, <file>: frames of (<n>, <n>) px, but the movie's are (<n>, <n>).",
    ),
    "float_labels": (
        lambda nuclei: nuclei.astype(np.float32),
        "sample '<sample>', nucleus_labels, <file>: pixel type float32 is not integer labels; save the labels "
        "as an integer TIFF.",
    ),
    "negative_labels": (
        lambda nuclei: np.where(nuclei > 0, -1, 0).astype(np.int16),
        "sample '<sample>', nucleus_labels, <file>: frame <n> holds labels outside 0..16777215 (<n>..<n>); "
        "0 is background, each object one positive integer.",
    ),
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Run 1 (whole cells grown on the cell channel, keep going): the pipeline's whole cells, grown
    on a cell channel given as a per-timepoint series (a copy of the POI), and a sample without a
    cell channel. The labels of the first are written as a nucleus stack and a cell series (t0 ...
    t11, so plain sorting would put t10 before t2). Run 2 (ring cytoplasm, keep going): the movie
    with both label images, with the nucleus labels only, with none, and with each of
    :data:`BAD_LABELS`. Returns the folder and the two snakemake processes."""
    workdir = tmp_path_factory.mktemp("own_masks")
    cells = crowded_cells(9, SHAPE, N_FRAMES, seed=3, divisions=2)
    poi, marker, _ = render_movie(cells, N_FRAMES, SHAPE, seed=3)
    write_imagej(workdir / "poi.tif", poi, "TYX")
    write_imagej(workdir / "marker.tif", marker, "TYX")
    movie = {"poi": "poi.tif", "nucleus": "marker.tif"}
    (workdir / "cell").mkdir()
    for t in range(N_FRAMES):
        tifffile.imwrite(workdir / "cell" / f"cell_t{t}.tif", poi[t])
    rows = [{"sample": "pipeline_cells", **movie, "cell": "cell/cell_t*.tif"}, {"sample": "no_cell_channel", **movie}]
    first = write_sheet(workdir / "first.tsv", rows)
    config = config_file(workdir, first, cytoplasm="cell", cell_channel="cell")
    first_run = run_snakemake(workdir, "--cores", "2", "--keep-going", "--configfile", config, check=False)
    nuclei = np.load(workdir / "results" / "pipeline_cells" / "nuclei.npy")
    cytoplasm = np.load(workdir / "results" / "pipeline_cells" / "cytoplasm.npy")
    (workdir / "labels").mkdir()
    tifffile.imwrite(workdir / "labels" / "nuclei.tif", nuclei.astype(np.uint16))
    for t in range(N_FRAMES):
        tifffile.imwrite(
            workdir / "labels" / f"cells_t{t}.tif", np.where(nuclei[t] > 0, nuclei[t], cytoplasm[t]).astype(np.int32)
        )
    own = {"nucleus_labels": "labels/nuclei.tif", "cell_labels": "labels/cells_t*.tif"}
    rows = [
        {"sample": "own_cells", **movie, **own},
        {"sample": "own_nuclei", **movie, "nucleus_labels": own["nucleus_labels"]},
        {"sample": "pipeline_ring", **movie},
    ]
    write_sheet(workdir / "good.tsv", rows)
    for name, (change, _) in BAD_LABELS.items():
        tifffile.imwrite(workdir / "labels" / f"{name}.tif", change(nuclei))
        rows.append({"sample": name, **movie, "nucleus_labels": f"labels/{name}.tif"})
    second = write_sheet(workdir / "second.tsv", rows)
    result = run_snakemake(
        workdir, "--cores", "2", "--keep-going", "--configfile", config_file(workdir, second), check=False
    )
    return workdir, (first_run, result)


def tables(workdir, sample: str) -> dict[str, pd.DataFrame]:
    """The intensities and cells tables of ``sample`` without their sample column."""
    folder = workdir / "results" / sample
    return {
        name: pd.read_parquet(folder / f"{name}.parquet").drop(columns="sample") for name in ("intensities", "cells")
    }


def test_own_nuclei_and_cells_give_the_pipelines_whole_cell_measures(runs):
    runs, _ = runs
    own, pipeline = tables(runs, "own_cells"), tables(runs, "pipeline_cells")
    for name in ("intensities", "cells"):
        pd.testing.assert_frame_equal(own[name], pipeline[name], check_exact=True)
    log = (runs / "logs" / "masks" / "own_cells.log").read_text()
    assert "cell_labels given, so the cytoplasm is each cell minus its nucleus" in log


def test_own_nuclei_with_rings_give_the_pipelines_ring_measures(runs):
    runs, _ = runs
    own, pipeline = tables(runs, "own_nuclei"), tables(runs, "pipeline_ring")
    for name in ("intensities", "cells"):
        pd.testing.assert_frame_equal(own[name], pipeline[name], check_exact=True)
    qc = pd.read_parquet(runs / "results" / "own_nuclei" / "qc.parquet")
    assert qc["threshold"].isna().all() and (qc["objects"] > 0).all()


def test_own_labels_are_inputs_of_the_masks_rule(runs):
    """Changing a label image reruns the masks of its sample only."""
    runs, _ = runs
    series = runs / "labels" / "cells_t5.tif"
    labels = tifffile.imread(series)
    labels[0, 0] = labels.max() + 1  # a new one-pixel cell
    tifffile.imwrite(series, labels)
    result = run_snakemake(runs, "-n", "--cores", "1", "--configfile", config_file(runs, runs / "good.tsv"))
    assert re.search(r"^masks\s+1$", result.stdout, re.M), result.stdout[-2000:]


def test_a_cell_channel_series_grows_the_cells(runs):
    """The cell channel, a series of files copying the POI, gives the cells grown on the POI; a
    sample without one fails with one sentence when masks.cell_channel asks for it."""
    runs, (first_run, _) = runs
    stack = read_movie(runs / "results" / "pipeline_cells" / "metadata.json")
    segment_stack(stack, runs / "n.npy", runs / "c.npy", MaskParams(cytoplasm="cell"), TrackParams())
    np.testing.assert_array_equal(
        np.load(runs / "results" / "pipeline_cells" / "cytoplasm.npy"), np.load(runs / "c.npy")
    )
    message = (
        "sample 'no_cell_channel': masks.cell_channel is 'cell' but the sample sheet names no cell channel "
        "(a 'cell' file, or 'cell_channel' of 'image')."
    )
    assert f"masks: ERROR: {message}" in first_run.stderr
    assert message in (REPO / "docs" / "errors.md").read_text().replace("<sample>", "no_cell_channel")
    assert not (runs / "results" / "no_cell_channel" / "nuclei.npy").exists()


def test_label_images_that_do_not_fit_fail_with_one_sentence(runs):
    runs, (_, result) = runs
    assert result.returncode != 0
    errors = (REPO / "docs" / "errors.md").read_text()
    for name, (_, template) in BAD_LABELS.items():
        assert template in errors, template
        text = re.escape(template.replace("<sample>", name).replace("<file>", f"labels/{name}.tif"))
        pattern = re.compile(text.replace("<n>", r"-?\d+") + "$", re.M)
        assert re.search(r"masks: ERROR: " + pattern.pattern, result.stderr, re.M), result.stderr[-3000:]
        log = (runs / "logs" / "masks" / f"{name}.log").read_text()
        assert pattern.search(log) and "Traceback" not in log
        assert not (runs / "results" / name / "nuclei.npy").exists()
    for good in ("own_cells", "own_nuclei", "pipeline_ring"):
        assert (runs / "results" / good / "qc.html").is_file(), "bad samples do not stop good ones"


def test_a_pattern_that_matches_no_file_stops_the_run_before_any_job(runs):
    runs, _ = runs
    sheet = write_sheet(
        runs / "nothing.tsv", [{"sample": "x", "poi": "poi.tif", "nucleus": "marker.tif", "cell_labels": "gone/*.tif"}]
    )
    result = run_snakemake(runs, "-n", "--configfile", config_file(runs, sheet), check=False)
    assert result.returncode != 0
    assert f"sample sheet {sheet}, sample 'x': cell_labels gone/*.tif matches no file." in result.stdout + result.stderr
