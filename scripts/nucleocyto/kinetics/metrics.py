"""Per-cell response metrics, model-free: amplitude, fold change, time to peak, half-time, area
under the normalised curve and pulses, with the fitted model of :mod:`.fits` beside them.

Definitions (a cell's response r(t) at frames t, baseline b, the :class:`~.response.Window`'s
response frames after the baseline):

- the extreme E: the mean of the last ``plateau_frames`` response frames (``plateau``) or the
  response value farthest from b (``peak``); amplitude A = E − b (signed), fold change E / b;
- time to peak: the response frame where r − b is largest in the direction of A;
- half-time: the first time r crosses b + A / 2, linearly interpolated between frames, the
  response starting at b at the window's start (the stimulation time);
- area: the trapezoid integral of r / b − 1 over the response, from the start (s);
- pulses: local maxima of r / b over the response frames with a prominence of at least
  ``pulse_prominence`` (:func:`.peaks.prominent_peaks`, as :func:`scipy.signal.find_peaks`),
  and the mean time between them.

Times are seconds from the stimulation time (from the first frame without one); NaN when the
frame interval is unknown.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..config import RESPONSES, KineticsParams
from ..system import map_frames
from .fits import fit_response
from .peaks import prominent_peaks
from .response import Window, baselines, trace_matrix

#: Columns of the kinetics table, in order (documented in docs/outputs.md).
KINETICS_COLUMNS = (
    "sample",
    "cell_id",
    "n_frames",
    "response",
    "stimulus_frame",
    "stimulus_s",
    "baseline",
    "amplitude",
    "fold_change",
    "time_to_peak_s",
    "t_half_s",
    "auc_s",
    "n_pulses",
    "pulse_period_s",
    "temporal_r_detrended",
    "fit_model",
    "fit_amplitude",
    "fit_t_half_s",
    "fit_t_half_low_s",
    "fit_t_half_high_s",
    "reason",
)

#: The metric columns a cell without usable trace has NaN in.
_VALUES = KINETICS_COLUMNS[KINETICS_COLUMNS.index("baseline") : KINETICS_COLUMNS.index("temporal_r_detrended")]
_FIT = ("fit_amplitude", "fit_t_half_s", "fit_t_half_low_s", "fit_t_half_high_s")


def cell_metrics(
    trace: np.ndarray, baseline: float, window: Window, params: KineticsParams, frame_interval_s: float | None
) -> dict:
    """The metrics of one cell.

    Parameters
    ----------
    trace : (T,) float64
        The cell's response per frame, NaN where it is absent.
    baseline : float
        Its baseline (:func:`nucleocyto.kinetics.response.baselines`), NaN without one.
    window : Window
    params : KineticsParams
    frame_interval_s : float or None

    Returns
    -------
    dict
        ``n_frames``, the columns from ``baseline`` to ``pulse_period_s`` and ``fit_*`` of
        :data:`KINETICS_COLUMNS`, and ``reason``: empty when every metric is defined, else why
        not: ``too short`` or ``no baseline`` (every metric NaN), ``no response`` (|amplitude|
        below ``min_change`` × |baseline|: no time to peak, half-time or fit).
    """
    finite = np.isfinite(trace)
    after = window.after & finite
    out = {"n_frames": int(finite.sum()), **dict.fromkeys(_VALUES + _FIT, math.nan), "reason": ""}
    out["reason"] = _unusable(out["n_frames"], baseline, after.any(), params)
    if out["reason"]:
        return out
    seconds = frame_interval_s if frame_interval_s is not None else math.nan
    frames, values = window.frames[after].astype(np.float64), trace[after]
    extreme = values[-params.plateau_frames :].mean() if params.amplitude == "plateau" else _farthest(values, baseline)
    amplitude = extreme - baseline
    # the response from its start, where it is at the baseline
    times = np.concatenate([[window.start_frame], frames])
    curve = np.concatenate([[baseline], values])
    normalised = curve / baseline if baseline > 0 else np.full(len(curve), math.nan)
    out.update(
        baseline=baseline,
        amplitude=amplitude,
        fold_change=extreme / baseline if baseline > 0 else math.nan,
        auc_s=float(np.trapezoid(normalised - 1.0, times * seconds)),
        **_pulses(normalised[1:], frames, params.pulse_prominence, seconds),
    )
    if not abs(amplitude) >= max(params.min_change * abs(baseline), np.finfo(float).tiny):
        out["reason"] = f"no response: |amplitude| below kinetics.min_change ({params.min_change:g}) × |baseline|"
        return out
    towards = math.copysign(1.0, amplitude)
    half_frame = _first_crossing(times, towards * (curve - baseline), abs(amplitude) / 2)
    out["time_to_peak_s"] = (frames[np.argmax(towards * (values - baseline))] - window.origin_frame) * seconds
    out["t_half_s"] = (half_frame - window.origin_frame) * seconds
    fit = fit_response(window.frames[finite], trace[finite], window, params, (baseline, amplitude, half_frame))
    out["fit_amplitude"] = fit["amplitude"]
    for key in ("t_half", "t_half_low", "t_half_high"):
        out[f"fit_{key}_s"] = (fit[key] - window.origin_frame) * seconds
    return out


def _unusable(n_frames: int, baseline: float, any_after: bool, params: KineticsParams) -> str:
    """Why a trace gives no metrics at all ('' when it does)."""
    if n_frames < params.min_frames:
        return f"too short: {n_frames} frames with a response (kinetics.min_frames {params.min_frames})"
    if not np.isfinite(baseline):
        return "no baseline: no response in the baseline frames"
    if not any_after:
        return "too short: no response after the baseline"
    return ""


def _farthest(values: np.ndarray, baseline: float) -> float:
    """The value farthest from ``baseline`` (the first of equals)."""
    return float(values[np.argmax(np.abs(values - baseline))])


def _first_crossing(times: np.ndarray, rise: np.ndarray, level: float) -> float:
    """The first time ``rise`` (which starts below ``level``) reaches ``level``, linearly
    interpolated between the two points around it (``times`` ascending, in frames)."""
    k = int(np.argmax(rise >= level))
    step = rise[k] - rise[k - 1]
    return float(times[k - 1] + (level - rise[k - 1]) / step * (times[k] - times[k - 1]))


def _pulses(normalised: np.ndarray, frames: np.ndarray, prominence: float, seconds: float) -> dict:
    """``n_pulses`` (local maxima of the normalised response at least ``prominence`` prominent)
    and ``pulse_period_s`` (mean time between consecutive ones; NaN with fewer than two)."""
    if not np.isfinite(normalised).all():
        return {"n_pulses": math.nan, "pulse_period_s": math.nan}
    peaks = prominent_peaks(normalised, prominence)
    period = float(np.diff(frames[peaks]).mean()) * seconds if len(peaks) > 1 else math.nan
    return {"n_pulses": len(peaks), "pulse_period_s": period}


def movie_kinetics(
    cells: pd.DataFrame,
    sample: str,
    window: Window,
    params: KineticsParams,
    frame_interval_s: float | None,
    temporal_r: pd.Series | None = None,
    threads: int = 1,
) -> pd.DataFrame:
    """The kinetics table of one movie.

    Parameters
    ----------
    cells : DataFrame
        The cells table of the movie (:func:`nucleocyto.measure.cells.cell_table`).
    window : Window
        Its baseline and response frames.
    params : KineticsParams
    frame_interval_s : float or None
    temporal_r : Series, optional
        Each cell's detrended temporal Pearson r between nuclear and cytoplasmic POI, indexed by
        ``cell_id`` (``temporal_pearson_r_detrended`` of the translocation table), carried into
        ``temporal_r_detrended`` so that shuttling is compared like the other metrics; NaN
        without it.
    threads : int
        Cells fitted at once (by worker processes: the fits are independent).

    Returns
    -------
    DataFrame
        Columns :data:`KINETICS_COLUMNS`, one row per cell id, ascending; ``cell_id`` 0 is all
        cells pooled by area. ``n_pulses`` is nullable Int64.
    """
    column = RESPONSES[params.response]
    ids, traces = trace_matrix(cells, column, window.n_frames)
    base = baselines(cells, column, window).reindex(ids).to_numpy()
    rows = list(
        map_frames(
            lambda i: cell_metrics(traces[i], base[i], window, params, frame_interval_s),
            len(ids),
            threads,
            unit="cells",
        )
    )
    table = pd.DataFrame(rows)
    stimulus = window.stimulus_frame if window.stimulus_frame is not None else math.nan
    seconds = frame_interval_s if frame_interval_s is not None else math.nan
    table = table.assign(
        sample=sample,
        cell_id=ids.astype(np.int64),
        response=params.response,
        stimulus_frame=stimulus,
        stimulus_s=stimulus * seconds,
        fit_model=params.fit,
        n_pulses=table["n_pulses"].astype("Int64"),
        temporal_r_detrended=temporal_r.reindex(ids).to_numpy(float) if temporal_r is not None else math.nan,
    )
    return table.reindex(columns=list(KINETICS_COLUMNS))
