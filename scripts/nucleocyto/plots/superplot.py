"""SuperPlots (Lord et al., J. Cell Biol. 2020): every cell as a small dot coloured by its
replicate, each replicate's mean as a large marker, and the mean of the replicate means per
condition, with the p-value of the comparison with the control, which tests replicate means."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from .data import metric_label
from .style import PAGE_WIDTH_IN, REPLICATE_COLORS, REPLICATE_MARKERS, figure, styled, time_unit

#: Panels per row.
COLUMNS = 3


def replicate_styles(kinetics: pd.DataFrame) -> tuple[dict[tuple[str, str], tuple[str, str]], list[Line2D]]:
    """A colour and marker per condition × replicate, and the legend entries.

    When a replicate label occurs in several conditions (replicate experiments that each ran
    every condition), each label keeps one colour everywhere; otherwise the k-th replicate of
    every condition (in sheet order) gets the k-th colour.
    """
    pairs = kinetics[["condition", "replicate"]].drop_duplicates()
    shared = pairs["replicate"].duplicated().any()
    if shared:
        rank = {label: k for k, label in enumerate(dict.fromkeys(pairs["replicate"]))}
        index = {(c, r): rank[r] for c, r in pairs.itertuples(index=False)}
        names = {k: f"replicate {label}" for label, k in rank.items()}
    else:
        index = {
            (c, r): k
            for _, rows in pairs.groupby("condition", sort=False)
            for k, (c, r) in enumerate(rows.itertuples(index=False))
        }
        names = {k: f"replicate {k + 1} of each condition" for k in set(index.values())}
    styles = {key: _style(k) for key, k in index.items()}
    legend = [
        Line2D([], [], ls="", color=_style(k)[0], marker=_style(k)[1], mec="black", mew=0.4, label=names[k])
        for k in sorted(names)
    ]
    return styles, legend


def _style(k: int) -> tuple[str, str]:
    return REPLICATE_COLORS[k % len(REPLICATE_COLORS)], REPLICATE_MARKERS[k % len(REPLICATE_MARKERS)]


@styled
def superplots(
    kinetics: pd.DataFrame,
    metrics: list[str],
    colors: dict[str, str],
    comparisons: pd.DataFrame,
    response: str,
):
    """One SuperPlot per metric, conditions side by side.

    Parameters
    ----------
    kinetics : DataFrame
        All samples' kinetics rows with ``condition`` (the figures' group names) and
        ``replicate``; the pooled rows (``cell_id`` 0) are left out.
    metrics : list of str
        Kinetics columns, one panel each.
    colors : dict
        {condition: colour}, in axis order.
    comparisons : DataFrame
        The comparisons table (``metric``, ``condition``, ``p_value``); its p-values are written
        above their conditions.
    response : str
        Name of the response (:data:`nucleocyto.plots.data.RESPONSE_LABELS` key).
    """
    cells = kinetics[kinetics["cell_id"] > 0]
    styles, legend = replicate_styles(cells)
    ncols = min(COLUMNS, len(metrics))
    nrows = math.ceil(len(metrics) / ncols)
    fig, axes = figure(PAGE_WIDTH_IN, 2.9 * nrows + 0.6, ncols=ncols, nrows=nrows, squeeze=False)
    p_values = comparisons.set_index(["metric", "condition"])["p_value"] if len(comparisons) else pd.Series()
    rng = np.random.default_rng(0)  # fixed jitter: identical figures on every run
    for ax, metric in zip(axes.flat, metrics):
        _panel(ax, cells, metric, colors, styles, p_values, response, rng)
    for ax in axes.flat[len(metrics) :]:
        ax.set_visible(False)
    legend.append(Line2D([], [], color="black", lw=2, label="mean ± SD of replicate means"))
    fig.legend(handles=legend, loc="outside lower center", ncols=min(len(legend), 4))
    fig.suptitle("SuperPlots: cells (dots) and replicate means (large markers)")
    return fig


def _panel(ax, cells: pd.DataFrame, metric: str, colors: dict, styles: dict, p_values, response: str, rng) -> None:
    """The SuperPlot of one metric. The axis spans the 1st to 99th percentile of the cells (and
    every replicate mean); cells beyond it are drawn on its edge as triangles, and counted."""
    scale, unit = _time_scale(cells[metric]) if metric.endswith("_s") else (1.0, "")
    finite = cells[np.isfinite(cells[metric].astype(float))]
    limits = _limits(finite, metric, scale)
    names, beyond = [], 0
    for i, condition in enumerate(colors):
        rows = finite[finite["condition"] == condition]
        beyond += _condition(ax, i, rows, metric, scale, styles, colors[condition], limits, rng)
        _p_value(ax, i, p_values.get((metric, condition), math.nan))
        names.append(f"{condition}\n{rows['replicate'].nunique()} rep.\n{len(rows)} cells")
    if beyond:  # a title above the p-values, so that they never overlap
        ax.set_title(f"▲▼ {beyond} cells beyond the axis", loc="left", fontsize="x-small", color="grey", pad=18)
    slanted = len(colors) > 3 or max(map(len, colors), default=0) > 10
    ax.set_xticks(
        range(len(colors)),
        names,
        rotation=30 if slanted else 0,
        ha="right" if slanted else "center",
        rotation_mode="anchor",
        fontsize="small",
    )
    ax.set(xlim=(-0.6, len(colors) - 0.4), ylim=limits, ylabel=metric_label(metric, response, unit))


def _limits(cells: pd.DataFrame, metric: str, scale: float) -> tuple[float, float] | None:
    """The 1st to 99th percentile of the cells' values and every replicate mean, padded by 8 %
    (None without a value)."""
    if cells.empty:
        return None
    values = cells[metric].to_numpy(float) / scale
    means = cells.groupby(["condition", "replicate"])[metric].mean().to_numpy(float) / scale
    low = min(np.quantile(values, 0.01), means.min())
    high = max(np.quantile(values, 0.99), means.max())
    pad = 0.08 * (high - low or abs(high) or 1.0)
    return low - pad, high + pad


def _p_value(ax, i: int, p: float) -> None:
    """Write p-value ``p`` above condition ``i`` (nothing when NaN)."""
    if np.isfinite(p):
        text = f"p = {p:.2g}" if p >= 1e-4 else "p < 0.0001"
        ax.annotate(
            text,
            (i, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 6),  # clear of the triangles on the axis's edge
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="small",
        )


def _condition(ax, i: int, rows: pd.DataFrame, metric: str, scale: float, styles: dict, color: str, limits, rng) -> int:
    """One condition at x = ``i``: its cells jittered (those beyond ``limits`` as triangles on
    the edge), its replicate means, their mean ± SD ("no value" when it has no finite value);
    returns the number of cells beyond the limits."""
    if rows.empty:
        ax.annotate("no value", (i, 0.5), xycoords=("data", "axes fraction"), ha="center", color="grey")
        return 0
    values = rows[metric].to_numpy(float) / scale
    cell_colors = np.array([styles[key][0] for key in zip(rows["condition"], rows["replicate"])])
    x = i + rng.uniform(-0.3, 0.3, len(values))
    size = float(np.clip(60 / math.sqrt(len(values)), 3, 14))  # fewer cells, larger dots
    low, high = limits
    inside = (values >= low) & (values <= high)
    ax.scatter(x[inside], values[inside], s=size, c=cell_colors[inside], alpha=0.5, linewidths=0, rasterized=True)
    for edge, marker, out in ((high, "^", values > high), (low, "v", values < low)):
        ax.scatter(x[out], np.full(out.sum(), edge), s=14, c=cell_colors[out], marker=marker, clip_on=False, zorder=5)
    means = rows.assign(value=values).groupby("replicate", sort=False)["value"].mean()
    offsets = np.linspace(-0.12, 0.12, len(means)) if len(means) > 1 else [0.0]
    for offset, (replicate, mean) in zip(offsets, means.items()):
        c, marker = styles[(rows["condition"].iloc[0], replicate)]
        ax.scatter(i + offset, mean, s=42, color=c, marker=marker, edgecolors="black", linewidths=0.6, zorder=4)
    ax.hlines(means.mean(), i - 0.32, i + 0.32, color=color, lw=2.0, zorder=3)
    if len(means) > 1:
        ax.errorbar(i, means.mean(), yerr=means.std(ddof=1), color=color, lw=1.2, capsize=3, zorder=3)
    return int((~inside).sum())


def _time_scale(seconds: pd.Series) -> tuple[float, str]:
    """(seconds per unit, unit) for times in seconds: minutes when the median is 5 min or more."""
    median = float(np.nanmedian(seconds.astype(float))) if seconds.notna().any() else 0.0
    return time_unit(abs(median))
