"""Config and sample-sheet mistakes are caught at `snakemake -n` time."""

from __future__ import annotations

import pytest
import yaml

from conftest import REPO, run_snakemake, write_sheet

pytestmark = pytest.mark.workflow


@pytest.fixture
def sheet(tmp_path):
    demo = REPO / "data" / "demo"
    return write_sheet(
        tmp_path / "samples.tsv",
        [{"sample": "a", "poi": demo / "demo_import_poi.tif", "nucleus": demo / "demo_import_nucleus.tif"}],
    )


def test_valid_sheet_dry_runs(tmp_path, sheet):
    result = run_snakemake(tmp_path, "-n", "--config", f"samples={sheet}")
    assert "ingest" in result.stdout


@pytest.mark.parametrize(
    "masks, message",
    [
        ({"threshold": "magic"}, "magic"),
        ({"ring_inner_px": 5, "ring_outer_px": 3}, "ring_inner_px < ring_outer_px"),
        ({"ring_inner_px": -1}, "-1"),
    ],
)
def test_bad_config_fails_dry_run(tmp_path, sheet, masks, message):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["masks"].update(masks)
    config_file = tmp_path / "config.yaml"
    config_file.write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "-n", "--configfile", str(config_file), "--config", f"samples={sheet}", check=False)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert not (tmp_path / "results").exists()


def test_bad_sample_id_fails_dry_run(tmp_path):
    sheet = write_sheet(tmp_path / "samples.tsv", [{"sample": "../evil", "poi": "a.tif", "nucleus": "b.tif"}])
    result = run_snakemake(tmp_path, "-n", "--config", f"samples={sheet}", check=False)
    assert result.returncode != 0
    assert "'../evil' is not allowed" in result.stdout + result.stderr
