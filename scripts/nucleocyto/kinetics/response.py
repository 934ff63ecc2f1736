"""A movie's stimulation time, its baseline and response frames, and each cell's response
normalised to its baseline.

The response of a cell is one column of the cells table (:data:`nucleocyto.config.RESPONSES`):
its N/C ratio by default. Its baseline is the mean over the frames before the stimulation time
(or over the first ``baseline_frames`` frames when there is none); the normalised response is
the ratio to the baseline and the difference from it, frame by frame. Times are counted from the
stimulation time (from the first frame without one).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..config import RESPONSES, KineticsParams
from ..errors import InputError

#: Columns of a movie's response table (documented in docs/outputs.md).
RESPONSE_COLUMNS = (
    "sample",
    "frame",
    "time_s",
    "time_from_stimulus_s",
    "cell_id",
    "response",
    "response_ratio",
    "response_difference",
)


@dataclass(frozen=True)
class Window:
    """Which frames of a movie are baseline and which are response.

    Attributes
    ----------
    n_frames : int
    stimulus_frame : float or None
        The stimulation time in frames (fractional when given in seconds), None without one.
    baseline_frames : int
        Without a stimulation time, the first this many frames are the baseline.
    """

    n_frames: int
    stimulus_frame: float | None
    baseline_frames: int

    @property
    def frames(self) -> np.ndarray:
        """(T,) int64: 0..n_frames − 1."""
        return np.arange(self.n_frames)

    @property
    def baseline(self) -> np.ndarray:
        """(T,) bool: frames before the stimulation time, or the first ``baseline_frames``."""
        if self.stimulus_frame is None:
            return self.frames < self.baseline_frames
        return self.frames < self.stimulus_frame

    @property
    def after(self) -> np.ndarray:
        """(T,) bool: the frames of the response, every frame after the baseline."""
        return ~self.baseline

    @property
    def start_frame(self) -> float:
        """Where the response starts at the baseline value: the stimulation time, or the last
        baseline frame without one."""
        return self.stimulus_frame if self.stimulus_frame is not None else float(self.baseline_frames - 1)

    @property
    def origin_frame(self) -> float:
        """The frame times are counted from: the stimulation time, or frame 0."""
        return self.stimulus_frame if self.stimulus_frame is not None else 0.0


@dataclass(frozen=True)
class Stimulus:
    """The stimulation time of a sample as given: in seconds after the first frame, or as a
    0-based frame (at most one of them; neither = no stimulation time).

    Attributes
    ----------
    stimulus_s : float or None
    stimulus_frame : int or None
    source : str
        Where the time comes from, for messages (e.g. ``"sample sheet"``).
    """

    stimulus_s: float | None = None
    stimulus_frame: int | None = None
    source: str = "configuration, kinetics"

    def frame(self, sample: str, frame_interval_s: float | None, n_frames: int) -> float | None:
        """The stimulation time in frames (fractional when given in seconds), None without one.

        Raises
        ------
        InputError
            One sentence naming the sample: a time in seconds without a frame interval, or a
            time that leaves no baseline frame before it or no frame after it.
        """
        if self.stimulus_s is None and self.stimulus_frame is None:
            return None
        if self.stimulus_frame is not None:
            frame, given = float(self.stimulus_frame), f"stimulus_frame {self.stimulus_frame}"
        elif frame_interval_s is None:
            raise InputError(
                f"sample {sample!r}: stimulus_s ({self.source}) needs the frame interval, which neither the files "
                "nor the sample sheet give; give frame_interval_s or stimulus_frame."
            )
        else:
            frame, given = self.stimulus_s / frame_interval_s, f"stimulus_s {self.stimulus_s:g}"
        if frame <= 0:
            raise InputError(f"sample {sample!r}: {given} ({self.source}) leaves no frame before it for the baseline.")
        if frame > n_frames - 1:
            raise InputError(
                f"sample {sample!r}: {given} ({self.source}) is after the last frame ({n_frames - 1}) of the movie."
            )
        return frame


def baselines(cells: pd.DataFrame, column: str, window: Window) -> pd.Series:
    """Each cell's baseline: the mean of its finite ``column`` values in the baseline frames,
    indexed by ``cell_id`` (NaN for a cell without one)."""
    in_baseline = cells["frame"].isin(window.frames[window.baseline])
    means = cells[in_baseline].groupby("cell_id")[column].mean()
    return means.reindex(np.sort(cells["cell_id"].unique()))


def response_table(cells: pd.DataFrame, window: Window, params: KineticsParams, frame_interval_s: float | None):
    """Each cell's response per frame, raw and normalised to its baseline.

    Parameters
    ----------
    cells : DataFrame
        The cells table of one movie (:func:`nucleocyto.measure.cells.cell_table`).
    window : Window
    params : KineticsParams
        ``response`` names the column followed.
    frame_interval_s : float or None

    Returns
    -------
    DataFrame
        Columns :data:`RESPONSE_COLUMNS`, the rows of ``cells`` (``cell_id`` 0 = all cells
        pooled): ``response`` in the column's units, ``response_ratio`` = response / baseline
        (NaN unless the baseline is > 0), ``response_difference`` = response − baseline,
        ``time_from_stimulus_s`` = (frame − stimulation frame) × interval (from frame 0
        without a stimulation time; NaN when the interval is unknown).
    """
    column = RESPONSES[params.response]
    baseline = cells["cell_id"].map(baselines(cells, column, window))
    interval = frame_interval_s if frame_interval_s is not None else math.nan
    table = pd.DataFrame(
        {
            "sample": cells["sample"],
            "frame": cells["frame"],
            "time_s": cells["time_s"],
            "time_from_stimulus_s": (cells["frame"] - window.origin_frame) * interval,
            "cell_id": cells["cell_id"],
            "response": cells[column].astype(float),
            "response_ratio": (cells[column] / baseline).where(baseline > 0),
            "response_difference": cells[column] - baseline,
        }
    )
    return table.reset_index(drop=True)[list(RESPONSE_COLUMNS)]


def trace_matrix(cells: pd.DataFrame, column: str, n_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell ids (ascending) and their ``column`` per frame as an (n_cells, T) float64 array, NaN
    where a cell is absent."""
    wide = cells.pivot(index="cell_id", columns="frame", values=column).reindex(columns=range(n_frames))
    return wide.index.to_numpy(), wide.to_numpy(np.float64)


#: Columns of the response table across samples, after the sample's annotations (docs/outputs.md).
SUMMARY_COLUMNS = (
    "frame",
    "time_s",
    "time_from_stimulus_s",
    "response",
    "response_ratio",
    "response_difference",
    "n_cells",
    "cells_ratio_median",
    "cells_ratio_q1",
    "cells_ratio_q3",
)


def response_summary(response: pd.DataFrame) -> pd.DataFrame:
    """One row per frame of a movie: its pooled response and the spread of its cells'.

    Parameters
    ----------
    response : DataFrame
        The movie's response table (:func:`response_table`).

    Returns
    -------
    DataFrame
        ``sample`` and :data:`SUMMARY_COLUMNS`: the pooled row's (``cell_id`` 0) time, response
        and normalised response, then the number of cells with a finite ``response_ratio`` and
        its median, first and third quartile across them (NaN without cells).
    """
    pooled = response[response["cell_id"] == 0].set_index("frame")
    grouped = response[response["cell_id"] > 0].dropna(subset=["response_ratio"]).groupby("frame")["response_ratio"]
    spread = pd.DataFrame(
        {
            "n_cells": grouped.size(),
            "cells_ratio_median": grouped.median(),
            "cells_ratio_q1": grouped.quantile(0.25),
            "cells_ratio_q3": grouped.quantile(0.75),
        }
    ).reindex(pooled.index)
    spread["n_cells"] = spread["n_cells"].fillna(0).astype(np.int64)
    table = pooled.drop(columns="cell_id").join(spread).reset_index()
    return table[["sample", *SUMMARY_COLUMNS]]
