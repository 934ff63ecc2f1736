"""Frame walking: order, threads, bounded resident memory over memory maps, frame-by-frame writes."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from nucleocyto.config import MaskParams, TrackParams
from nucleocyto.io.stacks import FrameWriter, LabelStackWriter, label_dtype
from nucleocyto.segment.nuclei import nucleus_labels
from nucleocyto.steps.correlate import correlate_stack
from nucleocyto.steps.masks import segment_stack
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import grid_cells, render_movie
from nucleocyto.system import Progress, map_frames, release_pages


@pytest.mark.parametrize("threads", [1, 3])
def test_map_frames_yields_every_frame_in_order(threads):
    frames = np.random.default_rng(0).random((40, 64, 64))
    results = list(map_frames(lambda t: (t, np.sort(frames[t], axis=None)[-1]), 40, threads))
    assert [t for t, _ in results] == list(range(40))
    np.testing.assert_array_equal([top for _, top in results], frames.reshape(40, -1).max(axis=1))


def test_map_frames_raises_the_error_of_a_frame():
    def work(t):
        if t == 5:
            raise ValueError("frame 5 is bad")
        return t

    with pytest.raises(ValueError, match="frame 5 is bad"):
        list(map_frames(work, 50, threads=2))


def resident_file_kb() -> int:
    """Resident pages of memory-mapped files in this process (kB), from /proc/self/status."""
    match = re.search(r"^RssFile:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    return int(match.group(1))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_walking_a_memory_map_keeps_resident_memory_bounded(tmp_path):
    path = tmp_path / "movie.npy"
    movie = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint16, shape=(64, 512, 1024))  # 64 MiB
    for t in range(64):
        movie[t] = t
    release_pages(movie)
    movie.flush()
    del movie
    stack = np.load(path, mmap_mode="r")
    start = resident_file_kb()
    peaks = list(
        map_frames(lambda t: (int(stack[t, ::7, ::7].sum()), resident_file_kb()), 64, release=(stack,), every=4)
    )
    assert [total for total, _ in peaks] == [t * len(range(0, 512, 7)) * len(range(0, 1024, 7)) for t in range(64)]
    assert max(kb for _, kb in peaks) - start < 16 * 1024, "resident pages grew with the number of frames read"


def test_release_keeps_written_data_and_copy_on_write_changes(tmp_path):
    shared = np.lib.format.open_memmap(tmp_path / "a.npy", mode="w+", dtype=np.int32, shape=(8, 256, 256))
    shared[:] = np.arange(8)[:, None, None]
    release_pages(shared[3])
    shared.flush()
    del shared
    private = np.load(tmp_path / "a.npy", mmap_mode="c")
    private[2] = -1
    release_pages(private)
    assert (private[2] == -1).all(), "a copy-on-write map lost its changes"
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy")[:, 0, 0], np.arange(8))


def test_frame_writer_writes_a_loadable_npy(tmp_path):
    frames = np.random.default_rng(1).integers(0, 1000, (5, 3, 7, 9)).astype(np.uint16)
    with FrameWriter(tmp_path / "x.npy", frames.shape, np.uint16) as out:
        for frame in frames:
            out.write(frame)
    np.testing.assert_array_equal(np.load(tmp_path / "x.npy", mmap_mode="r"), frames)


def test_frame_writer_refuses_wrong_frames_and_missing_frames(tmp_path):
    with pytest.raises(ValueError, match="expected"), FrameWriter(tmp_path / "x.npy", (2, 4, 4), np.int32) as out:
        out.write(np.zeros((4, 5), np.int32))
    with (
        pytest.raises(RuntimeError, match="1 of 2 frames"),
        FrameWriter(tmp_path / "y.npy", (2, 4, 4), np.int32) as out,
    ):
        out.write(np.zeros((4, 4), np.int32))


def write_labels(path, frames):
    """Write (T, Y, X) integer ``frames`` with a LabelStackWriter, each in its own label_dtype;
    return the stored stack."""
    with LabelStackWriter(path, frames.shape) as out:
        for frame in frames:
            out.write(frame.astype(label_dtype(int(frame.max()))))
    return np.load(path)


@pytest.mark.parametrize(
    ("highest", "dtype"), [(0, np.uint8), (255, np.uint8), (256, np.uint16), (65_535, np.uint16), (65_536, np.int32)]
)
def test_label_dtype_is_the_narrowest_that_holds_the_labels(highest, dtype):
    assert label_dtype(highest) == dtype


def test_label_stack_writer_stores_uint8_and_widens_when_labels_need_it(tmp_path):
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 256, (4, 6, 5))
    stored = write_labels(tmp_path / "narrow.npy", labels)
    assert stored.dtype == np.uint8
    np.testing.assert_array_equal(stored, labels)

    labels[2, 1, 1] = 300  # uint16 from frame 2: frames 0 and 1 are rewritten
    labels[3, 0, 0] = 70_000  # int32 from frame 3: frames 0 to 2 are rewritten
    stored = write_labels(tmp_path / "wide.npy", labels)
    assert stored.dtype == np.int32
    np.testing.assert_array_equal(stored, labels)

    labels[:, 0, 0] = 1_000  # uint16 from the first frame: nothing to rewrite
    stored = write_labels(tmp_path / "mid.npy", labels[:3])
    assert stored.dtype == np.uint16
    np.testing.assert_array_equal(stored, labels[:3])
    assert sorted(path.name for path in tmp_path.iterdir()) == ["mid.npy", "narrow.npy", "wide.npy"]


def test_masks_of_a_frame_with_more_than_65535_nuclei_are_stored_as_int32(tmp_path):
    """One bright pixel in every other row and column: 65,536 separate nuclei in frame 1."""
    marker = np.full((2, 512, 512), 100, np.uint16)
    marker[0, 100:120, 100:120] = 1000
    marker[1, ::2, ::2] = 1000
    stack = np.stack([marker, marker], axis=1)
    nuclei, cytoplasm = tmp_path / "n.npy", tmp_path / "c.npy"
    counts = segment_stack(stack, nuclei, cytoplasm, MaskParams(), TrackParams("none")).counts
    assert counts == [1, 65_536]
    stored = np.load(nuclei)
    assert stored.dtype == np.int32 and np.load(cytoplasm).dtype == np.int32
    for t in range(2):
        np.testing.assert_array_equal(stored[t], nucleus_labels(marker[t]))


def test_steps_with_two_worker_processes_equal_one(tmp_path):
    poi, marker, _ = render_movie(grid_cells(6, (70, 90), seed=3), 12, (70, 90), seed=3)
    stack = np.stack([poi, marker], axis=1)
    outputs = {}
    for threads in (1, 2):
        nuclei, cytoplasm = tmp_path / f"n{threads}.npy", tmp_path / f"c{threads}.npy"
        counts = segment_stack(stack, nuclei, cytoplasm, MaskParams(), TrackParams("none"), threads=threads).counts
        labels = np.load(nuclei), np.load(cytoplasm)
        outputs[threads] = (
            counts,
            labels,
            measure_stack(stack, *labels, "s", 2.0, threads=threads).intensities,
            correlate_stack(stack, *labels, "s", 2.0, shuffles=5, threads=threads),  # seeded per frame
        )
    assert outputs[1][0] == outputs[2][0] and max(outputs[1][0]) == 6
    for serial, threaded in zip(outputs[1][1], outputs[2][1]):
        np.testing.assert_array_equal(serial, threaded)
    assert outputs[1][2].equals(outputs[2][2])
    assert outputs[1][3].equals(outputs[2][3]) and outputs[1][3]["costes_p"].notna().any()


def test_progress_is_logged_every_few_seconds_with_the_expected_finish(caplog):
    """A walk over 100 frames taking 1 s per frame (a fake clock) logs a line every 10 s with
    the frames done, the rate and the time left, then the total."""
    ticks = iter(range(0, 1000))
    progress = Progress(100, clock=lambda: float(next(ticks)))
    with caplog.at_level(logging.INFO, logger="nucleocyto.system"):
        for done in range(1, 101):
            progress.update(done)
        progress.finish()
    lines = [record.getMessage() for record in caplog.records]
    assert lines[0] == "frames 10/100 (10 %), 1 frames/s, about 90 s left"
    assert len(lines) == 10 and lines[-1] == "frames 100/100 done in 101 s, 0.99 frames/s"
