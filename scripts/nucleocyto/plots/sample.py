"""Figures of one movie. Each builder returns a Matplotlib figure in the shared style; the caller
saves it with :func:`nucleocyto.plots.style.save`.

Time courses show the classic whole-mask mean (all cells pooled by area) as a line and, where a
frame has at least :data:`~nucleocyto.plots.data.MIN_CELLS_FOR_SPREAD` cells, the first-to-third
quartile across cells as a band: per-frame statistics that stay readable with 50 cells and do
not depend on cell ids being tracked. The per-cell small multiples (:func:`cell_panels`) follow
``cell_id``, which is one cell over time only when the label stacks carry track ids.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from .. import POI
from ..segment.labels import centroids, label_edges, labelled_pixels
from .data import crop_window, spread
from .style import (
    COLORS,
    PAGE_WIDTH_IN,
    STIMULUS_COLOR,
    TIME_CMAP,
    band,
    figure,
    markers,
    message_figure,
    stimulus_line,
    styled,
    time_axis,
    time_label,
)

#: Column of the cells table with the POI mean of each region.
MEAN = {"nucleus": "poi_nucleus_mean", "cytoplasm": "poi_cytoplasm_mean"}

#: Smallest range of the N/C ratio axis, so that a flat ratio looks flat.
MIN_RATIO_SPAN = 0.2

#: Most points of the scatter (cell-frames): beyond it a random sample of this many is drawn, so a
#: crowded field's figure costs what a sparse one's does (the pooled trajectory uses every row).
MAX_SCATTER_POINTS = 20_000

#: Outline that keeps white text readable on bright and dark pixels alike.
_OUTLINE = [patheffects.withStroke(linewidth=1.6, foreground="black")]


@styled
def overlay_montage(
    stack: np.ndarray,
    nuclei: np.ndarray,
    cytoplasm: np.ndarray,
    frames: list[int],
    frame_interval_s: float | None,
    pixel_size_um: float | None,
    columns: int,
    title: str,
    crop_px: int = 128,
    crop: str | list[int] = "auto",
):
    """POI channel of ``frames``, outlines of nuclei and cytoplasm, ids where they fit.

    A frame larger than ``crop_px`` is shown as a zoomed crop (:func:`nucleocyto.plots.data.crop_window`)
    after a first panel with the whole field of the first frame, outlines only and the crop
    marked and no ids. Only the frames shown are read (memory-mapped stacks of any length are fine).

    Parameters
    ----------
    stack : (T, C, Y, X) ndarray
        Raw movie, channels in :data:`nucleocyto.CHANNELS` order (usually a read-only memory map).
    nuclei, cytoplasm : (T, Y, X) ndarray of int
        Label stacks; the numbers drawn are the nucleus labels.
    frames : list of int
        Frames to show, one panel each, ``columns`` panels per row (and the whole field).
    frame_interval_s, pixel_size_um : float or None
        Calibration for the panel titles and the scale bar (none when unknown).
    crop_px, crop : int, "auto" or [row, column]
        Side and top left corner of the zoomed crop.
    """
    n_frames, _, height, width = stack.shape
    first_nuclei = np.asarray(nuclei[frames[0]])
    window = crop_window(first_nuclei, crop_px, crop)  # None: the whole field is small enough
    region = window or (slice(0, height), slice(0, width))
    images = [np.asarray(stack[t, POI], dtype=np.float64) for t in frames]
    low, high = np.percentile(np.concatenate([im[region].ravel() for im in images]), [0.5, 99.8])
    whole = window is not None  # a first panel with the whole field, in a column of its own
    n_panels, ncols = len(frames) + whole, min(columns, len(frames)) + whole
    nrows = math.ceil(n_panels / ncols)
    panel_w, crop_w = min(2.6, PAGE_WIDTH_IN / ncols), region[1].stop - region[1].start
    panel_h = panel_w * (region[0].stop - region[0].start) / crop_w
    fig, axes = figure(panel_w * ncols, panel_h * nrows + 0.9, ncols=ncols, nrows=nrows, squeeze=False)
    panels = iter(axes.flat)
    if whole:
        ax = next(panels)
        ax.imshow(images[0], cmap="gray", vmin=low, vmax=high)
        _outline_cells(ax, first_nuclei, np.asarray(cytoplasm[frames[0]]), points_per_px=None)
        _mark_crop(ax, window, frames[0], pixel_size_um)
    for ax, t, image in zip(panels, frames, images):
        shown = ax.imshow(image[region], cmap="gray", vmin=low, vmax=high)
        _outline_cells(ax, np.asarray(nuclei[t])[region], np.asarray(cytoplasm[t])[region], panel_w * 72 / crop_w)
        ax.set_title(time_label(t, n_frames, frame_interval_s), fontsize="medium" if panel_w >= 1.6 else "small")
        ax.set_axis_off()
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    if pixel_size_um:
        _scale_bar(axes.flat[int(whole)], pixel_size_um, crop_w)
    _overlay_legend(fig, axes, shown, title)
    return fig


def _overlay_legend(fig, axes, image, title: str) -> None:
    """The overlay's colour bar (counts of ``image``) with the legend of the outlines beside it,
    and the figure's title."""
    fig.suptitle(title)
    colorbar = fig.colorbar(image, ax=axes, location="bottom", shrink=0.35, aspect=25, pad=0.02, anchor=(1.0, 0.5))
    colorbar.set_label("POI intensity (counts)")
    handles = [
        Line2D([], [], color=COLORS["nucleus"], label="nucleus"),
        Line2D([], [], color=COLORS["cytoplasm"], label="cytoplasm (edges)"),
    ]
    colorbar.ax.legend(handles=handles, loc="center right", bbox_to_anchor=(-0.08, 0.5), ncols=2)


def _mark_crop(ax, window: tuple[slice, slice], frame: int, pixel_size_um: float | None) -> None:
    """Finish the whole-field panel: the crop's outline (yellow), the title and the scale bar."""
    rows, cols = window
    corner = (cols.start - 0.5, rows.start - 0.5)
    ax.add_patch(Rectangle(corner, cols.stop - cols.start, rows.stop - rows.start, fill=False, ec="yellow", lw=1.0))
    ax.set_title(f"whole field, frame {frame}", fontsize="small")
    ax.set_axis_off()
    if pixel_size_um:
        _scale_bar(ax, pixel_size_um, ax.get_images()[0].get_array().shape[1])


#: Size of the cell ids drawn on the overlay (points).
ID_SIZE_PT = 6.0


def _outline_cells(ax, nuclei: np.ndarray, cytoplasm: np.ndarray, points_per_px: float | None) -> None:
    """The outlines of the (Y, X) nucleus and cytoplasm label images (every object's edge,
    borders between touching cells included), and each nucleus's id at its centre where the
    nucleus is at least as wide and tall on the page (``points_per_px`` points per image pixel;
    None: no ids) as its number in :data:`ID_SIZE_PT` text (white with a dark outline)."""
    overlay = np.zeros((*nuclei.shape, 4))
    for labels, key in ((np.where(nuclei == 0, cytoplasm, 0), "cytoplasm"), (nuclei, "nucleus")):
        overlay[label_edges(labels)] = to_rgba(COLORS[key])
    ax.imshow(overlay, interpolation="nearest")
    pixels = labelled_pixels(nuclei)
    ids = np.flatnonzero(np.bincount(pixels.labels))
    if not len(ids) or points_per_px is None:
        return
    rows, cols = np.divmod(pixels.index, nuclei.shape[1])
    extent = {}
    for name, values in (("rows", rows), ("cols", cols)):
        high = np.full(ids.max() + 1, -1)
        low = np.full(ids.max() + 1, np.iinfo(np.int64).max)
        np.maximum.at(high, pixels.labels, values)
        np.minimum.at(low, pixels.labels, values)
        extent[name] = (high - low + 1)[ids] * points_per_px
    digits = np.floor(np.log10(ids)) + 1
    fits = (extent["cols"] >= 0.62 * ID_SIZE_PT * digits) & (extent["rows"] >= ID_SIZE_PT)
    for cell_id, (y, x) in zip(ids[fits], centroids(pixels, nuclei.shape[1], ids[fits])):
        ax.text(
            x,
            y,
            str(cell_id),
            color="white",
            fontsize=ID_SIZE_PT,
            ha="center",
            va="center",
            weight="bold",
            path_effects=_OUTLINE,
        )


@styled
def timecourse(
    cells: pd.DataFrame,
    pooled: pd.DataFrame,
    n_frames: int,
    frame_interval_s: float | None,
    title: str,
    stimulus_frame: float | None = None,
):
    """Nuclear and cytoplasmic POI over time: all cells pooled by area (lines) and the quartiles
    across cells (bands).

    Parameters
    ----------
    cells, pooled : DataFrame
        Single-cell rows and pooled rows (indexed by frame) of the cells table, as split by
        :func:`nucleocyto.plots.data.split_cells`.
    stimulus_frame : float, optional
        The stimulation time (frames), marked on the time axis; the same in every time plot.
    """
    fig, ax = figure(4.8, 3.0)
    frames = pooled.index.to_numpy()
    x, xlabel = time_axis(frames, n_frames, frame_interval_s)
    bands = [
        COLORS[region]
        for region in ("nucleus", "cytoplasm")
        if _line_and_band(
            ax, x, pooled[MEAN[region]], cells, MEAN[region], COLORS[region], f"{region} (cells pooled)", n_frames
        )
    ]
    _legend_above(ax, bands)
    stimulus_line(ax, _stimulus_x(stimulus_frame, n_frames, frame_interval_s))
    ax.set(xlabel=xlabel, ylabel="POI mean intensity (counts)")
    fig.suptitle(title)
    return fig


@styled
def ratio(
    cells: pd.DataFrame,
    pooled: pd.DataFrame,
    n_frames: int,
    frame_interval_s: float | None,
    title: str,
    stimulus_frame: float | None = None,
):
    """N/C ratio of POI means over time: pooled (line) and quartiles of per-cell ratios (band)."""
    fig, ax = figure(4.8, 3.0)
    x, xlabel = time_axis(pooled.index.to_numpy(), n_frames, frame_interval_s)
    banded = _line_and_band(ax, x, pooled["nc_ratio"], cells, "nc_ratio", COLORS["ratio"], "cells pooled", n_frames)
    ax.axhline(1.0, color="black", lw=0.6, ls=":", label="N/C = 1")
    _legend_above(ax, [COLORS["ratio"]] if banded else [])
    low, high = ax.get_ylim()
    if high - low < MIN_RATIO_SPAN:  # do not blow up noise around a flat ratio
        middle = (low + high) / 2
        ax.set_ylim(middle - MIN_RATIO_SPAN / 2, middle + MIN_RATIO_SPAN / 2)
    stimulus_line(ax, _stimulus_x(stimulus_frame, n_frames, frame_interval_s))
    ax.set(xlabel=xlabel, ylabel="N/C ratio of POI means (nucleus / cytoplasm)")
    fig.suptitle(title)
    return fig


@styled
def correlation_over_time(
    correlation: pd.DataFrame,
    n_frames: int,
    frame_interval_s: float | None,
    title: str,
    stimulus_frame: float | None = None,
):
    """Per-frame Pearson r between POI and nuclear marker: inside all cells, over the whole
    frame, and the quartiles of the per-cell r (band).

    Parameters
    ----------
    correlation : DataFrame
        The correlation table (columns ``frame, scope, cell_id, pearson_r``).
    """
    fig, ax = figure(4.8, 3.0)
    frames = np.arange(n_frames)
    x, xlabel = time_axis(frames, n_frames, frame_interval_s)
    by_scope = {
        scope: rows.set_index("frame")["pearson_r"].reindex(frames)
        for scope, rows in correlation[correlation["scope"] != "cell"].groupby("scope")
    }
    per_cell = correlation[correlation["scope"] == "cell"]
    label = "inside cells (nuclei + rings)"
    banded = _line_and_band(ax, x, by_scope["all_cells"], per_cell, "pearson_r", COLORS["all_cells"], label, n_frames)
    ax.plot(x, by_scope["frame"], color=COLORS["frame"], label="whole frame", **markers(n_frames))
    _legend_above(ax, [COLORS["all_cells"]] if banded else [], "single cells, Q1–Q3")
    low, high = ax.get_ylim()
    ax.set_ylim(max(low, -1.02), min(high, 1.02))
    if ax.get_ylim()[0] < 0 < ax.get_ylim()[1]:
        ax.axhline(0, color="black", lw=0.5)
    stimulus_line(ax, _stimulus_x(stimulus_frame, n_frames, frame_interval_s))
    ax.set(xlabel=xlabel, ylabel="Pearson r, POI vs nuclear marker")
    fig.suptitle(title)
    return fig


@styled
def scatter(cells: pd.DataFrame, pooled: pd.DataFrame, n_frames: int, frame_interval_s: float | None, title: str):
    """Nuclear against cytoplasmic POI: one point per cell and frame (at most
    :data:`MAX_SCATTER_POINTS`, a random sample beyond, said in the title), coloured by time,
    with the pooled trajectory and the N/C = 1 line."""
    fig, ax = figure(4.2, 3.4)
    if len(cells) > MAX_SCATTER_POINTS:
        title += f"\n{MAX_SCATTER_POINTS:,} of {len(cells):,} cell-frames drawn (a random sample)"
        cells = cells.sample(MAX_SCATTER_POINTS, random_state=0).sort_index()
    x, xlabel = time_axis(cells["frame"].to_numpy(), n_frames, frame_interval_s)
    span, _ = time_axis(np.array([0, n_frames - 1]), n_frames, frame_interval_s)
    nucleus, cytoplasm = MEAN["nucleus"], MEAN["cytoplasm"]
    points = ax.scatter(
        cells[cytoplasm],
        cells[nucleus],
        c=x,
        cmap=TIME_CMAP,
        vmin=span[0],
        vmax=span[1],
        s=9,
        alpha=0.8,
        linewidths=0,
        rasterized=True,
    )
    ax.plot(pooled[cytoplasm], pooled[nucleus], color=COLORS["pooled"], lw=0.8, label="cells pooled")
    start = pooled.dropna(subset=[cytoplasm, nucleus]).iloc[:1]
    ax.plot(start[cytoplasm], start[nucleus], ls="", marker="o", ms=5, mfc="white", mec=COLORS["pooled"], label="start")
    limits = ax.get_xlim(), ax.get_ylim()
    diagonal = [min(limits[0][0], limits[1][0]), max(limits[0][1], limits[1][1])]
    ax.plot(diagonal, diagonal, color="black", lw=0.6, ls=":", label="N/C = 1")
    ax.set(xlim=limits[0], ylim=limits[1], xlabel="Cytoplasmic POI mean (counts)", ylabel="Nuclear POI mean (counts)")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, borderaxespad=0.2, handlelength=1.5)
    fig.colorbar(points, ax=ax, label=xlabel, aspect=30)
    fig.suptitle(title)
    return fig


@styled
def cell_panels(
    cells: pd.DataFrame,
    ids: list[int],
    n_frames: int,
    frame_interval_s: float | None,
    title: str,
    stimulus_frame: float | None = None,
):
    """Small multiples: nuclear and cytoplasmic POI over time of each cell in ``ids``, on shared
    axes.

    Parameters
    ----------
    cells : DataFrame
        Single-cell rows of the cells table (:func:`nucleocyto.plots.data.split_cells`).
    ids : list of int
        Cells to show (see :func:`nucleocyto.plots.data.select_cells`), one panel each; none gives
        a figure that says so.
    """
    if not ids:
        return message_figure("no nucleus found in any frame", title)
    ncols, nrows = _panel_grid(len(ids))
    fig, axes = _panel_figure(ncols, nrows, title_lines=title.count("\n") + 1)
    frames = np.arange(n_frames)
    x, xlabel = time_axis(frames, n_frames, frame_interval_s)
    stimulus_x = _stimulus_x(stimulus_frame, n_frames, frame_interval_s)
    shown = cells[cells["cell_id"].isin(ids)]
    limits = _panel_limits(x, shown[list(MEAN.values())].to_numpy(float))
    ticks = {axis: _panel_ticks(*limits[f"{axis}lim"]) for axis in ("x", "y")}
    for i, (ax, cell_id) in enumerate(zip(axes.flat, ids)):
        cell = shown[shown["cell_id"] == cell_id].set_index("frame").reindex(frames)
        for region in ("nucleus", "cytoplasm"):
            ax.plot(x, cell[MEAN[region]], color=COLORS[region], lw=1.0, **markers(n_frames, size=1.2))
        present = int(cell[MEAN["nucleus"]].notna().sum())
        label = f"cell {cell_id}" + ("" if present == n_frames else f" ({present} fr)")
        ax.set_title(label, fontsize="small", pad=2).set_in_layout(False)
        ax.set(**limits)
        stimulus_line(ax, stimulus_x, label=False)
        # ticks on the left column and on panels with no panel below, as in a facet grid:
        # the panels share their limits, and ticks on every panel took most of the drawing time
        ax.set(xticks=ticks["x"] if i + ncols >= len(ids) else [], yticks=ticks["y"] if i % ncols == 0 else [])
        ax.tick_params(labelsize="small")
    for ax in axes.flat[len(ids) :]:
        ax.set_visible(False)
    fig.supxlabel(xlabel, fontsize="medium")
    fig.supylabel("POI mean (counts)", fontsize="medium")
    handles = [Line2D([], [], color=COLORS[r], label=r) for r in ("nucleus", "cytoplasm")]
    if stimulus_x is not None:
        handles.append(Line2D([], [], color=STIMULUS_COLOR, lw=0.8, ls="--", label="stimulus"))
    # The legend's title is the figure title: one artist, so nothing can overlap them.
    fig.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=len(handles),
        title=title,
        title_fontproperties={"size": "large"},
    )
    return fig


#: Margins of the small multiples (inches): tick labels and the figure's axis label on the left
#: and at the bottom, the legend on top (its title, the figure title, adds ``title_line`` a
#: line), and the gaps between panels (a title above each).
PANEL_MARGINS_IN = {
    "left": 0.62,
    "right": 0.08,
    "bottom": 0.42,
    "top": 0.48,
    "title_line": 0.18,
    "gap_x": 0.1,
    "gap_y": 0.24,
}


def _panel_figure(ncols: int, nrows: int, title_lines: int = 1):
    """A figure of ``nrows`` × ``ncols`` small multiples placed with fixed margins
    (:data:`PANEL_MARGINS_IN`, room for a title of ``title_lines`` lines) rather than the
    constrained layout, which measures every panel's ticks and labels and took seconds for 50
    panels."""
    margin = dict(PANEL_MARGINS_IN)
    margin["top"] += margin["title_line"] * title_lines
    room = PAGE_WIDTH_IN - margin["left"] - margin["right"] + margin["gap_x"]
    panel_w = min(1.6, room / ncols - margin["gap_x"])
    panel_h = 0.8 * panel_w
    width = max(margin["left"] + margin["right"] + ncols * panel_w + (ncols - 1) * margin["gap_x"], 3.2)
    height = margin["bottom"] + margin["top"] + nrows * panel_h + (nrows - 1) * margin["gap_y"]
    grid = {
        "left": margin["left"] / width,
        "right": 1 - margin["right"] / width,
        "bottom": margin["bottom"] / height,
        "top": 1 - margin["top"] / height,
        "wspace": margin["gap_x"] / panel_w,
        "hspace": margin["gap_y"] / panel_h,
    }
    return figure(width, height, ncols=ncols, nrows=nrows, squeeze=False, layout="none", gridspec_kw=grid)


def _panel_limits(x: np.ndarray, means: np.ndarray) -> dict:
    """The same axis limits for every small multiple, set by hand (shared axes cost time
    quadratic in the panel count): the time span and the means' range, a little padded."""
    low, high = np.nanmin(means), np.nanmax(means)
    pad = 0.06 * (high - low or 1.0)
    span = x[-1] - x[0] or 1.0
    return {"xlim": (x[0] - 0.03 * span, x[-1] + 0.03 * span), "ylim": (low - pad, high + pad)}


def _panel_ticks(low: float, high: float) -> np.ndarray:
    """At most four round tick values within ``low``..``high``, as ``locator_params(nbins=3)``
    places them."""
    values = MaxNLocator(nbins=3).tick_values(low, high)
    return values[(values >= low) & (values <= high)]


def _panel_grid(n: int) -> tuple[int, int]:
    """(columns, rows) of ``n`` small multiples: about 1.6 times as many columns as rows, at most
    8 columns, the fewest empty slots."""
    guess = math.ceil(math.sqrt(1.6 * n))
    options = range(max(1, guess - 1), min(8, guess + 1, n) + 1)
    ncols = min(options, key=lambda c: (c * math.ceil(n / c) - n, -c))
    return ncols, math.ceil(n / ncols)


def _stimulus_x(stimulus_frame: float | None, n_frames: int, frame_interval_s: float | None) -> float | None:
    """The stimulation time in the units of :func:`~nucleocyto.plots.style.time_axis`, None without one."""
    if stimulus_frame is None:
        return None
    return float(time_axis(np.array([stimulus_frame]), n_frames, frame_interval_s)[0][0])


def _line_and_band(
    ax, x: np.ndarray, line: pd.Series, cells: pd.DataFrame, column: str, color: str, label: str, n_frames: int
) -> bool:
    """Draw ``line`` (indexed by frame, at times ``x``) and, as a band in the same colour, the
    quartiles of ``cells[column]`` across cells; True when some frame has enough cells for one."""
    quartiles = spread(cells, column, line.index.to_numpy())
    band(ax, x, quartiles["q1"], quartiles["q3"], color)
    ax.plot(x, line, color=color, label=label, **markers(n_frames))
    return bool(quartiles["q1"].notna().any())


def _legend_above(ax, bands: list[str], label: str = "Q1–Q3 across cells") -> None:
    """Legend in a row above the axes; names the shaded bands (drawn in colours ``bands``), in
    their colour when there is one, in grey when there are several."""
    handles, labels = ax.get_legend_handles_labels()
    if bands:
        handles.append(Patch(facecolor=bands[0] if len(bands) == 1 else "grey", alpha=0.35, linewidth=0))
        labels.append(label)
    ax.legend(
        handles,
        labels,
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        ncols=len(labels),
        borderaxespad=0.2,
        handlelength=1.5,
        columnspacing=1.0,
    )


def _scale_bar(ax, pixel_size_um: float, width: int) -> None:
    """A round-length scale bar (µm) on a dark box in the lower right corner."""
    target = width * pixel_size_um / 5
    length_um = next((v for v in (100, 50, 20, 10, 5, 2, 1) if v <= target), 1)
    bar = AnchoredSizeBar(
        ax.transData,
        length_um / pixel_size_um,
        f"{length_um} µm",
        "lower right",
        pad=0.3,
        sep=2,
        color="white",
        frameon=True,
        size_vertical=width / 80,
        fontproperties={"size": "small"},
    )
    bar.patch.set(facecolor="black", alpha=0.55, edgecolor="none")
    ax.add_artist(bar)
