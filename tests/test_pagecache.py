"""Dropping a source file's pages behind its readers (Linux page cache)."""

from __future__ import annotations

import ctypes
import mmap
import os
import sys

import numpy as np
import pytest
import tifffile

from nucleocyto import CHANNELS
from nucleocyto.config import ChannelSource
from nucleocyto.steps import ingest
from nucleocyto.system import DROP_BYTES, DropBehind

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="posix_fadvise and mincore are Linux calls"
)

PAGE = mmap.PAGESIZE


def resident(path) -> np.ndarray:
    """Per page of ``path``: is it in the page cache (``mincore``)? Touches no page."""
    size = os.path.getsize(path)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    with open(path, "rb") as handle:
        address = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, handle.fileno(), 0)
    pages = np.zeros((size + PAGE - 1) // PAGE, np.uint8)
    try:
        assert libc.mincore(ctypes.c_void_p(address), size, pages.ctypes.data) == 0, os.strerror(ctypes.get_errno())
    finally:
        libc.munmap(ctypes.c_void_p(address), size)
    return (pages & 1).astype(bool)


def cached_file(path, size: int) -> None:
    """A file of ``size`` bytes, on disk and in the page cache (clean pages can be dropped)."""
    with open(path, "wb") as handle:
        handle.write(os.urandom(size))
        handle.flush()
        os.fsync(handle.fileno())
    with open(path, "rb") as handle:
        while handle.read(1 << 20):
            pass


def test_pages_are_dropped_once_every_reader_has_passed_them(tmp_path):
    path = tmp_path / "source.bin"
    cached_file(path, 4 * DROP_BYTES)
    if not resident(path).all():
        pytest.skip("this file system does not keep the file in the page cache")
    pages_per_drop = DROP_BYTES // PAGE
    with DropBehind(path, readers=2) as drop:
        drop.passed(0, 3 * DROP_BYTES)
        assert resident(path).all()  # reader 1 has not started
        drop.passed(1, 2 * DROP_BYTES)
        now = resident(path)
        assert not now[: 2 * pages_per_drop].any() and now[2 * pages_per_drop :].all()
    assert not resident(path).any()


def test_ingest_leaves_no_source_page_in_the_page_cache(tmp_path):
    movie = np.random.default_rng(4).integers(0, 4000, (40, 2, 256, 256)).astype(np.uint16)
    sources = {}
    for c, name in enumerate(CHANNELS):
        sources[name] = ChannelSource(tmp_path / f"{name}.tif")
        tifffile.imwrite(sources[name].path, movie[:, c], imagej=True, metadata={"axes": "TYX"})
    os.sync()  # clean pages: the kernel drops only those
    for threads in (1, 2):
        for source in sources.values():
            source.path.read_bytes()
        if not all(resident(source.path).all() for source in sources.values()):
            pytest.skip("this file system does not keep the file in the page cache")
        ingest.run("s", sources, tmp_path / f"stack{threads}.npy", tmp_path / f"meta{threads}.json", threads=threads)
        np.testing.assert_array_equal(np.load(tmp_path / f"stack{threads}.npy"), movie)
        assert not any(resident(source.path).any() for source in sources.values())
