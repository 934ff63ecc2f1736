"""Hostile input: every bad input fails with one sentence naming the sample, the file and the
problem, a non-zero exit and no finished-looking output; valid but unusual input works.

Everything runs through the real workflow. The TIFF cases share one snakemake run (one sample
per case, ``--keep-going``, so each case is one failed ingest job and the valid samples still
finish); sample-sheet and configuration cases each get their own run, which stops before any
job. The message templates are the ones listed in docs/errors.md.
"""

from __future__ import annotations

import re
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tifffile
import yaml

from conftest import REPO, read_movie, run_snakemake, write_sheet
from movies import tiny_movie

pytestmark = pytest.mark.workflow

SHAPE = (16, 16)
FRAMES = 4
ODD_NAME = "odd name;$(touch PWNED) 'q'"  # spaces, shell syntax and quotes in a file name


@dataclass(frozen=True)
class Case:
    """One bad input and the message it must give (template as in docs/errors.md).

    Placeholders: ``<sample>``, ``<poi>``, ``<nucleus>``, ``<image>`` (the sheet's values),
    ``<sheet>``, ``<config>`` (the files given to snakemake), ``<n>`` (a number) and
    ``<detail>`` (the reader library's own words).
    """

    id: str
    message: str
    row: dict = field(default_factory=dict)
    sample: str | None = None
    sheet: list[dict] | None = None  # a whole sample sheet instead of one row
    config: dict | None = None  # changes to config.yaml

    @property
    def sample_id(self) -> str:
        return self.id if self.sample is None else self.sample


def separate(name: str, nucleus: str = "good_nucleus") -> dict:
    return {"poi": f"data/{name}.tif", "nucleus": f"data/{nucleus}.tif"}


TIFF_CASES = [
    Case(
        "truncated",
        "sample '<sample>', poi channel, <poi>: the TIFF is truncated or damaged (<detail>).",
        separate("truncated"),
    ),
    Case(
        "truncated_plane",
        "sample '<sample>', poi channel, <poi>: the TIFF is truncated (pixel data ends at byte <n>, the file has <n>).",
        separate("truncated_plane"),
    ),
    Case(
        "corrupt_header",
        "sample '<sample>', poi channel, <poi>: the TIFF is damaged and cannot be read (<detail>).",
        separate("corrupt_header"),
    ),
    Case(
        "corrupt_pixels",
        "sample '<sample>', poi channel, <poi>: plane <n> cannot be read (<detail>); the TIFF is damaged.",
        separate("corrupt_pixels"),
    ),
    Case(
        "not_a_tiff",
        "sample '<sample>', poi channel, <poi>: not a TIFF file (it does not start with a TIFF header).",
        separate("not_a_tiff"),
    ),
    Case("empty_file", "sample '<sample>', poi channel, <poi>: the file is empty.", separate("empty_file")),
    Case(
        "rgb",
        "sample '<sample>', poi channel, <poi>: 8-bit RGB colour pixels are not supported; split the colours "
        "into one file per channel (Fiji: Image > Color > Split Channels) or save the channels as a "
        "multi-channel stack.",
        separate("rgb"),
    ),
    Case(
        "z_stack",
        "sample '<sample>', poi channel, <poi>: axes 'TZYX' of shape (<n>, <n>, <n>, <n>) hold more than "
        "time and channel (a Z stack or an extra dimension); give one 2-D plane per frame.",
        separate("z_stack"),
    ),
    Case(
        "complex_pixels",
        "sample '<sample>', poi channel, <poi>: pixel type complex64 is not supported (use integer or float).",
        separate("complex_pixels"),
    ),
    Case(
        "shapes_differ",
        "sample '<sample>': <poi> has frames of (<n>, <n>) pixels but <nucleus> has (<n>, <n>).",
        separate("wide"),
    ),
    Case("frames_differ", "sample '<sample>': <poi> has <n> frames but <nucleus> has <n>.", separate("longer")),
    Case(
        "nan_values",
        "sample '<sample>', poi channel, <poi>: frame <n> contains NaN or infinite values.",
        separate("nan_values", "float_nucleus"),
    ),
    Case(
        "inf_values",
        "sample '<sample>', marker channel, <nucleus>: frame <n> contains NaN or infinite values.",
        {"poi": "data/float_poi.tif", "nucleus": "data/inf_values.tif"},
    ),
    Case(
        "thin_planes",
        "sample '<sample>', poi channel, <poi>: the planes are <n> × <n> pixels (Y × X); a frame needs at least "
        "3 × 3 pixels.",
        separate("thin_planes"),
    ),
    Case(
        "one_pixel_planes",
        "sample '<sample>', poi channel, <poi>: the planes are <n> × <n> pixels (Y × X); a frame needs at least "
        "3 × 3 pixels.",
        separate("one_pixel_planes"),
    ),
    Case(
        "claims_huge_frames",
        "sample '<sample>', <poi>: frames of <n> × <n> pixels (2 channels, uint16) need about <n> MB to "
        "process, more than the memory limit of <n> MB (the job's mem_mb).",
        {"poi": "data/claims_huge_frames.tif", "nucleus": "data/claims_huge_frames.tif"},
    ),
    Case(
        "decompression_bomb",
        "sample '<sample>', <poi>: frames of <n> × <n> pixels (2 channels, uint16) need about <n> MB to "
        "process, more than the memory limit of <n> MB (the job's mem_mb).",
        {"poi": "data/decompression_bomb.tif", "nucleus": "data/decompression_bomb.tif"},
    ),
    Case(
        "channel_out_of_range",
        "sample '<sample>', marker channel, <image>: channel index <n> is out of range for a file with <n> channels.",
        {"image": "data/two_channels.tif", "poi_channel": 0, "nucleus_channel": 5},
    ),
    Case(
        "channel_not_named",
        "sample '<sample>', poi channel, <poi>: the file has <n> channels; name the channel index in the sample sheet.",
        separate("two_channels"),
    ),
]

UNSAFE_ID = (
    "sample sheet <sheet>: sample id '<sample>' is not allowed; use letters, digits, '_', '-' and '.' only "
    "(no spaces, path separators or '..')."
)
GOOD = separate("good_poi")
PARSE_CASES = [
    Case(
        "missing_file",
        "sample sheet <sheet>, sample '<sample>': nucleus file <nucleus> not found.",
        separate("good_poi", "no_such_file"),
    ),
    Case(
        "duplicate_id",
        "sample sheet <sheet>: sample id '<sample>' appears more than once.",
        sample="twice",
        sheet=[{"sample": "twice", **GOOD}, {"sample": "twice", **GOOD}],
    ),
    Case("id_with_slash", UNSAFE_ID, GOOD, sample="a/b"),
    Case("id_with_dotdot", UNSAFE_ID, GOOD, sample="x..y"),
    Case("id_with_space", UNSAFE_ID, GOOD, sample="cell A"),
    Case("id_with_shell", UNSAFE_ID, GOOD, sample="a;touch_PWNED"),
    Case(
        "id_too_long",
        "sample sheet <sheet>: sample id '<sample>' is <n> characters long; use at most 100.",
        GOOD,
        sample="x" * 300,
    ),
    Case(
        "id_of_an_output",
        "sample sheet <sheet>: sample id '<sample>' could be the name of an output of the whole run in results/; "
        "choose another id (not figures, nor one ending .parquet, .csv, .html).",
        GOOD,
        sample="kinetics.parquet",
    ),
    Case("no_sample_column", "sample sheet <sheet>: missing the 'sample' column.", sheet=[GOOD]),
    Case(
        "no_nucleus_column",
        "sample sheet <sheet>, sample '<sample>': give either 'poi' and 'nucleus' files or "
        "'image' with 'poi_channel' and 'nucleus_channel', not both or neither.",
        {"poi": GOOD["poi"]},
    ),
    Case(
        "stimulus_twice",
        "sample sheet <sheet>, sample '<sample>': give stimulus_s or stimulus_frame, not both.",
        {**GOOD, "stimulus_s": 60, "stimulus_frame": 2},
    ),
    Case(
        "dose_units_differ",
        "sample sheet <sheet>, condition 'drug': doses are given in more than one unit ('nM', 'µM').",
        sample="b",
        sheet=[
            {"sample": "a", "condition": "drug", "dose": 1, "dose_unit": "nM", **GOOD},
            {"sample": "b", "condition": "drug", "dose": 1, "dose_unit": "µM", **GOOD},
        ],
    ),
    Case(
        "ring_inner_not_below_outer",
        "<config>: masks: need 0 <= ring_inner_px < ring_outer_px, got <n> and <n>.",
        GOOD,
        config={"masks": {"ring_inner_px": 5, "ring_outer_px": 5}},
    ),
    Case(
        "negative_sigma",
        "<config>: masks.smooth_sigma_px: -1 is less than the minimum of 0.",
        GOOD,
        config={"masks": {"smooth_sigma_px": -1}},
    ),
    Case(
        "nan_threshold",
        "<config>: masks.threshold: nan is not a finite number.",
        GOOD,
        config={"masks": {"threshold": float("nan")}},
    ),
    Case(
        "infinite_dilation",
        "<config>: background.dilate_px: inf is not a finite number.",
        GOOD,
        config={"background": {"dilate_px": float("inf")}},
    ),
    Case(
        "unknown_threshold",
        "<config>: masks.threshold: 'bogus' is not one of <detail>.",
        GOOD,
        config={"masks": {"threshold": "bogus"}},
    ),
]

#: Valid but unusual samples of the shared run: sample -> sheet row.
VALID = {
    "float32_blank_frames": separate("float_poi", "float_blank_nucleus"),
    "int16_odd_name": {"poi": f"data/{ODD_NAME}.tif", "nucleus": "data/int16_nucleus.tif"},
    "single_frame": separate("single_poi", "single_nucleus"),
    "long_movie": separate("long_poi", "long_nucleus"),
    "uint32_wide_marker": separate("uint32_poi", "uint32_wide_nucleus"),
}
BLANK_FRAMES = (1, 2)


def imwrite(path: Path, data: np.ndarray, **kwargs) -> bytes:
    tifffile.imwrite(path, data, **({"photometric": "minisblack"} | kwargs))
    return path.read_bytes()


def write_inputs(data: Path) -> None:
    """Every TIFF the cases refer to."""
    data.mkdir(parents=True)
    poi, marker = tiny_movie(FRAMES)
    imwrite(data / "good_poi.tif", poi)
    imwrite(data / "good_nucleus.tif", marker)
    whole = imwrite(data / "scratch.tif", poi, imagej=True, metadata={"axes": "TYX"})
    (data / "truncated.tif").write_bytes(whole[: len(whole) // 2])
    plane = imwrite(data / "scratch.tif", poi[0])
    (data / "truncated_plane.tif").write_bytes(plane[:-100])
    (data / "corrupt_header.tif").write_bytes(whole[:4] + b"\xff" * 8 + whole[12:])
    packed = bytearray(imwrite(data / "scratch.tif", poi, compression="zlib"))
    with tifffile.TiffFile(data / "scratch.tif") as tif:
        offset = tif.pages[1].dataoffsets[0]
    packed[offset + 2 : offset + 12] = b"\x00" * 10
    (data / "corrupt_pixels.tif").write_bytes(bytes(packed))
    (data / "scratch.tif").unlink()
    (data / "not_a_tiff.tif").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    (data / "empty_file.tif").write_bytes(b"")
    imwrite(data / "rgb.tif", np.zeros((*SHAPE, 3), np.uint8), photometric="rgb")
    imwrite(data / "z_stack.tif", np.stack([poi, poi], axis=1), imagej=True, metadata={"axes": "TZYX"})
    imwrite(data / "complex_pixels.tif", poi.astype(np.complex64))
    imwrite(data / "wide.tif", tiny_movie(FRAMES, (SHAPE[0], SHAPE[1] + 4))[0])
    imwrite(data / "longer.tif", tiny_movie(FRAMES + 2)[0])
    imwrite(data / "float_poi.tif", poi.astype(np.float32) + 0.25)
    imwrite(data / "float_nucleus.tif", marker.astype(np.float32))
    blank = marker.astype(np.float32) * 0.5
    blank[list(BLANK_FRAMES)] = 7.5
    imwrite(data / "float_blank_nucleus.tif", blank)
    with_nan = poi.astype(np.float32)
    with_nan[1, 2, 3] = np.nan
    imwrite(data / "nan_values.tif", with_nan)
    with_inf = marker.astype(np.float64)
    with_inf[2, 0, 0] = np.inf
    imwrite(data / "inf_values.tif", with_inf)
    imwrite(data / "two_channels.tif", np.stack([poi, marker], axis=1), imagej=True, metadata={"axes": "TCYX"})
    imwrite(data / f"{ODD_NAME}.tif", (poi.astype(np.int32) - 400).astype(np.int16))
    imwrite(data / "int16_nucleus.tif", (marker.astype(np.int32) - 300).astype(np.int16))
    imwrite(data / "single_poi.tif", poi[0])
    imwrite(data / "single_nucleus.tif", marker[0])
    write_huge_claims(data)
    imwrite(data / "uint32_poi.tif", poi.astype(np.uint32))
    imwrite(data / "uint32_wide_nucleus.tif", (marker / marker.max() * 3e9).astype(np.uint32))  # values up to 3e9
    imwrite(data / "thin_planes.tif", np.ones((FRAMES, 150, 1), np.uint16))
    imwrite(data / "one_pixel_planes.tif", np.ones((FRAMES, 1, 1), np.uint16))
    long_poi, long_marker = tiny_movie(2000)
    imwrite(data / "long_poi.tif", long_poi)
    imwrite(data / "long_nucleus.tif", long_marker)


def write_huge_claims(data: Path) -> None:
    """A 16 × 16 zlib TIFF whose header is patched to claim 100000 × 100000 pixels in its one
    strip, and a 1.7 MB zlib "decompression bomb" of two 20480 × 20480 uint16 frames of zeros."""
    small = bytearray(imwrite(data / "scratch.tif", np.zeros((16, 16), np.uint16), compression="zlib", metadata=None))
    with tifffile.TiffFile(data / "scratch.tif") as tif:
        tags = {tag.code: tag for tag in tif.pages[0].tags}
    for code in (256, 257, 278):  # width, length, rows per strip
        kind = {3: "<H", 4: "<I"}[int(tags[code].dtype)]
        struct.pack_into(kind, small, tags[code].offset + 8, 100000 if kind == "<I" else 60000)
    (data / "claims_huge_frames.tif").write_bytes(bytes(small))
    (data / "scratch.tif").unlink()
    tile = np.zeros((2048, 2048), np.uint16)
    tifffile.imwrite(
        data / "decompression_bomb.tif",
        (tile for _ in range(2 * 10 * 10)),
        shape=(2, 20480, 20480),
        dtype=np.uint16,
        tile=(2048, 2048),
        compression="zlib",
        photometric="minisblack",
    )


def expected(case: Case, sheet: str = "", config: str = "") -> re.Pattern:
    """The case's message with its placeholders filled in, as a regex for the rest of an output
    line after the ``ingest: ERROR:`` / log prefix (snakemake may write part of a line of its own
    just before a job's line) or for a whole line."""
    row = case.sheet[-1] if case.sheet else case.row
    text = case.message.replace("<sample>", case.sample_id).replace("<sheet>", sheet).replace("<config>", config)
    for key in ("poi", "nucleus", "image"):
        text = text.replace(f"<{key}>", str(row.get(key, "")))
    pattern = re.escape(text).replace("<n>", r"-?\d+").replace("<detail>", ".+")
    return re.compile(rf"(?:^|ingest: ERROR: |ERROR nucleocyto: ){pattern}$", re.MULTILINE)


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def failed_samples(output: str) -> set[str]:
    """Samples whose job snakemake reports as failed ("Error in rule ...")."""
    blocks = re.split(r"^Error in rule ", output, flags=re.MULTILINE)[1:]
    return {m.group(1) for block in blocks if (m := re.search(r"results/([^/\s]+)/", block))}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """One temporary tree: data/ with every input, and the shared run of all TIFF cases."""
    root = tmp_path_factory.mktemp("bad_input")
    write_inputs(root / "data")
    return root


@pytest.fixture(scope="module")
def tiff_run(tree):
    rows = [{"sample": c.id, **c.row} for c in TIFF_CASES] + [{"sample": s, **r} for s, r in VALID.items()]
    write_sheet(tree / "samples.tsv", rows)
    result = run_snakemake(
        tree,
        *("--cores", "2", "--keep-going", "--config", "samples=samples.tsv"),
        *("--set-resources", "ingest:mem_mb=4000"),  # the memory limit of the huge-frame cases
        check=False,
    )
    return result, result.stdout + result.stderr


@pytest.fixture(scope="module")
def parse_runs(tree):
    """Each sample-sheet or configuration case in its own working directory (beside data/)."""

    def run(case: Case) -> tuple[Case, Path, str, str, int]:
        workdir = tree / "cases" / case.id
        workdir.mkdir(parents=True)
        (workdir / "data").symlink_to(tree / "data")
        sheet = write_sheet(workdir / "samples.tsv", case.sheet or [{"sample": case.sample_id, **case.row}])
        config = yaml.safe_load((REPO / "config.yaml").read_text())
        for section, values in (case.config or {}).items():
            config[section].update(values)
        config["samples"] = str(sheet)
        config_file = workdir / "bad_config.yaml"
        config_file.write_text(yaml.safe_dump(config))
        result = run_snakemake(workdir, "--cores", "1", "--configfile", str(config_file), check=False)
        return case, workdir, str(sheet), f"config file {config_file}", result

    with ThreadPoolExecutor(max_workers=2) as pool:
        return {case.id: outcome for case, *outcome in pool.map(run, PARSE_CASES)}


@pytest.mark.parametrize("case", TIFF_CASES, ids=lambda c: c.id)
def test_bad_tiff(tiff_run, tree, case):
    result, output = tiff_run
    assert result.returncode != 0
    assert case.id in failed_samples(output), f"snakemake did not report a failed job for {case.id}"
    pattern = expected(case)
    assert pattern.search(output), f"expected a line matching {pattern.pattern!r} in:\n{output[-3000:]}"
    log = (tree / "logs" / "ingest" / f"{case.id}.log").read_text()
    assert pattern.search(log) and "Traceback" not in log
    assert files_under(tree / "results" / case.id) == []


@pytest.mark.parametrize("case", PARSE_CASES, ids=lambda c: c.id)
def test_bad_sheet_or_config(parse_runs, case):
    workdir, sheet, config, result = parse_runs[case.id]
    output = result.stdout + result.stderr
    assert result.returncode != 0
    pattern = expected(case, sheet, config)
    assert pattern.search(output), f"expected a line matching {pattern.pattern!r} in:\n{output[-3000:]}"
    assert "Traceback" not in output
    assert files_under(workdir / "results") == []


def test_no_shell_syntax_was_executed(tiff_run, parse_runs, tree):
    assert not list(tree.rglob("PWNED*")) and not list(tree.rglob("touch_PWNED*"))


@pytest.mark.parametrize("case", TIFF_CASES + PARSE_CASES, ids=lambda c: c.id)
def test_message_is_documented(case):
    assert case.message in (REPO / "docs" / "errors.md").read_text()


def test_bad_samples_do_not_stop_good_ones(tiff_run, tree):
    output = tiff_run[1]
    assert failed_samples(output) == {c.id for c in TIFF_CASES}
    outputs = {sample: files_under(tree / "results" / sample) for sample in VALID}
    reference = outputs["float32_blank_frames"]
    assert "translocation.parquet" in reference and any(name.endswith(".png") for name in reference)
    assert all(names == reference for names in outputs.values()), outputs


@pytest.mark.parametrize(
    "sample, dtype, n_frames",
    [
        ("float32_blank_frames", "float32", FRAMES),
        ("int16_odd_name", "int16", FRAMES),
        ("single_frame", "uint16", 1),
        ("long_movie", "uint16", 2000),
        ("uint32_wide_marker", "uint32", FRAMES),
    ],
)
def test_unusual_input_works(tiff_run, tree, sample, dtype, n_frames):
    results = tree / "results" / sample
    stack = read_movie(results / "metadata.json")
    assert stack.shape == (n_frames, 2, *SHAPE) and stack.dtype == np.dtype(dtype)
    table = pd.read_parquet(results / "intensities.parquet")
    assert sorted(table["frame"].unique()) == list(range(n_frames))
    if sample != "float32_blank_frames":  # a nucleus in every frame (Otsu on 3e9-wide uint32 too)
        assert not table["mask_empty"].any()
    nuclei = table[~table["mask_empty"] & (table["region"] == "nucleus")]
    assert (nuclei["area_px"] > 0).all() and np.isfinite(nuclei["mean"]).all()
    assert len(pd.read_parquet(results / "correlation.parquet")) >= 2 * n_frames


def test_blank_frames_are_flagged_not_fatal(tiff_run, tree):
    sample = "float32_blank_frames"
    table = pd.read_parquet(tree / "results" / sample / "intensities.parquet")
    empty = table[table["mask_empty"]]
    assert sorted(empty["frame"].unique()) == list(BLANK_FRAMES)
    assert empty["mean"].isna().all() and (empty["area_px"] == 0).all() and (empty["cell_id"] == 0).all()
    assert not table[~table["mask_empty"]]["mean"].isna().any()
    log = (tree / "logs" / "measure" / f"{sample}.log").read_text()
    for frame in BLANK_FRAMES:
        assert re.search(rf"WARNING .*frame {frame}: no nucleus found", log)


def test_signed_values_are_kept(tiff_run, tree):
    stack = read_movie(tree / "results" / "int16_odd_name" / "metadata.json")
    assert stack.min() < 0
    poi = tifffile.imread(tree / "data" / f"{ODD_NAME}.tif")
    np.testing.assert_array_equal(stack[:, 0], poi)
