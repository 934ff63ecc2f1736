"""requirements.txt and environment.yml pin the same versions."""

from __future__ import annotations

import re

import yaml
from conftest import REPO


def pins_from_requirements() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def pins_from_environment() -> dict[str, str]:
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for dependency in environment["dependencies"]:
        if isinstance(dependency, dict):  # a pip: section
            for line in dependency.get("pip", []):
                name, version = line.split("==")
                pins[name.lower()] = version
            continue
        name, version = re.split(r"=+", dependency, maxsplit=1)
        pins[name.strip().lower()] = version.strip()
    return pins


def test_every_requirement_is_pinned_in_environment_yml():
    requirements, environment = pins_from_requirements(), pins_from_environment()
    environment.pop("python")
    assert requirements == environment


def test_environment_uses_python_311():
    assert pins_from_environment()["python"] == "3.11"
