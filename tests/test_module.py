"""The workflow used as a Snakemake module from another folder, as snakedeploy deploys it: a
Snakefile of the user's with ``module`` + ``use rule *`` and the configuration in ``config/``."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from conftest import REPO

pytestmark = pytest.mark.workflow

DEPLOYING_SNAKEFILE = """configfile: "config/config.yaml"


module nucleocyto:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from nucleocyto
"""


def test_the_demo_runs_as_a_module_from_another_folder(tmp_path):
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_demo_data.py"), "data"], check=True, cwd=tmp_path)
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text((REPO / "config.yaml").read_text())
    (tmp_path / "Snakefile").write_text(DEPLOYING_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    summary = pd.read_parquet(tmp_path / "results" / "summary.parquet")
    assert set(summary["sample"]) == {"demo_import", "demo_control"}
    assert (tmp_path / "results" / "demo_import" / "figures" / "overlay.png").is_file()
