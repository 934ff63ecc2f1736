"""Static safety checks of the workflow and its scripts: no rule runs a shell command, YAML is
only read safely, arrays are never unpickled."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOW_FILES = [REPO / "Snakefile", *sorted((REPO / "workflow").rglob("*.smk"))]
PYTHON_FILES = sorted((REPO / "scripts").rglob("*.py"))


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_rule_runs_a_shell_command(path):
    """Every rule runs a Python script (``script:``): no sample id, path or parameter from the
    user ever reaches a shell, so none needs quoting."""
    directives = re.findall(r"^\s+(shell|run):", path.read_text(), flags=re.MULTILINE)
    assert directives == [], f"{path.name}: {directives}"


def calls(path: Path) -> list[tuple[str, ast.Call]]:
    """(dotted name, call node) of every call in a Python file, e.g. ``("np.load", node)``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            found.append((ast.unparse(node.func), node))
    return found


@pytest.mark.parametrize("path", PYTHON_FILES + [REPO / "tests" / "conftest.py"], ids=lambda p: p.name)
def test_yaml_read_safely_and_arrays_not_unpickled(path):
    for name, node in calls(path):
        assert name not in ("yaml.load", "yaml.unsafe_load", "yaml.full_load", "pickle.load", "pickle.loads"), (
            f"{path.name}:{node.lineno}: {name}"
        )
        if name in ("np.load", "numpy.load"):
            keywords = {k.arg: k.value for k in node.keywords}
            assert isinstance(keywords.get("allow_pickle"), ast.Constant) and keywords["allow_pickle"].value is False, (
                f"{path.name}:{node.lineno}: np.load without allow_pickle=False"
            )


def test_workflow_files_read_no_yaml_or_arrays_unsafely():
    for path in WORKFLOW_FILES:
        text = path.read_text()
        assert not re.search(r"yaml\.(unsafe_|full_)?load\(|pickle\.loads?\(|allow_pickle=True", text), path.name
