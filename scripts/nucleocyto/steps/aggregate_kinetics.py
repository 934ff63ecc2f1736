"""Rule aggregate_kinetics: all samples' kinetics and response tables -> ``results/kinetics.parquet``
(every cell of every sample) and ``results/response.parquet`` (every frame of every sample)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..io.tables import write_parquet
from ..kinetics.response import response_summary

#: The sample sheet's columns that each row of the tables across samples carries.
ANNOTATIONS = ("condition", "replicate", "dose", "dose_unit")


def run(
    kinetics_paths: list[str],
    response_paths: list[str],
    annotations: Mapping[str, Mapping],
    outputs: Mapping[str, str | Path],
    provenance: dict,
) -> None:
    """``outputs["kinetics"]``: all kinetics rows; ``outputs["response"]``: per sample and frame
    the pooled response and the spread of its cells' (:func:`nucleocyto.kinetics.response.response_summary`).
    Both carry each sample's :data:`ANNOTATIONS` (``annotations``: {sample: {column: value}})
    after ``sample``."""
    kinetics = pd.concat([pd.read_parquet(path) for path in kinetics_paths], ignore_index=True)
    write_parquet(annotate(kinetics, annotations), outputs["kinetics"], provenance)
    summaries = [response_summary(pd.read_parquet(path)) for path in response_paths]
    write_parquet(annotate(pd.concat(summaries, ignore_index=True), annotations), outputs["response"], provenance)


def annotate(table: pd.DataFrame, annotations: Mapping[str, Mapping]) -> pd.DataFrame:
    """``table`` with the :data:`ANNOTATIONS` of its ``sample`` inserted after that column
    (``dose`` float, NaN where not given; the others strings)."""
    table = table.copy()
    for k, column in enumerate(ANNOTATIONS, start=1):
        values = table["sample"].map({sample: a[column] for sample, a in annotations.items()})
        table.insert(k, column, values.astype(float) if column == "dose" else values.astype(str))
    return table
