"""requirements.txt, environment.yml and the rules' conda environment pin the same versions."""

from __future__ import annotations

import re

import yaml

from conftest import REPO


def pins_from_requirements(path=REPO / "requirements.txt") -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def pins_from_environment(path=REPO / "environment.yml") -> dict[str, str]:
    environment = yaml.safe_load(path.read_text())
    pins = {}
    for dependency in environment["dependencies"]:
        if isinstance(dependency, dict):  # a pip: section
            for line in dependency.get("pip", []):
                name, version = line.split("==")
                pins[name.lower()] = version
            continue
        if dependency == "pip":  # the installer of the pip: section
            continue
        name, version = re.split(r"=+", dependency, maxsplit=1)
        pins[name.strip().lower()] = version.strip()
    return pins


def test_every_requirement_is_pinned_in_environment_yml():
    requirements, environment = pins_from_requirements(), pins_from_environment()
    environment.pop("python")
    assert requirements == environment


def test_formats_environment_adds_the_formats_extra_to_the_environment():
    formats = pins_from_environment(REPO / "environment-formats.yml")
    assert formats == pins_from_environment() | pins_from_requirements(REPO / "requirements-formats.txt")


def test_environment_uses_python_311():
    assert pins_from_environment()["python"] == "3.11"


#: Packages the steps import; the rest of requirements.txt runs the workflow or the tests.
RUNTIME = {"numpy", "scikit-image", "scipy", "tifffile", "imagecodecs", "pandas", "pyarrow", "matplotlib", "pyyaml"}


def test_rule_environment_pins_the_runtime_at_the_requirements_versions():
    rule_env = pins_from_environment(REPO / "workflow" / "envs" / "nucleocyto.yaml")
    assert rule_env.pop("python") == "3.11"
    assert rule_env == {name: version for name, version in pins_from_requirements().items() if name in RUNTIME}


def test_every_rule_names_the_environment():
    for path in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        text = path.read_text()
        rules = re.findall(r"^rule \w+:", text, flags=re.MULTILINE)
        assert len(rules) == text.count('conda:\n        "../envs/nucleocyto.yaml"'), path.name


def test_the_version_is_the_same_everywhere():
    """pyproject.toml, the library (shown in the report and every output's provenance) and the
    newest CHANGELOG entry name the same version."""
    from nucleocyto import __version__

    project = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), re.MULTILINE).group(1)
    newest = re.search(r"^## (\S+)", (REPO / "CHANGELOG.md").read_text(), re.MULTILINE).group(1)
    assert project == __version__ == newest
