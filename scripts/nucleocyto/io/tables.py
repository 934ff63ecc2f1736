"""Tables: Parquet files carrying provenance in their key-value metadata, the movie table built
once from per-frame columns, and small self-contained HTML tables for the report."""

from __future__ import annotations

import functools
import html
import importlib.metadata
import json
import math
import platform
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import ArrayLike

from .. import __version__
from .atomic import atomic_path

#: Key of the schema metadata entry that holds the provenance JSON.
PROVENANCE_KEY = b"nucleocyto"

#: The libraries whose versions every output records (the distribution names).
SOFTWARE = ("numpy", "scipy", "scikit-image", "tifffile", "pandas", "pyarrow", "matplotlib", "snakemake")


@functools.cache
def software_versions() -> dict[str, str | None]:
    """``{"python": ..., "nucleocyto": ..., library: version}`` for the libraries of
    :data:`SOFTWARE`; None for one that is not installed (Snakemake inside a conda job). Read
    once a process (each lookup parses a package's metadata); do not modify the result."""
    versions: dict[str, str | None] = {"python": platform.python_version(), "nucleocyto": __version__}
    for name in SOFTWARE:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def write_parquet(table: pd.DataFrame, path: str | Path, provenance: dict) -> None:
    """Write ``table`` atomically to ``path`` with ``provenance`` as JSON metadata.

    The metadata entry ``nucleocyto`` holds ``{"pipeline_version": ..., "software":
    software_versions(), **provenance}``; ``provenance`` must be JSON-serialisable (rule
    parameters, input checksums, ...).
    """
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    record = {"pipeline_version": __version__, "software": software_versions(), **provenance}
    entry = json.dumps(record, sort_keys=True)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), PROVENANCE_KEY: entry})
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)


def read_provenance(path: str | Path) -> dict:
    """The provenance dictionary stored by :func:`write_parquet`."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[PROVENANCE_KEY])


def movie_table(
    frame_tables: Iterable[Mapping[str, ArrayLike]], sample: str, frame_interval_s: float | None
) -> pd.DataFrame:
    """Stack per-frame tables (in frame order) into one movie table, built once.

    Each frame table maps the same column names, in the same order, to 1-D arrays of one
    length (a dict of arrays, or a DataFrame). The movie table has ``sample``, ``frame``
    (int64, 0-based position in ``frame_tables``) and ``time_s`` = ``frame × frame_interval_s``
    (s; NaN when the interval is unknown) as its first three columns, then the frames' columns
    (strings become pandas' ``str`` dtype).
    """
    parts = [{name: np.asarray(table[name]) for name in table} for table in frame_tables]
    lengths = [len(next(iter(part.values()))) for part in parts]
    frame = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    columns = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
    return pd.DataFrame({"sample": sample, "frame": frame, "time_s": frame * interval, **columns})


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
