"""A run in which no frame has a nucleus (here: a manual threshold above every marker value) ends
with a warning naming the samples, printed by summary_figures and at the top of summary.html in
the report, not only in the per-frame log lines; a sample with nuclei is not named."""

from __future__ import annotations

import pytest
from test_reruns import write_config

from conftest import run_snakemake, write_sheet
from movies import write_movie

pytestmark = pytest.mark.workflow

WARNING = (
    "Warning: no nucleus was found in any frame of {samples}: every mask is empty and every measurement NaN; "
    "check the nuclear channel and the masks settings (threshold, min_area_px, max_area_px)."
)


def test_all_empty_masks_end_with_a_warning_in_the_report(tmp_path):
    rows = [{"sample": name, **write_movie(tmp_path, name, 3, (24, 24), seed)} for seed, name in enumerate("ab")]
    write_sheet(tmp_path / "samples.tsv", rows)
    config = ("--configfile", str(write_config(tmp_path, "high_threshold.yaml", masks={"threshold": 1e6})))
    result = run_snakemake(tmp_path, "--cores", "2", *config)
    warning = WARNING.format(samples="a, b")
    assert f"summary_figures: WARNING: {warning}" in (result.stdout + result.stderr).splitlines()
    assert warning in (tmp_path / "results" / "summary.html").read_text()
    assert warning in (tmp_path / "logs" / "summary_figures.log").read_text()
