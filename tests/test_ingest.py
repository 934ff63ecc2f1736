"""Ingestion of ImageJ and OME TIFFs: axes, channel order, calibration, overrides."""

from __future__ import annotations

import json

import numpy as np
import pytest
import tifffile

from conftest import read_movie
from nucleocyto.config import ChannelSource
from nucleocyto.steps import ingest


@pytest.fixture
def movie():
    rng = np.random.default_rng(3)
    return rng.integers(0, 4000, (5, 2, 12, 14)).astype(np.uint16)  # T, C, Y, X


def run_ingest(tmp_path, sources, **overrides):
    metadata = ingest.run("s1", sources, tmp_path / "metadata.json", **overrides)
    assert json.loads((tmp_path / "metadata.json").read_text()) == metadata
    return read_movie(tmp_path / "metadata.json", tmp_path), metadata


def test_imagej_files_one_per_channel(tmp_path, movie):
    for c, name in enumerate(("poi", "marker")):
        tifffile.imwrite(
            tmp_path / f"{name}.tif",
            movie[:, c],
            imagej=True,
            resolution=(2.0, 2.0),
            metadata={"axes": "TYX", "unit": "um", "finterval": 12.5},
        )
    sources = {"poi": ChannelSource(tmp_path / "poi.tif"), "marker": ChannelSource(tmp_path / "marker.tif")}
    stack, metadata = run_ingest(tmp_path, sources)
    np.testing.assert_array_equal(stack, movie)
    assert metadata["frame_interval_s"] == 12.5 and metadata["pixel_size_um"] == 0.5
    assert metadata["shape"] == [5, 2, 12, 14] and metadata["dtype"] == "uint16"


def test_imagej_hyperstack_channel_indices_pick_channels(tmp_path, movie):
    """Channel order in the stack is (poi, nucleus) whatever the file's order."""
    path = tmp_path / "both.tif"
    tifffile.imwrite(path, movie[:, ::-1], imagej=True, metadata={"axes": "TCYX", "finterval": 2.0, "tunit": "min"})
    sources = {"poi": ChannelSource(path, 1), "marker": ChannelSource(path, 0)}
    stack, metadata = run_ingest(tmp_path, sources)
    np.testing.assert_array_equal(stack, movie)
    assert metadata["frame_interval_s"] == 120.0


def test_ome_tiff_axes_and_calibration(tmp_path, movie):
    path = tmp_path / "movie.ome.tif"
    data = np.ascontiguousarray(movie.transpose(1, 0, 2, 3))  # C, T, Y, X in the file
    tifffile.imwrite(
        path,
        data,
        ome=True,
        metadata={
            "axes": "CTYX",
            "PhysicalSizeX": 0.65,
            "PhysicalSizeXUnit": "µm",
            "TimeIncrement": 1.5,
            "TimeIncrementUnit": "min",
        },
    )
    sources = {"poi": ChannelSource(path, 0), "marker": ChannelSource(path, 1)}
    stack, metadata = run_ingest(tmp_path, sources)
    np.testing.assert_array_equal(stack, movie)
    assert metadata["frame_interval_s"] == 90.0 and metadata["pixel_size_um"] == pytest.approx(0.65)


def test_big_endian_input_becomes_native(tmp_path, movie):
    for c, name in enumerate(("poi", "marker")):
        tifffile.imwrite(tmp_path / f"{name}.tif", movie[:, c].astype(">u2"), byteorder=">", metadata={"axes": "TYX"})
    sources = {"poi": ChannelSource(tmp_path / "poi.tif"), "marker": ChannelSource(tmp_path / "marker.tif")}
    stack, metadata = run_ingest(tmp_path, sources, frame_interval_s=3.0, pixel_size_um=0.2)
    assert stack.dtype == np.dtype("=u2")
    np.testing.assert_array_equal(stack, movie)
    assert metadata["frame_interval_s"] == 3.0 and metadata["pixel_size_um"] == 0.2


def test_sample_sheet_overrides_file_calibration(tmp_path, movie):
    path = tmp_path / "both.tif"
    tifffile.imwrite(path, movie, imagej=True, metadata={"axes": "TCYX", "finterval": 5.0})
    sources = {"poi": ChannelSource(path, 0), "marker": ChannelSource(path, 1)}
    _, metadata = run_ingest(tmp_path, sources, frame_interval_s=7.0)
    assert metadata["frame_interval_s"] == 7.0


def test_real_movie_metadata(tmp_path, real_movie):
    poi, marker = real_movie
    stack, metadata = run_ingest(tmp_path, {"poi": ChannelSource(poi), "marker": ChannelSource(marker)})
    np.testing.assert_array_equal(stack[:, 0], tifffile.imread(poi))
    np.testing.assert_array_equal(stack[:, 1], tifffile.imread(marker))
    assert metadata["sources"][0]["sha256"].startswith("1c138843")
    assert metadata["sources"][1]["sha256"].startswith("faea69e3")
