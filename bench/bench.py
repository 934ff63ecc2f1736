"""Benchmark the pipeline against the classic per-frame loop, in one run on one machine.

Usage::

    python bench/bench.py [--frames 500] [--size 1024] [--cells 36] [--crowded-frames 100]
                          [--crowded-cells 750] [--cores 2] [--samples 1000] [--dry-runs 5]
                          [--workdir DIR]
                          [--keep] [--output bench/out/bench.md] [--docs docs/performance.md]

1. Writes a synthetic two-channel movie (one uint16 ImageJ TIFF per channel, written frame by
   frame with tifffile) into a scratch folder, and measures how fast that folder takes writes.
2. Times the classic loop on it: per frame, read both planes, Otsu threshold of the marker,
   ``dilation(disk(5)) XOR dilation(disk(3))``, ``expand_labels`` for the owner of each ring
   pixel, and the mean of both channels in both boolean masks; then the same computation and
   the pipeline's per-frame library calls on frames held in memory.
3. Runs the workflow on the same movie with snakemake and reads each step's Snakemake benchmark
   file (wall-clock ``s``, ``cpu_time`` and peak resident memory ``max_rss``), and the size of
   all its results against the size of the movie.
4. Does 1 to 3 (without the computation alone) for the crowded case: ``--crowded-frames``
   frames of the same size holding ``--crowded-cells`` touching cells.
5. Times ``snakemake -n`` on a sheet of ``--samples`` samples pointing at tiny TIFFs, for the
   workflow and for ``bench/design_floor.smk`` (the same jobs stripped to their files, logs,
   benchmarks and an empty script: what any workflow of this design costs Snakemake), in turn,
   ``--dry-runs`` times each, and reports the median ratio of the pairs.
6. Writes a markdown report to ``--output`` and between the ``bench`` markers of ``--docs``
   (``--docs ''`` leaves the docs alone).

The machine may be shared and noisy, so the report compares the pipeline with the classic loop
measured in the same run, and states the load average before and after.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import tifffile
from skimage.filters import threshold_otsu
from skimage.measure import label
from skimage.morphology import dilation, disk
from skimage.segmentation import expand_labels

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from nucleocyto.config import MaskParams  # noqa: E402
from nucleocyto.measure.intensities import measure_frame  # noqa: E402
from nucleocyto.segment.labels import Canvas  # noqa: E402
from nucleocyto.steps.masks import segment_frame  # noqa: E402
from nucleocyto.synthetic import Cell, Optics, grid_cells, render_frames  # noqa: E402
from nucleocyto.system import keep_freed_memory  # noqa: E402

#: Steps whose per-frame time is compared with the classic loop.
CORE_STEPS = ("ingest", "masks", "measure")
#: The per-sample steps in workflow order, then the all-samples steps; the table lists every step
#: that wrote a benchmark file, these first.
STEPS = (
    *CORE_STEPS,
    "correlate",
    "kinetics",
    "figures",
    "aggregate",
    "summary_figures",
    "aggregate_kinetics",
    "comparisons",
    "response_figures",
)
SAMPLE = "bench"
#: The jobs of this design without the workflow's work, for the dry run's floor (see its header).
DESIGN_FLOOR = REPO / "bench" / "design_floor.smk"
FRAME_INTERVAL_S = 10.0
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


# --- the movie -------------------------------------------------------------------------------


def bench_cells(n_cells: int, size: int, n_frames: int, seed: int = 0) -> list[Cell]:
    """``n_cells`` cells on a jittered grid, nuclei about a third of the cell radius, drifting
    slowly, each switching (POI import) somewhere in the middle third of the movie."""
    rng = np.random.default_rng(seed)
    cells = grid_cells(n_cells, (size, size), seed=seed, drift_px=0.05)
    return [
        dataclasses.replace(
            cell,
            nucleus_radius=cell.cell_radius * rng.uniform(0.3, 0.4),
            switch_frame=n_frames * rng.uniform(1 / 3, 2 / 3),
        )
        for cell in cells
    ]


def write_movie(folder: Path, n_frames: int, size: int, n_cells: int, seed: int = 0) -> dict[str, Path]:
    """Write ``{folder}/bench_poi.tif`` and ``bench_nucleus.tif`` (ImageJ, T × size × size
    uint16, frame interval :data:`FRAME_INTERVAL_S`) one frame at a time: the movie is rendered
    once per channel, so only a frame is ever in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    cells = bench_cells(n_cells, size, n_frames, seed)
    optics = Optics(bleach_per_frame=0.5 / n_frames)
    paths = {}
    for c, channel in enumerate(("poi", "nucleus")):
        paths[channel] = folder / f"bench_{channel}.tif"
        frames = (frame[c] for frame in render_frames(cells, n_frames, (size, size), optics, seed))
        tifffile.imwrite(
            paths[channel],
            frames,
            shape=(n_frames, size, size),
            dtype=np.uint16,
            imagej=True,
            metadata={"axes": "TYX", "finterval": FRAME_INTERVAL_S},
        )
    return paths


# --- the classic loop ------------------------------------------------------------------------


def classic_frame(poi: np.ndarray, marker: np.ndarray) -> tuple[list[float], np.ndarray]:
    """The tutorial's computation on one frame: whole-mask means of both channels in the
    nucleus mask and the ring, and the nearest-nucleus owner of every ring pixel."""
    nucleus = marker > threshold_otsu(marker)
    ring = dilation(nucleus, disk(5)) ^ dilation(nucleus, disk(3))
    owners = np.where(ring, expand_labels(label(nucleus), 5), 0)
    means = [float(channel[mask].mean()) for mask in (nucleus, ring) for channel in (poi, marker)]
    return means, owners


def time_classic(paths: dict[str, Path], n_frames: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the classic loop over ``n_frames`` frames, reading each
    plane from the TIFFs."""
    wall, cpu = time.perf_counter(), time.process_time()
    with tifffile.TiffFile(paths["poi"]) as poi, tifffile.TiffFile(paths["nucleus"]) as marker:
        for t in range(n_frames):
            classic_frame(poi.asarray(key=t, series=0), marker.asarray(key=t, series=0))
    return time.perf_counter() - wall, time.process_time() - cpu


def time_compute(paths: dict[str, Path], n_frames: int, sample: int = 50) -> tuple[float, float]:
    """CPU seconds per frame of the classic computation and of the pipeline's per-frame library
    calls (``segment_frame``: nuclei, rings, their objects and QC; the label images painted;
    ``measure_frame``) on the same frames held in memory: no file I/O, no process start, one
    thread (CPU time, so that other processes on a shared machine do not count)."""
    shown = np.unique(np.linspace(0, n_frames - 1, min(sample, n_frames)).astype(int))
    with tifffile.TiffFile(paths["poi"]) as poi, tifffile.TiffFile(paths["nucleus"]) as marker:
        frames = [(poi.asarray(key=int(t), series=0), marker.asarray(key=int(t), series=0)) for t in shown]
    start = time.process_time()
    for poi_frame, marker_frame in frames:
        classic_frame(poi_frame, marker_frame)
    classic = (time.process_time() - start) / len(frames)
    canvases = (Canvas(frames[0][0].shape), Canvas(frames[0][0].shape))
    start = time.process_time()
    for poi_frame, marker_frame in frames:
        frame = np.stack([poi_frame, marker_frame])
        masks = segment_frame(frame, 0, MaskParams())
        lookup = np.arange(int(masks.objects.ids.max(initial=0)) + 1, dtype=np.int32)
        nuclei, cytoplasm = (
            canvas.paint(pixels, lookup) for canvas, pixels in zip(canvases, (masks.objects.pixels, masks.cytoplasm))
        )
        measure_frame(frame, nuclei, cytoplasm)
    return classic, (time.process_time() - start) / len(frames)


def page_cache_write_speed(folder: Path, megabytes: int = 1024) -> tuple[float, float]:
    """GB/s of plain sequential writes of a new ``megabytes`` file in ``folder`` (the kind of write
    every step does for its outputs), then of the same write again right after deleting that file
    (into memory the kernel has just freed); the files are deleted afterwards."""
    block = np.ones(4 << 20, np.uint8)
    path = folder / "write_speed.bin"
    speeds = []
    for _ in range(2):
        start = time.perf_counter()
        with open(path, "wb") as handle:
            for _ in range(megabytes // 4):
                handle.write(block.data)
        speeds.append(megabytes / 1024 / (time.perf_counter() - start))
        path.unlink()
    return speeds[0], speeds[1]


# --- the pipeline ----------------------------------------------------------------------------


def snakemake(workdir: Path, sheet: Path, *args: str, snakefile: Path = REPO / "Snakefile") -> float:
    """Run this repository's workflow (or ``snakefile``) in ``workdir`` on ``sheet``; return the
    wall-clock seconds."""
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(REPO / "config.yaml"),
        "--config",
        f"samples={sheet}",
        *args,
    ]
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"snakemake failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return seconds


def run_pipeline(workdir: Path, paths: dict[str, Path], cores: int) -> tuple[pd.DataFrame, float]:
    """Run the whole workflow on the movie; returns one row per step with ``s`` (wall-clock),
    ``cpu_time`` and ``max_rss`` (MB) from the step's Snakemake benchmark file, and the
    wall-clock seconds of the whole run (Snakemake's own work and start-up included)."""
    workdir.mkdir(parents=True, exist_ok=True)
    sheet = workdir / "samples.tsv"
    sheet.write_text(
        f"sample\tpoi\tnucleus\tframe_interval_s\n{SAMPLE}\t{paths['poi']}\t{paths['nucleus']}\t{FRAME_INTERVAL_S}\n"
    )
    elapsed = snakemake(workdir, sheet, "--cores", str(cores), "--quiet")
    return step_benchmarks(workdir), elapsed


def folder_gb(folder: Path) -> float:
    """GB (1e9 bytes) of the files under ``folder``."""
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e9


def step_benchmarks(workdir: Path) -> pd.DataFrame:
    """The last record of each step's Snakemake benchmark file (``benchmarks/<step>/<sample>.tsv``
    or ``benchmarks/<step>.tsv``): ``s``, ``cpu_time``, ``max_rss``; the steps of :data:`STEPS`
    first, in that order."""
    files = {
        path.parent.name if path.parent.name != "benchmarks" else path.stem: path
        for path in (workdir / "benchmarks").rglob("*.tsv")
    }
    rows = []
    for step in sorted(files, key=lambda name: (STEPS.index(name) if name in STEPS else len(STEPS), name)):
        record = pd.read_csv(files[step], sep="\t").iloc[-1]
        rows.append(
            {"step": step, **{key: pd.to_numeric(record[key], errors="coerce") for key in ("s", "cpu_time", "max_rss")}}
        )
    return pd.DataFrame(rows).set_index("step")


def time_dry_run(workdir: Path, n_samples: int, pairs: int = 3) -> list[tuple[float, float]]:
    """Seconds for ``snakemake -n`` on ``n_samples`` samples of tiny two-frame TIFFs, of the
    workflow and of :data:`DESIGN_FLOOR` on the same sheet: ``pairs`` (workflow, floor) pairs,
    run in turn, so that each ratio compares runs made within seconds of each other."""
    movies = workdir / "tiny"
    movies.mkdir(parents=True, exist_ok=True)
    lines = ["sample\tpoi\tnucleus"]
    for i in range(n_samples):
        names = {channel: movies / f"s{i:04d}_{channel}.tif" for channel in ("poi", "nucleus")}
        for path in names.values():
            tifffile.imwrite(path, np.zeros((2, 8, 8), np.uint16), imagej=True, metadata={"axes": "TYX"})
        lines.append(f"s{i:04d}\t{names['poi']}\t{names['nucleus']}")
    sheet = workdir / "samples.tsv"
    sheet.write_text("\n".join(lines) + "\n")
    return [
        (snakemake(workdir, sheet, "-n"), snakemake(workdir / "floor", sheet, "-n", snakefile=DESIGN_FLOOR))
        for _ in range(pairs)
    ]


def bench_case(folder: Path, frames: int, size: int, cells: int, cores: int) -> dict:
    """Write a movie of ``frames`` × ``size`` × ``size`` px with ``cells`` cells in ``folder``,
    time the classic loop and the pipeline on it; returns the movie's ``paths`` and
    ``movie_gb``, ``classic`` (wall, CPU seconds), ``steps`` (:func:`step_benchmarks`),
    ``elapsed`` (the whole run) and ``results_gb`` (every file of the pipeline's ``results/``)."""
    print(f"writing a {frames}-frame movie of {cells} cells to {folder} ...", flush=True)
    paths = write_movie(folder / "movie", frames, size, cells)
    os.sync()  # on disk, as a user's movies are, not waiting in memory to be written
    case = {"paths": paths, "movie_gb": sum(path.stat().st_size for path in paths.values()) / 1e9}
    print("timing the classic loop ...", flush=True)
    case["classic"] = time_classic(paths, frames)
    print("running the pipeline ...", flush=True)
    case["steps"], case["elapsed"] = run_pipeline(folder / "pipeline", paths, cores)
    case["results_gb"] = folder_gb(folder / "pipeline" / "results")
    return case


# --- the report ------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, logical cores, RAM, OS and library versions of this machine."""
    import scipy
    import skimage
    import snakemake as snakemake_package

    cpu = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else cpu
    ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = (
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-image {skimage.__version__}, tifffile {tifffile.__version__}, "
        f"snakemake {snakemake_package.__version__}"
    )
    return {
        "CPU": cpu,
        "logical cores": str(os.cpu_count()),
        "RAM": f"{ram_gb:.1f} GB",
        "OS": f"{platform.system()} {platform.release()}",
        "software": versions,
    }


def step_rows(steps: pd.DataFrame, frames: int, classic_wall: float) -> list[str]:
    """Table rows of one case: one per step, then the totals of the core steps and of all steps."""
    ms = lambda seconds: 1000 * seconds / frames  # noqa: E731
    rss = lambda mb: f"{mb:.0f}" if np.isfinite(mb) else "n/a"  # noqa: E731 (jobs too short to sample)
    lines = [
        "| step | wall (s) | wall per frame (ms) | classic ÷ step | CPU (s) | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| classic loop (read, Otsu, 2 disk dilations, expand_labels, mask means) | {classic_wall:.1f} "
        f"| {ms(classic_wall):.1f} | 1.0 | | |",
    ]
    for step, row in steps.iterrows():
        ratio = f"{classic_wall / row['s']:.1f}" if step in CORE_STEPS else ""
        lines.append(
            f"| {step} | {row['s']:.1f} | {ms(row['s']):.1f} | {ratio} | {row['cpu_time']:.1f} "
            f"| {rss(row['max_rss'])} |"
        )
    for name, chosen in (("ingest + masks + measure", list(CORE_STEPS)), ("all steps", list(steps.index))):
        total = steps.loc[chosen].sum()
        lines.append(
            f"| **{name}** | {total['s']:.1f} | **{ms(total['s']):.1f}** | **{classic_wall / total['s']:.1f}** "
            f"| {total['cpu_time']:.1f} | {rss(steps.loc[chosen, 'max_rss'].max())} |"
        )
    return lines


def case_lines(title: str, case: dict, frames: int, size: int, cells: int, cores: int) -> list[str]:
    """The heading, movie line, table and size line of one case."""
    return [
        f"### {title}",
        "",
        f"Movie: {frames} frames × {size} × {size} px × 2 channels, uint16, {cells} cells "
        f"({case['movie_gb']:.2f} GB of TIFF); pipeline run with `--cores {cores}`.",
        "",
        *step_rows(case["steps"], frames, case["classic"][0]),
        "",
        f"- Results (every file the workflow wrote): {case['results_gb']:.3f} GB, "
        f"**{case['results_gb'] / case['movie_gb']:.2f}×** the movie's size.",
        f"- Peak RSS of the largest step: {case['steps']['max_rss'].max():.0f} MB.",
    ]


def report(args: argparse.Namespace, results: dict) -> str:
    """The benchmark report as markdown."""
    sparse, crowded = results["sparse"], results["crowded"]
    classic_wall, classic_cpu = sparse["classic"]
    core = sparse["steps"].loc[list(CORE_STEPS)].sum()
    compute_classic, compute_pipeline = results["compute"]
    written_mb_per_frame = 1000 * results["written_gb"] / args.frames
    first_write, again_write = results["write_gbps"]
    pairs = results["dry_run"]
    dry_run, floor = (float(np.median(times)) for times in zip(*pairs))
    ratios = sorted(workflow / floor for workflow, floor in pairs)
    crowded_total = crowded["steps"].sum()
    lines = [
        *case_lines("Sparse movie", sparse, args.frames, args.size, args.cells, args.cores),
        f"- Ingest + masks + measure: **{classic_wall / core['s']:.1f}×** less wall-clock time per frame "
        f"than the classic loop, {classic_cpu / core['cpu_time']:.1f}× less CPU time.",
        f"- Computation alone (frames in memory, one thread, CPU time): classic {1000 * compute_classic:.1f} ms "
        f"per frame, pipeline (`segment_frame`, the label images painted, `measure_frame`) "
        f"{1000 * compute_pipeline:.1f} ms per frame: {compute_classic / compute_pipeline:.1f}×.",
        f"- Plain sequential writes of a new file in the scratch folder: {first_write:.2f} GB/s "
        f"({again_write:.2f} GB/s for the same write right after deleting that file, into memory just "
        f"freed). The steps write {written_mb_per_frame:.1f} MB of arrays (`.npy`) per frame: at "
        f"{first_write:.2f} GB/s that is {written_mb_per_frame / first_write:.1f} ms per frame of CPU time, "
        "before any computation.",
        "",
        *case_lines("Crowded movie", crowded, args.crowded_frames, args.size, args.crowded_cells, args.cores),
        f"- All steps together: **{1000 * crowded_total['s'] / args.crowded_frames:.0f} ms** per frame "
        f"(the steps' wall-clock times added up), {1000 * crowded_total['cpu_time'] / args.crowded_frames:.0f} ms "
        f"of CPU per frame; the whole run (`snakemake --cores {args.cores}`, steps side by side where the "
        f"workflow allows) took {crowded['elapsed']:.1f} s: {1000 * crowded['elapsed'] / args.crowded_frames:.0f} "
        "ms per frame.",
        "",
        "### Dry run",
        "",
        f"- Dry run (`snakemake -n`) of {args.samples} samples: **{dry_run:.1f} s**. The same jobs stripped to "
        f"what the design prescribes (per sample six jobs, then the five across samples, with the contract's "
        f"inputs and outputs, a log, a benchmark and an empty script each, every result file a target; no "
        f"parameters, resources, environments or validation: `bench/design_floor.smk`): {floor:.1f} s "
        f"(**{float(np.median(ratios)):.2f}×**, the median ratio of {len(pairs)} pairs run in turn; "
        f"{ratios[0]:.2f}–{ratios[-1]:.2f}×; the times are medians).",
        "",
        "Step times are Snakemake's wall-clock `s` and `cpu_time` (process start to end: they include Python "
        "start-up and imports); peak RSS is Snakemake's `max_rss`.",
        "",
        "Machine: " + "; ".join(f"{key}: {value}" for key, value in machine().items()) + ".",
        f"Load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in results['load'][0])}; "
        f"after: {', '.join(f'{x:.2f}' for x in results['load'][1])}.",
    ]
    return "\n".join(lines) + "\n"


def write_docs(path: Path, table: str) -> None:
    """Replace the text between the :data:`MARKERS` of ``path`` with ``table``."""
    text = path.read_text()
    start, end = text.index(MARKERS[0]) + len(MARKERS[0]), text.index(MARKERS[1])
    path.write_text(text[:start] + "\n" + table + text[end:])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=500, help="frames of the movie (default 500)")
    parser.add_argument("--size", type=int, default=1024, help="frame height and width in px (default 1024)")
    parser.add_argument("--cells", type=int, default=36, help="cells in the movie (default 36)")
    parser.add_argument("--crowded-frames", type=int, default=100, help="frames of the crowded movie (default 100)")
    parser.add_argument(
        "--crowded-cells", type=int, default=750, help="touching cells of the crowded movie (default 750)"
    )
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="snakemake --cores (default: all)")
    parser.add_argument("--samples", type=int, default=1000, help="samples in the dry run (default 1000)")
    parser.add_argument(
        "--dry-runs", type=int, default=5, help="dry runs of the workflow and of the floor, in turn (default 5)"
    )
    parser.add_argument("--workdir", type=Path, help="scratch folder (default: a new temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--output", type=Path, default=REPO / "bench" / "out" / "bench.md", help="report file")
    parser.add_argument(
        "--docs",
        default=str(REPO / "docs" / "performance.md"),
        help="markdown file whose bench section gets the report ('' for none)",
    )
    args = parser.parse_args(argv)

    keep_freed_memory()  # as in the pipeline's steps, for the classic loop and the computation alike
    scratch = args.workdir or Path(tempfile.mkdtemp(prefix="nucleocyto-bench-"))
    scratch.mkdir(parents=True, exist_ok=True)
    results: dict = {"load": [os.getloadavg()]}
    try:
        results["sparse"] = bench_case(scratch / "sparse", args.frames, args.size, args.cells, args.cores)
        sparse = results["sparse"]
        results["write_gbps"] = page_cache_write_speed(scratch, min(1024, max(16, int(sparse["movie_gb"] * 500))))
        results["compute"] = time_compute(sparse["paths"], args.frames)
        arrays = (scratch / "sparse" / "pipeline" / "results" / SAMPLE).glob("*.npy")
        results["written_gb"] = sum(path.stat().st_size for path in arrays) / 1e9
        results["crowded"] = bench_case(
            scratch / "crowded", args.crowded_frames, args.size, args.crowded_cells, args.cores
        )
        print(f"dry run of {args.samples} samples ...", flush=True)
        results["dry_run"] = time_dry_run(scratch / "dry_run", args.samples, args.dry_runs)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
    results["load"].append(os.getloadavg())
    table = report(args, results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    if args.docs:
        write_docs(Path(args.docs), table)
    print(table)


if __name__ == "__main__":
    main()
