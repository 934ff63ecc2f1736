"""Quality control: the per-frame QC table and the warnings it gives, on constructed frames, and
through the workflow on the real crowded field with its channels given the right way round and
swapped (a warning a user cannot miss: in snakemake's output, the log, the QC table of the report
and the summary table)."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from conftest import KTR, run_snakemake, write_sheet
from nucleocyto.config import QCParams
from nucleocyto.measure.qc import QC_COLUMNS, frame_qc, qc_table, qc_warnings, saturated_fraction


def test_frame_qc_counts_objects_cells_coverage_and_saturation():
    nuclei = np.zeros((100, 100), np.int32)
    nuclei[10:20, 10:20] = 1  # 100 px
    nuclei[50:56, 50:56] = 2  # 36 px
    nuclei[90, 90] = 3  # a speck
    frame = np.stack([np.arange(10_000).reshape(100, 100), np.full((100, 100), 7)]).astype(np.uint16)
    frame[0, :2, :] = 65_535  # 200 saturated POI pixels
    row = frame_qc(frame, np.bincount(nuclei.ravel())[1:], 512.0, min_cell_area_px=30)
    assert (row["objects"], row["nuclei"], row["nucleus_area_median_px"]) == (3, 2, 68.0)
    assert row["objects_per_megapixel"] == 300 and row["nucleus_coverage"] == pytest.approx(137 / 10_000)
    assert row["poi_saturated"] == pytest.approx(0.02) and row["marker_saturated"] == 0.0  # constant: nothing to clip
    assert row["threshold"] == 512.0 and not row["empty"]
    assert saturated_fraction(np.array([[1, 5], [5, 2]])) == 0.5


def test_qc_table_counts_tracks_started_ended_and_divisions():
    frames = [{key: 0 for key in QC_COLUMNS[:-3]} for _ in range(3)]
    lineage = {
        "cell_id": np.array([1, 2, 3, 4, 5]),
        "parent_id": np.array([0, 0, 1, 1, 0]),
        "first_frame": np.array([0, 0, 1, 1, 2]),
        "last_frame": np.array([0, 2, 2, 2, 2]),
        "n_frames": np.array([1, 3, 2, 2, 1]),
    }
    table = qc_table(frames, lineage)
    assert list(table) == list(QC_COLUMNS)
    assert table["tracks_started"].tolist() == [2, 2, 1]
    assert table["tracks_ended"].tolist() == [1, 0, 4]
    assert table["divisions"].tolist() == [0, 1, 0]


def qc_frames(n: int = 6, **columns) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "frame": range(n),
            "objects": 40,
            "objects_per_megapixel": 150.0,
            "nuclei": 40,
            "nucleus_coverage": 0.1,
            "poi_saturated": 0.0,
            "marker_saturated": 0.0,
            "empty": False,
        }
    )
    for name, values in columns.items():
        table[name] = values
    return table


@pytest.mark.parametrize(
    "columns, expected",
    [
        ({}, []),
        ({"nucleus_coverage": [0.1, 0.1, 0.62, 0.1, 0.1, 0.1]}, ["looks like a cytoplasmic channel in 1 of 6 frames"]),
        ({"objects_per_megapixel": 6800.0}, ["looks like a cytoplasmic channel in 6 of 6 frames"]),
        ({"marker_saturated": 0.02}, ["the marker channel is saturated in 6 of 6 frames: up to 2.0%"]),
        (
            {"nuclei": [40, 41, 12, 40, 40, 42]},
            ["more than 30% from one frame to the next at 2 frame(s), most at frame 2 (41 -> 12)"],
        ),
        ({"nuclei": [1, 2, 1, 2, 1, 2]}, []),  # a speck coming and going: fewer than 3
        ({"empty": [False, True, True, False, False, False]}, ["2 of 6 frames have no nucleus (frames 1, 2)"]),
    ],
)
def test_warnings_say_what_is_implausible(columns, expected):
    warnings = qc_warnings(qc_frames(**columns), QCParams())
    assert len(warnings) == len(expected)
    for warning, part in zip(warnings, expected):
        assert part in warning


@pytest.fixture(scope="module")
def ktr_run(tmp_path_factory):
    """The first three time points of the real crowded field, read from its per-timepoint files:
    green reporter and nuclear marker as they are, and swapped."""
    if not KTR.is_dir():
        pytest.skip(f"real crowded field not found in {KTR} (it lives in the shared data folder beside the repo)")
    green, nucleus = (str(KTR / f"KTR_{name}000[1-3].tif") for name in ("Green-Channel", "nucleus"))
    workdir = tmp_path_factory.mktemp("qc")
    rows = [
        {"sample": "ktr", "poi": green, "nucleus": nucleus},
        {"sample": "ktr_swapped", "poi": nucleus, "nucleus": green},
    ]
    sheet = write_sheet(workdir / "samples.tsv", rows)
    result = run_snakemake(workdir, "--cores", "2", "--config", f"samples={sheet}")
    return workdir, result.stdout + result.stderr


SWAPPED = "sample ktr_swapped: the nuclear marker looks like a cytoplasmic channel in 3 of 3 frames"


@pytest.mark.workflow
def test_swapped_channels_are_warned_about_everywhere(ktr_run):
    workdir, output = ktr_run
    assert re.search(rf"masks: WARNING: {SWAPPED}.*check the channel order in the sample sheet", output)
    assert SWAPPED in (workdir / "logs" / "masks" / "ktr_swapped.log").read_text()
    warning = SWAPPED.removeprefix("sample ktr_swapped: ")
    assert f"WARNING: {warning}" in html.unescape((workdir / "results" / "ktr_swapped" / "qc.html").read_text())
    summary = html.unescape((workdir / "results" / "summary.html").read_text())
    assert re.search(rf"<td[^>]*>ktr_swapped</td>.*{re.escape(warning)}", summary)
    qc = pd.read_parquet(workdir / "results" / "ktr_swapped" / "qc.parquet")
    assert (qc["objects_per_megapixel"] > 4000).all()


@pytest.mark.workflow
def test_the_real_field_the_right_way_round_gets_no_channel_warning(ktr_run):
    workdir, output = ktr_run
    assert "sample ktr:" not in output
    assert "No QC warning." in (workdir / "results" / "ktr" / "qc.html").read_text()
    qc = pd.read_parquet(workdir / "results" / "ktr" / "qc.parquet")
    assert qc["nuclei"].between(150, 200).all() and (qc["nucleus_coverage"] < 0.2).all()
    assert (qc["marker_saturated"] > 0).all() and (qc["marker_saturated"] < 0.01).all(), "0.1-0.2 % at 3795 counts"
