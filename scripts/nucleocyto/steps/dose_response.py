"""Rule dose_response: ``results/kinetics.parquet`` -> the Hill fits per condition
(``dose_response.parquet``), the Z'-factor of the controls (``z_factor.parquet``), their HTML
table and the dose-response figure."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..config import DoseResponseParams
from ..io.tables import write_html, write_parquet
from ..kinetics.dose import Z_FACTOR_COLUMNS, dose_response, sample_values, z_factor
from ..plots.data import NO_CONDITION, condition_groups, metric_label
from ..plots.dose import dose_response as draw
from ..plots.style import condition_colors, save


def run(
    kinetics_path: str | Path,
    conditions: dict[str, str],
    outputs: Mapping[str, str | Path],
    params: DoseResponseParams,
    provenance: dict,
    dpi: int,
) -> None:
    """Fit every condition with doses, compute the Z'-factor when the controls are named, and
    write ``outputs["fits"]``, ``outputs["z_factor"]`` (Parquet), ``outputs["table"]`` (HTML),
    ``outputs["figure"]`` and ``outputs["svg"]``."""
    kinetics = pd.read_parquet(kinetics_path)
    values = sample_values(kinetics, params.metric)
    fits = dose_response(values, params.metric, params.confidence)
    if params.positive_control is not None:
        z = z_factor(values, params.metric, params.positive_control, params.negative_control)
    else:
        z = pd.DataFrame(columns=list(Z_FACTOR_COLUMNS))
    write_parquet(fits, outputs["fits"], provenance)
    write_parquet(z, outputs["z_factor"], provenance)
    z_note = "; ".join(
        f"Z' between {row.positive_control} and {row.negative_control}: {row.z_prime:.3g} {row.note}".strip()
        for row in z.itertuples()
    )
    note = (
        f"Four-parameter Hill fit of {params.metric} (each sample's mean over its cells) against dose; "
        f"EC50 with its {params.confidence:.0%} interval. " + (z_note or "No Z'-factor: no controls named.")
    )
    write_html(fits, outputs["table"], "Dose-response", note)
    colors = condition_colors(condition_groups(conditions))
    grouped = values.assign(condition=values["condition"].replace("", NO_CONDITION))
    named = fits.assign(condition=fits["condition"].replace("", NO_CONDITION))
    figure = draw(grouped, named, z, colors, metric_label(params.metric, kinetics["response"].iloc[0], "s"))
    save(figure, outputs["figure"], outputs["svg"], dpi)
