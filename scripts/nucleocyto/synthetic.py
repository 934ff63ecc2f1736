"""Synthetic two-channel movies with a known translocation, for the demo data and tests.

Each cell is a disk-shaped nucleus inside a disk-shaped cytoplasm (pixels shared by two cells
go to the nearer centre). The POI's nuclear and cytosolic levels follow a sigmoid exchange
around ``switch_frame``; both channels bleach exponentially; the image is blurred by a
Gaussian PSF, offset by a camera background and given Gaussian read noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import ndimage


@dataclass(frozen=True)
class Cell:
    """One synthetic cell; positions and radii in pixels, times in frames.

    ``shuttle`` is the fraction of POI level exchanged: +0.6 moves 60 % of the cytosolic level
    into the nucleus (import), negative values export, 0 keeps the cell still.
    """

    y: float
    x: float
    nucleus_radius: float = 7.0
    cell_radius: float = 15.0
    velocity: tuple[float, float] = (0.0, 0.0)
    shuttle: float = 0.6
    switch_frame: float = 8.0
    poi_level: float = 800.0
    marker_level: float = 600.0


@dataclass(frozen=True)
class Optics:
    """Imaging model: PSF sigma (px), background (counts), read noise sd (counts), bleaching
    rate per frame."""

    psf_sigma: float = 1.0
    background: float = 100.0
    noise_sd: float = 8.0
    bleach_per_frame: float = 0.01


def poi_levels(cell: Cell, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True nuclear and cytosolic POI levels (counts, before bleaching) of ``cell`` per frame."""
    step = 1.0 / (1.0 + np.exp(-(frames - cell.switch_frame) / 1.5))
    nuclear = cell.poi_level * (0.5 + 0.5 * cell.shuttle * step)
    cytosolic = cell.poi_level * (0.5 - 0.5 * cell.shuttle * step)
    return nuclear, cytosolic


def render_movie(
    cells: list[Cell],
    n_frames: int,
    shape: tuple[int, int],
    optics: Optics = Optics(),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Render a two-channel movie.

    Returns
    -------
    poi, marker : (T, Y, X) uint16
        POI and nuclear-marker channels.
    truth : DataFrame
        One row per frame × cell: ``frame, cell, y, x, nucleus_poi, cytosol_poi`` with the true
        bleached POI levels (counts above background) and the cell centre (px).
    """
    rng = np.random.default_rng(seed)
    frames = np.arange(n_frames, dtype=float)
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    levels = [poi_levels(cell, frames) for cell in cells]
    poi = np.empty((n_frames, *shape), np.uint16)
    marker = np.empty_like(poi)
    truth = []
    for t in range(n_frames):
        bleach = np.exp(-optics.bleach_per_frame * t)
        centres = [(c.y + c.velocity[0] * t, c.x + c.velocity[1] * t) for c in cells]
        distances = np.stack([np.hypot(rows - y, cols - x) for y, x in centres])
        nearest = distances.argmin(axis=0)
        poi_frame = np.zeros(shape)
        marker_frame = np.zeros(shape)
        for k, cell in enumerate(cells):
            own = nearest == k
            nucleus = own & (distances[k] <= cell.nucleus_radius)
            cytoplasm = own & (distances[k] <= cell.cell_radius) & ~nucleus
            nuclear_level, cytosolic_level = levels[k][0][t] * bleach, levels[k][1][t] * bleach
            poi_frame[nucleus] = nuclear_level
            poi_frame[cytoplasm] = cytosolic_level
            marker_frame[nucleus] = cell.marker_level * bleach
            truth.append((t, k, *centres[k], nuclear_level, cytosolic_level))
        for frame, out in ((poi_frame, poi), (marker_frame, marker)):
            blurred = ndimage.gaussian_filter(frame, optics.psf_sigma) + optics.background
            noisy = blurred + rng.normal(0.0, optics.noise_sd, shape)
            out[t] = np.clip(np.rint(noisy), 0, np.iinfo(np.uint16).max)
    columns = ["frame", "cell", "y", "x", "nucleus_poi", "cytosol_poi"]
    return poi, marker, pd.DataFrame(truth, columns=columns)


def grid_cells(
    n_cells: int,
    shape: tuple[int, int],
    seed: int = 0,
    shuttle: float = 0.6,
    drift_px: float = 0.0,
    stage_drift_px: tuple[float, float] = (0.0, 0.0),
    nucleus_radius_px: tuple[float, float] = (6.0, 8.0),
    cell_radius_px: float | None = None,
) -> list[Cell]:
    """``n_cells`` cells on a jittered grid filling ``shape``.

    Parameters
    ----------
    n_cells : int
    shape : (int, int)
        Frame height and width (px).
    seed : int
        Seed of the random jitter, radii, drift directions, switch frames and POI levels.
    shuttle : float
        See :class:`Cell`.
    drift_px : float
        Each cell drifts ``drift_px`` pixels per frame in its own random direction.
    stage_drift_px : (float, float)
        Common (y, x) drift of all cells (px per frame), added to their own drift, as when the
        stage moves.
    nucleus_radius_px : (float, float)
        Nucleus radii are drawn uniformly from this range (px).
    cell_radius_px : float or None
        Cell radius (px); None = half the grid step, so neighbouring cells touch. Larger values
        make neighbours overlap (the shared pixels go to the nearer centre).

    Returns
    -------
    list of Cell
        Switch frames uniform in [6, 10], POI levels uniform in [600, 1000] counts.
    """
    rng = np.random.default_rng(seed)
    n_cols = int(np.ceil(np.sqrt(n_cells * shape[1] / shape[0])))
    n_rows = int(np.ceil(n_cells / n_cols))
    step_y, step_x = shape[0] / n_rows, shape[1] / n_cols
    cells = []
    for k in range(n_cells):
        i, j = divmod(k, n_cols)
        angle = rng.uniform(0, 2 * np.pi)
        cells.append(
            Cell(
                y=(i + 0.5) * step_y + rng.uniform(-2, 2),
                x=(j + 0.5) * step_x + rng.uniform(-2, 2),
                nucleus_radius=rng.uniform(*nucleus_radius_px),
                cell_radius=min(step_y, step_x) / 2 if cell_radius_px is None else cell_radius_px,
                velocity=(
                    stage_drift_px[0] + drift_px * np.sin(angle),
                    stage_drift_px[1] + drift_px * np.cos(angle),
                ),
                shuttle=shuttle,
                switch_frame=rng.uniform(6.0, 10.0),
                poi_level=rng.uniform(600.0, 1000.0),
            )
        )
    return cells
