"""The labelled pixels of a label image, found in one pass and shared by everything that needs
them (statistics, tracking, relabelling, geometry)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: dtype of the label images of one frame (nuclei, rings) while they are computed; stacks are
#: stored narrower (:data:`nucleocyto.io.stacks.STORED_LABEL_DTYPES`).
LABEL_DTYPE = np.dtype(np.int32)


class LabelledPixels(NamedTuple):
    """The labelled pixels of a label image: where they are and their labels.

    Pickled as runs (consecutive positions of one label: an object's stretch of a row) in the
    narrowest types that hold them, a few bytes a run instead of 16 a pixel: worker processes
    send their frames' labelled pixels back this way (:func:`_runs`, :func:`_from_runs`)."""

    #: (m,) intp positions in the flattened image, increasing.
    index: np.ndarray
    #: (m,) intp labels, all > 0.
    labels: np.ndarray

    def __reduce__(self):
        return _from_runs, _runs(self)


def _runs(pixels: LabelledPixels) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(first position, length, label) of each run of ``pixels``: (r,) int32 arrays (intp
    positions for images of 2³¹ pixels or more) and the narrowest unsigned type for the labels."""
    index, labels = pixels
    starts = _run_starts(pixels)[0]
    lengths = np.diff(starts, append=index.size).astype(np.int32)
    positions = index[starts]
    positions = positions.astype(np.int32) if positions[-1:].max(initial=0) < 2**31 else positions
    return positions, lengths, labels[starts].astype(np.min_scalar_type(int(labels.max(initial=0))))


def _run_starts(pixels: LabelledPixels, width: int | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """(r,) intp positions in ``pixels`` where a run begins: after a gap or where the label
    changes, and, given the image's ``width``, at the start of each row; with the row of each run
    (intp; None without a width)."""
    index, labels = pixels
    begins = np.ones(index.size, bool)
    begins[1:] = (np.diff(index) != 1) | (np.diff(labels) != 0)
    if width is None:
        return np.flatnonzero(begins), None
    rows = index // width
    begins[1:] |= rows[1:] != rows[:-1]
    starts = np.flatnonzero(begins)
    return starts, rows[starts]


def _from_runs(starts: np.ndarray, lengths: np.ndarray, labels: np.ndarray) -> LabelledPixels:
    """The :class:`LabelledPixels` (intp) of the runs :func:`_runs` made."""
    first = np.cumsum(lengths, dtype=np.intp) - lengths  # each run's first pixel in the output
    index = np.arange(int(lengths.sum()), dtype=np.intp) + np.repeat(starts.astype(np.intp) - first, lengths)
    return LabelledPixels(index, np.repeat(labels.astype(np.intp), lengths))


def labelled_pixels(labels: np.ndarray) -> LabelledPixels:
    """The nonzero pixels of ``labels``, a (Y, X) label image of any integer type (0 =
    background), in one pass over the image."""
    flat = labels.ravel()
    index = np.flatnonzero(flat != 0)  # a boolean pass then nonzero: several times faster than nonzero on ints
    return LabelledPixels(index, flat[index].astype(np.intp))


class Canvas:
    """A (Y, X) image painted with the labelled pixels of one frame at a time, kept from frame to
    frame: clearing memory already in use is much cheaper than a new zeroed image (fresh memory,
    slow on shared machines)."""

    def __init__(self, shape: tuple[int, int]):
        self.shape = tuple(shape)
        self._image: np.ndarray | None = None  # the dtype of the last values painted

    def paint(self, pixels: LabelledPixels, values: np.ndarray) -> np.ndarray:
        """The (Y, X) image of ``values.dtype`` holding ``values[k]`` at each labelled pixel of
        label k, 0 elsewhere (relabelling through the lookup ``values``). The image is this
        canvas's own: it holds these pixels until the next call."""
        if self._image is None or self._image.dtype != values.dtype:
            self._image = np.zeros(self.shape, values.dtype)
        else:
            self._image.fill(0)
        self._image.ravel()[pixels.index] = values[pixels.labels]
        return self._image


def centroids(pixels: LabelledPixels, width: int, ids: np.ndarray) -> np.ndarray:
    """(n, 2) float64 (row, column) centroid (px) of each label of ``ids`` (present in
    ``pixels``, of an image ``width`` pixels wide).

    Summed over the runs of each label within a row (a run of length n from column c adds n × its
    row and n·c + n(n − 1)/2), far fewer than the pixels: integer sums below 2⁵³, so exact in
    float64, as summing every pixel's row and column would be."""
    starts, rows = _run_starts(pixels, width)
    lengths = np.diff(starts, append=pixels.index.size)
    cols = pixels.index[starts] - rows * width
    labels = pixels.labels[starts]
    size = int(ids.max(initial=0)) + 1
    counts = np.bincount(labels, weights=lengths, minlength=size)
    row_sums = np.bincount(labels, weights=rows * lengths, minlength=size)
    col_sums = np.bincount(labels, weights=lengths * cols + lengths * (lengths - 1) // 2, minlength=size)
    return np.stack([row_sums[ids] / counts[ids], col_sums[ids] / counts[ids]], axis=1).reshape(len(ids), 2)


def on_border(labels: np.ndarray) -> np.ndarray:
    """Bool array indexed by label: True for the labels of the (Y, X) label image ``labels``
    with a pixel on its edge (length ``max label on the edge + 1``)."""
    edge = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    touching = np.zeros(int(edge.max(initial=0)) + 1, bool)
    touching[edge] = True
    touching[0] = False
    return touching


def label_edges(labels: np.ndarray) -> np.ndarray:
    """(Y, X) bool: the labelled pixels of ``labels`` with a 4-connected neighbour of another
    label (or background), i.e. the inner outline of every object, borders between touching
    objects included."""
    edges = np.zeros(labels.shape, bool)
    for axis in (0, 1):
        differ = np.diff(labels, axis=axis) != 0
        before = [slice(None)] * 2
        after = [slice(None)] * 2
        before[axis], after[axis] = slice(None, -1), slice(1, None)
        edges[tuple(before)] |= differ
        edges[tuple(after)] |= differ
    return edges & (labels != 0)
