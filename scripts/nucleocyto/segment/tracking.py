"""Link per-frame nucleus labels into tracks, one frame at a time.

A :class:`Tracker` is fed the objects of each frame in order and returns the track id of each
label, so a movie is tracked while it is segmented and never held in memory. Describing a
frame's objects (:func:`frame_objects`: pixels, areas, centroids) needs that frame only and runs
by the worker processes that segment it; linking runs in frame order. Per frame:

1. the nuclei of the frame are matched to the tracks seen in the previous frame by an optimal
   one-to-one assignment (``scipy.optimize.linear_sum_assignment``), with the cost
   ``1 - IoU`` of the nucleus with the track's last nucleus (``overlap``; only overlapping
   pairs may link) or the distance between centroids (``centroid``). Pairs whose centroids are
   more than ``max_displacement_px`` apart never link. The assignment links as many pairs as
   possible and, among those, minimises the total cost;
2. nuclei still unmatched are matched, the same way, to tracks last seen 2, 3, ...,
   ``max_gap_frames + 1`` frames before (bridging a gap; the displacement limit grows with the
   number of frames elapsed);
3. with ``divisions`` on, a track whose last nucleus gives way to two nuclei that do not touch
   each other, each within the displacement limit of its centroid and with
   ``division_min_area_ratio`` to ``division_max_area_ratio`` of its area (one of them may have
   been linked to it), has divided: it ends, and both daughters start new tracks with it as their
   parent (of several such pairs, the one whose midpoint is nearest the mother's centroid). A
   divided track is never continued. Mother and daughters are nuclei counted as cells (at least
   ``min_cell_area_px``); touching halves are one nucleus split by the segmentation;
4. nuclei left over start new tracks, numbered after the highest id so far in the order of
   their per-frame labels. In the first frame the track ids therefore equal the input labels.

A nucleus that splits into parts outside the division rule keeps its id on one part, the other
part gets a new id; two nuclei that merge continue under one id. :meth:`Tracker.lineage` lists
every track: its parent, first and last frame, and frames present.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from ..config import TrackParams
from .labels import Canvas, LabelledPixels, centroids


@dataclass(frozen=True)
class FrameObjects:
    """The labelled objects of one frame, as tracking needs them.

    Computed by :func:`frame_objects` from the frame alone, so frames can be described on
    worker processes while the tracks are linked in frame order.

    Attributes
    ----------
    pixels : LabelledPixels
        Flat indices (row-major, ascending) of the labelled pixels and their labels.
    ids : (n,) ndarray of int64
        Labels present, ascending.
    area : (n,) ndarray of int64
        Pixels of each object (px).
    centroids : (n, 2) ndarray of float64
        (row, column) centroid of each object (px).
    shape : (int, int)
        (Y, X) size of the frame.
    """

    pixels: LabelledPixels
    ids: np.ndarray
    area: np.ndarray
    centroids: np.ndarray
    shape: tuple[int, int]


def frame_objects(pixels: LabelledPixels, shape: tuple[int, int]) -> FrameObjects:
    """Describe for :class:`Tracker` the objects of a frame of (Y, X) ``shape`` from its labelled
    pixels (:func:`nucleocyto.segment.labels.labelled_pixels` of its label image)."""
    counts = np.bincount(pixels.labels)
    ids = np.flatnonzero(counts)  # labelled pixels only: label 0 is never counted
    return FrameObjects(
        pixels, ids.astype(np.int64), counts[ids].astype(np.int64), centroids(pixels, shape[1], ids), tuple(shape)
    )


@dataclass(frozen=True)
class _Seen:
    """A frame's objects with the track id each was given."""

    frame: int
    objects: FrameObjects
    track_of: np.ndarray  # (n,) int64, track id of objects.ids[j]


#: Columns of :meth:`Tracker.lineage`.
LINEAGE_COLUMNS = ("cell_id", "parent_id", "first_frame", "last_frame", "n_frames")


class Tracker:
    """Streaming linker: call :meth:`link` on every frame, in frame order.

    Nuclei smaller than ``min_cell_area_px`` (specks, not cells) are tracked but neither divide
    nor are born by a division. Memory holds only the frames whose tracks can still be continued (the last
    ``max_gap_frames + 1``) and five numbers per track, not the movie.
    """

    def __init__(self, params: TrackParams = TrackParams(), min_cell_area_px: int = 0) -> None:
        self.params = params
        self.min_cell_area_px = min_cell_area_px
        self._seen: list[_Seen] = []  # most recent last
        self._next_id = 1
        self._frame = -1
        self._tracks: dict[int, list[int]] = {}  # id -> [parent id, first frame, last frame, frames]
        self._divided: set[int] = set()
        self._canvas: Canvas | None = None

    @property
    def n_tracks(self) -> int:
        """Number of track ids handed out so far (the distinct labels with method ``none``)."""
        return len(self._tracks)

    @property
    def n_divisions(self) -> int:
        """Number of divisions found so far."""
        return len(self._divided)

    def lineage(self) -> dict[str, np.ndarray]:
        """Every track so far, by id: columns :data:`LINEAGE_COLUMNS` as int64 arrays (``parent_id``
        0 when the track did not start by a division). With method ``none`` the "tracks" are the
        per-frame labels."""
        ids = sorted(self._tracks)
        rows = np.array([[k, *self._tracks[k]] for k in ids], np.int64).reshape(len(ids), len(LINEAGE_COLUMNS))
        return dict(zip(LINEAGE_COLUMNS, rows.T))

    def link(self, objects: FrameObjects) -> np.ndarray:
        """Link the next frame's nuclei to tracks and return the lookup from label to track id.

        Parameters
        ----------
        objects : FrameObjects
            The frame's nuclei (:func:`frame_objects`).

        Returns
        -------
        (highest label + 1,) ndarray of int64
            ``lookup[k]`` is the track id of label k (``lookup[0] == 0``); the identity when the
            method is ``none``.
        """
        self._frame += 1
        size = int(objects.ids.max(initial=0)) + 1
        parent_of = np.zeros(len(objects.ids), np.int64)
        if self.params.method == "none":
            track_of = objects.ids.copy()
        else:
            identity = np.arange(size, dtype=np.min_scalar_type(size - 1))
            labels = self._canvas_of(objects.shape).paint(objects.pixels, identity)
            track_of = self._link(objects, labels)
            if self.params.divisions:
                self._find_divisions(objects, labels, track_of, parent_of)
            for j in np.flatnonzero(track_of == 0):
                track_of[j] = self._next_id
                self._next_id += 1
            self._seen.append(_Seen(self._frame, objects, track_of))
            oldest = self._frame - self.params.max_gap_frames
            self._seen = [seen for seen in self._seen if seen.frame >= oldest]
        for track, parent in zip(track_of.tolist(), parent_of.tolist()):
            record = self._tracks.setdefault(track, [parent, self._frame, self._frame, 0])
            record[2:] = [self._frame, record[3] + 1]
        lookup = np.zeros(size, np.int64)
        lookup[objects.ids] = track_of
        return lookup

    def _canvas_of(self, shape: tuple[int, int]) -> Canvas:
        """The canvas the frames' label images are painted on (kept while the frame size stays)."""
        if self._canvas is None or self._canvas.shape != tuple(shape):
            self._canvas = Canvas(shape)
        return self._canvas

    def _open_tracks(self):
        """(seen frame, ids of the tracks last seen in it that may still be continued), most
        recent frame first."""
        later: set[int] = set()
        for seen in reversed(self._seen):
            ids = seen.track_of.tolist()
            yield seen, np.array(sorted(k for k in ids if k not in later and k not in self._divided), np.int64)
            later.update(ids)

    def _link(self, objects: FrameObjects, labels: np.ndarray) -> np.ndarray:
        """Track id of each object linked to an earlier track, 0 for the others."""
        track_of = np.zeros(len(objects.ids), np.int64)
        for seen, candidates in self._open_tracks():
            elapsed = self._frame - seen.frame
            free = np.flatnonzero(track_of == 0)
            if len(candidates) and len(free):
                cost, allowed = self._costs(seen, candidates, objects, free, labels, elapsed)
                rows, cols = _assign(cost, allowed)
                track_of[free[cols]] = candidates[rows]
        return track_of

    def _find_divisions(
        self, objects: FrameObjects, labels: np.ndarray, track_of: np.ndarray, parent_of: np.ndarray
    ) -> None:
        """Mark the daughters of every division in this frame: ``track_of`` 0 (a new track) and
        ``parent_of`` the mother's id (module docstring, step 3)."""
        taken = np.zeros(len(objects.ids), bool)
        low, high = self.params.division_min_area_ratio, self.params.division_max_area_ratio
        for seen, mothers in self._open_tracks():
            reach = self.params.max_displacement_px * (self._frame - seen.frame)
            for mother in self._possible_mothers(seen, mothers, objects, track_of, reach).tolist():
                row = int(np.flatnonzero(seen.track_of == mother)[0])
                centre, area = seen.objects.centroids[row], seen.objects.area[row]
                if area < self.min_cell_area_px:
                    continue
                continued = np.flatnonzero(track_of == mother)  # at most one object
                ratio = objects.area / area
                fits = ~taken & ((track_of == 0) | (track_of == mother)) & (ratio >= low) & (ratio <= high)
                fits &= objects.area >= self.min_cell_area_px
                fits &= np.hypot(*(objects.centroids - centre).T) <= reach
                if len(continued) and not fits[continued[0]]:
                    continue  # continued by a nucleus that is no daughter
                pairs = _pairs_around(objects.centroids, np.flatnonzero(fits), centre, continued)
                pair = next((pair for pair in pairs if not _touching(labels, objects, *pair)), None)
                if pair is not None:
                    track_of[pair], parent_of[pair], taken[pair] = 0, mother, True
                    self._divided.add(mother)

    def _possible_mothers(
        self, seen: _Seen, mothers: np.ndarray, objects: FrameObjects, track_of: np.ndarray, reach: float
    ) -> np.ndarray:
        """The tracks of ``mothers`` (last seen in ``seen``) with at least two objects of this frame
        that could be their daughters by size and distance: a superset of those
        :meth:`_find_divisions` finds dividing (what it marks only removes candidates), found for
        all tracks at once so that its per-mother loop visits few."""
        order = np.argsort(seen.track_of)
        rows = order[np.searchsorted(seen.track_of, mothers, sorter=order)]
        centre, area = seen.objects.centroids[rows], seen.objects.area[rows].astype(np.float64)
        reach = reach * (1 + 1e-9) + 1e-9  # never fewer pairs than the loop's own distance test allows
        near = cKDTree(centre).sparse_distance_matrix(cKDTree(objects.centroids), reach, output_type="ndarray")
        mother, daughter = near["i"].astype(np.intp), near["j"].astype(np.intp)
        ratio = objects.area[daughter] / area[mother]
        fits = (ratio >= self.params.division_min_area_ratio) & (ratio <= self.params.division_max_area_ratio)
        fits &= (track_of[daughter] == 0) | (track_of[daughter] == mothers[mother])
        fits &= objects.area[daughter] >= self.min_cell_area_px
        counts = np.bincount(mother[fits], minlength=len(mothers))
        return mothers[(counts >= 2) & (area >= self.min_cell_area_px)]

    def _costs(
        self,
        seen: _Seen,
        candidates: np.ndarray,
        objects: FrameObjects,
        free: np.ndarray,
        labels: np.ndarray,
        elapsed: int,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(candidate tracks × free objects) cost matrix and the mask of pairs allowed to link."""
        order = np.argsort(seen.track_of)
        rows = order[np.searchsorted(seen.track_of, candidates, sorter=order)]  # candidates' objects in `seen`
        previous, current = seen.objects.centroids[rows], objects.centroids[free]
        dy, dx = (previous[:, axis, None] - current[None, :, axis] for axis in (0, 1))
        distance = np.hypot(dy, dx)
        allowed = distance <= self.params.max_displacement_px * elapsed
        if self.params.method == "centroid":
            return distance, allowed
        # overlap: count, for each earlier object, the pixels of this frame's objects under it
        before = seen.objects
        row_of_label = np.full(int(before.ids.max()) + 1, -1, np.int64)
        row_of_label[before.ids[rows]] = np.arange(len(rows))
        pixel_rows = row_of_label[before.pixels.labels]
        keep = pixel_rows >= 0
        now = labels.ravel()[before.pixels.index[keep]].astype(np.intp)
        column_of_label = np.full(int(objects.ids.max()) + 1, len(free), np.int64)
        column_of_label[objects.ids[free]] = np.arange(len(free))
        columns = column_of_label[now]
        width = len(free) + 1  # last column: background or objects already linked
        overlap = np.bincount(pixel_rows[keep] * width + columns, minlength=len(rows) * width)
        overlap = overlap.reshape(len(rows), width)[:, :-1]
        union = before.area[rows][:, None] + objects.area[free][None, :] - overlap
        return 1.0 - overlap / union, allowed & (overlap > 0)


def _pairs_around(
    centroids: np.ndarray, candidates: np.ndarray, centre: np.ndarray, required: np.ndarray
) -> list[np.ndarray]:
    """The pairs of ``candidates`` (indices into the (n, 2) ``centroids``) holding every index of
    ``required`` (none or one), those whose midpoint is nearest ``centre`` first (ties: index
    order)."""
    if len(candidates) < 2:
        return []
    first, second = np.triu_indices(len(candidates), k=1)
    if len(required):
        holds = (candidates[first] == required[0]) | (candidates[second] == required[0])
        first, second = first[holds], second[holds]
    midpoints = (centroids[candidates[first]] + centroids[candidates[second]]) / 2
    order = np.argsort(np.hypot(*(midpoints - centre).T), kind="stable")
    return [candidates[[first[k], second[k]]] for k in order]


def _touching(labels: np.ndarray, objects: FrameObjects, i: int, j: int) -> bool:
    """Whether objects ``i`` and ``j`` (indices into ``objects.ids``) of the (Y, X) ``labels``
    touch (8-connected): two parts of one nucleus, not two daughters."""
    height, width = labels.shape
    rows, cols = np.divmod(objects.pixels.index[objects.pixels.labels == objects.ids[i]], width)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            y, x = rows + dy, cols + dx
            inside = (y >= 0) & (y < height) & (x >= 0) & (x < width)
            if np.any(labels[y[inside], x[inside]] == objects.ids[j]):
                return True
    return False


def _assign(cost: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal one-to-one assignment using only allowed pairs.

    Forbidden pairs cost more than all allowed pairs together, so the assignment first links
    as many allowed pairs as possible, then minimises their total cost; forbidden pairs it is
    forced into are discarded. When no two allowed pairs share a row or a column (nuclei that
    moved less than they are apart) that links every allowed pair, which needs no solver: only
    competing pairs import ``scipy.optimize`` (0.4 s a job) and run it.
    """
    if (np.count_nonzero(allowed, axis=0) <= 1).all() and (np.count_nonzero(allowed, axis=1) <= 1).all():
        return np.nonzero(allowed)
    from scipy.optimize import linear_sum_assignment

    forbidden = 1.0 + cost[allowed].sum()
    rows, cols = linear_sum_assignment(np.where(allowed, cost, forbidden))
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]
