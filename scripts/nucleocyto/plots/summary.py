"""The figure across all movies, grouped by the sample sheet's ``condition`` column."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from .style import CATEGORICAL, PAGE_WIDTH_IN, figure, styled, time_unit

#: Name of the group of samples without a condition.
NO_CONDITION = "(no condition)"

#: Up to this many samples, each one's name is written beside its point.
MAX_NAMED_SAMPLES = 12


def condition_groups(conditions: dict[str, str]) -> dict[str, list[str]]:
    """{condition: [samples]} in sample-sheet order; samples without one go to
    :data:`NO_CONDITION`."""
    groups: dict[str, list[str]] = {}
    for sample, condition in conditions.items():
        groups.setdefault(condition or NO_CONDITION, []).append(sample)
    return groups


@styled
def summary(
    pooled: pd.DataFrame, translocation: pd.DataFrame, conditions: dict[str, str], single_cells: str = "single cells"
):
    """N/C ratio over time of every sample (left) and its nucleus-vs-cytoplasm temporal Pearson r
    (right), coloured and grouped by condition.

    Parameters
    ----------
    pooled : DataFrame
        The pooled rows (``cell_id`` 0) of all samples' cells tables: ``sample, frame, time_s,
        nc_ratio``.
    translocation : DataFrame
        All samples' translocation rows (columns ``sample, cell_id, temporal_pearson_r``).
    conditions : dict
        {sample: condition}, in sample-sheet order ('' = none).
    single_cells : str
        Legend of the single-cell dots (which tracks they are).
    """
    groups = condition_groups(conditions)
    colors = {condition: CATEGORICAL[i % len(CATEGORICAL)] for i, condition in enumerate(groups)}
    fig, (ax_ratio, ax_r) = figure(PAGE_WIDTH_IN, 3.2, ncols=2, width_ratios=[1.6, 1])
    _ratio_panel(ax_ratio, pooled, groups, colors)
    _shuttling_panel(ax_r, translocation, groups, colors, named=len(conditions) <= MAX_NAMED_SAMPLES)
    legend = [
        Line2D([], [], color=colors[c], marker="o", mec="black", mew=0.5, label=f"{c} (n = {len(s)})")
        for c, s in groups.items()
    ]
    legend.append(Line2D([], [], ls="", marker="o", ms=3, color="#BBBBBB", label=single_cells))
    fig.legend(handles=legend, loc="outside lower center", ncols=min(len(legend), 4))
    return fig


def _ratio_panel(ax, pooled: pd.DataFrame, groups: dict[str, list[str]], colors: dict[str, str]) -> None:
    """Each sample's pooled N/C ratio over time on a log axis, coloured by condition."""
    timed = pooled["time_s"].notna().groupby(pooled["sample"]).all().all()
    scale, unit = time_unit(float(pooled["time_s"].max()) if timed else None)
    for condition, samples in groups.items():
        for sample in samples:
            rows = pooled[pooled["sample"] == sample].sort_values("frame")
            x = rows["time_s"] / scale if scale else rows["frame"]
            ax.plot(x, rows["nc_ratio"], color=colors[condition], lw=1.0, alpha=0.85)
    ax.axhline(1.0, color="black", lw=0.6, ls=":")
    ax.set_yscale("log")  # ratios: equal steps for equal fold changes, N/C = 1 in the middle
    ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set(
        xlabel=f"Time ({unit})" if scale else "Frame",
        ylabel="N/C ratio, cells pooled (log scale)",
        title="N/C ratio per sample",
    )


def _shuttling_panel(
    ax, translocation: pd.DataFrame, groups: dict[str, list[str]], colors: dict[str, str], named: bool
) -> None:
    """Temporal r per condition: single cells as grey jittered dots, each sample's pooled r as a
    large dot in the condition's colour (with the sample's name when ``named``)."""
    rng = np.random.default_rng(0)  # fixed jitter: identical figures on every run
    for i, (condition, samples) in enumerate(groups.items()):
        rows = translocation[translocation["sample"].isin(samples)]
        cells = rows[rows["cell_id"] > 0]
        jitter = i + rng.uniform(-0.25, 0.25, len(cells))
        ax.scatter(jitter, cells["temporal_pearson_r"], s=5, color="#BBBBBB", linewidths=0, zorder=2, rasterized=True)
        whole = rows[rows["cell_id"] == 0]
        ax.scatter(
            np.full(len(whole), i),
            whole["temporal_pearson_r"],
            s=28,
            color=colors[condition],
            edgecolors="black",
            linewidths=0.5,
            zorder=3,
        )
        for _, row in whole.iterrows() if named else ():
            ax.annotate(
                row["sample"],
                (i, row["temporal_pearson_r"]),
                xytext=(6, 0),
                textcoords="offset points",
                fontsize="small",
                va="center",
            )
    ax.axhline(0, color="black", lw=0.5)
    slanted = len(groups) > 3 or max(len(g) for g in groups) > 10
    ax.set_xticks(
        range(len(groups)),
        list(groups),
        rotation=30 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor",
    )
    ax.set(
        xlim=(-0.6, len(groups) - 0.1),
        ylim=(-1.05, 1.05),
        ylabel="Temporal r, nuclear vs cytoplasmic POI",
        title="Shuttling per sample",
    )
