"""Rule ingest: a sample's source images (TIFFs, per-timepoint series, vendor formats) -> the
canonical (T, C, Y, X) ``stack.npy`` and ``metadata.json``."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from ..config import ChannelSource
from ..errors import InputError
from ..io.atomic import atomic_path
from ..io.budget import frame_working_mb, memory_limit_mb
from ..io.checksum import sha256sum
from ..io.freshness import file_state, write_record
from ..io.sources import FrameReader, SampleLayout, calibration, describe_sample, sample_metadata
from ..io.stacks import FrameWriter, write_metadata
from ..system import DropBehind, map_frames

log = logging.getLogger(__name__)


def run(
    sample: str,
    sources: dict[str, ChannelSource],
    stack_path: str | Path,
    metadata_path: str | Path,
    frame_interval_s: float | None = None,
    pixel_size_um: float | None = None,
    threads: int = 1,
    record_path: str | Path | None = None,
    mem_mb: float | None = None,
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
    record_path : path, optional
        Where to record each source file's size, modification time (taken before it is read)
        and SHA-256 (:func:`nucleocyto.io.freshness.write_record`), for the stale-source check.
    mem_mb : float, optional
        The job's memory (MB); with the machine's memory, the limit the frames must fit
        (:func:`check_memory`).

    Returns
    -------
    dict
        The metadata written.
    """
    layout = describe_sample(sample, sources)
    check_memory(layout, mem_mb)
    log.info("sample %s: writing stack %s of %s", sample, layout.shape, layout.dtype)
    states = {path: file_state(path) for path in layout.paths}  # before reading: a change meanwhile shows
    checksums = _copy_and_hash(layout, stack_path, threads)
    interval, pixel = calibration(layout, frame_interval_s, pixel_size_um)
    if interval is None:
        log.warning("sample %s: no frame interval in the files or the sample sheet; time_s will be NaN", sample)
    metadata = sample_metadata(layout, checksums, interval, pixel)
    write_metadata(metadata, metadata_path)
    if record_path is not None:
        write_record({path: states[path] | {"sha256": checksums[path]} for path in layout.paths}, record_path)
    return metadata


def check_memory(layout: SampleLayout, mem_mb: float | None) -> None:
    """Check, before any plane is decoded, that the steps can hold the sample's frames
    (:func:`nucleocyto.io.budget.frame_working_mb`) within the job's ``mem_mb`` or the machine's
    memory, whichever is smaller.

    Raises
    ------
    InputError
        ``"sample '<sample>', <path>: frames of <Y> × <X> pixels (<C> channels, <dtype>) need
        about <n> MB to process, more than the memory limit of <n> MB (<where>)."``
    """
    need = frame_working_mb(layout.shape[2:], layout.shape[1])
    limit, where = memory_limit_mb(mem_mb)
    if need > limit:
        files = " and ".join(dict.fromkeys(str(channel.source.path) for channel in layout.channels))
        height, width = layout.shape[2:]
        raise InputError(
            f"sample {layout.sample!r}, {files}: frames of {height} × {width} pixels ({layout.shape[1]} "
            f"channels, {layout.dtype.name}) need about {need:.0f} MB to process, more than the memory "
            f"limit of {limit:.0f} MB ({where})."
        )


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
        hashing: dict[Path, Future] = (
            {path: hasher.submit(checksum, path) for path in layout.paths} if threads > 1 else {}
        )
        reader = files.enter_context(FrameReader(layout))
        tmp = files.enter_context(atomic_path(stack_path))
        stack = files.enter_context(FrameWriter(tmp, layout.shape, layout.dtype, background=threads > 1))
        for t, frame in enumerate(map_frames(reader.read, layout.shape[0])):
            stack.write(frame)
            for path, done in reader.copied(t).items():
                drops[path].passed(copier, done)
        for path in layout.paths:
            drops[path].passed(copier, path.stat().st_size)
        return {path: hashing[path].result() if path in hashing else checksum(path) for path in layout.paths}
