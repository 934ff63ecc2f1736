"""The whole workflow on the real movie equals an independent plain computation of the classic
method (docs/method.md) to 1e-9 relative."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import tifffile
from scipy import stats
from skimage.filters import threshold_otsu
from skimage.morphology import dilation, disk

from conftest import run_snakemake, write_sheet

pytestmark = pytest.mark.workflow


def classic_time_courses(poi: np.ndarray, marker: np.ndarray) -> dict[tuple[str, str], np.ndarray]:
    """The tutorial's method, written out plainly: Otsu nucleus mask on the marker, ring from two
    disk dilations, mean of raw values in each mask."""
    courses = {key: [] for key in [(r, c) for r in ("nucleus", "cytoplasm") for c in ("poi", "marker")]}
    for poi_frame, marker_frame in zip(poi, marker):
        nucleus = marker_frame > threshold_otsu(marker_frame)
        ring = dilation(nucleus, disk(5)) ^ dilation(nucleus, disk(3))
        for region, mask in (("nucleus", nucleus), ("cytoplasm", ring)):
            courses[(region, "poi")].append(poi_frame[mask].mean())
            courses[(region, "marker")].append(marker_frame[mask].mean())
    return {key: np.array(values) for key, values in courses.items()}


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, real_movie):
    poi, marker = real_movie
    workdir = tmp_path_factory.mktemp("real")
    sheet = write_sheet(workdir / "samples.tsv", [{"sample": "nls", "poi": poi, "nucleus": marker}])
    run_snakemake(workdir, "--cores", "2", "--config", f"samples={sheet}")
    return workdir / "results" / "nls", tifffile.imread(poi), tifffile.imread(marker)


def test_pooled_time_courses_equal_classic_method(real_run):
    results, poi, marker = real_run
    table = pd.read_parquet(results / "intensities.parquet")
    assert table["frame"].nunique() == 71
    pooled = table.groupby(["region", "channel", "frame"])[["sum", "area_px"]].sum()
    classic = classic_time_courses(poi, marker)
    for (region, channel), expected in classic.items():
        rows = pooled.loc[(region, channel)]
        got = (rows["sum"] / rows["area_px"]).to_numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=0, err_msg=f"{region}/{channel}")


def test_frames_with_a_second_object_still_match(real_run):
    """Some frames hold a one-pixel object beside the nucleus: it is its own cell."""
    results, _, marker = real_run
    nuclei = np.load(results / "nuclei.npy")
    counts = nuclei.reshape(len(nuclei), -1).max(axis=1)
    assert counts.min() >= 1 and counts.max() >= 2, "expected some frames with more than one object"


def test_metadata_reads_calibration(real_run):
    results, _, _ = real_run
    metadata = json.loads((results / "metadata.json").read_text())
    assert metadata["shape"] == [71, 2, 150, 185]
    assert metadata["frame_interval_s"] == pytest.approx(60.0558, abs=1e-4)
    assert metadata["pixel_size_um"] == pytest.approx(0.21929, abs=1e-5)


def test_temporal_correlation_of_pooled_traces(real_run):
    results, poi, marker = real_run
    classic = classic_time_courses(poi, marker)
    expected = stats.pearsonr(classic[("nucleus", "poi")], classic[("cytoplasm", "poi")]).statistic
    translocation = pd.read_parquet(results / "translocation.parquet")
    pooled = translocation.set_index("cell_id").loc[0]
    assert pooled["temporal_pearson_r"] == pytest.approx(expected, abs=1e-12)
    assert pooled["n_frames"] == 71
