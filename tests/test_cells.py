"""Whole cells grown from their nuclei: the propagation, its foreground and distance limits, and
cells given as label images made elsewhere."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from nucleocyto.config import MaskParams
from nucleocyto.measure.geometry import frame_geometry
from nucleocyto.segment.cells import cell_labels, cells_from_labels, cytoplasm_labels, propagate
from nucleocyto.segment.labels import labelled_pixels

SHAPE = (40, 80)


def two_nuclei() -> np.ndarray:
    """Nuclei 1 and 2: 5 × 5 squares centred on (20, 20) and (20, 60)."""
    nuclei = np.zeros(SHAPE, np.int32)
    nuclei[18:23, 18:23] = 1
    nuclei[18:23, 58:63] = 2
    return nuclei


def test_uniform_cost_gives_each_pixel_to_the_nearest_seed():
    nuclei = two_nuclei()
    cells = propagate(nuclei, np.ones(SHAPE, bool), np.ones(SHAPE))
    assert (cells[:, :39] == 1).all() and (cells[:, 42:] == 2).all()
    assert set(np.unique(cells[:, 39:42])) <= {1, 2}
    np.testing.assert_array_equal(cells[nuclei > 0], nuclei[nuclei > 0])


def test_only_passable_pixels_connected_to_a_seed_are_given():
    nuclei = two_nuclei()
    passable = np.ones(SHAPE, bool)
    passable[:, 30] = False  # a wall between the nuclei: each keeps its side, nearer or not
    passable[:, 2] = False  # an island (columns 0-1) that no seed reaches
    cells = propagate(nuclei, passable, np.ones(SHAPE))
    assert (cells[:, :3] == 0).all() and (cells[:, 30] == 0).all()
    assert (cells[:, 3:30] == 1).all() and (cells[:, 31:] == 2).all()


def test_a_border_follows_the_intensity_step_when_the_regularization_is_small():
    """Two cells of different brightness meet at column 30, nearer nucleus 1 than halfway: with a
    small regularization the border is the step, with a large one the midline."""
    nuclei = two_nuclei()
    channel = np.where(np.arange(SHAPE[1]) < 30, 400.0, 900.0) * np.ones(SHAPE)
    step = MaskParams(cell_threshold=100, cell_smooth_sigma_px=0, cell_regularization=0.001)
    cells, threshold = cell_labels(nuclei, channel, step)
    assert threshold == 100
    assert (cells[:, 25:29] == 1).all() and (cells[:, 31:37] == 2).all()
    midline, _ = cell_labels(nuclei, channel, MaskParams(cell_threshold=100, cell_regularization=100.0))
    assert (midline[:, 31:39] == 1).all()


def test_foreground_and_maximum_distance_bound_the_cells():
    nuclei = two_nuclei()
    channel = np.full(SHAPE, 100.0)
    channel[10:31, 10:31] = 600.0  # cell body of nucleus 1; nucleus 2 has none above the threshold
    channel[nuclei == 2] = 600.0
    params = MaskParams(cell_threshold=300, cell_smooth_sigma_px=0, cell_max_distance_px=4)
    cells, _ = cell_labels(nuclei, channel, params)
    distance = ndimage.distance_transform_edt(nuclei != 1)
    np.testing.assert_array_equal(cells == 1, (distance <= 4) & (channel > 300) | (nuclei == 1))
    np.testing.assert_array_equal(cells == 2, nuclei == 2)


def test_small_nuclei_seed_no_cell_but_keep_their_pixels_out_of_the_cytoplasm():
    nuclei = two_nuclei()
    nuclei[5, 40] = 3  # a one-pixel speck
    params = MaskParams(cell_threshold=0, cell_smooth_sigma_px=0)
    cells, _ = cell_labels(nuclei, np.full(SHAPE, 500.0) + np.arange(SHAPE[1]), params, min_seed_area_px=2)
    assert 3 not in cells
    cytoplasm = cytoplasm_labels(cells, nuclei)
    assert cytoplasm[5, 40] == 0 and not (cytoplasm[nuclei > 0]).any()
    assert set(np.unique(cytoplasm)) == {0, 1, 2}


def test_a_constant_frame_gives_cells_that_are_their_nuclei():
    nuclei = two_nuclei()
    cells, threshold = cell_labels(nuclei, np.full(SHAPE, 7.0), MaskParams())
    assert np.isnan(threshold)
    np.testing.assert_array_equal(cells, nuclei)


@pytest.mark.parametrize("offset", [0, 1000])
def test_given_cell_labels_pair_with_the_nuclei_they_hold(offset):
    """Cell ids of any value: a cell with one nucleus is its cell, one with two is shared by
    nearness, one without a nucleus is dropped, a nucleus outside every cell has no cytoplasm."""
    nuclei = two_nuclei()
    nuclei[30:33, 40:43] = 3  # outside every given cell
    nuclei[3:6, 3:6] = 4  # shares the left cell with nucleus 1
    given = np.zeros(SHAPE, np.int64)
    given[:28, :40] = offset + 7
    given[:28, 40:75] = offset + 9
    given[34:, :] = offset + 11  # holds no nucleus
    cells = cells_from_labels(nuclei, given)
    assert set(np.unique(cells)) == {0, 1, 2, 3, 4}
    np.testing.assert_array_equal(cells[:28, 40:75], np.full((28, 35), 2))
    assert (cells[34:] == 0).all()
    np.testing.assert_array_equal(cells == 3, nuclei == 3)
    assert cells[25, 30] == 1 and cells[1, 1] == 4
    assert ((cells == 1) | (cells == 4)).sum() == 28 * 40


def test_geometry_gives_nucleus_centroids_and_cells_on_the_border():
    nuclei = two_nuclei()
    nuclei[0:3, 70:75] = 5  # a nucleus on the top edge
    cytoplasm = np.zeros(SHAPE, np.int32)
    cytoplasm[10:30, 50:80] = 2  # nucleus 2's cytoplasm reaches the right edge
    cytoplasm[nuclei > 0] = 0
    geometry = frame_geometry(nuclei, cytoplasm, labelled_pixels(nuclei))
    assert geometry["cell_id"].tolist() == [1, 2, 5]
    np.testing.assert_allclose(geometry["centroid_y_px"], [20, 20, 1])
    np.testing.assert_allclose(geometry["centroid_x_px"], [20, 60, 72])
    assert geometry["touches_border"].tolist() == [False, True, True]
