"""Rule masks: the movie (read from its sources by :func:`nucleocyto.io.movie.open_movie`) ->
``nuclei.npy`` and ``cytoplasm.npy`` label stacks, relabelled with
track ids as the frames are written, the per-frame QC table ``qc.parquet`` and the tracks'
lineage ``lineage.parquet``; QC warnings go to the log."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .. import MARKER, POI
from ..config import ChannelSource, MaskParams, QCParams, TrackParams
from ..errors import InputError
from ..io.atomic import atomic_path
from ..io.mask_sources import PlaneSeries, open_cell_channel, open_labels
from ..io.movie import open_movie
from ..io.stacks import FrameWriter, LabelStackWriter, label_dtype, read_metadata
from ..io.tables import movie_table, write_parquet
from ..measure.qc import frame_qc, qc_table, qc_warnings
from ..segment.cells import cell_labels, cells_from_labels, cytoplasm_labels
from ..segment.compaction import Region, occupied_region
from ..segment.labels import Canvas, LabelledPixels, labelled_pixels
from ..segment.nuclei import labelled_locally, level_counts, mask_labels, nucleus_mask
from ..segment.rings import cell_rings, ring_reach
from ..segment.tracking import FrameObjects, Tracker, frame_objects
from ..system import map_frames

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MaskSources:
    """The per-frame images a sample's masks may use besides its stack (each None when the sample
    sheet names none): a cell channel and label images made elsewhere."""

    cell: PlaneSeries | None = None
    nucleus_labels: PlaneSeries | None = None
    cell_labels: PlaneSeries | None = None


#: A sample with none of them.
NO_SOURCES = MaskSources()


@dataclass(frozen=True)
class SegmentedMovie:
    """What :func:`segment_stack` found besides the label stacks.

    Attributes
    ----------
    qc : dict of (T,) ndarray
        The QC columns :data:`nucleocyto.measure.qc.QC_COLUMNS`.
    lineage : dict of ndarray
        :meth:`nucleocyto.segment.tracking.Tracker.lineage`: one row per track.
    """

    qc: dict[str, np.ndarray]
    lineage: dict[str, np.ndarray]

    @property
    def counts(self) -> list[int]:
        """Nucleus objects of each frame."""
        return self.qc["objects"].tolist()


def run(
    sample: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: MaskParams,
    tracking: TrackParams,
    qc: QCParams,
    sources: Mapping[str, object],
    provenance: dict,
    threads: int = 1,
) -> SegmentedMovie:
    """Label stacks, QC table and lineage of a sample (see :func:`segment_stack`).

    ``inputs`` maps ``metadata`` (ingest's ``metadata.json``, naming the movie's sources) to its
    path, ``outputs`` maps ``nuclei``, ``cytoplasm``, ``qc`` and ``lineage``. ``sources`` holds
    the sample sheet's optional images: ``cell`` ({``path``, ``channel_index``} or None),
    ``nucleus_labels`` and ``cell_labels`` (lists of paths or None).
    """
    metadata = read_metadata(inputs["metadata"])
    n_frames, _, height, width = metadata["shape"]
    min_px = params.min_cell_area_px(metadata["pixel_size_um"])
    with ExitStack() as files:
        stack = files.enter_context(open_movie(inputs["metadata"]))
        opened = _open_sources(sample, sources, params, (n_frames, height, width), files)
        movie = segment_stack(stack, outputs["nuclei"], outputs["cytoplasm"], params, tracking, threads, opened, min_px)
    per_frame = ({key: column[[t]] for key, column in movie.qc.items()} for t in range(n_frames))
    table = movie_table(per_frame, sample, metadata["frame_interval_s"])
    write_parquet(table, outputs["qc"], provenance)
    write_parquet(pd.DataFrame({"sample": sample, **movie.lineage}), outputs["lineage"], provenance)
    counts = movie.counts
    log.info("%d frames; nucleus objects per frame: min %d, max %d", n_frames, min(counts), max(counts))
    for warning in qc_warnings(table, qc):
        log.warning("sample %s: %s", sample, warning)
    return movie


def _open_sources(
    sample: str, sources: Mapping[str, object], params: MaskParams, shape: tuple[int, int, int], files: ExitStack
) -> MaskSources:
    """Open and check the sample's optional images against the movie of (T, Y, X) ``shape``."""
    found = {}
    if sources.get("cell"):
        cell = sources["cell"]
        series = tuple(Path(path) for path in cell["files"]) if cell.get("files") else None
        source = ChannelSource(Path(cell["path"]), cell["channel_index"], cell.get("series"), series)
        found["cell"] = files.enter_context(open_cell_channel(sample, source, shape))
    for column in ("nucleus_labels", "cell_labels"):
        if sources.get(column):
            paths = [Path(path) for path in sources[column]]
            found[column] = files.enter_context(open_labels(sample, column, paths, shape))
    opened = MaskSources(**found)
    if params.cytoplasm == "cell" and params.cell_channel == "cell" and opened.cell is None and not opened.cell_labels:
        raise InputError(
            f"sample {sample!r}: masks.cell_channel is 'cell' but the sample sheet names no cell channel "
            "(a 'cell' file, or 'cell_channel' of 'image')."
        )
    if opened.cell_labels is not None and params.cytoplasm == "ring":
        log.info("sample %s: cell_labels given, so the cytoplasm is each cell minus its nucleus", sample)
    return opened


class FrameMasks(NamedTuple):
    """One frame's nuclei (their description for tracking, labelled pixels included), the
    labelled pixels of their cytoplasm and its QC numbers
    (:func:`nucleocyto.measure.qc.frame_qc`). Only labelled pixels, no label image, and those
    pickle as runs (:class:`nucleocyto.segment.labels.LabelledPixels`): a worker process sends
    little back for a frame with few cells."""

    objects: FrameObjects
    cytoplasm: LabelledPixels
    qc: dict


def segment_frame(
    frame: np.ndarray, t: int, params: MaskParams, sources: MaskSources = NO_SOURCES, min_cell_area_px: int = 0
) -> FrameMasks:
    """Masks of frame ``t``, a (C, Y, X) array (channels in :data:`nucleocyto.CHANNELS` order).

    Nuclei come from the sample's nucleus label images when given, else from the marker
    channel. The cytoplasm is each cell minus its nucleus when cell label images are given or
    ``params.cytoplasm`` is ``"cell"`` (cells grown on the POI or the cell channel from the
    nuclei of at least ``min_cell_area_px`` pixels), else the ring. The nuclei and their rings
    are computed on the part of the frame within the rings' reach (:func:`_ring_region`).
    """
    counts = {}
    if sources.nucleus_labels is not None:
        given, threshold = sources.nucleus_labels.read(t), float("nan")
        found = given != 0
    else:
        marker = np.asarray(frame[MARKER])
        counts[MARKER] = level_counts(marker)
        given, (found, threshold) = None, nucleus_mask(marker, params, counts[MARKER])
    region = _ring_region(found, params, sources)
    nuclei = _nuclei(found, given, region, params)
    cytoplasm = _cytoplasm(frame, t, nuclei, params, sources, min_cell_area_px)
    pixels = [labelled_pixels(image) for image in (nuclei, cytoplasm)]
    if region is not None:
        pixels = [region.frame_pixels(each, found.shape[1]) for each in pixels]
    nucleus_pixels, cytoplasm_pixels = pixels
    objects = frame_objects(nucleus_pixels, found.shape)
    qc = frame_qc(frame, objects.area, threshold, min_cell_area_px, counts)
    return FrameMasks(objects, cytoplasm_pixels, qc)


def _ring_region(found: np.ndarray, params: MaskParams, sources: MaskSources) -> Region | None:
    """The part of the frame the nuclei and their rings are computed on, from the (Y, X) bool
    nucleus pixels ``found``: the rows and columns within the rings' reach of a nucleus pixel
    (:func:`nucleocyto.segment.compaction.occupied_region`, None when that is most of the frame),
    when the cytoplasm is the ring and nothing in it needs the whole frame; else None (the whole
    frame)."""
    reach = ring_reach(params)
    if sources.cell_labels is not None or params.cytoplasm != "ring" or reach is None:
        return None
    return occupied_region(found, reach + 1)


def _nuclei(found: np.ndarray, given: np.ndarray | None, region: Region | None, params: MaskParams) -> np.ndarray:
    """The nucleus labels (int) of the ``region`` (the whole frame when None): the given label
    image, else the labelled nucleus mask ``found``, labelled on the region when labelling is
    local (:func:`nucleocyto.segment.nuclei.labelled_locally`), else on the frame."""
    if given is None and (region is None or labelled_locally(params)):
        return mask_labels(found if region is None else region.cut(found), params)
    labels = mask_labels(found, params) if given is None else given
    return labels if region is None else region.cut(labels)


def _cytoplasm(
    frame: np.ndarray, t: int, nuclei: np.ndarray, params: MaskParams, sources: MaskSources, min_cell_area_px: int
) -> np.ndarray:
    """The cytoplasm labels of the nuclei of frame ``t`` (see :func:`segment_frame`), on the
    image ``nuclei`` covers."""
    if sources.cell_labels is not None:
        return cytoplasm_labels(cells_from_labels(nuclei, sources.cell_labels.read(t)), nuclei)
    if params.cytoplasm == "cell":
        channel = np.asarray(frame[POI]) if params.cell_channel == "poi" else sources.cell.read(t)
        return cytoplasm_labels(cell_labels(nuclei, channel, params, min_cell_area_px)[0], nuclei)
    poi = np.asarray(frame[POI]) if params.ring_poi_threshold != "none" else None
    return cell_rings(nuclei, params, poi)


def _segment_frame_of(stack: np.ndarray, t: int, params: MaskParams, sources: MaskSources, min_px: int) -> FrameMasks:
    """:func:`segment_frame` of frame ``t`` of ``stack``."""
    return segment_frame(stack[t], t, params, sources, min_px)


def _write_tracked(
    masks: FrameMasks, tracker: Tracker, canvases: tuple[Canvas, Canvas], writers: tuple[FrameWriter, FrameWriter]
) -> None:
    """Link the frame's nuclei to tracks and write its nucleus and cytoplasm label images, painted
    with the track ids on the two ``canvases``, with the two ``writers``.

    The cytoplasm depends on pixel positions only, not on label values, so relabelling the nuclei
    and the cytoplasm with the same track ids equals deriving it afterwards."""
    track_ids = tracker.link(masks.objects)
    track_ids = track_ids.astype(label_dtype(int(track_ids.max(initial=0))))
    for canvas, writer, pixels in zip(canvases, writers, (masks.objects.pixels, masks.cytoplasm)):
        writer.write(canvas.paint(pixels, track_ids))


def segment_stack(
    stack: np.ndarray,
    nuclei_path: str | Path,
    cytoplasm_path: str | Path,
    params: MaskParams,
    tracking: TrackParams,
    threads: int = 1,
    sources: MaskSources = NO_SOURCES,
    min_cell_area_px: int = 0,
) -> SegmentedMovie:
    """Write nucleus and cytoplasm label stacks for a (T, C, Y, X) stack, frame by frame.

    Each frame is segmented (:func:`segment_frame`), its nuclei are relabelled with track ids
    (when tracking is on; see :class:`nucleocyto.segment.tracking.Tracker`), and its cytoplasm is
    relabelled with the same ids, so both stacks carry the track ids.

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray or Movie
        The movie (usually a :class:`nucleocyto.io.movie.Movie`); ``stack[t]`` is frame ``t``.
    nuclei_path, cytoplasm_path : path
        Output ``.npy`` files, each (T, Y, X) uint8, uint16 or int32: the narrowest that holds
        the movie's cell ids (see :class:`nucleocyto.io.stacks.LabelStackWriter`).
    params, tracking, threads
        Mask and tracking parameters; frames segmented at once (by worker processes).
    sources, min_cell_area_px
        The sample's optional images; fewest pixels of a nucleus counted as a cell.

    Returns
    -------
    SegmentedMovie
        The QC table and the lineage of the tracks.
    """
    n_frames, _, height, width = stack.shape
    shape = (n_frames, height, width)
    tracker = Tracker(tracking, min_cell_area_px)
    rows = []
    with (
        atomic_path(nuclei_path) as tmp_nuclei,
        atomic_path(cytoplasm_path) as tmp_cytoplasm,
        LabelStackWriter(tmp_nuclei, shape, background=threads > 1) as nuclei_out,
        LabelStackWriter(tmp_cytoplasm, shape, background=threads > 1) as cytoplasm_out,
    ):
        segment = partial(_segment_frame_of, stack, params=params, sources=sources, min_px=min_cell_area_px)
        frames = map_frames(segment, n_frames, threads, release=(stack,))
        # Two canvases a stack, in turn: a writer returns once the frame before is written, so
        # the canvas painted two frames ago is free again.
        canvases = [(Canvas((height, width)), Canvas((height, width))) for _ in range(2)]
        for t, masks in enumerate(frames):
            _write_tracked(masks, tracker, canvases[t % 2], (nuclei_out, cytoplasm_out))
            rows.append(masks.qc)
            if masks.qc["empty"]:
                log.warning("frame %d: empty nucleus mask; its measurements will be NaN", t)
    if tracking.method != "none":
        log.info("tracking (%s): %d tracks, %d divisions", tracking.method, tracker.n_tracks, tracker.n_divisions)
    lineage = tracker.lineage()
    return SegmentedMovie(qc_table(rows, lineage), lineage)
