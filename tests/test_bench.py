"""`make bench` at a tiny size: it runs every part and writes its report to a file and the docs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO

pytestmark = pytest.mark.workflow


def test_bench_writes_its_report(tmp_path):
    docs = tmp_path / "performance.md"
    docs.write_text("Intro.\n\n<!-- bench:start -->\nold table\n<!-- bench:end -->\n\nOutro.\n")
    output = tmp_path / "out" / "bench.md"
    command = [
        sys.executable, str(REPO / "bench" / "bench.py"), "--frames", "3", "--size", "96", "--cells", "4",
        "--samples", "3", "--cores", "2", "--workdir", str(tmp_path / "scratch"), "--output", str(output),
        "--docs", str(docs),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = output.read_text()
    for step in ("ingest", "masks", "measure", "correlate", "figures", "aggregate"):
        row = re.search(rf"^\| {step} \| ([0-9.]+) \|.*\| ([0-9.]+|n/a) \|$", report, re.MULTILINE)
        assert row and float(row.group(1)) > 0, f"no timing for {step}"
    assert re.search(r"Dry run \(`snakemake -n`\) of 3 samples: \*\*[0-9.]+ s\*\*", report)
    text = docs.read_text()
    assert text.startswith("Intro.") and text.endswith("Outro.\n") and report in text and "old table" not in text
    assert not (tmp_path / "scratch").exists(), "the scratch folder is left behind"
