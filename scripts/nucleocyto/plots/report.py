"""Small tables for the HTML report: one row per cell of a movie, one row per movie (written by
:func:`nucleocyto.io.tables.write_html`).

They restate numbers of the Parquet outputs in a form a reader can scan; the Parquet files stay
the data of record.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def cell_summary(
    cells: pd.DataFrame, pooled: pd.DataFrame, translocation: pd.DataFrame, pixel_size_um: float | None
) -> pd.DataFrame:
    """One row per cell id (and a first row for all cells pooled) of one movie.

    Parameters
    ----------
    cells, pooled : DataFrame
        Single-cell rows and pooled rows (indexed by frame) of the cells table, as split by
        :func:`nucleocyto.plots.data.split_cells`.
    translocation : DataFrame
        The movie's translocation table (``cell_id``, ``temporal_pearson_r``).
    pixel_size_um : float or None
        Nuclear areas are in µm² when known, in pixels otherwise.

    Returns
    -------
    DataFrame
        ``cell`` (id, or "all, pooled"), ``frames`` (frames with the cell), median nuclear
        area, median / minimum / maximum N/C ratio of POI means over those frames, and the
        temporal Pearson r between nuclear and cytoplasmic POI.
    """
    area_scale, area_unit = (pixel_size_um**2, "µm²") if pixel_size_um else (1.0, "px")
    area = f"nucleus area, median ({area_unit})"
    pooled_area = pooled.loc[pooled["nucleus_area_px"] > 0, "nucleus_area_px"]  # frames with nuclei
    columns = ["cell", "frames", area, "N/C median", "N/C min", "N/C max"]
    pooled_row = ["all, pooled", int(pooled["nc_ratio"].notna().sum()), pooled_area.median()]
    first = pd.DataFrame([pooled_row + list(_ratio_stats(pooled["nc_ratio"]))], columns=columns)
    ratio = cells["nc_ratio"].where(np.isfinite(cells["nc_ratio"]))  # finite ratios only
    stats = {"area": ("nucleus_area_px", "median"), **{k: ("ratio", k) for k in ("median", "min", "max")}}
    per_cell = cells.assign(ratio=ratio).groupby("cell_id", sort=True).agg(frames=("cell_id", "size"), **stats)
    per_cell = per_cell.reset_index()
    per_cell = per_cell.set_axis(columns, axis=1).astype({"cell": str})
    table = pd.concat([first, per_cell], ignore_index=True)
    table[area] = table[area] * area_scale
    r = translocation.set_index(translocation["cell_id"].map(lambda c: "all, pooled" if c == 0 else str(c)))
    table["temporal r (N vs C)"] = table["cell"].map(r["temporal_pearson_r"])
    table["temporal r, detrended"] = table["cell"].map(r["temporal_pearson_r_detrended"])
    return table


def sample_table(pooled: pd.DataFrame, translocation: pd.DataFrame, conditions: dict[str, str]) -> pd.DataFrame:
    """One row per movie, in sample-sheet order.

    Parameters
    ----------
    pooled : DataFrame
        The pooled rows (``cell_id`` 0) of all samples' cells tables: ``sample, frame, time_s,
        nc_ratio``.
    translocation : DataFrame
        All samples' translocation rows.
    conditions : dict
        {sample: condition}.

    Returns
    -------
    DataFrame
        ``sample, condition, frames, duration (min)`` (NaN when the interval is unknown), the
        pooled N/C ratio at the first frame, its maximum and at the last frame (frames with a
        ratio), the number of distinct cell ids and the pooled temporal r, raw and detrended.
    """
    rows = []
    for sample, condition in conditions.items():
        movie = pooled[pooled["sample"] == sample].sort_values("frame")
        ratio = movie["nc_ratio"].dropna()
        cells = translocation[translocation["sample"] == sample]
        whole = cells.loc[cells["cell_id"] == 0, ["temporal_pearson_r", "temporal_pearson_r_detrended"]]
        rows.append(
            (
                sample,
                condition,
                len(movie),
                movie["time_s"].max() / 60.0,
                ratio.iloc[0] if len(ratio) else np.nan,
                ratio.max(),
                ratio.iloc[-1] if len(ratio) else np.nan,
                int((cells["cell_id"] > 0).sum()),
                *(whole.iloc[0] if len(whole) else (np.nan, np.nan)),
            )
        )
    columns = [
        "sample",
        "condition",
        "frames",
        "duration (min)",
        "N/C first frame",
        "N/C max",
        "N/C last frame",
        "cell ids",
        "temporal r (N vs C, pooled)",
        "temporal r, detrended",
    ]
    return pd.DataFrame(rows, columns=columns)


def qc_summary(qc: pd.DataFrame, pixel_size_um: float | None) -> pd.DataFrame:
    """One row per frame of a movie's QC table (``qc.parquet``), for reading.

    Returns
    -------
    DataFrame
        ``frame``, the nucleus ``threshold`` (counts), nucleus ``objects`` and ``nuclei`` (objects
        counted as cells), their median area (µm² when the pixel size is known, else px), the
        percentage of the frame they cover, the percentage of saturated pixels per channel,
        tracks started and ended, and divisions.
    """
    area_scale, area_unit = (pixel_size_um**2, "µm²") if pixel_size_um else (1.0, "px")
    table = pd.DataFrame(
        {
            "frame": qc["frame"],
            "threshold": qc["threshold"],
            "objects": qc["objects"],
            "objects per megapixel": qc["objects_per_megapixel"],
            "nuclei": qc["nuclei"],
            f"nucleus area, median ({area_unit})": qc["nucleus_area_median_px"] * area_scale,
            "nuclei cover (%)": 100 * qc["nucleus_coverage"],
        }
    )
    for column in qc.columns:
        if column.endswith("_saturated"):
            table[f"{column.removesuffix('_saturated')} saturated (%)"] = 100 * qc[column]
    for column in ("tracks_started", "tracks_ended", "divisions"):
        table[column.replace("_", " ")] = qc[column]
    return table


def kinetics_table(kinetics: pd.DataFrame) -> pd.DataFrame:
    """One row per sample of the kinetics table across samples, in its order.

    Parameters
    ----------
    kinetics : DataFrame
        ``results/kinetics.parquet`` (every sample's kinetics rows with its annotations).

    Returns
    -------
    DataFrame
        ``sample, condition, replicate``, the stimulation time (s), the numbers of cells and of
        responding cells (an empty ``reason``), the median over the cells of baseline,
        amplitude, half-time and area, and the amplitude and half-time of the cells pooled.
    """
    rows = []
    for sample, movie in kinetics.groupby("sample", sort=False):
        cells, pooled = movie[movie["cell_id"] > 0], movie[movie["cell_id"] == 0].iloc[0]
        rows.append(
            (
                sample,
                pooled["condition"],
                pooled["replicate"],
                pooled["stimulus_s"],
                len(cells),
                int((cells["reason"] == "").sum()),
                *(cells[c].median() for c in ("baseline", "amplitude", "t_half_s", "auc_s")),
                pooled["amplitude"],
                pooled["t_half_s"],
            )
        )
    columns = [
        "sample",
        "condition",
        "replicate",
        "stimulus (s)",
        "cells",
        "responding",
        "baseline, median",
        "amplitude, median",
        "half-time (s), median",
        "area (s), median",
        "amplitude, pooled",
        "half-time (s), pooled",
    ]
    return pd.DataFrame(rows, columns=columns)


def comparison_table(comparisons: pd.DataFrame) -> pd.DataFrame:
    """The comparisons table as a reader scans it: per metric and condition the replicates and
    cells on each side, the means of replicate means, the difference with its interval, Hedges'
    g, the test and its p-value (and why not, when there is none)."""

    def interval(row) -> str:
        return f"[{row.ci_low:.3g}, {row.ci_high:.3g}]" if np.isfinite(row.ci_low) else "–"

    return pd.DataFrame(
        {
            "metric": comparisons["metric"],
            "condition": comparisons["condition"],
            "control": comparisons["control"],
            "replicates": comparisons["n_replicates"].astype(str)
            + " vs "
            + comparisons["n_replicates_control"].astype(str),
            "cells": comparisons["n_cells"].astype(str) + " vs " + comparisons["n_cells_control"].astype(str),
            "mean": comparisons["mean"],
            "control mean": comparisons["mean_control"],
            "difference": comparisons["difference"],
            "interval": [interval(row) for row in comparisons.itertuples()],
            "Hedges' g": comparisons["hedges_g"],
            "test": comparisons["test"],
            "p": comparisons["p_value"],
            "note": comparisons["note"],
        }
    )


def _ratio_stats(ratio: pd.Series) -> tuple[float, float, float]:
    """Median, minimum and maximum of the finite values of an N/C ratio series."""
    finite = ratio[np.isfinite(ratio)]
    return finite.median(), finite.min(), finite.max()
