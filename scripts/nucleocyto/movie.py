"""The per-frame computations over a whole movie, a few frames in memory at a time.

Each function walks the frames of memory-mapped arrays with :func:`nucleocyto.system.map_frames`
(frames computed on worker threads, delivered in order, pages released as it goes), so memory
stays bounded whatever the movie's length.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from . import MARKER, POI
from .coloc.scopes import COLUMNS as CORRELATION_COLUMNS
from .coloc.scopes import frame_correlations
from .config import BackgroundParams, MaskParams, TrackParams
from .io.atomic import atomic_path
from .io.stacks import LabelStackWriter, label_dtype
from .io.tables import movie_table
from .measure.intensities import measure_frame
from .segment.labels import LabelledPixels, labelled_pixels, paint
from .segment.nuclei import nucleus_labels
from .segment.rings import cell_rings
from .segment.tracking import FrameObjects, Tracker, frame_objects
from .system import map_frames

log = logging.getLogger(__name__)


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


def measure_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    background: BackgroundParams = BackgroundParams(),
    threads: int = 1,
) -> pd.DataFrame:
    """The tidy intensities table of a whole movie.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
    nuclei, cytoplasm : (T, Y, X) ndarray of int
        Usually read-only memory maps (uint8, uint16 or int32).
    sample : str
    frame_interval_s : float or None
        Seconds between frames; ``time_s`` is NaN when None.
    background : BackgroundParams
    threads : int
        Frames measured at once.

    Returns
    -------
    DataFrame
        Columns :data:`nucleocyto.measure.intensities.COLUMNS`, sorted by frame, cell, region,
        channel.
    """

    def measure(t: int) -> dict[str, np.ndarray]:
        return measure_frame(np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytoplasm[t]), background)

    def logged(frames):
        """The frame tables, warning (in frame order) about frames without nuclei or background."""
        for t, columns in enumerate(frames):
            if columns["mask_empty"][0]:
                log.warning("sample %s, frame %d: no nucleus found; statistics are NaN", sample, t)
            if np.isnan(columns["background"]).any():
                log.warning("sample %s, frame %d: no background pixel outside the cells; statistics are NaN", sample, t)
            yield columns

    frames = map_frames(measure, stack.shape[0], threads, release=(stack, nuclei, cytoplasm))
    return movie_table(logged(frames), sample, frame_interval_s)


def correlate_stack(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    sample: str,
    frame_interval_s: float | None,
    shuffles: int = 0,
    block_px: int = 3,
    seed: int = 0,
    threads: int = 1,
) -> pd.DataFrame:
    """The per-frame correlation table of a movie.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray; nuclei, cytoplasm : (T, Y, X) ndarray of int
        Usually read-only memory maps.
    shuffles, block_px : int
        Costes' randomisation test, see :func:`nucleocyto.coloc.scopes.frame_correlations`.
    seed : int
        Frame t shuffles with ``numpy.random.default_rng((seed, t))``: reproducible, and
        independent of the other frames (and of ``threads``).
    threads : int
        Frames correlated at once.

    Returns
    -------
    DataFrame
        Columns :data:`nucleocyto.coloc.scopes.COLUMNS`.
    """
    frames = map_frames(
        lambda t: frame_correlations(
            np.asarray(stack[t]), np.asarray(nuclei[t]), np.asarray(cytoplasm[t]),
            shuffles, block_px, np.random.default_rng((seed, t)),
        ),
        stack.shape[0],
        threads,
        release=(stack, nuclei, cytoplasm),
    )
    return movie_table(frames, sample, frame_interval_s)[list(CORRELATION_COLUMNS)]
