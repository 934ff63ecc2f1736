"""Tracking: optimal linking of per-frame nuclei, new ids for new cells, gaps, displacement limit."""

from __future__ import annotations

import numpy as np
import pytest
import tifffile
from scipy.optimize import linear_sum_assignment

from nucleocyto.config import MaskParams, TrackParams
from nucleocyto.segment.labels import labelled_pixels
from nucleocyto.segment.tracking import Tracker, _assign, frame_objects
from nucleocyto.steps.masks import segment_stack

SHAPE = (40, 60)


def disks(*centres: tuple[float, float], radius: float = 3.0) -> np.ndarray:
    """Label image with one disk per centre, labelled 1..n in the given order."""
    yy, xx = np.mgrid[: SHAPE[0], : SHAPE[1]]
    labels = np.zeros(SHAPE, np.int32)
    for k, (y, x) in enumerate(centres, start=1):
        labels[(yy - y) ** 2 + (xx - x) ** 2 <= radius**2] = k
    return labels


def relabel(tracker: Tracker, labels: np.ndarray) -> np.ndarray:
    """The next frame's labels relabelled with the track ids the tracker gives them."""
    return tracker.link(frame_objects(labelled_pixels(labels), labels.shape))[labels].astype(labels.dtype)


def id_at(labels: np.ndarray, y: float, x: float) -> int:
    return int(labels[round(y), round(x)])


METHODS = ["overlap", "centroid"]


def test_none_keeps_per_frame_labels():
    tracker = Tracker(TrackParams(method="none"))
    frames = [disks((10, 10), (10, 40)), disks((10, 40))]
    for frame in frames:
        np.testing.assert_array_equal(relabel(tracker, frame), frame)


@pytest.mark.parametrize("method", METHODS)
def test_ids_follow_cells_whose_raster_order_changes(method):
    """Two cells swap raster order as they move; each keeps its first-frame id."""
    tracker = Tracker(TrackParams(method=method, max_displacement_px=5))
    a, b = (10.0, 15.0), (13.0, 40.0)
    first = relabel(tracker, disks(a, b))
    assert id_at(first, *a) == 1 and id_at(first, *b) == 2
    a, b = (a[0] + 2, a[1] + 1), (b[0] - 2, b[1] - 1)  # b is now above a: per-frame labels swap
    frame = disks(b, a)
    assert id_at(frame, *a) == 2
    second = relabel(tracker, frame)
    assert id_at(second, *a) == 1 and id_at(second, *b) == 2
    assert set(np.unique(second)) == {0, 1, 2}


@pytest.mark.parametrize("method", METHODS)
def test_appearing_cell_gets_a_new_id(method):
    tracker = Tracker(TrackParams(method=method))
    relabel(tracker, disks((10, 10), (30, 50)))
    second = relabel(tracker, disks((10, 30), (10, 11), (30, 50)))  # new cell first in raster order
    assert id_at(second, 10, 11) == 1 and id_at(second, 30, 50) == 2 and id_at(second, 10, 30) == 3
    assert tracker.n_tracks == 3


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("gap, same", [(1, True), (0, False)])
def test_a_short_gap_is_bridged(method, gap, same):
    tracker = Tracker(TrackParams(method=method, max_displacement_px=3, max_gap_frames=gap))
    relabel(tracker, disks((10, 10), (30, 50)))
    relabel(tracker, disks((30, 50)))  # the first cell is missed in this frame
    third = relabel(tracker, disks((11, 11), (30, 50)))
    assert id_at(third, 30, 50) == 2
    assert (id_at(third, 11, 11) == 1) is same


@pytest.mark.parametrize("method", METHODS)
def test_a_gap_longer_than_allowed_starts_a_new_track(method):
    tracker = Tracker(TrackParams(method=method, max_gap_frames=1))
    relabel(tracker, disks((10, 10)))
    relabel(tracker, disks())
    relabel(tracker, disks())
    assert id_at(relabel(tracker, disks((10, 10))), 10, 10) == 2


def test_displacement_above_the_limit_does_not_link():
    tracker = Tracker(TrackParams(method="centroid", max_displacement_px=5))
    relabel(tracker, disks((20, 10)))
    assert id_at(relabel(tracker, disks((20, 16))), 20, 16) == 2
    assert id_at(relabel(tracker, disks((20, 20))), 20, 20) == 2


def test_assignment_is_optimal_not_greedy():
    """Greedy nearest-first would give the object at x=25 to track B (distance 1) and leave
    track A without a partner within 8 px; the optimal assignment links both."""
    tracker = Tracker(TrackParams(method="centroid", max_displacement_px=8))
    relabel(tracker, disks((20, 20), (20, 26), radius=1))  # A at x=20, B at x=26
    second = relabel(tracker, disks((20, 25), (20, 32), radius=1))
    assert id_at(second, 20, 25) == 1 and id_at(second, 20, 32) == 2


@pytest.mark.parametrize("seed", range(30))
def test_assignment_of_disjoint_or_competing_pairs_equals_the_solvers(seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(1, 9, 2)
    cost = rng.random((rows, cols))
    if seed % 2:  # each row and column in at most one allowed pair
        allowed = np.zeros((rows, cols), bool)
        pairs = min(rows, cols)
        allowed[rng.permutation(rows)[:pairs], rng.permutation(cols)[:pairs]] = rng.random(pairs) < 0.7
    else:
        allowed = rng.random((rows, cols)) < 0.4
    solved_rows, solved_cols = linear_sum_assignment(np.where(allowed, cost, 1.0 + cost[allowed].sum()))
    keep = allowed[solved_rows, solved_cols]
    found = _assign(cost, allowed)
    assert sorted(zip(*found)) == sorted(zip(solved_rows[keep], solved_cols[keep]))


def test_overlap_prefers_the_larger_overlap():
    tracker = Tracker(TrackParams(method="overlap", max_displacement_px=10))
    relabel(tracker, disks((20, 20), (20, 29), radius=4))
    # both move right by 3 px: the first now overlaps its old self more than its neighbour's
    second = relabel(tracker, disks((20, 23), (20, 32), radius=4))
    assert id_at(second, 20, 23) == 1 and id_at(second, 20, 32) == 2


def test_tracking_changes_only_ids_on_the_real_movie(real_movie, tmp_path):
    """Same pixels in every nucleus and ring with and without tracking: only the numbers differ,
    one-to-one in each frame, so the classic pooled numbers cannot change."""
    stack = np.stack([tifffile.imread(real_movie[0]), tifffile.imread(real_movie[1])], axis=1)
    outputs = {}
    for method in ("none", "overlap"):
        paths = tmp_path / f"{method}_nuclei.npy", tmp_path / f"{method}_cytoplasm.npy"
        segment_stack(stack, *paths, MaskParams(), TrackParams(method=method))
        outputs[method] = [np.load(path) for path in paths]
    for plain, tracked in zip(outputs["none"], outputs["overlap"]):
        np.testing.assert_array_equal(plain > 0, tracked > 0)
        base = int(tracked.max()) + 1
        for t in range(len(plain)):
            pairs = np.unique(plain[t].astype(np.int64) * base + tracked[t])
            old, new = np.divmod(pairs, base)
            assert len(set(old)) == len(set(new)) == len(pairs), f"frame {t}: not one-to-one"
    nuclei = outputs["overlap"][0]
    main = np.bincount(nuclei[0].ravel())[1:].argmax() + 1
    assert all((frame == main).sum() > 1000 for frame in nuclei), "the nucleus keeps its id all movie long"


def lineage_of(tracker: Tracker) -> dict[int, tuple[int, int, int, int]]:
    """{id: (parent, first frame, last frame, frames)} of every track so far."""
    table = tracker.lineage()
    return {
        int(k): tuple(int(table[c][i]) for c in ("parent_id", "first_frame", "last_frame", "n_frames"))
        for i, k in enumerate(table["cell_id"])
    }


@pytest.mark.parametrize("method", METHODS)
def test_a_division_gives_two_daughters_with_their_mother_as_parent(method):
    tracker = Tracker(TrackParams(method=method))
    relabel(tracker, disks((20, 30), (20, 52), radius=6))
    daughters = relabel(tracker, disks((20, 24), (20, 36), (20, 52), radius=4.2))  # 0.49 of its area each
    third = relabel(tracker, disks((20, 23), (20, 37), (20, 52), radius=4.2))
    assert id_at(daughters, 20, 24) == 3 and id_at(daughters, 20, 36) == 4 and id_at(daughters, 20, 52) == 2
    assert (id_at(third, 20, 23), id_at(third, 20, 37)) == (3, 4)
    assert lineage_of(tracker) == {1: (0, 0, 0, 1), 2: (0, 0, 2, 3), 3: (1, 1, 2, 2), 4: (1, 1, 2, 2)}
    assert tracker.n_divisions == 1


@pytest.mark.parametrize(
    "daughters, why",
    [
        ([(20, 27), (20, 33)], "the two halves touch: one nucleus split by the segmentation"),
        ([(20, 22), (20, 38)], "daughters as large as the mother"),
    ],
)
def test_no_division_without_two_separate_smaller_daughters(daughters, why):
    tracker = Tracker(TrackParams(method="overlap"))
    relabel(tracker, disks((20, 30), radius=6))
    radius = 3.2 if "touch" in why else 6
    relabel(tracker, disks(*daughters, radius=radius))
    assert tracker.n_divisions == 0, why
    assert all(parent == 0 for parent, *_ in lineage_of(tracker).values())


def test_divisions_can_be_turned_off_and_specks_never_divide():
    frames = [disks((20, 30), radius=6), disks((20, 24), (20, 36), radius=4.2)]
    for tracker in (Tracker(TrackParams(divisions=False)), Tracker(TrackParams(), min_cell_area_px=200)):
        for frame in frames:
            relabel(tracker, frame)
        assert tracker.n_divisions == 0
        assert lineage_of(tracker)[1] == (0, 0, 1, 2), "the mother continues as one daughter"


def test_lineage_counts_frames_present_across_a_gap():
    tracker = Tracker(TrackParams(method="overlap", max_gap_frames=1))
    for frame in (disks((10, 10)), disks(), disks((10, 11)), disks((10, 11))):
        relabel(tracker, frame)
    assert lineage_of(tracker) == {1: (0, 0, 3, 3)}
