"""Synthetic two-channel movies with a known translocation, for the demo data and tests.

Each cell is a disk-shaped nucleus inside a disk-shaped cytoplasm (pixels shared by two cells
go to the nearer centre). The POI's nuclear and cytoplasmic levels follow a sigmoid exchange
around ``switch_frame``; both channels bleach exponentially; the image is blurred by a
Gaussian PSF, offset by a camera background and given Gaussian read noise. A cell may be
present for part of the movie only and have a mother it divided from (:func:`crowded_cells`
draws fields of touching cells with background between them and divisions).
"""

from __future__ import annotations

import dataclasses
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
    into the nucleus (import), negative values export, 0 keeps the cell still. The cell is
    centred on (``y``, ``x``) in ``first_frame`` and moves by ``velocity`` per frame; its nucleus
    is centred ``nucleus_offset`` (dy, dx) away from the cell centre. It is in the frames
    ``first_frame`` .. ``last_frame`` (None: to the end); ``parent`` is the index, in the movie's
    list of cells, of the mother it divided from (None: no mother). The exchange is a
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
    nucleus_offset: tuple[float, float] = (0.0, 0.0)
    first_frame: int = 0
    last_frame: int | None = None
    parent: int | None = None

    def present(self, frame: int) -> bool:
        """Whether the cell is in ``frame``."""
        return self.first_frame <= frame and (self.last_frame is None or frame <= self.last_frame)

    def centre(self, frame: int) -> tuple[float, float]:
        """(y, x) of the cell centre in ``frame`` (px)."""
        elapsed = frame - self.first_frame
        return self.y + self.velocity[0] * elapsed, self.x + self.velocity[1] * elapsed


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

    Each pixel belongs to the nearest centre of the cells present in the frame; it is that cell's
    nucleus within its nucleus radius of the nucleus centre and its cytoplasm within its cell
    radius. Distances are computed in a window around each cell as wide as the largest cell
    radius, which gives the same owner as comparing every cell (a pixel can be painted only by a
    cell within that radius, and its nearest cell is then within it too), so crowded
    1024 × 1024 frames render in milliseconds.

    Yields
    ------
    poi, marker : (Y, X) uint16
        The frame's POI and nuclear-marker channels: blurred by the PSF, with background,
        bleaching and read noise.
    truth : list of tuple
        One ``(frame, cell, y, x, nucleus_poi, cytoplasm_poi)`` per cell present: its index in
        ``cells``, its centre (px) and true bleached POI levels (counts above background).
    """
    rng = np.random.default_rng(seed)
    levels = [poi_levels(cell, np.arange(n_frames, dtype=float)) for cell in cells]
    for t in range(n_frames):
        bleach = np.exp(-optics.bleach_per_frame * t)
        poi_frame, marker_frame, truth = np.zeros(shape), np.zeros(shape), []
        for k, (y, x), window, nucleus, cytoplasm in compartments(cells, t, shape):
            nuclear_level, cytoplasmic_level = levels[k][0][t] * bleach, levels[k][1][t] * bleach
            poi_frame[window][nucleus] = nuclear_level
            poi_frame[window][cytoplasm] = cytoplasmic_level
            marker_frame[window][nucleus] = cells[k].marker_level * bleach
            truth.append((t, k, y, x, nuclear_level, cytoplasmic_level))
        poi, marker = (_image(frame, optics, rng) for frame in (poi_frame, marker_frame))
        yield poi, marker, truth


def compartments(
    cells: list[Cell], frame: int, shape: tuple[int, int]
) -> Iterator[tuple[int, tuple[float, float], tuple[slice, slice], np.ndarray, np.ndarray]]:
    """The true nucleus and cytoplasm of each cell present in ``frame`` (see :func:`render_frames`).

    Yields
    ------
    k : int
        Index of the cell in ``cells``.
    centre : (float, float)
        (y, x) of its centre (px).
    window : (slice, slice)
        The part of the frame the masks cover.
    nucleus, cytoplasm : ndarray of bool
        Its pixels within ``window``; no pixel belongs to two cells.
    """
    reach = max((cell.cell_radius for cell in cells), default=0.0)
    present = [k for k, cell in enumerate(cells) if cell.present(frame)]
    centres = [cells[k].centre(frame) for k in present]
    windows = [_window(y, x, reach, shape) for y, x in centres]
    nearest, owner = np.full(shape, np.inf), np.full(shape, -1)
    for k, (y, x), (rows, cols) in zip(present, centres, windows):
        distance = np.hypot(np.arange(rows.start, rows.stop)[:, None] - y, np.arange(cols.start, cols.stop) - x)
        closer = distance < nearest[rows, cols]  # ties keep the earlier cell, as argmin does
        nearest[rows, cols][closer] = distance[closer]
        owner[rows, cols][closer] = k
    for k, (y, x), window in zip(present, centres, windows):
        cell = cells[k]
        rows, cols = window
        ny, nx = y + cell.nucleus_offset[0], x + cell.nucleus_offset[1]
        from_nucleus = np.hypot(np.arange(rows.start, rows.stop)[:, None] - ny, np.arange(cols.start, cols.stop) - nx)
        own = owner[window] == k
        nucleus = own & (from_nucleus <= cell.nucleus_radius)
        yield k, (y, x), window, nucleus, own & (nearest[window] <= cell.cell_radius) & ~nucleus


def true_labels(cells: list[Cell], frame: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(Y, X) int32 label images of the true nuclei and cytoplasms in ``frame``: cell ``k`` of
    ``cells`` carries label ``k + 1``, background 0."""
    nuclei, cytoplasm = np.zeros(shape, np.int32), np.zeros(shape, np.int32)
    for k, _, window, nucleus, own_cytoplasm in compartments(cells, frame, shape):
        nuclei[window][nucleus] = k + 1
        cytoplasm[window][own_cytoplasm] = k + 1
    return nuclei, cytoplasm


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


def crowded_cells(
    n_cells: int,
    shape: tuple[int, int],
    n_frames: int,
    seed: int = 0,
    divisions: int = 0,
    drift_px: float = 0.3,
    shuttle: float = -0.33,
    nucleus_radius_px: tuple[float, float] = (9.0, 12.0),
    cytoplasm_px: tuple[float, float] = (3.0, 14.0),
) -> list[Cell]:
    """A crowded field: cells of varied size on a jittered grid, some touching their neighbours
    and some with background between them, nuclei off the cell centre, and divisions.

    Parameters
    ----------
    n_cells : int
        Cells in the first frame.
    shape : (int, int)
        Frame height and width (px).
    n_frames : int
        Frames of the movie (divisions happen between frame 3 and ``n_frames - 4``).
    seed : int
        Seed of every random choice.
    divisions : int
        Cells that divide: each ends in the frame before its division and two daughters, with
        half its nuclear and cell area each, start on either side of its nucleus and move apart.
    drift_px : float
        Each cell drifts this many pixels per frame in its own direction.
    shuttle : float
        See :class:`Cell`; negative: the POI leaves the nucleus.
    nucleus_radius_px : (float, float)
        Range of the nucleus radii (px).
    cytoplasm_px : (float, float)
        Range of the cell radius beyond the nucleus radius (px).

    Returns
    -------
    list of Cell
        The first ``n_cells`` are the cells of the first frame; the daughters follow, with
        ``parent`` set. Each nucleus lies 50-90 % of the way from the cell centre to the edge
        of the cell, so the cytoplasm is thin on one side; POI levels 600-1000 counts, switch
        frames 6-10. Neighbouring cells closer than the sum of their radii touch (the pixels
        between them go to the nearer centre), but no two nuclei come within 3 px of each other
        in any frame (a placement that would is drawn again, up to 100 times).
    """
    rng = np.random.default_rng(seed)
    n_cols = int(np.ceil(np.sqrt(n_cells * shape[1] / shape[0])))
    step = np.array([shape[0] / int(np.ceil(n_cells / n_cols)), shape[1] / n_cols])
    cells: list[Cell] = []
    for k in range(n_cells):
        centre = (np.array(divmod(k, n_cols)) + 0.5) * step
        for _ in range(100):
            cell = _crowded_cell(rng, centre, drift_px, shuttle, nucleus_radius_px, cytoplasm_px)
            if not any(_nuclei_meet(cell, other, n_frames) for other in cells):
                break
        cells.append(cell)
    for mother in sorted(rng.choice(n_cells, size=divisions, replace=False).tolist()):
        _add_division(cells, mother, int(rng.integers(3, n_frames - 3)), rng, n_frames)
    return cells


def _add_division(cells: list[Cell], mother: int, frame: int, rng: np.random.Generator, n_frames: int) -> None:
    """End ``cells[mother]`` before ``frame`` and append its two daughters, along a direction
    drawn (again, up to 100 times) until their nuclei keep clear of every other cell's."""
    others = [cell for k, cell in enumerate(cells) if k != mother]
    for _ in range(100):
        ended, daughters = _divide(cells[mother], mother, frame, rng.uniform(0, np.pi))
        if not any(_nuclei_meet(d, other, n_frames) for d in daughters for other in others):
            break
    cells[mother] = ended
    cells += daughters


def _crowded_cell(
    rng: np.random.Generator,
    centre: np.ndarray,
    drift_px: float,
    shuttle: float,
    nucleus_radius_px: tuple[float, float],
    cytoplasm_px: tuple[float, float],
) -> Cell:
    """One cell of :func:`crowded_cells` near ``centre`` (y, x), its random draws from ``rng``."""
    nucleus, angle, offset_angle = rng.uniform(*nucleus_radius_px), *rng.uniform(0, 2 * np.pi, 2)
    radius = nucleus + rng.uniform(*cytoplasm_px)
    offset = rng.uniform(0.5, 0.9) * (radius - nucleus)
    y, x = centre + rng.uniform(-2, 2, 2)
    return Cell(
        y=y,
        x=x,
        nucleus_radius=nucleus,
        cell_radius=radius,
        velocity=(drift_px * np.sin(angle), drift_px * np.cos(angle)),
        shuttle=shuttle,
        switch_frame=rng.uniform(6.0, 10.0),
        poi_level=rng.uniform(600.0, 1000.0),
        nucleus_offset=(offset * np.sin(offset_angle), offset * np.cos(offset_angle)),
    )


def _nuclei_meet(a: Cell, b: Cell, n_frames: int, gap_px: float = 3.0) -> bool:
    """Whether the nuclei of ``a`` and ``b`` come within ``gap_px`` of each other in a frame
    both are in."""
    for t in range(n_frames):
        if a.present(t) and b.present(t):
            (ay, ax), (by, bx) = a.centre(t), b.centre(t)
            ay, ax = ay + a.nucleus_offset[0], ax + a.nucleus_offset[1]
            by, bx = by + b.nucleus_offset[0], bx + b.nucleus_offset[1]
            if math.hypot(ay - by, ax - bx) < a.nucleus_radius + b.nucleus_radius + gap_px:
                return True
    return False


def _divide(mother: Cell, index: int, frame: int, angle: float) -> tuple[Cell, list[Cell]]:
    """``mother`` ending in the frame before ``frame``, and its two daughters starting in
    ``frame`` on either side of its nucleus along ``angle``, moving apart at 0.4 px per frame."""
    y, x = mother.centre(frame)
    y, x = y + mother.nucleus_offset[0], x + mother.nucleus_offset[1]
    nucleus, cell = mother.nucleus_radius / math.sqrt(2), mother.cell_radius / math.sqrt(2)
    direction = np.array([np.sin(angle), np.cos(angle)])
    daughters = [
        dataclasses.replace(
            mother,
            y=y + side * (nucleus + 2.0) * direction[0],
            x=x + side * (nucleus + 2.0) * direction[1],
            nucleus_radius=nucleus,
            cell_radius=cell,
            velocity=tuple(np.add(mother.velocity, side * 0.4 * direction)),
            nucleus_offset=(0.0, 0.0),
            first_frame=frame,
            last_frame=None,
            parent=index,
        )
        for side in (-1, 1)
    ]
    return dataclasses.replace(mother, last_frame=frame - 1), daughters
