"""Rule masks: ``stack.npy`` -> ``nuclei.npy`` and ``cytoplasm.npy`` label stacks, relabelled with
track ids as the frames are written."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .. import MARKER, POI
from ..config import MaskParams, TrackParams
from ..io.atomic import atomic_path
from ..io.stacks import LabelStackWriter, label_dtype, open_array
from ..segment.labels import LabelledPixels, labelled_pixels, paint
from ..segment.nuclei import nucleus_labels
from ..segment.rings import cell_rings
from ..segment.tracking import FrameObjects, Tracker, frame_objects
from ..system import map_frames

log = logging.getLogger(__name__)


def run(
    stack_path: str | Path,
    nuclei_path: str | Path,
    cytoplasm_path: str | Path,
    params: MaskParams,
    tracking: TrackParams,
    threads: int = 1,
) -> list[int]:
    """Nucleus and cytoplasm label stacks of a sample (see
    :func:`segment_stack`); returns the number of cells of each frame."""
    counts = segment_stack(open_array(stack_path), nuclei_path, cytoplasm_path, params, tracking, threads)
    log.info("%d frames; cells per frame: min %d, max %d", len(counts), min(counts), max(counts))
    return counts


def segment_frame(frame: np.ndarray, params: MaskParams) -> tuple[np.ndarray, FrameObjects, LabelledPixels]:
    """Nuclei, their description for tracking, and the labelled pixels of their rings, of one
    (C, Y, X) frame (channels in :data:`nucleocyto.CHANNELS` order)."""
    nuclei = nucleus_labels(np.asarray(frame[MARKER]), params)
    poi = np.asarray(frame[POI]) if params.ring_poi_threshold != "none" else None
    return nuclei, frame_objects(nuclei), labelled_pixels(cell_rings(nuclei, params, poi))


def segment_stack(
    stack: np.ndarray,
    nuclei_path: str | Path,
    cytoplasm_path: str | Path,
    params: MaskParams,
    tracking: TrackParams,
    threads: int = 1,
) -> list[int]:
    """Write nucleus and cytoplasm label stacks for a (T, C, Y, X) stack, frame by frame.

    Each frame is segmented, its nuclei are relabelled with track ids (when tracking is on;
    see :class:`nucleocyto.segment.tracking.Tracker`), and its rings are relabelled with the
    same ids, so both stacks carry the track ids.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Canonical stack (usually a read-only memory map).
    nuclei_path, cytoplasm_path : path
        Output ``.npy`` files, each (T, Y, X) uint8, uint16 or int32: the narrowest that holds
        the movie's cell ids (see :class:`nucleocyto.io.stacks.LabelStackWriter`).
    params : MaskParams
    tracking : TrackParams
    threads : int
        Frames segmented at once.

    Returns
    -------
    list of int
        Number of cells found in each frame.
    """
    n_frames, _, height, width = stack.shape
    shape = (n_frames, height, width)
    tracker = Tracker(tracking)
    counts = []
    with (
        atomic_path(nuclei_path) as tmp_nuclei,
        atomic_path(cytoplasm_path) as tmp_cytoplasm,
        LabelStackWriter(tmp_nuclei, shape, background=threads > 1) as nuclei_out,
        LabelStackWriter(tmp_cytoplasm, shape, background=threads > 1) as cytoplasm_out,
    ):
        frames = map_frames(lambda t: segment_frame(stack[t], params), n_frames, threads, release=(stack,))
        for t, (nuclei, objects, rings) in enumerate(frames):
            # Rings depend on pixel positions only, not on label values, so relabelling the
            # nuclei and the rings with the same track ids equals deriving the rings afterwards.
            track_ids = tracker.link(objects, nuclei)
            track_ids = track_ids.astype(label_dtype(int(track_ids.max())))
            nuclei_out.write(paint(objects.pixels, track_ids, nuclei.shape))
            cytoplasm_out.write(paint(rings, track_ids, nuclei.shape))
            counts.append(len(objects.ids))
            if counts[-1] == 0:
                log.warning("frame %d: empty nucleus mask; its measurements will be NaN", t)
    if tracking.method != "none":
        log.info("tracking (%s): %d tracks", tracking.method, tracker.n_tracks)
    return counts
