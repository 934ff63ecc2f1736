"""Snakemake script: the per-sample figures (PNG + SVG) and the per-cell report table."""

import pandas as pd

from nucleocyto import figures_sample as draw
from nucleocyto.errors import InputError
from nucleocyto.figures import montage_frames, select_cells, split_cells
from nucleocyto.report_tables import cell_summary, write_html
from nucleocyto.step import open_sample_arrays, read_metadata, run_step
from nucleocyto.style import save


def main(snakemake):
    sample, params, output = snakemake.wildcards.sample, snakemake.params, snakemake.output
    metadata = read_metadata(snakemake.input.metadata)
    interval, pixel = metadata["frame_interval_s"], metadata["pixel_size_um"]
    n_frames = metadata["shape"][0]

    def write(name, fig):
        save(fig, output[name], output[f"{name}_svg"], params.dpi)

    stack, nuclei, cytosol = open_sample_arrays(snakemake.input)
    try:
        shown = montage_frames(n_frames, params.montage_frames)
    except InputError as error:
        raise InputError(f"sample {sample}: figures.{error}") from None
    write("overlay", draw.overlay_montage(stack, nuclei, cytosol, shown, interval, pixel, params.montage_columns,
                                          f"{sample}: POI with nucleus and cytosol-ring masks"))
    cells, pooled = split_cells(pd.read_parquet(snakemake.input.cells))
    write("timecourse", draw.timecourse(cells, pooled, n_frames, interval, f"{sample}: POI in nucleus and cytosol"))
    write("ratio", draw.ratio(cells, pooled, n_frames, interval, f"{sample}: nuclear / cytosolic POI ratio"))
    correlation = pd.read_parquet(snakemake.input.correlation, columns=["frame", "scope", "cell_id", "pearson_r"])
    write("correlation", draw.correlation_over_time(correlation, n_frames, interval,
                                                    f"{sample}: pixel correlation per frame"))
    write("scatter", draw.scatter(cells, pooled, n_frames, interval, f"{sample}: nuclear vs cytosolic POI"))
    ids = select_cells(cells, params.max_cells)
    n_ids = cells["cell_id"].nunique()
    shown_ids = f"all {n_ids} cell ids" if len(ids) == n_ids else f"{len(ids)} of {n_ids} cell ids (most frames)"
    write("cells", draw.cell_panels(cells, ids, n_frames, interval, f"{sample}: POI per cell, {shown_ids}"))
    translocation = pd.read_parquet(snakemake.input.translocation)
    note = "N/C: nuclear / cytosolic POI mean per frame; temporal r: Pearson r over time between the two means."
    write_html(cell_summary(cells, pooled, translocation, pixel), output.table, f"{sample}: cells", note)


run_step(main, snakemake)  # noqa: F821 (defined by Snakemake)
