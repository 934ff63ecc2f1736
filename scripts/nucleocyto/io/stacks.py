"""The ``.npy`` arrays and the ``metadata.json`` of a sample.

Outputs are written frame by frame, in order, with plain file writes (:class:`FrameWriter`):
writing through a memory map costs one page fault per 4 KiB page, several times the cost of a
sequential ``write``. Label stacks are stored in the narrowest dtype their labels fit (uint8,
uint16 or int32; :class:`LabelStackWriter`). Inputs are opened as read-only memory maps
(:func:`open_array`), so a step holds a few frames whatever the movie's length.
"""

from __future__ import annotations

import json
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .atomic import atomic_path


def open_array(path: str | Path) -> np.ndarray:
    """A read-only memory map of a ``.npy`` array: a sample's stack (T, C, Y, X) or a label
    stack (T, Y, X)."""
    return np.load(path, mmap_mode="r", allow_pickle=False)


def read_metadata(path: str | Path) -> dict:
    """The ingest step's ``metadata.json`` as a dict (see ``docs/outputs.md``)."""
    with open(path) as handle:
        return json.load(handle)


def write_metadata(metadata: dict, path: str | Path) -> None:
    """Write ``metadata`` as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(metadata, indent=2) + "\n")


class FrameWriter:
    """Write a (T, ...) ``.npy`` file one frame at a time, in frame order; a context manager.

    Parameters
    ----------
    path : path
        Output file (usually the temporary path of :func:`nucleocyto.io.atomic.atomic_path`).
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
        self._file = open(path, "wb")  # noqa: SIM115 (open across writes; closed by __exit__)
        header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._file, header)
        self._header_bytes = self._file.tell()

    def __enter__(self) -> FrameWriter:
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
        """Append the next frame (shape ``shape[1:]``). Returns once the frame before is written
        (in the background, this one may not be yet): from then on that frame's array may change."""
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


#: The dtypes a label stack is stored in, narrowest first (a frame is labelled in
#: :data:`nucleocyto.segment.labels.LABEL_DTYPE`, then stored in the narrowest that holds its ids).
STORED_LABEL_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.int32))


def label_dtype(highest: int) -> np.dtype:
    """The narrowest dtype of :data:`STORED_LABEL_DTYPES` that holds labels up to ``highest``."""
    for dtype in STORED_LABEL_DTYPES:
        if highest <= np.iinfo(dtype).max:
            return dtype
    raise ValueError(f"label {highest} does not fit a label stack (at most {np.iinfo(STORED_LABEL_DTYPES[-1]).max})")


class LabelStackWriter(FrameWriter):
    """A :class:`FrameWriter` for (T, Y, X) label stacks, in the narrowest dtype their labels need.

    A stack starts as uint8 (255 cells or tracks, a quarter of the bytes of int32) and widens to
    uint16 (65,535) or int32 when a frame needs it. Give each frame in
    ``label_dtype(its highest label)``: a frame of a wider dtype than the stack's makes the writer
    rewrite the frames written so far in that dtype and go on in it.
    """

    def __init__(self, path: str | Path, shape: tuple[int, ...], background: bool = False):
        super().__init__(path, shape, STORED_LABEL_DTYPES[0], background)

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
