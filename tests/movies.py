"""Tiny synthetic movies for the workflow tests: one cell in the middle of a small frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tifffile

from nucleocyto.synthetic import Cell, Optics, render_movie


def tiny_movie(n_frames: int, shape: tuple[int, int] = (16, 16), seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """POI and nuclear marker, each (T, Y, X) uint16, of one cell whose POI moves into the
    nucleus half-way; no bleaching, so every frame has one clear nucleus."""
    size = min(shape)
    cell = Cell(shape[0] / 2, shape[1] / 2, nucleus_radius=size / 5, cell_radius=size / 2.3, switch_frame=n_frames / 2)
    poi, marker, _ = render_movie([cell], n_frames, shape, Optics(bleach_per_frame=0.0), seed=seed)
    return poi, marker


def write_movie(workdir: Path, name: str, n_frames: int, shape: tuple[int, int] = (16, 16), seed: int = 0) -> dict:
    """Write ``data/<name>_poi.tif`` and ``data/<name>_nucleus.tif`` under ``workdir``; return the
    sample-sheet columns ``poi`` and ``nucleus`` (paths relative to ``workdir``)."""
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    row = {}
    for channel, movie in zip(("poi", "nucleus"), tiny_movie(n_frames, shape, seed)):
        row[channel] = f"data/{name}_{channel}.tif"
        tifffile.imwrite(workdir / row[channel], movie, photometric="minisblack")
    return row
