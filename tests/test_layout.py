"""The shape of the code: layered imports, Snakemake kept at the edge, short functions, light
workflow parsing."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

SCRIPTS = REPO / "scripts"
LIBRARY = SCRIPTS / "nucleocyto"

#: Layers, lowest first; a module may import its own layer and the layers below it.
LAYERS = [
    {"errors", "filenames", "config"},
    {"io", "system"},
    {"segment", "measure", "coloc", "kinetics", "synthetic"},
    {"plots"},
    {"steps"},
]


def layer_of(module: str) -> int:
    top = module.split(".")[1] if module.count(".") else ""
    return next(i for i, names in enumerate(LAYERS) if top in names) if top else -1


def library_modules() -> dict[str, Path]:
    modules = {}
    for path in sorted(LIBRARY.rglob("*.py")):
        parts = path.relative_to(SCRIPTS).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_modules(module: str, path: Path) -> set[str]:
    """The nucleocyto modules ``module`` imports (absolute names)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[: len(base) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base) if node.level else node.module
            found.add(name)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name and name.split(".")[0] == "nucleocyto"}


@pytest.mark.parametrize("module", sorted(library_modules()))
def test_imports_go_down_the_layers(module):
    path = library_modules()[module]
    mine = layer_of(module)
    for target in imported_modules(module, path):
        assert layer_of(target) <= mine, f"{module} (layer {mine}) imports {target} (layer {layer_of(target)})"


@pytest.mark.parametrize("module", sorted(library_modules()))
def test_the_library_never_sees_snakemake(module):
    tree = ast.parse(library_modules()[module].read_text())
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    imports = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imports |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert "snakemake" not in names and not any(name.startswith("snakemake") for name in imports)


def functions(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("path", sorted(SCRIPTS.rglob("*.py")), ids=lambda p: str(p.relative_to(SCRIPTS)))
def test_functions_are_at_most_60_lines(path):
    long = {name: lines for name, lines in functions(path) if lines > 60}
    assert not long, f"{path.name}: {long}"


TOOLS = ("make_demo_data.py", "make_sample_sheet.py")  # command-line tools, not rule scripts
STEP_SCRIPTS = sorted(p for p in SCRIPTS.glob("*.py") if not p.name.startswith("_") and p.name not in TOOLS)


@pytest.mark.parametrize("path", STEP_SCRIPTS, ids=lambda p: p.name)
def test_step_scripts_are_short(path):
    assert len(path.read_text().splitlines()) <= 40


def test_every_rule_has_its_script():
    rules = "".join(p.read_text() for p in (REPO / "workflow" / "rules").glob("*.smk"))
    for path in STEP_SCRIPTS:
        assert f"scripts/{path.name}" in rules


def test_parsing_the_workflow_imports_no_image_library():
    """What common.smk imports from the library pulls in neither NumPy's image stack nor the TIFF
    reader, so ``snakemake -n`` stays fast."""
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    imports = [line for line in common.splitlines() if line.startswith("from nucleocyto")]
    assert imports, "common.smk imports the library"
    code = "\n".join([*imports, "import sys", "print(' '.join(sorted(sys.modules)))"])
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code], cwd=SCRIPTS, capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert not loaded & {"tifffile", "scipy", "skimage", "matplotlib"}


def test_nothing_cites_a_file_outside_the_project():
    blueprint = "DESIGN" + ".md"  # the original blueprint, outside the project
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        path = REPO / name
        if path.suffix in {".py", ".md", ".smk", ".yaml", ".rst", ".txt", ""} and path.is_file():
            assert blueprint not in path.read_text(errors="ignore"), name
