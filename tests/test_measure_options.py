"""Background subtraction and the per-cell N/C table, against values computed directly."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from nucleocyto.config import BackgroundParams
from nucleocyto.io.stacks import STORED_LABEL_DTYPES
from nucleocyto.measure.cells import cell_table, pooled_means
from nucleocyto.measure.intensities import COLUMNS, measure_frame
from nucleocyto.segment.nuclei import nucleus_labels
from nucleocyto.segment.rings import ring_labels
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import Optics, grid_cells, render_movie

SHAPE = (90, 120)
OPTICS = Optics()


@pytest.fixture(scope="module")
def movie():
    """Four well separated cells on a camera background of ``OPTICS.background``, with labels."""
    cells = grid_cells(4, SHAPE, seed=7, shuttle=0.6, cell_radius_px=15.0)
    poi, marker, truth = render_movie(cells, 12, SHAPE, OPTICS, seed=7)
    stack = np.stack([poi, marker], axis=1)
    nuclei = np.stack([nucleus_labels(frame) for frame in marker])
    cytoplasm = np.stack([ring_labels(frame) for frame in nuclei])
    return stack, nuclei, cytoplasm, truth


def test_default_subtracts_nothing(movie):
    stack, nuclei, cytoplasm, _ = movie
    table = pd.DataFrame(measure_frame(stack[0], nuclei[0], cytoplasm[0]))
    assert (table["background"] == 0).all()
    row = table.query("cell_id == 2 and region == 'cytoplasm' and channel == 'poi'").iloc[0]
    values = stack[0, 0][cytoplasm[0] == 2]
    assert row["mean"] == values.mean() and row["sum"] == values.sum() and row["median"] == np.median(values)


def test_table_order_and_types_whatever_the_label_type(movie):
    """Rows sorted by frame, cell, region and channel, with the documented types, for every
    label stack dtype alike; a frame without nuclei keeps its place."""
    stack, nuclei, cytoplasm, _ = movie
    nuclei, cytoplasm = nuclei.copy(), cytoplasm.copy()
    nuclei[3], cytoplasm[3] = 0, 0
    tables = [
        measure_stack(stack, nuclei.astype(t), cytoplasm.astype(t), "s", 30.0).intensities for t in STORED_LABEL_DTYPES
    ]
    table = tables[0]
    for other in tables[1:]:
        pd.testing.assert_frame_equal(table, other)
    ordered = table.sort_values(["frame", "cell_id", "region", "channel"], kind="stable", ignore_index=True)
    pd.testing.assert_frame_equal(table, ordered)
    types = {
        "sample": "str",
        "frame": "int64",
        "cell_id": "int64",
        "region": "str",
        "channel": "str",
        "area_px": "int64",
        "mask_empty": "bool",
    }
    assert table.dtypes.astype(str).to_dict() == {name: types.get(name, "float64") for name in COLUMNS}
    blank = table[table["frame"] == 3]
    assert len(blank) == 4 and (blank["cell_id"] == 0).all() and blank["mask_empty"].all()
    assert table.loc[table["frame"] != 3, "cell_id"].min() > 0 and len(table) == 11 * 4 * 4 + 4


def test_fixed_background(movie):
    stack, nuclei, cytoplasm, _ = movie
    raw = pd.DataFrame(measure_frame(stack[0], nuclei[0], cytoplasm[0]))
    fixed = BackgroundParams(method="fixed", fixed={"poi": 90.0, "marker": 40.0})
    table = pd.DataFrame(measure_frame(stack[0], nuclei[0], cytoplasm[0], fixed))
    level = table["channel"].map({"poi": 90.0, "marker": 40.0})
    np.testing.assert_array_equal(table["background"], level)
    np.testing.assert_allclose(table["mean"], raw["mean"] - level, rtol=1e-12)
    np.testing.assert_allclose(table["median"], raw["median"] - level, rtol=1e-12)
    np.testing.assert_allclose(table["sum"], raw["sum"] - level * raw["area_px"], rtol=1e-12)
    np.testing.assert_array_equal(table["std"], raw["std"])


def test_median_outside_finds_the_camera_background(movie):
    stack, nuclei, cytoplasm, _ = movie
    params = BackgroundParams(method="median_outside", dilate_px=8)
    for t in (0, 11):
        table = pd.DataFrame(measure_frame(stack[t], nuclei[t], cytoplasm[t], params))
        levels = table.groupby("channel")["background"].agg(["min", "max"])
        assert (levels["min"] == levels["max"]).all(), "one value per frame and channel"
        np.testing.assert_allclose(levels["min"], OPTICS.background, atol=1.0)


def test_background_subtraction_recovers_the_true_nc_ratio(movie):
    """The true N/C ratio is the ratio of the levels above the camera background; raw means
    squeeze it towards 1, subtracted means recover it."""
    stack, nuclei, cytoplasm, truth = movie
    centre = nuclei[truth["frame"], truth["y"].round().astype(int), truth["x"].round().astype(int)]
    truth = truth.assign(cell_id=centre, ratio=truth["nucleus_poi"] / truth["cytoplasm_poi"])
    errors = {}
    for method in ("none", "median_outside"):
        table = measure_stack(
            stack, nuclei, cytoplasm, "s", 30.0, BackgroundParams(method=method, dilate_px=8)
        ).intensities
        cells = cell_table(table)
        cells = cells[cells["cell_id"] > 0].merge(truth, on=["frame", "cell_id"], validate="one_to_one")
        assert len(cells) == 12 * 4
        errors[method] = np.abs(cells["nc_ratio"] / cells["ratio"] - 1).max()
    assert errors["median_outside"] < 0.1 and errors["none"] > 0.25


def test_no_background_pixel_gives_nan_and_a_warning(movie, caplog):
    stack, nuclei, cytoplasm, _ = movie
    params = BackgroundParams(method="median_outside", dilate_px=200)
    with caplog.at_level(logging.WARNING):
        table = measure_stack(stack[:2], nuclei[:2], cytoplasm[:2], "s", None, params).intensities
    assert table["background"].isna().all() and table["mean"].isna().all()
    assert "no background pixel" in caplog.text


def test_cell_table_ratios(movie):
    stack, nuclei, cytoplasm, _ = movie
    fixed = BackgroundParams(method="fixed", fixed={"poi": 100, "marker": 0})
    table = measure_stack(stack, nuclei, cytoplasm, "s", 30.0, fixed).intensities
    cells = cell_table(table)
    assert len(cells) == 12 * (4 + 1)
    poi = table[table["channel"] == "poi"].set_index(["frame", "cell_id", "region"])
    for row in cells[cells["cell_id"] > 0].itertuples():
        nucleus, cytoplasm = (
            poi.loc[(row.frame, row.cell_id, "nucleus")],
            poi.loc[(row.frame, row.cell_id, "cytoplasm")],
        )
        assert row.poi_nucleus_mean == nucleus["mean"] and row.cytoplasm_area_px == cytoplasm["area_px"]
        assert (
            row.nc_ratio == nucleus["mean"] / cytoplasm["mean"] and row.cn_ratio == cytoplasm["mean"] / nucleus["mean"]
        )
        assert row.poi_background == 100 and row.time_s == row.frame * 30.0
    pooled = pooled_means(table[table["channel"] == "poi"]).pivot(index="frame", columns="region", values="mean")
    zero = cells[cells["cell_id"] == 0].set_index("frame")
    np.testing.assert_allclose(zero["nc_ratio"], pooled["nucleus"] / pooled["cytoplasm"], rtol=1e-12)


def test_ratio_undefined_when_a_mean_is_not_positive(movie):
    stack, nuclei, cytoplasm, _ = movie
    too_much = BackgroundParams(method="fixed", fixed={"poi": 1e6, "marker": 0})
    cells = cell_table(measure_stack(stack[:1], nuclei[:1], cytoplasm[:1], "s", None, too_much).intensities)
    assert (cells["poi_cytoplasm_mean"] < 0).all()
    assert cells[["nc_ratio", "cn_ratio"]].isna().all().all()


def test_empty_frame_has_a_nan_pooled_row(movie):
    stack, nuclei, cytoplasm, _ = movie
    cells = cell_table(
        measure_stack(stack[:1], np.zeros_like(nuclei[:1]), np.zeros_like(cytoplasm[:1]), "s", None).intensities
    )
    assert list(cells["cell_id"]) == [0] and pd.isna(cells["nc_ratio"].iloc[0])
