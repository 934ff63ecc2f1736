"""Figures of the response across movies, per condition: the response over time (across cells
and across replicates) and the cells × time heatmap.

Times are counted from each movie's stimulation time (:func:`nucleocyto.plots.data.aligned_time`),
so movies stimulated at different frames line up; the response is each cell's divided by its own
baseline (``response_ratio`` of the response tables), 1 before the stimulation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from .data import condition_quantiles, heatmap_rows, replicate_curves
from .style import (
    PAGE_WIDTH_IN,
    RESPONSE_CMAP,
    band,
    figure,
    log_ticks,
    markers,
    message_figure,
    stimulus_line,
    styled,
)

#: What the figures across samples say when no cell of any movie has a response.
NO_RESPONSE = "no cell of any movie has a response (no nucleus, or no baseline)"

#: Heatmap rows drawn per condition at most; more cells are shown as evenly spaced rows of the
#: sorted cells (the caption says how many).
MAX_HEATMAP_ROWS = 400


@styled
def condition_response(
    responses: pd.DataFrame, colors: dict[str, str], xlabel: str, ylabel: str, stimulated: bool | None
):
    """Per condition, the normalised response over time: left, median and quartiles across all
    its cells; right, each replicate's median across its cells (thin) and their mean (thick).

    Parameters
    ----------
    responses : DataFrame
        Single-cell rows of all samples' response tables with ``condition``, ``replicate`` and
        ``x`` (:func:`nucleocyto.plots.data.aligned_time`).
    colors : dict
        {condition: colour}, in legend order.
    xlabel, ylabel : str
    stimulated : bool or None
        Whether the movies have a stimulation time (marked at x = 0 when some do).
    """
    title = "Response per condition (median)"
    if not responses["response_ratio"].notna().any():
        return message_figure(NO_RESPONSE, title)
    fig, (ax_cells, ax_reps) = figure(PAGE_WIDTH_IN, 3.2, ncols=2, sharey=True)
    quantiles = condition_quantiles(responses, "response_ratio")
    curves = replicate_curves(responses, "response_ratio")
    n_frames = int(responses["x"].nunique())
    for condition, color in colors.items():
        if condition not in quantiles.index.get_level_values("condition"):
            continue
        rows = quantiles.loc[condition]
        band(ax_cells, rows.index.to_numpy(), rows["q1"], rows["q3"], color)
        ax_cells.plot(rows.index, rows["median"], color=color, **markers(n_frames))
        replicates = curves.loc[condition]
        for _, curve in replicates.groupby(level="replicate", sort=False):
            ax_reps.plot(curve.index.get_level_values("x"), curve["median"], color=color, lw=0.7, alpha=0.55)
        mean = replicates.groupby(level="x")["median"].mean()
        ax_reps.plot(mean.index, mean, color=color, lw=2.0)
    for ax, panel in ((ax_cells, "across cells"), (ax_reps, "across replicates")):
        ax.axhline(1.0, color="black", lw=0.6, ls=":")
        stimulus_line(ax, 0.0 if stimulated is not False else None)
        ax.set(xlabel=xlabel, title=panel)
    ax_cells.set_ylabel(ylabel)
    handles = [Line2D([], [], color=c, lw=2, label=name) for name, c in colors.items()]
    handles += [
        Patch(facecolor="grey", alpha=0.35, label="Q1–Q3 across cells"),
        Line2D([], [], color="grey", lw=0.7, label="one replicate (median of its cells)"),
        Line2D([], [], color="grey", lw=2.0, label="mean of replicates"),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    fig.suptitle(title)
    return fig


@styled
def response_heatmap(
    responses: pd.DataFrame,
    kinetics: pd.DataFrame,
    colors: dict[str, str],
    xlabel: str,
    label: str,
    stimulated: bool | None,
    order: str = "amplitude",
):
    """Cells × time heatmaps of the normalised response, one panel per condition, cells sorted
    by ``order`` (largest first), on a diverging log colour scale centred on the baseline.

    Parameters
    ----------
    responses, colors, xlabel, stimulated
        As for :func:`condition_response`.
    kinetics : DataFrame
        All samples' kinetics rows (``sample``, ``cell_id``, ``order``).
    label : str
        The colour bar's label.
    order : str
        The kinetics column that sorts the rows.
    """
    title = f"Response of every cell, sorted by {order.replace('_', ' ')} (largest on top)"
    if not responses["response_ratio"].notna().any():
        return message_figure(NO_RESPONSE, title)
    panels = [(c, responses[responses["condition"] == c]) for c in colors if (responses["condition"] == c).any()]
    with_value = kinetics[(kinetics["cell_id"] > 0) & kinetics[order].notna()]
    rows = [min(int((with_value["condition"] == c).sum()), MAX_HEATMAP_ROWS) for c, _ in panels]
    heights = [float(np.clip(0.4 + 0.01 * n, 0.7, 3.2)) for n in rows] or [1.0]
    fig, axes = figure(
        PAGE_WIDTH_IN * 0.8,
        sum(heights) + 0.3 * len(heights) + 0.9,
        nrows=len(heights),
        squeeze=False,
        height_ratios=heights,
    )
    norm = _response_norm(responses["response_ratio"].to_numpy(float))
    images = [
        _heatmap_panel(ax, condition, rows, kinetics, order, norm, colors[condition], stimulated)
        for ax, (condition, rows) in zip(axes[:, 0], panels)
    ]
    for ax in axes[:-1, 0]:
        ax.tick_params(labelbottom=False)
    axes[-1, 0].set_xlabel(xlabel)
    images = [image for image in images if image is not None]
    if images:
        bar = fig.colorbar(images[0], ax=axes[:, 0], aspect=30, pad=0.02)
        bar.set_label(label)
        bar.ax.yaxis.set_major_locator(FixedLocator(log_ticks(norm.vmin, norm.vmax, min_ticks=3)))
        bar.ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
        bar.ax.yaxis.set_minor_locator(NullLocator())
    fig.suptitle(title)
    return fig


def _response_norm(values: np.ndarray) -> LogNorm:
    """A log colour scale symmetric around 1 that spans the 95th percentile of |log value| (at
    least 1/1.1 to 1.1); larger fold changes take the end colours."""
    finite = values[np.isfinite(values) & (values > 0)]
    spread = float(np.quantile(np.abs(np.log(finite)), 0.95)) if len(finite) else 0.0
    spread = max(spread, math.log(1.1))
    return LogNorm(vmin=math.exp(-spread), vmax=math.exp(spread))


def _heatmap_panel(
    ax, condition: str, rows: pd.DataFrame, kinetics: pd.DataFrame, order: str, norm, color: str, stimulated
):
    """The heatmap of one condition's cells (at most :data:`MAX_HEATMAP_ROWS` evenly spaced
    rows of the sorted cells); returns its image."""
    x, matrix = heatmap_rows(rows, kinetics, "response_ratio", order)
    total = len(rows[["sample", "cell_id"]].drop_duplicates())
    if not len(matrix):
        ax.annotate("no cell with a baseline", (0.5, 0.5), xycoords="axes fraction", ha="center", color="grey")
        ax.set(yticks=[], title=condition)
        return None
    shown = np.unique(np.linspace(0, len(matrix) - 1, min(len(matrix), MAX_HEATMAP_ROWS)).round().astype(int))
    edges = _edges(x)
    image = ax.pcolormesh(
        edges,
        np.arange(len(shown) + 1),
        np.ma.masked_invalid(matrix[shown]),
        cmap=colormaps[RESPONSE_CMAP].with_extremes(bad="#DDDDDD"),
        norm=norm,
        rasterized=True,
    )
    ax.set_ylim(len(shown), 0)
    stimulus_line(ax, 0.0 if stimulated is not False else None, label=False)
    n = len(matrix)
    label = (
        f"{n} cells"
        + ("" if n == total else f" of {total}")
        + ("" if len(shown) == n else f"\n({len(shown)} rows shown)")
    )
    ax.set_ylabel(label, fontsize="small")
    ax.set_title(condition, color=color, loc="left", fontsize="medium", weight="bold")
    ax.set(yticks=[], xlim=(edges[0], edges[-1]))
    return image


def _edges(x: np.ndarray) -> np.ndarray:
    """Cell edges around sorted centres ``x``: half-way between neighbours, half a step beyond
    the ends."""
    if len(x) == 1:
        return np.array([x[0] - 0.5, x[0] + 0.5])
    middle = (x[:-1] + x[1:]) / 2
    return np.concatenate([[2 * x[0] - middle[0]], middle, [2 * x[-1] - middle[-1]]])
