"""Synthetic two-channel movies with a known translocation, for the demo data and tests.

Each cell is a disk-shaped nucleus inside a disk-shaped cytoplasm (pixels shared by two cells
go to the nearer centre). The POI's nuclear and cytoplasmic levels follow a sigmoid exchange
around ``switch_frame``; both channels bleach exponentially; the image is blurred by a
Gaussian PSF, offset by a camera background and given Gaussian read noise.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import ndimage


@dataclass(frozen=True)
class Cell:
    """One synthetic cell; positions and radii in pixels, times in frames.

    ``shuttle`` is the fraction of POI level exchanged: +0.6 moves 60 % of the cytoplasmic level
    into the nucleus (import), negative values export, 0 keeps the cell still. The exchange is a
    logistic step centred on ``switch_frame`` with scale ``switch_width`` (frames): 1 / (1 +
    exp(−(t − switch_frame) / switch_width)).
    """

    y: float
    x: float
    nucleus_radius: float = 7.0
    cell_radius: float = 15.0
    velocity: tuple[float, float] = (0.0, 0.0)
    shuttle: float = 0.6
    switch_frame: float = 8.0
    switch_width: float = 1.5
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
    """True nuclear and cytoplasmic POI levels (counts, before bleaching) of ``cell`` per frame."""
    step = 1.0 / (1.0 + np.exp(-(frames - cell.switch_frame) / cell.switch_width))
    nuclear = cell.poi_level * (0.5 + 0.5 * cell.shuttle * step)
    cytoplasmic = cell.poi_level * (0.5 - 0.5 * cell.shuttle * step)
    return nuclear, cytoplasmic


def render_frames(
    cells: list[Cell],
    n_frames: int,
    shape: tuple[int, int],
    optics: Optics = Optics(),
    seed: int = 0,
) -> Iterator[tuple[np.ndarray, np.ndarray, list[tuple]]]:
    """Render a two-channel movie one frame at a time (memory of one frame, whatever its length).

    Each pixel belongs to the nearest cell centre; it is that cell's nucleus within its nucleus
    radius and its cytoplasm within its cell radius. Distances are computed in a window around
    each cell as wide as the largest cell radius, which gives the same owner as comparing every
    cell (a pixel can be painted only by a cell within that radius, and its nearest cell is then
    within it too), so crowded 1024 × 1024 frames render in milliseconds.

    Yields
    ------
    poi, marker : (Y, X) uint16
        The frame's POI and nuclear-marker channels: blurred by the PSF, with background,
        bleaching and read noise.
    truth : list of tuple
        One ``(frame, cell, y, x, nucleus_poi, cytoplasm_poi)`` per cell: its centre (px) and
        true bleached POI levels (counts above background).
    """
    rng = np.random.default_rng(seed)
    levels = [poi_levels(cell, np.arange(n_frames, dtype=float)) for cell in cells]
    reach = max((cell.cell_radius for cell in cells), default=0.0)
    for t in range(n_frames):
        bleach = np.exp(-optics.bleach_per_frame * t)
        centres = [(c.y + c.velocity[0] * t, c.x + c.velocity[1] * t) for c in cells]
        windows = [_window(y, x, reach, shape) for y, x in centres]
        nearest, owner = np.full(shape, np.inf), np.full(shape, -1)
        for k, ((y, x), (rows, cols)) in enumerate(zip(centres, windows)):
            distance = np.hypot(np.arange(rows.start, rows.stop)[:, None] - y, np.arange(cols.start, cols.stop) - x)
            closer = distance < nearest[rows, cols]  # ties keep the earlier cell, as argmin does
            nearest[rows, cols][closer] = distance[closer]
            owner[rows, cols][closer] = k
        poi_frame, marker_frame, truth = np.zeros(shape), np.zeros(shape), []
        for k, (cell, window) in enumerate(zip(cells, windows)):
            own, distance = owner[window] == k, nearest[window]
            nucleus = own & (distance <= cell.nucleus_radius)
            cytoplasm = own & (distance <= cell.cell_radius) & ~nucleus
            nuclear_level, cytoplasmic_level = levels[k][0][t] * bleach, levels[k][1][t] * bleach
            poi_frame[window][nucleus] = nuclear_level
            poi_frame[window][cytoplasm] = cytoplasmic_level
            marker_frame[window][nucleus] = cell.marker_level * bleach
            truth.append((t, k, *centres[k], nuclear_level, cytoplasmic_level))
        poi, marker = (_image(frame, optics, rng) for frame in (poi_frame, marker_frame))
        yield poi, marker, truth


def _window(y: float, x: float, reach: float, shape: tuple[int, int]) -> tuple[slice, slice]:
    """The pixels within ``reach`` of (y, x) along each axis, clipped to ``shape``."""
    return (
        slice(max(math.floor(y - reach), 0), min(math.ceil(y + reach) + 1, shape[0])),
        slice(max(math.floor(x - reach), 0), min(math.ceil(x + reach) + 1, shape[1])),
    )


def _image(frame: np.ndarray, optics: Optics, rng: np.random.Generator) -> np.ndarray:
    """``frame`` (float64 counts) as a camera records it: PSF blur, background, read noise, uint16."""
    blurred = ndimage.gaussian_filter(frame, optics.psf_sigma) + optics.background
    noisy = blurred + rng.normal(0.0, optics.noise_sd, frame.shape)
    return np.clip(np.rint(noisy), 0, np.iinfo(np.uint16).max).astype(np.uint16)


def render_movie(
    cells: list[Cell],
    n_frames: int,
    shape: tuple[int, int],
    optics: Optics = Optics(),
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Render a two-channel movie in memory (see :func:`render_frames`).

    Returns
    -------
    poi, marker : (T, Y, X) uint16
        POI and nuclear-marker channels.
    truth : DataFrame
        One row per frame × cell: ``frame, cell, y, x, nucleus_poi, cytoplasm_poi`` with the true
        bleached POI levels (counts above background) and the cell centre (px).
    """
    poi = np.empty((n_frames, *shape), np.uint16)
    marker = np.empty_like(poi)
    truth = []
    for t, (poi_t, marker_t, rows) in enumerate(render_frames(cells, n_frames, shape, optics, seed)):
        poi[t], marker[t] = poi_t, marker_t
        truth += rows
    columns = ["frame", "cell", "y", "x", "nucleus_poi", "cytoplasm_poi"]
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
    step_y, step_x = shape[0] / int(np.ceil(n_cells / n_cols)), shape[1] / n_cols
    radius = min(step_y, step_x) / 2 if cell_radius_px is None else cell_radius_px
    cells = []
    for k in range(n_cells):
        i, j = divmod(k, n_cols)
        angle = rng.uniform(0, 2 * np.pi)
        y, x = (i + 0.5) * step_y + rng.uniform(-2, 2), (j + 0.5) * step_x + rng.uniform(-2, 2)
        velocity = (stage_drift_px[0] + drift_px * np.sin(angle), stage_drift_px[1] + drift_px * np.cos(angle))
        cells.append(
            Cell(
                y=y,
                x=x,
                nucleus_radius=rng.uniform(*nucleus_radius_px),
                cell_radius=radius,
                velocity=velocity,
                shuttle=shuttle,
                switch_frame=rng.uniform(6.0, 10.0),
                poi_level=rng.uniform(600.0, 1000.0),
            )
        )
    return cells
