"""Parquet output carrying provenance in its key-value metadata."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__
from .atomic import atomic_path

#: Key of the schema metadata entry that holds the provenance JSON.
PROVENANCE_KEY = b"nucleocyto"


def write_parquet(table: pd.DataFrame, path: str | Path, provenance: dict) -> None:
    """Write ``table`` atomically to ``path`` with ``provenance`` as JSON metadata.

    The metadata entry ``nucleocyto`` holds ``{"pipeline_version": ..., **provenance}``;
    ``provenance`` must be JSON-serialisable (rule parameters, input checksums, ...).
    """
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    entry = json.dumps({"pipeline_version": __version__, **provenance}, sort_keys=True)
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), PROVENANCE_KEY: entry})
    with atomic_path(path) as tmp:
        pq.write_table(arrow, tmp)


def read_provenance(path: str | Path) -> dict:
    """The provenance dictionary stored by :func:`write_parquet`."""
    metadata = pq.read_schema(path).metadata or {}
    return json.loads(metadata[PROVENANCE_KEY])


def movie_table(frame_tables: Iterable[pd.DataFrame], sample: str, frame_interval_s: float | None) -> pd.DataFrame:
    """Concatenate per-frame tables (in frame order) into one movie table.

    Adds ``sample`` first, ``frame`` (0-based position in ``frame_tables``) and ``time_s`` =
    ``frame × frame_interval_s`` (s; NaN when the interval is unknown) as its second and third
    columns.
    """
    parts = [table.assign(frame=t) for t, table in enumerate(frame_tables)]
    table = pd.concat(parts, ignore_index=True)
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    table.insert(0, "sample", sample)
    table.insert(1, "frame", table.pop("frame"))
    table.insert(2, "time_s", table["frame"] * interval)
    return table
