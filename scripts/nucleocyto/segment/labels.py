"""The labelled pixels of a label image, found in one pass and shared by everything that needs
them (statistics, tracking, relabelling, geometry)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: dtype of the label images of one frame (nuclei, rings) while they are computed; stacks are
#: stored narrower (:data:`nucleocyto.io.stacks.STORED_LABEL_DTYPES`).
LABEL_DTYPE = np.dtype(np.int32)


class LabelledPixels(NamedTuple):
    """The labelled pixels of a label image: where they are and their labels."""

    #: (m,) intp positions in the flattened image, increasing (int32 after :func:`narrowed`).
    index: np.ndarray
    #: (m,) intp labels, all > 0 (the narrowest unsigned type after :func:`narrowed`).
    labels: np.ndarray


def labelled_pixels(labels: np.ndarray) -> LabelledPixels:
    """The nonzero pixels of ``labels``, a (Y, X) label image of any integer type (0 =
    background), in one pass over the image."""
    flat = labels.ravel()
    index = np.flatnonzero(flat != 0)  # a boolean pass then nonzero: several times faster than nonzero on ints
    return LabelledPixels(index, flat[index].astype(np.intp))


def narrowed(pixels: LabelledPixels) -> LabelledPixels:
    """``pixels`` in the narrowest integer types that hold them: int32 positions (images under
    2³¹ pixels) and labels in uint8, uint16 or uint32 by the highest. About a third of the bytes,
    for sending to another process; use them as indices and in ``np.bincount``, not in
    arithmetic that could overflow."""
    index = pixels.index.astype(np.int32) if pixels.index[-1:].max(initial=0) < 2**31 else pixels.index
    highest = int(pixels.labels.max(initial=0))
    narrow = next(dtype for dtype in (np.uint8, np.uint16, np.uint32, np.intp) if highest <= np.iinfo(dtype).max)
    return LabelledPixels(index, pixels.labels.astype(narrow))


def paint(pixels: LabelledPixels, values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A (Y, X) image of ``values.dtype`` holding ``values[k]`` at each labelled pixel of label k,
    0 elsewhere (relabelling through the lookup ``values``, touching only those pixels)."""
    image = np.zeros(shape[0] * shape[1], values.dtype)
    image[pixels.index] = values[pixels.labels]
    return image.reshape(shape)


def centroids(pixels: LabelledPixels, width: int, ids: np.ndarray) -> np.ndarray:
    """(n, 2) float64 (row, column) centroid (px) of each label of ``ids`` (present in
    ``pixels``, of an image ``width`` pixels wide).

    The column sums are the position sums minus ``width`` × the row sums: integers below 2⁵³,
    so exact in float64, and one division instead of two."""
    labels = pixels.labels
    counts = np.bincount(labels)
    size = len(counts)
    row_sums = np.bincount(labels, weights=pixels.index // width, minlength=size)
    col_sums = np.bincount(labels, weights=pixels.index, minlength=size) - width * row_sums
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
