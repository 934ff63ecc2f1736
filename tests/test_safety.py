"""Static safety checks of the workflow and its scripts: no shell command interpolates
user-supplied strings unquoted, YAML is only read safely, arrays are never unpickled."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conftest import REPO

WORKFLOW_FILES = [REPO / "Snakefile", *sorted((REPO / "workflow").rglob("*.smk"))]
PYTHON_FILES = sorted((REPO / "scripts").rglob("*.py"))
#: Shell placeholders that never carry user-supplied text.
SAFE_PLACEHOLDERS = re.compile(r"^(threads|resources\.\w+)$")


def shell_blocks(text: str) -> list[str]:
    """The text of every ``shell:`` directive (its line and the more-indented lines after it)."""
    blocks, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("shell:"):
            indent = len(line) - len(line.lstrip())
            block = [line]
            for following in lines[i + 1 :]:
                if following.strip() and len(following) - len(following.lstrip()) <= indent:
                    break
                block.append(following)
            blocks.append("\n".join(block))
    return blocks


def unquoted_placeholders(command: str) -> list[str]:
    """``{...}`` placeholders of a shell command that are neither ``:q``-quoted nor known safe."""
    names = re.findall(r"(?<!\{)\{([^{}]+)\}(?!\})", command)
    return [name for name in names if not name.endswith(":q") and not SAFE_PLACEHOLDERS.match(name)]


def test_the_shell_check_catches_unquoted_placeholders():
    rule = 'rule x:\n    shell:\n        "cp {input} {output:q} -t {threads} && echo {{literal}}"\nrule y:\n'
    assert [unquoted_placeholders(block) for block in shell_blocks(rule)] == [["input"]]


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda p: p.name)
def test_no_shell_command_interpolates_unquoted_strings(path):
    for block in shell_blocks(path.read_text()):
        assert unquoted_placeholders(block) == [], f"{path.name}: quote with :q in\n{block}"


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
