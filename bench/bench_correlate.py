"""Time the per-frame colocalisation measures of the correlate rule on a synthetic frame.

Usage::

    python bench/bench_correlate.py [--size 1024] [--cells 30] [--repeat 3] [--baseline 8f43f2c]

1. Renders one two-channel frame with :mod:`nucleocyto.synthetic` (``grid_cells``,
   ``render_movie``: uint16, PSF blur, background, read noise) and labels it as the pipeline
   does (:func:`nucleocyto.masks.nucleus_labels`, :func:`nucleocyto.masks.ring_labels`).
2. Times :func:`nucleocyto.coloc.colocalisation_by_label` over the three scopes of a frame
   (each cell, all cells, the whole frame), for the current code and for ``coloc.py`` at git
   revision ``--baseline`` (read with ``git show`` and measured in the same run; the default
   is the last revision that sorted the pixels), and checks that both give the same numbers.
3. Does the same on a second version of the frame whose POI channel spans a wide range of
   counts (0..~8000, like the real movie's POI channel), where fewer pixels share a value pair.
4. Times the whole :func:`nucleocyto.correlation.frame_correlations` (with the table) of the
   current code, optionally in a pool of ``--threads`` threads.

The machine may be shared and noisy: each timing is the best of ``--repeat`` runs, both in
wall-clock time (``time.perf_counter``) and in CPU time of this process (``time.process_time``,
less affected by other processes), and the ratios compare two implementations measured in the
same run. The load average is printed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import types
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from nucleocyto import coloc  # noqa: E402
from nucleocyto.correlation import frame_correlations  # noqa: E402
from nucleocyto.masks import nucleus_labels, ring_labels  # noqa: E402
from nucleocyto.synthetic import grid_cells, render_movie  # noqa: E402


def baseline_module(revision: str) -> types.ModuleType:
    """``scripts/nucleocyto/coloc.py`` at ``revision`` of this repository, as a module."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{revision}:scripts/nucleocyto/coloc.py"],
        capture_output=True, text=True, check=True,
    ).stdout
    module = types.ModuleType(f"coloc_{revision}")
    exec(compile(source, f"coloc.py@{revision}", "exec"), module.__dict__)
    return module


def synthetic_frame(size: int, n_cells: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(POI, marker, nuclei, rings) of one synthetic frame, masks by the classic method."""
    cells = grid_cells(n_cells, (size, size), seed=seed, nucleus_radius_px=(20.0, 30.0))
    poi, marker, _ = render_movie(cells, 1, (size, size), seed=seed)
    nuclei = nucleus_labels(marker[0])
    return poi[0], marker[0], nuclei, ring_labels(nuclei)


def scopes(nuclei: np.ndarray, rings: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """(labels, ids) of the three scopes of a frame, as ``frame_correlations`` builds them."""
    cells = np.where(nuclei > 0, nuclei, rings)
    ids = np.unique(nuclei[nuclei > 0])
    one = np.array([1])
    return [(cells, ids), ((cells > 0).view(np.int8), one), (np.ones(cells.shape, np.int8), one)]


def best_ms(function, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time of ``repeat`` calls, in milliseconds."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return 1e3 * min(wall), 1e3 * min(cpu)


def compare(name: str, x: np.ndarray, y: np.ndarray, frame_scopes, old: types.ModuleType, repeat: int) -> None:
    """Time both implementations on one frame, print ms per frame, ratio and largest difference."""
    results = {}
    timings = {}
    for label, module in (("baseline", old), ("current", coloc)):
        run = lambda: [module.colocalisation_by_label(x, y, labels, ids) for labels, ids in frame_scopes]  # noqa: E731
        results[label] = run()
        timings[label] = best_ms(run, repeat)
    differences = {}
    for before, after in zip(results["baseline"], results["current"]):
        for measure, values in before.items():
            same_nan = np.array_equal(np.isnan(values), np.isnan(after[measure]))
            scale = np.maximum(1.0, np.abs(values))  # relative for thresholds (counts), absolute below 1
            gap = np.nanmax(np.abs(after[measure] - values) / scale, initial=0.0) if same_nan else np.inf
            differences[measure] = max(differences.get(measure, 0.0), gap)
    worst = max(differences, key=differences.get)
    print(f"{name}: largest difference {differences[worst]:.1e} ({worst}; relative above 1)")
    for i, clock in enumerate(("wall", "CPU")):
        before, after = timings["baseline"][i], timings["current"][i]
        print(f"  {clock:<4} baseline {before:7.1f} ms/frame   current {after:6.1f} ms/frame   speed-up {before / after:5.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024, help="frame height and width (px)")
    parser.add_argument("--cells", type=int, default=30, help="cells in the frame")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (the best counts)")
    parser.add_argument("--baseline", default="8f43f2c", help="git revision of the implementation to compare with")
    parser.add_argument("--threads", type=int, default=1, help="also time frame_correlations in this many threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    old = baseline_module(args.baseline)
    poi, marker, nuclei, rings = synthetic_frame(args.size, args.cells, args.seed)
    frame_scopes = scopes(nuclei, rings)
    print(
        f"frame {args.size}x{args.size} uint16, {int(nuclei.max())} cells, "
        f"{int((frame_scopes[1][0] > 0).sum())} px in cells; baseline {args.baseline}"
    )
    compare("synthetic", poi, marker, frame_scopes, old, args.repeat)
    rng = np.random.default_rng(args.seed)
    wide = np.clip((poi - 90.0) * 15 + rng.normal(0, 40, poi.shape), 0, 65535).astype(np.uint16)
    compare(f"wide POI (0..{wide.max()})", wide, marker, frame_scopes, old, args.repeat)

    frame = np.stack([poi, marker])
    wall, cpu = best_ms(lambda: frame_correlations(frame, nuclei, rings), args.repeat)
    print(f"frame_correlations (table included): {wall:.1f} ms/frame wall, {cpu:.1f} ms/frame CPU")
    if args.threads > 1:
        n_frames = 4 * args.threads
        with ThreadPoolExecutor(args.threads) as pool:
            run = lambda: list(pool.map(lambda _: frame_correlations(frame, nuclei, rings), range(n_frames)))  # noqa: E731
            wall, cpu = (value / n_frames for value in best_ms(run, args.repeat))
        print(f"frame_correlations in {args.threads} threads: {wall:.1f} ms/frame wall, {cpu:.1f} ms/frame CPU")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
