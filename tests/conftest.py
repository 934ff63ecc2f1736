"""Shared test helpers: paths, the real movie, and running snakemake in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "nls_translocation"
REAL_POI = REAL_DATA / "miRFP670nano_sample.tif"
REAL_MARKER = REAL_DATA / "mOrange2_sample.tif"


@pytest.fixture(scope="session")
def real_movie() -> tuple[Path, Path]:
    """(POI, nuclear marker) TIFF paths of the real movie; skips when it is absent."""
    if not (REAL_POI.is_file() and REAL_MARKER.is_file()):
        pytest.skip(f"real movie not found in {REAL_DATA} (it lives in the shared data folder beside the repo)")
    return REAL_POI, REAL_MARKER


def run_snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run this repository's workflow with ``workdir`` as working directory.

    Returns the completed process (stdout and stderr captured as text); with ``check`` a
    non-zero exit fails the test and shows snakemake's output.
    """
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(REPO / "config.yaml"), *args,
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


def write_sheet(path: Path, rows: list[dict]) -> Path:
    """Write a tab-separated sample sheet with the union of the rows' columns."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["\t".join(columns)] + ["\t".join(str(row.get(c, "")) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path
