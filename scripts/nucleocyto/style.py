"""One figure style for every plot: sizes, a colour-blind-safe palette, units in labels."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .atomic import atomic_path  # noqa: E402

#: Okabe-Ito colours, safe for the common colour-vision deficiencies.
COLORS = {
    "nucleus": "#D55E00",  # vermillion
    "cytosol": "#0072B2",  # blue
    "ratio": "#009E73",  # bluish green
    "frame": "#999999",  # grey
    "all_cells": "#CC79A7",  # reddish purple
    "accent": "#E69F00",  # orange
}

RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "nucleocyto",  # deterministic SVG ids
    "svg.fonttype": "none",
}


def figure(width_in: float, height_in: float, ncols: int = 1, nrows: int = 1, **kwargs):
    """A new figure and axes in the shared style (sizes in inches)."""
    with plt.rc_context(RC):
        return plt.subplots(nrows, ncols, figsize=(width_in, height_in), layout="constrained", **kwargs)


def save(fig, png_path: str | Path, svg_path: str | Path | None, dpi: int) -> None:
    """Write ``fig`` as PNG (at ``dpi``) and SVG, each atomically, then close it."""
    with plt.rc_context(RC):
        with atomic_path(png_path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png", metadata={"Software": None})
        if svg_path is not None:
            with atomic_path(svg_path) as tmp:
                fig.savefig(tmp, format="svg", metadata={"Date": None})
    plt.close(fig)


def time_unit(n_frames: int, frame_interval_s: float | None) -> tuple[float | None, str]:
    """(seconds per unit, unit) for a movie's time axis: minutes for movies of 5 min or more,
    seconds for shorter ones, ``(None, "frame")`` when the frame interval is unknown."""
    if frame_interval_s is None or not math.isfinite(frame_interval_s):
        return None, "frame"
    return (60.0, "min") if (n_frames - 1) * frame_interval_s >= 300 else (1.0, "s")


def time_axis(frames: np.ndarray, n_frames: int, frame_interval_s: float | None) -> tuple[np.ndarray, str]:
    """Time values of ``frames`` and the axis label, e.g. ``"Time (min)"`` or ``"Frame"``."""
    scale, unit = time_unit(n_frames, frame_interval_s)
    frames = np.asarray(frames, dtype=float)
    if scale is None:
        return frames, "Frame"
    return frames * frame_interval_s / scale, f"Time ({unit})"


def time_label(frame: int, n_frames: int, frame_interval_s: float | None) -> str:
    """Short title for one frame, e.g. ``"t = 12.0 min"`` or ``"frame 12"``."""
    scale, unit = time_unit(n_frames, frame_interval_s)
    if scale is None:
        return f"frame {frame}"
    return f"t = {frame * frame_interval_s / scale:.1f} {unit}"
