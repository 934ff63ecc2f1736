"""Walk the frames of a movie on a pool of threads, with memory that does not grow with its length.

Inputs are read through memory maps. A memory map keeps every page a process has read resident
in that process until the map is closed, so a step walking a 2 GB stack through
``np.load(..., mmap_mode="r")`` would end up holding 2 GB. :func:`map_frames` therefore releases
the pages of the memory-mapped arrays it is given every few frames (``madvise(MADV_DONTNEED)``):
the data stay in the file and in the page cache, and a later access reads them again.

Outputs are written frame by frame, in order, with plain file writes (:class:`FrameWriter`):
writing through a memory map costs one page fault per 4 KiB page, several times the cost of a
sequential ``write``. Label stacks are stored in the narrowest dtype their labels fit (uint8,
uint16 or int32; :class:`LabelStackWriter`).
"""

from __future__ import annotations

import mmap
import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import numpy as np

Result = TypeVar("Result")

#: Frames processed between two releases of the memory-mapped pages.
RELEASE_EVERY = 8


def map_frames(
    function: Callable[[int], Result],
    n_frames: int,
    threads: int = 1,
    release: tuple[np.ndarray, ...] = (),
    every: int = RELEASE_EVERY,
) -> Iterator[Result]:
    """Yield ``function(t)`` for ``t`` in ``range(n_frames)``, in frame order.

    Parameters
    ----------
    function : callable
        Work on frame ``t``; with ``threads > 1`` it runs on worker threads (numpy, scipy and
        scikit-image release the GIL in their inner loops, so frames overlap), so it should
        return its results rather than write to shared state.
    n_frames : int
    threads : int
        Worker threads; at most ``2 * threads`` frames are in flight at once.
    release : tuple of ndarray
        Arrays (usually memory maps, or views of them) whose resident pages are released every
        ``every`` frames and at the end; other arrays are ignored.
    """
    results = map(function, range(n_frames)) if threads <= 1 else _threaded(function, n_frames, threads)
    for done, result in enumerate(results, 1):
        yield result
        if done % every == 0:
            release_pages(*release)
    release_pages(*release)


def _threaded(function: Callable[[int], Result], n_frames: int, threads: int) -> Iterator[Result]:
    """``function(t)`` for every frame, in order, computed on ``threads`` threads."""
    with ThreadPoolExecutor(max_workers=threads) as pool:
        pending: deque = deque()
        try:
            for t in range(n_frames):
                pending.append(pool.submit(function, t))
                if len(pending) > 2 * threads:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


class FrameWriter:
    """Write a (T, ...) ``.npy`` file one frame at a time, in frame order; a context manager.

    Parameters
    ----------
    path : path
        Output file (usually the temporary path of :func:`nucleocyto.atomic.atomic_path`).
    shape : tuple of int
        Shape of the whole array; frames have shape ``shape[1:]``.
    dtype : numpy dtype
        Element type; frames are converted to it.
    background : bool
        Write on a thread of its own: :meth:`write` returns once the previous frame is written,
        so the caller computes the next frame while this one is written (the kernel's copy into
        the page cache is CPU time too). The caller must not modify a frame after passing it.
    """

    def __init__(self, path: str | Path, shape: tuple[int, ...], dtype: np.dtype, background: bool = False):
        self.shape, self.written = tuple(shape), 0
        self._open(Path(path), np.dtype(dtype))
        self._writer = ThreadPoolExecutor(max_workers=1) if background else None
        self._pending: Future | None = None

    def _open(self, path: Path, dtype: np.dtype) -> None:
        """Start ``path`` with the ``.npy`` header of the whole array in ``dtype``."""
        self.dtype = dtype
        self._file = open(path, "wb")
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._file, header)
        self._header_bytes = self._file.tell()

    def __enter__(self) -> "FrameWriter":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            self._wait()
        finally:
            if self._writer is not None:
                self._writer.shutdown()
            self._file.close()
        if exc_type is None and self.written != self.shape[0]:
            raise RuntimeError(f"{self._file.name}: {self.written} of {self.shape[0]} frames written")

    def write(self, frame: np.ndarray) -> None:
        """Append the next frame (shape ``shape[1:]``)."""
        if frame.shape != self.shape[1:]:
            raise ValueError(f"frame of shape {frame.shape}, expected {self.shape[1:]}")
        data = np.ascontiguousarray(frame, self.dtype).data
        self._wait()
        if self._writer is None:
            self._file.write(data)
        else:
            self._pending = self._writer.submit(self._file.write, data)
        self.written += 1

    def _wait(self) -> None:
        """Return when the frames given so far are written (raising what writing raised)."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()


#: The dtypes of label stacks, narrowest first.
LABEL_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.int32))


def label_dtype(highest: int) -> np.dtype:
    """The narrowest dtype of :data:`LABEL_DTYPES` that holds labels up to ``highest``."""
    for dtype in LABEL_DTYPES:
        if highest <= np.iinfo(dtype).max:
            return dtype
    raise ValueError(f"label {highest} does not fit a label stack (at most {np.iinfo(LABEL_DTYPES[-1]).max})")


class LabelStackWriter(FrameWriter):
    """A :class:`FrameWriter` for (T, Y, X) label stacks, in the narrowest dtype their labels need.

    A stack starts as uint8 (255 cells or tracks, a quarter of the bytes of int32) and widens to
    uint16 (65,535) or int32 when a frame needs it. Give each frame in
    ``label_dtype(its highest label)``: a frame of a wider dtype than the stack's makes the writer
    rewrite the frames written so far in that dtype and go on in it.
    """

    def __init__(self, path: str | Path, shape: tuple[int, ...], background: bool = False):
        super().__init__(path, shape, LABEL_DTYPES[0], background)

    def write(self, frame: np.ndarray) -> None:
        """Append the next frame (shape ``shape[1:]``), widening the stack if its dtype needs it."""
        if not np.can_cast(frame.dtype, self.dtype):
            self._widen(np.promote_types(self.dtype, frame.dtype))
        super().write(frame)

    def _widen(self, dtype: np.dtype) -> None:
        """Rewrite the frames written so far in ``dtype`` and continue in it."""
        self._wait()
        path = Path(self._file.name)
        narrow = path.with_name(path.name + ".narrow")
        self._file.close()
        os.replace(path, narrow)
        old_dtype, offset = self.dtype, self._header_bytes
        count = int(np.prod(self.shape[1:]))
        self._open(path, dtype)
        try:
            for t in range(self.written):
                frame = np.fromfile(narrow, old_dtype, count, offset=offset + t * count * old_dtype.itemsize)
                self._file.write(frame.astype(dtype).data)
        finally:
            narrow.unlink()


def release_pages(*arrays: np.ndarray) -> None:
    """Drop the pages of memory-mapped ``arrays`` from this process's resident memory.

    Safe for read-only and shared writable maps (``mode`` ``"r"``, ``"r+"``, ``"w+"``); arrays
    that are not memory-mapped, and copy-on-write maps, are left alone.
    """
    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    for array in arrays:
        mapping = _shared_mapping(array)
        if mapping is not None:
            mapping.madvise(mmap.MADV_DONTNEED)


def _shared_mapping(array: np.ndarray) -> mmap.mmap | None:
    """The ``mmap`` behind ``array`` (following ``.base``), or None if there is none or it is a
    copy-on-write map (whose changes would be lost)."""
    base, mode = array, None
    while base is not None and not isinstance(base, mmap.mmap):
        mode = getattr(base, "mode", mode) if isinstance(base, np.memmap) else mode
        base = getattr(base, "base", None)
    return base if base is not None and mode != "c" else None
