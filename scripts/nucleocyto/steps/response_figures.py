"""Rule response_figures: the figures across samples of the response (per condition over time,
the cells × time heatmap, the SuperPlots) and the HTML tables of kinetics and comparisons."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from ..io.tables import write_html
from ..plots.data import NO_CONDITION, RESPONSE_LABELS, aligned_time, condition_groups
from ..plots.report import comparison_table, kinetics_table
from ..plots.response import condition_response, response_heatmap
from ..plots.style import condition_colors, save
from ..plots.superplot import superplots


def run(
    inputs: Mapping[str, str | list[str]],
    conditions: dict[str, str],
    metrics: list[str],
    outputs: Mapping[str, str | Path],
    dpi: int,
) -> None:
    """Draw ``outputs["response"]``, ``["heatmap"]`` and ``["superplots"]`` (PNG, and SVG under
    the same key + ``_svg``) and write ``outputs["kinetics_table"]`` and
    ``["comparisons_table"]`` (HTML).

    ``inputs`` maps ``kinetics`` (``results/kinetics.parquet``), ``comparisons`` and
    ``responses`` (every sample's ``response.parquet``, in sheet order) to their paths;
    ``conditions`` is {sample: condition} in sheet order, ``metrics`` the SuperPlots' metrics.
    """
    kinetics = pd.read_parquet(inputs["kinetics"])
    comparisons = pd.read_parquet(inputs["comparisons"])
    groups = condition_groups(conditions)
    colors = condition_colors(groups)
    group_of = {sample: group for group, samples in groups.items() for sample in samples}
    named = kinetics.assign(condition=kinetics["sample"].map(group_of))
    pooled = kinetics[kinetics["cell_id"] == 0].set_index("sample")
    given = pooled["stimulus_frame"].notna()
    stimulated = True if given.all() else False if not given.any() else None  # None: some samples
    responses = pd.concat(
        [pd.read_parquet(path, filters=[("cell_id", ">", 0)]) for path in inputs["responses"]], ignore_index=True
    )
    responses = responses.assign(
        condition=responses["sample"].map(group_of), replicate=responses["sample"].map(pooled["replicate"])
    )
    x, xlabel = aligned_time(responses, stimulated)
    responses["x"] = x
    response = pooled["response"].iloc[0]
    ylabel = f"{RESPONSE_LABELS[response]} / baseline"

    def write(name: str, fig) -> None:
        save(fig, outputs[name], outputs[f"{name}_svg"], dpi)

    write("response", condition_response(responses, colors, xlabel, ylabel, stimulated))
    write("heatmap", response_heatmap(responses, named, colors, xlabel, f"{ylabel} (log scale)", stimulated))
    named_comparisons = comparisons.replace({"condition": {"": NO_CONDITION}})
    write("superplots", superplots(named, metrics, colors, named_comparisons, response))
    note = "Metrics of each sample's cells: median over its cells (cell_id > 0), and its cells pooled by area."
    write_html(kinetics_table(kinetics), outputs["kinetics_table"], "Response kinetics per sample", note)
    note = "Each condition against the control; the unit of the test is the replicate mean, not the cell."
    write_html(comparison_table(comparisons), outputs["comparisons_table"], "Comparisons with the control", note)
