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
KTR = REPO.parent / "shared" / "data" / "ktr_crowded"


@pytest.fixture(scope="session")
def real_movie() -> tuple[Path, Path]:
    """(POI, nuclear marker) TIFF paths of the real movie; skips when it is absent."""
    if not (REAL_POI.is_file() and REAL_MARKER.is_file()):
        pytest.skip(f"real movie not found in {REAL_DATA} (it lives in the shared data folder beside the repo)")
    return REAL_POI, REAL_MARKER


def snakemake_command(workdir: Path, *args: str) -> list[str]:
    """The command that runs this repository's workflow (its Snakefile and config.yaml) with
    ``workdir`` as working directory and ``args`` after it."""
    return [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(REPO / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(REPO / "config.yaml"),
        *args,
    ]


def run_snakemake(
    workdir: Path,
    *args: str,
    check: bool = True,
    env: dict | None = None,
    timeout_s: int | None = None,
    prefix: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Run this repository's workflow with ``workdir`` as working directory.

    Returns the completed process (stdout and stderr captured as text); with ``check`` a
    non-zero exit fails the test and shows snakemake's output. ``env`` replaces the
    environment; with ``timeout_s`` the run is killed (exit 124) if it takes longer; ``prefix``
    is a command that runs snakemake (e.g. ``setpriv`` with its options).
    """
    command = [*prefix, *snakemake_command(workdir, *args)]
    if timeout_s is not None:
        command = ["timeout", "-k", "10", str(timeout_s), *command]
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        pytest.fail(f"snakemake failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-6000:]}")
    return result


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """Generate the demo data afresh in a temporary folder and run the whole workflow there.

    The sample sheet holds relative paths, as the bundled one does.
    """
    workdir = tmp_path_factory.mktemp("demo")
    generator = REPO / "scripts" / "make_demo_data.py"
    subprocess.run([sys.executable, str(generator), "data"], check=True, cwd=workdir)
    run_snakemake(workdir, "--cores", "2")
    return workdir


def write_sheet(path: Path, rows: list[dict]) -> Path:
    """Write a tab-separated sample sheet with the union of the rows' columns."""
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["\t".join(columns)] + ["\t".join(str(row.get(c, "")) for c in columns) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_movie(metadata_path: Path, workdir: Path | None = None):
    """The whole (T, C, Y, X) movie ingest's ``metadata_path`` describes, read from its sources
    through the steps' reader (``nucleocyto.io.movie``), as one array; relative source paths are
    taken from ``workdir`` (default: the working directory of the run that wrote
    ``results/<sample>/metadata.json``)."""
    import contextlib

    import numpy as np

    from nucleocyto.io.movie import open_movie

    workdir = Path(metadata_path).resolve().parents[2] if workdir is None else workdir
    with contextlib.chdir(workdir), open_movie(Path(metadata_path).resolve()) as movie:
        return np.stack([movie[t] for t in range(len(movie))])
