"""The dose-response figure: each sample's value against its dose (log axis), the Hill fit of
each condition with its EC50 and interval, and the two controls of the Z'-factor."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..kinetics.dose import hill
from .style import PAGE_WIDTH_IN, figure, styled


@styled
def dose_response(
    values: pd.DataFrame, fits: pd.DataFrame, z_factor: pd.DataFrame, colors: dict[str, str], ylabel: str
):
    """Samples (dots), fitted curves and EC50s (dotted line, interval shaded) per condition.

    Parameters
    ----------
    values : DataFrame
        One row per sample (:func:`nucleocyto.kinetics.dose.sample_values`) with ``condition``
        as the figures' group names.
    fits : DataFrame
        The dose-response table (:data:`nucleocyto.kinetics.dose.DOSE_COLUMNS`).
    z_factor : DataFrame
        The Z'-factor table (one row, or none); its controls are drawn as mean ± SD bands.
    colors : dict
        {condition: colour}.
    ylabel : str
        The metric's axis label.
    """
    fig, ax = figure(PAGE_WIDTH_IN * 0.7, 3.4)
    dosed = values[values["dose"] > 0]
    handles = []
    for fit in fits.itertuples(index=False):
        color = colors[fit.condition]
        rows = dosed[dosed["condition"] == fit.condition]
        ax.scatter(rows["dose"], rows["value"], s=22, color=color, edgecolors="black", linewidths=0.5, zorder=3)
        label = f"{fit.condition}: no fit ({fit.reason})"
        if np.isfinite(fit.ec50):
            grid = np.geomspace(rows["dose"].min() / 2, rows["dose"].max() * 2, 200)
            ax.plot(grid, hill(np.log10(grid), fit.bottom, fit.top, np.log10(fit.ec50), fit.hill_slope), color=color)
            ax.axvline(fit.ec50, color=color, lw=0.8, ls=":")
            # the interval, shaded within the doses drawn (it may reach far beyond them)
            ax.axvspan(max(fit.ec50_low, grid[0]), min(fit.ec50_high, grid[-1]), color=color, alpha=0.12, lw=0)
            label = f"{fit.condition}: EC50 {fit.ec50:.3g} [{fit.ec50_low:.3g}, {fit.ec50_high:.3g}] {fit.dose_unit}"
        handles.append(Line2D([], [], color=color, marker="o", mec="black", mew=0.5, label=label))
    for row in z_factor.itertuples(index=False):
        for kind, name, mean, sd, style in (
            ("positive", row.positive_control, row.mean_positive, row.sd_positive, "--"),
            ("negative", row.negative_control, row.mean_negative, row.sd_negative, "-."),
        ):
            color = colors.get(name, "grey")
            ax.axhline(mean, color=color, lw=1.0, ls=style)
            ax.axhspan(mean - sd, mean + sd, color=color, alpha=0.1, lw=0)
            handles.append(Patch(facecolor=color, alpha=0.3, label=f"{kind} control {name}: mean ± SD"))
        z = f"{row.z_prime:.2f}" if np.isfinite(row.z_prime) else "n/a"
        handles.append(Line2D([], [], ls="", label=f"Z' = {z}"))
    ax.set_xscale("log")
    units = sorted(set(fits["dose_unit"]) - {""})
    ax.set(xlabel=f"Dose ({', '.join(units)})" if units else "Dose", ylabel=ylabel, title="Dose-response")
    fig.legend(handles=handles, loc="outside lower center", ncols=1)
    return fig
