"""Response kinetics against generated truth: per-cell sigmoid timing through the real masks and
measurements, fitted models, pulses, the reasons a cell gets no metric, comparisons on replicate
means with shuffled replicates, and dose-response fits of generated dose series."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread
from scipy import stats

from nucleocyto.config import BackgroundParams, ComparisonParams, KineticsParams, MaskParams, TrackParams
from nucleocyto.errors import InputError
from nucleocyto.kinetics.compare import compare_conditions
from nucleocyto.kinetics.dose import dose_response, fit_hill, hill, sample_values, z_factor
from nucleocyto.kinetics.fits import exponential, exponential_jacobian, sigmoid, sigmoid_jacobian
from nucleocyto.kinetics.metrics import KINETICS_COLUMNS, cell_metrics, movie_kinetics
from nucleocyto.kinetics.peaks import prominent_peaks
from nucleocyto.kinetics.response import RESPONSE_COLUMNS, Stimulus, Window, response_table
from nucleocyto.measure.cells import cell_table
from nucleocyto.plots.data import aligned_time
from nucleocyto.plots.response import condition_response, response_heatmap
from nucleocyto.plots.style import condition_colors, save
from nucleocyto.plots.superplot import superplots
from nucleocyto.steps.masks import segment_stack
from nucleocyto.steps.measure import measure_stack
from nucleocyto.synthetic import Cell, Optics, grid_cells, render_movie

SHAPE, N_FRAMES, STIMULUS, INTERVAL_S = (96, 128), 30, 4, 20.0
CAMERA = BackgroundParams("fixed", fixed={"poi": 100, "marker": 100})  # the generator's camera offset


def measured_cells(cells: list[Cell], optics: Optics, seed: int, tmp_path, n_frames: int = N_FRAMES):
    """Render ``cells``, segment, track and measure the movie with the library; returns its
    cells table and each true cell's track id (the label under its centre in frame 0)."""
    poi, marker, _ = render_movie(cells, n_frames, SHAPE, optics, seed=seed)
    stack = np.stack([poi, marker], axis=1)
    paths = tmp_path / f"nuclei{seed}.npy", tmp_path / f"cytoplasm{seed}.npy"
    segment_stack(stack, *paths, MaskParams(), TrackParams())
    nuclei, cytoplasm = np.load(paths[0]), np.load(paths[1])
    table = cell_table(measure_stack(stack, nuclei, cytoplasm, f"movie{seed}", INTERVAL_S, CAMERA).intensities)
    ids = [int(nuclei[0, round(c.y), round(c.x)]) for c in cells]
    assert 0 not in ids and len(set(ids)) == len(cells), "every true cell is one tracked nucleus"
    return table, ids


def sigmoid_cells(shuttle: float, seed: int = 7) -> list[Cell]:
    """Twelve cells switching at their own frame (8..18) and rate (scale 0.8..3 frames)."""
    rng = np.random.default_rng(seed)
    return [
        dataclasses.replace(c, shuttle=shuttle, switch_frame=rng.uniform(8, 18), switch_width=rng.uniform(0.8, 3.0))
        for c in grid_cells(12, SHAPE, seed=seed)
    ]


def true_kinetics(cell: Cell) -> tuple[float, float]:
    """The true half-time (s from the stimulation) and amplitude of a cell's N/C ratio
    (1 + s·σ(t)) / (1 − s·σ(t)), with the metrics' definitions: baseline the mean over the frames
    before the stimulation, plateau the mean over the last three frames, the half-time where
    the continuous ratio crosses half-way between them."""
    frames = np.arange(N_FRAMES, dtype=float)

    def step(t):
        return 1 / (1 + np.exp(-(t - cell.switch_frame) / cell.switch_width))

    ratio = (1 + cell.shuttle * step(frames)) / (1 - cell.shuttle * step(frames))
    baseline, plateau = ratio[:STIMULUS].mean(), ratio[-3:].mean()
    half = (baseline + plateau) / 2
    level = (half - 1) / (cell.shuttle * (half + 1))  # σ where the ratio is `half`
    crossing = cell.switch_frame + cell.switch_width * math.log(level / (1 - level))
    return (crossing - STIMULUS) * INTERVAL_S, plateau - baseline


WINDOW = Window(N_FRAMES, float(STIMULUS), 3)


@pytest.mark.parametrize("optics", [Optics(), Optics(psf_sigma=0.0)], ids=["psf-1px", "sharp"])
def test_half_time_of_each_cell_matches_its_sigmoid(tmp_path, optics):
    cells = sigmoid_cells(0.6)
    table, ids = measured_cells(cells, optics, 7, tmp_path)
    kinetics = movie_kinetics(table, "movie", WINDOW, KineticsParams(), INTERVAL_S).set_index("cell_id")
    truth = np.array([true_kinetics(c) for c in cells])
    error_frames = np.abs(kinetics.loc[ids, "t_half_s"].to_numpy() - truth[:, 0]) / INTERVAL_S
    assert np.median(error_frames) <= 0.5 and error_frames.max() <= 1.0, error_frames
    assert (kinetics.loc[ids, "reason"] == "").all()
    fitted = np.abs(kinetics.loc[ids, "fit_t_half_s"].to_numpy() - truth[:, 0]) / INTERVAL_S
    assert np.median(fitted) <= 0.5, fitted
    if optics.psf_sigma == 0:  # with blur, edge pixels mix nucleus and cytoplasm and lower the ratio
        relative = kinetics.loc[ids, "amplitude"].to_numpy() / truth[:, 1] - 1
        assert np.abs(relative).max() <= 0.05, relative


def test_a_control_without_translocation_has_no_half_time(tmp_path):
    table, ids = measured_cells(sigmoid_cells(0.0), Optics(), 8, tmp_path)
    kinetics = movie_kinetics(table, "control", WINDOW, KineticsParams(), INTERVAL_S).set_index("cell_id")
    assert kinetics["t_half_s"].isna().all() and kinetics["time_to_peak_s"].isna().all()
    assert kinetics.loc[ids, "reason"].str.startswith("no response").all()
    assert (kinetics["amplitude"].abs() < 0.02 * kinetics["baseline"]).all()


def test_cells_fitted_by_two_workers_equal_one(tmp_path):
    table, _ = measured_cells(sigmoid_cells(0.6), Optics(), 10, tmp_path)
    one, two = (movie_kinetics(table, "movie", WINDOW, KineticsParams(), INTERVAL_S, threads=n) for n in (1, 2))
    pd.testing.assert_frame_equal(one, two)
    assert one["t_half_s"].notna().sum() >= 10


def test_tables_have_every_cell_and_frame(tmp_path):
    table, _ = measured_cells(sigmoid_cells(0.6)[:4], Optics(), 9, tmp_path, n_frames=12)
    window = Window(12, 3.0, 3)
    kinetics = movie_kinetics(table, "movie", window, KineticsParams(), INTERVAL_S)
    assert list(kinetics.columns) == list(KINETICS_COLUMNS)
    assert kinetics["cell_id"].tolist() == sorted(table["cell_id"].unique())
    response = response_table(table, window, KineticsParams(), INTERVAL_S)
    assert list(response.columns) == list(RESPONSE_COLUMNS) and len(response) == len(table)
    pooled = response[response["cell_id"] == 0]
    np.testing.assert_allclose(pooled["response_ratio"].iloc[:3].mean(), 1.0)
    np.testing.assert_allclose(pooled["time_from_stimulus_s"], (np.arange(12) - 3) * INTERVAL_S)


def trace(values) -> np.ndarray:
    return np.asarray(values, dtype=float)


@pytest.mark.parametrize("model", ["sigmoid", "exponential"])
def test_fitted_models_recover_their_own_curves(model):
    t = np.arange(40, dtype=float)
    window = Window(40, 5.0, 3)
    if model == "sigmoid":
        curve, half = 1 + 2 / (1 + np.exp(-(t - 17.3) / 2.2)), 17.3
    else:
        curve, half = 1 + 2 * (1 - np.exp(-np.clip(t - 5, 0, None) / 6.0)), 5 + 6.0 * math.log(2)
    noisy = curve + np.random.default_rng(1).normal(0, 0.01, len(t))
    metrics = cell_metrics(noisy, noisy[:5].mean(), window, KineticsParams(fit=model), 10.0)
    assert metrics["fit_t_half_s"] == pytest.approx((half - 5) * 10.0, abs=2.0)
    assert metrics["fit_t_half_low_s"] < metrics["fit_t_half_s"] < metrics["fit_t_half_high_s"]
    assert metrics["fit_amplitude"] == pytest.approx(2.0, rel=0.02)


@pytest.mark.parametrize(
    "model, jacobian, parameters",
    [
        (sigmoid, sigmoid_jacobian, (1.0, 2.0, 17.3, 2.2)),
        (sigmoid, sigmoid_jacobian, (0.5, -1.5, 3.0, 0.3)),
        (lambda t, *p: exponential(t, 5.0, *p), lambda t, *p: exponential_jacobian(t, 5.0, *p), (1.0, 2.0, 6.0)),
    ],
)
def test_model_jacobians_equal_finite_differences(model, jacobian, parameters):
    t = np.arange(40, dtype=float) + 0.5
    analytic = jacobian(t, *parameters)
    for k in range(len(parameters)):
        step = 1e-6 * max(abs(parameters[k]), 1.0)
        up, down = list(parameters), list(parameters)
        up[k] += step
        down[k] -= step
        numeric = (model(t, *up) - model(t, *down)) / (2 * step)
        np.testing.assert_allclose(analytic[:, k], numeric, rtol=1e-5, atol=1e-7)


def test_pulses_and_their_period():
    t = np.arange(60, dtype=float)
    pulses = 1 + sum(0.5 * np.exp(-(((t - centre) / 1.5) ** 2)) for centre in (15, 27, 39, 51))
    metrics = cell_metrics(pulses, 1.0, Window(60, 5.0, 3), KineticsParams(amplitude="peak"), 30.0)
    assert metrics["n_pulses"] == 4 and metrics["pulse_period_s"] == pytest.approx(12 * 30.0)
    flat = cell_metrics(np.ones(60), 1.0, Window(60, 5.0, 3), KineticsParams(), 30.0)
    assert flat["n_pulses"] == 0 and math.isnan(flat["pulse_period_s"])


def test_cells_without_enough_frames_or_baseline_say_why():
    window = Window(20, 5.0, 3)
    short = np.full(20, np.nan)
    short[8:11] = 2.0
    metrics = cell_metrics(short, math.nan, window, KineticsParams(), 10.0)
    assert metrics["reason"].startswith("too short") and math.isnan(metrics["amplitude"])
    late = np.full(20, np.nan)
    late[6:] = 2.0
    metrics = cell_metrics(late, math.nan, window, KineticsParams(), 10.0)
    assert metrics["reason"].startswith("no baseline") and math.isnan(metrics["t_half_s"])


def test_stimulation_times_outside_the_movie_are_one_sentence():
    assert Stimulus(stimulus_s=60.0, source="sample sheet").frame("s", 20.0, 10) == 3.0
    assert Stimulus().frame("s", 20.0, 10) is None
    with pytest.raises(InputError, match=r"^sample 's': stimulus_frame 12 \(sample sheet\) is after the last frame"):
        Stimulus(stimulus_frame=12, source="sample sheet").frame("s", 20.0, 10)
    with pytest.raises(InputError, match="leaves no frame before it"):
        Stimulus(stimulus_frame=0).frame("s", 20.0, 10)
    with pytest.raises(InputError, match="needs the frame interval"):
        Stimulus(stimulus_s=60.0).frame("s", None, 10)


def replicated_kinetics(rng, shift: float = 0.0, n_replicates: int = 6, n_cells: int = 40) -> pd.DataFrame:
    """Cells of ``n_replicates`` replicate movies whose means vary (sd 0.3) more than a test on
    cells expects; replicates are shuffled between conditions A and B, B's shifted by ``shift``."""
    conditions = rng.permutation(["A"] * (n_replicates // 2) + ["B"] * (n_replicates // 2))
    rows = []
    for r, condition in enumerate(conditions):
        mean = 1.0 + rng.normal(0, 0.3) + (shift if condition == "B" else 0.0)
        for k, value in enumerate(rng.normal(mean, 0.2, n_cells), start=1):
            rows.append(
                {"sample": f"m{r}", "condition": condition, "replicate": f"m{r}", "cell_id": k, "amplitude": value}
            )
    return pd.DataFrame(rows)


def test_shuffled_replicates_give_no_difference_in_most_draws():
    """Replicates shuffled between two conditions: the test on replicate means is significant in
    about 5 % of the draws; a t-test that counted cells as samples would be in most of them."""
    rng = np.random.default_rng(2024)
    params = ComparisonParams(control="A", metrics=["amplitude"], bootstrap=500)
    draws = [replicated_kinetics(rng) for _ in range(200)]
    p = np.array([compare_conditions(d, params)["p_value"].iloc[0] for d in draws])
    assert (p < 0.05).mean() <= 0.1
    by_cell = [stats.ttest_ind(*(d.loc[d["condition"] == c, "amplitude"] for c in "AB")).pvalue for d in draws]
    assert (np.array(by_cell) < 0.05).mean() >= 0.5, "pseudo-replication finds differences that are not there"


def test_a_real_difference_between_replicates_is_found():
    rng = np.random.default_rng(7)
    params = ComparisonParams(control="A", metrics=["amplitude"], bootstrap=500)
    tables = [compare_conditions(replicated_kinetics(rng, shift=1.5), params) for _ in range(50)]
    assert np.mean([t["p_value"].iloc[0] < 0.05 for t in tables]) >= 0.8
    row = tables[0].iloc[0]
    assert (row["n_replicates"], row["n_replicates_control"], row["n_cells"]) == (3, 3, 120)
    assert row["ci_low"] < row["difference"] < row["ci_high"] and row["hedges_g"] > 0


EC50, HILL_SLOPE, MAX_SHUTTLE = 2.0, 1.2, 0.6
DOSES = np.geomspace(0.05, 80, 8)


def dose_movie(tmp_path, shuttle: float, seed: int) -> pd.DataFrame:
    """The kinetics of one generated movie of four cells with ``shuttle``: the nuclear POI mean's
    fold change, which is linear in the shuttled fraction, so its EC50 is the dose series'."""
    cells = [dataclasses.replace(c, shuttle=shuttle) for c in grid_cells(4, (64, 64), seed=seed)]
    poi, marker, _ = render_movie(cells, 16, (64, 64), seed=seed)
    stack = np.stack([poi, marker], axis=1)
    paths = tmp_path / f"n{seed}.npy", tmp_path / f"c{seed}.npy"
    segment_stack(stack, *paths, MaskParams(), TrackParams())
    table = cell_table(measure_stack(stack, np.load(paths[0]), np.load(paths[1]), f"s{seed}", 30.0, CAMERA).intensities)
    return movie_kinetics(table, f"s{seed}", Window(16, 3.0, 3), KineticsParams(response="nucleus_mean"), 30.0)


@pytest.fixture(scope="module")
def dose_series(tmp_path_factory):
    """Two movies per dose of a drug whose shuttled fraction follows a Hill curve, three positive
    (full shuttle) and three negative (none) control movies."""
    folder = tmp_path_factory.mktemp("dose")
    plan = [
        ("drug", d, MAX_SHUTTLE * d**HILL_SLOPE / (d**HILL_SLOPE + EC50**HILL_SLOPE)) for d in DOSES for _ in (0, 1)
    ]
    plan += [("positive", math.nan, MAX_SHUTTLE)] * 3 + [("negative", math.nan, 0.0)] * 3
    tables = [
        dose_movie(folder, shuttle, seed).assign(condition=condition, dose=dose, dose_unit="µM")
        for seed, (condition, dose, shuttle) in enumerate(plan)
    ]
    return sample_values(pd.concat(tables, ignore_index=True), "fold_change")


def test_dose_series_gives_its_ec50_and_the_controls_a_good_z_prime(dose_series):
    fit = dose_response(dose_series, "fold_change", 0.95).set_index("condition").loc["drug"]
    assert fit["reason"] == "" and fit["n_doses"] == len(DOSES) and fit["dose_unit"] == "µM"
    assert fit["ec50"] == pytest.approx(EC50, rel=0.1)
    assert fit["ec50_low"] < fit["ec50"] < fit["ec50_high"]
    z = z_factor(dose_series, "fold_change", "positive", "negative").iloc[0]
    assert z["n_positive"] == z["n_negative"] == 3 and z["z_prime"] > 0.5


def test_hill_fit_needs_four_doses_and_finds_a_known_curve():
    doses = np.geomspace(0.1, 100, 7)
    values = hill(np.log10(doses), 1.0, 3.0, math.log10(5.0), 1.5)
    fit = fit_hill(doses, values + np.random.default_rng(0).normal(0, 0.01, 7), 0.95)
    assert fit["ec50"] == pytest.approx(5.0, rel=0.05) and fit["hill_slope"] == pytest.approx(1.5, rel=0.1)
    few = fit_hill(doses[:3], values[:3], 0.95)
    assert few["reason"].startswith("too few doses") and math.isnan(few["ec50"])


def test_figures_across_samples_show_every_cell_with_a_response(tmp_path):
    """The response, heatmap and SuperPlot figures of an imported and a control movie: titles,
    one heatmap row per cell with an amplitude, PNGs of the stated size."""
    conditions = {"import": sigmoid_cells(0.6)[:6], "control": sigmoid_cells(0.0)[:6]}
    kinetics, responses = [], []
    for seed, (condition, cells) in enumerate(conditions.items()):
        table, _ = measured_cells(cells, Optics(), 20 + seed, tmp_path)
        table = table.assign(sample=condition)
        annotations = {"condition": condition, "replicate": condition}
        kinetics.append(movie_kinetics(table, condition, WINDOW, KineticsParams(), INTERVAL_S).assign(**annotations))
        responses.append(response_table(table, WINDOW, KineticsParams(), INTERVAL_S).assign(**annotations))
    kinetics = pd.concat(kinetics, ignore_index=True)
    responses = pd.concat(responses, ignore_index=True).query("cell_id > 0")
    x, xlabel = aligned_time(responses, True)
    responses = responses.assign(x=x)
    colors = condition_colors(conditions)
    assert xlabel == "Time from stimulus (min)" and x.min() == pytest.approx(-STIMULUS * INTERVAL_S / 60)
    figures = {
        "response": condition_response(responses, colors, xlabel, "N/C ratio / baseline", True),
        "heatmap": response_heatmap(responses, kinetics, colors, xlabel, "N/C ratio / baseline", True),
        "superplots": superplots(kinetics, ["amplitude", "t_half_s"], colors, pd.DataFrame(), "nc_ratio"),
    }
    assert figures["response"].get_suptitle() == "Response per condition (median)"
    heatmap_rows = [mesh.get_array().shape[0] for mesh in figures["heatmap"].axes[0].collections]
    cells = kinetics[kinetics["cell_id"] > 0]
    assert heatmap_rows == [int(cells.loc[cells["condition"] == "import", "amplitude"].notna().sum())]
    for name, fig in figures.items():
        width_in, height_in = fig.get_size_inches()
        save(fig, tmp_path / f"{name}.png", tmp_path / f"{name}.svg", dpi=60)
        assert imread(tmp_path / f"{name}.png").shape[:2] == (round(height_in * 60), round(width_in * 60))


@pytest.mark.parametrize("seed", range(40))
def test_prominent_peaks_equal_scipy_find_peaks(seed):
    """Random traces, rounded so that plateaus (even and odd, at the ends too) and equal bases
    occur: the same peaks as scipy.signal.find_peaks with the same prominence."""
    from scipy.signal import find_peaks

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 120))
    trace = np.round(np.cumsum(rng.normal(0, 1, n)) * rng.choice([0.5, 2.0, 8.0])) / 4
    if seed % 5 == 0:
        trace[: n // 4] = trace[0]  # a plateau at the start
    for prominence in (0.0, 0.25, 1.0, 3.0):
        np.testing.assert_array_equal(prominent_peaks(trace, prominence), find_peaks(trace, prominence=prominence)[0])
