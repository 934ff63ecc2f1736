"""The per-cell table of a movie: POI means of nucleus and cytoplasm and their N/C ratio, per
cell and frame, derived from the intensities table."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of the per-cell table (documented in docs/outputs.md).
CELL_COLUMNS = (
    "sample",
    "frame",
    "time_s",
    "cell_id",
    "poi_nucleus_mean",
    "poi_cytoplasm_mean",
    "nucleus_area_px",
    "cytoplasm_area_px",
    "poi_background",
    "nc_ratio",
    "cn_ratio",
)


def pooled_means(intensities: pd.DataFrame) -> pd.DataFrame:
    """Per-frame means with all cells pooled by area (Σ sum / Σ area_px).

    Parameters
    ----------
    intensities : DataFrame
        The intensities table (columns :data:`nucleocyto.measure.intensities.COLUMNS`).

    Returns
    -------
    DataFrame
        One row per frame × region × channel: ``frame, time_s, region, channel, mean,
        area_px``. With the classic masks, ``mean`` equals the classic whole-mask mean.
    """
    grouped = intensities.groupby(["frame", "region", "channel"], sort=True)
    pooled = grouped.agg(time_s=("time_s", "first"), sum=("sum", "sum"), area_px=("area_px", "sum"))
    pooled["sum"] = pooled["sum"].where(pooled["area_px"] > 0)
    pooled["mean"] = pooled["sum"] / pooled["area_px"]
    return pooled.reset_index()[["frame", "time_s", "region", "channel", "mean", "area_px"]]


def cell_table(intensities: pd.DataFrame) -> pd.DataFrame:
    """POI means and nucleo-cytoplasmic ratios per cell and frame (a wide table).

    Parameters
    ----------
    intensities : DataFrame
        The intensities table (columns :data:`nucleocyto.measure.intensities.COLUMNS`).

    Returns
    -------
    DataFrame
        Columns :data:`CELL_COLUMNS`, one row per frame × cell plus ``cell_id`` 0 per frame
        (all cells pooled by area, :func:`pooled_means`). ``nc_ratio`` = nuclear / cytoplasmic
        POI mean and ``cn_ratio`` its inverse, NaN unless both means are > 0.
    """
    poi = intensities[intensities["channel"] == "poi"]
    pooled = pooled_means(poi).assign(cell_id=0)
    cells = poi.loc[poi["cell_id"] > 0, ["frame", "cell_id", "region", "mean", "area_px"]]
    long = pd.concat([pooled[list(cells.columns)], cells], ignore_index=True)
    wide = long.pivot(index=["frame", "cell_id"], columns="region", values=["mean", "area_px"])
    wide.columns = [f"{region}_{value}" for value, region in wide.columns]
    table = wide.reset_index()
    per_frame = poi.groupby("frame").agg(
        sample=("sample", "first"), time_s=("time_s", "first"), poi_background=("background", "first")
    )
    table = table.join(per_frame, on="frame")
    table = table.rename(columns={"nucleus_mean": "poi_nucleus_mean", "cytoplasm_mean": "poi_cytoplasm_mean"})
    nucleus, cytoplasm = table["poi_nucleus_mean"], table["poi_cytoplasm_mean"]
    defined = (nucleus > 0) & (cytoplasm > 0)
    table["nc_ratio"] = (nucleus / cytoplasm).where(defined)
    table["cn_ratio"] = (cytoplasm / nucleus).where(defined)
    for column in ("nucleus_area_px", "cytoplasm_area_px"):
        table[column] = table[column].astype(np.int64)
    return table.sort_values(["frame", "cell_id"], kind="stable").reset_index(drop=True)[list(CELL_COLUMNS)]


#: Columns :func:`with_geometry` adds to the per-cell table (documented in docs/outputs.md).
GEOMETRY_TRACK_COLUMNS = (
    "centroid_y_px",
    "centroid_x_px",
    "centroid_y_um",
    "centroid_x_um",
    "nucleus_area_um2",
    "cytoplasm_area_um2",
    "touches_border",
    "track_frames",
    "first_frame",
    "last_frame",
    "parent_id",
)


def with_geometry(
    cells: pd.DataFrame, geometry: pd.DataFrame, lineage: pd.DataFrame, pixel_size_um: float | None
) -> pd.DataFrame:
    """The per-cell table with each cell's geometry and track.

    Parameters
    ----------
    cells : DataFrame
        :func:`cell_table`.
    geometry : DataFrame
        One row per frame × cell: ``frame`` and :data:`nucleocyto.measure.geometry.GEOMETRY_COLUMNS`.
    lineage : DataFrame
        One row per track: ``cell_id, parent_id, first_frame, last_frame, n_frames``.
    pixel_size_um : float or None
        µm per pixel; the µm columns are NaN when unknown.

    Returns
    -------
    DataFrame
        :data:`CELL_COLUMNS` then :data:`GEOMETRY_TRACK_COLUMNS`. The pooled rows (``cell_id`` 0)
        have NaN centroids, the areas of all cells, ``touches_border`` false, and as their
        "track" the frames with any nucleus (``parent_id`` 0).
    """
    scale = pixel_size_um if pixel_size_um else np.nan
    table = cells.merge(geometry, on=["frame", "cell_id"], how="left", validate="one_to_one")
    table["touches_border"] = table["touches_border"].astype("boolean").fillna(False).astype(bool)
    for axis in ("y", "x"):
        table[f"centroid_{axis}_um"] = table[f"centroid_{axis}_px"] * scale
    for region in ("nucleus", "cytoplasm"):
        table[f"{region}_area_um2"] = table[f"{region}_area_px"] * scale**2
    pooled_frames = table.loc[(table["cell_id"] == 0) & (table["nucleus_area_px"] > 0), "frame"]
    tracks = lineage.rename(columns={"n_frames": "track_frames"})[["cell_id", *GEOMETRY_TRACK_COLUMNS[-4:]]]
    pooled = {"cell_id": 0, "track_frames": len(pooled_frames), "parent_id": 0}
    pooled.update(
        first_frame=pooled_frames.min() if len(pooled_frames) else 0,
        last_frame=pooled_frames.max() if len(pooled_frames) else 0,
    )
    tracks = pd.concat([pd.DataFrame([pooled]), tracks], ignore_index=True)
    table = table.merge(tracks, on="cell_id", how="left", validate="many_to_one")
    for column in GEOMETRY_TRACK_COLUMNS[-4:]:
        table[column] = table[column].astype(np.int64)
    return table[[*CELL_COLUMNS, *GEOMETRY_TRACK_COLUMNS]]
