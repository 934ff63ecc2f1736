"""Rule comparisons: ``results/kinetics.parquet`` -> ``results/comparisons.parquet``, every
condition against the control, on replicate means."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from ..config import ComparisonParams
from ..io.tables import write_parquet
from ..kinetics.compare import compare_conditions

log = logging.getLogger(__name__)


def run(kinetics_path: str | Path, comparisons_path: str | Path, params: ComparisonParams, provenance: dict) -> None:
    """The comparisons table (:func:`nucleocyto.kinetics.compare.compare_conditions`); without a
    sample of the control condition it has no rows and the log says so."""
    kinetics = pd.read_parquet(kinetics_path)
    if params.control not in set(kinetics["condition"]):
        log.warning(
            "no sample has the condition %r (comparisons.control); the comparisons table is empty", params.control
        )
    table = compare_conditions(kinetics, params)
    log.info("%d comparisons against %r (%s on replicate means)", len(table), params.control, params.test)
    write_parquet(table, comparisons_path, provenance)
