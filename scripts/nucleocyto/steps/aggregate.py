"""Rule aggregate: all samples' translocation tables -> ``summary.parquet``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..io.tables import write_parquet


def run(translocation_paths: list[str], conditions: dict[str, str], summary_path: str | Path, provenance: dict) -> None:
    """All samples' translocation tables in one ``summary.parquet``, with each sample's
    condition as the second column."""
    table = pd.concat([pd.read_parquet(path) for path in translocation_paths], ignore_index=True)
    table.insert(1, "condition", table["sample"].map(conditions))
    write_parquet(table, summary_path, provenance)
