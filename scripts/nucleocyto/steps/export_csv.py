"""Rule export_csv: a Parquet table -> a CSV file with the same columns, for spreadsheets and
statistics programs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..io.atomic import atomic_path


def run(parquet_path: str | Path, csv_path: str | Path) -> None:
    """Write the table of ``parquet_path`` to ``csv_path`` (comma-separated, UTF-8, a header row,
    no index; NaN and missing values as empty fields), atomically."""
    table = pd.read_parquet(parquet_path)
    with atomic_path(csv_path) as tmp:
        table.to_csv(tmp, index=False)
