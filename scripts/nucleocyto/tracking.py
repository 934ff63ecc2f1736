"""Link per-frame nucleus labels into tracks, one frame at a time.

A :class:`Tracker` is fed the label image of each frame in order and returns it relabelled with
track ids, so a movie is tracked while it is segmented and never held in memory. Per frame:

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
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from .params import TrackParams

@dataclass
class _Track:
    frame: int  # last frame seen
    centroid: np.ndarray  # (2,) float64, (y, x) px
    pixels: np.ndarray  # flat indices of its last nucleus


class Tracker:
    """Streaming linker: call :meth:`relabel` on every frame's labels, in frame order.

    Memory holds only the tracks that can still be continued (last seen at most
    ``max_gap_frames + 1`` frames ago), not the movie.
    """

    def __init__(self, params: TrackParams = TrackParams()) -> None:
        self.params = params
        self._tracks: dict[int, _Track] = {}
        self._next_id = 1
        self._frame = -1

    @property
    def n_tracks(self) -> int:
        """Number of track ids handed out so far."""
        return self._next_id - 1

    def relabel(self, labels: np.ndarray) -> np.ndarray:
        """The next frame's (Y, X) nucleus labels relabelled with track ids (same dtype):
        ``track_ids(labels)[labels]``."""
        return self.track_ids(labels)[labels]

    def track_ids(self, labels: np.ndarray) -> np.ndarray:
        """Link the next frame's nuclei to tracks and return the lookup from label to track id.

        Parameters
        ----------
        labels : (Y, X) ndarray of int
            Nucleus labels of this frame, 0 = background.

        Returns
        -------
        (labels.max() + 1,) ndarray of the same dtype
            ``lookup[k]`` is the track id of label k (``lookup[0] == 0``); the identity when the
            method is ``none``.
        """
        self._frame += 1
        if self.params.method == "none":
            return np.arange(int(labels.max(initial=0)) + 1, dtype=labels.dtype)
        ids, centroids, pixels = _objects(labels)
        track_of = np.zeros(len(ids), np.int64)
        for elapsed in range(1, self.params.max_gap_frames + 2):
            candidates = np.array([k for k, track in self._tracks.items() if track.frame == self._frame - elapsed])
            free = np.flatnonzero(track_of == 0)
            if len(candidates) and len(free):
                cost, allowed = self._costs(candidates, labels, ids[free], centroids[free], elapsed)
                rows, cols = _assign(cost, allowed)
                track_of[free[cols]] = candidates[rows]
        for j in np.flatnonzero(track_of == 0):
            track_of[j] = self._next_id
            self._next_id += 1
        for j, track_id in enumerate(track_of):
            self._tracks[int(track_id)] = _Track(self._frame, centroids[j], pixels[j])
        oldest = self._frame - self.params.max_gap_frames
        self._tracks = {k: track for k, track in self._tracks.items() if track.frame >= oldest}
        lookup = np.zeros(int(labels.max(initial=0)) + 1, labels.dtype)
        lookup[ids] = track_of
        return lookup

    def _costs(
        self, candidates: np.ndarray, labels: np.ndarray, ids: np.ndarray, centroids: np.ndarray, elapsed: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """(tracks × objects) cost matrix and the mask of pairs allowed to link."""
        tracks = [self._tracks[int(k)] for k in candidates]
        previous = np.array([track.centroid for track in tracks])
        distance = np.hypot(*(previous[:, None, :] - centroids[None, :, :]).transpose(2, 0, 1))
        allowed = distance <= self.params.max_displacement_px * elapsed
        if self.params.method == "centroid":
            return distance, allowed
        flat = labels.ravel()
        area = np.bincount(flat)[ids]
        size = int(ids.max()) + 1
        overlap = np.array([np.bincount(flat[track.pixels], minlength=size)[ids] for track in tracks])
        union = np.array([len(track.pixels) for track in tracks])[:, None] + area[None, :] - overlap
        iou = overlap / union
        return 1.0 - iou, allowed & (overlap > 0)


def _objects(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Ids (n,), centroids (n, 2) in px and flat pixel indices of each labelled object."""
    where = ndimage.value_indices(labels, ignore_value=0)
    ids = np.array(sorted(where), dtype=np.int64)
    centroids = np.array([[index.mean() for index in where[k]] for k in ids]).reshape(len(ids), 2)
    pixels = [np.ravel_multi_index(where[k], labels.shape) for k in ids]
    return ids, centroids, pixels


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
