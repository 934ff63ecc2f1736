"""One home for every setting: the schema owns types and ranges, the dataclasses the rules that tie
fields together, and their defaults are config.yaml's."""

from __future__ import annotations

import copy
import dataclasses

import jsonschema
import pytest
import yaml

from conftest import REPO
from nucleocyto.config import METRICS, SECTIONS, MaskParams, check_config

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
