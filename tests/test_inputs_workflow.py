"""Every input layout through the real workflow: per-timepoint series from a glob pattern and
from folders, each position of a two-position OME-TIFF as its own sample, LZW and zstd pairs, a
planar-separate and a 16-bit YXS file, a file with a thumbnail series, a ``#`` in a path, and the
layouts that must fail (a missing time point, several series named without ``series``, ...).

One snakemake run holds every sample (``--keep-going``): the good ones must finish with every
frame their files hold, the bad ones must fail with their one sentence (docs/errors.md).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile

from conftest import REPO, read_movie, run_snakemake, write_sheet
from movies import tiny_movie
from nucleocyto.io.tables import read_provenance

pytestmark = pytest.mark.workflow

SHAPE = (16, 16)
FRAMES = 11  # two-digit time numbers: t2 must come before t10
REAL_CZI = REPO.parent / "shared" / "data" / "formats" / "xyz__multiple_images.czi"


def bioio_installed() -> bool:
    try:
        import bioio  # noqa: F401
    except ImportError:
        return False
    return True


def movie(seed: int, n_frames: int = FRAMES) -> np.ndarray:
    """(T, 2, Y, X) uint16: channel 0 the POI, 1 the nuclear marker."""
    return np.stack(tiny_movie(n_frames, SHAPE, seed=seed), axis=1)


def imwrite(path: Path, data: np.ndarray, **kwargs) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tifffile.imwrite(path, data, **({"photometric": "minisblack"} | kwargs))


def write_series(folder: Path, pattern: str, planes: np.ndarray, skip: tuple[int, ...] = ()) -> None:
    """One file per time point, ``pattern`` formatted with the 1-based time number."""
    for t, plane in enumerate(planes, 1):
        if t not in skip:
            imwrite(folder / pattern.format(t), plane)


def write_ome_positions(path: Path, positions: list[np.ndarray]) -> None:
    """A multi-position OME-TIFF: one series per position, calibrated differently."""
    with tifffile.TiffWriter(path, ome=True) as tif:
        for i, data in enumerate(positions):
            tif.write(
                data,
                photometric="minisblack",
                metadata={
                    "axes": "TCYX",
                    "Name": f"position {i}",
                    "PhysicalSizeX": 0.5 + i,
                    "PhysicalSizeXUnit": "µm",
                    "TimeIncrement": 10.0 * (i + 1),
                    "TimeIncrementUnit": "s",
                    "Channel": {"Name": ["NLS-POI", "H2B"]},
                },
            )


#: Valid samples: their sheet rows (the files are written by :func:`write_inputs`).
GOOD = {
    "glob_series": {"poi": "data/glob/cellA_t*_ch1.tif", "nucleus": "data/glob/cellA_t*_ch0.tif"},
    "folder_series": {"poi": "data/folder_poi", "nucleus": "data/folder_nucleus"},
    "image_series": {"image": "data/both_channels/", "poi_channel": 1, "nucleus_channel": 0},
    "position0": {"image": "data/two_positions.ome.tif", "poi_channel": 0, "nucleus_channel": 1, "series": 0},
    "position1": {"image": "data/two_positions.ome.tif", "poi_channel": 0, "nucleus_channel": 1, "series": 1},
    "lzw": {"poi": "data/lzw_poi.tif", "nucleus": "data/lzw_nucleus.tif"},
    "zstd": {"poi": "data/zstd_poi.tif", "nucleus": "data/zstd_nucleus.tif"},
    "planar_separate": {"image": "data/planar.tif", "poi_channel": 1, "nucleus_channel": 0},
    "yxs_16bit": {"image": "data/yxs16.tif", "poi_channel": 1, "nucleus_channel": 0},
    "thumbnail_series0": {"image": "data/thumbnail.tif", "poi_channel": 0, "nucleus_channel": 1, "series": 0},
    "NA": {"poi": "data/run #1/poi.tif", "nucleus": "data/run #1/nucleus.tif", "condition": "None"},
}

#: Failing samples: sheet row, and fragments of the one sentence their ingest job must end with.
BAD = {
    "missing_time_point": (
        {"poi": "data/gap/cell_t*_poi.tif", "nucleus": "data/gap/cell_t*_nucleus.tif"},
        ["marker channel", "data/gap/cell_t4_nucleus.tif: time point 3 of the series", "is missing"],
    ),
    "last_time_point_missing": (
        {"poi": "data/short/cell_t*_poi.tif", "nucleus": "data/short/cell_t*_nucleus.tif"},
        [f"has {FRAMES} frames but", f"has {FRAMES - 1} (data/short/cell_t{FRAMES}_poi.tif has no counterpart)"],
    ),
    "series_shape_differs": (
        {"poi": "data/odd_shape", "nucleus": "data/folder_nucleus"},
        ["data/odd_shape/p05.tif: the plane shape is (16, 20) but (16, 16) in the series' first file"],
    ),
    "thumbnail_without_series": (
        {"image": "data/thumbnail.tif", "poi_channel": 0, "nucleus_channel": 1},
        ["data/thumbnail.tif: the file holds 2 series (0: TCYX", "1: YXS (4, 4, 3) uint8", "'series' column"],
    ),
    "positions_without_series": (
        {"image": "data/two_positions.ome.tif", "poi_channel": 0, "nucleus_channel": 1},
        [f"the file holds 2 series (0: TCYX ({FRAMES}, 2, 16, 16) uint16 'position 0'; 1: TCYX"],
    ),
    "series_out_of_range": (
        {"image": "data/two_positions.ome.tif", "poi_channel": 0, "nucleus_channel": 1, "series": 2},
        ["series 2 is out of range for a file of 2 series"],
    ),
    "eight_one_page_series": (
        {"poi": "data/one_page_series.tif", "nucleus": "data/one_page_series.tif"},
        ["the file holds 8 series (0: YX (16, 16) uint16; 1: YX (16, 16) uint16"],
    ),
    "pages_of_two_sizes": (
        {"poi": "data/two_sizes.tif", "nucleus": "data/two_sizes.tif"},
        ["the file holds 2 series (0: IYX (4, 16, 16) uint16; 1: IYX (4, 8, 8) uint16)"],
    ),
    "series_file_with_two_frames": (
        {"poi": "data/two_frame_files", "nucleus": "data/two_frame_files"},
        ["data/two_frame_files/f1.tif: a file of the series data/two_frame_files holds 2 time points"],
    ),
}
if REAL_CZI.is_file():
    BAD["real_czi"] = (
        {"image": str(REAL_CZI), "poi_channel": 0, "nucleus_channel": 1},
        ["the file holds 2 series (0: TCZYX (1, 1, 2, 251, 251) uint16 'xyz__multiple_images-0'"]
        if bioio_installed()
        else ["reading Zeiss CZI files needs the optional format readers", "requirements-formats.txt"],
    )


def write_inputs(data: Path) -> dict[str, np.ndarray]:
    """Write every file of :data:`GOOD`; returns {sample: the (T, 2, Y, X) stack it must give}."""
    expected = {}
    expected["glob_series"] = m = movie(1)
    write_series(data / "glob", "cellA_t{}_ch1.tif", m[:, 0])
    write_series(data / "glob", "cellA_t{}_ch0.tif", m[:, 1])
    expected["folder_series"] = m = movie(2)
    write_series(data / "folder_poi", "img_{:04d}.tif", m[:, 0])
    write_series(data / "folder_nucleus", "img_{:04d}.tif", m[:, 1])
    expected["image_series"] = m = movie(3)
    for t, frame in enumerate(m, 1):
        imwrite(data / "both_channels" / f"frame{t:03d}.tif", frame[::-1], imagej=True, metadata={"axes": "CYX"})
    expected["position0"], expected["position1"] = positions = [movie(4), movie(5)]
    write_ome_positions(data / "two_positions.ome.tif", positions)
    for codec in ("lzw", "zstd"):
        expected[codec] = m = movie(6)
        imwrite(data / f"{codec}_poi.tif", m[:, 0], compression=codec)
        imwrite(data / f"{codec}_nucleus.tif", m[:, 1], compression=codec)
    expected["planar_separate"] = m = movie(7)
    imwrite(data / "planar.tif", m[:, ::-1], planarconfig="separate")
    expected["yxs_16bit"] = m = movie(8)
    imwrite(data / "yxs16.tif", np.stack([m[:, 1], m[:, 0], m[:, 0] // 2], axis=-1), photometric="rgb")
    expected["thumbnail_series0"] = m = movie(9)
    with tifffile.TiffWriter(data / "thumbnail.tif") as tif:
        tif.write(m, photometric="minisblack", metadata={"axes": "TCYX"})
        tif.write(np.zeros((4, 4, 3), np.uint8), photometric="rgb")
    expected["NA"] = m = movie(10)
    imwrite(data / "run #1" / "poi.tif", m[:, 0])
    imwrite(data / "run #1" / "nucleus.tif", m[:, 1])
    return expected


def write_bad_inputs(data: Path) -> None:
    """Write every file of :data:`BAD`."""
    m = movie(11)
    write_series(data / "gap", "cell_t{}_poi.tif", m[:, 0])
    write_series(data / "gap", "cell_t{}_nucleus.tif", m[:, 1], skip=(3,))
    write_series(data / "short", "cell_t{}_poi.tif", m[:, 0])
    write_series(data / "short", "cell_t{}_nucleus.tif", m[:-1, 1])
    write_series(data / "odd_shape", "p{:02d}.tif", m[:, 0])
    imwrite(data / "odd_shape" / "p05.tif", np.zeros((16, 20), np.uint16))
    with tifffile.TiffWriter(data / "one_page_series.tif") as tif:
        for plane in m[:8, 0]:
            tif.write(plane, photometric="minisblack")
    with tifffile.TiffWriter(data / "two_sizes.tif") as tif:
        for plane in m[:4, 0]:
            tif.write(plane, photometric="minisblack", metadata=None)
        for plane in m[4:8, 0]:
            tif.write(plane[:8, :8], photometric="minisblack", metadata=None)
    imwrite(data / "two_frame_files" / "f1.tif", m[:2, 0])
    imwrite(data / "two_frame_files" / "f2.tif", m[2:4, 0])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    expected = write_inputs(root / "data")
    write_bad_inputs(root / "data")
    rows = [{"sample": s, **r} for s, r in GOOD.items()] + [{"sample": s, **r} for s, (r, _) in BAD.items()]
    write_sheet(root / "samples.tsv", rows)
    # Up to the measure step (the layouts differ only in ingest; figures would add a minute).
    targets = [f"results/{sample}/cells.parquet" for sample in [*GOOD, *BAD]]
    arguments = ["--cores", "2", *targets, "--keep-going", "--config", "samples=samples.tsv"]
    result = run_snakemake(root, *arguments, check=False)
    return root, expected, result.stdout + result.stderr


@pytest.mark.parametrize("sample", GOOD)
def test_good_layouts_keep_every_frame(run, sample):
    root, expected, output = run
    results = root / "results" / sample
    assert (results / "cells.parquet").is_file(), output[-3000:]
    stack = read_movie(results / "metadata.json")
    np.testing.assert_array_equal(stack, expected[sample])
    table = pd.read_parquet(results / "intensities.parquet")
    assert sorted(table["frame"].unique()) == list(range(len(expected[sample])))


def test_each_position_is_its_own_sample(run):
    root, _, _ = run
    metadata = [json.loads((root / "results" / f"position{i}" / "metadata.json").read_text()) for i in (0, 1)]
    assert [m["pixel_size_um"] for m in metadata] == [0.5, 1.5]
    assert [m["frame_interval_s"] for m in metadata] == [10.0, 20.0]
    assert [m["sources"][0]["series_name"] for m in metadata] == ["position 0", "position 1"]
    assert metadata[0]["channel_names"] == {"poi": "NLS-POI", "marker": "H2B"}
    provenance = read_provenance(root / "results" / "position0" / "intensities.parquet")
    assert provenance["channel_names"] == {"poi": "NLS-POI", "marker": "H2B"}
    cells = [pd.read_parquet(root / "results" / f"position{i}" / "cells.parquet") for i in (0, 1)]
    assert not np.allclose(cells[0]["poi_nucleus_mean"], cells[1]["poi_nucleus_mean"])


def test_series_metadata_lists_every_file(run):
    root, _, _ = run
    metadata = json.loads((root / "results" / "glob_series" / "metadata.json").read_text())
    files = [Path(f["path"]).name for f in metadata["sources"][0]["files"]]
    assert files == [f"cellA_t{t}_ch1.tif" for t in range(1, FRAMES + 1)]
    assert all(len(f["sha256"]) == 64 for f in metadata["sources"][0]["files"])


def test_na_and_none_are_text(run):
    """Sample id ``NA`` (condition ``None``) is a sample like any other, not a missing value."""
    root, _, _ = run
    assert (root / "results" / "NA" / "cells.parquet").is_file()
    assert set(pd.read_parquet(root / "results" / "NA" / "cells.parquet")["sample"]) == {"NA"}


@pytest.mark.parametrize("sample", BAD)
def test_bad_layouts_fail_with_one_sentence(run, sample):
    root, _, output = run
    _, fragments = BAD[sample]
    log = (root / "logs" / "ingest" / f"{sample}.log").read_text()
    errors = [line for line in log.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "Traceback" not in log, log
    assert errors[0].startswith(f"ERROR nucleocyto: sample {sample!r}"), errors[0]
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    assert re.search(rf"ingest: ERROR: sample {re.escape(repr(sample))}", output)
    assert not (root / "results" / sample).exists() or not any((root / "results" / sample).iterdir())
