"""Where each cell of one frame is: the centroid of its nucleus and whether the cell (nucleus or
cytoplasm) touches the image border, from the label images."""

from __future__ import annotations

import numpy as np

from ..segment.labels import LabelledPixels, centroids, on_border

#: Columns of :func:`frame_geometry`, in order.
GEOMETRY_COLUMNS = ("cell_id", "centroid_y_px", "centroid_x_px", "touches_border")


def frame_geometry(nuclei: np.ndarray, cytoplasm: np.ndarray, nucleus_pixels: LabelledPixels) -> dict[str, np.ndarray]:
    """Geometry of every cell of one frame.

    Parameters
    ----------
    nuclei, cytoplasm : (Y, X) ndarray of int
        Label images (cytoplasm k belongs to nucleus k).
    nucleus_pixels : LabelledPixels
        The labelled pixels of ``nuclei`` (:func:`nucleocyto.segment.labels.labelled_pixels`).

    Returns
    -------
    dict of 1-D ndarray
        :data:`GEOMETRY_COLUMNS`, one row per nucleus label (ascending): ``cell_id`` int64, the
        (row, column) centroid of the nucleus in px (float64, pixel centres at integers) and
        ``touches_border`` (bool: a nucleus or cytoplasm pixel on the edge of the frame).
    """
    ids = np.flatnonzero(np.bincount(nucleus_pixels.labels))
    centre = centroids(nucleus_pixels, nuclei.shape[1], ids)
    touching = np.zeros(len(ids), bool)
    for border in (on_border(nuclei), on_border(cytoplasm)):
        known = ids < len(border)
        touching[known] |= border[ids[known]]
    return {
        "cell_id": ids.astype(np.int64),
        "centroid_y_px": centre[:, 0],
        "centroid_x_px": centre[:, 1],
        "touches_border": touching,
    }
