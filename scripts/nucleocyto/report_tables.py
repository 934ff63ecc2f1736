"""Small tables for the HTML report: one row per cell of a movie, one row per movie.

They restate numbers of the Parquet outputs in a form a reader can scan; the Parquet files stay
the data of record.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd

from .atomic import atomic_path


def cell_summary(cells: pd.DataFrame, pooled: pd.DataFrame, translocation: pd.DataFrame,
               pixel_size_um: float | None) -> pd.DataFrame:
    """One row per cell id (and a first row for all cells pooled) of one movie.

    Parameters
    ----------
    cells, pooled : DataFrame
        Single-cell rows and pooled rows (indexed by frame) of the cells table, as split by
        :func:`nucleocyto.figures.split_cells`.
    translocation : DataFrame
        The movie's translocation table (``cell_id``, ``temporal_pearson_r``).
    pixel_size_um : float or None
        Nuclear areas are in µm² when known, in pixels otherwise.

    Returns
    -------
    DataFrame
        ``cell`` (id, or "all, pooled"), ``frames`` (frames with the cell), median nuclear
        area, median / minimum / maximum N/C ratio of POI means over those frames, and the
        temporal Pearson r between nuclear and cytosolic POI.
    """
    area_scale, area_unit = (pixel_size_um**2, "µm²") if pixel_size_um else (1.0, "px")
    area = f"nucleus area, median ({area_unit})"
    pooled_area = pooled.loc[pooled["nucleus_area_px"] > 0, "nucleus_area_px"]  # frames with nuclei
    rows = [("all, pooled", int(pooled["nc_ratio"].notna().sum()), pooled_area.median() * area_scale,
             *_ratio_stats(pooled["nc_ratio"]))]
    for cell_id, cell in cells.groupby("cell_id", sort=True):
        rows.append((str(cell_id), len(cell), cell["nucleus_area_px"].median() * area_scale,
                     *_ratio_stats(cell["nc_ratio"])))
    table = pd.DataFrame(rows, columns=["cell", "frames", area, "N/C median", "N/C min", "N/C max"])
    r = translocation.set_index(translocation["cell_id"].map(lambda c: "all, pooled" if c == 0 else str(c)))
    table["temporal r (N vs C)"] = table["cell"].map(r["temporal_pearson_r"])
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
        ratio), the number of distinct cell ids and the pooled temporal r.
    """
    rows = []
    for sample, condition in conditions.items():
        movie = pooled[pooled["sample"] == sample].sort_values("frame")
        ratio = movie["nc_ratio"].dropna()
        cells = translocation[translocation["sample"] == sample]
        whole = cells.loc[cells["cell_id"] == 0, "temporal_pearson_r"]
        rows.append((
            sample, condition, len(movie), movie["time_s"].max() / 60.0,
            ratio.iloc[0] if len(ratio) else np.nan, ratio.max(), ratio.iloc[-1] if len(ratio) else np.nan,
            int((cells["cell_id"] > 0).sum()), whole.iloc[0] if len(whole) else np.nan,
        ))
    columns = ["sample", "condition", "frames", "duration (min)", "N/C first frame", "N/C max", "N/C last frame",
               "cell ids", "temporal r (N vs C, pooled)"]
    return pd.DataFrame(rows, columns=columns)


def write_html(table: pd.DataFrame, path: str | Path, title: str, note: str) -> None:
    """Write ``table`` as a small self-contained HTML page (inline style, no scripts), atomically.

    Numbers are right-aligned with 3 significant digits, text is left-aligned, NaN shows as "–".
    """
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]

    def cells(values, tag):
        return "".join(f'<{tag} class="{"num" if n else "text"}">{v}</{tag}>' for v, n in zip(values, numeric))

    def shown(value):
        if isinstance(value, (float, np.floating)):
            return "–" if np.isnan(value) else f"{value:.3g}"
        return html.escape(str(value))

    rows = "\n".join(f"<tr>{cells([shown(v) for v in row], 'td')}</tr>" for row in table.itertuples(index=False))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; font-size: 13px; margin: 12px; color: #222; }}
table {{ border-collapse: collapse; }}
th, td {{ padding: 3px 10px; border-bottom: 1px solid #ddd; }}
th {{ background: #f2f2f2; position: sticky; top: 0; }}
.num {{ text-align: right; }} .text {{ text-align: left; }}
</style></head>
<body><h3>{html.escape(title)}</h3><p>{html.escape(note)}</p>
<table><thead><tr>{cells([html.escape(str(c)) for c in table.columns], "th")}</tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
    with atomic_path(path) as tmp:
        tmp.write_text(page, encoding="utf-8")


def _ratio_stats(ratio: pd.Series) -> tuple[float, float, float]:
    """Median, minimum and maximum of the finite values of an N/C ratio series."""
    finite = ratio[np.isfinite(ratio)]
    return finite.median(), finite.min(), finite.max()
