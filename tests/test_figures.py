"""The figure library on a generated many-cell movie: the numbers behind the figures, image sizes,
deterministic files, and that the montage reads only the frames it shows."""

from __future__ import annotations

import html.parser
import logging
import xml.etree.ElementTree as ElementTree

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from PIL import Image

from nucleocyto.coloc.temporal import temporal_correlations
from nucleocyto.errors import InputError
from nucleocyto.io.tables import write_html
from nucleocyto.measure.cells import cell_table
from nucleocyto.plots import sample as draw
from nucleocyto.plots.data import (
    NO_CONDITION,
    condition_groups,
    counted_cells,
    crop_window,
    montage_frames,
    select_cells,
    split_cells,
    spread,
)
from nucleocyto.plots.movie import MOVIE_FRAMES, mask_movie, palette, track_entry
from nucleocyto.plots.report import cell_summary, sample_table
from nucleocyto.plots.style import PAGE_WIDTH_IN, save, time_axis
from nucleocyto.plots.summary import summary
from nucleocyto.segment.labels import label_edges
from nucleocyto.segment.nuclei import nucleus_labels
from nucleocyto.segment.rings import ring_labels
from nucleocyto.steps.correlate import correlate_stack
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import crowded_cells, grid_cells, render_movie

N_FRAMES, SHAPE, INTERVAL_S, PIXEL_UM = 10, (120, 120), 30.0, 0.325


def analyse(poi: np.ndarray, marker: np.ndarray, sample: str) -> dict:
    """Run a (T, Y, X) POI and marker pair through the library's masks, measurements and
    correlations; returns every table and array the figures take."""
    stack = np.stack([poi, marker], axis=1)
    nuclei = np.stack([nucleus_labels(frame) for frame in marker])
    cytoplasm = np.stack([ring_labels(frame) for frame in nuclei])
    intensities = measure_stack(stack, nuclei, cytoplasm, sample, INTERVAL_S).intensities
    cells, pooled = split_cells(cell_table(intensities))
    return {
        "stack": stack,
        "nuclei": nuclei,
        "cytoplasm": cytoplasm,
        "intensities": intensities,
        "correlation": correlate_stack(stack, nuclei, cytoplasm, sample, INTERVAL_S),
        "translocation": temporal_correlations(cell_table(intensities), sample, INTERVAL_S, "linear", 5),
        "cells": cells,
        "pooled": pooled,
    }


@pytest.fixture(scope="module")
def movie():
    """A drifting 12-cell movie run through the library."""
    poi, marker, _ = render_movie(grid_cells(12, SHAPE, seed=3, drift_px=0.5), N_FRAMES, SHAPE, seed=3)
    return analyse(poi, marker, "grid")


def build(name: str, movie: dict):
    """One of the per-sample figures of ``movie``."""
    cells, pooled = movie["cells"], movie["pooled"]
    builders = {
        "overlay": lambda: draw.overlay_montage(
            movie["stack"], movie["nuclei"], movie["cytoplasm"], [0, 4, 9], INTERVAL_S, PIXEL_UM, 2, "overlay"
        ),
        "timecourse": lambda: draw.timecourse(cells, pooled, N_FRAMES, INTERVAL_S, "timecourse"),
        "ratio": lambda: draw.ratio(cells, pooled, N_FRAMES, INTERVAL_S, "ratio"),
        "correlation": lambda: draw.correlation_over_time(movie["correlation"], N_FRAMES, INTERVAL_S, "r"),
        "scatter": lambda: draw.scatter(cells, pooled, N_FRAMES, INTERVAL_S, "scatter"),
        "cells": lambda: draw.cell_panels(cells, select_cells(cells, 50), N_FRAMES, INTERVAL_S, "cells"),
        "summary": lambda: summary(
            pooled.reset_index().assign(sample="grid"), movie["translocation"], {"grid": "import"}
        ),
    }
    return builders[name]()


FIGURES = ("overlay", "timecourse", "ratio", "correlation", "scatter", "cells", "summary")


@pytest.mark.parametrize("name", FIGURES)
def test_figure_png_and_svg_have_the_figure_size(tmp_path, movie, name):
    """PNG pixels = inches × dpi, the SVG states the same inches, nothing is wider than a page."""
    fig = build(name, movie)
    width_in, height_in = fig.get_size_inches()
    save(fig, tmp_path / "f.png", tmp_path / "f.svg", dpi=100)
    image = imread(tmp_path / "f.png")
    assert np.allclose(image.shape[:2], (height_in * 100, width_in * 100), atol=1)  # whole pixels
    assert image[..., :3].std() > 0.05, "figure looks blank"
    svg = ElementTree.parse(tmp_path / "f.svg").getroot()
    assert float(svg.get("width").removesuffix("pt")) == pytest.approx(width_in * 72)
    assert float(svg.get("height").removesuffix("pt")) == pytest.approx(height_in * 72)
    assert width_in <= PAGE_WIDTH_IN


@pytest.mark.parametrize("name", ["overlay", "scatter"])
def test_figures_are_byte_identical_on_rerun(tmp_path, movie, name):
    for run in ("a", "b"):
        save(build(name, movie), tmp_path / f"{run}.png", tmp_path / f"{run}.svg", dpi=80)
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()


def test_scatter_of_a_crowded_field_draws_a_said_sample(movie, monkeypatch):
    """Past MAX_SCATTER_POINTS cell-frames the scatter draws that many, picked the same way on
    every run, and its title says how many of how many."""
    cells, pooled = movie["cells"], movie["pooled"]
    monkeypatch.setattr(draw, "MAX_SCATTER_POINTS", len(cells) // 3)
    drawn = []
    for _ in range(2):
        fig = draw.scatter(cells, pooled, N_FRAMES, INTERVAL_S, "scatter")
        drawn.append(fig.axes[0].collections[0].get_offsets())
    assert len(drawn[0]) == len(cells) // 3
    np.testing.assert_array_equal(drawn[0], drawn[1])
    assert f"{len(cells) // 3:,} of {len(cells):,} cell-frames drawn" in fig.get_suptitle()
    points = set(map(tuple, cells[["poi_cytoplasm_mean", "poi_nucleus_mean"]].to_numpy()))
    assert set(map(tuple, np.asarray(drawn[0]))) <= points


class RecordingStack:
    """A read-only stand-in for a memory-mapped array that records which frames are read."""

    def __init__(self, array: np.ndarray):
        self.array, self.shape, self.frames = array, array.shape, set()

    def __getitem__(self, index):
        frame = index[0] if isinstance(index, tuple) else index
        self.frames.add(int(frame))
        return self.array[index]


def test_overlay_reads_only_the_frames_shown(movie):
    arrays = [RecordingStack(movie[key]) for key in ("stack", "nuclei", "cytoplasm")]
    draw.overlay_montage(*arrays, [2, 7], INTERVAL_S, PIXEL_UM, 4, "t")
    assert [a.frames for a in arrays] == [{2, 7}] * 3


def test_overlay_labels_every_cell_of_the_frames_shown(movie):
    fig = build("overlay", movie)
    for ax, t in zip(fig.axes, [0, 4, 9]):
        numbers = sorted(int(text.get_text()) for text in ax.texts)
        assert numbers == sorted(set(np.unique(movie["nuclei"][t])) - {0})
        assert ax.get_title() == f"t = {t * INTERVAL_S:.1f} s (frame {t})"


def test_montage_frames():
    assert montage_frames(71, 4) == [0, 23, 47, 70]
    assert montage_frames(2, 4) == [0, 1]
    assert montage_frames(10, [9, 3, 3]) == [3, 9]


def test_montage_frames_beyond_the_movie_are_dropped_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING):
        assert montage_frames(10, [5, 12]) == [5]
    assert "[12]" in caplog.text
    with pytest.raises(InputError, match="none of these frames is in the 10-frame movie"):
        montage_frames(10, [10, 11])


def test_single_cells_pair_nucleus_and_ring_of_the_same_cell(movie):
    table, cells = movie["intensities"], movie["cells"]
    poi = table[table["channel"] == "poi"]
    assert len(cells) == len(poi) // 2 and (cells["cell_id"] > 0).all()
    for row in cells.sample(8, random_state=0).itertuples():
        where = (poi["frame"] == row.frame) & (poi["cell_id"] == row.cell_id)
        nucleus = poi.loc[where & (poi["region"] == "nucleus"), "mean"].item()
        cytoplasm = poi.loc[where & (poi["region"] == "cytoplasm"), "mean"].item()
        assert (row.poi_nucleus_mean, row.poi_cytoplasm_mean, row.nc_ratio) == pytest.approx(
            (nucleus, cytoplasm, nucleus / cytoplasm)
        )


def test_pooled_rows_are_the_whole_mask_means(movie):
    """Pooling cells by area gives the mean over the whole nucleus mask and the whole ring."""
    stack, nuclei, cytoplasm, pooled = movie["stack"], movie["nuclei"], movie["cytoplasm"], movie["pooled"]
    assert pooled.index.tolist() == list(range(N_FRAMES)) and (pooled["cell_id"] == 0).all()
    for t in range(N_FRAMES):
        nucleus = stack[t, 0][nuclei[t] > 0].mean()
        ring = stack[t, 0][cytoplasm[t] > 0].mean()
        assert pooled.loc[t, ["poi_nucleus_mean", "poi_cytoplasm_mean", "nc_ratio"]].tolist() == pytest.approx(
            [nucleus, ring, nucleus / ring], rel=1e-12
        )
        assert pooled.loc[t, "nucleus_area_px"] == (nuclei[t] > 0).sum()
        assert pooled.loc[t, "time_s"] == t * INTERVAL_S


def test_spread_is_the_quartiles_across_cells_where_there_are_enough_cells():
    values = {0: [1.0, 2.0, 3.0, 4.0, 10.0], 1: [5.0, 6.0], 2: [7.0, np.nan, 8.0, 9.0]}
    cells = pd.DataFrame([(t, v) for t, vs in values.items() for v in vs], columns=["frame", "x"])
    table = spread(cells, "x", np.array([0, 1, 2, 3]))
    assert table.loc[0, ["q1", "q3"]].tolist() == np.percentile(values[0], [25, 75]).tolist()
    assert table.loc[2, ["q1", "q3"]].tolist() == np.percentile([7.0, 8.0, 9.0], [25, 75]).tolist()
    assert table.loc[[1, 3], ["q1", "q3"]].isna().all().all()
    assert table["n"].tolist() == [5, 2, 3, 0]


def test_select_cells_prefers_cells_present_in_more_frames():
    cells = pd.DataFrame({"frame": [0, 1, 2, 0, 1, 0, 0, 1], "cell_id": [1, 1, 1, 2, 2, 3, 4, 4]})
    assert select_cells(cells, 2) == [1, 2]
    assert select_cells(cells, 3) == [1, 2, 4]


def test_bands_only_with_enough_cells(movie):
    """The many-cell movie gets quartile bands; a one-cell movie gets none (and says none)."""
    legend = [t.get_text() for t in build("timecourse", movie).axes[0].get_legend().get_texts()]
    assert "Q1–Q3 across cells" in legend
    one_cell = movie["cells"][movie["cells"]["cell_id"] == 1]
    fig = draw.timecourse(one_cell, movie["pooled"], N_FRAMES, INTERVAL_S, "one")
    assert "Q1–Q3 across cells" not in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_time_axis_units():
    assert time_axis(np.array([0, 70]), 71, 60.0)[1] == "Time (min)"
    assert time_axis(np.array([0, 9]), 10, 2.0) == (pytest.approx([0, 18]), "Time (s)")
    assert time_axis(np.array([0, 9]), 10, None)[1] == "Frame"


def test_condition_groups_keep_sheet_order_and_collect_samples_without_one():
    groups = condition_groups({"a": "drug", "b": "", "c": "control", "d": "drug"})
    assert groups == {"drug": ["a", "d"], NO_CONDITION: ["b"], "control": ["c"]}


class _Rows(html.parser.HTMLParser):
    """Cell texts of every table row of an HTML page."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def read_rows(path) -> list[list[str]]:
    parser = _Rows()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.rows


def test_cell_table(tmp_path, movie):
    cells, translocation = movie["cells"], movie["translocation"]
    table = cell_summary(cells, movie["pooled"], translocation, PIXEL_UM)
    assert table["cell"].tolist() == ["all, pooled"] + [str(c) for c in sorted(cells["cell_id"].unique())]
    first = cells[cells["cell_id"] == 1]
    row = table[table["cell"] == "1"].iloc[0]
    assert row["frames"] == len(first)
    assert row["nucleus area, median (µm²)"] == pytest.approx(first["nucleus_area_px"].median() * PIXEL_UM**2)
    assert row["N/C max"] == pytest.approx(first["nc_ratio"].max())
    whole = table.iloc[0]
    assert whole["frames"] == N_FRAMES
    assert whole["nucleus area, median (µm²)"] == pytest.approx(
        np.median([(frame > 0).sum() for frame in movie["nuclei"]]) * PIXEL_UM**2
    )
    r = translocation.set_index("cell_id")["temporal_pearson_r"]
    assert table["temporal r (N vs C)"].tolist() == pytest.approx(
        [r[0]] + [r[c] for c in sorted(cells["cell_id"].unique())]
    )
    write_html(table, tmp_path / "cells.html", "grid: cells", "note")
    rows = read_rows(tmp_path / "cells.html")
    assert rows[0] == list(table.columns) and len(rows) == len(table) + 1
    assert rows[1][0] == "all, pooled" and rows[1][3] == f"{table.iloc[0]['N/C median']:.3g}"


def test_sample_table(movie):
    pooled = pd.concat([movie["pooled"].reset_index().assign(sample=s) for s in ("a", "b")], ignore_index=True)
    translocation = pd.concat([movie["translocation"].assign(sample=s) for s in ("a", "b")], ignore_index=True)
    table = sample_table(pooled, translocation, {"b": "drug", "a": ""})
    assert table["sample"].tolist() == ["b", "a"] and table["condition"].tolist() == ["drug", ""]
    ratio = movie["pooled"]["nc_ratio"]
    row = table.iloc[0]
    assert (row["frames"], row["duration (min)"]) == (N_FRAMES, (N_FRAMES - 1) * INTERVAL_S / 60)
    assert [row["N/C first frame"], row["N/C max"], row["N/C last frame"]] == pytest.approx(
        [ratio.iloc[0], ratio.max(), ratio.iloc[-1]]
    )
    assert row["cell ids"] == movie["cells"]["cell_id"].nunique()


@pytest.mark.parametrize("blank", [slice(0, 3), slice(None)], ids=["first-frames-blank", "all-blank"])
def test_frames_without_nuclei_still_give_every_figure_and_table(tmp_path, blank):
    """Blank nuclear-marker frames have no cells: figures show gaps (or say there are no cells)."""
    poi, marker, _ = render_movie(grid_cells(4, (60, 60), seed=1), 6, (60, 60), seed=1)
    marker[blank] = 100
    movie = analyse(poi, marker, "blank")
    pooled = movie["pooled"]
    assert pooled.index.tolist() == list(range(6))
    assert movie["pooled"]["nc_ratio"].iloc[:3].isna().all()
    assert set(movie["cells"]["frame"]) == set(range(6)[blank.stop or 6 :])
    for name in ("timecourse", "ratio", "correlation", "scatter", "cells", "summary"):
        save(build(name, movie), tmp_path / f"{name}.png", tmp_path / f"{name}.svg", dpi=50)
        assert imread(tmp_path / f"{name}.png").shape[0] > 40
    save(
        draw.overlay_montage(movie["stack"], movie["nuclei"], movie["cytoplasm"], [0, 5], INTERVAL_S, PIXEL_UM, 2, "t"),
        tmp_path / "overlay.png",
        tmp_path / "overlay.svg",
        dpi=50,
    )
    table = cell_summary(movie["cells"], movie["pooled"], movie["translocation"], PIXEL_UM)
    assert len(table) == 1 + movie["cells"]["cell_id"].nunique()
    areas = [(movie["nuclei"][t] > 0).sum() for t in range(6)[blank.stop or 6 :]]  # frames with nuclei only
    assert table.iloc[0]["frames"] == len(areas)
    assert table.iloc[0]["nucleus area, median (µm²)"] == pytest.approx(
        np.median(areas) * PIXEL_UM**2 if areas else np.nan, nan_ok=True
    )


def test_counted_cells_leave_out_short_tracks_and_small_nuclei():
    cells = pd.DataFrame(
        {
            "cell_id": [1, 1, 1, 2, 3, 3, 3, 4, 4, 4],
            "frame": [0, 1, 2, 0, 0, 1, 2, 0, 1, 2],
            "track_frames": [3, 3, 3, 1, 3, 3, 3, 3, 3, 3],
            "nucleus_area_um2": [50, 52, 51, 60, 2, 3, 2, np.nan, np.nan, np.nan],
        }
    )
    kept, excluded = counted_cells(cells, 3, min_track_frames=5, min_area_um2=10)
    assert sorted(kept["cell_id"].unique()) == [1, 4] and excluded == 2  # 2: one frame; 3: a speck
    kept, excluded = counted_cells(cells, 40, min_track_frames=2, min_area_um2=10)
    assert sorted(kept["cell_id"].unique()) == [1, 4] and excluded == 2


def test_crop_window_holds_the_most_cells():
    nuclei = np.zeros((200, 300), np.int32)
    for k, (y, x) in enumerate([(150, 250), (160, 270), (180, 260), (20, 20)], start=1):
        nuclei[y - 2 : y + 3, x - 2 : x + 3] = k
    rows, cols = crop_window(nuclei, 64, "auto")
    assert rows.stop - rows.start == 64 == cols.stop - cols.start
    inside = [
        (rows.start <= y < rows.stop) and (cols.start <= x < cols.stop) for y, x in [(150, 250), (160, 270), (180, 260)]
    ]
    assert all(inside)
    assert crop_window(nuclei, 64, [190, 290]) == (slice(136, 200), slice(236, 300))
    assert crop_window(nuclei, 300, "auto") is None


@pytest.fixture(scope="module")
def crowded():
    """A 20-cell field larger than the crop, analysed with the classic masks."""
    shape = (200, 260)
    cells = crowded_cells(20, shape, 3, seed=2)
    poi, marker, _ = render_movie(cells, 3, shape, seed=2)
    return analyse(poi, marker, "crowded")


def test_overlay_of_a_large_field_shows_a_crop_beside_the_whole_field(crowded):
    nuclei = crowded["nuclei"].copy()
    rows, cols = crop_window(nuclei[0], 96, "auto")
    nuclei[:, rows.start + 2, cols.start + 2] = nuclei.max() + 1  # a one-pixel speck inside the crop
    fig = draw.overlay_montage(crowded["stack"], nuclei, crowded["cytoplasm"], [0, 2], INTERVAL_S, PIXEL_UM, 4, "t", 96)
    whole, *crops = [ax for ax in fig.axes if ax.get_visible() and ax.get_images()]
    assert whole.get_title() == "whole field, frame 0" and not whole.texts, "no ids on the whole field"
    assert len(crops) == 2 and crops[0].get_images()[0].get_array().shape == (96, 96)
    assert crop_window(nuclei[0], 96, "auto") == (rows, cols)
    ids = {int(text.get_text()) for text in crops[0].texts}
    assert ids and ids <= set(np.unique(nuclei[0][rows, cols])) - {0}
    assert nuclei.max() not in ids, "a speck too small to hold its number gets none"


def test_mask_movie_follows_each_track_in_one_colour(tmp_path, movie):
    shown = mask_movie(movie["stack"], movie["nuclei"], movie["cytoplasm"], tmp_path / "m.gif", "grid")
    assert shown == list(range(N_FRAMES))
    with Image.open(tmp_path / "m.gif") as gif:
        assert gif.n_frames == N_FRAMES and gif.size == (360, 360 + 14)  # 120 px enlarged 3 times, a title line
        gif.seek(4)
        frame = np.asarray(gif.convert("RGB"))[14:]
    colours = palette()[track_entry(np.arange(int(movie["nuclei"].max()) + 1))]
    nuclei = np.repeat(np.repeat(movie["nuclei"][4], 3, axis=0), 3, axis=1)
    for cell_id in np.unique(nuclei[nuclei > 0]):
        edge = label_edges(nuclei) & (nuclei == cell_id)
        assert (frame[edge] == colours[cell_id]).all(axis=-1).mean() > 0.9, cell_id


def test_mask_movie_of_a_long_movie_shows_evenly_spaced_frames(tmp_path):
    """A movie longer than MOVIE_FRAMES gives a GIF of that many frames, first and last included
    (its size and drawing time do not grow with the movie)."""
    n_frames = 3 * MOVIE_FRAMES + 7
    stack = np.zeros((n_frames, 2, 40, 40), np.uint16)
    nuclei = np.zeros((n_frames, 40, 40), np.uint8)
    nuclei[:, 10:20, 10:20] = 1
    shown = mask_movie(stack, nuclei, nuclei, tmp_path / "m.gif", "long")
    assert len(shown) == MOVIE_FRAMES and shown[0] == 0 and shown[-1] == n_frames - 1
    assert np.diff(shown).max() - np.diff(shown).min() <= 1
    with Image.open(tmp_path / "m.gif") as gif:
        assert gif.n_frames == MOVIE_FRAMES
