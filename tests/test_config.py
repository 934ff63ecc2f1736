"""One home for every setting: the schema owns types and ranges, the dataclasses the rules that tie
fields together, and their defaults are config.yaml's."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import jsonschema
import pytest
import yaml

from conftest import REPO
from nucleocyto.config import (
    METRICS,
    SECTIONS,
    ChannelSource,
    MaskParams,
    TrackParams,
    cell_source,
    check_config,
    label_files,
)

CONFIG = yaml.safe_load((REPO / "config.yaml").read_text())
SCHEMA = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())


def with_change(section: str, **changes) -> dict:
    config = copy.deepcopy(CONFIG)
    config[section].update(changes)
    return config


def test_dataclass_defaults_equal_config_yaml():
    for name, params in SECTIONS.items():
        assert dataclasses.asdict(params()) == CONFIG[name], name


def test_the_schema_knows_every_metric():
    properties = SCHEMA["properties"]
    assert properties["comparisons"]["properties"]["metrics"]["items"]["enum"] == list(METRICS)
    assert properties["dose_response"]["properties"]["metric"]["enum"] == list(METRICS)


def test_config_yaml_is_valid():
    jsonschema.validate(CONFIG, SCHEMA)
    check_config(CONFIG)


@pytest.mark.parametrize(
    "section, changes",
    [
        ("masks", {"threshold": "mean"}),
        ("masks", {"threshold": True}),
        ("masks", {"ring_poi_threshold": "magic"}),
        ("masks", {"smooth_sigma_px": -1}),
        ("masks", {"split_depth_px": 0}),
        ("masks", {"ring_contact_px": -1}),
        ("masks", {"unknown_option": 1}),
        ("tracking", {"method": "hungarian"}),
        ("tracking", {"max_displacement_px": 0}),
        ("tracking", {"max_gap_frames": -1}),
        ("background", {"method": "rolling_ball"}),
        ("background", {"dilate_px": -1}),
        ("background", {"fixed": {"poi": 1.0}}),
        ("correlation", {"detrend": "quadratic"}),
        ("figures", {"dpi": 10}),
        ("masks", {"cytoplasm": "nucleus"}),
        ("masks", {"cell_channel": "marker"}),
        ("masks", {"cell_threshold": "median"}),
        ("masks", {"cell_max_distance_px": 0}),
        ("masks", {"min_area_um2": -1}),
        ("tracking", {"division_max_area_ratio": 1.5}),
        ("figures", {"min_track_frames": 0}),
        ("figures", {"crop": [10]}),
        ("figures", {"crop": "centre"}),
        ("qc", {"max_nucleus_coverage": 2}),
        ("qc", {"max_saturated_fraction": -0.1}),
    ],
)
def test_schema_rejects_values_out_of_type_or_range(section, changes):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(with_change(section, **changes), SCHEMA)


@pytest.mark.parametrize(
    "changes",
    [{"ring_inner_px": 5, "ring_outer_px": 5}, {"min_area_px": 10, "max_area_px": 5}],
)
def test_dataclasses_reject_fields_that_contradict_each_other(changes):
    jsonschema.validate(with_change("masks", **changes), SCHEMA)  # each value is fine alone
    with pytest.raises(ValueError, match="masks"):
        MaskParams(**{**CONFIG["masks"], **changes})


def test_division_area_ratios_must_be_ordered():
    jsonschema.validate(with_change("tracking", division_min_area_ratio=0.8, division_max_area_ratio=0.5), SCHEMA)
    with pytest.raises(ValueError, match="tracking: need division_min_area_ratio < division_max_area_ratio"):
        TrackParams(**{**CONFIG["tracking"], "division_min_area_ratio": 0.8, "division_max_area_ratio": 0.5})


@pytest.mark.parametrize("pixel_um, expected", [(None, 0), (0.21929, 208), (1 / 0.88, 8), (0.1, 1000)])
def test_the_minimum_cell_area_in_pixels(pixel_um, expected):
    """10 µm² in whole pixels (rounded up); every object counts when the pixel size is unknown. On
    the real one-cell movie (0.219 µm pixels) 10 µm² is 208 px: its one-pixel specks are no cells,
    but they stay in its masks, so its classic numbers do not change."""
    assert MaskParams().min_cell_area_px(pixel_um) == expected


def test_label_series_are_in_natural_order(tmp_path):
    for t in (10, 2, 1, 0):
        (tmp_path / f"mask_t{t}.tif").touch()
    files = label_files({"nucleus_labels": str(tmp_path / "mask_t*.tif")}, "nucleus_labels")
    assert [f.name for f in files] == ["mask_t0.tif", "mask_t1.tif", "mask_t2.tif", "mask_t10.tif"]
    assert label_files({"nucleus_labels": "one.tif"}, "nucleus_labels") == [Path("one.tif")]
    assert label_files({}, "cell_labels") is None


def test_the_cell_channel_of_a_sheet_row(tmp_path):
    assert cell_source({"image": "a.tif", "cell_channel": 2}) == ChannelSource(Path("a.tif"), 2)
    assert cell_source({"cell": "c.tif"}) == ChannelSource(Path("c.tif"), None)
    assert cell_source({"poi": "p.tif", "nucleus": "n.tif"}) is None
    for t in (10, 2):
        (tmp_path / f"cell_t{t}.tif").touch()
    series = cell_source({"cell": str(tmp_path / "cell_t*.tif"), "series": 1})
    assert [f.name for f in series.files] == ["cell_t2.tif", "cell_t10.tif"] and series.series == 1


def test_schema_defaults_equal_config_yaml():
    """The schema states each setting's default, the same as config.yaml (and the dataclasses)."""
    assert SCHEMA["properties"]["samples"]["default"] == CONFIG["samples"]
    for name, params in SECTIONS.items():
        defaults = {key: spec.get("default") for key, spec in SCHEMA["properties"][name]["properties"].items()}
        assert defaults == CONFIG[name] == dataclasses.asdict(params()), name
