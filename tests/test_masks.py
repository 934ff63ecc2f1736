"""Masks equal the classic method: Otsu on the raw marker, disk dilations, expand_labels owners."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import tifffile
from skimage.filters import threshold_otsu
from skimage.measure import label
from skimage.morphology import dilation, disk
from skimage.segmentation import expand_labels

from conftest import KTR
from nucleocyto.config import MaskParams
from nucleocyto.io.mask_sources import open_labels
from nucleocyto.measure.qc import saturated_fraction
from nucleocyto.segment.compaction import MAX_KEPT_FRACTION, occupied_region
from nucleocyto.segment.labels import Canvas, labelled_pixels
from nucleocyto.segment.nuclei import connected_objects, level_counts, mask_labels, nucleus_labels, threshold_value
from nucleocyto.segment.rings import drop_ring_contacts, ring_labels
from nucleocyto.steps.masks import NO_SOURCES, MaskSources, _ring_region, segment_frame


def classic_ring(nuclei: np.ndarray, inner: int, outer: int) -> np.ndarray:
    """Ring of the union of nuclei (dilation XOR), each pixel owned as expand_labels assigns it."""
    mask = nuclei > 0
    ring = dilation(mask, disk(outer)) ^ dilation(mask, disk(inner))
    return np.where(ring, expand_labels(nuclei, outer), 0)


def random_nuclei(seed: int, shape=(64, 80)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    blobs = np.zeros(shape, bool)
    for _ in range(rng.integers(1, 7)):
        y, x, r = rng.integers(0, shape[0]), rng.integers(0, shape[1]), rng.integers(1, 9)
        yy, xx = np.ogrid[: shape[0], : shape[1]]
        blobs |= (yy - y) ** 2 + (xx - x) ** 2 <= r * r
    blobs[rng.random(shape) < 0.002] = True  # single-pixel objects
    return label(blobs).astype(np.int32)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("radii", [(3, 5), (0, 2), (1, 8)])
def test_ring_equals_classic_on_random_nuclei(seed, radii):
    nuclei = random_nuclei(seed)
    np.testing.assert_array_equal(ring_labels(nuclei, *radii), classic_ring(nuclei, *radii))


@pytest.mark.parametrize("gap", range(8, 16))
@pytest.mark.parametrize("radii", [(3, 5), (1, 4)])
def test_ring_of_bands_of_nuclei_with_empty_rows_between_equals_classic(gap, radii):
    rng = np.random.default_rng(gap)
    nuclei = np.zeros((160, 50), np.int32)
    top = 2
    for band in range(1, 6):  # bands of nuclei, ``gap`` empty rows apart
        height = int(rng.integers(1, 9))
        for left in range(2, 46, 11):
            nuclei[top : top + height, left : left + int(rng.integers(1, 9))] = band * 10 + left
        top += height + gap
    np.testing.assert_array_equal(ring_labels(nuclei, *radii), classic_ring(nuclei, *radii))


def test_ring_of_nothing_is_empty():
    assert not ring_labels(np.zeros((10, 10), np.int32)).any()


def test_ring_at_image_border():
    nuclei = np.zeros((20, 20), np.int32)
    nuclei[0:3, 0:3] = 1
    np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


def test_nucleus_labels_classic_threshold():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 4000, (50, 60)).astype(np.uint16)
    expected = label(frame > threshold_otsu(frame))
    np.testing.assert_array_equal(nucleus_labels(frame), expected)


@pytest.mark.parametrize("seed", range(12))
def test_objects_labelled_row_by_row_equal_skimage_label(seed):
    rng = np.random.default_rng(seed)
    mask = random_nuclei(seed, (96, 40)) > 0
    mask[rng.integers(0, 96, 30)] = False  # empty rows, some single ones between objects
    if seed % 3 == 0:
        mask[-1, rng.integers(0, 40, 5)] = True  # objects on the last row
    if seed % 4 == 0:
        mask[rng.integers(0, 96, 60), rng.integers(0, 40, 60)] = True  # most rows occupied
    np.testing.assert_array_equal(connected_objects(mask), label(mask))


@pytest.mark.parametrize("dtype, high", [(np.uint8, 255), (np.uint16, 65_535), (np.uint16, 300)])
def test_otsu_and_saturation_from_level_counts_equal_the_image_routes(dtype, high):
    rng = np.random.default_rng(high)
    frame = rng.integers(3, high, (70, 50)).astype(dtype)  # below high
    frame[:4, :4] = high
    counts = level_counts(frame)
    assert threshold_value(frame, "otsu", counts) == threshold_otsu(frame)
    assert saturated_fraction(frame, counts) == saturated_fraction(frame) == 16 / frame.size
    assert level_counts(frame.astype(np.int16)) is None and level_counts(frame.astype(np.float32)) is None


def test_constant_frame_has_no_nucleus():
    assert not nucleus_labels(np.full((8, 8), 7, np.uint16)).any()


def test_real_frames_equal_classic(real_movie):
    marker = tifffile.imread(real_movie[1])
    for frame in marker[::7]:
        nuclei = nucleus_labels(frame)
        np.testing.assert_array_equal(nuclei > 0, frame > threshold_otsu(frame))
        np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


@pytest.mark.parametrize("time_point", [1, 14, 27])
def test_real_crowded_field_rings_equal_classic(time_point):
    """Touching nuclei of the real KTR field: most rings are shared between neighbours."""
    path = KTR / f"KTR_nucleus{time_point:04d}.tif"
    if not path.is_file():
        pytest.skip(f"real crowded field not found in {KTR} (it lives in the shared data folder beside the repo)")
    nuclei = nucleus_labels(tifffile.imread(path))
    np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


def dense_nuclei(seed: int, shape=(48, 56)) -> np.ndarray:
    """Many small nuclei a few pixels apart, so ring pixels are often equidistant from two."""
    rng = np.random.default_rng(seed)
    nuclei = np.zeros(shape, np.int32)
    step = int(rng.integers(4, 12))
    for k, (y, x) in enumerate((y, x) for y in range(1, shape[0], step) for x in range(1, shape[1], step)):
        h, w = rng.integers(1, 4, 2)
        nuclei[y : y + h, x : x + w] = k + 1
    return nuclei


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("radii", [(3, 5), (0, 1), (2, 7)])
def test_ring_equals_classic_on_dense_nuclei(seed, radii):
    nuclei = dense_nuclei(seed)
    np.testing.assert_array_equal(ring_labels(nuclei, *radii), classic_ring(nuclei, *radii))


@pytest.mark.parametrize("gap", range(1, 13))
def test_ring_ties_between_neighbours(gap):
    """Two nuclei `gap` pixels apart, side by side and diagonally: the pixels halfway between
    them are equidistant, and must go to the nucleus the classic transform picks."""
    nuclei = np.zeros((40, 40), np.int32)
    nuclei[10:20, 5:10] = 1
    nuclei[10:20, 10 + gap : 15 + gap] = 2
    nuclei[25:28, 5:8] = 3
    nuclei[28 + gap : 31 + gap, 8 + gap : 11 + gap] = 4
    np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_ring_of_nuclei_touching_every_border(corner):
    nuclei = np.zeros((30, 25), np.int32)
    rows = slice(0, 4) if corner.startswith("top") else slice(26, 30)
    cols = slice(0, 3) if corner.endswith("left") else slice(22, 25)
    nuclei[rows, cols] = 1
    nuclei[12:15, 0:25] = 2  # spans the frame from left to right
    nuclei[0:30, 11] = 3  # one-pixel column from top to bottom, crossing nucleus 2
    np.testing.assert_array_equal(ring_labels(nuclei, 2, 6), classic_ring(nuclei, 2, 6))


@pytest.mark.parametrize("shape", [(1, 30), (30, 1), (1, 1), (7, 200)])
def test_ring_on_thin_frames(shape):
    nuclei = np.zeros(shape, np.int32)
    nuclei.flat[:: max(nuclei.size // 3, 1)] = np.arange(1, len(nuclei.flat[:: max(nuclei.size // 3, 1)]) + 1)
    np.testing.assert_array_equal(ring_labels(nuclei, 1, 4), classic_ring(nuclei, 1, 4))


def test_ring_when_nuclei_fill_the_frame():
    nuclei = np.ones((12, 12), np.int32)
    nuclei[6:, :] = 2
    assert not ring_labels(nuclei).any()


def test_ring_far_apart_nuclei_in_a_large_frame():
    """Distant nuclei have reaches of their own; they and their rings must not interact."""
    nuclei = np.zeros((300, 400), np.int32)
    for k, (y, x) in enumerate([(5, 5), (5, 390), (150, 200), (294, 10), (295, 395), (150, 212)]):
        nuclei[y - 4 : y + 4, x - 3 : x + 5] = k + 1
    np.testing.assert_array_equal(ring_labels(nuclei), classic_ring(nuclei, 3, 5))


def test_feature_transform_breaks_ties_by_column_then_row():
    """The rule `ring_labels` relies on to resolve owners in windows: among the nucleus pixels
    nearest to a pixel, scipy's transform (as used by expand_labels) returns the one with the
    smallest column, then the smallest row."""
    from scipy import ndimage

    rng = np.random.default_rng(7)
    ties = 0
    for _ in range(150):
        features = rng.random(tuple(rng.integers(3, 16, 2))) < rng.choice([0.03, 0.1, 0.3])
        if not features.any():
            continue
        _, (rows, cols) = ndimage.distance_transform_edt(~features, return_indices=True)
        fy, fx = np.nonzero(features)
        for (y, x), row, col in zip(np.ndindex(features.shape), rows.ravel(), cols.ravel()):
            d2 = (fy - y) ** 2 + (fx - x) ** 2
            nearest = sorted(zip(fx[d2 == d2.min()], fy[d2 == d2.min()]))
            ties += len(nearest) > 1
            assert (col, row) == nearest[0]
    assert ties > 100


def test_a_canvas_painted_again_holds_only_the_last_pixels():
    canvas = Canvas((300, 300))
    for seed in range(4):
        nuclei = random_nuclei(seed, (300, 300))
        lookup = np.arange(nuclei.max() + 1, dtype=np.uint8 if seed < 2 else np.uint16) * 3
        np.testing.assert_array_equal(canvas.paint(labelled_pixels(nuclei), lookup), lookup[nuclei])


@pytest.mark.parametrize("seed", range(6))
def test_labelled_pixels_pickle_as_runs_and_come_back_the_same(seed):
    nuclei = random_nuclei(seed, (300, 300))
    if seed % 2:
        nuclei[:, -1] = nuclei[:, 0] = 7  # runs that go on from the end of one row into the next
    if seed == 4:
        nuclei = nuclei.astype(np.int64) * 300  # labels beyond uint8
    pixels = labelled_pixels(nuclei)
    payload = pickle.dumps(pixels)
    back = pickle.loads(payload)
    assert back.index.dtype == back.labels.dtype == np.intp
    np.testing.assert_array_equal(back.index, pixels.index)
    np.testing.assert_array_equal(back.labels, pixels.labels)
    empty = pickle.loads(pickle.dumps(labelled_pixels(np.zeros((5, 5), np.int32))))
    assert empty.index.size == empty.labels.size == 0


def test_labelled_pixels_of_cell_sized_objects_pickle_in_a_fraction_of_their_bytes():
    yy, xx = np.ogrid[:400, :400]
    nuclei = np.zeros((400, 400), np.int32)
    for k, (y, x) in enumerate([(60, 60), (60, 200), (200, 130), (330, 300)], 1):
        nuclei[(yy - y) ** 2 + (xx - x) ** 2 <= 30**2] = k
    pixels = labelled_pixels(nuclei)
    assert len(pickle.dumps(pixels)) < (pixels.index.nbytes + pixels.labels.nbytes) / 20


# --- sparse frames: only the occupied rows and columns are computed ---------------------------


def sparse_nuclei(seed: int, shape=(180, 240), n: int = 6) -> np.ndarray:
    """A few small nuclei far apart on a large frame, some in pairs a few pixels apart, some on
    the border: most rows and columns are empty, and the gaps between occupied ones vary."""
    rng = np.random.default_rng(seed)
    nuclei = np.zeros(shape, np.int32)
    for k in range(1, n + 1):
        h, w = rng.integers(1, 9, 2)
        y, x = rng.integers(0, shape[0] - h + 1), rng.integers(0, shape[1] - w + 1)
        nuclei[y : y + h, x : x + w] = k
        if k % 3 == 0:  # a neighbour, gap 1..12 px to the right
            x2 = min(x + w + int(rng.integers(1, 13)), shape[1] - 2)
            nuclei[y : y + h, x2 : x2 + 2] = k + n
    return nuclei


def brute_force_kept(occupied: np.ndarray, margin: int) -> np.ndarray:
    where = np.flatnonzero(occupied)
    return np.array([i for i in range(occupied.size) if where.size and np.abs(where - i).min() <= margin], np.intp)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("margin", [1, 4, 6])
def test_kept_rows_and_columns_are_those_within_the_margin(seed, margin):
    nuclei = sparse_nuclei(seed)
    mask = nuclei > 0
    region = occupied_region(mask, margin)
    assert region is not None
    np.testing.assert_array_equal(region.rows, brute_force_kept(mask.any(axis=1), margin))
    np.testing.assert_array_equal(region.cols, brute_force_kept(mask.any(axis=0), margin))
    placed = region.frame_pixels(labelled_pixels(region.cut(nuclei)), nuclei.shape[1])
    expected = labelled_pixels(nuclei)
    np.testing.assert_array_equal(placed.index, expected.index)
    np.testing.assert_array_equal(placed.labels, expected.labels)


def test_no_region_for_an_empty_or_a_full_mask():
    assert occupied_region(np.zeros((40, 50), bool), 3) is None
    full = np.zeros((40, 50), bool)
    full[::4, ::4] = True  # every row and column within the margin of a mask pixel
    assert occupied_region(full, 3) is None
    assert occupied_region(np.ones((1, 1), bool), 6) is None


def frame_masks(mask: np.ndarray, params: MaskParams) -> tuple[np.ndarray, np.ndarray]:
    """The nucleus and cytoplasm label images :func:`segment_frame` makes of a frame whose marker
    is bright exactly on ``mask``, painted from the labelled pixels it returns."""
    marker = np.where(mask, 1000, 100).astype(np.uint16)
    masks = segment_frame(np.stack([marker // 2, marker]), 0, params)
    lookup = np.arange(int(masks.objects.ids.max(initial=0)) + 1)
    return Canvas(mask.shape).paint(masks.objects.pixels, lookup), Canvas(mask.shape).paint(masks.cytoplasm, lookup)


def assert_compacted(mask: np.ndarray, params: MaskParams) -> None:
    """The frame's nuclei and rings are computed on its occupied part, not the whole frame."""
    assert _ring_region(mask, params, NO_SOURCES) is not None


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.parametrize("radii", [(3, 5), (1, 8), (0, 2)])
def test_masks_of_a_sparse_frame_equal_classic(seed, radii):
    rng = np.random.default_rng(seed)
    mask = sparse_nuclei(seed, (360, 480), n=10) > 0
    mask[rng.integers(0, 360, 8), rng.integers(0, 480, 8)] = True  # single pixels, some diagonal neighbours
    y, x = rng.integers(0, 359, 3), rng.integers(0, 479, 3)
    mask[y, x] = mask[y + 1, x + 1] = True  # diagonal pairs: one object
    params = MaskParams(ring_inner_px=radii[0], ring_outer_px=radii[1])
    assert_compacted(mask, params)
    nuclei, rings = frame_masks(mask, params)
    np.testing.assert_array_equal(nuclei, label(mask))
    np.testing.assert_array_equal(rings, classic_ring(label(mask), *radii))


@pytest.mark.parametrize("gap", range(9, 16))
def test_rings_of_nuclei_just_beyond_each_others_reach_equal_classic(gap):
    """Two nuclei ``gap`` px apart on both axes: their dilations touch, meet or stay apart, and
    the rows and columns between them are cut or kept."""
    mask = np.zeros((120, 150), bool)
    mask[20:23, 30:34] = True
    mask[23 + gap : 26 + gap, 34 + gap : 38 + gap] = True
    mask[100:103, 130:134] = True
    assert_compacted(mask, MaskParams())
    nuclei, rings = frame_masks(mask, MaskParams())
    np.testing.assert_array_equal(rings, classic_ring(label(mask), 3, 5))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("width", [2, 4])
def test_ring_contacts_dropped_on_a_sparse_frame_as_on_the_whole_frame(seed, width):
    mask = sparse_nuclei(seed, (360, 480), n=12) > 0
    params = MaskParams(ring_contact_px=width)
    assert_compacted(mask, params)
    nuclei, rings = frame_masks(mask, params)
    whole = label(mask).astype(np.int32)
    np.testing.assert_array_equal(rings, drop_ring_contacts(whole, ring_labels(whole), width))


@pytest.mark.parametrize("option", [{"clear_border": True}, {"split_touching": True}, {"min_area_px": 9}])
def test_nuclei_of_a_sparse_frame_with_labelling_options_equal_the_whole_frames(option):
    """Border clearing and splitting label the whole frame, then only its occupied part gets rings."""
    mask = np.zeros((360, 480), bool)
    for seed in range(2):
        mask |= sparse_nuclei(seed, (360, 480)) > 0
    mask[0:6, 100:104] = True  # on the border
    mask[60:70, 60:70] = mask[66:76, 68:78] = True  # two touching squares
    params = MaskParams(**option)
    assert _ring_region(mask, params, NO_SOURCES) is not None
    nuclei, rings = frame_masks(mask, params)
    whole = mask_labels(mask, params)
    np.testing.assert_array_equal(nuclei, whole)
    np.testing.assert_array_equal(rings, classic_ring(whole, 3, 5))


def test_given_nucleus_labels_of_a_sparse_frame_get_the_whole_frames_rings(tmp_path):
    """Label images made elsewhere (any ids, a real TIFF) take the same cut as thresholded nuclei."""
    nuclei = (sparse_nuclei(3, (360, 480), n=10) * 7).astype(np.uint16)
    path = tmp_path / "nuclei.tif"
    tifffile.imwrite(path, nuclei[None])
    with open_labels("s", "nucleus_labels", [path], (1, 360, 480)) as given:
        sources = MaskSources(nucleus_labels=given)
        assert _ring_region(nuclei != 0, MaskParams(), sources) is not None
        masks = segment_frame(np.zeros((2, 360, 480), np.uint16), 0, MaskParams(), sources)
    lookup = np.arange(int(nuclei.max()) + 1)
    np.testing.assert_array_equal(Canvas(nuclei.shape).paint(masks.objects.pixels, lookup), nuclei)
    expected = classic_ring(nuclei.astype(np.int32), 3, 5)
    np.testing.assert_array_equal(Canvas(nuclei.shape).paint(masks.cytoplasm, lookup), expected)


def test_the_kept_fraction_bounds_the_compaction():
    """Every row occupied; columns every 10 px keep 29 of 100 (compacted), every 4 px 3 in 4 (not)."""
    mask = np.zeros((100, 100), bool)
    mask[:, ::10] = True
    region = occupied_region(mask, 1)
    assert region is not None and region.rows.size * region.cols.size == 29 * 100 <= MAX_KEPT_FRACTION * mask.size
    mask[:, ::4] = True
    assert MAX_KEPT_FRACTION < 0.75 and occupied_region(mask, 1) is None
