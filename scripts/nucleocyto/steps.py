"""One function per workflow rule: paths and parameters in, files out.

Each function is what its rule's script (``scripts/<rule>.py``) calls once it has read the
``snakemake`` object; outputs are written atomically (a failed step leaves none). ``provenance``
is the JSON-serialisable record (rule, parameters, input checksums) stored in every Parquet
file's metadata.

The computations are imported inside the functions that use them, so that each step's process
imports only its own libraries (scikit-image for masks, Matplotlib for figures).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pandas as pd

from . import SAMPLE_FIGURES
from .config import BackgroundParams, ChannelSource, CorrelationParams, FigureParams, MaskParams, TrackParams
from .errors import InputError
from .io.atomic import atomic_path
from .io.checksum import sha256sum
from .io.sources import FrameReader, SampleLayout, calibration, describe_sample, sample_metadata
from .io.stacks import FrameWriter, open_array, read_metadata, write_metadata
from .io.tables import write_html, write_parquet
from .system import DropBehind, map_frames

log = logging.getLogger(__name__)

def ingest(
    sample: str,
    sources: dict[str, ChannelSource],
    stack_path: str | Path,
    metadata_path: str | Path,
    frame_interval_s: float | None = None,
    pixel_size_um: float | None = None,
    threads: int = 1,
) -> dict:
    """Write the canonical stack and its metadata for one sample.

    Parameters
    ----------
    sample : str
        Sample id, used in messages and metadata.
    sources : dict
        ``{"poi": ChannelSource, "marker": ChannelSource}``.
    stack_path : path
        Output ``.npy``: (T, 2, Y, X), channels in :data:`nucleocyto.CHANNELS` order, the
        common pixel type of the inputs in native byte order.
    metadata_path : path
        Output JSON (see ``docs/outputs.md``).
    frame_interval_s, pixel_size_um : float, optional
        Overrides for the calibration read from the files (seconds, micrometres per pixel).
    threads : int
        With 2 or more, the sources' SHA-256 checksums are computed, and the stack is written,
        on threads of their own while the frames are read.

    Returns
    -------
    dict
        The metadata written.
    """
    layout = describe_sample(sample, sources)
    log.info("sample %s: writing stack %s of %s", sample, layout.shape, layout.dtype)
    checksums = _copy_and_hash(layout, stack_path, threads)
    interval, pixel = calibration(layout, frame_interval_s, pixel_size_um)
    if interval is None:
        log.warning("sample %s: no frame interval in the files or the sample sheet; time_s will be NaN", sample)
    metadata = sample_metadata(layout, checksums, interval, pixel)
    write_metadata(metadata, metadata_path)
    return metadata


def _copy_and_hash(layout: SampleLayout, stack_path: str | Path, threads: int) -> dict[Path, str]:
    """Copy the sources' frames into ``stack_path`` and hash each source once; returns
    {source path: SHA-256}.

    Each source is read twice (copied, hashed), and its pages are dropped from the page cache
    behind both readers (:class:`nucleocyto.system.DropBehind`).
    """
    copier, hasher_reader = 0, 1
    with ExitStack() as files:
        drops = {path: files.enter_context(DropBehind(path, readers=2)) for path in layout.paths}

        def checksum(path: Path) -> str:
            return sha256sum(path, progress=lambda done: drops[path].passed(hasher_reader, done))

        hasher = files.enter_context(ThreadPoolExecutor(max_workers=1))
        hashing: dict[Path, Future] = {path: hasher.submit(checksum, path) for path in layout.paths} if threads > 1 else {}
        reader = files.enter_context(FrameReader(layout))
        tmp = files.enter_context(atomic_path(stack_path))
        stack = files.enter_context(FrameWriter(tmp, layout.shape, layout.dtype, background=threads > 1))
        for t, frame in enumerate(map_frames(reader.read, layout.shape[0])):
            stack.write(frame)
            for path, start in reader.start_offsets(t).items():  # frames 0..t are copied
                drops[path].passed(copier, start)
        for path in layout.paths:
            drops[path].passed(copier, path.stat().st_size)
        return {path: hashing[path].result() if path in hashing else checksum(path) for path in layout.paths}


def masks(
    stack_path: str | Path,
    nuclei_path: str | Path,
    cytoplasm_path: str | Path,
    params: MaskParams,
    tracking: TrackParams,
    threads: int = 1,
) -> list[int]:
    """Nucleus and cytoplasm label stacks of a sample (see
    :func:`nucleocyto.movie.segment_stack`); returns the number of cells of each frame."""
    from .movie import segment_stack

    counts = segment_stack(open_array(stack_path), nuclei_path, cytoplasm_path, params, tracking, threads)
    log.info("%d frames; cells per frame: min %d, max %d", len(counts), min(counts), max(counts))
    return counts


def measure(
    sample: str,
    arrays: Mapping[str, str | Path],
    intensities_path: str | Path,
    cells_path: str | Path,
    background: BackgroundParams,
    provenance: dict,
    threads: int = 1,
) -> None:
    """``intensities.parquet`` and ``cells.parquet`` of a sample.

    ``arrays`` maps ``stack``, ``metadata``, ``nuclei`` and ``cytoplasm`` to their paths.
    """
    from .measure.cells import cell_table
    from .movie import measure_stack

    interval = read_metadata(arrays["metadata"])["frame_interval_s"]
    stack, nuclei, cytoplasm = _label_arrays(arrays)
    table = measure_stack(stack, nuclei, cytoplasm, sample, interval, background, threads)
    write_parquet(table, intensities_path, provenance)
    write_parquet(cell_table(table), cells_path, provenance)


def correlate(
    sample: str,
    arrays: Mapping[str, str | Path],
    cells_path: str | Path,
    correlation_path: str | Path,
    translocation_path: str | Path,
    params: CorrelationParams,
    provenance: dict,
    threads: int = 1,
) -> None:
    """``correlation.parquet`` (pixel correlation per frame and scope) and
    ``translocation.parquet`` (nuclear vs cytoplasmic POI over time, per cell) of a sample."""
    from .coloc.temporal import temporal_correlations
    from .movie import correlate_stack

    interval = read_metadata(arrays["metadata"])["frame_interval_s"]
    if params.costes_shuffles:
        log.info("Costes test: %d shuffles of %d px blocks per frame and scope", params.costes_shuffles,
                 params.psf_fwhm_px)
    table = correlate_stack(*_label_arrays(arrays), sample, interval, params.costes_shuffles, params.psf_fwhm_px,
                            params.seed, threads=threads)
    write_parquet(table, correlation_path, provenance)
    cells = pd.read_parquet(cells_path)
    translocation = temporal_correlations(cells, sample, interval, params.detrend, params.max_lag_frames)
    write_parquet(translocation, translocation_path, provenance)


def figures(
    sample: str,
    inputs: Mapping[str, str | Path],
    outputs: Mapping[str, str | Path],
    params: FigureParams,
) -> None:
    """The figures of one sample (PNG ``outputs[name]`` and SVG ``outputs[name + "_svg"]`` for
    each of :data:`SAMPLE_FIGURES`) and its per-cell HTML table ``outputs["table"]``.

    ``inputs`` maps ``stack``, ``metadata``, ``nuclei``, ``cytoplasm``, ``cells``,
    ``correlation`` and ``translocation`` to their paths.
    """
    from .plots import sample as draw
    from .plots.data import montage_frames, select_cells, split_cells
    from .plots.report import cell_summary
    from .plots.style import save

    metadata = read_metadata(inputs["metadata"])
    interval, pixel, n_frames = metadata["frame_interval_s"], metadata["pixel_size_um"], metadata["shape"][0]

    def write(name: str, build: Callable, *args) -> None:
        save(build(*args), outputs[name], outputs[f"{name}_svg"], params.dpi)

    try:
        shown = montage_frames(n_frames, params.montage_frames)
    except InputError as error:
        raise InputError(f"sample {sample}: figures.{error}") from None
    stack, nuclei, cytoplasm = _label_arrays(inputs)
    write("overlay", draw.overlay_montage, stack, nuclei, cytoplasm, shown, interval, pixel, params.montage_columns,
          f"{sample}: POI with nucleus and cytoplasm-ring masks")
    cells, pooled = split_cells(pd.read_parquet(inputs["cells"]))
    write("timecourse", draw.timecourse, cells, pooled, n_frames, interval, f"{sample}: POI in nucleus and cytoplasm")
    write("ratio", draw.ratio, cells, pooled, n_frames, interval, f"{sample}: nuclear / cytoplasmic POI ratio")
    correlation = pd.read_parquet(inputs["correlation"], columns=["frame", "scope", "cell_id", "pearson_r"])
    write("correlation", draw.correlation_over_time, correlation, n_frames, interval,
          f"{sample}: pixel correlation per frame")
    write("scatter", draw.scatter, cells, pooled, n_frames, interval, f"{sample}: nuclear vs cytoplasmic POI")
    ids = select_cells(cells, params.max_cells)
    n_ids = cells["cell_id"].nunique()
    shown_ids = f"all {n_ids} cell ids" if len(ids) == n_ids else f"{len(ids)} of {n_ids} cell ids (most frames)"
    write("cells", draw.cell_panels, cells, ids, n_frames, interval, f"{sample}: POI per cell, {shown_ids}")
    translocation = pd.read_parquet(inputs["translocation"])
    note = "N/C: nuclear / cytoplasmic POI mean per frame; temporal r: Pearson r over time between the two means."
    write_html(cell_summary(cells, pooled, translocation, pixel), outputs["table"], f"{sample}: cells", note)


def aggregate(translocation_paths: list[str], conditions: dict[str, str], summary_path: str | Path,
              provenance: dict) -> None:
    """All samples' translocation tables in one ``summary.parquet``, with each sample's
    condition as the second column."""
    table = pd.concat([pd.read_parquet(path) for path in translocation_paths], ignore_index=True)
    table.insert(1, "condition", table["sample"].map(conditions))
    write_parquet(table, summary_path, provenance)


def summary_figures(
    summary_path: str | Path,
    cells_paths: list[str],
    conditions: dict[str, str],
    outputs: Mapping[str, str | Path],
    dpi: int,
) -> None:
    """The figure across samples (PNG ``outputs["figure"]``, SVG ``outputs["svg"]``) and the
    table of samples (HTML ``outputs["table"]``), grouped by condition."""
    from .plots.report import sample_table
    from .plots.style import save
    from .plots.summary import summary

    columns = ["sample", "frame", "time_s", "nc_ratio"]
    pooled = pd.concat([pd.read_parquet(path, columns=columns, filters=[("cell_id", "==", 0)])
                        for path in cells_paths], ignore_index=True)
    translocation = pd.read_parquet(summary_path)
    save(summary(pooled, translocation, conditions), outputs["figure"], outputs["svg"], dpi)
    note = "N/C: nuclear / cytoplasmic POI mean, all cells pooled by area; temporal r: Pearson r over time between them."
    write_html(sample_table(pooled, translocation, conditions), outputs["table"], "All samples", note)


def _label_arrays(paths: Mapping[str, str | Path]) -> tuple:
    """Memory maps of the ``stack``, ``nuclei`` and ``cytoplasm`` arrays named in ``paths``."""
    return tuple(open_array(paths[name]) for name in ("stack", "nuclei", "cytoplasm"))
