"""Rule ingest: a sample's source images (TIFFs, per-timepoint series, vendor formats) ->
``metadata.json``, which describes the canonical (T, C, Y, X) movie the later steps read from
the sources (:func:`nucleocyto.io.movie.open_movie`), after every plane that must be decoded
has been read once."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from ..config import ChannelSource
from ..errors import InputError
from ..io.budget import frame_working_mb, memory_limit_mb
from ..io.checksum import sha256sum
from ..io.freshness import file_state, write_record
from ..io.sources import FrameReader, SampleLayout, calibration, describe_sample, sample_metadata
from ..io.stacks import write_metadata
from ..system import map_frames

log = logging.getLogger(__name__)


def run(
    sample: str,
    sources: dict[str, ChannelSource],
    metadata_path: str | Path,
    frame_interval_s: float | None = None,
    pixel_size_um: float | None = None,
    threads: int = 1,
    record_path: str | Path | None = None,
    mem_mb: float | None = None,
) -> dict:
    """Check that every plane of one sample's sources reads, and write its metadata.

    Parameters
    ----------
    sample : str
        Sample id, used in messages and metadata.
    sources : dict
        ``{"poi": ChannelSource, "marker": ChannelSource}``.
    metadata_path : path
        Output JSON (see ``docs/outputs.md``): the sources of the (T, 2, Y, X) movie, channels in
        :data:`nucleocyto.CHANNELS` order, in the common pixel type of the inputs.
    frame_interval_s, pixel_size_um : float, optional
        Overrides for the calibration read from the files (seconds, micrometres per pixel).
    threads : int
        With 2 or more, the sources' SHA-256 checksums are computed on a thread of its own
        while the frames are read.
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
    log.info("sample %s: reading a movie %s of %s", sample, layout.shape, layout.dtype)
    states = {path: file_state(path) for path in layout.paths}  # before reading: a change meanwhile shows
    checksums = _read_and_hash(layout, threads)
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


def _read_and_hash(layout: SampleLayout, threads: int) -> dict[Path, str]:
    """Read every frame of the sources (so that a damaged plane or a NaN stops the sample here)
    and hash each source once; returns {source path: SHA-256}. With ``threads`` > 1 the hashes
    are computed on threads of their own (``threads - 1`` of them while the frames are read).

    Integer planes stored uncompressed at known places in their file (``FrameReader.stored_raw``)
    are not read: their bytes are the pixels, nothing can fail to decode, and describing the
    file checked that they all lie within it. Hashing reads those bytes once anyway."""
    with FrameReader(layout) as reader:
        decode = not (reader.stored_raw and layout.dtype.kind in "ui")
        with ThreadPoolExecutor(max_workers=max(1, threads - decode)) as hashers:
            hashing: dict[Path, Future] = (
                {path: hashers.submit(sha256sum, path) for path in layout.paths} if threads > 1 else {}
            )
            if decode:
                for _ in map_frames(reader.read, layout.shape[0]):
                    pass
            return {path: hashing[path].result() if path in hashing else sha256sum(path) for path in layout.paths}
