"""The figure across all movies, grouped by the sample sheet's ``condition`` column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FormatStrFormatter, NullLocator

from .data import condition_groups
from .style import PAGE_WIDTH_IN, condition_colors, figure, log_ticks, stimulus_line, styled, time_unit

#: Width of the shuttling panel's share of the figure (``width_ratios``).
_RATIO_SHARE, _SHUTTLING_SHARE = 1.5, 1.0

#: Longest sample name written in full under the shuttling panel; longer names keep their start
#: and end around an ellipsis.
MAX_NAME_CHARS = 18

#: Points of panel width each rotated sample name needs, so that neighbours never overlap.
_POINTS_PER_NAME = 9.0


@styled
def summary(
    pooled: pd.DataFrame,
    translocation: pd.DataFrame,
    conditions: dict[str, str],
    stimulus_s: dict[str, float] | None = None,
    single_cells: str = "single cells",
):
    """N/C ratio over time of every sample (left) and its detrended nucleus-vs-cytoplasm temporal
    Pearson r (right), coloured and grouped by condition.

    Parameters
    ----------
    pooled : DataFrame
        The pooled rows (``cell_id`` 0) of all samples' cells tables: ``sample, frame, time_s,
        nc_ratio``.
    translocation : DataFrame
        All samples' translocation rows (columns ``sample, cell_id,
        temporal_pearson_r_detrended``).
    conditions : dict
        {sample: condition}, in sample-sheet order ('' = none).
    stimulus_s : dict, optional
        {sample: stimulation time (s after the first frame)}, marked on the time axis.
    single_cells : str
        Legend of the single-cell dots (which tracks they are).
    """
    groups = condition_groups(conditions)
    colors = condition_colors(groups)
    width_ratios = [_RATIO_SHARE, _SHUTTLING_SHARE]
    fig, (ax_ratio, ax_r) = figure(PAGE_WIDTH_IN, 3.4, ncols=2, width_ratios=width_ratios)
    _ratio_panel(ax_ratio, pooled, groups, colors, stimulus_s or {})
    panel_points = PAGE_WIDTH_IN * 72 * _SHUTTLING_SHARE / sum(width_ratios)
    _shuttling_panel(ax_r, translocation, groups, colors, panel_points)
    legend = [
        Line2D([], [], color=colors[c], marker="o", mec="black", mew=0.5, label=f"{c} (n = {len(s)})")
        for c, s in groups.items()
    ]
    legend.append(Line2D([], [], ls="", marker="o", ms=3, color="#BBBBBB", label=single_cells))
    fig.legend(handles=legend, loc="outside lower center", ncols=min(len(legend), 4))
    return fig


def _ratio_panel(
    ax, pooled: pd.DataFrame, groups: dict[str, list[str]], colors: dict[str, str], stimulus_s: dict[str, float]
) -> None:
    """Each sample's pooled N/C ratio over time on a log axis, coloured by condition, with each
    distinct stimulation time marked."""
    timed = pooled["time_s"].notna().groupby(pooled["sample"]).all().all()
    scale, unit = time_unit(float(pooled["time_s"].max()) if timed else None)
    for condition, samples in groups.items():
        for sample in samples:
            rows = pooled[pooled["sample"] == sample].sort_values("frame")
            x = rows["time_s"] / scale if scale else rows["frame"]
            ax.plot(x, rows["nc_ratio"], color=colors[condition], lw=1.0, alpha=0.85)
    if scale:
        times = sorted({t for t in stimulus_s.values() if np.isfinite(t)})
        for i, time in enumerate(times):
            stimulus_line(ax, time / scale, label=i == 0)
    ax.axhline(1.0, color="black", lw=0.6, ls=":")
    ax.set_yscale("log")  # ratios: equal steps for equal fold changes, N/C = 1 in the middle
    ratio = pooled["nc_ratio"][pooled["nc_ratio"] > 0]
    if len(ratio):
        low, high = min(ratio.min(), 1.0), max(ratio.max(), 1.0)
        pad = (high / low) ** 0.04
        ax.set_ylim(low / pad, high * pad)
        ax.yaxis.set_major_locator(FixedLocator(log_ticks(low / pad, high * pad)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set(
        xlabel=f"Time ({unit})" if scale else "Frame",
        ylabel="N/C ratio, cells pooled (log scale)",
        title="N/C ratio per sample",
    )


def _shuttling_panel(
    ax, translocation: pd.DataFrame, groups: dict[str, list[str]], colors: dict[str, str], panel_points: float
) -> None:
    """Detrended temporal r of every sample: single cells as grey jittered dots, the sample's
    pooled r as a large dot in its condition's colour; samples side by side, grouped by
    condition. Sample names label the axis when they fit without overlapping (rotated, long
    names shortened), else the conditions do, else the legend alone names the groups."""
    rng = np.random.default_rng(0)  # fixed jitter: identical figures on every run
    column = "temporal_pearson_r_detrended"
    positions, centres = {}, {}
    for i, (condition, samples) in enumerate(groups.items()):
        start = len(positions) + 0.6 * i  # a gap between conditions
        positions.update({sample: start + k for k, sample in enumerate(samples)})
        centres[condition] = start + (len(samples) - 1) / 2
    for condition, samples in groups.items():
        rows = translocation[translocation["sample"].isin(samples)]
        x = rows["sample"].map(positions).to_numpy(float)
        cells = (rows["cell_id"] > 0).to_numpy()
        jitter = x[cells] + rng.uniform(-0.25, 0.25, cells.sum())
        ax.scatter(jitter, rows.loc[cells, column], s=5, color="#BBBBBB", linewidths=0, zorder=2, rasterized=True)
        ax.scatter(
            x[~cells], rows.loc[~cells, column], s=28, color=colors[condition], edgecolors="black", lw=0.5, zorder=3
        )
    ax.axhline(0, color="black", lw=0.5)
    if len(positions) * _POINTS_PER_NAME <= panel_points:
        ax.set_xticks(list(positions.values()), [_short(s) for s in positions], rotation=90, fontsize="small")
    elif len(centres) * _POINTS_PER_NAME * 1.5 <= panel_points:
        ax.set_xticks(list(centres.values()), list(centres), rotation=90, fontsize="small")
    else:
        ax.set_xticks([])
    ax.set(
        xlim=(-0.6, max(positions.values()) + 0.6),
        ylim=(-1.05, 1.05),
        ylabel="Temporal r, N vs C POI (detrended)",
        title="Shuttling per sample",
    )


def _short(name: str) -> str:
    """``name``, or its start and end around an ellipsis when longer than :data:`MAX_NAME_CHARS`."""
    if len(name) <= MAX_NAME_CHARS:
        return name
    keep = MAX_NAME_CHARS - 1
    return f"{name[: (keep + 1) // 2]}…{name[-(keep // 2) :]}"
