"""Link per-frame nucleus labels into tracks, one frame at a time.

A :class:`Tracker` is fed the objects of each frame in order and returns the track id of each
label, so a movie is tracked while it is segmented and never held in memory. Describing a
frame's objects (:func:`frame_objects`: pixels, areas, centroids) needs that frame only and runs
on the worker threads that segment it; linking runs in frame order. Per frame:

1. the nuclei of the frame are matched to the tracks seen in the previous frame by an optimal
   one-to-one assignment (``scipy.optimize.linear_sum_assignment``), with the cost
   ``1 - IoU`` of the nucleus with the track's last nucleus (``overlap``; only overlapping
   pairs may link) or the distance between centroids (``centroid``). Pairs whose centroids are
   more than ``max_displacement_px`` apart never link. The assignment links as many pairs as
   possible and, among those, minimises the total cost;
2. nuclei still unmatched are matched, the same way, to tracks last seen 2, 3, ...,
   ``max_gap_frames + 1`` frames before (bridging a gap; the displacement limit grows with the
   number of frames elapsed);
3. nuclei left over start new tracks, numbered after the highest id so far in the order of
   their per-frame labels. In the first frame the track ids therefore equal the input labels.

A nucleus that splits keeps its id on one part, the other part gets a new id; two nuclei that
merge continue under one id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..config import TrackParams
from .labels import LabelledPixels, labelled_pixels


@dataclass(frozen=True)
class FrameObjects:
    """The labelled objects of one frame, as tracking needs them.

    Computed by :func:`frame_objects` from the frame alone, so frames can be described on
    worker threads while the tracks are linked in frame order.

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
    """

    pixels: LabelledPixels
    ids: np.ndarray
    area: np.ndarray
    centroids: np.ndarray


def frame_objects(labels: np.ndarray) -> FrameObjects:
    """Describe the objects of a (Y, X) label image (0 = background) for :class:`Tracker`."""
    pixels = labelled_pixels(labels)
    values = pixels.labels
    counts = np.bincount(values)
    ids = np.flatnonzero(counts)  # labelled pixels only: label 0 is never counted
    rows, cols = np.divmod(pixels.index, labels.shape[1])
    area = counts[ids]
    centroids = np.stack(
        [np.bincount(values, weights=rows)[ids] / area, np.bincount(values, weights=cols)[ids] / area], axis=1
    )
    return FrameObjects(pixels, ids.astype(np.int64), area.astype(np.int64), centroids.reshape(len(ids), 2))


@dataclass(frozen=True)
class _Seen:
    """A frame's objects with the track id each was given."""

    frame: int
    objects: FrameObjects
    track_of: np.ndarray  # (n,) int64, track id of objects.ids[j]


class Tracker:
    """Streaming linker: call :meth:`link` on every frame, in frame order.

    Memory holds only the frames whose tracks can still be continued (the last
    ``max_gap_frames + 1``), not the movie.
    """

    def __init__(self, params: TrackParams = TrackParams()) -> None:
        self.params = params
        self._seen: list[_Seen] = []  # most recent last
        self._next_id = 1
        self._frame = -1

    @property
    def n_tracks(self) -> int:
        """Number of track ids handed out so far."""
        return self._next_id - 1

    def link(self, objects: FrameObjects, labels: np.ndarray) -> np.ndarray:
        """Link the next frame's nuclei to tracks and return the lookup from label to track id.

        Parameters
        ----------
        objects : FrameObjects
            ``frame_objects(labels)``.
        labels : (Y, X) ndarray of int
            Nucleus labels of this frame, 0 = background.

        Returns
        -------
        (labels.max() + 1,) ndarray of int64
            ``lookup[k]`` is the track id of label k (``lookup[0] == 0``); the identity when the
            method is ``none``.
        """
        self._frame += 1
        size = int(objects.ids.max(initial=0)) + 1
        if self.params.method == "none":
            return np.arange(size, dtype=np.int64)
        track_of = np.zeros(len(objects.ids), np.int64)
        linked: set[int] = set()
        for seen in reversed(self._seen):
            elapsed = self._frame - seen.frame
            # tracks last seen in that frame: not continued by a later frame, nor by this one yet
            candidates = np.array(sorted(k for k in seen.track_of.tolist() if k not in linked), np.int64)
            linked.update(seen.track_of.tolist())
            free = np.flatnonzero(track_of == 0)
            if len(candidates) and len(free):
                cost, allowed = self._costs(seen, candidates, objects, free, labels, elapsed)
                rows, cols = _assign(cost, allowed)
                track_of[free[cols]] = candidates[rows]
        for j in np.flatnonzero(track_of == 0):
            track_of[j] = self._next_id
            self._next_id += 1
        self._seen.append(_Seen(self._frame, objects, track_of))
        oldest = self._frame - self.params.max_gap_frames
        self._seen = [seen for seen in self._seen if seen.frame >= oldest]
        lookup = np.zeros(size, np.int64)
        lookup[objects.ids] = track_of
        return lookup

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
        previous = seen.objects.centroids[rows]
        distance = np.hypot(*(previous[:, None, :] - objects.centroids[free][None, :, :]).transpose(2, 0, 1))
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


def _assign(cost: np.ndarray, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal one-to-one assignment using only allowed pairs.

    Forbidden pairs cost more than all allowed pairs together, so the assignment first links
    as many allowed pairs as possible, then minimises their total cost; forbidden pairs it is
    forced into are discarded.
    """
    forbidden = 1.0 + cost[allowed].sum()
    rows, cols = linear_sum_assignment(np.where(allowed, cost, forbidden))
    keep = allowed[rows, cols]
    return rows[keep], cols[keep]
