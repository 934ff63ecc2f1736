"""Figures and the HTML report of a real workflow run on the real movie (when present) and a
generated 30-cell drifting movie: every figure is a valid image of its stated size, the report is
one self-contained file that embeds every figure and table, and a browser renders it without
console errors."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml
from matplotlib.image import imread

from conftest import REAL_MARKER, REAL_POI, REPO, run_snakemake, write_sheet
from nucleocyto.synthetic import grid_cells, render_movie

pytestmark = pytest.mark.workflow

FIGURES = ("overlay", "timecourse", "ratio", "correlation", "scatter", "cells")
DPI = 80
MONTAGE = [0, 5, 11, 500]  # frame 500 is beyond every movie: skipped with a warning


def write_movie(folder, name, cells, n_frames, shape, seed):
    """A generated movie as two calibrated ImageJ TIFFs (30 s per frame, 0.325 µm pixels)."""
    poi, marker, _ = render_movie(cells, n_frames, shape, seed=seed)
    paths = {}
    for channel, data in (("poi", poi), ("nucleus", marker)):
        paths[channel] = folder / f"{name}_{channel}.tif"
        tifffile.imwrite(
            paths[channel],
            data,
            imagej=True,
            resolution=(1 / 0.325, 1 / 0.325),
            metadata={"axes": "TYX", "unit": "um", "finterval": 30.0},
        )
    return paths


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    """Run the workflow and `--report` in a temporary folder with figure parameters changed."""
    workdir = tmp_path_factory.mktemp("report")
    movie = write_movie(workdir, "grid30", grid_cells(30, (256, 256), drift_px=0.5), 12, (256, 256), 0)
    rows = [{"sample": "grid30", "condition": "", **movie}]  # no condition: its own group
    if REAL_POI.is_file() and REAL_MARKER.is_file():
        rows.insert(0, {"sample": "nls", "condition": "NLS (real movie)", "poi": REAL_POI, "nucleus": REAL_MARKER})
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["samples"] = str(write_sheet(workdir / "samples.tsv", rows))
    config["figures"].update(montage_frames=MONTAGE, montage_columns=3, dpi=DPI)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    configfile = ("--configfile", str(workdir / "config.yaml"))
    run_snakemake(workdir, "--cores", "2", *configfile)
    run_snakemake(workdir, "--cores", "1", *configfile, "--report", "results/report.html")
    return workdir, [row["sample"] for row in rows], config


def svg_inches(path) -> tuple[float, float]:
    svg = ElementTree.parse(path).getroot()
    return tuple(float(svg.get(key).removesuffix("pt")) / 72 for key in ("width", "height"))


SUMMARY_FIGURES = ("summary", "response", "heatmap", "superplots")
#: Tables across samples in the report.
SUMMARY_TABLES = ("summary.html", "summary.parquet", "software.html", "kinetics.html", "comparisons.html")
SUMMARY_TABLES += ("kinetics.parquet", "response.parquet", "comparisons.parquet")


def pngs(workdir, samples):
    per_sample = [workdir / "results" / s / "figures" / f"{name}.png" for s in samples for name in FIGURES]
    return per_sample + [workdir / "results" / "figures" / f"{name}.png" for name in SUMMARY_FIGURES]


def test_every_figure_is_a_valid_image_of_its_stated_size(report_run):
    """Each PNG has the pixel size of its SVG's inches at the configured dpi, fits a page, and is
    not blank."""
    workdir, samples, _ = report_run
    for png in pngs(workdir, samples):
        width_in, height_in = svg_inches(png.with_suffix(".svg"))
        image = imread(png)
        assert np.allclose(image.shape[:2], (height_in * DPI, width_in * DPI), atol=1), png  # whole pixels
        assert width_in <= 7.0 and image[..., :3].std() > 0.05, png


def test_montage_frames_beyond_the_movie_are_reported(report_run):
    workdir, samples, _ = report_run
    assert "[500]" in (workdir / "logs" / "figures" / f"{samples[0]}.log").read_text()


def test_cell_tables_list_every_cell_id(report_run):
    workdir, samples, _ = report_run
    for sample in samples:
        intensities = pd.read_parquet(workdir / "results" / sample / "intensities.parquet")
        page = (workdir / "results" / sample / "cells.html").read_text()
        rows = re.findall(r"<tr><td[^>]*>([^<]*)</td>", page)
        assert rows == ["all, pooled"] + [str(c) for c in sorted(intensities["cell_id"].unique())]


def test_summary_table_has_every_sample_in_sheet_order(report_run):
    workdir, samples, _ = report_run
    page = (workdir / "results" / "summary.html").read_text()
    assert re.findall(r"<tr><td[^>]*>([^<]*)</td>", page) == samples


def report_results(workdir) -> dict:
    """The report's embedded results: {path: {caption, data_uri, ...}}."""
    page = (workdir / "results" / "report.html").read_text()
    match = re.search(r'<script id="results">\s*var results = (.*?);?\s*</script>', page, re.S)
    return json.loads(match.group(1))


def test_report_embeds_every_figure_and_table_with_its_caption(report_run):
    workdir, samples, config = report_run
    results = report_results(workdir)
    per_sample = ("cells.html", "intensities.parquet", "cells.parquet", "correlation.parquet", "translocation.parquet")
    per_sample += ("qc.html", "qc.parquet", "lineage.parquet", "figures/masks.gif")
    per_sample += ("kinetics.parquet", "response.parquet")
    tables = [workdir / "results" / s / name for s in samples for name in per_sample]
    tables += [workdir / "results" / name for name in SUMMARY_TABLES]
    expected = pngs(workdir, samples) + tables
    assert sorted(results) == sorted(str(p.relative_to(workdir)) for p in expected)
    for path in expected:
        entry = results[str(path.relative_to(workdir))]
        assert base64.b64encode(path.read_bytes()).decode() in entry["data_uri"], path
        assert len(entry["caption"]) > 200 and "{{" not in entry["caption"], path
    overlay = " ".join(results[f"results/{samples[0]}/figures/overlay.png"]["caption"].split())
    masks = config["masks"]
    assert "frames 0, 5, 11, 500" in overlay and "3 panels per row" in overlay
    assert f"between {masks['ring_inner_px']} and {masks['ring_outer_px']} px outside" in overlay
    cells = " ".join(results[f"results/{samples[0]}/figures/cells.png"]["caption"].split())
    assert f"At most {config['figures']['max_cells']} cells" in cells


def test_report_is_one_self_contained_file(report_run):
    workdir, _, _ = report_run
    page = (workdir / "results" / "report.html").read_text()
    assert not re.search(r"<(script|img|link|iframe)[^>]+(src|href)=[\"']?(https?:)?//", page)
    assert not (workdir / "results" / "report").exists()


def test_changing_a_figure_parameter_reruns_only_the_figures(report_run):
    workdir, samples, config = report_run
    changed = {**config, "figures": {**config["figures"], "dpi": DPI + 10}}
    (workdir / "dpi.yaml").write_text(yaml.safe_dump(changed))
    result = run_snakemake(workdir, "-n", "--cores", "1", "--configfile", str(workdir / "dpi.yaml"))
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", result.stdout, re.M))
    jobs.pop("total", None)
    assert jobs == {"all": "1", "figures": str(len(samples)), "summary_figures": "1", "response_figures": "1"}


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

#: Put first in <head>: records uncaught errors, failed resource loads, rejected promises and
#: console.error calls, and after loading writes them into the page as JSON for --dump-dom.
CONSOLE_PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(
  "error: " + (e.message || (e.target && (e.target.src || e.target.href)) || "unknown")), true);
window.addEventListener("unhandledrejection", e => window.__errors.push("unhandled rejection: " + e.reason));
const __error = console.error;
console.error = (...args) => { window.__errors.push("console.error: " + args.join(" ")); __error(...args); };
window.addEventListener("load", () => setTimeout(() => {
  const out = document.createElement("pre");
  out.id = "console-probe";
  out.textContent = JSON.stringify(window.__errors);
  document.body.appendChild(out);
}, 500));
</script>"""


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("headless browser test needs Debian's `chromium` on PATH (apt-get install chromium)")
    return path


def browse(chromium, page, profile, *args) -> subprocess.CompletedProcess:
    """Open ``page`` in headless Chromium with a throw-away profile folder."""
    command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def console_errors(chromium, page, tmp_path) -> tuple[list[str], str]:
    """Errors a page raises in Chromium, caught by :data:`CONSOLE_PROBE`, and the page's DOM
    after its scripts ran."""
    html = page.read_text(encoding="utf-8")
    head = html.index("<head>") + len("<head>")
    probe = tmp_path / "probe.html"
    probe.write_text(html[:head] + CONSOLE_PROBE + html[head:], encoding="utf-8")
    result = browse(chromium, probe, tmp_path / "profile-dom", "--virtual-time-budget=10000", "--dump-dom")
    found = re.search(r'<pre id="console-probe">(.*?)</pre>', result.stdout, re.S)
    assert found, f"the page never finished loading:\n{result.stderr[-3000:]}"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")), result.stdout


def test_console_probe_sees_errors(chromium, tmp_path):
    """The probe itself works: a page with a broken script and a console.error is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<html><head></head><body><script>console.error('boom'); undefinedCall();</script></body></html>")
    errors, _ = console_errors(chromium, page, tmp_path)
    assert any("boom" in e for e in errors) and any("undefinedCall" in e for e in errors)


def test_browser_renders_the_report_without_console_errors(report_run, chromium, tmp_path):
    workdir, _, _ = report_run
    report = workdir / "results" / "report.html"
    screenshot = tmp_path / "report.png"
    result = browse(
        chromium,
        report,
        tmp_path / "profile-shot",
        "--window-size=1280,900",
        f"--screenshot={screenshot}",
        "--enable-logging=stderr",
        "--v=0",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    image = imread(screenshot)
    assert image.shape[:2] == (900, 1280) and image[..., :3].std() > 0.05, "blank screenshot"
    assert not re.findall(r"CONSOLE.*Uncaught.*", result.stderr)
    errors, dom = console_errors(chromium, report, tmp_path)
    assert errors == []
    assert re.search(r'id="jswarning"[^>]*display: none', dom), "the report's scripts did not run"
